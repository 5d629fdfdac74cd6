"""Reads of funds and their ledgers.

The balance is the `balance_after` of the newest entry: one read of the unique (fund, seq)
index, as fast with 100,000 entries as with one. `verify` is the check behind it: the sum of all
entries, the running balances and the numbering, recomputed from the rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import DecimalField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from shegong.core import attachments, audit
from shegong.core.models import Attachment
from shegong.core.perms import FUND_VIEW

from .fund_models import FUND_OWNER, EntryDirection, Fund, FundEntry

ZERO = Decimal("0.00")
CENT = Decimal("0.01")


def _yuan(value: Any) -> Decimal:
    """A sum as yuan with 2 decimals (SQLite returns sums as plain numbers)."""
    return Decimal(value or 0).quantize(CENT)


def _newest_balance() -> Subquery:
    return Subquery(
        FundEntry.objects.filter(fund=OuterRef("pk")).order_by("-seq").values("balance_after")[:1]
    )


def funds_for(user: Any, perm: str = FUND_VIEW) -> QuerySet[Fund]:
    """Funds in scope, each with its `balance` (one index read per fund)."""
    return (
        Fund.objects.visible_to(user, perm)
        .select_related("station", "community")
        .annotate(
            balance=Coalesce(
                _newest_balance(),
                Value(ZERO),
                output_field=DecimalField(max_digits=14, decimal_places=2),
            )
        )
    )


def get_fund_for(user: Any, pk: int, perm: str = FUND_VIEW) -> Fund:
    fund = funds_for(user, perm).filter(pk=pk).first()
    if fund is None:
        raise audit.not_found(user, what="fund", key=pk)
    return fund


def balance(fund: Fund | int) -> Decimal:
    """The fund's balance now."""
    value = (
        FundEntry.objects.filter(fund=fund).order_by("-seq").values_list("balance_after", flat=True)
    ).first()
    return value if value is not None else ZERO


def ledger(fund: Fund) -> QuerySet[FundEntry]:
    """The fund's entries, newest first, with who recorded them, what they reverse and what
    reversed them (`entry.reversal`; absent when none)."""
    return (
        FundEntry.objects.filter(fund=fund)
        .select_related("recorded_by", "reverses", "reversal")
        .order_by("-seq")
    )


def get_entry_for(user: Any, pk: int, perm: str = FUND_VIEW) -> FundEntry:
    entry = (
        FundEntry.objects.visible_to(user, perm)
        .filter(pk=pk)
        .select_related("fund__station", "reverses")
        .first()
    )
    if entry is None:
        raise audit.not_found(user, what="fund entry", key=pk)
    return entry


@dataclass(frozen=True)
class Totals:
    income: Decimal
    expense: Decimal

    @property
    def balance(self) -> Decimal:
        return self.income - self.expense


@dataclass(frozen=True)
class Head:
    """The newest entry's figures: how many entries, the totals."""

    entries: int
    totals: Totals


def head(fund: Fund) -> Head:
    """Entry count and totals (reversals included) in one read of the newest entry."""
    last = (
        FundEntry.objects.filter(fund=fund)
        .order_by("-seq")
        .values_list("seq", "income_to_date", "balance_after")
        .first()
    )
    if last is None:
        return Head(0, Totals(ZERO, ZERO))
    seq, income, balance_after = last
    return Head(seq, Totals(_yuan(income), _yuan(income - balance_after)))


def totals(fund: Fund) -> Totals:
    """All income and all expenses to date (reversals included): one index read."""
    return head(fund).totals


def _is(direction: str) -> Q:
    return Q(direction=direction)


@dataclass
class LedgerCheck:
    balance: Decimal
    total: Decimal
    entries: int
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(fund: Fund) -> LedgerCheck:
    """Recompute the ledger from its rows: numbered 1…n without gaps, each balance the one
    before plus its signed amount, the newest balance the sum of all entries, never below zero
    where the fund forbids it, each reversal the mirror of the entry it reverses."""
    rows = list(
        FundEntry.objects.filter(fund=fund)
        .order_by("seq")
        .values_list(
            "pk", "seq", "direction", "amount", "balance_after", "reverses_id", "income_to_date"
        )
    )
    by_pk = {r[0]: r for r in rows}
    problems: list[str] = []
    running = income = ZERO
    for expected, row in enumerate(rows, start=1):
        _pk, seq, direction, amount, after, reverses, income_to_date = row
        if seq != expected:
            problems.append(_("entry %(seq)s: expected number %(n)s") % {"seq": seq, "n": expected})
        if amount <= 0:
            problems.append(_("entry %(seq)s: the amount is not positive") % {"seq": seq})
        running += amount if direction == EntryDirection.INCOME else -amount
        income += amount if direction == EntryDirection.INCOME else ZERO
        if after != running:
            problems.append(
                _("entry %(seq)s: balance %(b)s, expected %(e)s")
                % {"seq": seq, "b": after, "e": running}
            )
        if income_to_date != income:
            problems.append(
                _("entry %(seq)s: income to date %(b)s, expected %(e)s")
                % {"seq": seq, "b": income_to_date, "e": income}
            )
        if running < 0 and not fund.allow_negative:
            problems.append(_("entry %(seq)s: the balance is below zero") % {"seq": seq})
        if reverses is not None:
            original = by_pk.get(reverses)
            if original is None or original[3] != amount or original[2] == direction:
                problems.append(
                    _("entry %(seq)s: not the mirror of the entry it reverses") % {"seq": seq}
                )
    signed = FundEntry.objects.filter(fund=fund).aggregate(
        i=Sum("amount", filter=_is(EntryDirection.INCOME)),
        e=Sum("amount", filter=_is(EntryDirection.EXPENSE)),
    )
    total = _yuan(signed["i"]) - _yuan(signed["e"])
    stored = balance(fund)
    if stored != total:
        problems.append(
            _("the balance %(b)s differs from the sum of the entries %(s)s")
            % {"b": stored, "s": total}
        )
    if totals(fund).income != _yuan(signed["i"]):
        problems.append(_("the income to date differs from the sum of the income entries"))
    return LedgerCheck(balance=stored, total=total, entries=len(rows), problems=problems)


def get_receipt_for(user: Any, pk: int) -> Attachment:
    """A fund's receipt, for those who may see the fund; 404 and an audit row otherwise."""
    return attachments.get_for(user, pk, FUND_VIEW, owner_type=FUND_OWNER)
