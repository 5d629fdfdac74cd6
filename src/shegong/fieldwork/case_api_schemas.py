"""The JSON shapes of the case API (case_api) and how a case becomes one.

Everyone who may see a case (CASE_VIEW over its division) gets its `CaseItem` fields: person,
station, worker, stage, dates, version, whether a closure or transfer is pending. The notes and
the case file (`file`) are filled in only for those who may read them; for everyone else they
are null and `notes_confidential` is true.
"""
# No `from __future__ import annotations`: django-ninja resolves the annotations at import.

import datetime as dt
from typing import Any

from django.urls import reverse
from ninja import Schema

from shegong.core.models import Attachment

from . import case_history
from . import case_selectors as sel
from .case_models import Case, CaseClosure, CaseService, CaseStageChange, CaseTransfer


class ErrorOut(Schema):
    detail: str
    errors: dict[str, list[str]]
    codes: dict[str, list[str | None]] = {}


class CaseItem(Schema):
    id: int
    person: int
    person_name: str
    station: str
    station_name: str
    region: str
    assigned_worker: int
    assigned_worker_name: str
    stage: str
    opened_on: dt.date
    closed_on: dt.date | None
    version: int


class IntakeOut(Schema):
    decision: str
    consent_given: bool
    reason: str
    decided_on: dt.date
    decided_by: int | None


class PlanOut(Schema):
    id: int
    goals: list[dict[str, Any]]
    tasks: str
    agreed_by_client: bool
    agreed_by_guardian: bool
    agreed_on: dt.date | None
    created_at: dt.datetime


class ServiceOut(Schema):
    id: int
    case: int
    served_on: dt.date
    mode: str
    duration_minutes: int
    content: str
    resources: str
    recorded_by: int | None
    recorded_at: dt.datetime
    alert_suggestions: list[str] = []  # risk kinds the content suggests raising an alert for


class EvaluationOut(Schema):
    attainment: list[dict[str, Any]]
    satisfaction: int
    changes: str
    evaluated_on: dt.date


class ClosureOut(Schema):
    id: int
    case: int
    reason: str
    summary: str
    follow_up_on: dt.date | None
    status: str
    requested_by: int | None
    requested_at: dt.datetime
    supervisor_signed_by: int | None
    signed_at: dt.datetime | None
    supervisor_comment: str


class TransferOut(Schema):
    id: int
    case: int
    person_name: str
    stage: str
    from_station: str
    to_station: str
    to_station_name: str
    reason: str
    status: str
    requested_at: dt.datetime
    answered_at: dt.datetime | None
    answer_note: str


class CaseFileOut(Schema):
    source: str
    referrer: str
    problem: str
    assessment_summary: str
    intakes: list[IntakeOut]
    plans: list[PlanOut]
    services: list[ServiceOut]
    evaluations: list[EvaluationOut]
    closures: list[ClosureOut]
    transfers: list[TransferOut]


class StageChangeOut(Schema):
    from_stage: str  # "" for the opening
    to_stage: str
    changed_on: dt.date
    changed_by: int | None  # null unless you may read the case file
    note: str | None  # null unless you may read the case file


class CaseOut(CaseItem):
    notes: str | None  # null unless you may read the case notes
    notes_confidential: bool  # true when the notes and the case file are withheld from you
    closure_pending: bool
    transfer_pending_to: str | None  # the receiving station's code
    file: CaseFileOut | None
    stages: list[StageChangeOut]  # the dated changes of stage, oldest first
    alert_suggestions: list[str] = []  # after a write: risk kinds the text suggests


class StaleOut(ErrorOut):
    current: CaseOut | None = None  # the case as it is now: check it, then send again


class AttachmentOut(Schema):
    id: int
    kind: str
    original_name: str
    content_type: str
    size: int
    caption: str
    uploaded_at: dt.datetime
    url: str  # /api/attachments/{id}/file: token or session
    thumbnail_url: str | None


def case_item(c: Case) -> dict[str, Any]:
    return {
        "id": c.pk,
        "person": c.person_id,
        "person_name": c.person.name,
        "station": c.station.code,
        "station_name": c.station.name,
        "region": f"{c.region_code:012d}",
        "assigned_worker": c.assigned_worker_id,
        "assigned_worker_name": str(c.assigned_worker),
        "stage": c.stage,
        "opened_on": c.opened_on,
        "closed_on": c.closed_on,
        "version": c.version,
    }


