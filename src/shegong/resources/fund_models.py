"""Fund ledgers: a community fund (社区基金) or charity fund (慈善资金) of a station or community.

A fund's entries are append-only: the ORM refuses update and delete, and database triggers
(migration 0002, PostgreSQL and SQLite) refuse UPDATE and DELETE whatever code runs. A mistake
is corrected by a reversal: a new entry of the same amount in the other direction that names
the entry it reverses (each entry can be reversed once; a reversal cannot be reversed).

Balance: entries of a fund are numbered 1, 2, 3 … (`seq`, unique per fund) and each stores the
balance after it (`balance_after`). The services append under a row lock of the fund, so the
balance is the `balance_after` of the entry with the highest `seq`: one read of the (fund, seq)
index, however long the ledger; so are the totals (`income_to_date`). `fund_selectors.verify`
recomputes both with SUM as the check.
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shegong.core.models import Attachment, ScopedQuerySet
from shegong.regions.models import Region, Station

__all__ = ["EntryDirection", "Fund", "FundEntry", "FundKind", "IncomeSource"]

MONEY: dict[str, Any] = {"max_digits": 14, "decimal_places": 2}
# Attachments uploaded as receipts belong to the fund (`Attachment.owner_type`, owner = fund).
FUND_OWNER = "resources.fund"


class FundKind(models.TextChoices):
    COMMUNITY = "community", _("community fund (社区基金)")
    CHARITY = "charity", _("charity fund (慈善资金)")


class Fund(models.Model):
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
        help_text=_("For a community's own fund; leave empty for the station's fund."),
    )
    region_code = models.BigIntegerField(_("division code"))
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=FundKind.choices)
    receipt_required = models.BooleanField(
        _("expenses need a receipt"),
        default=True,
        help_text=_("Every expense must come with a photo or PDF of its receipt."),
    )
    allow_negative = models.BooleanField(
        _("may go below zero"),
        default=False,
        help_text=_("Leave off unless the fund may advance money it has not received yet."),
    )
    opened_on = models.DateField(_("opened on"))
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("opened by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    scope_field = "region_code"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("fund")
        verbose_name_plural = _("funds")
        indexes = [models.Index(fields=["region_code", "name"])]
        constraints = [models.UniqueConstraint(fields=["station", "name"], name="fund_name_unique")]

    def __str__(self) -> str:
        return self.name


class EntryDirection(models.TextChoices):
    INCOME = "income", _("income")
    EXPENSE = "expense", _("expense")


class IncomeSource(models.TextChoices):
    LOTTERY = "lottery_outlet", _("lottery outlet (彩票代售点)")
    ENTERPRISE = "enterprise", _("enterprise")
    RESIDENTS = "residents", _("residents")
    ORGANIZATION = "organization", _("social organization")
    GOVERNMENT = "government", _("government")
    OTHER = "other", _("other source")


class FundEntryQuerySet(ScopedQuerySet):
    def update(self, **kwargs: Any) -> NoReturn:
        raise PermissionError("fund ledger entries are append-only")

    def delete(self) -> NoReturn:
        raise PermissionError("fund ledger entries are append-only")

    def bulk_update(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise PermissionError("fund ledger entries are append-only")


class FundEntry(models.Model):
    """One line of a fund's ledger. Never changed, never deleted."""

    # Indexed by the unique (fund, seq) constraint, which also serves the balance read.
    fund = models.ForeignKey(
        Fund,
        on_delete=models.PROTECT,
        related_name="entries",
        verbose_name=_("fund"),
        db_index=False,
    )
    region_code = models.BigIntegerField(_("division code"))
    seq = models.PositiveIntegerField(_("no."))
    direction = models.CharField(_("direction"), max_length=10, choices=EntryDirection.choices)
    amount = models.DecimalField(_("amount (yuan)"), **MONEY)
    balance_after = models.DecimalField(_("balance (yuan)"), **MONEY)
    # All income up to and including this entry (reversals of expenses count as income), so the
    # fund's totals are one read too: expenses to date = income_to_date - balance_after.
    income_to_date = models.DecimalField(
        _("income to date (yuan)"), max_digits=16, decimal_places=2
    )
    occurred_on = models.DateField(_("date"))
    source = models.CharField(_("source"), max_length=20, choices=IncomeSource.choices, blank=True)
    purpose = models.CharField(_("purpose"), max_length=500, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    reverses = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversal",
        verbose_name=_("reverses"),
    )
    receipt = models.OneToOneField(
        Attachment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("receipt"),
    )
    donation = models.OneToOneField(
        "resources.Donation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="fund_entry",
        verbose_name=_("donation"),
    )
    # Like the audit log: the row never changes, so no ON DELETE SET NULL (users are disabled,
    # not deleted) and no database-level constraint that could try to change it.
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    scope_field = "region_code"
    objects = FundEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-seq"]
        verbose_name = _("fund entry")
        verbose_name_plural = _("fund entries")
        constraints = [
            models.UniqueConstraint(fields=["fund", "seq"], name="fund_entry_seq_unique"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="fund_entry_amount_positive"),
            models.CheckConstraint(condition=Q(seq__gte=1), name="fund_entry_seq_positive"),
            models.CheckConstraint(
                condition=Q(direction="income") | Q(source=""),
                name="fund_entry_source_on_income",
            ),
        ]
        indexes = [models.Index(fields=["region_code", "occurred_on"])]

    def __str__(self) -> str:
        return f"{self.fund_id}#{self.seq} {self.direction} {self.amount}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise PermissionError("fund ledger entries are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise PermissionError("fund ledger entries are append-only")

    @property
    def signed_amount(self) -> Any:
        return self.amount if self.direction == EntryDirection.INCOME else -self.amount

    @property
    def is_reversal(self) -> bool:
        return self.reverses_id is not None
