"""Cases as JSON: the same services and selectors as the case pages, the same jurisdiction.

A case outside the caller's jurisdiction is 404 with an `access.denied` audit row. Every write
to a case takes the `expected_version` the caller read; a save over someone else's newer one
answers 409 (code "stale" at "version") and changes nothing. Invalid input answers 422 with
the messages keyed by field; a case the caller may see but not change answers 403. Shapes and
confidentiality: case_api_schemas.
"""
# No `from __future__ import annotations` here: django-ninja resolves the annotations of the
# decorated view functions at import time.

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import PageNumberPagination, paginate

from shegong.core.api import api_requires, validation_payload
from shegong.core.audit import deny
from shegong.core.models import scope_of
from shegong.core.perms import CASE_NOTES, CASE_SUPERVISE, CASE_VIEW, CASE_WORK, PERSON_VIEW
from shegong.people import selectors as people_selectors
from shegong.regions import selectors as region_selectors
from shegong.regions.models import Station

from . import case_attachments as files
from . import case_selectors as sel
from . import case_services as svc
from . import case_transfers
from .case_api_schemas import (
    AttachmentOut,
    CaseItem,
    CaseOut,
    ClosureOut,
    ErrorOut,
    ServiceOut,
    StaleOut,
    TransferOut,
    attachment_out,
    case_item,
    case_out,
    closure_out,
    service_out,
    transfer_out,
)
from .case_models import Case, CaseStage
from .cases import suggests_alert

router = Router(tags=["cases"])
ERRORS = {403: ErrorOut, 409: StaleOut}


def _guard[T](
    call: Callable[[], T], request: HttpRequest | None = None, pk: int | None = None
) -> T | Status[dict[str, Any]]:
    """Run a service call: a stale version answers 409 (with the case as it is now, `current`,
    so the caller can check and send its input again with the new version), a forbidden change
    403; other validation errors go to the API's handler (422, keyed by field)."""
    try:
        return call()
    except ValidationError as e:
        if hasattr(e, "error_dict") and any(
            x.code == "stale" for x in e.error_dict.get("version", [])
        ):
            body = validation_payload(e)
            if request is not None and pk is not None:
                body["current"] = _out(request, pk).dict()
            return Status(409, body)
        if getattr(e, "code", None) == "forbidden":
            return Status(403, validation_payload(e))
        raise


def _user(field: str, pk: int | None) -> Any:
    from shegong.accounts.models import User

    if pk is None:
        return None
    user = User.objects.filter(pk=pk, is_active=True).first()
    if user is None:
        raise ValidationError({field: _("No such active user.")})
    return user


def _case(request: HttpRequest, pk: int, perm: str = CASE_VIEW) -> Case:
    return sel.get_case_for(request.user, pk, perm)


def _out(request: HttpRequest, pk: int, suggestions: list[str] | None = None) -> CaseOut:
    return case_out(request.user, _case(request, pk), suggestions)


# --- reading ---------------------------------------------------------------------------------
class CaseQuery(Schema):
    stage: str = ""  # a stage, or "open" for every stage still open
    mine: bool = False  # only the cases assigned to me
    station: str = ""  # station code
    person: int | None = None


class CasePages(PageNumberPagination):
    def paginate_queryset(
        self,
        queryset: QuerySet,
        pagination: PageNumberPagination.Input,
        request: HttpRequest,
        **params: Any,
    ) -> Any:
        result = super().paginate_queryset(queryset, pagination, request, **params)
        result["items"] = [CaseItem(**case_item(c)) for c in result["items"]]
        return result


