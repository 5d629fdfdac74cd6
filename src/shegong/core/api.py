"""JSON API plumbing shared by every app's api.py (django-ninja)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest

from .audit import deny

F = Callable[..., Any]


def api_requires(perm: str) -> Callable[[F], F]:
    """The API twin of core.views.requires: declare the permission, 404 for whoever lacks it."""

    def decorate(func: F) -> F:
        @wraps(func)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            user = request.user
            if not user.is_authenticated or not user.jurisdiction(perm):
                raise deny(request, what=f"api:{func.__name__}")
            return func(request, *args, **kwargs)

        wrapper.shegong_perm = perm  # type: ignore[attr-defined]
        return wrapper

    return decorate


def validation_payload(error: ValidationError) -> dict[str, Any]:
    """A service's ValidationError as JSON: {"detail": ..., "errors": {field: [messages]},
    "codes": {field: [code or null, ...]}}; each code sits beside its message, so a program can
    tell e.g. "possible_duplicate" from "stale" without reading translated text."""
    by_field: Iterable[tuple[str, list[ValidationError]]]
    if hasattr(error, "error_dict"):
        by_field = error.error_dict.items()
    else:
        by_field = [("__all__", error.error_list)]
    errors: dict[str, list[str]] = {}
    codes: dict[str, list[str | None]] = {}
    for field, errs in by_field:
        for e in errs:
            for m in e.messages:
                errors.setdefault(field, []).append(str(m))
                codes.setdefault(field, []).append(e.code)
    first = next(iter(errors.values()))[0]
    return {"detail": first, "errors": errors, "codes": codes}
