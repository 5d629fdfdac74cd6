"""Security events → audit log. (Signals only record; they make no business decisions.)"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models import F
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils import timezone

from shegong.core import audit
from shegong.core.models import Outcome
from shegong.core.request import client_ip

from .models import User
from .security import clear_failures, is_locked, note_failure


@receiver(user_logged_in)
def on_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        request.session["shegong_login_at"] = timezone.now().timestamp()
    clear_failures(username=user.get_username())
    audit.record(
        actor=user, action="login", obj=user, request=request, region_code=user.home_region_id
    )


@receiver(user_logged_out)
def on_logout(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if user is None:
        return
    # Logging out anywhere ends every session of this user (the session hash changes).
    User.objects.filter(pk=user.pk).update(session_generation=F("session_generation") + 1)
    audit.record(
        actor=user, action="logout", obj=user, request=request, region_code=user.home_region_id
    )


@receiver(user_login_failed)
def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    username = str(credentials.get("username") or "")
    ip = client_ip(request)
    # Place the event where the named account lives, so its admins see attacks on it.
    home = (
        User.objects.filter(username__iexact=username)
        .values_list("home_region_id", flat=True)
        .first()
    )
    already_locked = is_locked(username=username, ip=ip)
    locks_now = False if already_locked else note_failure(username=username, ip=ip)
    audit.record(
        actor=None,
        username=username,
        action="login.failed",
        object_type="user",
        object_repr=username,
        outcome=Outcome.FAILED,
        request=request,
        region_code=home,
        details={"locked": already_locked},
    )
    if locks_now:
        audit.record(
            actor=None,
            username=username,
            action="login.lockout",
            object_type="user",
            object_repr=username,
            outcome=Outcome.DENIED,
            request=request,
            region_code=home,
        )
