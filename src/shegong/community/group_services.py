"""Writes for group work (小组工作, MZ/T 095-2017): the plan, phase changes, members and the
before-and-after scores. Sessions and their attendance are in group_session_services.

Whoever holds ACTIVITY_MANAGE over the group's station or over any community it serves may run
it; communities added to a group must lie in the actor's own ACTIVITY_MANAGE jurisdiction.
Phases move one step forward or to the end (group_models.TRANSITIONS); each move is a
`GroupPhaseChange` row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shegong.accounts.models import as_user
from shegong.core import audit
from shegong.core.models import scope_of
from shegong.core.perms import ACTIVITY_MANAGE
from shegong.people.models import Person
from shegong.regions.models import Level, Region, Station

from .activity_models import ServiceDomain
from .activity_services import (
    check_attendee,
    check_station,
    clean_text,
)
from .group_models import (
    TRANSITIONS,
    Group,
    GroupMember,
    GroupPhase,
    GroupPhaseChange,
    GroupPlace,
)
from .group_selectors import may_run, place_codes

MAX_SESSIONS = 100
MAX_NAME = 200
MAX_TEXT = 5000
MAX_NOTE = 300
MAX_COMMUNITIES = 50
PLAN_FIELDS = (
    "name",
    "domain",
    "aims",
    "target_members",
    "recruitment",
    "planned_sessions",
    "starts_on",
    "ends_on",
    "scale_name",
    "scale_min",
    "scale_max",
    "higher_is_better",
    "evaluation_summary",
)


def require_run(actor: Any, group: Group) -> None:
    if not may_run(actor, group, ACTIVITY_MANAGE):
        raise ValidationError(_("You may not run this group."), code="forbidden")


def _clean_plan(data: dict[str, Any], errors: dict[str, Any]) -> dict[str, Any]:
    out = dict(data)
    out["name"] = clean_text(errors, "name", data.get("name", ""), MAX_NAME, required=True)
    out["aims"] = clean_text(errors, "aims", data.get("aims", ""), MAX_TEXT, required=True)
    for name in ("target_members", "recruitment", "evaluation_summary"):
        out[name] = clean_text(errors, name, data.get(name, ""), MAX_TEXT)
    out["scale_name"] = clean_text(errors, "scale_name", data.get("scale_name", ""), 100)
    if data.get("domain") not in ServiceDomain.values:
        errors["domain"] = _("Choose one of the listed service domains.")
    sessions = data.get("planned_sessions")
    if not isinstance(sessions, int) or not 1 <= sessions <= MAX_SESSIONS:
        errors["planned_sessions"] = _("Plan between 1 and %(n)d sessions.") % {"n": MAX_SESSIONS}
    starts_on, ends_on = data.get("starts_on"), data.get("ends_on")
    if starts_on and ends_on and ends_on < starts_on:
        errors["ends_on"] = _("The end cannot come before the start.")
    lo, hi = data.get("scale_min", 0), data.get("scale_max", 10)
    if not all(isinstance(v, int) and -1000 <= v <= 1000 for v in (lo, hi)):
        errors["scale_max"] = _("Scores lie between -1000 and 1000.")
    elif hi <= lo:
        errors["scale_max"] = _("The highest score must be above the lowest.")
    return out


def _clean_communities(
    actor: Any, communities: Iterable[Region], already: set[int], errors: dict[str, Any]
) -> list[Region]:
    """Communities (or townships) served: new ones must be in the actor's jurisdiction."""
    places = list({r.code: r for r in communities}.values())
    if len(places) > MAX_COMMUNITIES:
        errors["communities"] = _("At most %(n)d communities.") % {"n": MAX_COMMUNITIES}
        return places
    scope = scope_of(actor, ACTIVITY_MANAGE)
    for r in places:
        if r.level not in (Level.TOWNSHIP, Level.VILLAGE):
            errors["communities"] = _("Choose villages, communities or townships.")
        elif r.code not in already and not scope.contains(r.code):
            errors["communities"] = _("%(place)s is outside your jurisdiction.") % {"place": r.name}
    return places


