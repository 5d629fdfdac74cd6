"""Me, staff accounts, roles, API tokens and the audit log as JSON."""
# No `from __future__ import annotations` here: django-ninja resolves the annotations of the
# decorated view functions at import time.

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from shegong.core.api import api_requires
from shegong.core.forms import DivisionCodeField
from shegong.core.perms import API_TOKENS, AUDIT_VIEW, STAFF_MANAGE, STAFF_VIEW, VIEW
from shegong.regions import selectors as region_selectors
from shegong.regions.forms import region_for_code
from shegong.regions.models import Region, StaffMember, Station

from . import selectors, services
from .models import RoleAssignment

router = Router(tags=["accounts, staff and audit"])


class AssignmentOut(Schema):
    id: int
    role: str
    region: str
    station: str | None
    valid_from: dt.date
    valid_to: dt.date | None


def _assignment(a: RoleAssignment) -> AssignmentOut:
    return AssignmentOut(
        id=a.pk,
        role=a.role,
        region=f"{a.region_id:012d}",
        station=a.station.code if a.station else None,
        valid_from=a.valid_from,
        valid_to=a.valid_to,
    )


class MeOut(Schema):
    username: str
    full_name: str
    roles: list[AssignmentOut]


@router.get("/me", response=MeOut, summary="Who am I, and where may I act")
@api_requires(VIEW)
def me(request: HttpRequest) -> MeOut:
    user: Any = request.user
    return MeOut(
        username=user.username,
        full_name=user.full_name,
        roles=[_assignment(a) for a in user.active_assignments()],
    )


class PostOut(Schema):
    station: str
    kind: str
    resident: bool
    valid_from: dt.date
    valid_to: dt.date | None


class StaffOut(Schema):
    id: int
    full_name: str
    username: str | None
    active: bool | None
    region: str
    phone: str
    certificate_level: str
    certificate_number: str
    certificate_date: dt.date | None
    posts: list[PostOut]
    roles: list[AssignmentOut] | None = None


def _staff(s: StaffMember, *, roles: bool = False) -> StaffOut:
    posts = getattr(s, "current_posts", None)
    if posts is None:
        posts = list(s.posts.select_related("station"))
    return StaffOut(
        id=s.pk,
        full_name=s.full_name,
        username=s.user.username if s.user else None,
        active=s.user.is_active if s.user else None,
        region=f"{s.region_id:012d}",
        phone=s.phone,
        certificate_level=s.certificate_level,
        certificate_number=s.certificate_number,
        certificate_date=s.certificate_date,
        posts=[
            PostOut(
                station=p.station.code,
                kind=p.kind,
                resident=p.resident,
                valid_from=p.valid_from,
                valid_to=p.valid_to,
            )
            for p in posts
        ],
        roles=[_assignment(a) for a in selectors.assignments_of(s.user)]
        if roles and s.user
        else None,
    )


class StaffIn(Schema):
    username: str
    password: str
    full_name: str
    role: str
    station: str | None = None
    region: str | None = None
    phone: str = ""
    certificate_level: str = ""
    certificate_number: str = ""
    certificate_date: dt.date | None = None
    joined_on: dt.date | None = None


class StaffPatch(Schema):
    full_name: str | None = None
    phone: str | None = None
    certificate_level: str | None = None
    certificate_number: str | None = None
    certificate_date: dt.date | None = None


class RoleIn(Schema):
    role: str
    station: str | None = None
    region: str | None = None


class ActiveIn(Schema):
    active: bool


def _place(
    request: HttpRequest, station: str | None, region: str | None
) -> tuple[Station | None, Region | None]:
    st = region_selectors.get_station_for(request.user, station) if station else None
    reg = None
    if region:
        try:
            reg = region_for_code(DivisionCodeField().clean(region))
        except ValidationError as e:
            raise ValidationError({"region": e.messages}) from e
    return st, reg


@router.get("/staff", response=list[StaffOut])
@api_requires(STAFF_VIEW)
@paginate(PageNumberPagination, page_size=50)
def staff_list(
    request: HttpRequest, q: str = "", station: str = "", role: str = ""
) -> list[StaffOut]:
    return [
        _staff(s) for s in selectors.staff_for(request.user, q=q, station_code=station, role=role)
    ]


