"""Demo field work: half a year of visits following the visit policy, a few households visited
as a whole, and (in `casework`) cases in every stage, assessments, referrals and risk alerts.

Everything goes through the field-work services. At the stations where demo logins work
(果园新村: demo_worker with the station head; 集贤里: demo_worker2) the visits are recorded by
those users, with checklists, needs and notes, so the audit log names real people. The other
township stations have no logins: their contacts are entered from the stations' paper ledgers
by the demo's system actor (the last two contacts per requirement, no checklist), each station
with its own diligence, so "nobody forgotten" shows realistic counts per station.

Who is contacted when follows the visit policy (`fieldwork.policy`) on the day of the build:
most persons were contacted in time, some are due today or this week, about one in eight is
overdue (a few never contacted in the half year). Deterministic for a given seed and day.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from shegong.accounts.models import User
from shegong.core.actors import SystemActor
from shegong.fieldwork import policy
from shegong.fieldwork.models import ContactKind, VisitKind, VisitPolicy
from shegong.fieldwork.selectors import end_of_week
from shegong.fieldwork.services import record_visit
from shegong.people import services as people_services
from shegong.people.models import (
    Category,
    CategoryMembership,
    LivingSituation,
    Person,
    PersonStatus,
    Relation,
    RiskAssessment,
)
from shegong.regions.models import Station, StationKind

from .builder import GUOYUAN, JIXIANLI, TIANJIN

WINDOW_DAYS = 182  # how far back the visits go
SHORT_CHAIN_DAYS = 56  # weekly and fortnightly calls are kept for the last eight weeks
LEDGER_CONTACTS = 2  # contacts per requirement entered from a paper ledger
LEDGER_DILIGENCE = (0.95, 0.92, 0.9, 0.85, 0.8, 0.7, 0.6)

NOTES_VISIT = (
    "老人精神状态较好，室内整洁，按时服药。",
    "家中暖气正常，冰箱有存粮，嘱咐注意防滑。",
    "与老人聊家常约半小时，老人情绪稳定。",
    "检查燃气阀门和电线插座，未见明显隐患。",
    "子女本周来看望过，生活照料基本到位。",
    "孩子放学在家，作业已完成，监护人在场。",
    "了解近期就医情况，慢性病用药充足。",
    "协助整理低保年审材料，讲解政策变化。",
)
NOTES_CALL = (
    "电话问候，老人说一切都好。",
    "电话回访，身体无新情况，提醒天冷添衣。",
    "电话联系，提醒下周社区义诊时间。",
    "电话回访，告知助餐点开放时间。",
    "电话问候，老人说腿脚有点疼，已建议就医。",
)
NOTES_SCREENING = (
    "走访摸排，登记基本情况，暂无特殊需求。",
    "随网格员走访，核实居住情况和联系方式。",
)
NOTES_ESCORT = ("陪同到北辰医院复查，取药后送回家。", "陪同到社区卫生服务中心体检。")
NOTES_LEDGER = "据站点纸质走访台账补录。"
NEEDS = (
    "需要助餐服务，希望每天有人送午饭。",
    "卫生间需安装扶手和防滑垫。",
    "希望有人代购常用药品。",
    "冬季取暖费有困难，建议申请临时救助。",
    "孩子周末无人辅导作业，希望参加课后托管。",
    "行动不便，需要轮椅和上门理发服务。",
)
CONCERNS = {
    "health": "血压偏高，提醒按时服药",
    "meals": "冰箱存粮不多",
    "safety_hazards": "燃气软管老化",
    "hygiene": "衣物换洗不及时",
    "mood": "情绪低落，话比平时少",
    "heating": "暖气不太热",
    "body": "感冒未愈",
    "study": "数学成绩下滑",
    "living_conditions": "房间潮湿",
    "guardianship": "祖母年迈，辅导力不从心",
    "schooling": "本月缺课两天",
    "needs": "希望了解临时救助政策",
}
NOTES: dict[str, tuple[str, ...]] = {
    VisitKind.HOME_VISIT: NOTES_VISIT,
    VisitKind.PHONE_CALL: NOTES_CALL,
    VisitKind.SCREENING: NOTES_SCREENING,
    VisitKind.ESCORT: NOTES_ESCORT,
    VisitKind.OTHER: NOTES_CALL,
}
VOLUNTEERS = ("志愿者王阿姨", "网格员李姐", "社区志愿者两名", "果园新村针锋裁缝志愿服务队")


@dataclass
class Team:
    """Who records the contacts of a station's persons, and how carefully."""

    actor: Any
    companions: list[User] = field(default_factory=list)
    detailed: bool = True  # checklists, needs, notes, next date, the whole history
    on_time: float = 0.78


@dataclass
class Stats:
    visits: int = 0
    persons: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)


