"""Read helpers for the person pages that selectors.py does not have yet. Like the selectors,
every query here starts from the reader's jurisdiction and answers 404 (with an audit row)
outside it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from shegong.core import audit
from shegong.core.models import scope_of
from shegong.core.perms import PERSON_EDIT, PERSON_VIEW
from shegong.regions.models import Level, Region, Station, StationKind

from .models import CategoryMembership, Person

# Above this many villages a division picker lists townships only (a city has thousands).
MAX_VILLAGE_CHOICES = 600
MAX_TOWNSHIP_CHOICES = 1000
MAX_CANDIDATES = 300

_SUFFIXES = (
    ("社区居民委员会", "社区"),
    ("社区居委会", "社区"),
    ("村民委员会", "村"),
    ("村委会", "村"),
)


def short_name(name: str) -> str:
    """朝阳里社区居委会 → 朝阳里社区: what people call a community, for narrow screens."""
    for suffix, keep in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)] + keep
    return name


def get_membership_for(user: Any, pk: int, perm: str = PERSON_EDIT) -> CategoryMembership:
    """A category membership of a person in the user's jurisdiction for `perm`."""
    membership = (
        CategoryMembership.objects.filter(scope_of(user, perm).q("person__region_id"))
        .filter(pk=pk)
        .select_related("person", "category")
        .first()
    )
    if membership is None:
        raise audit.not_found(user, what="category membership", key=pk)
    return membership


def household_members(user: Any, person: Person) -> QuerySet[Person]:
    """The other members of the person's household whom the user may see."""
    if person.household_id is None:
        return Person.objects.none()
    return (
        Person.objects.visible_to(user, PERSON_VIEW)
        .filter(household_id=person.household_id)
        .exclude(pk=person.pk)
        .select_related("region")
        .order_by("name_pinyin", "pk")
    )


def wards(user: Any, person: Person) -> QuerySet[Person]:
    """Whom this person is the guardian of, among the persons the user may see."""
    return (
        Person.objects.visible_to(user, PERSON_VIEW)
        .filter(guardian=person)
        .order_by("name_pinyin", "pk")
    )


def neighbours(user: Any, person: Person, perm: str = PERSON_VIEW) -> QuerySet[Person]:
    """Persons in the same village (or township, when no village is known) within the user's
    scope: whom to pick when joining a household or naming a guardian. Unsliced, so a form can
    validate a choice; pickers show the first MAX_CANDIDATES."""
    lo = person.region_id
    hi = lo + (1000 if lo % 1000 == 0 else 1)
    return (
        Person.objects.visible_to(user, perm)
        .filter(region_id__gte=lo, region_id__lt=hi)
        .exclude(pk=person.pk)
        .select_related("household")
        .order_by("name_pinyin", "pk")
    )


@dataclass(frozen=True)
class DivisionGroup:
    township: Region
    villages: list[Region]


def divisions_in_scope(user: Any, perm: str = PERSON_VIEW) -> tuple[list[DivisionGroup], bool]:
    """Townships in the user's scope for `perm`, each with its villages and communities, for a
    picker. The flag says whether villages were left out because there are too many (a city
    administrator's scope): then each group's village list is empty."""
    scope = scope_of(user, perm)
    if not scope:
        return [], False
    townships = list(
        Region.objects.in_scope(scope)
        .filter(level=Level.TOWNSHIP)
        .order_by("code")[:MAX_TOWNSHIP_CHOICES]
    )
    villages = Region.objects.in_scope(scope).filter(level=Level.VILLAGE)
    by_township: dict[int, list[Region]] = {t.code: [] for t in townships}
    too_many = villages.count() > MAX_VILLAGE_CHOICES
    if not too_many:
        for v in villages.order_by("code"):
            by_township.setdefault(v.code // 1000 * 1000, []).append(v)
        # A station role may reach single communities of a township it does not serve whole.
        missing = [c for c in by_township if c not in {t.code for t in townships}]
        if missing:
            townships += list(Region.objects.filter(code__in=missing))
            townships.sort(key=lambda t: t.code)
    return [DivisionGroup(t, by_township.get(t.code, [])) for t in townships], too_many


def nearby_divisions(person: Person) -> list[Region]:
    """Townships, villages and communities of the person's county: where a handover usually
    goes (suggestions only; any loaded division may be typed)."""
    county = person.region_id // 10**6 * 10**6
    places = Region.objects.filter(code__gt=county, code__lt=county + 10**6).order_by("code")
    if places.filter(level=Level.VILLAGE).count() > MAX_VILLAGE_CHOICES:
        places = places.filter(level=Level.TOWNSHIP)
    return list(places.filter(level__in=(Level.TOWNSHIP, Level.VILLAGE)))


def place_path(region: Region) -> list[str]:
    """Names from the province down to the division (a municipality's 市辖区 said once)."""
    names: list[str] = []
    for r in [*region.ancestors(), region]:
        if not names or names[-1] != r.display_name:
            names.append(r.display_name)
    return names


def stations_in_scope(user: Any) -> QuerySet[Station]:
    """Stations responsible for persons the user may see (for the list's station filter)."""
    return (
        Station.objects.visible_to(user, PERSON_VIEW)
        .filter(active=True, kind__in=(StationKind.TOWNSHIP, StationKind.SPECIALTY))
        .select_related("region")
        .order_by("code")
    )