@transaction.atomic
def create_group(
    *,
    actor: Any,
    station: Station,
    name: str,
    domain: str,
    aims: str,
    planned_sessions: int,
    communities: Iterable[Region] = (),
    target_members: str = "",
    recruitment: str = "",
    starts_on: dt.date | None = None,
    ends_on: dt.date | None = None,
    scale_name: str = "",
    scale_min: int = 0,
    scale_max: int = 10,
    higher_is_better: bool = True,
) -> Group:
    """Plan a group of `station` (phase 筹备) serving `communities`."""
    errors: dict[str, Any] = {}
    check_station(actor, station, errors)
    plan = _clean_plan(
        {
            "name": name,
            "domain": domain,
            "aims": aims,
            "target_members": target_members,
            "recruitment": recruitment,
            "planned_sessions": planned_sessions,
            "starts_on": starts_on,
            "ends_on": ends_on,
            "scale_name": scale_name,
            "scale_min": scale_min,
            "scale_max": scale_max,
            "higher_is_better": higher_is_better,
        },
        errors,
    )
    places = _clean_communities(actor, communities, set(), errors)
    if errors:
        raise ValidationError(errors)
    group = Group.objects.create(
        station=station, region_code=station.region_id, created_by=as_user(actor), **plan
    )
    GroupPlace.objects.bulk_create(GroupPlace(group=group, region=r) for r in places)
    audit.record(
        actor=actor,
        action="group.create",
        obj=group,
        region_code=group.region_code,
        details={"station": station.code, "communities": [r.code for r in places]},
    )
    return group


@transaction.atomic
def update_group(
    *, actor: Any, group: Group, communities: Iterable[Region] | None = None, **changes: Any
) -> Group:
    """Change the plan (PLAN_FIELDS) and/or the communities served."""
    unknown = sorted(set(changes) - set(PLAN_FIELDS))
    if unknown:
        raise TypeError(f"not editable: {', '.join(unknown)}")
    require_run(actor, group)
    current = Group.objects.select_for_update().get(pk=group.pk)
    state = {name: getattr(current, name) for name in PLAN_FIELDS} | changes
    errors: dict[str, Any] = {}
    plan = _clean_plan(state, errors)
    already = set(place_codes(current))
    places = None
    if communities is not None:
        places = _clean_communities(actor, communities, already, errors)
    if errors:
        raise ValidationError(errors)
    for name, value in plan.items():
        setattr(current, name, value)
    current.save()
    details: dict[str, Any] = {"changed": sorted(changes)}
    if places is not None:
        wanted = {r.code for r in places}
        GroupPlace.objects.filter(group=current).exclude(region_id__in=wanted).delete()
        GroupPlace.objects.bulk_create(
            GroupPlace(group=current, region=r) for r in places if r.code not in already
        )
        details["communities"] = sorted(wanted)
    audit.record(
        actor=actor,
        action="group.update",
        obj=current,
        region_code=current.region_code,
        details=details,
    )
    return current


def allowed_phases(group: Group) -> list[str]:
    """The phases the group may move to now, in the order of the process."""
    targets = TRANSITIONS[group.phase]
    return [p for p in GroupPhase.values if p in targets]


@transaction.atomic
def change_phase(
    *, actor: Any, group: Group, to: str, on: dt.date | None = None, note: str = ""
) -> Group:
    """Move the group to phase `to` (one step forward, or to the end)."""
    require_run(actor, group)
    current = Group.objects.select_for_update().get(pk=group.pk)
    day = on or timezone.localdate()
    errors: dict[str, Any] = {}
    if to not in GroupPhase.values:
        errors["phase"] = _("Choose one of the listed phases.")
    elif to not in TRANSITIONS[current.phase]:
        errors["phase"] = _("A group in %(now)s cannot move to %(to)s.") % {
            "now": GroupPhase(current.phase).label,
            "to": GroupPhase(to).label,
        }
    if day > timezone.localdate():
        errors["on"] = _("The date cannot be in the future.")
    note = clean_text(errors, "note", note, MAX_NOTE)
    if errors:
        raise ValidationError(errors)
    GroupPhaseChange.objects.create(
        group=current,
        from_phase=current.phase,
        to_phase=to,
        on=day,
        note=note,
        changed_by=as_user(actor),
    )
    before = current.phase
    current.phase = to
    current.save(update_fields=["phase", "updated_at"])
    audit.record(
        actor=actor,
        action="group.phase",
        obj=current,
        region_code=current.region_code,
        details={"from": before, "to": to, "on": day.isoformat()},
    )
    return current


