"""Activities as JSON: the list and one activity, creating and changing one, check-in and
check-out of registered persons, the headcount of others, and the counts of persons served and
person-times (人次) for a station or a division subtree and a period. Groups are in group_api,
mounted on this router.

The same selectors and services as the pages: an activity, station, division or person outside
the caller's jurisdiction is 404 with an `access.denied` audit row; bad input is 422 keyed by
field (core.api.validation_payload).
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
from shegong.core.perms import ACTIVITY_MANAGE, ACTIVITY_VIEW, PERSON_VIEW
from shegong.people import selectors as people_selectors
from shegong.regions import selectors as region_selectors
from shegong.regions.models import Organization

from . import activity_selectors as selectors
from . import activity_services as services
from .activity_models import Activity, ActivityKind, ServiceDomain

router = Router(tags=["activities"])


class ActivityOut(Schema):
    id: int
    title: str
    domain: str
    kind: str
    held_on: dt.date
    start_time: dt.time | None
    place: str
    station: str
    station_name: str
    region: str
    partners: list[int]
    volunteers_text: str
    description: str
    named_count: int  # registered persons checked in
    others_count: int  # headcount of others
    person_times: int
    created_at: dt.datetime


class ActivityIn(Schema):
    station: str  # station code
    title: str
    domain: str
    kind: str
    held_on: dt.date
    start_time: dt.time | None = None
    place: str
    partners: list[int] = []  # organization ids
    volunteers_text: str = ""
    description: str = ""
    others_count: int = 0


class ActivityPatch(Schema):
    station: str | None = None
    title: str | None = None
    domain: str | None = None
    kind: str | None = None
    held_on: dt.date | None = None
    start_time: dt.time | None = None
    place: str | None = None
    partners: list[int] | None = None
    volunteers_text: str | None = None
    description: str | None = None


class ActivityQuery(Schema):
    domain: str = ""
    kind: str = ""
    station: str = ""  # station code
    start: dt.date | None = None
    end: dt.date | None = None


class PersonIn(Schema):
    person: int


class HeadcountIn(Schema):
    others_count: int


class AttendeeOut(Schema):
    person: int
    person_name: str | None  # None: a person the caller may not see
    on: dt.date
    recorded_at: dt.datetime


class CountsQuery(Schema):
    start: dt.date
    end: dt.date
    station: str = ""  # station code
    region: str = ""  # 12-digit division code


class CountsOut(Schema):
    start: dt.date
    end: dt.date
    activities: int
    sessions: int
    named_persons: int
    named_times: int
    others: int
    persons_served: int
    person_times: int


def _out(a: Activity) -> ActivityOut:
    return ActivityOut(
        id=a.pk,
        title=a.title,
        domain=a.domain,
        kind=a.kind,
        held_on=a.held_on,
        start_time=a.start_time,
        place=a.place,
        station=a.station.code,
        station_name=a.station.name,
        region=f"{a.region_code:012d}",
        partners=sorted(o.pk for o in a.partners.all()),
        volunteers_text=a.volunteers_text,
        description=a.description,
        named_count=a.named_count,
        others_count=a.others_count,
        person_times=a.person_times,
        created_at=a.created_at,
    )


class ActivityPages(PageNumberPagination):
    def paginate_queryset(
        self,
        queryset: QuerySet,
        pagination: PageNumberPagination.Input,
        request: HttpRequest,
        **params: Any,
    ) -> Any:
        result = super().paginate_queryset(queryset, pagination, request, **params)
        result["items"] = [_out(a) for a in result["items"]]
        return result


def _choice(field: str, value: str, values: list[str]) -> str:
    if value and value not in values:
        raise ValidationError(
            {field: _("Choose one of: %(values)s.") % {"values": ", ".join(values)}}
        )
    return value


def _partners(ids: list[int]) -> list[Organization]:
    found = list(Organization.objects.filter(pk__in=ids))
    if len(found) != len(set(ids)):
        raise ValidationError(
            {"partners": _("Partners must be organizations of the station's district or city.")}
        )
    return found


def _get(request: HttpRequest, pk: int, perm: str = ACTIVITY_VIEW) -> Activity:
    return selectors.get_activity_for(request.user, pk, perm)


def _fresh(request: HttpRequest, pk: int) -> ActivityOut:
    return _out(selectors.activities_for(request.user).prefetch_related("partners").get(pk=pk))


@router.get("/activities", response=list[ActivityOut], summary="Activities in my jurisdiction")
@api_requires(ACTIVITY_VIEW)
@paginate(ActivityPages, page_size=50)
def activity_list(request: HttpRequest, filters: Query[ActivityQuery]) -> QuerySet[Activity]:
    """Newest first; `station` is a station code, `start`/`end` bound the date."""
    f = selectors.ActivityFilter(
        domain=_choice("domain", filters.domain, ServiceDomain.values),
        kind=_choice("kind", filters.kind, ActivityKind.values),
        station=region_selectors.get_station_for(request.user, filters.station, ACTIVITY_VIEW)
        if filters.station
        else None,
        start=filters.start,
        end=filters.end,
    )
    qs = selectors.activities_for(request.user).prefetch_related("partners")
    return selectors.filter_activities(qs, f)


@router.get("/activities/counts", response=CountsOut, summary="Persons served and person-times")
@api_requires(ACTIVITY_VIEW)
def activity_counts(request: HttpRequest, filters: Query[CountsQuery]) -> CountsOut:
    """Activities and group sessions in [start, end] of a station and/or a division subtree,
    inside my jurisdiction. Person-times count every presence; persons served count each
    registered person once; the headcounts of others add to both."""
    if filters.end < filters.start:
        raise ValidationError({"end": _("The end cannot come before the start.")})
    station = (
        region_selectors.get_station_for(request.user, filters.station, ACTIVITY_VIEW)
        if filters.station
        else None
    )
    region = None
    if filters.region:
        if not filters.region.isdigit() or len(filters.region) != 12:
            raise ValidationError(
                {"region": _("A division code has 12 digits, e.g. 120113001000.")}
            )
        region = region_selectors.get_region_for(request.user, int(filters.region), ACTIVITY_VIEW)
    c = selectors.service_counts(
        request.user, start=filters.start, end=filters.end, station=station, region=region
    )
    return CountsOut(
        start=c.start,
        end=c.end,
        activities=c.activities,
        sessions=c.sessions,
        named_persons=c.named_persons,
        named_times=c.named_times,
        others=c.others,
        persons_served=c.persons_served,
        person_times=c.person_times,
    )


@router.get("/activities/{pk}", response=ActivityOut, summary="One activity")
@api_requires(ACTIVITY_VIEW)
def activity_detail(request: HttpRequest, pk: int) -> ActivityOut:
    _get(request, pk)
    return _fresh(request, pk)


@router.post("/activities", response={201: ActivityOut}, summary="Record an activity")
@api_requires(ACTIVITY_MANAGE)
def activity_create(request: HttpRequest, payload: ActivityIn) -> Status[ActivityOut]:
    station = region_selectors.get_station_for(request.user, payload.station, ACTIVITY_MANAGE)
    data = payload.dict()
    data["station"] = station
    data["partners"] = _partners(payload.partners)
    activity = services.create_activity(actor=request.user, **data)
    return Status(201, _fresh(request, activity.pk))


@router.patch("/activities/{pk}", response=ActivityOut, summary="Change an activity")
@api_requires(ACTIVITY_MANAGE)
def activity_update(request: HttpRequest, pk: int, payload: ActivityPatch) -> ActivityOut:
    activity = _get(request, pk, ACTIVITY_MANAGE)
    changes: dict[str, Any] = payload.dict(exclude_unset=True)
    if "station" in changes:
        changes["station"] = region_selectors.get_station_for(
            request.user, changes["station"] or "", ACTIVITY_MANAGE
        )
    if "partners" in changes:
        changes["partners"] = _partners(changes["partners"] or [])
    services.update_activity(actor=request.user, activity=activity, **changes)
    return _fresh(request, pk)


@router.get("/activities/{pk}/attendance", response=list[AttendeeOut], summary="Who was checked in")
@api_requires(ACTIVITY_VIEW)
def attendance(request: HttpRequest, pk: int) -> list[AttendeeOut]:
    activity = _get(request, pk)
    return [
        AttendeeOut(
            person=r.attendance.person_id,
            person_name=r.attendance.person.name if r.visible else None,
            on=r.attendance.on,
            recorded_at=r.attendance.recorded_at,
        )
        for r in selectors.attendance_of(request.user, activity)
    ]


@router.post(
    "/activities/{pk}/attendance", response={201: ActivityOut}, summary="Check a person in"
)
@api_requires(ACTIVITY_MANAGE)
def check_in(request: HttpRequest, pk: int, payload: PersonIn) -> Status[ActivityOut]:
    """A registered person outside my jurisdiction is 404; twice, or before the activity's
    day, 422 at `person`."""
    activity = _get(request, pk, ACTIVITY_MANAGE)
    person = people_selectors.get_person_for(request.user, payload.person, PERSON_VIEW)
    services.check_in(actor=request.user, activity=activity, person=person)
    return Status(201, _fresh(request, pk))


@router.post("/activities/{pk}/checkout", response=ActivityOut, summary="Remove a check-in")
@api_requires(ACTIVITY_MANAGE)
def check_out(request: HttpRequest, pk: int, payload: PersonIn) -> ActivityOut:
    activity = _get(request, pk, ACTIVITY_MANAGE)
    person = people_selectors.get_person_for(request.user, payload.person, PERSON_VIEW)
    services.check_out(actor=request.user, activity=activity, person=person)
    return _fresh(request, pk)


@router.post(
    "/activities/{pk}/headcount", response=ActivityOut, summary="Set the headcount of others"
)
@api_requires(ACTIVITY_MANAGE)
def headcount(request: HttpRequest, pk: int, payload: HeadcountIn) -> ActivityOut:
    activity = _get(request, pk, ACTIVITY_MANAGE)
    services.set_headcount(actor=request.user, activity=activity, others_count=payload.others_count)
    return _fresh(request, pk)


from .group_api import router as group_router  # noqa: E402

router.add_router("", group_router)
