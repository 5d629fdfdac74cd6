"""Residents' requests as JSON: the list (open, mine, overdue, filters), one request with its
history, intake, triage, assignment, start, resolution, satisfaction, closing, the triage
function itself, and revealing the resident's phone.

The same selectors and services as the pages: a request outside the caller's jurisdiction is
404 with an `access.denied` audit row; bad input — a worker of another station as assignee
above all — is 422 keyed by field, and nothing is saved.
"""
# No `from __future__ import annotations` here: django-ninja resolves the annotations of the
# decorated view functions at import time.

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from shegong.core.api import api_requires
from shegong.core.audit import deny
from shegong.core.perms import PERSON_VIEW, REQUEST_MANAGE, REQUEST_VIEW
from shegong.people import selectors as people_selectors
from shegong.regions import selectors as region_selectors
from shegong.regions.models import Region

from . import request_rules as rules
from . import request_selectors as sel
from . import request_services as svc
from .request_models import Importance, ResidentRequest, Urgency

router = Router(tags=["residents' requests"])
TABS = ("all", "open", "mine", "overdue")


class EventOut(Schema):
    at: dt.datetime
    by: int | None
    action: str
    from_status: str
    to_status: str
    note: str


class RequestOut(Schema):
    id: int
    station: str
    community: str | None
    region: str
    channel: str
    resident_name: str
    contact_masked: str
    person: int | None
    topic: str
    title: str
    description: str
    address: str
    received_on: dt.date
    received_by: int | None
    urgency: str
    importance: str
    priority: int | None
    deadline: dt.date
    days_overdue: int
    status: str
    assigned_to: int | None
    resolution: str
    resolved_on: dt.date | None
    satisfaction: int | None
    satisfaction_note: str
    closed_reason: str
    closed_on: dt.date | None
    history: list[EventOut] | None = None


class RequestIn(Schema):
    station: str  # station code
    channel: str  # walk_in | phone | grid_worker | other
    resident_name: str
    title: str
    topic: str = "other"
    description: str = ""
    contact: str = ""
    person: int | None = None
    community: str | None = None  # 12-digit code of a community the station serves
    address: str = ""
    received_on: dt.date | None = None
    urgency: str = ""  # high | medium | low (with importance: triage at intake)
    importance: str = ""
    assigned_to: int | None = None  # a user id: a worker of the same station


class RequestQuery(Schema):
    tab: str = "all"  # all | open | mine | overdue
    status: str = ""
    priority: int | None = None
    station: str = ""
    person: int | None = None
    start: dt.date | None = None
    end: dt.date | None = None


class TriageIn(Schema):
    urgency: str
    importance: str
    deadline: dt.date | None = None


class AssignIn(Schema):
    assigned_to: int
    note: str = ""


class ResolveIn(Schema):
    resolution: str
    resolved_on: dt.date | None = None
    satisfaction: int | None = None
    satisfaction_note: str = ""


class SatisfactionIn(Schema):
    satisfaction: int
    note: str = ""


class CloseIn(Schema):
    reason: str


class PriorityOut(Schema):
    urgency: str
    importance: str
    priority: int
    label: str
    deadline_days: int


def request_out(r: ResidentRequest, *, history: bool = False) -> RequestOut:
    return RequestOut(
        id=r.pk,
        station=r.station.code,
        community=f"{r.community_id:012d}" if r.community_id else None,
        region=f"{r.region_code:012d}",
        channel=r.channel,
        resident_name=r.resident_name,
        contact_masked=r.contact_masked,
        person=r.person_id,
        topic=r.topic,
        title=r.title,
        description=r.description,
        address=r.address,
        received_on=r.received_on,
        received_by=r.received_by_id,
        urgency=r.urgency,
        importance=r.importance,
        priority=r.priority,
        deadline=r.deadline,
        days_overdue=sel.days_overdue(r),
        status=r.status,
        assigned_to=r.assigned_to_id,
        resolution=r.resolution,
        resolved_on=r.resolved_on,
        satisfaction=r.satisfaction,
        satisfaction_note=r.satisfaction_note,
        closed_reason=r.closed_reason,
        closed_on=r.closed_on,
        history=[
            EventOut(
                at=e.at,
                by=e.by_id,
                action=e.action,
                from_status=e.from_status,
                to_status=e.to_status,
                note=e.note,
            )
            for e in sel.history(r)
        ]
        if history
        else None,
    )


