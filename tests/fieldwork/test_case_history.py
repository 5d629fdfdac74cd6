"""The dated stage history of a case (`CaseStageChange`): every change of stage — the opening
included — writes exactly one row in the same transaction, nothing else writes one; the person
timeline reads it (the step into the plan, the loops back from the evaluation, reopenings); the
case page and the API show it, the notes only to those who read the case file."""

from __future__ import annotations

import datetime as dt
import importlib
from typing import Any

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.utils import translation

from shegong.fieldwork import case_services as svc
from shegong.fieldwork import case_transfers
from shegong.fieldwork.case_timeline import case_events
from shegong.fieldwork.models import Case, CaseStageChange, Referral, ReferralStatus
from shegong.regions.models import Station
from tests.fieldwork.test_case_api import by_token
from tests.fieldwork.test_cases import (
    ADVANCES,
    DATA,
    REOPENS,
    SIGN_OFFS,
    S,
    open_case,
    put_in,
    register,
    staff,
    today,
)

pytestmark = pytest.mark.django_db

GUOYUAN = "120113001000"
JIXIANLI = "120113002000"


def history(case: Case) -> list[tuple[str, str]]:
    return [
        (ch.from_stage, ch.to_stage)
        for ch in CaseStageChange.objects.filter(case=case).order_by("changed_at", "id")
    ]


def rows(case: Case) -> int:
    return CaseStageChange.objects.filter(case=case).count()


def step(actor: Any, case: Case, to_stage: str, **data: Any) -> None:
    svc.advance(
        actor=actor,
        case=case,
        to_stage=to_stage,
        expected_version=Case.objects.get(pk=case.pk).version,
        **(DATA[to_stage] | data),
    )


def test_the_opening_is_the_first_step_dated_on_the_opening_day(persona: Any) -> None:
    worker = persona("worker")
    day = today() - dt.timedelta(days=3)
    case = svc.open_case(actor=worker, person=register(worker), source="self", opened_on=day)
    [opening] = CaseStageChange.objects.filter(case=case)
    assert (opening.from_stage, opening.to_stage) == ("", S.INTAKE)
    assert opening.changed_on == day and opening.changed_by == worker and opening.note == ""


@pytest.mark.parametrize(("src", "dst"), sorted(ADVANCES | SIGN_OFFS | REOPENS))
def test_each_transition_writes_exactly_one_row(persona: Any, src: str, dst: str) -> None:
    worker, supervisor = persona("worker"), persona("supervisor")
    case = put_in(open_case(worker), src)
    before = rows(case)
    actor = worker
    if (src, dst) in ADVANCES:
        svc.advance(
            actor=worker, case=case, to_stage=dst, expected_version=case.version, **DATA[dst]
        )
        note = DATA[dst].get("reason", "")  # only intake decisions give one
    elif (src, dst) in SIGN_OFFS:
        closure = svc.request_closure(
            actor=worker,
            case=case,
            reason="目标达成",
            summary="好转",
            expected_version=case.version,
        )
        assert rows(case) == before  # asking is not a step: the case stays where it is
        svc.sign_off_closure(actor=supervisor, closure=closure, comment="同意结案")
        actor, note = supervisor, "同意结案"
    else:
        svc.reopen(actor=worker, case=case, reason="再次求助", expected_version=case.version)
        note = "再次求助"
    assert rows(case) == before + 1
    change = CaseStageChange.objects.filter(case=case).latest("id")
    assert (change.from_stage, change.to_stage) == (src, dst)
    assert (change.changed_on, change.changed_by, change.note) == (today(), actor, note)
    assert Case.objects.get(pk=case.pk).stage == dst


def test_a_sign_off_without_comment_notes_the_closure_reason(persona: Any) -> None:
    worker = persona("worker")
    case = put_in(open_case(worker), S.EVALUATION)
    closure = svc.request_closure(
        actor=worker, case=case, reason="迁出本市", summary="已搬走", expected_version=case.version
    )
    svc.sign_off_closure(actor=persona("supervisor"), closure=closure)
    assert CaseStageChange.objects.filter(case=case).latest("id").note == "迁出本市"


def test_refused_and_stale_steps_leave_no_row(persona: Any) -> None:
    worker = persona("worker")
    case = open_case(worker)
    for to_stage, data, version in [
        (S.PLAN, DATA[S.PLAN], case.version),  # not allowed from intake
        (S.ASSESSMENT, {"consent_given": False}, case.version),  # no consent
        (S.ASSESSMENT, DATA[S.ASSESSMENT], case.version + 1),  # stale
    ]:
        with pytest.raises(ValidationError):
            svc.advance(
                actor=worker, case=case, to_stage=to_stage, expected_version=version, **data
            )
    with pytest.raises(ValidationError):
        svc.reopen(actor=worker, case=case, reason="x", expected_version=case.version)
    assert history(case) == [("", S.INTAKE)]


