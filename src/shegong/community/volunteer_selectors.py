"""Reads for volunteers, hours, pairings and recognitions. Every list starts from the user's
jurisdiction; single objects are fetched and authorized in one step (outside it: an audited
404).

A volunteer's own login (VOLUNTEER_SELF) reads only through the `my_*` functions, which start
from the volunteer record linked to that login: never a list of anyone else.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Max, QuerySet, Sum
from django.utils import timezone

from shegong.core import audit
from shegong.core.models import scope_of
from shegong.core.perms import VISIT_VIEW, VOLUNTEER_MANAGE, VOLUNTEER_SELF, VOLUNTEER_VIEW
from shegong.regions.models import Station

from .hours_services import STAR_HOURS, stars_for
from .volunteer_models import Pairing, Recognition, Volunteer, VolunteerHours, VolunteerTeam

RECENT_DAYS = 90


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


# --- staff reads -----------------------------------------------------------------------------
def volunteers_for(user: Any, perm: str = VOLUNTEER_VIEW) -> QuerySet[Volunteer]:
    return Volunteer.objects.visible_to(user, perm).select_related("station", "community")


def get_volunteer_for(user: Any, pk: int, perm: str = VOLUNTEER_VIEW) -> Volunteer:
    volunteer = volunteers_for(user, perm).select_related("person", "user").filter(pk=pk).first()
    if volunteer is None:
        raise audit.not_found(user, what="volunteer", key=pk)
    return volunteer


def teams_for(user: Any, perm: str = VOLUNTEER_VIEW) -> QuerySet[VolunteerTeam]:
    return VolunteerTeam.objects.visible_to(user, perm).select_related("station")


def hours_for(user: Any, perm: str = VOLUNTEER_VIEW) -> QuerySet[VolunteerHours]:
    return VolunteerHours.objects.visible_to(user, perm).select_related(
        "volunteer", "station", "activity", "visit", "recorded_by"
    )


def get_hours_for(user: Any, pk: int, perm: str = VOLUNTEER_MANAGE) -> VolunteerHours:
    entry = hours_for(user, perm).filter(pk=pk).first()
    if entry is None:
        raise audit.not_found(user, what="volunteer hours", key=pk)
    return entry


def pairings_for(user: Any, perm: str = VOLUNTEER_VIEW) -> QuerySet[Pairing]:
    return (
        Pairing.objects.visible_to(user, perm)
        .select_related("volunteer", "person", "station")
        .annotate(last_contact=Max("contacts__contacted_on"))
    )


def get_pairing_for(user: Any, pk: int, perm: str = VOLUNTEER_VIEW) -> Pairing:
    pairing = pairings_for(user, perm).filter(pk=pk).first()
    if pairing is None:
        raise audit.not_found(user, what="pairing", key=pk)
    return pairing


def pairings_of_person(user: Any, person_pk: int) -> QuerySet[Pairing]:
    return pairings_for(user).filter(person_id=person_pk)


def contact_due(pairing: Pairing, on: dt.date) -> dt.date | None:
    """The day the next contact of an open pairing is due (needs the `last_contact`
    annotation of `pairings_for`); None when ended."""
    if pairing.ended_on is not None:
        return None
    base = getattr(pairing, "last_contact", None) or pairing.started_on
    return base + dt.timedelta(days=pairing.contact_every_days)


@dataclass(frozen=True)
class HoursSummary:
    total: Decimal
    this_month: Decimal
    this_year: Decimal
    entries: int

    @property
    def stars(self) -> int:
        return stars_for(self.total)

    @property
    def next_star_hours(self) -> int | None:
        """Hours needed for the next star level, None at five stars."""
        return STAR_HOURS[self.stars] if self.stars < len(STAR_HOURS) else None


def summary_of(volunteer: Volunteer, on: dt.date | None = None) -> HoursSummary:
    today = on or timezone.localdate()
    rows = volunteer.hours.all()
    total = rows.aggregate(s=Sum("hours"), n=Count("id"))
    month = rows.filter(served_on__gte=month_start(today)).aggregate(s=Sum("hours"))["s"]
    year = rows.filter(served_on__gte=today.replace(month=1, day=1)).aggregate(s=Sum("hours"))["s"]
    zero = Decimal(0)
    return HoursSummary(total["s"] or zero, month or zero, year or zero, total["n"] or 0)


def stars_due(volunteer: Volunteer, summary: HoursSummary) -> list[int]:
    """Star levels the volunteer's hours have reached but nobody has recognized yet."""
    given = set(volunteer.recognitions.filter(kind="star").values_list("stars", flat=True))
    return [n for n in range(1, summary.stars + 1) if n not in given]


