"""Volunteers (志愿者), their teams, hours (志愿服务时长), pairings with persons (一对一结对,
同伴计划) with their contact records, and recognitions (星级志愿者, hours milestones).

Jurisdiction: a volunteer belongs to the community they serve in, or to their station's home
division when no community is given (`region_code`); hours copy it on the day they are logged,
so `visible_to(user, perm)` is one range filter. A pairing belongs to the paired person's
division (the person is who is served), and its contacts copy that code.

A volunteer's phone is personal data: encrypted at rest (`core.fields.EncryptedTextField`) with
the masked form stored beside it, so lists never decrypt. A volunteer may have a login (`user`)
with the limited `volunteer` role that sees only their own record (`volunteer_selectors`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shegong.core.fields import EncryptedTextField
from shegong.core.models import ScopedQuerySet
from shegong.people.models import Gender, Person
from shegong.regions.models import Region, Station

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

__all__ = [
    "ContactMode",
    "HoursSource",
    "Pairing",
    "PairingContact",
    "PairingKind",
    "Recognition",
    "RecognitionKind",
    "Volunteer",
    "VolunteerHours",
    "VolunteerTeam",
]

USER = settings.AUTH_USER_MODEL
SKILL_SEPARATOR = "、"


def _by(verbose: StrOrPromise) -> models.ForeignKey:
    return models.ForeignKey(
        USER,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=verbose,
    )


class VolunteerTeam(models.Model):
    """A volunteer service team of a station (志愿服务队: "针锋裁缝", "爱心扫把" …)."""

    station = models.ForeignKey(
        Station, on_delete=models.PROTECT, related_name="+", verbose_name=_("station")
    )
    region_code = models.BigIntegerField(_("division code"))
    name = models.CharField(_("name"), max_length=60)
    description = models.CharField(_("what the team does"), max_length=300, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    scope_field = "region_code"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("volunteer team")
        verbose_name_plural = _("volunteer teams")
        constraints = [
            models.UniqueConstraint(fields=["station", "name"], name="volunteerteam_station_name")
        ]

    def __str__(self) -> str:
        return self.name


class Volunteer(models.Model):
    name = models.CharField(_("full name"), max_length=50)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices, blank=True)
    phone = EncryptedTextField(_("phone"), blank=True)
    phone_masked = models.CharField(_("phone"), max_length=20, blank=True, editable=False)
    person = models.OneToOneField(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="volunteer",
        verbose_name=_("registered person"),
        help_text=_("When the volunteer is also a registered person (a peer volunteer)."),
    )
    user = models.OneToOneField(
        USER,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="volunteer",
        verbose_name=_("login"),
    )
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
    teams = models.ManyToManyField(
        VolunteerTeam, blank=True, related_name="members", verbose_name=_("teams")
    )
    # Plain text, so that "who sews" and "who is free on Saturdays" are a portable LIKE:
    # skills joined by "、", available days as ISO weekday digits ("67": Saturday and Sunday).
    skills = models.CharField(_("skills"), max_length=700, blank=True)
    available_days = models.CharField(_("available on"), max_length=7, blank=True)
    availability = models.CharField(_("availability"), max_length=200, blank=True)
    registered_on = models.DateField(_("registered on"))
    active = models.BooleanField(_("active"), default=True)
    note = models.TextField(_("note"), blank=True)
    created_by = _by(_("registered by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)

    scope_field = "region_code"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")
        indexes = [
            models.Index(fields=["region_code", "name"]),
            models.Index(fields=["station", "active"]),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def skill_list(self) -> list[str]:
        return [s for s in self.skills.split(SKILL_SEPARATOR) if s]

    @property
    def day_list(self) -> list[int]:
        return [int(d) for d in self.available_days if d.isdigit()]


class HoursSource(models.TextChoices):
    MANUAL = "manual", _("logged by hand")
    ACTIVITY = "activity", _("activity")
    VISIT = "visit", _("visit")
    PAIRING = "pairing", _("pairing contact")


class VolunteerHours(models.Model):
    """Hours of volunteer service on one day (志愿服务时长). At most 24 hours a day per
    volunteer across entries (volunteer_services), never zero or negative (also a constraint).
    An activity or a visit is logged at most once per volunteer."""

    volunteer = models.ForeignKey(
        Volunteer, on_delete=models.PROTECT, related_name="hours", verbose_name=_("volunteer")
    )
    served_on = models.DateField(_("date"))
    hours = models.DecimalField(_("hours"), max_digits=4, decimal_places=2)
    source = models.CharField(
        _("source"), max_length=10, choices=HoursSource.choices, default=HoursSource.MANUAL
    )
    activity = models.ForeignKey(
        "community.Activity",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("activity"),
    )
    visit = models.ForeignKey(
        "fieldwork.Visit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("visit"),
    )
    contact = models.OneToOneField(
        "community.PairingContact",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="logged_hours",
        verbose_name=_("pairing contact"),
    )
    description = models.CharField(_("what was done"), max_length=200, blank=True)
    self_reported = models.BooleanField(_("logged by the volunteer"), default=False)
    station = models.ForeignKey(Station, on_delete=models.PROTECT, related_name="+")
    region_code = models.BigIntegerField(_("division code"))
    recorded_by = _by(_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    scope_field = "region_code"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-served_on", "-id"]
        verbose_name = _("volunteer hours")
        verbose_name_plural = _("volunteer hours")
        indexes = [
            models.Index(fields=["volunteer", "served_on"]),
            models.Index(fields=["region_code", "served_on"]),
            models.Index(fields=["station", "served_on"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(hours__gt=0) & Q(hours__lte=24), name="volunteerhours_0_24"
            ),
            models.UniqueConstraint(
                fields=["volunteer", "activity"],
                condition=Q(activity__isnull=False),
                name="volunteerhours_once_per_activity",
            ),
            models.UniqueConstraint(
                fields=["volunteer", "visit"],
                condition=Q(visit__isnull=False),
                name="volunteerhours_once_per_visit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer_id} {self.served_on} {self.hours}h"


class PairingKind(models.TextChoices):
    ONE_TO_ONE = "one_to_one", _("one-to-one pairing (一对一结对)")
    PEER = "peer", _("peer programme (同伴计划)")


class Pairing(models.Model):
    """A volunteer paired with a person for regular contact. At most one open pairing of the
    same volunteer and person (a constraint); an ended pairing keeps its records."""

    volunteer = models.ForeignKey(
        Volunteer, on_delete=models.PROTECT, related_name="pairings", verbose_name=_("volunteer")
    )
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="+", verbose_name=_("person")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=PairingKind.choices)
    started_on = models.DateField(_("started on"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    end_reason = models.CharField(_("why it ended"), max_length=300, blank=True)
    contact_every_days = models.PositiveSmallIntegerField(_("contact every (days)"), default=30)
    goals = models.TextField(_("goals"), blank=True)
    station = models.ForeignKey(Station, on_delete=models.PROTECT, related_name="+")
    region_code = models.BigIntegerField(_("division code"))
    created_by = _by(_("paired by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    scope_field = "region_code"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-started_on", "-id"]
        verbose_name = _("pairing")
        verbose_name_plural = _("pairings")
        indexes = [models.Index(fields=["region_code", "ended_on"])]
        constraints = [
            models.UniqueConstraint(
                fields=["volunteer", "person"],
                condition=Q(ended_on__isnull=True),
                name="pairing_one_open",
            ),
            models.CheckConstraint(
                condition=Q(contact_every_days__gte=1), name="pairing_interval_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer_id} ↔ {self.person_id}"

    @property
    def is_open(self) -> bool:
        return self.ended_on is None


class ContactMode(models.TextChoices):
    HOME_VISIT = "home_visit", _("home visit")
    PHONE = "phone", _("phone call")
    ONLINE = "online", _("online")
    OUTING = "outing", _("outing or escort")
    OTHER = "other", _("other")


class PairingContact(models.Model):
    """One contact of a pairing (定期联系): date, how, and what happened."""

    pairing = models.ForeignKey(
        Pairing, on_delete=models.PROTECT, related_name="contacts", verbose_name=_("pairing")
    )
    contacted_on = models.DateField(_("date"))
    mode = models.CharField(_("how"), max_length=12, choices=ContactMode.choices)
    notes = models.TextField(_("what happened"), blank=True)
    region_code = models.BigIntegerField(_("division code"))
    recorded_by = _by(_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    scope_field = "region_code"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-contacted_on", "-id"]
        verbose_name = _("pairing contact")
        verbose_name_plural = _("pairing contacts")
        indexes = [models.Index(fields=["pairing", "contacted_on"])]

    def __str__(self) -> str:
        return f"{self.pairing_id} {self.contacted_on}"


class RecognitionKind(models.TextChoices):
    STAR = "star", _("star volunteer (星级志愿者)")
    MILESTONE = "milestone", _("hours milestone")
    OTHER = "other", _("other recognition")


class Recognition(models.Model):
    """A recognition given to a volunteer: a star level (1–5), an hours milestone, or another
    honour (优秀志愿者 …)."""

    volunteer = models.ForeignKey(
        Volunteer,
        on_delete=models.PROTECT,
        related_name="recognitions",
        verbose_name=_("volunteer"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=RecognitionKind.choices)
    stars = models.PositiveSmallIntegerField(_("stars"), null=True, blank=True)
    hours_milestone = models.PositiveIntegerField(_("hours reached"), null=True, blank=True)
    title = models.CharField(_("title"), max_length=100)
    awarded_on = models.DateField(_("awarded on"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    region_code = models.BigIntegerField(_("division code"))
    awarded_by = _by(_("awarded by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    scope_field = "region_code"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-awarded_on", "-id"]
        verbose_name = _("recognition")
        verbose_name_plural = _("recognitions")
        constraints = [
            models.CheckConstraint(
                condition=Q(stars__isnull=True) | Q(stars__gte=1, stars__lte=5),
                name="recognition_stars_1_5",
            )
        ]

    def __str__(self) -> str:
        return self.title
