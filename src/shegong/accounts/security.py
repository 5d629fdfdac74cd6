"""Login lockout: 5 failures per account or per IP within 30 minutes lock that account or IP
for 30 minutes (both numbers are settings)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from .models import LoginFailure


def _window_start() -> dt.datetime:
    return timezone.now() - dt.timedelta(minutes=settings.SHEGONG_LOCKOUT_MINUTES)


def is_locked(*, username: str, ip: str | None) -> bool:
    limit = settings.SHEGONG_LOCKOUT_ATTEMPTS
    recent = LoginFailure.objects.filter(at__gte=_window_start())
    if username and recent.filter(username__iexact=username).count() >= limit:
        return True
    return bool(ip) and recent.filter(ip=ip).count() >= limit


def note_failure(*, username: str, ip: str | None) -> bool:
    """Count one failure; True when this failure locks the account or the IP."""
    LoginFailure.objects.create(username=username[:150], ip=ip)
    return is_locked(username=username, ip=ip)


def clear_failures(*, username: str) -> None:
    LoginFailure.objects.filter(username__iexact=username).delete()
