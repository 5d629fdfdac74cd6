"""Writes for volunteers: registration, profile, teams and logins; the helpers the other
volunteer services share. Hours and recognitions are in `hours_services`, pairings and their
contacts in `pairing_services`.

Every function is keyword-only and atomic, checks the actor's jurisdiction (VOLUNTEER_MANAGE
where the volunteer belongs), validates (ValidationError keyed by field, nothing saved) and
records one audit row.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shegong.accounts.models import as_user
from shegong.core import audit
from shegong.core.models import scope_of
from shegong.core.normalize import CellError
from shegong.core.normalize import phone as normalize_phone
from shegong.core.perms import (
    PERSON_VIEW,
    VOLUNTEER_MANAGE,
    VOLUNTEER_SELF,
)
from shegong.core.scoping import CodeRange, Scope
from shegong.people.models import Gender, Person
from shegong.people.services import mask_phone
from shegong.regions.models import Level, Region, ServiceArea, Station

from .volunteer_models import (
    SKILL_SEPARATOR,
    Volunteer,
    VolunteerTeam,
)

MAX_SKILLS = 20
MAX_SKILL = 30
MAX_TEXT = 2000
WEEKDAYS = range(1, 8)  # ISO weekdays, Monday = 1
SEPARATORS = re.compile(r"[,，、;；\n]+")


def station_scope(station: Station, on: dt.date | None = None) -> Scope:
    """The divisions a station serves (its own home division included)."""
    rows = ServiceArea.objects.current(on).filter(station=station).select_related("region")
    ranges = [CodeRange.subtree(a.region_id, a.region.level) for a in rows]
    return Scope.of([*ranges, CodeRange.subtree(station.region_id, station.region.level)])


def check_community(station: Station, community: Region | None, field: str = "community") -> int:
    """The division code a record of `station` about `community` belongs to: the community
    (a village or community the station serves), or the station's home division."""
    if community is None:
        return station.region_id
    if community.level != Level.VILLAGE or not station_scope(station).contains(community.code):
        raise ValidationError(
            {
                field: _("Choose a community or village that %(station)s serves.")
                % {"station": station.name}
            }
        )
    return community.code


def may_manage(actor: Any, volunteer: Volunteer) -> bool:
    return scope_of(actor, VOLUNTEER_MANAGE).contains(volunteer.region_code)


def is_self(actor: Any, volunteer: Volunteer) -> bool:
    """The actor is this volunteer's own login (with the volunteer role)."""
    return (
        volunteer.user_id is not None
        and getattr(actor, "pk", None) == volunteer.user_id
        and bool(scope_of(actor, VOLUNTEER_SELF))
    )


def forbidden() -> ValidationError:
    return ValidationError(_("You may not change this volunteer's records."), code="forbidden")


# --- registration ----------------------------------------------------------------------------
def _clean_profile(data: dict[str, Any], errors: dict[str, Any]) -> dict[str, Any]:
    name = " ".join((data.get("name") or "").split())
    if not name:
        errors["name"] = _("Enter the name.")
    elif len(name) > 50:
        errors["name"] = _("At most %(n)d characters.") % {"n": 50}
    data["name"] = name
    raw_phone = (data.get("phone") or "").strip()
    try:
        data["phone"] = normalize_phone(raw_phone) if raw_phone else ""
    except CellError as e:
        errors["phone"] = str(e)
    if data.get("gender") and data["gender"] not in Gender.values:
        errors["gender"] = _("Choose male or female, or leave it empty.")
    skills: list[str] = []
    for raw in data.get("skills") or ():
        for s in SEPARATORS.split(str(raw)):
            s = " ".join(s.split())
            if s and s not in skills:
                skills.append(s)
    if len(skills) > MAX_SKILLS or any(len(s) > MAX_SKILL for s in skills):
        errors["skills"] = _("At most %(n)d skills of at most %(m)d characters each.") % {
            "n": MAX_SKILLS,
            "m": MAX_SKILL,
        }
    data["skills"] = SKILL_SEPARATOR.join(skills)
    try:
        days = sorted({int(d) for d in data.get("available_days") or ()})
    except (TypeError, ValueError):
        days = [0]
    if any(d not in WEEKDAYS for d in days):
        errors["available_days"] = _("Choose days of the week.")
    data["available_days"] = "".join(str(d) for d in days if d in WEEKDAYS)
    if len(data.get("availability") or "") > 200:
        errors["availability"] = _("At most %(n)d characters.") % {"n": 200}
    if len(data.get("note") or "") > MAX_TEXT:
        errors["note"] = _("At most %(n)d characters.") % {"n": MAX_TEXT}
    return data