@router.get("/cases", response=list[CaseItem], summary="Cases in my jurisdiction")
@api_requires(CASE_VIEW)
@paginate(CasePages, page_size=50)
def case_list(request: HttpRequest, filters: Query[CaseQuery]) -> QuerySet[Case]:
    """Newest first; no notes (read one case for them, where you may)."""
    qs = sel.cases_for(request.user)
    if filters.stage == "open":
        qs = qs.filter(stage__in=sel.OPEN_STAGES)
    elif filters.stage:
        if filters.stage not in CaseStage.values:
            raise ValidationError(
                {"stage": _("Choose one of: %(values)s.") % {"values": ", ".join(CaseStage.values)}}
            )
        qs = qs.filter(stage=filters.stage)
    if filters.mine:
        qs = qs.filter(assigned_worker_id=request.user.pk)
    if filters.station:
        station = region_selectors.get_station_for(request.user, filters.station, CASE_VIEW)
        qs = qs.filter(station=station)
    if filters.person is not None:
        qs = qs.filter(person_id=filters.person)
    return qs


@router.get("/cases/{pk}", response=CaseOut, summary="One case")
@api_requires(CASE_VIEW)
def case_detail(request: HttpRequest, pk: int) -> CaseOut:
    """`notes` and `file` are null (and `notes_confidential` true) unless you may read them:
    the assigned worker, the station head and the supervisors over the station."""
    return _out(request, pk)


# --- opening and running a case ---------------------------------------------------------------
class CaseIn(Schema):
    person: int
    source: str  # self | outreach | referral
    referrer: str = ""
    problem: str = ""
    notes: str = ""
    assigned_worker: int | None = None  # user id; default: the caller
    opened_on: dt.date | None = None  # default: today


@router.post("/cases", response={201: CaseOut, **ERRORS}, summary="Open a case (intake)")
@api_requires(CASE_WORK)
def case_create(request: HttpRequest, payload: CaseIn) -> Any:
    user = request.user
    person = people_selectors.get_person_for(user, payload.person, PERSON_VIEW)
    if not scope_of(user, CASE_WORK).contains(person.region_id):
        raise deny(request, what="api:person", object_id=payload.person)
    worker = _user("assigned_worker", payload.assigned_worker)

    def run() -> Status[CaseOut]:
        case = svc.open_case(
            actor=user,
            person=person,
            source=payload.source,
            referrer=payload.referrer,
            problem=payload.problem,
            notes=payload.notes,
            assigned_worker=worker,
            opened_on=payload.opened_on,
        )
        hints = suggests_alert(payload.notes + "\n" + payload.problem)
        return Status(201, _out(request, case.pk, hints))

    return _guard(run)


class GoalIn(Schema):
    goal: str
    target: str
    due: str  # YYYY-MM-DD


class AttainmentIn(Schema):
    goal: str = ""
    attained: str  # yes | partly | no


class AdvanceIn(Schema):
    """`to_stage` and the record that stage needs (see the service): assessment —
    consent_given; declined / referred_out — reason; plan — assessment_summary;
    intervention — goals, tasks, agreed_by_client / agreed_by_guardian, agreed_on;
    evaluation — attainment, satisfaction (1–5), changes."""

    expected_version: int
    to_stage: str
    consent_given: bool | None = None
    reason: str | None = None
    assessment_summary: str | None = None
    goals: list[GoalIn] | None = None
    tasks: str | None = None
    agreed_by_client: bool | None = None
    agreed_by_guardian: bool | None = None
    agreed_on: dt.date | None = None
    attainment: list[AttainmentIn] | None = None
    satisfaction: int | None = None
    changes: str | None = None


@router.post("/cases/{pk}/advance", response={200: CaseOut, **ERRORS}, summary="Next stage")
@api_requires(CASE_WORK)
def case_advance(request: HttpRequest, pk: int, payload: AdvanceIn) -> Any:
    """A forbidden stage change (closing without sign-off, skipping a stage) answers 422 with
    the code "transition" at `to_stage`."""
    case = _case(request, pk, CASE_WORK)
    data = payload.dict(exclude_unset=True)
    data.pop("expected_version", None)
    data.pop("to_stage", None)
    data = {k: v for k, v in data.items() if v is not None}

    def run() -> CaseOut:
        svc.advance(
            actor=request.user,
            case=case,
            to_stage=payload.to_stage,
            expected_version=payload.expected_version,
            **data,
        )
        return _out(request, pk)

    return _guard(run, request, pk)


