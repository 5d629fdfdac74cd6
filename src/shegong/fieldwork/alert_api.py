"""Risk alerts as JSON, on `referral_api.router` (mounted at /api/). Alerts are read by those
who raise them (ALERT_RAISE) and those who handle them (ALERT_HANDLE); one outside both scopes
is 404 with an `access.denied` audit row. Resolving needs at least one action (422 at
`actions`).
"""
# No `from __future__ import annotations` here: django-ninja resolves the annotations of the
# decorated view functions at import time.

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from shegong.core.api import api_requires
from shegong.core.audit import deny
from shegong.core.models import scope_of
from shegong.core.perms import ALERT_HANDLE, ALERT_RAISE
from shegong.people import selectors as people_selectors

from . import case_selectors, cases
from .case_models import AlertStatus, RiskAlert, RiskKind
from .referral_api import router
from .referral_selectors import alert_scope, alerts_for, by_urgency

ALERT_READ = f"{ALERT_RAISE}|{ALERT_HANDLE}"


def api_requires_alert_read(func: Callable[..., Any]) -> Callable[..., Any]:
    """Like core.api.api_requires, for operations open to those who raise alerts or handle
    them: a caller holding neither permission anywhere gets an audited 404."""

    @wraps(func)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if not request.user.is_authenticated or not alert_scope(request.user):
            raise deny(request, what=f"api:{func.__name__}")
        return func(request, *args, **kwargs)

    wrapper.shegong_perm = ALERT_READ  # type: ignore[attr-defined]
    return wrapper


class ActionOut(Schema):
    kind: str
    taken_on: dt.date
    note: str
    by: int | None
    recorded_at: dt.datetime


class AlertOut(Schema):
    id: int
    person: int
    person_name: str
    case: int | None
    kind: str
    description: str
    status: str
    raised_by: int | None
    raised_at: dt.datetime
    resolved_by: int | None
    resolved_at: dt.datetime | None
    resolution: str
    region: str
    station: str | None
    actions: list[ActionOut]


class AlertIn(Schema):
    person: int
    kind: str
    description: str
    case: int | None = None


class ActionIn(Schema):
    kind: str  # placement | referral | police | hospital | other
    taken_on: dt.date | None = None  # default today
    note: str = ""


class ResolveIn(Schema):
    resolution: str


class AlertQuery(Schema):
    status: str = ""  # open | resolved
    kind: str = ""
    person: int | None = None


def alert_out(a: RiskAlert) -> AlertOut:
    return AlertOut(
        id=a.pk,
        person=a.person_id,
        person_name=a.person.name,
        case=a.case_id,
        kind=a.kind,
        description=a.description,
        status=a.status,
        raised_by=a.raised_by_id,
        raised_at=a.raised_at,
        resolved_by=a.resolved_by_id,
        resolved_at=a.resolved_at,
        resolution=a.resolution,
        region=f"{a.region_code:012d}",
        station=a.station.code if a.station else None,
        actions=[
            ActionOut(
                kind=x.kind, taken_on=x.taken_on, note=x.note, by=x.by_id, recorded_at=x.recorded_at
            )
            for x in a.actions.all()
        ],
    )


class AlertPages(PageNumberPagination):
    def paginate_queryset(
        self,
        queryset: QuerySet,
        pagination: PageNumberPagination.Input,
        request: HttpRequest,
        **params: Any,
    ) -> Any:
        result = super().paginate_queryset(queryset, pagination, request, **params)
        result["items"] = [alert_out(a) for a in result["items"]]
        return result


def _alerts(request: HttpRequest) -> QuerySet[RiskAlert]:
    return alerts_for(request.user).prefetch_related("actions")


def _get(request: HttpRequest, pk: int, perm: str | None = None) -> RiskAlert:
    alerts = _alerts(request)
    if perm is not None:
        alerts = alerts.filter(scope_of(request.user, perm).q("region_code"))
    alert = alerts.filter(pk=pk).first()
    if alert is None:
        raise deny(request, what="api:alert", object_id=pk)
    return alert


@router.get("/alerts", response=list[AlertOut], summary="Risk alerts I may read", tags=["alerts"])
@api_requires_alert_read
@paginate(AlertPages, page_size=50)
def alert_list(request: HttpRequest, filters: Query[AlertQuery]) -> QuerySet[RiskAlert]:
    """Most urgent kind first, then the oldest; `status=open` gives the dashboard's list."""
    for field, value, values in (
        ("status", filters.status, AlertStatus.values),
        ("kind", filters.kind, RiskKind.values),
    ):
        if value and value not in values:
            raise ValidationError(
                {field: _("Choose one of: %(values)s.") % {"values": ", ".join(values)}}
            )
    qs = _alerts(request)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.person is not None:
        qs = qs.filter(person_id=filters.person)
    return by_urgency(qs)


@router.get("/alerts/{pk}", response=AlertOut, summary="One risk alert", tags=["alerts"])
@api_requires_alert_read
def alert_detail(request: HttpRequest, pk: int) -> AlertOut:
    return alert_out(_get(request, pk))


@router.post("/alerts", response={201: AlertOut}, summary="Raise a risk alert", tags=["alerts"])
@api_requires(ALERT_RAISE)
def alert_create(request: HttpRequest, payload: AlertIn) -> Status[AlertOut]:
    """The station head and the district office see it at once (their dashboards and
    `GET /api/alerts?status=open`), until it is resolved."""
    person = people_selectors.get_person_for(request.user, payload.person, ALERT_RAISE)
    case = None
    if payload.case is not None:
        case = case_selectors.get_case_for(request.user, payload.case)
    alert = cases.raise_alert(
        actor=request.user,
        person=person,
        kind=payload.kind,
        description=payload.description,
        case=case,
    )
    return Status(201, alert_out(_get(request, alert.pk)))


@router.post(
    "/alerts/{pk}/actions", response={201: AlertOut}, summary="Record an action", tags=["alerts"]
)
@api_requires_alert_read
def alert_action(request: HttpRequest, pk: int, payload: ActionIn) -> Status[AlertOut]:
    """What was done (placement, referral, police, hospital, other); answers the alert."""
    alert = _get(request, pk)
    cases.record_alert_action(
        actor=request.user,
        alert=alert,
        kind=payload.kind,
        taken_on=payload.taken_on or timezone.localdate(),
        note=payload.note,
    )
    return Status(201, alert_out(_get(request, pk)))


@router.post("/alerts/{pk}/resolve", response=AlertOut, summary="Resolve", tags=["alerts"])
@api_requires(ALERT_HANDLE)
def alert_resolve(request: HttpRequest, pk: int, payload: ResolveIn) -> AlertOut:
    """Station heads and district offices; 422 at `actions` while no action is recorded."""
    alert = _get(request, pk, ALERT_HANDLE)
    cases.resolve_alert(actor=request.user, alert=alert, resolution=payload.resolution)
    return alert_out(_get(request, pk))
