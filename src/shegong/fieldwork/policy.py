"""Visit policy: who must be contacted how often, and when the next contact is due.

The functions here are pure (plain dates, policies and memberships in, answers out) except
`checklist_for` and `oldest_old_id`, which read the categories.

Rules, in one place:

- Requirements come from the categories a person holds *on the day* (effective-dated
  memberships), the derived 高龄 (80 and over, from the birth date) and the current risk level.
  A policy may also demand a second category (`also_category`: 高龄 *and* 独居).
- Overrides: for the same (category, also_category, risk level, contact kind), a station row
  beats a division row, a deeper division beats a shallower one, and any of them beats the
  national default. An inactive override switches the requirement off for its place.
- A requirement applies from `since`: the start of the uninterrupted membership period (or of
  the risk level, or the 80th birthday). The next contact is due `interval` after the later of
  the last contact and `since`, so a person who joins a category mid-interval is due
  `since + interval`, not overdue at once. Someone never contacted whose requirement started
  more than an interval ago is simply overdue (`since + interval` lies in the past).
- Intervals are either days (plain day arithmetic across month ends and leap years) or calendar
  months: "by the same day N months later, clamped to that month's end" (31 Jan → 28/29 Feb;
  29 Feb 2028 → 28 Feb 2029 after 12 months). Clamping is anchored on the last contact, so a
  chain of monthly visits may drift earlier after a short month (31 Jan → 29 Feb → 29 Mar);
  that keeps every interval at most one month long, which is what the policy promises.
- "Strictest" compares interval lengths (a month counts as 30 days); for the due date itself
  every applicable requirement of a contact kind is evaluated and the earliest date wins, so a
  long-overdue 低保 contact is not hidden by a crisis flag raised yesterday.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from django.utils.translation import gettext_lazy as _

from shegong.core.scoping import CodeRange, level_of_code

from .models import ContactKind, VisitPolicy

OLDEST_OLD_AGE = 80
ELDERLY_AGE = 60
CHILD_CATEGORIES = frozenset(
    {"child_in_difficulty", "left_behind_child", "orphan", "unsupported_child"}
)


class Held(Protocol):
    """A category membership period (people.CategoryMembership has these)."""

    category_id: int
    valid_from: dt.date
    valid_to: dt.date | None


@dataclass(frozen=True)
class Requirement:
    kind: str  # ContactKind
    interval_days: int
    reason: str  # "category:<id>", "risk:<level>" …, for display and tests
    since: dt.date = dt.date.min
    interval_months: int = 0

    @property
    def length(self) -> int:
        """Approximate length in days, for choosing the strictest requirement."""
        return self.interval_months * 30 if self.interval_months else self.interval_days


@dataclass(frozen=True)
class Due:
    kind: str
    due: dt.date
    requirement: Requirement


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later, clamped to the end of that month."""
    year, month0 = divmod(day.month - 1 + months, 12)
    year += day.year
    last = calendar.monthrange(year, month0 + 1)[1]
    return dt.date(year, month0 + 1, min(day.day, last))


def add_interval(day: dt.date, *, days: int = 0, months: int = 0) -> dt.date:
    return add_months(day, months) if months else day + dt.timedelta(days=days)


def due_date(
    last_contact: dt.date | None, interval_days: int, since: dt.date, *, months: int = 0
) -> dt.date:
    """When the next contact is due for a requirement that has applied since `since`."""
    start = since if last_contact is None else max(last_contact, since)
    return add_interval(start, days=interval_days, months=months)


def _birthday(birth: dt.date, years: int) -> dt.date:
    try:
        return birth.replace(year=birth.year + years)
    except ValueError:  # born 29 February
        return birth.replace(year=birth.year + years, day=28)


def _run_starts(memberships: Iterable[Held], on: dt.date) -> dict[int, dt.date]:
    """Category id → start of the uninterrupted period that contains `on` (adjacent periods
    of one category, e.g. renewed 低保, count as one)."""
    by_category: dict[int, list[Held]] = {}
    for m in memberships:
        by_category.setdefault(m.category_id, []).append(m)
    out: dict[int, dt.date] = {}
    for category, periods in by_category.items():
        start: dt.date | None = None
        end: dt.date | None = None
        for m in sorted(periods, key=lambda p: p.valid_from):
            if m.valid_from > on:
                break
            if start is None or end is None or m.valid_from > end + dt.timedelta(days=1):
                start = m.valid_from
            end = m.valid_to or dt.date.max
        if start is not None and end is not None and end >= on:
            out[category] = start
    return out