def _check_teams(station: Station, teams: Iterable[VolunteerTeam], errors: dict[str, Any]) -> None:
    if any(t.station_id != station.pk for t in teams):
        errors["teams"] = _("Choose teams of the volunteer's station.")


@transaction.atomic
def register_volunteer(
    *,
    actor: Any,
    name: str,
    station: Station,
    phone: str = "",
    gender: str = "",
    person: Person | None = None,
    community: Region | None = None,
    teams: Iterable[VolunteerTeam] = (),
    skills: Iterable[str] = (),
    available_days: Iterable[int] = (),
    availability: str = "",
    registered_on: dt.date | None = None,
    note: str = "",
) -> Volunteer:
    """Register a volunteer of `station`, optionally linked to a registered person (who then
    cannot be registered twice) and to the community they serve in."""
    errors: dict[str, Any] = {}
    try:
        region_code = check_community(station, community)
    except ValidationError as e:
        errors.update(e.message_dict)
        region_code = station.region_id
    if not scope_of(actor, VOLUNTEER_MANAGE).contains(region_code):
        raise ValidationError(
            {"station": _("You may not register volunteers of this station.")}, code="forbidden"
        )
    data = _clean_profile(
        {
            "name": name,
            "phone": phone,
            "gender": gender,
            "skills": skills,
            "available_days": available_days,
            "availability": availability.strip(),
            "note": note.strip(),
        },
        errors,
    )
    if person is not None:
        if not scope_of(actor, PERSON_VIEW).contains(person.region_id):
            errors["person"] = _("You may not link this person.")
        elif Volunteer.objects.filter(person=person).exists():
            errors["person"] = _("%(name)s is already registered as a volunteer.") % {
                "name": person.name
            }
    day = registered_on or timezone.localdate()
    if day > timezone.localdate():
        errors["registered_on"] = _("The date cannot be in the future.")
    teams = list(teams)
    _check_teams(station, teams, errors)
    if errors:
        raise ValidationError(errors)
    volunteer = Volunteer.objects.create(
        station=station,
        community=community,
        region_code=region_code,
        person=person,
        phone_masked=mask_phone(data["phone"]),
        registered_on=day,
        created_by=as_user(actor),
        **data,
    )
    volunteer.teams.set(teams)
    audit.record(actor=actor, action="volunteer.register", obj=volunteer, region_code=region_code)
    return volunteer


EDITABLE = frozenset(
    {
        "name",
        "phone",
        "gender",
        "community",
        "teams",
        "skills",
        "available_days",
        "availability",
        "note",
        "active",
    }
)


@transaction.atomic
def update_volunteer(*, actor: Any, volunteer: Volunteer, **fields: Any) -> Volunteer:
    """Change a volunteer's profile. Making a volunteer inactive also disables their login and
    ends its sessions."""
    unknown = set(fields) - EDITABLE
    if unknown:
        raise TypeError(f"unknown volunteer fields: {sorted(unknown)}")
    if not may_manage(actor, volunteer):
        raise forbidden()
    errors: dict[str, Any] = {}
    current = {
        "name": volunteer.name,
        "phone": volunteer.phone,
        "gender": volunteer.gender,
        "skills": volunteer.skill_list,
        "available_days": volunteer.day_list,
        "availability": volunteer.availability,
        "note": volunteer.note,
    }
    profile = {k: fields[k] for k in current if k in fields}
    data = _clean_profile(current | profile, errors)
    region_code = volunteer.region_code
    if "community" in fields:
        try:
            region_code = check_community(volunteer.station, fields["community"])
        except ValidationError as e:
            errors.update(e.message_dict)
        else:
            if not scope_of(actor, VOLUNTEER_MANAGE).contains(region_code):
                errors["community"] = _("This community is outside your jurisdiction.")
    teams = list(fields.get("teams", ()))
    if "teams" in fields:
        _check_teams(volunteer.station, teams, errors)
    if errors:
        raise ValidationError(errors)
    for key in profile:
        setattr(volunteer, key, data[key])
    volunteer.phone_masked = mask_phone(volunteer.phone)
    if "community" in fields:
        volunteer.community = fields["community"]
        volunteer.region_code = region_code
    if "active" in fields:
        volunteer.active = bool(fields["active"])
    volunteer.save()
    if "teams" in fields:
        volunteer.teams.set(teams)
    if not volunteer.active and volunteer.user_id:
        _disable_login(volunteer)
    audit.record(
        actor=actor,
        action="volunteer.update",
        obj=volunteer,
        region_code=volunteer.region_code,
        details={"fields": sorted(fields)},
    )
    return volunteer


