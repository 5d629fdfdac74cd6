"""Cases (个案): the stage machine, closure sign-off, optimistic locking, confidential notes and
transfers, on the demo world."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from shegong.accounts.services import create_staff_account
from shegong.core.idnumber import make
from shegong.core.models import AuditEvent
from shegong.fieldwork import case_selectors as sel
from shegong.fieldwork import case_services as svc
from shegong.fieldwork import case_transfers
from shegong.fieldwork.cases import TRANSITIONS, Via
from shegong.fieldwork.models import Case, CaseService, CaseStage, ClosureStatus
from shegong.people import services as people
from shegong.people.models import Person
from shegong.regions.models import Region, Station

pytestmark = pytest.mark.django_db

CHAOYANG = 120113001009  # 朝阳里社区, 果园新村街道 (the worker's station)
NANKAI = 120104000000
PASSWORD = "Lantern-Harbor-2026"
_seq = itertools.count(1)
S = CaseStage


def today() -> dt.date:
    return timezone.localdate()


def register(actor: Any) -> Person:
    seq = next(_seq)
    return people.register_person(
        actor=actor,
        name=f"个案{seq}",
        id_number=make("120113", dt.date(1975, 1, 1) + dt.timedelta(days=seq), 301, "F"),
        region=Region.objects.get(code=CHAOYANG),
    )


def open_case(worker: Any, notes: str = "案主曾提到家中矛盾。") -> Case:
    return svc.open_case(
        actor=worker, person=register(worker), source="outreach", problem="独居", notes=notes
    )


def staff(persona: Any, username: str, role: str, station_code: str) -> Any:
    return create_staff_account(
        actor=persona("district_admin"),
        username=username,
        password=PASSWORD,
        full_name=username,
        role=role,
        station=Station.objects.get(code=station_code),
    )


GOALS = [{"goal": "恢复规律饮食", "target": "每周至少五天按时吃饭", "due": "2030-01-31"}]
DATA: dict[str, dict[str, Any]] = {
    S.INTAKE: {},
    S.ASSESSMENT: {"consent_given": True},
    S.DECLINED: {"reason": "不符合服务范围"},
    S.REFERRED_OUT: {"reason": "转介精神卫生中心"},
    S.PLAN: {"assessment_summary": "支持网络薄弱"},
    S.INTERVENTION: {"goals": GOALS, "agreed_by_client": True, "agreed_on": dt.date(2025, 1, 2)},
    S.EVALUATION: {
        "attainment": [{"goal": "恢复规律饮食", "attained": "partly"}],
        "satisfaction": 4,
    },
    S.CLOSED: {},
}
# The table the standard asks for, written out independently of cases.TRANSITIONS.
ADVANCES = {
    (S.INTAKE, S.ASSESSMENT),
    (S.INTAKE, S.DECLINED),
    (S.INTAKE, S.REFERRED_OUT),
    (S.ASSESSMENT, S.PLAN),
    (S.PLAN, S.INTERVENTION),
    (S.INTERVENTION, S.EVALUATION),
    (S.EVALUATION, S.PLAN),
    (S.EVALUATION, S.INTERVENTION),
}
SIGN_OFFS = {(s, S.CLOSED) for s in (S.ASSESSMENT, S.PLAN, S.INTERVENTION, S.EVALUATION)}
REOPENS = {(S.CLOSED, S.ASSESSMENT), (S.DECLINED, S.INTAKE), (S.REFERRED_OUT, S.INTAKE)}


def put_in(case: Case, stage: str) -> Case:
    """Test set-up: place the case at `stage` with what that stage presumes."""
    Case.objects.filter(pk=case.pk).update(stage=stage)
    if stage in (S.INTERVENTION, S.EVALUATION):
        CaseService.objects.create(
            case=case,
            served_on=today(),
            mode="home",
            duration_minutes=30,
            content="入户",
            region_code=case.region_code,
            station_id=case.station_id,
        )
    case.refresh_from_db()
    return case


def error_code(e: pytest.ExceptionInfo[ValidationError], field: str) -> str:
    return e.value.error_dict[field][0].code or ""


def test_the_transition_table_is_the_standard() -> None:
    table = {(src, dst): how for src, tos in TRANSITIONS.items() for dst, how in tos.items()}
    assert {k for k, v in table.items() if v == Via.ADVANCE} == ADVANCES
    assert {k for k, v in table.items() if v == Via.SIGN_OFF} == SIGN_OFFS
    assert {k for k, v in table.items() if v == Via.REOPEN} == REOPENS


@pytest.mark.parametrize(("src", "dst"), list(itertools.product(S.values, S.values)))
def test_advance_matrix(persona: Any, src: str, dst: str) -> None:
    worker = persona("worker")
    case = put_in(open_case(worker), src)
    version = case.version
    if (src, dst) in ADVANCES:
        svc.advance(actor=worker, case=case, to_stage=dst, expected_version=version, **DATA[dst])
        assert case.stage == dst and case.version == version + 1
        assert AuditEvent.objects.filter(action="case.advance", object_id=str(case.pk)).exists()
    else:
        with pytest.raises(ValidationError) as e:
            svc.advance(
                actor=worker, case=case, to_stage=dst, expected_version=version, **DATA[dst]
            )
        assert error_code(e, "to_stage") == "transition"
        case.refresh_from_db()
        assert case.stage == src and case.version == version


@pytest.mark.parametrize("src", S.values)
def test_closure_request_only_from_closable_stages(persona: Any, src: str) -> None:
    worker = persona("worker")
    case = put_in(open_case(worker), src)
    if (src, S.CLOSED) in SIGN_OFFS:
        closure = svc.request_closure(
            actor=worker,
            case=case,
            reason="目标达成",
            summary="好转",
            expected_version=case.version,
        )
        assert closure.status == ClosureStatus.REQUESTED
        assert Case.objects.get(pk=case.pk).stage == src  # still open until signed
    else:
        with pytest.raises(ValidationError) as e:
            svc.request_closure(
                actor=worker, case=case, reason="x", summary="y", expected_version=case.version
            )
        assert error_code(e, "to_stage") == "transition"


@pytest.mark.parametrize("src", S.values)
def test_reopen_only_ended_cases(persona: Any, src: str) -> None:
    worker = persona("worker")
    case = put_in(open_case(worker), src)
    targets = {dst for s, dst in REOPENS if s == src}
    if targets:
        svc.reopen(actor=worker, case=case, reason="再次求助", expected_version=case.version)
        assert {case.stage} == targets and case.closed_on is None
    else:
        with pytest.raises(ValidationError) as e:
            svc.reopen(actor=worker, case=case, reason="x", expected_version=case.version)
        assert error_code(e, "to_stage") == "transition"


def test_a_case_runs_from_intake_to_signed_closure(persona: Any) -> None:
    worker, supervisor = persona("worker"), persona("supervisor")
    case = open_case(worker)
    for stage in (S.ASSESSMENT, S.PLAN, S.INTERVENTION):
        svc.advance(
            actor=worker, case=case, to_stage=stage, expected_version=case.version, **DATA[stage]
        )
    with pytest.raises(ValidationError) as e:  # no service recorded yet
        svc.advance(
            actor=worker, case=case, to_stage=S.EVALUATION, expected_version=case.version,
            **DATA[S.EVALUATION],
        )  # fmt: skip
    assert "services" in e.value.error_dict
    svc.record_service(
        actor=worker, case=case, served_on=today(), mode="home", duration_minutes=45, content="面谈"
    )
    svc.advance(
        actor=worker, case=case, to_stage=S.EVALUATION, expected_version=case.version,
        **DATA[S.EVALUATION],
    )  # fmt: skip
    closure = svc.request_closure(
        actor=worker,
        case=case,
        reason="目标达成",
        summary="饮食恢复",
        expected_version=case.version,
    )
    case.refresh_from_db()
    assert case.stage == S.EVALUATION and case.closed_on is None
    svc.sign_off_closure(actor=supervisor, closure=closure)
    case.refresh_from_db()
    assert case.stage == S.CLOSED and case.closed_on == today()
    closure.refresh_from_db()
    assert closure.supervisor_signed_by == supervisor and closure.signed_at is not None
    assert case.supervisor == supervisor


def test_closing_without_sign_off_is_refused(persona: Any) -> None:
    worker = persona("worker")
    case = put_in(open_case(worker), S.EVALUATION)
    with pytest.raises(ValidationError) as e:
        svc.advance(actor=worker, case=case, to_stage=S.CLOSED, expected_version=case.version)
    assert error_code(e, "to_stage") == "transition"
    assert "督导" in str(e.value)  # the message, in the default language
    assert Case.objects.get(pk=case.pk).stage == S.EVALUATION


@pytest.mark.parametrize(
    "who",
    ["worker", "neighbour_worker", "station_head", "district_admin", "city_admin", "auditor",
     "other_district_admin", "nankai_supervisor"],
)  # fmt: skip
def test_sign_off_only_by_a_supervisor_over_the_station(
    persona: Any, system: Any, who: str
) -> None:
    worker = persona("worker")
    case = put_in(open_case(worker), S.INTERVENTION)
    closure = svc.request_closure(
        actor=worker, case=case, reason="迁出", summary="已搬走", expected_version=case.version
    )
    if who == "nankai_supervisor":
        actor = create_staff_account(
            actor=system, username="nankai_sup", password=PASSWORD, full_name="南开督导",
            role="supervisor", region=Region.objects.get(code=NANKAI),
        )  # fmt: skip
    else:
        actor = persona(who)
    with pytest.raises(ValidationError) as e:
        svc.sign_off_closure(actor=actor, closure=closure)
    assert e.value.code == "forbidden"
    assert Case.objects.get(pk=case.pk).stage == S.INTERVENTION


def test_supervisor_may_return_a_closure_with_a_comment(persona: Any) -> None:
    worker, supervisor = persona("worker"), persona("supervisor")
    case = put_in(open_case(worker), S.EVALUATION)
    closure = svc.request_closure(
        actor=worker, case=case, reason="目标达成", summary="…", expected_version=case.version
    )
    with pytest.raises(ValidationError):
        svc.sign_off_closure(actor=supervisor, closure=closure, approve=False)
    svc.sign_off_closure(actor=supervisor, closure=closure, approve=False, comment="补充评估")
    assert Case.objects.get(pk=case.pk).stage == S.EVALUATION
    with pytest.raises(ValidationError) as e:
        svc.sign_off_closure(actor=supervisor, closure=closure)
    assert error_code(e, "status") == "transition"


def test_a_stale_save_is_refused_and_the_first_save_kept(persona: Any) -> None:
    worker, head = persona("worker"), persona("station_head")
    case = open_case(worker, notes="v1")
    mine = Case.objects.get(pk=case.pk)
    theirs = Case.objects.get(pk=case.pk)
    svc.update_notes(actor=worker, case=mine, notes="陈静的记录", expected_version=mine.version)
    with pytest.raises(ValidationError) as e:
        svc.update_notes(actor=head, case=theirs, notes="站长的记录", expected_version=1)
    assert error_code(e, "version") == "stale"
    with pytest.raises(ValidationError) as e:
        svc.advance(
            actor=head, case=theirs, to_stage=S.ASSESSMENT, expected_version=1, consent_given=True
        )
    assert error_code(e, "version") == "stale"
    stored = Case.objects.get(pk=case.pk)
    assert stored.notes == "陈静的记录" and stored.version == 2 and stored.stage == S.INTAKE
    assert not stored.intakes.exists()


def test_the_version_guard_refuses_even_past_the_early_check(persona: Any) -> None:
    worker = persona("worker")
    case = open_case(worker)
    with pytest.raises(ValidationError) as e:
        svc._bump(case, case.version + 5, notes="x")
    assert error_code(e, "version") == "stale"


NOTE_READERS = {"worker": True, "station_head": True, "supervisor": True}


@pytest.mark.parametrize(
    "who",
    ["worker", "same_station_worker", "station_head", "supervisor", "district_admin",
     "city_admin", "auditor", "neighbour_worker", "other_district_admin"],
)  # fmt: skip
def test_case_notes_are_confidential(persona: Any, who: str) -> None:
    case = open_case(persona("worker"), notes="案主透露曾被殴打")
    if who == "same_station_worker":
        user = staff(persona, "same_station_worker", "worker", "120113001000")
    else:
        user = persona(who)
    sees_case = who not in ("neighbour_worker", "other_district_admin")
    if sees_case:
        assert sel.get_case_for(user, case.pk).pk == case.pk
    else:
        with pytest.raises(Http404):
            sel.get_case_for(user, case.pk)
    assert "notes" in sel.get_case_for(persona("worker"), case.pk).get_deferred_fields()
    if NOTE_READERS.get(who):
        assert sel.case_notes_for(user, case) == "案主透露曾被殴打"
        assert AuditEvent.objects.filter(action="case.notes.read", user=user).exists()
    else:
        assert not sel.may_read_notes(user, case)
        with pytest.raises(PermissionDenied):
            sel.case_notes_for(user, case)
        assert AuditEvent.objects.filter(action="case.notes.denied", user=user).exists()


def test_only_the_assigned_worker_or_head_may_work_the_case(persona: Any) -> None:
    case = open_case(persona("worker"))
    other = staff(persona, "same_station_worker2", "worker", "120113001000")
    for user in (other, persona("supervisor"), persona("district_admin")):
        with pytest.raises(ValidationError) as e:
            svc.update_notes(actor=user, case=case, notes="x", expected_version=case.version)
        assert e.value.code == "forbidden"


def test_transfer_to_another_worker_moves_the_notes(persona: Any) -> None:
    worker = persona("worker")
    case = open_case(worker)
    colleague = staff(persona, "colleague_worker", "worker", "120113001000")
    with pytest.raises(ValidationError) as e:
        case_transfers.transfer_to_worker(
            actor=worker, case=case, to_worker=persona("neighbour_worker"),
            expected_version=case.version,
        )  # fmt: skip
    assert "to_worker" in e.value.error_dict
    case_transfers.transfer_to_worker(
        actor=worker, case=case, to_worker=colleague, expected_version=case.version
    )
    assert sel.may_read_notes(colleague, case) and not sel.may_read_notes(worker, case)


def test_station_transfer_waits_for_the_receiving_station(persona: Any) -> None:
    worker, neighbour = persona("worker"), persona("neighbour_worker")
    case = open_case(worker)
    jixianli = Station.objects.get(code="120113002000")
    transfer = case_transfers.request_station_transfer(
        actor=worker,
        case=case,
        to_station=jixianli,
        reason="案主搬家",
        expected_version=case.version,
    )
    case.refresh_from_db()
    assert case.station.code == "120113001000"  # nothing moves yet
    assert not sel.may_read_notes(neighbour, case)
    with pytest.raises(ValidationError) as e:  # the sending station cannot answer for them
        case_transfers.answer_station_transfer(
            actor=persona("station_head"), transfer=transfer, accept=True, to_worker=neighbour
        )
    assert e.value.code == "forbidden"
    head = staff(persona, "jixianli_head", "station_head", "120113002000")
    assert list(sel.transfers_to_answer(head)) == [transfer]
    case_transfers.answer_station_transfer(
        actor=head, transfer=transfer, accept=True, to_worker=neighbour
    )
    case.refresh_from_db()
    assert case.station == jixianli and case.assigned_worker == neighbour
    assert sel.may_read_notes(neighbour, case) and not sel.may_read_notes(worker, case)
    assert not sel.transfers_to_answer(head).exists()


def test_station_transfer_rejected_keeps_the_case(persona: Any) -> None:
    worker = persona("worker")
    case = open_case(worker)
    jixianli = Station.objects.get(code="120113002000")
    transfer = case_transfers.request_station_transfer(
        actor=worker, case=case, to_station=jixianli, reason="搬家", expected_version=case.version
    )
    head = staff(persona, "jixianli_head2", "station_head", "120113002000")
    with pytest.raises(ValidationError):
        case_transfers.answer_station_transfer(
            actor=head, transfer=transfer, accept=False
        )  # no reason
    case_transfers.answer_station_transfer(
        actor=head, transfer=transfer, accept=False, note="不在辖区"
    )
    case.refresh_from_db()
    assert case.station.code == "120113001000" and case.assigned_worker == worker


def test_a_case_for_another_township_cannot_be_opened(persona: Any, outside: Any) -> None:
    before = Case.objects.filter(person=outside.person).count()
    with pytest.raises(ValidationError) as e:
        svc.open_case(actor=persona("worker"), person=outside.person, source="self")
    assert e.value.code == "forbidden"
    assert Case.objects.filter(person=outside.person).count() == before
