"""Demo casework: a dozen cases in every stage of MZ/T 094-2017 with their needs assessments,
self-care assessments of some elderly and 特困, referrals and risk alerts, made by the demo
workers, the station head and the supervisor through the field-work services.

Stage records the services date themselves (the intake decision, the evaluation, the sign-off)
carry the day of the build; openings, plans, services, assessments and referrals are dated in
the past. The seeds' case is here: a youth who attempted suicide, taken to hospital and placed
in a care home the same day (a resolved self-harm alert), and an open neglect alert on an
elderly man living alone, which stays on the station head's and district admin's start pages.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from typing import Any

from shegong.accounts.models import User
from shegong.fieldwork import assessment_services, case_services, cases
from shegong.fieldwork.assessment_models import DOMAIN_SETS, SELF_CARE_KEYS
from shegong.fieldwork.case_models import Case, CaseStage
from shegong.fieldwork.services import record_visit
from shegong.people import services as people_services
from shegong.regions.models import Organization, Station

from .case_stories import NEEDS, SCENARIOS, Scenario, Who, fits_youth
from .residents import pool_of


def build_casework(
    *,
    rng: random.Random,
    today: dt.date,
    users: dict[str, User],
    guoyuan: Station,
    jixianli: Station,
) -> str:
    """Build the cases, assessments, referrals and alerts; returns a summary for the log."""
    workers = {"guoyuan": users["demo_worker"], "jixianli": users["demo_worker2"]}
    pools = {"guoyuan": pool_of(guoyuan, today, Who), "jixianli": pool_of(jixianli, today, Who)}
    used: set[int] = set()
    made: dict[str, Case] = {}
    for sc in SCENARIOS:
        at, who = _pick(pools, sc.at, sc.want, used, rng)
        made[sc.tag] = _run(sc, who, workers[at], users["demo_supervisor"], today, rng)
    at, pupil = _pick(pools, "jixianli", fits_youth, used, rng)
    _referrals(made, workers, (workers[at], pupil), today)
    _alerts(made, workers, users["demo_station_head"], today)
    selfcare = _self_care(pools, workers, today, rng)
    return f"{len(made)} cases, 3 referrals, 2 risk alerts, {selfcare} self-care assessments"


def _pick(
    pools: dict[str, list[Who]],
    at: str,
    want: Callable[[Who], int],
    used: set[int],
    rng: random.Random,
) -> tuple[str, Who]:
    """The unused person of station `at` who fits best (of 果园新村 when `at` has nobody left)."""
    free = [w for w in pools[at] if w.person.pk not in used]
    if not free:
        at = "guoyuan"
        free = [w for w in pools[at] if w.person.pk not in used]
    best = max(want(w) for w in free)
    who = rng.choice([w for w in free if want(w) == best])
    used.add(who.person.pk)
    return at, who


def _domains(who: Who, on: dt.date, rng: random.Random) -> dict[str, dict[str, str]]:
    domain_set = assessment_services.domain_set_for(who.person, on)
    out: dict[str, dict[str, str]] = {}
    for domain in DOMAIN_SETS[domain_set]:
        level = rng.choices(["none", "low", "medium", "high"], weights=[35, 30, 25, 10])[0]
        out[str(domain)] = {
            "level": level,
            "needs": NEEDS[str(domain)] if level in ("medium", "high") else "",
        }
    return out


def _run(
    sc: Scenario, who: Who, worker: User, supervisor: User, today: dt.date, rng: random.Random
) -> Case:
    """Open the case and take it as far as the scenario says, step by step, as a worker would."""
    person = who.person
    opened = today - dt.timedelta(days=sc.opened)

    def day(after: int) -> dt.date:
        return min(today, opened + dt.timedelta(days=after))

    case = case_services.open_case(
        actor=worker,
        person=person,
        source=sc.source,
        problem=sc.problem,
        referrer=sc.referrer,
        notes=sc.notes,
        opened_on=opened,
    )

    def advance(to: str, **data: Any) -> None:
        case_services.advance(
            actor=worker, case=case, to_stage=to, expected_version=case.version, **data
        )

    if sc.stage == CaseStage.INTAKE:
        return case
    if sc.stage == CaseStage.REFERRED_OUT:
        advance(CaseStage.REFERRED_OUT, reason=sc.summary)
        return case
    advance(CaseStage.ASSESSMENT, consent_given=True)
    assessment_services.record_needs_assessment(
        actor=worker,
        person=person,
        assessed_on=day(3),
        domains=_domains(who, day(3), rng),
        summary=sc.summary or sc.problem,
        strengths="案主有求助意愿，社区支持网络可以动员。",
        case=case,
    )
    if sc.stage == CaseStage.ASSESSMENT:
        return case
    advance(CaseStage.PLAN, assessment_summary=sc.summary)
    if sc.stage == CaseStage.PLAN:
        return case
    agreed = day(10)
    goals = [
        {"goal": g, "target": t, "due": agreed + dt.timedelta(days=60 + 30 * i)}
        for i, (g, t) in enumerate(sc.goals)
    ]
    advance(
        CaseStage.INTERVENTION,
        goals=goals,
        tasks=f"社工{worker.full_name}负责个案跟进；社区居委会协助入户。",
        agreed_by_client=who.age >= 18,
        agreed_by_guardian=who.age < 18,
        agreed_on=agreed,
    )
    span = max(1, (today - agreed).days)
    offsets = sorted(rng.sample(range(span + 1), min(len(sc.services), span + 1)))
    for offset, content in zip(offsets, sc.services, strict=False):
        case_services.record_service(
            actor=worker,
            case=case,
            served_on=agreed + dt.timedelta(days=offset),
            mode=rng.choice(["home", "home", "phone", "office", "escort"]),
            duration_minutes=rng.choice([30, 45, 60, 90, 120]),
            content=content,
            resources=rng.choice(["", "", "社区居委会", "街道社区卫生服务中心", "志愿者服务队"]),
        )
    if sc.stage == CaseStage.INTERVENTION:
        return case
    advance(
        CaseStage.EVALUATION,
        attainment=[
            {"goal": g, "attained": rng.choice(["yes", "yes", "partly"])} for g, _t in sc.goals
        ],
        satisfaction=rng.choice([4, 5]),
        changes="案主生活状况有明显改善，支持网络初步建立。",
    )
    if sc.stage == CaseStage.EVALUATION:
        return case
    closure = case_services.request_closure(
        actor=worker,
        case=case,
        reason="服务目标基本达成",
        summary=f"{sc.summary}经{len(sc.services)}次服务，目标基本达成，案主同意结案。",
        follow_up_on=today + dt.timedelta(days=30),
        expected_version=case.version,
    )
    if sc.stage == "closing":
        return case
    case_services.sign_off_closure(
        actor=supervisor, closure=closure, comment="服务记录完整，同意结案，一个月后回访。"
    )
    case.refresh_from_db()
    if sc.stage == "reopened":
        case_services.reopen(
            actor=worker,
            case=case,
            reason="结案后老人再次忘关燃气，女儿请求继续跟进。",
            expected_version=case.version,
        )
    return case


def _referrals(
    made: dict[str, Case], workers: dict[str, User], pupil: tuple[User, Who], today: dt.date
) -> None:
    orgs = {o.name: o for o in Organization.objects.filter(name__in=_ORGS)}
    mental = made["mental"]
    worker = _worker_of(mental, workers)
    answered = cases.make_referral(
        actor=worker,
        person=mental.person,
        direction="out",
        to_organization=orgs["北辰区精神卫生中心"],
        service_type="mental_health",
        reason="抑郁情绪明显，曾有轻生念头，请求专业评估与治疗。",
        case=mental,
        sent_on=mental.opened_on + dt.timedelta(days=12),
    )
    cases.record_referral_feedback(
        actor=worker,
        referral=answered,
        status="done",
        feedback="已接诊，诊断为中度抑郁，安排每两周门诊复诊。",
        outcome="规律服药，情绪较前平稳，继续门诊随访。",
    )
    legal = made["legal"]
    cases.make_referral(
        actor=_worker_of(legal, workers),
        person=legal.person,
        direction="out",
        to_organization=orgs["天津辰光律师事务所"],
        service_type="legal_aid",
        reason="子女拒付赡养费半年，调解未果，请求法律援助。",
        case=legal,
        sent_on=today - dt.timedelta(days=20),
    )
    # Incoming, not answered yet: on the receiving worker's start page.
    cases.make_referral(
        actor=pupil[0],
        person=pupil[1].person,
        direction="in",
        other_party="北辰区集贤里小学",
        reason="学生近一个月多次缺课，放学后常独自在家，请社工站上门了解情况。",
        sent_on=today - dt.timedelta(days=1),
    )


_ORGS = ("北辰区精神卫生中心", "天津辰光律师事务所")


def _worker_of(case: Case, workers: dict[str, User]) -> User:
    return next(w for w in workers.values() if w.pk == case.assigned_worker_id)


def _alerts(made: dict[str, Case], workers: dict[str, User], head: User, today: dt.date) -> None:
    youth = made["youth"]
    worker = _worker_of(youth, workers)
    people_services.set_risk_level(
        actor=worker, person=youth.person, level="crisis", reason="自杀未遂，已安置"
    )
    alert = cases.raise_alert(
        actor=worker,
        person=youth.person,
        kind="self_harm",
        description="昨晚服药过量自杀未遂，已送医抢救；父亲醉酒，家中无人可照护。",
        case=youth,
    )
    for kind, note in (
        ("hospital", "北辰医院急诊洗胃，生命体征平稳后出院。"),
        ("placement", "当日安置到北辰区儿童福利院临时照护，福利院社工接手夜间看护。"),
        ("referral", "转介心理危机干预，约定每周一次咨询。"),
    ):
        cases.record_alert_action(actor=worker, alert=alert, kind=kind, taken_on=today, note=note)
    cases.resolve_alert(
        actor=head,
        alert=alert,
        resolution="已当日安置并转介心理危机干预，后续在个案中跟进。",
    )
    neglect = made["neglect"]
    man = neglect.person
    worker = _worker_of(neglect, workers)
    people_services.set_risk_level(
        actor=worker, person=man, level="high", reason="独居，疑似被子女疏于照顾"
    )
    record_visit(
        actor=worker,
        person=man,
        kind="home_visit",
        visited_on=today,
        needs_found="家中无存粮，衣物多日未换洗，需要助餐和上门保洁。",
        notes="老人消瘦，说儿子半年没来过，疑似疏于照顾；已联系社区居委会。",
    )
    cases.raise_alert(
        actor=worker,
        person=man,
        kind="neglect",
        description="独居老人家中无存粮，衣物多日未换洗，子女半年未探望，疑似疏于照顾。",
        case=neglect,
    )


def _self_care(
    pools: dict[str, list[Who]],
    workers: dict[str, User],
    today: dt.date,
    rng: random.Random,
) -> int:
    """Self-care assessments of the oldest persons and the 特困 (about a dozen)."""
    made = 0
    for at, pool in pools.items():
        fits = [w for w in pool if w.age >= 75 or "tekun" in w.codes]
        for who in rng.sample(fits, min(len(fits), 9 if at == "guoyuan" else 3)):
            failed = rng.choices([0, 1, 2, 3, 4, 6], weights=[40, 20, 15, 10, 10, 5])[0]
            lost = set(rng.sample(SELF_CARE_KEYS, failed))
            assessment_services.record_self_care_assessment(
                actor=workers[at],
                person=who.person,
                assessed_on=today - dt.timedelta(days=rng.randint(5, 150)),
                items={k: k not in lost for k in SELF_CARE_KEYS},
                note="入户评估，家属在场。" if failed else "",
            )
            made += 1
    return made
