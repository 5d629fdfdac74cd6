"""Community activities (社区活动) and attendance, the events behind persons served and
person-times (人次).

Jurisdiction: an activity belongs to its organizing station's home division (`region_code`,
copied from `station.region_id`), so `visible_to(user, perm)` is one range filter. Attendance
rows copy the date, the station and the division code of the event they belong to (an activity
or a group session), so "persons served and person-times of a station or a region subtree in a
period" is a pair of aggregates over one indexed table (DESIGN §4.2).

Counting: a named registered person checked in is one `Attendance` row; the people who came
but are not registered are a headcount (`others_count`) on the activity or session. Person-times
= rows + headcounts; persons served = distinct persons among the rows + headcounts (nobody can
tell whether two anonymous visitors were the same person, so each counts once). `named_count`
is the number of rows of the activity or session, kept by the services in the same transaction
so that lists show person-times without counting.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shegong.core.models import ScopedQuerySet
from shegong.people.models import Person
from shegong.regions.models import Organization, Station

__all__ = ["Activity", "ActivityKind", "Attendance", "ServiceDomain"]

# Attachments of an activity (photos): `Attachment.owner_type`, the owner id is the activity's pk.
ACTIVITY_OWNER = "community.activity"


class ServiceDomain(models.TextChoices):
    """The five service domains of township social-work stations."""

    SOCIAL_ASSISTANCE = "social_assistance", _("social assistance (社会救助)")
    ELDERLY_CARE = "elderly_care", _("elderly care (养老服务)")
    CHILD_WELFARE = "child_welfare", _("child welfare (儿童福利)")
    COMMUNITY_GOVERNANCE = "community_governance", _("community governance (社区治理)")
    SOCIAL_AFFAIRS = "social_affairs", _("social affairs (社会事务)")


class ActivityKind(models.TextChoices):
    EVENT = "event", _("community event")
    LECTURE = "lecture", _("lecture or talk")
    TRAINING = "training", _("training")
    FREE_CLINIC = "free_clinic", _("free clinic (义诊)")
    HOLIDAY_VISIT = "holiday_visit", _("holiday visit (节日慰问)")
    VOLUNTEER_SERVICE = "volunteer_service", _("volunteer service")
    OTHER = "other", _("other activity")


class Activity(models.Model):
    title = models.CharField(_("title"), max_length=200)
    domain = models.CharField(_("service domain"), max_length=30, choices=ServiceDomain.choices)
    kind = models.CharField(_("kind"), max_length=20, choices=ActivityKind.choices)
    held_on = models.DateField(_("date"))
    start_time = models.TimeField(_("starts at"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=200)
    station = models.ForeignKey(
        Station, on_delete=models.PROTECT, related_name="+", verbose_name=_("organizing station")
    )
    region_code = models.BigIntegerField(_("division code"))
    partners = models.ManyToManyField(
        Organization, blank=True, related_name="+", verbose_name=_("partner organizations")
    )
    volunteers_text = models.CharField(_("volunteers"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    others_count = models.PositiveIntegerField(_("others (not registered)"), default=0)
    named_count = models.PositiveIntegerField(_("registered persons"), default=0, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)

    scope_field = "region_code"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-held_on", "-id"]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        indexes = [
            models.Index(fields=["region_code", "held_on"]),
            models.Index(fields=["station", "held_on"]),
            # Newest first over a wide jurisdiction (a city): read backwards, no sort.
            models.Index(fields=["held_on", "id"]),
        ]

    def __str__(self) -> str:
        return f"{self.held_on} {self.title}"

    @property
    def person_times(self) -> int:
        return self.named_count + self.others_count


class Attendance(models.Model):
    """A registered person present at an activity or at a group session (exactly one of the
    two). `on`, `station` and `region_code` are the event's."""

    activity = models.ForeignKey(
        Activity,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="attendance",
        verbose_name=_("activity"),
    )
    session = models.ForeignKey(
        "community.GroupSession",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="attendance",
        verbose_name=_("group session"),
    )
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="+", verbose_name=_("person")
    )
    on = models.DateField(_("date"))
    station = models.ForeignKey(Station, on_delete=models.PROTECT, related_name="+")
    region_code = models.BigIntegerField(_("division code"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("checked in by"),
    )
    recorded_at = models.DateTimeField(_("checked in at"), auto_now_add=True)

    scope_field = "region_code"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-on", "-id"]
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        indexes = [
            models.Index(fields=["region_code", "on"]),
            models.Index(fields=["station", "on"]),
            models.Index(fields=["person", "on"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(activity__isnull=False, session__isnull=True)
                | Q(activity__isnull=True, session__isnull=False),
                name="attendance_one_event",
            ),
            models.UniqueConstraint(
                fields=["activity", "person"],
                condition=Q(activity__isnull=False),
                name="attendance_activity_person",
            ),
            models.UniqueConstraint(
                fields=["session", "person"],
                condition=Q(session__isnull=False),
                name="attendance_session_person",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.on}"
