"""The rules of residents' requests, without writing anything: triage (轻重缓急) into a
priority, the deadline for a priority (configurable), and who may be given a station's
requests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings

from shegong.core.perms import REQUEST_MANAGE
from shegong.regions.models import Station

from .request_models import Priority, RequestChannel

# Days from receipt to the deadline, by priority; None: an untriaged request's triage.
# Override any of them with settings.SHEGONG_REQUEST_DEADLINE_DAYS ({1: 1, …, "triage": 2}).
DEFAULT_DEADLINE_DAYS: dict[int | None, int] = {
    Priority.CRITICAL: 1,
    Priority.HIGH: 3,
    Priority.NORMAL: 7,
    Priority.LOW: 14,
    None: 2,
}
_LEVEL = {"high": 2, "medium": 1, "low": 0}
STAFF_CHANNELS = (
    RequestChannel.WALK_IN,
    RequestChannel.PHONE,
    RequestChannel.GRID_WORKER,
    RequestChannel.OTHER,
)


def priority_for(urgency: str, importance: str) -> Priority:
    """轻重缓急: urgency (缓急) and importance (轻重), each high / medium / low, give a priority.

    Urgent and serious is P1 (today); one of them high and the other moderate is P2; both
    moderate, or one high and the other low, is P3; the rest is P4. Neither dimension outranks
    the other: a serious matter that can wait ranks with an urgent trifle.
    """
    if urgency not in _LEVEL or importance not in _LEVEL:
        raise ValueError(f"unknown urgency or importance: {urgency!r}, {importance!r}")
    score = _LEVEL[urgency] + _LEVEL[importance]
    return {4: Priority.CRITICAL, 3: Priority.HIGH, 2: Priority.NORMAL}.get(score, Priority.LOW)


def deadline_days(priority: int | None) -> int:
    """Days from receipt to the deadline for `priority` (None: untriaged, due for triage)."""
    configured = getattr(settings, "SHEGONG_REQUEST_DEADLINE_DAYS", None) or {}
    key = "triage" if priority is None else priority
    value = configured.get(key, configured.get(str(key)))
    return int(value) if value is not None else DEFAULT_DEADLINE_DAYS[priority]


def deadline_for(received_on: dt.date, priority: int | None) -> dt.date:
    return received_on + dt.timedelta(days=deadline_days(priority))


def works_at(user: Any, station: Station) -> bool:
    """An active login with a current role at `station` that takes requests there."""
    from shegong.accounts.roles import grants

    if user is None or not getattr(user, "is_active", False):
        return False
    return any(
        a.station_id == station.pk and grants(a.role, REQUEST_MANAGE)
        for a in user.active_assignments()
    )


def eligible_assignees(station: Station) -> list[Any]:
    """Who may be given the station's requests, by name."""
    from shegong.accounts.models import RoleAssignment, User
    from shegong.accounts.roles import PERMISSIONS

    roles = [r for r, perms in PERMISSIONS.items() if REQUEST_MANAGE in perms]
    current = RoleAssignment.objects.current().filter(station=station, role__in=roles)
    users = User.objects.filter(is_active=True, assignments__in=current).distinct()
    return sorted(users, key=lambda u: (u.full_name or u.username, u.pk))
