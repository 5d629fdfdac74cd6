"""Writes for staff, logins, roles and API tokens."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from shegong.core import audit
from shegong.core.models import scope_of
from shegong.core.perms import STAFF_MANAGE
from shegong.core.scoping import CodeRange
from shegong.regions.models import (
    CertificateLevel,
    Post,
    PostKind,
    Region,
    StaffMember,
    Station,
)

from .models import ApiToken, RoleAssignment, User, as_user
from .roles import RANK, STATION_ROLES, Role

POST_FOR_ROLE: dict[str, str] = {
    Role.WORKER: PostKind.RESIDENT_WORKER,
    Role.STATION_HEAD: PostKind.STATION_HEAD,
    Role.SUPERVISOR: PostKind.SUPERVISOR,
    Role.DISTRICT_ADMIN: PostKind.ADMIN,
    Role.CITY_ADMIN: PostKind.ADMIN,
    Role.AUDITOR: PostKind.OTHER,
}


def _place(
    role: str, station: Station | None, region: Region | None
) -> tuple[Region, list[CodeRange]]:
    """The division a role is held at and the code ranges it reaches."""
    if role in STATION_ROLES:
        if station is None:
            raise ValidationError({"station": _("This role is held at a station.")})
        from shegong.regions.models import ServiceArea

        ranges = [
            CodeRange.subtree(a.region_id, a.region.level)
            for a in ServiceArea.objects.current().filter(station=station).select_related("region")
        ] or [station.region.range]
        return station.region, ranges
    if station is not None and region is None:
        region = station.region
    if region is None:
        raise ValidationError({"region": _("Choose the division where this role is held.")})
    return region, [region.range]


def check_may_grant(
    actor: Any, role: str, station: Station | None, region: Region | None
) -> Region:
    """Nobody creates a user or grants a role beyond their own subtree and powers."""
    place, reach = _place(role, station, region)
    field = "station" if role in STATION_ROLES else "region"
    manage = scope_of(actor, STAFF_MANAGE)
    if not all(manage.covers(r) for r in reach):
        raise ValidationError(
            {
                field: _("%(place)s is outside your jurisdiction.")
                % {"place": station.name if station else place.name}
            }
        )
    if any(RANK.get(role, 99) > actor.max_rank_over(r) for r in reach):
        raise ValidationError(
            {"role": _("You may not grant the role “%(role)s”.") % {"role": Role(role).label}}
        )
    return place


def _validate_certificate(level: str, number: str, date: dt.date | None) -> None:
    errors = {}
    if date and date > timezone.localdate():
        errors["certificate_date"] = _("The certificate date cannot be in the future.")
    if level and not date:
        errors["certificate_date"] = _("Give the date the certificate was obtained.")
    if date and not level:
        errors["certificate_level"] = _("Choose the certificate level.")
    if level and level not in CertificateLevel.values:
        errors["certificate_level"] = _("Unknown certificate level.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def create_staff_account(
    *,
    actor: Any,
    username: str,
    password: str,
    full_name: str,
    role: str,
    station: Station | None = None,
    region: Region | None = None,
    phone: str = "",
    email: str = "",
    certificate_level: str = "",
    certificate_number: str = "",
    certificate_date: dt.date | None = None,
    joined_on: dt.date | None = None,
    resident: bool | None = None,
) -> User:
    """A login, its staff record, its post at the station and its first role, in one step."""
    username = username.strip()
    if not username:
        raise ValidationError({"username": _("Enter a username.")})
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError(
            {"username": _("The username “%(name)s” is already taken.") % {"name": username}}
        )
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    place = check_may_grant(actor, role, station, region)
    _validate_certificate(certificate_level, certificate_number, certificate_date)
    joined = joined_on or timezone.localdate()
    if joined > timezone.localdate() + dt.timedelta(days=366):
        raise ValidationError({"joined_on": _("The start date is too far in the future.")})
    user = User(username=username, full_name=full_name, email=email, home_region=place)
    try:
        password_validation.validate_password(password, user)
    except ValidationError as e:
        raise ValidationError({"password": e.messages}) from e
    user.set_password(password)
    user.save()
    staff = StaffMember.objects.create(
        user=user,
        full_name=full_name,
        region=place,
        phone=phone,
        certificate_level=certificate_level,
        certificate_number=certificate_number,
        certificate_date=certificate_date,
    )
    if station is not None:
        Post.objects.create(
            staff=staff,
            station=station,
            kind=POST_FOR_ROLE[role],
            valid_from=joined,
            resident=role in STATION_ROLES if resident is None else resident,
        )
    RoleAssignment.objects.create(
        user=user,
        role=role,
        region=place,
        station=station if role in STATION_ROLES else None,
        valid_from=min(joined, timezone.localdate()),
        granted_by=as_user(actor),
    )
    audit.record(
        actor=actor,
        action="staff.create",
        obj=user,
        region_code=place.code,
        details={"role": role, "station": station.code if station else None},
    )
    return user


@transaction.atomic
def update_staff(*, actor: Any, staff: StaffMember, **fields: Any) -> StaffMember:
    allowed = {"full_name", "phone", "certificate_level", "certificate_number", "certificate_date"}
    if set(fields) - allowed:
        raise TypeError(f"unknown staff fields: {sorted(set(fields) - allowed)}")
    if not scope_of(actor, STAFF_MANAGE).contains(staff.region_id):
        raise ValidationError(_("You may not edit this staff member."))
    merged = {f: getattr(staff, f) for f in allowed} | fields
    _validate_certificate(
        merged["certificate_level"], merged["certificate_number"], merged["certificate_date"]
    )
    for f, v in fields.items():
        setattr(staff, f, v)
    staff.save()
    if "full_name" in fields and staff.user_id:
        User.objects.filter(pk=staff.user_id).update(full_name=fields["full_name"])
    audit.record(
        actor=actor,
        action="staff.update",
        obj=staff,
        region_code=staff.region_id,
        details={"fields": sorted(fields)},
    )
    return staff


@transaction.atomic
def grant_role(
    *,
    actor: Any,
    user: User,
    role: str,
    station: Station | None = None,
    region: Region | None = None,
) -> RoleAssignment:
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    if user.pk == getattr(actor, "pk", None):
        raise ValidationError({"role": _("You cannot change your own roles.")})
    place = check_may_grant(actor, role, station, region)
    assignment = RoleAssignment.objects.create(
        user=user,
        role=role,
        region=place,
        station=station if role in STATION_ROLES else None,
        granted_by=as_user(actor),
    )
    audit.record(
        actor=actor,
        action="role.grant",
        obj=user,
        region_code=place.code,
        details={
            "role": role,
            "assignment": assignment.pk,
            "station": station.code if station else None,
        },
    )
    return assignment


@transaction.atomic
def revoke_role(*, actor: Any, assignment: RoleAssignment) -> RoleAssignment:
    """End an assignment today (kept for history; effective-dated)."""
    if assignment.user_id == getattr(actor, "pk", None):
        raise ValidationError(_("You cannot change your own roles."))
    check_may_grant(
        actor,
        assignment.role,
        assignment.station,
        None if assignment.station_id else assignment.region,
    )
    today = timezone.localdate()
    assignment.valid_to = today - dt.timedelta(days=1)
    if assignment.valid_to < assignment.valid_from:
        assignment.valid_from = assignment.valid_to
    assignment.save(update_fields=["valid_to", "valid_from"])
    audit.record(
        actor=actor,
        action="role.revoke",
        obj=assignment.user,
        region_code=assignment.region_id,
        details={"role": assignment.role, "assignment": assignment.pk},
    )
    return assignment


@transaction.atomic
def set_active(*, actor: Any, user: User, active: bool) -> User:
    """Disable or re-enable a login. Disabling ends its sessions and API tokens."""
    if user.pk == getattr(actor, "pk", None):
        raise ValidationError(_("You cannot disable your own account."))
    if not scope_of(actor, STAFF_MANAGE).contains(user.home_region_id):
        raise ValidationError(_("You may not manage this account."))
    user.is_active = active
    user.save(update_fields=["is_active"])
    if not active:
        User.objects.filter(pk=user.pk).update(session_generation=F("session_generation") + 1)
        ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
    audit.record(
        actor=actor,
        action="user.enable" if active else "user.disable",
        obj=user,
        region_code=user.home_region_id,
    )
    return user


@transaction.atomic
def change_password(*, actor: Any, user: User, new_password: str) -> User:
    """Set a password (one's own, or by an admin). Every existing session of `user` ends."""
    if user.pk != getattr(actor, "pk", None) and not scope_of(actor, STAFF_MANAGE).contains(
        user.home_region_id
    ):
        raise ValidationError(_("You may not manage this account."))
    try:
        password_validation.validate_password(new_password, user)
    except ValidationError as e:
        raise ValidationError({"new_password1": e.messages}) from e
    user.set_password(new_password)
    user.session_generation += 1
    user.save(update_fields=["password", "session_generation"])
    audit.record(actor=actor, action="user.password", obj=user, region_code=user.home_region_id)
    return user


@transaction.atomic
def issue_api_token(*, actor: Any, name: str, days: int | None = 90) -> tuple[ApiToken, str]:
    """A new bearer token for the actor; the secret is returned once and never stored."""
    if not name.strip():
        raise ValidationError({"name": _("Name the token, e.g. after the device using it.")})
    secret = "sg_" + secrets.token_urlsafe(32)
    expires = timezone.now() + dt.timedelta(days=days) if days else None
    token = ApiToken.objects.create(
        user=actor,
        name=name.strip(),
        prefix=secret[:8],
        digest=ApiToken.digest_of(secret),
        expires_at=expires,
    )
    audit.record(
        actor=actor,
        action="token.issue",
        obj=token,
        object_repr=token.name,
        region_code=actor.home_region_id,
    )
    return token, secret


@transaction.atomic
def revoke_api_token(*, actor: Any, token: ApiToken) -> ApiToken:
    if token.user_id != actor.pk:
        raise ValidationError(_("This token is not yours."))
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit.record(
        actor=actor,
        action="token.revoke",
        obj=token,
        object_repr=token.name,
        region_code=actor.home_region_id,
    )
    return token


@transaction.atomic
def add_staff_member(
    *,
    actor: Any,
    full_name: str,
    station: Station,
    kind: str = PostKind.RESIDENT_WORKER,
    joined_on: dt.date | None = None,
    phone: str = "",
    certificate_level: str = "",
    certificate_number: str = "",
    certificate_date: dt.date | None = None,
    resident: bool = True,
) -> StaffMember:
    """A staff member without a login (many station staff never use the system)."""
    if not full_name.strip():
        raise ValidationError({"full_name": _("Enter the full name.")})
    if not scope_of(actor, STAFF_MANAGE).contains(station.region_id):
        raise ValidationError(
            {"station": _("%(place)s is outside your jurisdiction.") % {"place": station.name}}
        )
    _validate_certificate(certificate_level, certificate_number, certificate_date)
    staff = StaffMember.objects.create(
        full_name=full_name.strip(),
        region=station.region,
        phone=phone,
        certificate_level=certificate_level,
        certificate_number=certificate_number,
        certificate_date=certificate_date,
    )
    Post.objects.create(
        staff=staff,
        station=station,
        kind=kind,
        resident=resident,
        valid_from=joined_on or timezone.localdate(),
    )
    audit.record(actor=actor, action="staff.add", obj=staff, region_code=station.region_id)
    return staff