def _specificity(policy: VisitPolicy, person: Any) -> tuple[int, int] | None:
    """How specifically the policy addresses the person (None: it does not apply)."""
    if policy.station_id is not None:
        return (1, 0) if policy.station_id == person.station_id else None
    if policy.region_id is not None:
        level = level_of_code(policy.region_id)
        within = CodeRange.subtree(policy.region_id, level)
        return (0, level) if person.region_id in within else None
    return (0, 0)


def applicable(
    person: Any,
    on: dt.date,
    policies: Iterable[VisitPolicy],
    memberships: Iterable[Held],
    *,
    oldest_old: int | None = None,
    risk_since: dt.date | None = None,
) -> list[Requirement]:
    """Every requirement that applies to the person on `on`, after overrides.

    `memberships` are the person's periods (any dates; those not covering `on` are ignored);
    `oldest_old` is the id of the derived 高龄 category; `risk_since` is when the current risk
    level was set (default: when the person was registered).
    """
    held = _run_starts(memberships, on)
    if oldest_old is not None and person.birth_date is not None:
        eightieth = _birthday(person.birth_date, OLDEST_OLD_AGE)
        if eightieth <= on:
            held[oldest_old] = eightieth
    risk = person.risk_level or ""
    if risk and risk_since is None:
        created = getattr(person, "created_at", None)
        risk_since = created.date() if created else on
    chosen: dict[tuple[Any, ...], tuple[tuple[int, int], VisitPolicy]] = {}
    for p in policies:
        if p.category_id is not None and p.category_id not in held:
            continue
        if p.also_category_id is not None and p.also_category_id not in held:
            continue
        if p.risk_level and p.risk_level != risk:
            continue
        rank = _specificity(p, person)
        if rank is None:
            continue
        key = (p.category_id, p.also_category_id, p.risk_level, p.contact_kind)
        if key not in chosen or rank > chosen[key][0]:
            chosen[key] = (rank, p)
    out: list[Requirement] = []
    for _rank, p in chosen.values():
        if not p.active:
            continue
        starts = [held[c] for c in (p.category_id, p.also_category_id) if c is not None]
        if p.risk_level and risk_since is not None:
            starts.append(risk_since)
        reason = f"category:{p.category_id}" if p.category_id else f"risk:{p.risk_level}"
        out.append(
            Requirement(
                kind=p.contact_kind,
                interval_days=p.interval_days,
                interval_months=p.interval_months,
                reason=reason,
                since=max(starts) if starts else dt.date.min,
            )
        )
    return out


def strictest(requirements: Iterable[Requirement]) -> list[Requirement]:
    """The strictest requirement per contact kind (shortest interval; then the earliest start)."""
    best: dict[str, Requirement] = {}
    for r in requirements:
        cur = best.get(r.kind)
        if cur is None or (r.length, r.since) < (cur.length, cur.since):
            best[r.kind] = r
    return [best[k] for k in ContactKind.values if k in best]


def required_contacts(
    person: Any,
    on: dt.date,
    policies: Iterable[VisitPolicy],
    memberships: Iterable[Held],
    *,
    oldest_old: int | None = None,
    risk_since: dt.date | None = None,
) -> list[Requirement]:
    """The strictest requirement per contact kind for the person on `on` ("any" before
    "visit"). See `applicable` for the arguments."""
    return strictest(
        applicable(person, on, policies, memberships, oldest_old=oldest_old, risk_since=risk_since)
    )


def next_contacts(
    requirements: Sequence[Requirement], last_any: dt.date | None, last_visit: dt.date | None
) -> list[Due]:
    """The next due date per contact kind: any visit kind counts for "any", only in-person
    visits (home visit, escort) for "visit"; the earliest date over all requirements of a kind."""
    best: dict[str, Due] = {}
    for r in requirements:
        last = last_visit if r.kind == ContactKind.VISIT else last_any
        day = due_date(last, r.interval_days, r.since, months=r.interval_months)
        if r.kind not in best or day < best[r.kind].due:
            best[r.kind] = Due(kind=r.kind, due=day, requirement=r)
    return [best[k] for k in ContactKind.values if k in best]


