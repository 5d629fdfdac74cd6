"""Residents' requests (居民诉求, "大事小情"): intake, triage by urgency and importance (轻重缓急)
into a priority, assignment to a worker of the station, a deadline, the status, the resolution
and the resident's satisfaction.

Jurisdiction: a request belongs to the community it concerns, or to its station's home division
when no community is given (`region_code`); `visible_to(user, perm)` is one range filter.
The resident's contact is personal data: encrypted at rest with the masked form beside it.
Every change is a `RequestEvent` row: the request's history, newest last.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shegong.core.fields import EncryptedTextField
from shegong.core.models import ScopedQuerySet
from shegong.people.models import Person
from shegong.regions.models import Region, Station

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

__all__ = [
    "Importance",
    "Priority",
    "RequestChannel",
    "RequestEvent",
    "RequestStatus",
    "RequestTopic",
    "ResidentRequest",
    "Urgency",
]

USER = settings.AUTH_USER_MODEL


def _by(verbose: StrOrPromise) -> models.ForeignKey:
    return models.ForeignKey(
        USER,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=verbose,
    )


class RequestChannel(models.TextChoices):
    WALK_IN = "walk_in", _("walk-in at the station")
    PHONE = "phone", _("phone")
    GRID_WORKER = "grid_worker", _("grid worker (网格员)")
    PUBLIC_MAP = "public_map", _("public service map")
    OTHER = "other", _("other")


class RequestTopic(models.TextChoices):
    HOME_HELP = "home_help", _("help at home (repairs, a lamp to change …)")
    SAFETY = "safety", _("safety hazard")
    FACILITIES = "facilities", _("community facilities")
    ENVIRONMENT = "environment", _("environment and hygiene")
    ELDERLY = "elderly", _("elderly care")
    CHILDREN = "children", _("children")
    ASSISTANCE = "assistance", _("assistance and benefits")
    DISPUTE = "dispute", _("neighbour dispute")
    OTHER = "other", _("other")


class Urgency(models.TextChoices):
    """缓急: how soon something must happen."""

    HIGH = "high", _("urgent (急)")
    MEDIUM = "medium", _("soon")
    LOW = "low", _("can wait (缓)")


class Importance(models.TextChoices):
    """轻重: how much is at stake (safety, health, livelihood, how many residents)."""

    HIGH = "high", _("serious (重)")
    MEDIUM = "medium", _("moderate")
    LOW = "low", _("minor (轻)")


class Priority(models.IntegerChoices):
    CRITICAL = 1, _("P1 critical")
    HIGH = 2, _("P2 high")
    NORMAL = 3, _("P3 normal")
    LOW = 4, _("P4 low")


class RequestStatus(models.TextChoices):
    NEW = "new", _("new")
    ASSIGNED = "assigned", _("assigned")
    IN_PROGRESS = "in_progress", _("in progress")
    RESOLVED = "resolved", _("resolved")
    CLOSED = "closed", _("closed")


OPEN_STATUSES = (RequestStatus.NEW, RequestStatus.ASSIGNED, RequestStatus.IN_PROGRESS)


class ResidentRequest(models.Model):
    station = models.ForeignKey(
        Station, on_delete=models.PROTECT, related_name="+", verbose_name=_("station")
    )
    community = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("community"),
    )
    region_code = models.BigIntegerField(_("division code"))
    channel = models.CharField(_("received by"), max_length=12, choices=RequestChannel.choices)
    resident_name = models.CharField(_("resident"), max_length=50)
    contact = EncryptedTextField(_("contact phone"), blank=True)
    contact_masked = models.CharField(_("contact phone"), max_length=20, blank=True, editable=False)
    person = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("registered person"),
    )
    topic = models.CharField(_("topic"), max_length=12, choices=RequestTopic.choices)
    title = models.CharField(_("request"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    address = models.CharField(_("where"), max_length=200, blank=True)
    received_on = models.DateField(_("received on"))
    received_by = _by(_("taken by"))
    urgency = models.CharField(_("urgency"), max_length=6, choices=Urgency.choices, blank=True)
    importance = models.CharField(
        _("importance"), max_length=6, choices=Importance.choices, blank=True
    )
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, null=True, blank=True
    )
    deadline = models.DateField(_("deadline"))
    status = models.CharField(
        _("status"), max_length=12, choices=RequestStatus.choices, default=RequestStatus.NEW
    )
    assigned_to = _by(_("assigned to"))
    resolution = models.TextField(_("resolution"), blank=True)
    resolved_on = models.DateField(_("resolved on"), null=True, blank=True)
    satisfaction = models.PositiveSmallIntegerField(_("satisfaction"), null=True, blank=True)
    satisfaction_note = models.CharField(_("what the resident said"), max_length=300, blank=True)
    closed_reason = models.CharField(_("why it was closed"), max_length=300, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)

    scope_field = "region_code"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-received_on", "-id"]
        verbose_name = _("resident's request")
        verbose_name_plural = _("residents' requests")
        indexes = [
            models.Index(fields=["region_code", "status", "deadline"]),
            models.Index(fields=["assigned_to", "status"]),
            models.Index(fields=["station", "status"]),
            models.Index(fields=["person", "received_on"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(satisfaction__isnull=True)
                | Q(satisfaction__gte=1, satisfaction__lte=5),
                name="residentrequest_satisfaction_1_5",
            ),
            models.CheckConstraint(
                condition=Q(deadline__gte=models.F("received_on")),
                name="residentrequest_deadline_after_received",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class RequestEvent(models.Model):
    """One step in a request's life: intake, triage, assignment, start, resolution, closing,
    satisfaction. Append-only (written by request_services only)."""

    request = models.ForeignKey(
        ResidentRequest, on_delete=models.CASCADE, related_name="events", verbose_name=_("request")
    )
    at = models.DateTimeField(_("time"), auto_now_add=True)
    by = _by(_("by"))
    action = models.CharField(_("action"), max_length=20)
    from_status = models.CharField(_("from"), max_length=12, blank=True)
    to_status = models.CharField(_("to"), max_length=12, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("request event")
        verbose_name_plural = _("request events")

    def __str__(self) -> str:
        return f"{self.request_id} {self.action}"