def activity_choices(user: Any, volunteer: Volunteer) -> QuerySet[Any]:
    """Recent activities of the volunteer's station the user may log hours for."""
    from .activity_models import Activity

    since = timezone.localdate() - dt.timedelta(days=RECENT_DAYS)
    return (
        Activity.objects.visible_to(user, VOLUNTEER_MANAGE)
        .filter(station=volunteer.station, held_on__gte=since, held_on__lte=timezone.localdate())
        .order_by("-held_on", "-id")
    )


def visit_choices(user: Any, volunteer: Volunteer) -> QuerySet[Any]:
    """Recent visits of the volunteer's station the user may see (VISIT_VIEW)."""
    from shegong.fieldwork.models import Visit

    since = timezone.localdate() - dt.timedelta(days=RECENT_DAYS)
    return (
        Visit.objects.visible_to(user, VISIT_VIEW)
        .filter(station=volunteer.station, visited_on__gte=since)
        .select_related("person")
        .order_by("-visited_on", "-id")
    )


@dataclass(frozen=True)
class StationMonth:
    volunteers: int
    active_this_month: int
    hours: Decimal


def station_month(user: Any, station: Station, on: dt.date | None = None) -> StationMonth:
    """The station's active volunteers and this month's hours, within the user's view."""
    start = month_start(on or timezone.localdate())
    vols = volunteers_for(user).filter(station=station, active=True).count()
    month = hours_for(user).filter(station=station, served_on__gte=start)
    agg = month.aggregate(s=Sum("hours"), v=Count("volunteer", distinct=True))
    return StationMonth(vols, agg["v"] or 0, agg["s"] or Decimal(0))


# --- a volunteer's own login -----------------------------------------------------------------
def my_volunteer(user: Any) -> Volunteer:
    """The volunteer record of this login (VOLUNTEER_SELF); anyone else: an audited 404."""
    volunteer = None
    if scope_of(user, VOLUNTEER_SELF) and getattr(user, "pk", None) is not None:
        volunteer = (
            Volunteer.objects.filter(user_id=user.pk, active=True)
            .select_related("station", "community")
            .first()
        )
    if volunteer is None:
        raise audit.not_found(user, what="volunteer (own)", key=getattr(user, "pk", ""))
    return volunteer


def my_hours(volunteer: Volunteer) -> QuerySet[VolunteerHours]:
    return volunteer.hours.select_related("activity", "visit").order_by("-served_on", "-id")


def my_pairings(volunteer: Volunteer) -> QuerySet[Pairing]:
    return (
        volunteer.pairings.select_related("person")
        .annotate(last_contact=Max("contacts__contacted_on"))
        .order_by("ended_on", "-started_on", "-id")
    )


def get_my_pairing(user: Any, pk: int) -> Pairing:
    """One of the user's own open pairings; anything else: an audited 404."""
    volunteer = my_volunteer(user)
    pairing = my_pairings(volunteer).filter(pk=pk, ended_on__isnull=True).first()
    if pairing is None:
        raise audit.not_found(user, what="pairing (own)", key=pk)
    return pairing


def my_recognitions(volunteer: Volunteer) -> QuerySet[Recognition]:
    return volunteer.recognitions.order_by("-awarded_on", "-id")