class RequestPages(PageNumberPagination):
    def paginate_queryset(
        self,
        queryset: QuerySet,
        pagination: PageNumberPagination.Input,
        request: HttpRequest,
        **params: Any,
    ) -> Any:
        result = super().paginate_queryset(queryset, pagination, request, **params)
        result["items"] = [request_out(r) for r in result["items"]]
        return result


def _user(pk: int | None, field: str = "assigned_to") -> Any:
    from shegong.accounts.models import User

    if pk is None:
        return None
    user = User.objects.filter(pk=pk, is_active=True).first()
    if user is None:
        raise ValidationError({field: _("Choose a worker of the station.")})
    return user


def _fresh(request: HttpRequest, pk: int) -> RequestOut:
    return request_out(sel.get_request_for(request.user, pk), history=True)


@router.get("/resident-requests", response=list[RequestOut], summary="Residents' requests")
@api_requires(REQUEST_VIEW)
@paginate(RequestPages, page_size=50)
def request_list(request: HttpRequest, filters: Query[RequestQuery]) -> QuerySet[ResidentRequest]:
    """`tab`: all (newest first), open (most pressing first), mine (assigned to me, open),
    overdue (open and past the deadline, the longest overdue first)."""
    if filters.tab not in TABS:
        raise ValidationError({"tab": _("Choose one of: %(v)s.") % {"v": ", ".join(TABS)}})
    base = sel.requests_for(request.user)
    if filters.station:
        base = base.filter(
            station=region_selectors.get_station_for(request.user, filters.station, REQUEST_VIEW)
        )
    if filters.status:
        base = base.filter(status=filters.status)
    if filters.priority is not None:
        base = base.filter(priority=filters.priority or None)
    if filters.person is not None:
        base = base.filter(person_id=filters.person)
    if filters.start:
        base = base.filter(received_on__gte=filters.start)
    if filters.end:
        base = base.filter(received_on__lte=filters.end)
    if filters.tab == "open":
        return sel.by_priority(sel.open_requests(base))
    if filters.tab == "mine":
        return sel.by_priority(sel.open_requests(base.filter(assigned_to_id=request.user.pk)))
    if filters.tab == "overdue":
        return sel.overdue(base)
    return base.order_by("-received_on", "-id")


@router.get("/resident-requests/priority", response=PriorityOut, summary="Triage (轻重缓急)")
@api_requires(REQUEST_VIEW)
def priority(request: HttpRequest, urgency: str, importance: str) -> PriorityOut:
    """The priority and the usual days to the deadline for an urgency and an importance."""
    errors = {}
    if urgency not in Urgency.values:
        errors["urgency"] = _("Choose how urgent it is.")
    if importance not in Importance.values:
        errors["importance"] = _("Choose how serious it is.")
    if errors:
        raise ValidationError(errors)
    p = rules.priority_for(urgency, importance)
    return PriorityOut(
        urgency=urgency,
        importance=importance,
        priority=int(p),
        label=str(p.label),
        deadline_days=rules.deadline_days(p),
    )


@router.get("/resident-requests/{pk}", response=RequestOut, summary="One request and history")
@api_requires(REQUEST_VIEW)
def request_detail(request: HttpRequest, pk: int) -> RequestOut:
    return _fresh(request, pk)


