"""Reads for field work: visits in scope (with their photos and the other visits of a household
visit), a worker's worklist and "nobody forgotten", and the risk alerts a visit's notes suggest.

A household visit is one Visit per member (see services), so the worklist below needs nothing
extra for it.

How the due dates are computed (both lists share `_due_rows`), for P persons in scope, M of
their current memberships and V of their visits:

1. one query for the active persons in scope (a range scan on `person.region_id`);
2. one query for their memberships on the day (`person_id IN (subquery)`);
3. one query for the risk history of the persons who carry a risk level;
4. with the persons, their last contact of any kind and in person: two probes of the
   (person, visited_on) index each, never an aggregate over all their visits;
5. the policy table (tiny) and the 高龄 category id;

Only persons who can have a requirement are read (`_candidates`: a category or risk level
some active policy names, or 80+), without their encrypted columns. Then the policy in Python:
O(P + M) time and O(P) memory. Measured at city scale (bench/RESULTS.md): a station's worklist
and a district's list are still above their targets.

TODO: at city scale (1M persons, 10M visits) keep a maintained `ContactDue(person, kind, due)`
table, updated transactionally by `record_visit`, membership and risk changes, and read the
worklist and "nobody forgotten" from it with an index range scan on (region_code, due).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    Exists,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)

from shegong.accounts.models import RoleAssignment, User
from shegong.core import attachments
from shegong.core.models import Attachment, scope_of
from shegong.core.perms import FIELDWORK_OVERSIGHT, VISIT_RECORD, VISIT_VIEW
from shegong.people.models import CategoryMembership, Person, PersonStatus, RiskAssessment
from shegong.regions.models import Station

from . import policy
from .models import IN_PERSON_KINDS, Visit, VisitPolicy

# Attachments of a visit: `Attachment.owner_type`; the owner id is the visit's pk.
VISIT_OWNER = "fieldwork.visit"


def visits_for(user: Any, perm: str = VISIT_VIEW) -> QuerySet[Visit]:
    """Visits in the user's jurisdiction, newest first."""
    return Visit.objects.visible_to(user, perm).select_related("person", "station")


def visits_of(user: Any, person: Person) -> QuerySet[Visit]:
    """One person's visits that the user may see (by the division at the time of each visit)."""
    return visits_for(user).filter(person=person)


def household_members(actor: Any, person: Person) -> list[Person]:
    """The other active members of the person's household whose visits the actor may record."""
    if person.household_id is None:
        return []
    return list(
        Person.objects.visible_to(actor, VISIT_RECORD)
        .filter(household_id=person.household_id, status=PersonStatus.ACTIVE)
        .exclude(pk=person.pk)
        .order_by("name_pinyin", "pk")
    )


def household_group(user: Any, visit: Visit) -> list[Visit]:
    """The other visits of the same household visit (the household's visits of the same kind
    on the same day; see services), those the user may see."""
    if visit.household_id is None:
        return []
    return list(
        visits_for(user)
        .filter(household_id=visit.household_id, visited_on=visit.visited_on, kind=visit.kind)
        .exclude(pk=visit.pk)
        .order_by("person__name_pinyin", "pk")
    )


def suggested_alerts(visit: Visit) -> list[str]:
    """The kinds of risk alert the visit's needs found, notes and checklist notes suggest
    (`cases.suggests_alert`), in `RiskKind` order."""
    from .cases import suggests_alert

    notes = [e.get("note", "") for e in visit.checklist.values() if isinstance(e, dict)]
    return suggests_alert("\n".join([visit.needs_found, visit.notes, *notes]))


def open_alert_kinds(person: Person, kinds: list[str]) -> set[str]:
    """Which of `kinds` already have an open risk alert on the person."""
    from .case_models import AlertStatus, RiskAlert

    if not kinds:
        return set()
    return set(
        RiskAlert.objects.filter(person=person, status=AlertStatus.OPEN, kind__in=kinds)
        .values_list("kind", flat=True)
        .distinct()
    )


def photos_of(user: Any, visit: Visit) -> QuerySet[Attachment]:
    """The visit's photos the user may see, oldest first."""
    return attachments.list_for(
        user, owner_type=VISIT_OWNER, owner_id=visit.pk, perm=VISIT_VIEW
    ).order_by("uploaded_at", "pk")


