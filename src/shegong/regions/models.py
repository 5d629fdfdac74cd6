"""Divisions, organizations, stations and the people who staff them.

Region.code is the 12-digit statistical code as an integer primary key, so every foreign key to
a region *is* a code and can be range-filtered for jurisdiction (see core.scoping).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shegong.core.models import EffectiveQuerySet, ScopedQuerySet, TimeStamped
from shegong.core.scoping import CodeRange, ancestor_code, format_code


class Level(models.IntegerChoices):
    PROVINCE = 1, _("province")
    CITY = 2, _("city")
    COUNTY = 3, _("county / district")
    TOWNSHIP = 4, _("township / street")
    VILLAGE = 5, _("village / community")


class RegionQuerySet(ScopedQuerySet):
    scope_field = "code"

    def subtree(self, region: Region) -> RegionQuerySet:
        r = region.range
        return self.filter(code__gte=r.lo, code__lt=r.hi)


class Region(models.Model):
    code = models.BigIntegerField(_("division code"), primary_key=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices, db_index=True)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        db_constraint=True,
        verbose_name=pgettext_lazy("division", "parent"),
    )

    scope_field = "code"
    objects = RegionQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("division")
        verbose_name_plural = _("divisions")
        indexes = [models.Index(fields=["level", "code"])]

    def __str__(self) -> str:
        return self.name

    @property
    def code_str(self) -> str:
        return format_code(self.code)

    @property
    def range(self) -> CodeRange:
        return CodeRange.subtree(self.code, self.level)

    @property
    def display_name(self) -> str:
        # Municipalities (北京 天津 上海 重庆) have a city level named 市辖区: show the province.
        if self.level == Level.CITY and self.name in {"市辖区", "县"} and self.parent_id:
            return self.parent.name if self.parent else self.name
        return self.name

    def ancestors(self) -> list[Region]:
        codes = [ancestor_code(self.code, lvl) for lvl in range(1, self.level)]
        found = {r.code: r for r in Region.objects.filter(code__in=codes)}
        return [found[c] for c in codes if c in found]


class OrgKind(models.TextChoices):
    OPERATOR = "operator", _("operator (contracted agency)")
    PARTNER = "partner", _("partner (law firm, hospital, school …)")
    COMMUNITY_GROUP = "community_group", _("incubated community group")
    GOVERNMENT = "government", _("government department")


class Organization(TimeStamped):
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=OrgKind.choices)
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        blank=True,
        help_text=_("18 characters, as printed on the registration certificate."),
    )
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("registered in")
    )
    contact_person = models.CharField(_("contact person"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")

    def __str__(self) -> str:
        return self.name


class StationKind(models.TextChoices):
    CITY_CENTRE = "city_centre", _("city guidance centre")
    COUNTY_CENTRE = "county_centre", _("county social work centre")
    TOWNSHIP = "township", _("township / street station")
    COMMUNITY_ROOM = "community_room", _("community room")
    SPECIALTY = "specialty", _("specialty station")


class Station(TimeStamped):
    code = models.CharField(
        _("station code"),
        max_length=20,
        unique=True,
        help_text=_(
            "12-digit code of its home division, with a suffix such as -2 for a second "
            "station there."
        ),
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=StationKind.choices)
    specialty = models.CharField(
        _("specialty"),
        max_length=50,
        blank=True,
        help_text=_("For specialty stations: elderly care, mental health, children …"),
    )
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="stations", verbose_name=_("home division")
    )
    brand_name = models.CharField(_("brand name (一站一品)"), max_length=100, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    opening_hours = models.CharField(_("opening hours"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    activity_area_m2 = models.DecimalField(
        _("activity area (m²)"), max_digits=8, decimal_places=1, null=True, blank=True
    )
    office_area_m2 = models.DecimalField(
        _("office area (m²)"), max_digits=8, decimal_places=1, null=True, blank=True
    )
    operator = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="stations",
        verbose_name=_("operator organization"),
    )
    contract_start = models.DateField(_("contract start"), null=True, blank=True)
    contract_end = models.DateField(_("contract end"), null=True, blank=True)
    languages = models.JSONField(_("languages served"), default=list, blank=True)
    active = models.BooleanField(_("active"), default=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("station")
        verbose_name_plural = _("stations")
        constraints = [
            models.CheckConstraint(
                condition=Q(contract_end__isnull=True)
                | Q(contract_start__isnull=True)
                | Q(contract_end__gte=models.F("contract_start")),
                name="station_contract_order",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def current_service_areas(self, on: dt.date | None = None) -> models.QuerySet[Region]:
        return Region.objects.filter(
            pk__in=ServiceArea.objects.current(on).filter(station=self).values("region_id")
        )


class ServiceArea(models.Model):
    """A division a station serves, over a period (a merged office serves several townships)."""

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="service_areas")
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("division served")
    )
    valid_from = models.DateField(_("from"))
    valid_to = models.DateField(_("until"), null=True, blank=True)

    objects = EffectiveQuerySet.as_manager()

    class Meta:
        verbose_name = _("service area")
        indexes = [models.Index(fields=["region", "valid_from"])]

    def __str__(self) -> str:
        return f"{self.station_id} → {self.region_id} ({self.valid_from}–{self.valid_to or ''})"


class CertificateLevel(models.TextChoices):
    NONE = "", _("not certified")
    ASSISTANT = "assistant", _("assistant social worker (助理社会工作师)")
    SOCIAL_WORKER = "social_worker", _("social worker (社会工作师)")
    SENIOR = "senior", _("senior social worker (高级社会工作师)")


class StaffMember(TimeStamped):
    """A person who works for the system, with or without a login."""

    full_name = models.CharField(_("full name"), max_length=50)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="staff_member",
        verbose_name=_("login account"),
    )
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("division")
    )
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    certificate_level = models.CharField(
        _("certificate"), max_length=20, choices=CertificateLevel.choices, blank=True
    )
    certificate_number = models.CharField(_("certificate number"), max_length=40, blank=True)
    certificate_date = models.DateField(_("certified on"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["full_name"]
        verbose_name = _("staff member")
        verbose_name_plural = _("staff members")

    def __str__(self) -> str:
        return self.full_name

    @property
    def certified(self) -> bool:
        return bool(self.certificate_level)


class PostKind(models.TextChoices):
    RESIDENT_WORKER = "resident_worker", _("resident social worker")
    STATION_HEAD = "station_head", _("station head")
    SUPERVISOR = "supervisor", _("supervisor")
    ADMIN = "admin", _("administrator")
    OTHER = "other", _("other")


class Post(models.Model):
    """A staff member's post at a station over a period (effective-dated, DESIGN §4.4)."""

    staff = models.ForeignKey(StaffMember, on_delete=models.CASCADE, related_name="posts")
    station = models.ForeignKey(Station, on_delete=models.PROTECT, related_name="posts")
    kind = models.CharField(_("post"), max_length=20, choices=PostKind.choices)
    resident = models.BooleanField(
        _("resident at the station"),
        default=True,
        help_text=_("Counts toward the station's staffing rule."),
    )
    valid_from = models.DateField(_("started on"))
    valid_to = models.DateField(_("ended on"), null=True, blank=True)

    objects = EffectiveQuerySet.as_manager()

    class Meta:
        ordering = ["-valid_from"]
        verbose_name = _("post")
        indexes = [models.Index(fields=["station", "valid_from"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.station_id}"