def build_fieldwork(
    *, rng: random.Random, today: dt.date, say: Callable[[str], None] = lambda s: None
) -> None:
    """Build the demo's field work (see the module docstring)."""
    from . import casework

    users = {u.username: u for u in User.objects.filter(username__startswith="demo_")}
    worker, head = users["demo_worker"], users["demo_station_head"]
    guoyuan = Station.objects.get(region_id=GUOYUAN, kind=StationKind.TOWNSHIP)
    jixianli = Station.objects.get(region_id=JIXIANLI, kind=StationKind.TOWNSHIP)
    ledger = SystemActor("demo")
    teams: dict[int, Team] = {
        guoyuan.pk: Team(actor=worker, companions=[head]),
        jixianli.pk: Team(actor=users["demo_worker2"]),
    }
    for st in (
        Station.objects.filter(
            kind=StationKind.TOWNSHIP, region_id__gte=TIANJIN, region_id__lt=TIANJIN + 10**10
        )
        .exclude(pk__in=list(teams))
        .order_by("pk")
    ):
        teams[st.pk] = Team(actor=ledger, detailed=False, on_time=rng.choice(LEDGER_DILIGENCE))
    heads = _households(actor=worker, station=guoyuan, today=today)
    visits = _Visits(rng=rng, today=today, teams=teams)
    required = visits.policy_contacts()
    visits.households(heads)
    visits.screening(required)
    stats = visits.stats
    made = casework.build_casework(
        rng=rng, today=today, users=users, guoyuan=guoyuan, jixianli=jixianli
    )
    say(
        f"demo: {stats.visits} visits of {stats.persons} persons "
        f"({', '.join(f'{k} {v}' for k, v in sorted(stats.outcomes.items()))}), {made}"
    )


# --- households -------------------------------------------------------------------------------
def _households(*, actor: Any, station: Station, today: dt.date) -> list[Person]:
    """A few households in 果园新村 (grandparent and grandchild, an empty-nest couple): persons
    of the same community registered apart, put together through the people services. Returns
    the head of each, whose visit is then made for the whole household."""
    persons = list(
        Person.objects.filter(station=station, status=PersonStatus.ACTIVE, household=None)
        .select_related("region")
        .order_by("pk")
    )

    def age(p: Person) -> int:
        return p.age_on(today) or 0

    def child(p: Person) -> bool:
        return age(p) < 16

    def grandparent(p: Person) -> bool:
        return age(p) >= 60 and p.living_situation in (
            LivingSituation.WITH_CHILDREN,
            LivingSituation.WITH_RELATIVES,
        )

    def empty_nest(p: Person) -> bool:
        return age(p) >= 60 and p.living_situation == LivingSituation.EMPTY_NEST

    used: set[int] = set()
    heads: list[Person] = []
    for member_ok, head_ok, relation in (
        (child, grandparent, Relation.GRANDCHILD),
        (empty_nest, empty_nest, Relation.SPOUSE),
    ):
        made = 0
        for member in persons:
            if made == 2:
                break
            if member.pk in used or not member_ok(member):
                continue
            head = next(
                (
                    p
                    for p in persons
                    if p.pk not in used
                    and p.pk != member.pk
                    and p.region_id == member.region_id
                    and head_ok(p)
                    and (relation != Relation.SPOUSE or p.gender not in ("", member.gender))
                ),
                None,
            )
            if head is None:
                continue
            used |= {member.pk, head.pk}
            people_services.create_household(
                actor=actor,
                region=member.region,
                address=head.residence_address,
                members=[(head, Relation.HEAD), (member, relation)],
            )
            heads.append(Person.objects.get(pk=head.pk))
            made += 1
    return heads


# --- visits -----------------------------------------------------------------------------------
def _outcomes(
    rng: random.Random,
    team: Team,
    persons: list[tuple[Person, policy.Requirement]],
    today: dt.date,
) -> dict[int, str]:
    """Person id → how their contacts stand today, by quota: a share `1 - on_time` is late or
    due soon (at a detailed station at least two due today and one of each other kind), taken
    among those whose requirement (the person's target: a home visit if one is required)
    started long enough ago for them to be late. Everyone else was contacted in time."""
    late = round(len(persons) * (1 - team.on_time))
    shares = {"due_today": 0.12, "due_this_week": 0.23, "long_overdue": 0.17, "never": 0.08}
    counts = {k: round(late * v) for k, v in shares.items()}
    counts["overdue"] = max(0, late - sum(counts.values()))
    if team.detailed:
        counts = {k: max(v, 2 if k == "due_today" else 1) for k, v in counts.items()}
    feasible = [
        p.pk
        for p, target in persons
        if target.since + dt.timedelta(days=target.length + 21) <= today
    ]
    rng.shuffle(feasible)
    out: dict[int, str] = {}
    for outcome, n in counts.items():
        for pk in feasible[:n]:
            out[pk] = outcome
        feasible = feasible[n:]
    return out


