"""Reads for community activities and the service counts (persons served, person-times 人次).

Every list starts from the reader's jurisdiction (ACTIVITY_VIEW over the activity's division);
a single activity outside it is an audited 404. Names of attendees are shown only to those who
may see the person (PERSON_VIEW); the counts include everyone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from shegong.core import audit
from shegong.core.models import scope_of
from shegong.core.perms import ACTIVITY_MANAGE, ACTIVITY_VIEW, PERSON_VIEW, VIEW
from shegong.core.scoping import CodeRange, Scope, ancestor_code
from shegong.people.models import Person
from shegong.people.selectors import PersonFilter, persons_for
from shegong.regions.models import Organization, Region, Station

from .activity_models import Activity, Attendance
from .group_models import GroupSession

CANDIDATES = 10  # persons offered by the check-in search


def activities_for(user: Any, perm: str = ACTIVITY_VIEW) -> QuerySet[Activity]:
    """Activities in the user's jurisdiction for `perm`, newest first."""
    return Activity.objects.visible_to(user, perm).select_related("station")


def get_activity_for(user: Any, pk: int, perm: str = ACTIVITY_VIEW) -> Activity:
    """The activity if in the user's jurisdiction for `perm`; otherwise an audited 404."""
    activity = activities_for(user, perm).filter(pk=pk).first()
    if activity is None:
        raise audit.not_found(user, what="activity", key=pk)
    return activity


@dataclass(frozen=True)
class ActivityFilter:
    domain: str = ""
    kind: str = ""
    station: Station | None = None
    start: dt.date | None = None
    end: dt.date | None = None


def filter_activities(qs: QuerySet[Activity], f: ActivityFilter) -> QuerySet[Activity]:
    if f.domain:
        qs = qs.filter(domain=f.domain)
    if f.kind:
        qs = qs.filter(kind=f.kind)
    if f.station is not None:
        qs = qs.filter(station=f.station)
    if f.start:
        qs = qs.filter(held_on__gte=f.start)
    if f.end:
        qs = qs.filter(held_on__lte=f.end)
    return qs


def organizing_stations(user: Any) -> QuerySet[Station]:
    """Open stations the user may organize activities and groups for."""
    return (
        Station.objects.visible_to(user, ACTIVITY_MANAGE)
        .filter(active=True)
        .select_related("region")
        .order_by("code")
    )


def listed_stations(user: Any) -> QuerySet[Station]:
    """Stations whose activities the user may see (the list's station filter)."""
    return Station.objects.visible_to(user, ACTIVITY_VIEW).order_by("code")


def partner_choices(user: Any, station: Station) -> QuerySet[Organization]:
    """Organizations that may partner an activity of `station`: those registered in its county
    or district, in its city or province, and any the user sees anyway."""
    return partners_for_stations(user, [station])


def partners_for_stations(user: Any, stations: list[Station]) -> QuerySet[Organization]:
    """`partner_choices` for any of several stations (a form's choices before one is chosen)."""
    cond = scope_of(user, VIEW).q("region_id")
    for s in stations:
        county = CodeRange.subtree(s.region_id, 3)
        cond |= Q(region_id__gte=county.lo, region_id__lt=county.hi)
        cond |= Q(region_id__in=[ancestor_code(s.region_id, 1), ancestor_code(s.region_id, 2)])
    return Organization.objects.filter(cond).order_by("name")


@dataclass(frozen=True)
class AttendeeRow:
    attendance: Attendance
    visible: bool  # the user may see this person (name and link)


def attendance_of(user: Any, activity: Activity) -> list[AttendeeRow]:
    """Who was checked in, newest first; persons the user may not see are shown without name."""
    rows = list(
        Attendance.objects.filter(activity=activity)
        .select_related("person")
        .order_by("-recorded_at", "-id")
    )
    scope = scope_of(user, PERSON_VIEW)
    return [AttendeeRow(a, scope.contains(a.person.region_id)) for a in rows]