# --- members ------------------------------------------------------------------------------------
@transaction.atomic
def add_member(
    *, actor: Any, group: Group, person: Person, joined_on: dt.date | None = None
) -> GroupMember:
    """Add a registered person to the group (again, if they had left)."""
    require_run(actor, group)
    day = joined_on or timezone.localdate()
    errors: dict[str, Any] = {}
    if day > timezone.localdate():
        errors["joined_on"] = _("The date cannot be in the future.")
    check_attendee(actor, person, min(day, timezone.localdate()), errors)
    if group.phase == GroupPhase.ENDED:
        errors["person"] = _("The group has ended.")
    existing = GroupMember.objects.filter(group=group, person=person).first()
    if not errors and existing is not None and existing.left_on is None:
        errors["person"] = _("%(name)s is already a member.") % {"name": person.name}
    if errors:
        raise ValidationError(errors)
    if existing is not None:
        existing.left_on = None
        existing.joined_on = day
        existing.save(update_fields=["left_on", "joined_on"])
        member = existing
    else:
        member = GroupMember.objects.create(group=group, person=person, joined_on=day)
    audit.record(
        actor=actor,
        action="group.member_add",
        obj=group,
        region_code=group.region_code,
        details={"person": person.pk, "on": day.isoformat()},
    )
    return member


@transaction.atomic
def remove_member(
    *, actor: Any, group: Group, person: Person, left_on: dt.date | None = None
) -> GroupMember:
    """A member leaves the group (their attendance and scores stay)."""
    require_run(actor, group)
    day = left_on or timezone.localdate()
    member = GroupMember.objects.filter(group=group, person=person, left_on=None).first()
    if member is None:
        raise ValidationError({"person": _("%(name)s is not a member.") % {"name": person.name}})
    if day < member.joined_on or day > timezone.localdate():
        raise ValidationError({"left_on": _("Give a date between joining and today.")})
    member.left_on = day
    member.save(update_fields=["left_on"])
    audit.record(
        actor=actor,
        action="group.member_remove",
        obj=group,
        region_code=group.region_code,
        details={"person": person.pk, "on": day.isoformat()},
    )
    return member


@transaction.atomic
def record_scores(
    *, actor: Any, group: Group, scores: Mapping[int, tuple[int | None, int | None]]
) -> int:
    """Set members' scores before and after (person id → (before, after); None clears), each
    on the group's scale. Returns the number of members changed."""
    require_run(actor, group)
    members = {m.person_id: m for m in GroupMember.objects.filter(group=group)}
    errors: list[str] = []
    for person_id, pair in scores.items():
        if person_id not in members:
            errors.append(_("Person %(id)s is not a member of this group.") % {"id": person_id})
            continue
        for value in pair:
            if value is not None and not group.scale_min <= value <= group.scale_max:
                errors.append(
                    _("%(name)s: scores lie between %(lo)d and %(hi)d.")
                    % {
                        "name": members[person_id].person.name,
                        "lo": group.scale_min,
                        "hi": group.scale_max,
                    }
                )
    if errors:
        raise ValidationError({"scores": errors})
    changed = 0
    for person_id, (before, after) in scores.items():
        m = members[person_id]
        if (m.score_before, m.score_after) != (before, after):
            m.score_before, m.score_after = before, after
            m.save(update_fields=["score_before", "score_after"])
            changed += 1
    audit.record(
        actor=actor,
        action="group.scores",
        obj=group,
        region_code=group.region_code,
        details={"members": sorted(scores), "changed": changed},
    )
    return changed