def test_writes_that_do_not_change_the_stage_write_no_row(persona: Any) -> None:
    worker, supervisor = persona("worker"), persona("supervisor")
    case = put_in(open_case(worker), S.INTERVENTION)
    svc.update_notes(actor=worker, case=case, notes="新记录", expected_version=version(case))
    svc.record_service(
        actor=worker,
        case=case,
        served_on=today(),
        mode="phone",
        duration_minutes=20,
        content="回访",
    )
    closure = svc.request_closure(
        actor=worker, case=case, reason="目标达成", summary="…", expected_version=version(case)
    )
    svc.sign_off_closure(actor=supervisor, closure=closure, approve=False, comment="补充评估")
    colleague = staff(persona, "history_colleague", "worker", GUOYUAN)
    case_transfers.transfer_to_worker(
        actor=worker, case=case, to_worker=colleague, expected_version=version(case)
    )
    transfer = case_transfers.request_station_transfer(
        actor=colleague,
        case=case,
        to_station=Station.objects.get(code=JIXIANLI),
        reason="搬家",
        expected_version=version(case),
    )
    head = staff(persona, "history_jixianli_head", "station_head", JIXIANLI)
    case_transfers.answer_station_transfer(
        actor=head, transfer=transfer, accept=True, to_worker=persona("neighbour_worker")
    )
    assert Case.objects.get(pk=case.pk).stage == S.INTERVENTION
    assert history(case) == [("", S.INTAKE)]  # only the opening (put_in skips the steps)


# --- read: the timeline, the case page, the API -----------------------------------------------
def run_a_case_with_loops(persona: Any) -> Case:
    """intake → assessment → plan → intervention → evaluation → plan → intervention →
    evaluation → intervention → evaluation → closed → assessment (reopened)."""
    worker, supervisor = persona("worker"), persona("supervisor")
    case = open_case(worker)
    step(worker, case, S.ASSESSMENT)
    step(worker, case, S.PLAN, assessment_summary="支持网络薄弱，饮食不规律")
    step(worker, case, S.INTERVENTION)
    svc.record_service(
        actor=worker, case=case, served_on=today(), mode="home", duration_minutes=45, content="面谈"
    )
    step(worker, case, S.EVALUATION)
    svc.advance(
        actor=worker, case=case, to_stage=S.PLAN, expected_version=version(case)
    )  # back to the plan: the assessment stands
    step(worker, case, S.INTERVENTION)
    step(worker, case, S.EVALUATION)
    svc.advance(
        actor=worker, case=case, to_stage=S.INTERVENTION, expected_version=version(case)
    )  # goals not met yet: on under the same plan
    step(worker, case, S.EVALUATION)
    closure = svc.request_closure(
        actor=worker, case=case, reason="目标达成", summary="好转", expected_version=version(case)
    )
    svc.sign_off_closure(actor=supervisor, closure=closure)
    svc.reopen(actor=worker, case=case, reason="再次求助：又不吃饭", expected_version=version(case))
    return case


def version(case: Case) -> int:
    return Case.objects.get(pk=case.pk).version


def test_every_step_of_a_looping_case_is_recorded_in_order(persona: Any) -> None:
    case = run_a_case_with_loops(persona)
    assert history(case) == [
        ("", S.INTAKE),
        (S.INTAKE, S.ASSESSMENT),
        (S.ASSESSMENT, S.PLAN),
        (S.PLAN, S.INTERVENTION),
        (S.INTERVENTION, S.EVALUATION),
        (S.EVALUATION, S.PLAN),
        (S.PLAN, S.INTERVENTION),
        (S.INTERVENTION, S.EVALUATION),
        (S.EVALUATION, S.INTERVENTION),
        (S.INTERVENTION, S.EVALUATION),
        (S.EVALUATION, S.CLOSED),
        (S.CLOSED, S.ASSESSMENT),
    ]


def events(case: Case, user: Any) -> list[tuple[dt.date, str, str]]:
    with translation.override("en"):
        return [(e.date, e.title, e.detail) for e in case_events(case.person, user)]


