"""Reads of donors, donations, stock, allocations and service lists; every list starts from the
user's jurisdiction and single objects are fetched and authorized in one step (404 otherwise).

Counting (DESIGN §4.2): an allocation to a person is one person-time (人次); `recipient_counts`
gives persons and person-times by category over a period ("donations to children in
difficulty: 43 person-times"), a person counting in a category when they held it on the day of
the allocation. The counts are aggregates; they name nobody.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum

from shegong.core import audit
from shegong.core.perms import RESOURCE_VIEW, VIEW
from shegong.people.models import Category, Person
from shegong.people.selectors import OLDEST_OLD_AGE
from shegong.regions.models import Station

from .models import Allocation, Donation, Donor, ServiceOffering, StockItem

F_ALLOCATED = F("allocated_on")


# --- donors and donations ------------------------------------------------------------------
def donors_for(user: Any, perm: str = RESOURCE_VIEW) -> QuerySet[Donor]:
    return Donor.objects.visible_to(user, perm).select_related("station", "organization")


def get_donor_for(user: Any, pk: int, perm: str = RESOURCE_VIEW) -> Donor:
    donor = donors_for(user, perm).filter(pk=pk).first()
    if donor is None:
        raise audit.not_found(user, what="donor", key=pk)
    return donor


def donations_for(user: Any, perm: str = RESOURCE_VIEW) -> QuerySet[Donation]:
    return Donation.objects.visible_to(user, perm).select_related("station", "donor")


def get_donation_for(user: Any, pk: int, perm: str = RESOURCE_VIEW) -> Donation:
    donation = donations_for(user, perm).filter(pk=pk).first()
    if donation is None:
        raise audit.not_found(user, what="donation", key=pk)
    return donation


# --- stock ---------------------------------------------------------------------------------
def stock_for(user: Any, perm: str = RESOURCE_VIEW) -> QuerySet[StockItem]:
    return StockItem.objects.visible_to(user, perm).select_related("station")


def stock_of(user: Any, station: Station, *, on_hand: bool = True) -> QuerySet[StockItem]:
    """The station's items (those in stock only, by default), by category and name."""
    qs = stock_for(user).filter(station=station)
    return qs.filter(quantity__gt=0) if on_hand else qs


# --- allocations ---------------------------------------------------------------------------
def allocations_for(user: Any, perm: str = RESOURCE_VIEW) -> QuerySet[Allocation]:
    return Allocation.objects.visible_to(user, perm).select_related(
        "station", "person", "household", "activity"
    )


def get_allocation_for(user: Any, pk: int, perm: str = RESOURCE_VIEW) -> Allocation:
    allocation = allocations_for(user, perm).filter(pk=pk).first()
    if allocation is None:
        raise audit.not_found(user, what="allocation", key=pk)
    return allocation


def allocations_to(user: Any, person: Person) -> QuerySet[Allocation]:
    """What the person received, and what their household received, newest first."""
    cond = Q(person=person)
    if person.household_id:
        cond |= Q(household_id=person.household_id)
    return allocations_for(user).filter(cond).prefetch_related("lines__item")


@dataclass(frozen=True)
class CategoryCount:
    category: Category | None  # None: all persons, whatever their category
    persons: int
    person_times: int


@dataclass(frozen=True)
class RecipientCounts:
    start: dt.date
    end: dt.date
    total: CategoryCount
    by_category: list[CategoryCount]
    households: int
    household_times: int
    value: Any  # Decimal yuan: the value of everything given in the period


def recipient_counts(
    user: Any, start: dt.date, end: dt.date, *, station: Station | None = None
) -> RecipientCounts:
    """Persons and person-times of allocations to persons in [start, end], in total and by
    category held on the day of each allocation (one query per part, whatever the size)."""
    base = allocations_for(user).filter(allocated_on__gte=start, allocated_on__lte=end)
    if station is not None:
        base = base.filter(station=station)
    to_persons = base.filter(person__isnull=False)
    total = to_persons.aggregate(t=Count("id"), p=Count("person_id", distinct=True))
    households = base.filter(household__isnull=False).aggregate(
        t=Count("id"), h=Count("household_id", distinct=True)
    )
    value = Decimal(base.aggregate(v=Sum("value"))["v"] or 0).quantize(Decimal("0.01"))
    # One filter() call: the two date conditions apply to the same membership row.
    held = to_persons.filter(
        Q(person__memberships__valid_from__lte=F_ALLOCATED)
        & (
            Q(person__memberships__valid_to__isnull=True)
            | Q(person__memberships__valid_to__gte=F_ALLOCATED)
        )
    )
    rows = {
        r["person__memberships__category"]: (r["p"], r["t"])
        for r in held.values("person__memberships__category").annotate(
            t=Count("id", distinct=True), p=Count("person_id", distinct=True)
        )
    }
    counts = [
        CategoryCount(c, *rows[c.pk])
        for c in Category.objects.filter(pk__in=rows).order_by("order", "code")
    ]
    oldest = _oldest_old(to_persons, end)
    if oldest is not None:
        counts.append(oldest)
    return RecipientCounts(
        start=start,
        end=end,
        total=CategoryCount(None, total["p"], total["t"]),
        by_category=counts,
        households=households["h"],
        household_times=households["t"],
        value=value,
    )


def _oldest_old(to_persons: QuerySet[Allocation], end: dt.date) -> CategoryCount | None:
    """高龄 (80+) is derived from the birth date, so it is counted from the rows: only those of
    persons born early enough to be 80 by the end of the period are read."""
    category = Category.objects.filter(code="oldest_old", derived=True).first()
    if category is None:
        return None
    try:
        latest = end.replace(year=end.year - OLDEST_OLD_AGE)
    except ValueError:  # 29 February
        latest = end.replace(year=end.year - OLDEST_OLD_AGE, day=28)
    rows = to_persons.filter(person__birth_date__lte=latest).values_list(
        "person_id", "allocated_on", "person__birth_date"
    )
    persons: set[int] = set()
    times = 0
    for person_id, on, born in rows:
        if born is None:
            continue
        if on.year - born.year - ((on.month, on.day) < (born.month, born.day)) >= OLDEST_OLD_AGE:
            persons.add(person_id)
            times += 1
    if not times:
        return None
    return CategoryCount(category, len(persons), times)


# --- the service list ----------------------------------------------------------------------
def services_of(user: Any, station: Station, *, all_lines: bool = False) -> list[ServiceOffering]:
    """The station's services offered (those offered now, unless `all_lines`), for anyone who
    may see the station."""
    qs = ServiceOffering.objects.visible_to(user, VIEW).filter(station=station)
    return list(qs if all_lines else qs.filter(active=True))


def get_service_for(user: Any, pk: int, perm: str) -> ServiceOffering:
    offering = (
        ServiceOffering.objects.visible_to(user, perm)
        .filter(pk=pk)
        .select_related("station")
        .first()
    )
    if offering is None:
        raise audit.not_found(user, what="service offering", key=pk)
    return offering
