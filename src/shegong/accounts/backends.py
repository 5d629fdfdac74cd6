from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from shegong.core.request import client_ip

from .security import is_locked


class LockoutModelBackend(ModelBackend):
    """Django's username/password check, refused outright while the account or IP is locked."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        if username and is_locked(username=username, ip=client_ip(request)):
            # PermissionDenied stops authenticate() and sends user_login_failed.
            raise PermissionDenied("locked")
        return super().authenticate(request, username=username, password=password, **kwargs)
