"""Writing the audit log. Every service that writes calls `record` inside its transaction, so an
audit row exists exactly when the write committed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.db import models
from django.http import Http404, HttpRequest

from .middleware import current_ip
from .models import AuditEvent, Outcome
from .request import client_ip

if TYPE_CHECKING:
    from shegong.accounts.models import User


def record(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    object_repr: str = "",
    region_code: int | None = None,
    outcome: str = Outcome.OK,
    request: HttpRequest | None = None,
    ip: str | None = None,
    details: dict[str, Any] | None = None,
    username: str = "",
) -> AuditEvent:
    # Only real accounts are linked; the system actor and anonymous callers leave a name only.
    account = cast("User | None", actor if isinstance(actor, models.Model) else None)
    user = account if account is not None and account.is_authenticated else None
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:200]
    return AuditEvent.objects.create(
        user=user,
        username=username
        or (
            actor.get_username()
            if hasattr(actor, "get_username") and getattr(actor, "is_authenticated", False)
            else ""
        ),
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        object_repr=object_repr[:200],
        outcome=outcome,
        ip=ip or (client_ip(request) if request else current_ip.get()),
        region_code=region_code,
        details=details or {},
    )


def not_found(actor: Any, *, what: str, key: object) -> Http404:
    """Record a request for an object outside the actor's jurisdiction (or that does not exist:
    the two are indistinguishable on purpose) and return the 404 for the caller to raise."""
    record(
        actor=actor,
        action="access.denied",
        object_type=what[:60],
        object_id=str(key)[:64],
        outcome=Outcome.DENIED,
    )
    return Http404()


def deny(request: HttpRequest, *, what: str, object_id: str | int = "") -> Http404:
    """Record a request for something outside the user's jurisdiction or powers; the caller
    raises the returned 404 (we never confirm that the object exists)."""
    if request.user.is_authenticated:
        record(
            actor=request.user,
            action="access.denied",
            object_type=what[:60],
            object_id=object_id,
            outcome=Outcome.DENIED,
            request=request,
        )
    return Http404()