@router.post("/staff", response={201: StaffOut}, summary="Create a staff account")
@api_requires(STAFF_MANAGE)
def staff_create(request: HttpRequest, payload: StaffIn) -> Status[StaffOut]:
    station, region = _place(request, payload.station, payload.region)
    data = payload.dict(exclude={"station", "region"})
    user = services.create_staff_account(actor=request.user, station=station, region=region, **data)
    return Status(201, _staff(user.staff_member, roles=True))


@router.get("/staff/{pk}", response=StaffOut)
@api_requires(STAFF_VIEW)
def staff_detail(request: HttpRequest, pk: int) -> StaffOut:
    return _staff(selectors.get_staff_for(request.user, pk), roles=True)


@router.patch("/staff/{pk}", response=StaffOut)
@api_requires(STAFF_MANAGE)
def staff_update(request: HttpRequest, pk: int, payload: StaffPatch) -> StaffOut:
    staff = selectors.get_staff_for(request.user, pk, STAFF_MANAGE)
    services.update_staff(actor=request.user, staff=staff, **payload.dict(exclude_unset=True))
    return _staff(staff, roles=True)


@router.post("/staff/{pk}/roles", response={201: AssignmentOut}, summary="Grant a role")
@api_requires(STAFF_MANAGE)
def role_grant(request: HttpRequest, pk: int, payload: RoleIn) -> Status[AssignmentOut]:
    staff = selectors.get_staff_for(request.user, pk, STAFF_MANAGE)
    if staff.user is None:
        raise ValidationError(_("This staff member has no login account."))
    station, region = _place(request, payload.station, payload.region)
    a = services.grant_role(
        actor=request.user, user=staff.user, role=payload.role, station=station, region=region
    )
    return Status(201, _assignment(a))


@router.post("/roles/{pk}/revoke", response=AssignmentOut, summary="End a role today")
@api_requires(STAFF_MANAGE)
def role_revoke(request: HttpRequest, pk: int) -> AssignmentOut:
    a = selectors.get_assignment_for(request.user, pk, STAFF_MANAGE)
    return _assignment(services.revoke_role(actor=request.user, assignment=a))


@router.post("/users/{pk}/active", response=StaffOut, summary="Disable or enable a login")
@api_requires(STAFF_MANAGE)
def account_active(request: HttpRequest, pk: int, payload: ActiveIn) -> StaffOut:
    account = selectors.get_account_for(request.user, pk, STAFF_MANAGE)
    services.set_active(actor=request.user, user=account, active=payload.active)
    return _staff(account.staff_member, roles=True)


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: dt.datetime
    expires_at: dt.datetime | None
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


class TokenCreated(TokenOut):
    secret: str


class TokenIn(Schema):
    name: str
    days: int = 90


@router.get("/tokens", response=list[TokenOut], summary="My API tokens")
@api_requires(API_TOKENS)
def token_list(request: HttpRequest) -> Any:
    return list(selectors.tokens_of(request.user))


@router.post("/tokens", response={201: TokenCreated}, summary="Issue a token (shown once)")
@api_requires(API_TOKENS)
def token_create(request: HttpRequest, payload: TokenIn) -> Status[TokenCreated]:
    if not 1 <= payload.days <= 365:
        raise ValidationError({"days": _("A token is valid for 1 to 365 days.")})
    token, secret = services.issue_api_token(
        actor=request.user, name=payload.name, days=payload.days
    )
    return Status(201, TokenCreated(**TokenOut.from_orm(token).model_dump(), secret=secret))


@router.post("/tokens/{pk}/revoke", response=TokenOut, summary="Revoke one of my tokens")
@api_requires(API_TOKENS)
def token_revoke(request: HttpRequest, pk: int) -> Any:
    return services.revoke_api_token(
        actor=request.user, token=selectors.get_token_for(request.user, pk)
    )


class AuditOut(Schema):
    id: int
    at: dt.datetime
    username: str
    action: str
    object_type: str
    object_id: str
    object_repr: str
    outcome: str
    ip: str | None
    region_code: int | None


@router.get("/audit", response=list[AuditOut], summary="The audit log of my jurisdiction")
@api_requires(AUDIT_VIEW)
@paginate(PageNumberPagination, page_size=50)
def audit_list(
    request: HttpRequest,
    action: str = "",
    username: str = "",
    outcome: str = "",
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> Any:
    return selectors.audit_events_for(
        request.user, action=action, username=username, outcome=outcome, since=since, until=until
    )
