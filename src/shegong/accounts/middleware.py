"""Session limits: 30 minutes idle, 12 hours absolute (both settings)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from shegong.core import audit


class SessionLimitsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated and hasattr(request, "session"):
            now = timezone.now().timestamp()
            login_at = request.session.get("shegong_login_at", now)
            seen_at = request.session.get("shegong_seen_at", now)
            too_old = now - login_at > settings.SHEGONG_SESSION_ABSOLUTE_HOURS * 3600
            too_idle = now - seen_at > settings.SHEGONG_SESSION_IDLE_MINUTES * 60
            if too_old or too_idle:
                # End this session only; other devices keep theirs until their own limits.
                audit.record(
                    actor=request.user,
                    action="session.expired",
                    obj=request.user,
                    request=request,
                    region_code=request.user.home_region_id,
                )
                request.session.flush()
                request.user = AnonymousUser()
                messages.info(request, _("Your session has ended. Please log in again."))
            else:
                if "shegong_login_at" not in request.session:
                    request.session["shegong_login_at"] = login_at
                # Touch the session at most once a minute: a session write on every request
                # would cost an UPDATE per page for one minute of idle-timeout precision.
                if now - seen_at >= 60 or "shegong_seen_at" not in request.session:
                    request.session["shegong_seen_at"] = now
        return self.get_response(request)