def get_photo_for(user: Any, pk: int, perm: str = VISIT_VIEW) -> Attachment:
    """A visit's photo, if the user holds `perm` where the visit took place (the photo carries
    the visit's division); anything else — outside, missing, a person's or a case's
    attachment — is an audited 404 to raise."""
    return attachments.get_for(user, pk, perm, owner_type=VISIT_OWNER)


def photos_by_visit(user: Any, visit_ids: list[int]) -> dict[int, list[Attachment]]:
    """visit id → its photos the user may see (one query for a page of visits)."""
    out: dict[int, list[Attachment]] = {}
    rows = (
        Attachment.objects.visible_to(user, VISIT_VIEW)
        .filter(owner_type=VISIT_OWNER, owner_id__in=visit_ids)
        .order_by("uploaded_at", "pk")
    )
    for a in rows:
        out.setdefault(a.owner_id, []).append(a)
    return out


@dataclass(frozen=True)
class WorkItem:
    person: Person
    kind: str  # ContactKind
    due: dt.date
    reason: str


@dataclass(frozen=True)
class Worklist:
    due_today: list[WorkItem] = field(default_factory=list)
    due_this_week: list[WorkItem] = field(default_factory=list)
    overdue: list[WorkItem] = field(default_factory=list)


@dataclass(frozen=True)
class OverdueRow:
    person: Person
    kind: str
    due: dt.date
    days_overdue: int
    station: Station | None


def _batches(ids: list[int], size: int = 5000) -> list[list[int]]:
    return [ids[i : i + size] for i in range(0, len(ids), size)]


def _candidates(persons: QuerySet[Person], on: dt.date, policies: list[VisitPolicy]) -> Any:
    """The persons of `persons` who can have a requirement on `on` (a superset: `applicable`
    decides): holding a category some active policy names, carrying a risk level some active
    policy names, or 80 or older where 高龄 alone needs contact. Everyone when an active
    policy names neither category nor risk."""
    active = [p for p in policies if p.active]
    if any(p.category_id is None and not p.risk_level for p in active):
        return persons
    oldest = policy.oldest_old_id()
    categories = {c for p in active for c in (p.category_id, p.also_category_id) if c}
    held = CategoryMembership.objects.filter(
        person=OuterRef("pk"), category_id__in=categories - {oldest}, valid_from__lte=on
    ).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
    condition = Exists(held) | Q(risk_level__in={p.risk_level for p in active if p.risk_level})
    if oldest is not None and any(
        p.category_id == oldest and p.also_category_id is None for p in active
    ):
        # One day of slack: someone born on 29 February turns 80 on 28 February or 1 March.
        cutoff = policy._birthday(on, -policy.OLDEST_OLD_AGE) + dt.timedelta(days=1)
        condition |= Q(birth_date__lte=cutoff)
    return persons.filter(condition)


def _due_rows(persons: QuerySet[Person], on: dt.date) -> list[tuple[Person, policy.Due]]:
    """Every (person, next due contact) for the active persons of `persons` on `on`."""
    policies = list(VisitPolicy.objects.all())
    oldest = policy.oldest_old_id()
    visits = Visit.objects.filter(person=OuterRef("pk"), visited_on__lte=on).order_by("-visited_on")
    people = list(
        _candidates(persons.filter(status=PersonStatus.ACTIVE), on, policies)
        .defer("id_number", "phone")  # never decrypted for a list
        .select_related("station")
        # The last contact of any kind and the last in person: two probes of the
        # (person, visited_on) index per person, instead of aggregating all their visits.
        .annotate(
            last_any=Subquery(visits.values("visited_on")[:1]),
            last_in_person=Subquery(
                visits.filter(kind__in=list(IN_PERSON_KINDS)).values("visited_on")[:1]
            ),
        )
        .order_by("name_pinyin", "pk")
    )
    if not people:
        return []
    memberships: dict[int, list[CategoryMembership]] = {}
    history: dict[int, list[tuple[str, dt.date]]] = {}
    # In batches: SQLite allows a limited number of parameters in one statement.
    for batch in _batches([p.pk for p in people]):
        # Periods touching `on` plus the ones just before it, so a renewed membership keeps
        # its original start (see policy._run_starts).
        for m in CategoryMembership.objects.filter(person_id__in=batch, valid_from__lte=on).only(
            "person_id", "category_id", "valid_from", "valid_to"
        ):
            memberships.setdefault(m.person_id, []).append(m)
    for batch in _batches([p.pk for p in people if p.risk_level]):
        for pid, level, day in (
            RiskAssessment.objects.filter(person_id__in=batch)
            .order_by("person_id", "-assessed_on", "-id")
            .values_list("person_id", "level", "assessed_on")
        ):
            history.setdefault(pid, []).append((level, day))
    out: list[tuple[Person, policy.Due]] = []
    for p in people:
        since = policy.risk_level_since(history.get(p.pk, []), p.risk_level)
        reqs = policy.applicable(
            p, on, policies, memberships.get(p.pk, []), oldest_old=oldest, risk_since=since
        )
        if not reqs:
            continue
        in_person = p.last_in_person
        any_kind = p.last_any
        out.extend((p, d) for d in policy.next_contacts(reqs, any_kind, in_person))
    return out