def checkin_candidates(user: Any, activity: Activity, q: str) -> list[tuple[Person, bool]]:
    """Registered persons matching what the worker typed (the people search, inside their
    jurisdiction), each with whether they are already checked in."""
    q = (q or "").strip()
    if not q:
        return []
    found = list(persons_for(user, PersonFilter(q=q))[:CANDIDATES])
    present = set(
        Attendance.objects.filter(activity=activity, person__in=found).values_list(
            "person_id", flat=True
        )
    )
    return [(p, p.pk in present) for p in found]


# --- persons served and person-times -------------------------------------------------------------
@dataclass(frozen=True)
class ServiceCounts:
    """What activities and group sessions reached in a period. Person-times count every
    presence; persons served count each registered person once, plus the headcounts of others
    (who cannot be told apart)."""

    start: dt.date
    end: dt.date
    activities: int = 0
    sessions: int = 0
    named_persons: int = 0  # distinct registered persons
    named_times: int = 0  # check-ins of registered persons
    others: int = 0  # headcounts of people not registered

    @property
    def persons_served(self) -> int:
        return self.named_persons + self.others

    @property
    def person_times(self) -> int:
        return self.named_times + self.others


def count_service(
    *,
    start: dt.date,
    end: dt.date,
    scope: Scope | None = None,
    within: CodeRange | None = None,
    station_id: int | None = None,
) -> ServiceCounts:
    """The counts of events in [start, end] inside `scope` (None: everywhere; for reports that
    have already decided what the reader may see), a division subtree `within` and/or one
    station. Three aggregate queries over indexed columns."""

    def where(qs: QuerySet[Any], day: str) -> QuerySet[Any]:
        qs = qs.filter(**{f"{day}__gte": start, f"{day}__lte": end})
        if scope is not None:
            qs = qs.filter(scope.q("region_code"))
        if within is not None:
            qs = qs.filter(region_code__gte=within.lo, region_code__lt=within.hi)
        if station_id is not None:
            qs = qs.filter(station_id=station_id)
        return qs

    named = where(Attendance.objects.all(), "on").aggregate(
        times=Count("id"), persons=Count("person_id", distinct=True)
    )
    acts = where(Activity.objects.all(), "held_on").aggregate(
        n=Count("id"), others=Coalesce(Sum("others_count"), 0)
    )
    sess = where(GroupSession.objects.all(), "held_on").aggregate(
        n=Count("id"), others=Coalesce(Sum("others_count"), 0)
    )
    return ServiceCounts(
        start=start,
        end=end,
        activities=acts["n"],
        sessions=sess["n"],
        named_persons=named["persons"],
        named_times=named["times"],
        others=acts["others"] + sess["others"],
    )


def service_counts(
    user: Any,
    *,
    start: dt.date,
    end: dt.date,
    station: Station | None = None,
    region: Region | None = None,
) -> ServiceCounts:
    """Persons served and person-times of activities and group sessions in [start, end], of
    one station and/or a division subtree, inside the user's ACTIVITY_VIEW jurisdiction (the
    caller fetched `station` / `region` through their selectors)."""
    return count_service(
        start=start,
        end=end,
        scope=scope_of(user, ACTIVITY_VIEW),
        within=region.range if region is not None else None,
        station_id=station.pk if station is not None else None,
    )


def month_of(day: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day of the month of `day`."""
    first = day.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return first, following - dt.timedelta(days=1)


# --- a person's activities ---------------------------------------------------------------------
def activities_attended(user: Any, person: Person) -> QuerySet[Attendance]:
    """The person's check-ins at activities the user may see, newest first."""
    return (
        Attendance.objects.visible_to(user, ACTIVITY_VIEW)
        .filter(person=person, activity__isnull=False)
        .select_related("activity", "station")
        .order_by("-on", "-id")
    )
