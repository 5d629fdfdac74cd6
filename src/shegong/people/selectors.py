"""Reads of persons: every query starts from the reader's jurisdiction."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from shegong.core import audit
from shegong.core.models import scope_of
from shegong.core.perms import PERSON_SENSITIVE, PERSON_VIEW
from shegong.core.scoping import CodeRange, ancestor_code, level_of_code

from . import indexing
from .models import Category, CategoryMembership, Household, Person, SearchTerm

OLDEST_OLD_AGE = 80
AGE_BANDS: dict[str, tuple[int | None, int | None]] = {
    # label: [min age, max age] inclusive
    "0-5": (0, 5),
    "6-13": (6, 13),
    "14-17": (14, 17),
    "18-59": (18, 59),
    "60-79": (60, 79),
    "80+": (80, None),
}


def get_person_for(
    user: Any, pk: int, perm: str = PERSON_VIEW, *, record_read: bool = False
) -> Person:
    """The person, if in the user's jurisdiction for `perm`; a read of the record is audited
    when `record_read` (person pages and their API twin)."""
    person = (
        Person.objects.visible_to(user, perm)
        .filter(pk=pk)
        .select_related("region", "station", "household", "guardian")
        .first()
    )
    if person is None:
        raise audit.not_found(user, what="person", key=pk)
    if record_read:
        audit.record(actor=user, action="person.view", obj=person, region_code=person.region_id)
    return person


def categories_for(user: Any, *, sensitive: bool | None = None) -> QuerySet[Category]:
    """National categories plus the local ones defined for a division the user works in, above
    it (a city's category applies to its districts) or below it. Sensitive categories (health,
    minors) only for users who may see them somewhere (`sensitive=None`: decide by the user)."""
    scope = scope_of(user)
    qs = Category.objects.filter(active=True)
    if not scope.everything:
        local = Q(region__isnull=True)
        for r in scope.ranges:
            ancestors = {ancestor_code(r.lo, level) for level in (1, 2, 3, 4)}
            local |= Q(region_id__in=ancestors) | Q(region_id__gte=r.lo, region_id__lt=r.hi)
        qs = qs.filter(local)
    if sensitive is None:
        sensitive = bool(scope_of(user, PERSON_SENSITIVE))
    if not sensitive:
        qs = qs.filter(sensitive=False)
    return qs


def may_see_sensitive(user: Any, person: Person) -> bool:
    """Health and children's categories (PIPL art. 28) are shown to those who serve the person
    (workers, station heads, supervisors), not to every office that may see the record."""
    return scope_of(user, PERSON_SENSITIVE).contains(person.region_id)


def birth_range(band: str, on: dt.date) -> tuple[dt.date | None, dt.date | None]:
    """Birth dates of people whose age on `on` lies in the band: (born after, born on/before)."""
    lo, hi = AGE_BANDS[band]

    def years_before(years: int) -> dt.date:
        try:
            return on.replace(year=on.year - years)
        except ValueError:  # 29 February
            return on.replace(year=on.year - years, day=28)

    latest = years_before(lo) if lo is not None else None
    earliest = years_before(hi + 1) + dt.timedelta(days=1) if hi is not None else None
    return earliest, latest


@dataclass(frozen=True)
class PersonFilter:
    q: str = ""
    category: str = ""
    region: int | None = None  # a village/community or township code
    station: str = ""
    risk: str = ""
    age_band: str = ""
    status: str = ""
    on: dt.date | None = None


def search_ids(user: Any, raw: str) -> QuerySet[SearchTerm, Any] | None:
    """Person ids matching what the user typed, inside their jurisdiction (None: no search)."""
    alternatives = indexing.query_terms(raw)
    if not alternatives:
        return None
    scope = scope_of(user, PERSON_VIEW)
    in_scope = SearchTerm.objects.filter(scope.q("region_code"))
    matches: QuerySet[SearchTerm, Any] | None = None
    for terms in alternatives:
        ids: QuerySet[SearchTerm, Any] | None = None
        for term in sorted(terms):
            hit = in_scope.filter(term=term).values("person_id")
            ids = hit if ids is None else ids.filter(person_id__in=hit)
        assert ids is not None
        matches = ids if matches is None else matches.union(ids)
    return matches


def persons_for(user: Any, f: PersonFilter | None = None) -> QuerySet[Person]:
    f = f or PersonFilter()
    day = f.on or timezone.localdate()
    qs: QuerySet[Person] = Person.objects.visible_to(user, PERSON_VIEW).select_related(
        "region", "station"
    )
    if f.q:
        ids = search_ids(user, f.q)
        if ids is None:
            return qs.none()
        qs = qs.filter(pk__in=ids)
        tail = indexing.needs_tail_check(f.q)
        if tail:
            # The index matched the last 8 digits; confirm the rest against the number (an
            # 11-digit query may instead have matched a phone number exactly).
            keep = [
                pk
                for pk, number, phone in qs.values_list("pk", "id_number", "phone")
                if (number and number.endswith(tail)) or phone == tail
            ]
            qs = qs.filter(pk__in=keep)
    if f.region:
        within = CodeRange.subtree(f.region, level_of_code(f.region))
        qs = qs.filter(region_id__gte=within.lo, region_id__lt=within.hi)
    if f.station:
        qs = qs.filter(station__code=f.station)
    if f.risk:
        qs = qs.filter(risk_level=f.risk)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.age_band in AGE_BANDS:
        earliest, latest = birth_range(f.age_band, day)
        if earliest:
            qs = qs.filter(birth_date__gte=earliest)
        if latest:
            qs = qs.filter(birth_date__lte=latest)
    if f.category:
        if not categories_for(user).filter(code=f.category).exists():
            return qs.none()
        qs = in_category(qs, f.category, day)
    return qs.order_by("name_pinyin", "pk")


def in_category(qs: QuerySet[Person], code: str, day: dt.date) -> QuerySet[Person]:
    """Persons in a category on a day (a derived category is computed from the birth date)."""
    category = Category.objects.filter(code=code).first()
    if category is None:
        return qs.none()
    if category.derived and code == "oldest_old":
        _earliest, latest = birth_range("80+", day)
        return qs.filter(birth_date__lte=latest)
    members = CategoryMembership.objects.on(day).filter(category=category).values("person_id")
    return qs.filter(pk__in=members)


def members_during(
    qs: QuerySet[Person], code: str, start: dt.date, end: dt.date
) -> QuerySet[Person]:
    """Who was in a category at any time in [start, end] — "who was 低保 in March"."""
    category = Category.objects.filter(code=code).first()
    if category is None:
        return qs.none()
    if category.derived and code == "oldest_old":
        _earliest, latest = birth_range("80+", end)  # 80 by the last day of the period
        return qs.filter(birth_date__lte=latest)
    members = CategoryMembership.objects.during(start, end).filter(category=category)
    return qs.filter(pk__in=members.values("person_id"))


def category_history(person: Person, user: Any = None) -> QuerySet[CategoryMembership]:
    """The person's category periods, newest first; sensitive ones only for those who may
    see them (`user=None`: internal use, everything)."""
    qs = person.memberships.select_related("category").order_by("-valid_from", "-id")
    if user is not None and not may_see_sensitive(user, person):
        qs = qs.filter(category__sensitive=False)
    return qs


def current_categories_of(
    persons: list[Person], user: Any, day: dt.date | None = None
) -> dict[int, list[Category]]:
    """Categories held on `day` by each of a page of persons, in one query (plus the derived
    高龄), with sensitive ones only where the user may see them."""
    day = day or timezone.localdate()
    out: dict[int, list[Category]] = {p.pk: [] for p in persons}
    rows = (
        CategoryMembership.objects.on(day)
        .filter(person__in=persons)
        .select_related("category")
        .order_by("category__order")
    )
    sensitive_ok = {p.pk for p in persons if may_see_sensitive(user, p)}
    for m in rows:
        if not m.category.sensitive or m.person_id in sensitive_ok:
            out[m.person_id].append(m.category)
    oldest = Category.objects.filter(code="oldest_old").first()
    if oldest is not None:
        for p in persons:
            age = p.age_on(day)
            if age is not None and age >= OLDEST_OLD_AGE:
                out[p.pk].append(oldest)
    return out


def get_household_for(user: Any, pk: int, perm: str = PERSON_VIEW) -> Household:
    household = Household.objects.visible_to(user, perm).filter(pk=pk).first()
    if household is None:
        raise audit.not_found(user, what="household", key=pk)
    return household