def end_of_week(on: dt.date) -> dt.date:
    """The Sunday of `on`'s week (weeks run Monday to Sunday)."""
    return on + dt.timedelta(days=6 - on.weekday())


def worklist(user: Any, on: dt.date) -> Worklist:
    """A worker's contacts due by the end of the week, for the persons in their VISIT_RECORD
    jurisdiction: overdue (before `on`), due today, due later this week."""
    week_end = end_of_week(on)
    result = Worklist()
    for person, d in _due_rows(Person.objects.visible_to(user, VISIT_RECORD), on):
        if d.due > week_end:
            continue
        item = WorkItem(person=person, kind=d.kind, due=d.due, reason=d.requirement.reason)
        if d.due < on:
            result.overdue.append(item)
        elif d.due == on:
            result.due_today.append(item)
        else:
            result.due_this_week.append(item)
    result.overdue.sort(key=lambda i: (i.due, i.person.name_pinyin))
    result.due_this_week.sort(key=lambda i: (i.due, i.person.name_pinyin))
    return result


def nobody_forgotten(user: Any, on: dt.date, *, station: Station | None = None) -> list[OverdueRow]:
    """Everyone in the user's FIELDWORK_OVERSIGHT jurisdiction (optionally one station's
    persons) not contacted within the required interval, most overdue first."""
    persons = Person.objects.visible_to(user, FIELDWORK_OVERSIGHT)
    if station is not None:
        persons = persons.filter(station=station)
    rows = [
        OverdueRow(
            person=p, kind=d.kind, due=d.due, days_overdue=(on - d.due).days, station=p.station
        )
        for p, d in _due_rows(persons, on)
        if d.due < on
    ]
    rows.sort(key=lambda r: (-r.days_overdue, r.person.name_pinyin, r.kind))
    return rows


def counts_per_station(rows: list[OverdueRow]) -> list[tuple[Station | None, int]]:
    """How many distinct persons each station has in `rows`, largest first."""
    seen = {(r.person.pk, r.station) for r in rows}
    counts = Counter(st for _pk, st in seen)
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0].code if kv[0] else ""))


def colleagues_for(user: Any, person: Person) -> list[Any]:
    """Who may be named as having gone: active logins with a current role at the person's
    station (or the user alone when the person has none) who work where the person lives."""
    candidates: list[Any] = [user]
    if person.station_id is not None:
        current = RoleAssignment.objects.current().filter(station_id=person.station_id)
        candidates += list(
            User.objects.filter(is_active=True, assignments__in=current)
            .exclude(pk=user.pk)
            .distinct()
            .order_by("username")
        )
    return [u for u in candidates if scope_of(u, VISIT_VIEW).contains(person.region_id)]


def suggested_next_due(person: Person, on: dt.date) -> dt.date | None:
    """The earliest date the visit policy asks for the next contact after one on `on`."""
    memberships = list(
        CategoryMembership.objects.filter(person=person, valid_from__lte=on).only(
            "person_id", "category_id", "valid_from", "valid_to"
        )
    )
    history = list(
        person.risk_history.order_by("-assessed_on", "-id").values_list("level", "assessed_on")
    )
    requirements = policy.applicable(
        person,
        on,
        list(VisitPolicy.objects.all()),
        memberships,
        oldest_old=policy.oldest_old_id(),
        risk_since=policy.risk_level_since(history, person.risk_level),
    )
    dates = [
        policy.due_date(on, r.interval_days, r.since, months=r.interval_months)
        for r in requirements
    ]
    return min(dates) if dates else None
