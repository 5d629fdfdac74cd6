"""Reads of accounts, staff and the audit log, always starting from the reader's jurisdiction."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from shegong.core import audit
from shegong.core.models import AuditEvent
from shegong.core.perms import AUDIT_VIEW, STAFF_VIEW
from shegong.regions.models import Post, StaffMember

from .models import ApiToken, RoleAssignment, User


def staff_for(
    user: Any, *, q: str = "", station_code: str = "", role: str = "", active: bool | None = None
) -> QuerySet[StaffMember]:
    qs = (
        StaffMember.objects.visible_to(user, STAFF_VIEW)
        .select_related("user", "region")
        .prefetch_related(
            Prefetch(
                "posts",
                queryset=Post.objects.current().select_related("station"),
                to_attr="current_posts",
            )
        )
    )
    if q:
        qs = qs.filter(Q(full_name__icontains=q) | Q(user__username__icontains=q))
    if station_code:
        qs = qs.filter(
            pk__in=Post.objects.current().filter(station__code=station_code).values("staff_id")
        )
    if role:
        qs = qs.filter(
            user__in=RoleAssignment.objects.current().filter(role=role).values("user_id")
        )
    if active is not None:
        qs = qs.filter(user__is_active=active)
    return qs


def get_staff_for(user: Any, pk: int, perm: str = STAFF_VIEW) -> StaffMember:
    staff = (
        StaffMember.objects.visible_to(user, perm)
        .filter(pk=pk)
        .select_related("user", "region")
        .first()
    )
    if staff is None:
        raise audit.not_found(user, what="staff", key=pk)
    return staff


def get_account_for(user: Any, pk: int, perm: str = STAFF_VIEW) -> User:
    account = User.objects.visible_to(user, perm).filter(pk=pk).first()
    if account is None:
        raise audit.not_found(user, what="user", key=pk)
    return account


def get_assignment_for(user: Any, pk: int, perm: str = STAFF_VIEW) -> RoleAssignment:
    a = (
        RoleAssignment.objects.filter(pk=pk, user__in=User.objects.visible_to(user, perm))
        .select_related("user", "region", "station")
        .first()
    )
    if a is None:
        raise audit.not_found(user, what="role_assignment", key=pk)
    return a


def assignments_of(account: User) -> QuerySet[RoleAssignment]:
    return (
        RoleAssignment.objects.filter(user=account)
        .select_related("region", "station")
        .order_by("-valid_from", "-pk")
    )


def tokens_of(user: Any) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("-created_at")


def get_token_for(user: Any, pk: int) -> ApiToken:
    token = ApiToken.objects.filter(user=user, pk=pk).first()
    if token is None:
        raise audit.not_found(user, what="api_token", key=pk)
    return token


def audit_events_for(
    user: Any,
    *,
    action: str = "",
    username: str = "",
    outcome: str = "",
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> QuerySet[AuditEvent]:
    """Audit rows placed in the reader's jurisdiction. Events with no place (failed logins of
    unknown names) are visible only to national (superuser) auditors."""
    qs = AuditEvent.objects.visible_to(user, AUDIT_VIEW)
    if action:
        qs = qs.filter(action__startswith=action)
    if username:
        qs = qs.filter(username__iexact=username)
    if outcome:
        qs = qs.filter(outcome=outcome)
    if since:
        qs = qs.filter(at__date__gte=since)
    if until:
        qs = qs.filter(at__date__lte=until)
    return qs