class ServiceIn(Schema):
    served_on: dt.date
    mode: str  # home | office | phone | online | escort
    duration_minutes: int
    content: str
    resources: str = ""
    expected_version: int | None = None  # optional: a service is added, never overwritten


@router.post(
    "/cases/{pk}/services", response={201: ServiceOut, **ERRORS}, summary="Record a service"
)
@api_requires(CASE_WORK)
def case_service(request: HttpRequest, pk: int, payload: ServiceIn) -> Any:
    """`alert_suggestions` lists the risks the content mentions (raise an alert for them)."""
    case = _case(request, pk, CASE_WORK)

    def run() -> Status[ServiceOut]:
        service = svc.record_service(actor=request.user, case=case, **payload.dict())
        return Status(201, service_out(service, suggests_alert(payload.content)))

    return _guard(run, request, pk)


class NotesIn(Schema):
    expected_version: int
    notes: str


@router.post("/cases/{pk}/notes", response={200: CaseOut, **ERRORS}, summary="Replace the notes")
@api_requires(CASE_WORK)
def case_notes(request: HttpRequest, pk: int, payload: NotesIn) -> Any:
    case = _case(request, pk, CASE_WORK)

    def run() -> CaseOut:
        svc.update_notes(
            actor=request.user,
            case=case,
            notes=payload.notes,
            expected_version=payload.expected_version,
        )
        return _out(request, pk, suggests_alert(payload.notes))

    return _guard(run, request, pk)


class ClosureIn(Schema):
    expected_version: int
    reason: str
    summary: str
    follow_up_on: dt.date | None = None


@router.post("/cases/{pk}/closure", response={201: ClosureOut, **ERRORS}, summary="Request closure")
@api_requires(CASE_WORK)
def case_closure(request: HttpRequest, pk: int, payload: ClosureIn) -> Any:
    """The case stays open until a supervisor signs the report off."""
    case = _case(request, pk, CASE_WORK)

    def run() -> Status[ClosureOut]:
        report = svc.request_closure(actor=request.user, case=case, **payload.dict())
        return Status(201, closure_out(report))

    return _guard(run, request, pk)


class SignOffIn(Schema):
    approve: bool = True  # false: return the report to the worker (comment required)
    comment: str = ""
    expected_version: int | None = None


@router.post(
    "/cases/{pk}/closure/sign-off",
    response={200: ClosureOut, **ERRORS},
    summary="Sign off (or return) the closure report",
)
@api_requires(CASE_SUPERVISE)
def case_sign_off(request: HttpRequest, pk: int, payload: SignOffIn) -> Any:
    case = _case(request, pk, CASE_SUPERVISE)
    report = sel.pending_closure(case)
    if report is None:
        raise ValidationError({"closure": _("There is no closure report waiting for sign-off.")})

    def run() -> ClosureOut:
        svc.sign_off_closure(
            actor=request.user,
            closure=report,
            approve=payload.approve,
            comment=payload.comment,
            expected_version=payload.expected_version,
        )
        report.refresh_from_db()
        return closure_out(report)

    return _guard(run, request, pk)


class ReopenIn(Schema):
    expected_version: int
    reason: str


@router.post("/cases/{pk}/reopen", response={200: CaseOut, **ERRORS}, summary="Reopen")
@api_requires(CASE_WORK)
def case_reopen(request: HttpRequest, pk: int, payload: ReopenIn) -> Any:
    case = _case(request, pk, CASE_WORK)

    def run() -> CaseOut:
        svc.reopen(actor=request.user, case=case, **payload.dict())
        return _out(request, pk)

    return _guard(run, request, pk)


class TransferWorkerIn(Schema):
    expected_version: int
    to_worker: int  # user id of a worker at the case's station


@router.post(
    "/cases/{pk}/transfer-worker",
    response={200: CaseOut, **ERRORS},
    summary="Hand the case to another worker",
)
@api_requires(CASE_WORK)
def case_transfer_worker(request: HttpRequest, pk: int, payload: TransferWorkerIn) -> Any:
    case = _case(request, pk, CASE_WORK)
    worker = _user("to_worker", payload.to_worker)

    def run() -> CaseOut:
        case_transfers.transfer_to_worker(
            actor=request.user,
            case=case,
            to_worker=worker,
            expected_version=payload.expected_version,
        )
        return _out(request, pk)

    return _guard(run, request, pk)


