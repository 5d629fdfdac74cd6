"""Domain-free model building blocks."""

from __future__ import annotations

import datetime as dt
from typing import Any, Protocol, Self

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .scoping import Scope


class HasJurisdiction(Protocol):
    def jurisdiction(self, perm: str | None = None) -> Scope: ...


def scope_of(user: Any, perm: str | None = None) -> Scope:
    """The user's scope for `perm` (any permission when None); anonymous users have none."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Scope()
    return user.jurisdiction(perm)


class ScopedQuerySet(models.QuerySet):
    """Every list of things that belong to a place starts here: `Model.objects.visible_to(user)`.

    The model names the integer code column in `scope_field` (a Region foreign key column is
    the code itself, so `region_id` works directly).
    """

    scope_field = "region_id"

    def visible_to(self, user: Any, perm: str | None = None) -> Self:
        return self.in_scope(scope_of(user, perm))

    def in_scope(self, scope: Scope) -> Self:
        field = getattr(self.model, "scope_field", self.scope_field)
        return self.filter(scope.q(field))


class AuditQuerySet(ScopedQuerySet):
    scope_field = "region_code"

    def update(self, **kwargs: Any) -> int:
        raise PermissionError("audit events are append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("audit events are append-only")


class EffectiveQuerySet(models.QuerySet):
    """Rows with `valid_from` / `valid_to` (effective dating, DESIGN §4.4)."""

    def current(self, on: dt.date | None = None) -> Self:
        """Rows valid on `on` (today by default): valid_from <= day <= valid_to (open-ended)."""
        day = on or timezone.localdate()
        return self.filter(Q(valid_from__lte=day), Q(valid_to__isnull=True) | Q(valid_to__gte=day))

    def during(self, start: dt.date, end: dt.date) -> Self:
        """Rows valid on at least one day of [start, end]."""
        return self.filter(
            Q(valid_from__lte=end), Q(valid_to__isnull=True) | Q(valid_to__gte=start)
        )


class TimeStamped(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class Outcome(models.TextChoices):
    OK = "ok", _("succeeded")
    DENIED = "denied", _("denied")
    FAILED = "failed", _("failed")


class AuditEvent(models.Model):
    """One append-only row per write or security event (DESIGN §4.3).

    Rows are never updated (a database trigger refuses UPDATE) and the ORM refuses delete.
    `region_code` places the event in a jurisdiction, so admins see only their subtree's events.
    """

    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    username = models.CharField(_("username"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=60, db_index=True)
    object_type = models.CharField(_("object type"), max_length=60, blank=True)
    object_id = models.CharField(_("object"), max_length=64, blank=True)
    object_repr = models.CharField(_("description"), max_length=200, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=Outcome.choices, default=Outcome.OK
    )
    ip = models.GenericIPAddressField(_("client IP"), null=True, blank=True)
    region_code = models.BigIntegerField(_("division code"), null=True, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)

    scope_field = "region_code"
    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit log")
        indexes = [models.Index(fields=["region_code", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise PermissionError("audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise PermissionError("audit events are append-only")


def _attachment_storage() -> Any:
    """The private storage for attachments (STORAGES["attachments"]): never under MEDIA_URL,
    files go out only through a permission-checked view. A callable, so tests can repoint it."""
    from django.core.files.storage import storages

    return storages["attachments"]


class AttachmentKind(models.TextChoices):
    PHOTO = "photo", _("photo")
    DOCUMENT = "document", _("document")


class Attachment(models.Model):
    """A photo or document attached to a record of any app (DESIGN §4.3).

    The owner is named by `owner_type` ("people.person") and `owner_id`, without a foreign key,
    so core stays domain-free; `region_code` is copied from the owner and scopes the file.
    Files live under random names: the user's file name is kept only in `original_name`.
    """

    owner_type = models.CharField(_("owner type"), max_length=60)
    owner_id = models.BigIntegerField(_("owner"))
    region_code = models.BigIntegerField(_("division code"))
    kind = models.CharField(_("kind"), max_length=10, choices=AttachmentKind.choices)
    original_name = models.CharField(_("file name"), max_length=255, blank=True)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    file = models.FileField(_("file"), storage=_attachment_storage, max_length=200)
    thumbnail = models.FileField(
        _("thumbnail"), storage=_attachment_storage, max_length=200, blank=True
    )
    width = models.PositiveIntegerField(_("width"), null=True, blank=True)
    height = models.PositiveIntegerField(_("height"), null=True, blank=True)
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    scope_field = "region_code"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        indexes = [
            models.Index(fields=["owner_type", "owner_id"]),
            models.Index(fields=["region_code"]),
        ]

    def __str__(self) -> str:
        return self.original_name or f"{self.kind} {self.pk}"

    @property
    def is_photo(self) -> bool:
        return self.kind == AttachmentKind.PHOTO
