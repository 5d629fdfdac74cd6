from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def shegong(request: HttpRequest) -> dict[str, Any]:
    from .models import scope_of
    from .perms import (
        ALERT_HANDLE,
        ALERT_RAISE,
        CASE_VIEW,
        FIELDWORK_OVERSIGHT,
        PERSON_VIEW,
        REFERRAL_MANAGE,
        VISIT_RECORD,
        VISIT_VIEW,
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
    }