def test_the_timeline_reads_the_stage_history(persona: Any) -> None:
    case = run_a_case_with_loops(persona)
    # Date the steps apart, so the events must take their days from the history rows.
    changes = CaseStageChange.objects.filter(case=case)
    changes.filter(from_stage=S.ASSESSMENT, to_stage=S.PLAN).update(
        changed_on=today() - dt.timedelta(days=20)
    )
    changes.filter(from_stage=S.EVALUATION, to_stage=S.PLAN).update(
        changed_on=today() - dt.timedelta(days=10)
    )
    changes.filter(from_stage=S.CLOSED).update(changed_on=today() - dt.timedelta(days=1))
    seen = events(case, persona("worker"))
    titles = [t for _d, t, _x in seen]
    assert ("Assessment done, service plan in preparation") in titles
    plan_step = next(e for e in seen if e[1] == "Assessment done, service plan in preparation")
    assert plan_step[0] == today() - dt.timedelta(days=20)
    assert plan_step[2] == "支持网络薄弱，饮食不规律"  # the assessment, for a reader
    back = next(e for e in seen if e[1] == "Back to the service plan after the evaluation")
    assert back[0] == today() - dt.timedelta(days=10)
    assert titles.count("Intervention continued after the evaluation") == 1
    reopened = next(e for e in seen if e[1] == "Case reopened")
    assert reopened[0] == today() - dt.timedelta(days=1)  # the row's day, not the audit row's
    assert reopened[2] == "再次求助：又不吃饭"
    assert titles.count("Case closed, signed off") == 1
    assert titles.count("Case accepted at intake") == 1
    assert titles.count("Case opened (found by outreach)") == 1
    # Plan → intervention and → evaluation are told by the plan and the evaluation.
    assert titles.count("Service plan agreed") == 2
    assert titles.count("Case evaluated") == 3
    # Those who may not read the case file see the same events without their words.
    theirs = events(case, persona("district_admin"))
    assert [t for _d, t, _x in theirs] == titles
    assert all(detail == "" for _d, _t, detail in theirs)


def test_a_reopening_without_an_audit_row_is_still_on_the_timeline(persona: Any) -> None:
    """The timeline reads the history rows only: a row written without any audit row shows."""
    worker = persona("worker")
    case = put_in(open_case(worker), S.ASSESSMENT)
    CaseStageChange.objects.create(
        case=case,
        from_stage=S.DECLINED,
        to_stage=S.INTAKE,
        changed_on=today() - dt.timedelta(days=4),
        note="只在历史里",
    )
    reopened = [e for e in events(case, worker) if e[1] == "Case reopened"]
    assert reopened == [(today() - dt.timedelta(days=4), "Case reopened", "只在历史里")]


def test_the_case_page_shows_the_stages_and_the_notes_only_to_readers(
    persona: Any, login: Any
) -> None:
    case = run_a_case_with_loops(persona)
    html = login("worker").get(f"/cases/{case.pk}/").content.decode()
    section = html[html.index('data-testid="stage-history"') :]
    section = section[: section.index("</section>")]
    assert section.count("data-stage-change=") == 12
    for marker in ("opened-intake", "assessment-plan", "evaluation-plan", "closed-assessment"):
        assert f'data-stage-change="{marker}"' in section
    assert "再次求助：又不吃饭" in section and today().isoformat() in section
    admin = login("district_admin").get(f"/cases/{case.pk}/").content.decode()
    theirs = admin[admin.index('data-testid="stage-history"') :]
    theirs = theirs[: theirs.index("</section>")]
    assert theirs.count("data-stage-change=") == 12
    assert "再次求助" not in admin


def test_the_api_gives_the_stages_with_notes_only_to_readers(persona: Any) -> None:
    case = run_a_case_with_loops(persona)
    mine = by_token(persona("worker")).get(f"/api/cases/{case.pk}").json()["stages"]
    assert [(s["from_stage"], s["to_stage"]) for s in mine] == history(case)
    assert mine[-1]["note"] == "再次求助：又不吃饭"
    assert mine[-1]["changed_on"] == today().isoformat()
    assert mine[-1]["changed_by"] == persona("worker").pk
    theirs = by_token(persona("district_admin")).get(f"/api/cases/{case.pk}").json()["stages"]
    assert [(s["from_stage"], s["to_stage"]) for s in theirs] == history(case)
    assert {s["note"] for s in theirs} == {None} and {s["changed_by"] for s in theirs} == {None}


def test_the_migration_backfills_openings_and_closing_days(persona: Any) -> None:
    migration = importlib.import_module(
        "shegong.fieldwork.migrations.0005_stage_history_referral_closed_on"
    )
    worker = persona("worker")
    case = open_case(worker)
    Case.objects.filter(pk=case.pk).update(opened_on=today() - dt.timedelta(days=30))
    CaseStageChange.objects.filter(case=case).delete()
    from tests.fieldwork.test_referrals_alerts import refer

    unanswered, answered = refer(worker), refer(worker)
    day = today() - dt.timedelta(days=5)
    Referral.objects.filter(pk=unanswered.pk).update(
        status=ReferralStatus.CLOSED_NO_FEEDBACK, answered_on=day, closed_reason="无人回复"
    )
    Referral.objects.filter(pk=answered.pk).update(
        status=ReferralStatus.CLOSED_NO_FEEDBACK, answered_on=day, feedback="已接收"
    )
    migration.backfill(apps, None)
    [opening] = CaseStageChange.objects.filter(case=case)
    assert (opening.from_stage, opening.to_stage) == ("", S.INTAKE)
    assert opening.changed_on == today() - dt.timedelta(days=30)
    unanswered.refresh_from_db()
    answered.refresh_from_db()
    assert (unanswered.closed_on, unanswered.answered_on) == (day, None)
    assert (answered.closed_on, answered.answered_on) == (day, day)
