from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def shegong(request: HttpRequest) -> dict[str, Any]:
    from .models import scope_of
    from .perms import (
        ACTIVITY_VIEW,
        ALERT_HANDLE,
        ALERT_RAISE,
        API_TOKENS,
        CASE_VIEW,
        FIELDWORK_OVERSIGHT,
        FUND_VIEW,
        PERSON_VIEW,
        REFERRAL_MANAGE,
        REQUEST_VIEW,
        RESOURCE_VIEW,
        VIEW,
        VISIT_RECORD,
        VISIT_VIEW,
        VOLUNTEER_SELF,
        VOLUNTEER_VIEW,
    )

    user = getattr(request, "user", None)
    # Callables are evaluated by the template only when used (not by htmx partials).
    return {
        "SHEGONG_DEBUG": settings.DEBUG,
        "NAV_PEOPLE": lambda: bool(scope_of(user, PERSON_VIEW)),
        "NAV_WORKLIST": lambda: bool(scope_of(user, VISIT_RECORD)),
        "NAV_VISITS": lambda: bool(scope_of(user, VISIT_VIEW)),
        "NAV_OVERDUE": lambda: bool(scope_of(user, FIELDWORK_OVERSIGHT)),
        "NAV_CASES": lambda: bool(scope_of(user, CASE_VIEW)),
        "NAV_REFERRALS": lambda: bool(scope_of(user, REFERRAL_MANAGE)),
        "NAV_ALERTS": lambda: bool(scope_of(user, ALERT_RAISE) or scope_of(user, ALERT_HANDLE)),
        # The open-alert count reaches those who handle alerts at once (polled every minute).
        "NAV_ALERT_BADGE": lambda: bool(scope_of(user, ALERT_HANDLE)),
        "NAV_ACTIVITIES": lambda: bool(scope_of(user, ACTIVITY_VIEW)),
        "NAV_VOLUNTEERS": lambda: bool(scope_of(user, VOLUNTEER_VIEW)),
        "NAV_REQUESTS": lambda: bool(scope_of(user, REQUEST_VIEW)),
        "NAV_RESOURCES": lambda: bool(scope_of(user, RESOURCE_VIEW)),
        "NAV_FUNDS": lambda: bool(scope_of(user, FUND_VIEW)),
        "NAV_MY_HOURS": lambda: bool(scope_of(user, VOLUNTEER_SELF)),
        "NAV_ADMIN": lambda: bool(scope_of(user, VIEW)),
        "NAV_TOKENS": lambda: bool(scope_of(user, API_TOKENS)),
    }