def _disable_login(volunteer: Volunteer) -> None:
    from django.db.models import F

    from shegong.accounts.models import User

    User.objects.filter(pk=volunteer.user_id, is_active=True).update(
        is_active=False, session_generation=F("session_generation") + 1
    )


@transaction.atomic
def create_team(*, actor: Any, station: Station, name: str, description: str = "") -> VolunteerTeam:
    """A volunteer team of the station; names are unique per station."""
    if not scope_of(actor, VOLUNTEER_MANAGE).contains(station.region_id):
        raise ValidationError(
            {"station": _("You may not add teams to this station.")}, code="forbidden"
        )
    name = " ".join(name.split())
    errors: dict[str, Any] = {}
    if not name:
        errors["name"] = _("Enter the name.")
    elif len(name) > 60:
        errors["name"] = _("At most %(n)d characters.") % {"n": 60}
    elif VolunteerTeam.objects.filter(station=station, name=name).exists():
        errors["name"] = _("The station already has a team “%(name)s”.") % {"name": name}
    if len(description) > 300:
        errors["description"] = _("At most %(n)d characters.") % {"n": 300}
    if errors:
        raise ValidationError(errors)
    team = VolunteerTeam.objects.create(
        station=station, region_code=station.region_id, name=name, description=description.strip()
    )
    audit.record(
        actor=actor, action="volunteer.team.create", obj=team, region_code=station.region_id
    )
    return team


def reveal_phone(*, actor: Any, volunteer: Volunteer) -> str:
    """The volunteer's full phone number, for those who manage the volunteer (audited)."""
    if not may_manage(actor, volunteer):
        raise forbidden()
    audit.record(
        actor=actor,
        action="volunteer.reveal_phone",
        obj=volunteer,
        region_code=volunteer.region_code,
    )
    return volunteer.phone


# --- logins ----------------------------------------------------------------------------------
@transaction.atomic
def create_login(*, actor: Any, volunteer: Volunteer, username: str, password: str) -> Any:
    """A login for the volunteer with the limited `volunteer` role at their station: it sees
    only the volunteer's own hours, activities and pairings. Who may grant roles at the
    station (STAFF_MANAGE there: the station head) may create it."""
    from shegong.accounts.models import RoleAssignment, User
    from shegong.accounts.roles import Role
    from shegong.accounts.services import check_may_grant

    if not may_manage(actor, volunteer):
        raise forbidden()
    place = check_may_grant(actor, Role.VOLUNTEER, volunteer.station, None)
    errors: dict[str, Any] = {}
    if volunteer.user_id is not None:
        errors["username"] = _("%(name)s already has a login.") % {"name": volunteer.name}
    if not volunteer.active:
        errors["username"] = _("%(name)s is no longer active.") % {"name": volunteer.name}
    username = username.strip()
    if not username:
        errors["username"] = _("Enter a username.")
    elif User.objects.filter(username__iexact=username).exists():
        errors["username"] = _("The username “%(name)s” is already taken.") % {"name": username}
    user = User(username=username, full_name=volunteer.name, home_region=place)
    try:
        password_validation.validate_password(password, user)
    except ValidationError as e:
        errors["password"] = e.messages
    if errors:
        raise ValidationError(errors)
    user.set_password(password)
    user.save()
    RoleAssignment.objects.create(
        user=user,
        role=Role.VOLUNTEER,
        region=place,
        station=volunteer.station,
        granted_by=as_user(actor),
    )
    volunteer.user = user
    volunteer.save(update_fields=["user", "updated_at"])
    audit.record(
        actor=actor,
        action="volunteer.login.create",
        obj=volunteer,
        region_code=volunteer.region_code,
        details={"user": user.pk},
    )
    return user