class TransferStationIn(Schema):
    expected_version: int
    to_station: str  # station code
    reason: str


@router.post(
    "/cases/{pk}/transfer-station",
    response={201: TransferOut, **ERRORS},
    summary="Ask another station to take the case",
)
@api_requires(CASE_WORK)
def case_transfer_station(request: HttpRequest, pk: int, payload: TransferStationIn) -> Any:
    """The case (and the person) move when the receiving station's head accepts."""
    case = _case(request, pk, CASE_WORK)
    station = Station.objects.filter(code=payload.to_station).select_related("region").first()
    if station is None:
        raise ValidationError({"to_station": _("Choose another, active station.")})

    def run() -> Status[TransferOut]:
        transfer = case_transfers.request_station_transfer(
            actor=request.user,
            case=case,
            to_station=station,
            reason=payload.reason,
            expected_version=payload.expected_version,
        )
        return Status(201, transfer_out(transfer))

    return _guard(run, request, pk)


# --- transfers to answer ----------------------------------------------------------------------
@router.get("/case-transfers", response=list[TransferOut], summary="Transfers to answer")
@api_requires(CASE_NOTES)
def transfer_list(request: HttpRequest) -> list[TransferOut]:
    """Pending transfers to the stations I head, oldest first."""
    return [transfer_out(t) for t in sel.transfers_to_answer(request.user)]


class AnswerIn(Schema):
    accept: bool
    to_worker: int | None = None  # required when accepting: who takes the case
    note: str = ""  # required when rejecting


@router.post(
    "/case-transfers/{pk}/answer",
    response={200: TransferOut, **ERRORS},
    summary="Accept or reject a transfer",
)
@api_requires(CASE_NOTES)
def transfer_answer(request: HttpRequest, pk: int, payload: AnswerIn) -> Any:
    """Accepting moves the case, its file and the person to the receiving station."""
    transfer = sel.get_transfer_for(request.user, pk)
    worker = _user("to_worker", payload.to_worker)

    def run() -> TransferOut:
        answered = case_transfers.answer_station_transfer(
            actor=request.user,
            transfer=transfer,
            accept=payload.accept,
            to_worker=worker,
            note=payload.note,
        )
        return transfer_out(sel.get_transfer_for(request.user, answered.pk))

    return _guard(run)


# --- attachments ------------------------------------------------------------------------------
def _readable(request: HttpRequest, pk: int) -> Case:
    case = sel.cases_for(request.user).filter(pk=pk).first()
    if case is None or not sel.may_read_notes(request.user, case):
        raise deny(request, what="api:case attachments", object_id=pk)
    return case


@router.get(
    "/cases/{pk}/attachments", response=list[AttachmentOut], summary="The case file's files"
)
@api_requires(CASE_VIEW)
def attachment_list(request: HttpRequest, pk: int) -> list[AttachmentOut]:
    """Confidential like the notes: 404 for whoever may not read the case file."""
    case = _readable(request, pk)
    return [attachment_out(a) for a in files.attachments_of(request.user, case)]


@router.post(
    "/cases/{pk}/attachments",
    response={201: AttachmentOut, **ERRORS},
    summary="Attach a photo or PDF",
)
@api_requires(CASE_WORK)
def attachment_add(
    request: HttpRequest,
    pk: int,
    upload: File[UploadedFile | None] = None,
    caption: Form[str] = "",
) -> Any:
    """multipart/form-data with `upload` (JPEG, PNG, WebP or PDF) and an optional `caption`.
    Photos lose their EXIF (GPS) data."""
    case = _readable(request, pk)
    if upload is None:
        raise ValidationError({"upload": _("Choose a file or take a photo.")})

    def run() -> Status[AttachmentOut]:
        a = files.add_attachment(actor=request.user, case=case, upload=upload, caption=caption)
        return Status(201, attachment_out(a))

    return _guard(run)