def _before(day: dt.date, req: policy.Requirement) -> dt.date:
    """The last contact after which the next one is due on `day`."""
    if req.interval_months:
        return policy.add_months(day, -req.interval_months)
    return day - dt.timedelta(days=req.interval_days)


def _last_contact(
    outcome: str, req: policy.Requirement, today: dt.date, rng: random.Random
) -> dt.date | None:
    week_end = end_of_week(today)
    if outcome == "on_time":
        earliest = _before(week_end, req) + dt.timedelta(days=1)
        spread = max(0, (today - earliest).days)
        return today - dt.timedelta(days=rng.randint(0, spread))
    if outcome == "due_today":
        return _before(today, req)
    if outcome == "due_this_week":
        ahead = (week_end - today).days
        return _before(today + dt.timedelta(days=rng.randint(1, ahead) if ahead else 0), req)
    if outcome == "overdue":
        return _before(today - dt.timedelta(days=rng.randint(1, 21)), req)
    if outcome == "long_overdue":
        return _before(today - dt.timedelta(days=rng.randint(22, 75)), req)
    return None


def _chain(
    last: dt.date | None, req: policy.Requirement, start: dt.date, limit: int, rng: random.Random
) -> list[dt.date]:
    """Contacts back from `last` to `start`, each a little before the interval ran out."""
    out: list[dt.date] = []
    day = last
    step = req.length
    if step <= 14:
        start = max(start, (last or start) - dt.timedelta(days=SHORT_CHAIN_DAYS))
    while day is not None and day >= start and len(out) < limit:
        out.append(day)
        day -= dt.timedelta(days=step - rng.randint(0, max(1, step // 5)))
    return out


def _kind_for(req: policy.Requirement, rng: random.Random, *, with_visits: bool) -> str:
    if req.kind == ContactKind.VISIT:
        return VisitKind.ESCORT if rng.random() < 0.08 else VisitKind.HOME_VISIT
    if with_visits:  # calls between the home visits (an in-person one would count for both)
        return VisitKind.PHONE_CALL
    if req.length <= 14:
        return VisitKind.PHONE_CALL if rng.random() < 0.85 else VisitKind.HOME_VISIT
    return rng.choices(
        [VisitKind.PHONE_CALL, VisitKind.HOME_VISIT, VisitKind.SCREENING], weights=[45, 40, 15]
    )[0]


def _target(reqs: list[policy.Requirement]) -> policy.Requirement:
    """The requirement whose due date the demo sets: the home visit if one is required."""
    return next((r for r in reqs if r.kind == ContactKind.VISIT), reqs[0])


def _plan(
    person: Person,
    reqs: list[policy.Requirement],
    outcome: str,
    team: Team,
    today: dt.date,
    rng: random.Random,
) -> dict[dt.date, tuple[str, policy.Requirement]]:
    """Date → (kind, requirement) of the person's contacts in the window."""
    start = max(today - dt.timedelta(days=WINDOW_DAYS), person.birth_date or dt.date.min)
    limit = 999 if team.detailed else LEDGER_CONTACTS
    by_kind = {r.kind: r for r in reqs}
    target = _target(reqs)
    visits: dict[dt.date, tuple[str, policy.Requirement]] = {}
    if ContactKind.VISIT in by_kind:
        r = by_kind[ContactKind.VISIT]
        last = _last_contact(outcome if r is target else "on_time", r, today, rng)
        for day in _chain(last, r, start, limit, rng):
            visits[day] = (_kind_for(r, rng, with_visits=True), r)
    if ContactKind.ANY in by_kind:
        r = by_kind[ContactKind.ANY]
        last = _last_contact(outcome if r is target else "on_time", r, today, rng)
        near = {d + dt.timedelta(days=k) for d in visits for k in range(-3, 4)}
        for day in _chain(last, r, start, limit, rng):
            if day not in near:
                visits[day] = (_kind_for(r, rng, with_visits=bool(visits)), r)
    return visits


class _Visits:
    """Records the contacts of the persons of the township stations, team by team."""

    def __init__(self, *, rng: random.Random, today: dt.date, teams: dict[int, Team]) -> None:
        self.rng, self.today, self.teams = rng, today, teams
        self.persons = list(
            Person.objects.filter(station_id__in=list(teams), status=PersonStatus.ACTIVE).order_by(
                "pk"
            )
        )
        ids = [p.pk for p in self.persons]
        self.held: dict[int, list[CategoryMembership]] = {}
        for m in CategoryMembership.objects.filter(person_id__in=ids, valid_from__lte=today).only(
            "person_id", "category_id", "valid_from", "valid_to"
        ):
            self.held.setdefault(m.person_id, []).append(m)
        self.history: dict[int, list[tuple[str, dt.date]]] = {}
        for pid, level, day in (
            RiskAssessment.objects.filter(person_id__in=ids)
            .order_by("person_id", "-assessed_on", "-id")
            .values_list("person_id", "level", "assessed_on")
        ):
            self.history.setdefault(pid, []).append((level, day))
        self.codes = dict(Category.objects.values_list("pk", "code"))
        self.stats = Stats()

    def policy_contacts(self) -> set[int]:
        """Every person's contacts as the policy asks; returns who has a requirement."""
        policies = list(VisitPolicy.objects.all())
        oldest = policy.oldest_old_id()
        needs: dict[int, list[tuple[Person, list[policy.Requirement]]]] = {}
        for person in self.persons:
            since = policy.risk_level_since(self.history.get(person.pk, []), person.risk_level)
            reqs = policy.required_contacts(
                person,
                self.today,
                policies,
                self.held.get(person.pk, []),
                oldest_old=oldest,
                risk_since=since,
            )
            if reqs:
                needs.setdefault(person.station_id, []).append((person, reqs))  # type: ignore[arg-type]
        for station, rows in needs.items():
            team = self.teams[station]
            targets = [(p, _target(reqs)) for p, reqs in rows]
            outcomes = _outcomes(self.rng, team, targets, self.today)
            for person, reqs in rows:
                outcome = outcomes.get(person.pk, "on_time")
                self.stats.outcomes[outcome] = self.stats.outcomes.get(outcome, 0) + 1
                plan = _plan(person, reqs, outcome, team, self.today, self.rng)
                for day in sorted(plan):
                    kind, req = plan[day]
                    self.record(person, day, kind, req)
                self.stats.persons += 1
        return {p.pk for rows in needs.values() for p, _r in rows}

    def households(self, heads: Iterable[Person]) -> None:
        """One home visit of each household early in the window (so it decides nobody's next
        due date): the service makes one visit for every member."""
        for head in heads:
            ago = self.rng.randint(WINDOW_DAYS - 40, WINDOW_DAYS - 10)
            day = self.today - dt.timedelta(days=ago)
            self.record(head, day, VisitKind.HOME_VISIT, None, whole_household=True)

    def screening(self, required: set[int]) -> None:
        """A screening round (走访摸排) three months ago through about half of the persons of
        the detailed stations whom the policy does not ask to contact."""
        day = self.today - dt.timedelta(days=90)
        for person in self.persons:
            team = self.teams[person.station_id]  # type: ignore[index]
            if not team.detailed or person.pk in required:
                continue
            if (person.birth_date and person.birth_date > day) or self.rng.random() < 0.5:
                continue
            self.record(person, day, VisitKind.SCREENING, None)

    def checklist_keys(self, person: Person, day: dt.date) -> list[str]:
        """`policy.checklist_for` from the memberships already loaded."""
        codes = [
            self.codes[m.category_id]
            for m in self.held.get(person.pk, [])
            if m.valid_from <= day and (m.valid_to is None or m.valid_to >= day)
        ]
        return policy.checklist_items(
            codes,
            age=person.age_on(day),
            lives_alone=person.living_situation == LivingSituation.ALONE,
        )

    def record(
        self,
        person: Person,
        day: dt.date,
        kind: str,
        req: policy.Requirement | None,
        *,
        whole_household: bool = False,
    ) -> None:
        team, rng = self.teams[person.station_id], self.rng  # type: ignore[index]
        self.stats.visits += 1
        if not team.detailed:
            record_visit(
                actor=team.actor, person=person, kind=kind, visited_on=day, notes=NOTES_LEDGER
            )
            return
        actor = team.actor
        workers = [actor]
        if team.companions and rng.random() < 0.2:
            if rng.random() < 0.5:
                actor = team.companions[0]
                workers = [actor]
            else:
                workers.append(team.companions[0])
        checklist: dict[str, Any] = {}
        needs = ""
        if kind in (VisitKind.HOME_VISIT, VisitKind.SCREENING):
            for key in self.checklist_keys(person, day):
                if rng.random() < 0.08:
                    checklist[key] = {"status": "concern", "note": CONCERNS[key]}
                else:
                    checklist[key] = "ok" if rng.random() < 0.9 else ""
            if rng.random() < 0.15:
                needs = rng.choice(NEEDS)
        next_due = None
        if req is not None and kind != VisitKind.PHONE_CALL:
            next_due = day + dt.timedelta(days=max(0, req.length - 2))
        record_visit(
            actor=actor,
            person=person,
            kind=kind,
            visited_on=day,
            workers=workers,
            volunteers_text=rng.choice(VOLUNTEERS) if rng.random() < 0.12 else "",
            checklist=checklist,
            needs_found=needs,
            notes=rng.choice(NOTES[kind]),
            next_due=next_due,
            whole_household=whole_household,
        )
