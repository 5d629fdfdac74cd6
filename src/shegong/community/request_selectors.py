"""Reads for residents' requests: lists start from the user's jurisdiction, a single request is
fetched and authorized in one step (outside it: an audited 404)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from shegong.core import audit
from shegong.core.perms import REQUEST_OVERSEE, REQUEST_VIEW
from shegong.regions.models import Station

from .request_models import OPEN_STATUSES, RequestEvent, RequestStatus, ResidentRequest


def requests_for(user: Any, perm: str = REQUEST_VIEW) -> QuerySet[ResidentRequest]:
    return ResidentRequest.objects.visible_to(user, perm).select_related(
        "station", "community", "assigned_to", "person"
    )


def get_request_for(user: Any, pk: int, perm: str = REQUEST_VIEW) -> ResidentRequest:
    request = requests_for(user, perm).select_related("received_by").filter(pk=pk).first()
    if request is None:
        raise audit.not_found(user, what="resident request", key=pk)
    return request


def by_priority(qs: QuerySet[ResidentRequest]) -> QuerySet[ResidentRequest]:
    """Most pressing first: priority (untriaged after P1, since they need a look at once),
    then the earliest deadline."""
    # priority is 1..4; ×10 leaves room for the untriaged rank between P1 and P2.
    rank = Case(
        When(priority__isnull=True, then=Value(15)),
        default=F("priority") * 10,
        output_field=IntegerField(),
    )
    return qs.annotate(rank=rank).order_by("rank", "deadline", "id")


def open_requests(qs: QuerySet[ResidentRequest]) -> QuerySet[ResidentRequest]:
    return qs.filter(status__in=OPEN_STATUSES)


def overdue(qs: QuerySet[ResidentRequest], on: dt.date | None = None) -> QuerySet[ResidentRequest]:
    """Open requests past their deadline, the longest overdue first."""
    day = on or timezone.localdate()
    return open_requests(qs).filter(deadline__lt=day).order_by("deadline", "id")


def days_overdue(request: ResidentRequest, on: dt.date | None = None) -> int:
    """Days past the deadline of an open request (0 when not overdue or not open)."""
    if not request.is_open:
        return 0
    return max(0, ((on or timezone.localdate()) - request.deadline).days)


def assigned_to_me(user: Any) -> QuerySet[ResidentRequest]:
    return by_priority(open_requests(requests_for(user).filter(assigned_to_id=user.pk)))


def overdue_overseen(user: Any) -> QuerySet[ResidentRequest]:
    """Overdue requests in the user's REQUEST_OVERSEE jurisdiction (station heads, offices)."""
    return overdue(requests_for(user, REQUEST_OVERSEE))


def requests_of_person(user: Any, person_pk: int) -> QuerySet[ResidentRequest]:
    return requests_for(user).filter(person_id=person_pk)


def history(request: ResidentRequest) -> list[RequestEvent]:
    return list(request.events.select_related("by").order_by("at", "id"))


@dataclass(frozen=True)
class StationRequests:
    open: int
    overdue: int
    resolved_this_month: int


def station_counts(user: Any, station: Station, on: dt.date | None = None) -> StationRequests:
    day = on or timezone.localdate()
    qs = requests_for(user).filter(station=station)
    agg = qs.aggregate(
        open=Count("id", filter=Q(status__in=OPEN_STATUSES)),
        overdue=Count("id", filter=Q(status__in=OPEN_STATUSES, deadline__lt=day)),
        resolved=Count(
            "id",
            filter=Q(status=RequestStatus.RESOLVED, resolved_on__gte=day.replace(day=1)),
        ),
    )
    return StationRequests(agg["open"], agg["overdue"], agg["resolved"])