def risk_level_since(history: Iterable[tuple[str, dt.date]], level: str) -> dt.date | None:
    """When the current risk level began: the oldest of the newest run of assessments at
    `level` (`history` newest first), so a re-assessment at the same level does not restart
    the clock."""
    since = None
    for lvl, day in history:
        if lvl != level:
            break
        since = day
    return since


# --- checklists -----------------------------------------------------------------------------

CHECK_ITEMS: dict[str, Any] = {
    "health": _("health"),
    "meals": _("meals"),
    "safety_hazards": _("safety hazards"),
    "hygiene": _("hygiene"),
    "mood": _("mood"),
    "heating": _("heating"),
    "body": _("physical condition"),
    "study": _("study"),
    "living_conditions": _("living conditions"),
    "guardianship": _("guardianship"),
    "schooling": _("schooling"),
    "needs": _("needs"),
}
ELDERLY_ALONE_ITEMS = ("health", "meals", "safety_hazards", "hygiene", "mood", "heating")
CHILD_ITEMS = ("body", "study", "living_conditions", "guardianship", "schooling")
DEFAULT_ITEMS = ("health", "living_conditions", "needs")


def checklist_items(codes: Iterable[str], *, age: int | None, lives_alone: bool) -> list[str]:
    """Checklist item keys for a person with these category codes (pure)."""
    codes = set(codes)
    items: list[str] = []
    elderly = age is not None and age >= ELDERLY_AGE
    if "elderly_alone" in codes or (elderly and lives_alone):
        items += ELDERLY_ALONE_ITEMS
    if codes & CHILD_CATEGORIES:
        items += [i for i in CHILD_ITEMS if i not in items]
    return items or list(DEFAULT_ITEMS)


def checklist_for(person: Any, on: dt.date) -> list[tuple[str, Any]]:
    """(key, label) pairs of the checklist suited to the person's categories on `on`."""
    from shegong.people.models import CategoryMembership, LivingSituation

    codes = (
        CategoryMembership.objects.on(on)
        .filter(person=person)
        .values_list("category__code", flat=True)
    )
    keys = checklist_items(
        codes,
        age=person.age_on(on),
        lives_alone=person.living_situation == LivingSituation.ALONE,
    )
    return [(k, CHECK_ITEMS[k]) for k in keys]


def oldest_old_id() -> int | None:
    from shegong.people.models import Category

    return Category.objects.filter(code="oldest_old").values_list("pk", flat=True).first()


# --- national defaults (installed by migration 0002) ----------------------------------------

# (category, also_category, risk level, contact kind, interval days), from the field-work brief:
# crisis weekly, high risk fortnightly, 特困 and 困境儿童 a monthly home visit, 高龄独居 a weekly
# call and a monthly visit, 独居 a monthly visit, 低保 a quarterly contact.
DEFAULTS: list[tuple[str | None, str | None, str, str, int]] = [
    (None, None, "crisis", ContactKind.ANY, 7),
    (None, None, "high", ContactKind.ANY, 14),
    ("tekun", None, "", ContactKind.VISIT, 30),
    ("child_in_difficulty", None, "", ContactKind.VISIT, 30),
    ("oldest_old", "elderly_alone", "", ContactKind.ANY, 7),
    ("oldest_old", "elderly_alone", "", ContactKind.VISIT, 30),
    ("elderly_alone", None, "", ContactKind.VISIT, 30),
    ("dibao", None, "", ContactKind.ANY, 90),
]


def install_defaults(policy_model: Any, category_model: Any) -> int:
    """Create the national default policies that do not exist yet; returns how many."""
    ids = dict(category_model.objects.values_list("code", "pk"))
    created = 0
    for category, also, risk, kind, days in DEFAULTS:
        if (category and category not in ids) or (also and also not in ids):
            continue
        _obj, new = policy_model.objects.get_or_create(
            category_id=ids.get(category) if category else None,
            also_category_id=ids.get(also) if also else None,
            risk_level=risk,
            contact_kind=str(kind),
            station=None,
            region=None,
            defaults={"interval_days": days, "interval_months": 0, "active": True},
        )
        created += new
    return created
