from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address. Behind the production proxy (SHEGONG_TRUST_X_FORWARDED_FOR) the
    first X-Forwarded-For hop; the proxy must overwrite that header, see docs/operations.md."""
    if request is None:
        return None
    if settings.SHEGONG_TRUST_X_FORWARDED_FOR:
        forwarded = request.headers.get("X-Forwarded-For", "")
        if forwarded:
            return forwarded.split(",")[0].strip()[:45]
    return request.META.get("REMOTE_ADDR")
