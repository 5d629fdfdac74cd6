"""Resources (资源清单): donors, donations, stock on hand, allocations, the station's service list;
the fund ledgers (社区基金, 慈善资金) are in fund_models.

Jurisdiction: every row stores the division code it belongs to (`region_code`): for what a
station holds (donors, donations, stock, services, funds) the station's home division, for an
allocation the recipient's division (where the person or household lives, or the activity's),
so `visible_to(user, perm)` is one range filter and a station's allocations are seen by whoever
may see the person.

Stock: `StockItem.quantity` is the stock on hand of one item (name and unit) at one station. It
is changed only by the services, under a row lock of the item, and always equals the sum of its
donation lines less the sum of its allocation lines; a check constraint keeps it from going
negative even if a service were wrong.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shegong.community.models import Activity, ServiceDomain
from shegong.core.fields import EncryptedTextField
from shegong.core.models import ScopedQuerySet
from shegong.people.models import Household, Person
from shegong.regions.models import Organization, Station

from .fund_models import EntryDirection, Fund, FundEntry, FundKind, IncomeSource

__all__ = [
    "Activity",
    "Allocation",
    "AllocationLine",
    "Donation",
    "DonationKind",
    "DonationLine",
    "Donor",
    "DonorKind",
    "EntryDirection",
    "Fund",
    "FundEntry",
    "FundKind",
    "IncomeSource",
    "ItemCategory",
    "RecipientKind",
    "ServiceDomain",
    "ServiceOffering",
    "StockItem",
]

USER = settings.AUTH_USER_MODEL
MONEY: dict[str, Any] = {"max_digits": 14, "decimal_places": 2}  # Decimal yuan
QUANTITY: dict[str, Any] = {"max_digits": 12, "decimal_places": 2}  # 3 boxes, 12.5 kg


def _recorded_by(verbose: Any) -> models.ForeignKey:
    return models.ForeignKey(
        USER,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=verbose,
    )


class DonorKind(models.TextChoices):
    ORGANIZATION = "organization", _("organization")
    ENTERPRISE = "enterprise", _("enterprise")
    INDIVIDUAL = "individual", _("individual")


class Donor(models.Model):
    """Who gives: an organization, an enterprise or a person (爱心人士). Registered at a station.

    The phone is personal data for an individual and a business contact otherwise; it is
    stored encrypted for all, with the masked form beside it (lists never decrypt)."""

    station = models.ForeignKey(
        Station, on_delete=models.PROTECT, related_name="+", verbose_name=_("station")
    )
    region_code = models.BigIntegerField(_("division code"))
    kind = models.CharField(_("kind"), max_length=20, choices=DonorKind.choices)
    name = models.CharField(_("name"), max_length=200)
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("registered organization"),
    )
    contact_person = models.CharField(_("contact person"), max_length=50, blank=True)
    phone = EncryptedTextField(_("phone"), blank=True)
    phone_masked = models.CharField(_("phone"), max_length=20, blank=True, editable=False)
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_by = _recorded_by(_("registered by"))
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)

    scope_field = "region_code"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("donor")
        verbose_name_plural = _("donors")
        indexes = [models.Index(fields=["region_code", "name"])]

    def __str__(self) -> str:
        return self.name


class DonationKind(models.TextChoices):
    MONEY = "money", _("money")
    GOODS = "goods", _("goods")
    SERVICE = "service", _("service")


class ItemCategory(models.TextChoices):
    CLOTHES = "clothes", _("clothes and bedding")
    BOOKS = "books", _("books")
    SCHOOL_SUPPLIES = "school_supplies", _("school supplies")
    FOOD = "food", _("food and grain")
    DAILY = "daily", _("daily necessities")
    HEALTH = "health", _("health and care supplies")
    OTHER = "other", _("other goods")


class Donation(models.Model):
    """Money, goods (lines of items) or a service received by a station on a day.

    `value` is the amount for money and the estimated value for goods and services (may be 0).
    Money may be paid into one of the station's funds: the fund's income entry names the
    donation (`FundEntry.donation`)."""

    station = models.ForeignKey(
        Station, on_delete=models.PROTECT, related_name="+", verbose_name=_("station")
    )
    region_code = models.BigIntegerField(_("division code"))
    donor = models.ForeignKey(
        Donor,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="donations",
        verbose_name=_("donor"),
        help_text=_("Leave empty for an anonymous donation."),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=DonationKind.choices)
    received_on = models.DateField(_("received on"))
    value = models.DecimalField(_("value (yuan)"), **MONEY)
    description = models.TextField(_("description"), blank=True)
    recorded_by = _recorded_by(_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    scope_field = "region_code"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-received_on", "-id"]
        verbose_name = _("donation")
        verbose_name_plural = _("donations")
        indexes = [
            models.Index(fields=["region_code", "received_on"]),
            models.Index(fields=["station", "received_on"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(value__gte=0), name="donation_value_not_negative"),
            models.CheckConstraint(
                condition=~Q(kind="money") | Q(value__gt=0), name="donation_money_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.received_on} {self.get_kind_display()} {self.value}"


class StockItem(models.Model):
    """One kind of goods (name and unit) held by a station, with the quantity on hand."""

    station = models.ForeignKey(
        Station, on_delete=models.PROTECT, related_name="+", verbose_name=_("station")
    )
    region_code = models.BigIntegerField(_("division code"))
    name = models.CharField(_("item"), max_length=100)
    unit = models.CharField(_("unit"), max_length=20)
    category = models.CharField(_("category"), max_length=20, choices=ItemCategory.choices)
    quantity = models.DecimalField(_("in stock"), default=0, **QUANTITY)
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)

    scope_field = "region_code"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["category", "name", "unit"]
        verbose_name = _("stock item")
        verbose_name_plural = _("stock")
        constraints = [
            models.UniqueConstraint(fields=["station", "name", "unit"], name="stock_item_unique"),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="stock_not_negative"),
        ]
        indexes = [models.Index(fields=["region_code", "category"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.unit})"


class DonationLine(models.Model):
    donation = models.ForeignKey(Donation, on_delete=models.PROTECT, related_name="lines")
    item = models.ForeignKey(StockItem, on_delete=models.PROTECT, related_name="donation_lines")
    quantity = models.DecimalField(_("quantity"), **QUANTITY)

    class Meta:
        ordering = ["id"]
        verbose_name = _("donated item")
        verbose_name_plural = _("donated items")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="donation_line_positive")
        ]

    def __str__(self) -> str:
        return f"{self.item_id} × {self.quantity}"


class RecipientKind(models.TextChoices):
    PERSON = "person", _("person")
    HOUSEHOLD = "household", _("household")
    ACTIVITY = "activity", _("activity")


class Allocation(models.Model):
    """What a station gave to a person, a household or an activity on a day: goods from its
    stock (lines), money from one of its funds (an expense entry of that fund) or a service.

    An allocation to a person is one person-time (人次) for that person."""

    station = models.ForeignKey(
        Station, on_delete=models.PROTECT, related_name="+", verbose_name=_("station")
    )
    region_code = models.BigIntegerField(_("division code"))
    kind = models.CharField(_("kind"), max_length=10, choices=DonationKind.choices)
    person = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="resource_allocations",
        verbose_name=_("person"),
    )
    household = models.ForeignKey(
        Household,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="resource_allocations",
        verbose_name=_("household"),
    )
    activity = models.ForeignKey(
        Activity,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("activity"),
    )
    allocated_on = models.DateField(_("date"))
    value = models.DecimalField(_("value (yuan)"), default=0, **MONEY)
    description = models.TextField(_("description"), blank=True)
    fund_entry = models.OneToOneField(
        FundEntry,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="allocation",
        verbose_name=_("fund entry"),
    )
    recorded_by = _recorded_by(_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    scope_field = "region_code"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-allocated_on", "-id"]
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        indexes = [
            models.Index(fields=["region_code", "allocated_on"]),
            models.Index(fields=["station", "allocated_on"]),
            models.Index(fields=["person", "allocated_on"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(person__isnull=False, household__isnull=True, activity__isnull=True)
                | Q(person__isnull=True, household__isnull=False, activity__isnull=True)
                | Q(person__isnull=True, household__isnull=True, activity__isnull=False),
                name="allocation_one_recipient",
            ),
            models.CheckConstraint(condition=Q(value__gte=0), name="allocation_value_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.allocated_on} {self.get_kind_display()}"

    @property
    def recipient_kind(self) -> str:
        if self.person_id:
            return RecipientKind.PERSON
        if self.household_id:
            return RecipientKind.HOUSEHOLD
        return RecipientKind.ACTIVITY


class AllocationLine(models.Model):
    allocation = models.ForeignKey(Allocation, on_delete=models.PROTECT, related_name="lines")
    item = models.ForeignKey(StockItem, on_delete=models.PROTECT, related_name="allocation_lines")
    quantity = models.DecimalField(_("quantity"), **QUANTITY)

    class Meta:
        ordering = ["id"]
        verbose_name = _("allocated item")
        verbose_name_plural = _("allocated items")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="allocation_line_positive")
        ]

    def __str__(self) -> str:
        return f"{self.item_id} × {self.quantity}"


class ServiceOffering(models.Model):
    """One line of a station's list of services offered (服务清单): what, for whom, when."""

    station = models.ForeignKey(
        Station, on_delete=models.CASCADE, related_name="+", verbose_name=_("station")
    )
    region_code = models.BigIntegerField(_("division code"))
    name = models.CharField(_("service"), max_length=100)
    domain = models.CharField(_("service domain"), max_length=30, choices=ServiceDomain.choices)
    description = models.TextField(_("description"), blank=True)
    target_group = models.CharField(_("for whom"), max_length=200, blank=True)
    schedule = models.CharField(_("when"), max_length=200, blank=True)
    active = models.BooleanField(_("offered now"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=100)
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)

    scope_field = "region_code"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["order", "domain", "name", "id"]
        verbose_name = _("service offered")
        verbose_name_plural = _("services offered")
        indexes = [models.Index(fields=["station", "order"])]
        constraints = [
            models.UniqueConstraint(fields=["station", "name"], name="service_offering_unique")
        ]

    def __str__(self) -> str:
        return self.name