@router.post("/resident-requests", response={201: RequestOut}, summary="Take a request")
@api_requires(REQUEST_MANAGE)
def request_create(request: HttpRequest, payload: RequestIn) -> Status[RequestOut]:
    station = region_selectors.get_station_for(request.user, payload.station, REQUEST_MANAGE)
    person = (
        people_selectors.get_person_for(request.user, payload.person, PERSON_VIEW)
        if payload.person is not None
        else None
    )
    community = None
    if payload.community:
        raw = payload.community
        community = Region.objects.filter(code=int(raw)).first() if raw.isdigit() else None
        if community is None:
            raise ValidationError({"community": _("Unknown division code.")})
    req = svc.submit_request(
        actor=request.user,
        station=station,
        person=person,
        community=community,
        assigned_to=_user(payload.assigned_to),
        **payload.dict(
            include={
                "channel",
                "resident_name",
                "title",
                "topic",
                "description",
                "contact",
                "address",
                "received_on",
                "urgency",
                "importance",
            }
        ),
    )
    return Status(201, _fresh(request, req.pk))


def _managed(request: HttpRequest, pk: int) -> ResidentRequest:
    return sel.get_request_for(request.user, pk, REQUEST_MANAGE)


@router.post("/resident-requests/{pk}/triage", response=RequestOut, summary="Triage")
@api_requires(REQUEST_MANAGE)
def request_triage(request: HttpRequest, pk: int, payload: TriageIn) -> RequestOut:
    svc.triage_request(actor=request.user, request=_managed(request, pk), **payload.dict())
    return _fresh(request, pk)


@router.post("/resident-requests/{pk}/assign", response=RequestOut, summary="Assign")
@api_requires(REQUEST_MANAGE)
def request_assign(request: HttpRequest, pk: int, payload: AssignIn) -> RequestOut:
    """The assignee must be a worker of the request's station (else 422 at assigned_to)."""
    req = _managed(request, pk)
    svc.assign_request(
        actor=request.user, request=req, assignee=_user(payload.assigned_to), note=payload.note
    )
    return _fresh(request, pk)


@router.post("/resident-requests/{pk}/start", response=RequestOut, summary="Start work")
@api_requires(REQUEST_MANAGE)
def request_start(request: HttpRequest, pk: int) -> RequestOut:
    svc.start_request(actor=request.user, request=_managed(request, pk))
    return _fresh(request, pk)


@router.post("/resident-requests/{pk}/resolve", response=RequestOut, summary="Resolve")
@api_requires(REQUEST_MANAGE)
def request_resolve(request: HttpRequest, pk: int, payload: ResolveIn) -> RequestOut:
    svc.resolve_request(actor=request.user, request=_managed(request, pk), **payload.dict())
    return _fresh(request, pk)


@router.post(
    "/resident-requests/{pk}/satisfaction", response=RequestOut, summary="Record satisfaction"
)
@api_requires(REQUEST_MANAGE)
def request_satisfaction(request: HttpRequest, pk: int, payload: SatisfactionIn) -> RequestOut:
    svc.record_satisfaction(actor=request.user, request=_managed(request, pk), **payload.dict())
    return _fresh(request, pk)


@router.post("/resident-requests/{pk}/close", response=RequestOut, summary="Close")
@api_requires(REQUEST_MANAGE)
def request_close(request: HttpRequest, pk: int, payload: CloseIn) -> RequestOut:
    svc.close_request(actor=request.user, request=_managed(request, pk), reason=payload.reason)
    return _fresh(request, pk)


@router.post(
    "/resident-requests/{pk}/reveal", response=dict[str, str], summary="The resident's phone"
)
@api_requires(REQUEST_MANAGE)
def request_reveal(request: HttpRequest, pk: int) -> dict[str, str]:
    req = _managed(request, pk)
    try:
        return {"contact": svc.reveal_contact(actor=request.user, request=req)}
    except ValidationError:
        raise deny(request, what="api:request_reveal", object_id=pk) from None