def service_out(s: CaseService, suggestions: list[str] | None = None) -> ServiceOut:
    return ServiceOut(
        id=s.pk,
        case=s.case_id,
        served_on=s.served_on,
        mode=s.mode,
        duration_minutes=s.duration_minutes,
        content=s.content,
        resources=s.resources,
        recorded_by=s.recorded_by_id,
        recorded_at=s.recorded_at,
        alert_suggestions=suggestions or [],
    )


def closure_out(c: CaseClosure) -> ClosureOut:
    return ClosureOut(
        id=c.pk,
        case=c.case_id,
        reason=c.reason,
        summary=c.summary,
        follow_up_on=c.follow_up_on,
        status=c.status,
        requested_by=c.requested_by_id,
        requested_at=c.requested_at,
        supervisor_signed_by=c.supervisor_signed_by_id,
        signed_at=c.signed_at,
        supervisor_comment=c.supervisor_comment,
    )


def transfer_out(t: CaseTransfer) -> TransferOut:
    return TransferOut(
        id=t.pk,
        case=t.case_id,
        person_name=t.case.person.name,
        stage=t.case.stage,
        from_station=t.from_station.code,
        to_station=t.to_station.code,
        to_station_name=t.to_station.name,
        reason=t.reason,
        status=t.status,
        requested_at=t.requested_at,
        answered_at=t.answered_at,
        answer_note=t.answer_note,
    )


def _file_out(case: Case) -> CaseFileOut:
    f = sel.case_file(case)
    return CaseFileOut(
        source=case.source,
        referrer=case.referrer,
        problem=case.problem,
        assessment_summary=case.assessment_summary,
        intakes=[
            IntakeOut(
                decision=i.decision,
                consent_given=i.consent_given,
                reason=i.reason,
                decided_on=i.decided_on,
                decided_by=i.decided_by_id,
            )
            for i in f.intakes
        ],
        plans=[
            PlanOut(
                id=p.pk,
                goals=p.goals,
                tasks=p.tasks,
                agreed_by_client=p.agreed_by_client,
                agreed_by_guardian=p.agreed_by_guardian,
                agreed_on=p.agreed_on,
                created_at=p.created_at,
            )
            for p in f.plans
        ],
        services=[service_out(s) for s in f.services],
        evaluations=[
            EvaluationOut(
                attainment=e.attainment,
                satisfaction=e.satisfaction,
                changes=e.changes,
                evaluated_on=e.evaluated_on,
            )
            for e in f.evaluations
        ],
        closures=[closure_out(c) for c in f.closures],
        transfers=[transfer_out(t) for t in f.transfers],
    )


def case_out(user: Any, case: Case, suggestions: list[str] | None = None) -> CaseOut:
    """The case as `user` may see it (reading the notes is audited by the selector)."""
    reader = sel.may_read_notes(user, case)
    transfer = sel.pending_transfer(case)
    return CaseOut(
        **case_item(case),
        notes=sel.case_notes_for(user, case) if reader else None,
        notes_confidential=not reader,
        closure_pending=sel.pending_closure(case) is not None,
        transfer_pending_to=transfer.to_station.code if transfer else None,
        file=_file_out(case) if reader else None,
        stages=[_stage_out(ch, reader) for ch in case_history.stage_history(case)],
        alert_suggestions=suggestions or [],
    )


def _stage_out(ch: CaseStageChange, reader: bool) -> StageChangeOut:
    return StageChangeOut(
        from_stage=ch.from_stage,
        to_stage=ch.to_stage,
        changed_on=ch.changed_on,
        changed_by=ch.changed_by_id if reader else None,
        note=ch.note if reader else None,
    )


def attachment_out(a: Attachment) -> AttachmentOut:
    return AttachmentOut(
        id=a.pk,
        kind=a.kind,
        original_name=a.original_name,
        content_type=a.content_type,
        size=a.size,
        caption=a.caption,
        uploaded_at=a.uploaded_at,
        url=reverse("api:attachment_file", args=[a.pk]),
        thumbnail_url=reverse("api:attachment_thumbnail", args=[a.pk]) if a.thumbnail else None,
    )
