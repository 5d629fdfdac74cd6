"""Writes to fund ledgers: opening a fund, income, expenses with receipts, reversals.

Every entry is appended by `_append` under a row lock of the fund (SELECT … FOR UPDATE on
PostgreSQL; SQLite's IMMEDIATE transactions serialize writers): it reads the last entry, numbers
the new one `seq + 1` and stores the balance after it. A fund that may not go below zero
refuses an expense or reversal that would take it there ("insufficient"), and nothing is saved.

Who may do what: income (a donation paid in, residents' collection) needs FUND_RECORD where the
fund is; opening a fund, spending from it and reversing entries need FUND_MANAGE (the station
head). Receipts are photos or PDFs stored through core.attachments as attachments of the fund
(`FUND_OWNER`); an entry names its receipt, and a receipt serves one entry only.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from shegong.accounts.models import as_user
from shegong.core import attachments, audit
from shegong.core.models import Attachment, scope_of
from shegong.core.perms import FUND_MANAGE, FUND_RECORD
from shegong.regions.models import Level, Region, Station

from . import checks
from .fund_models import FUND_OWNER, EntryDirection, Fund, FundEntry, FundKind, IncomeSource


def _audit(actor: Any, action: str, obj: Any, region_code: int, **details: Any) -> None:
    audit.record(actor=actor, action=action, obj=obj, region_code=region_code, details=details)


def _require(actor: Any, perm: str, fund: Fund, message: str) -> None:
    if not scope_of(actor, perm).contains(fund.region_code):
        raise checks.forbidden(message)


# --- funds ---------------------------------------------------------------------------------
@transaction.atomic
def open_fund(
    *,
    actor: Any,
    station: Station,
    name: str,
    kind: str,
    community: Region | None = None,
    receipt_required: bool = True,
    allow_negative: bool = False,
    opened_on: dt.date | None = None,
    note: str = "",
) -> Fund:
    """Open a fund of the station, or of one community it serves (`community`)."""
    region_code = community.code if community is not None else station.region_id
    if not scope_of(actor, FUND_MANAGE).contains(region_code):
        raise checks.forbidden(_("You may not open funds here."))
    errors: dict[str, Any] = {}
    name = checks.text(errors, "name", name, required=True, max_length=100)
    checks.choice(errors, "kind", kind, FundKind)
    opened_on = checks.day(errors, "opened_on", opened_on)
    note = checks.text(errors, "note", note, max_length=500)
    if community is not None:
        served = [r.range for r in station.current_service_areas()]
        if community.level != Level.VILLAGE or not any(community.code in r for r in served):
            errors["community"] = _("Choose a community the station serves.")
    if name and Fund.objects.filter(station=station, name=name).exists():
        errors["name"] = ValidationError(
            _("The station already has a fund of this name."), code="duplicate"
        )
    checks.raise_if(errors)
    fund = Fund.objects.create(
        station=station,
        community=community,
        region_code=region_code,
        name=name,
        kind=kind,
        receipt_required=receipt_required,
        allow_negative=allow_negative,
        opened_on=opened_on,
        note=note,
        created_by=as_user(actor),
    )
    _audit(actor, "fund.open", fund, fund.region_code, kind=kind, station=station.code)
    return fund


# --- the ledger ----------------------------------------------------------------------------
def _append(
    *,
    actor: Any,
    fund: Fund,
    direction: str,
    amount: Decimal,
    occurred_on: dt.date,
    error_field: str = "amount",
    **fields: Any,
) -> FundEntry:
    """Append one entry under the fund's row lock; refuses (at `field`, code "insufficient") a
    balance below zero where the fund forbids it. Validation of the inputs is the caller's."""
    locked = Fund.objects.select_for_update().get(pk=fund.pk)
    last = (
        FundEntry.objects.filter(fund=locked)
        .order_by("-seq")
        .values_list("seq", "balance_after", "income_to_date")
    ).first()
    seq, balance, income = last if last is not None else (0, Decimal(0), Decimal(0))
    signed = amount if direction == EntryDirection.INCOME else -amount
    after = balance + signed
    income += amount if direction == EntryDirection.INCOME else 0
    if after < 0 and not locked.allow_negative:
        raise checks.error(
            error_field,
            _("The fund holds only %(balance)s yuan: it cannot pay out %(amount)s.")
            % {"balance": f"{balance:,.2f}", "amount": f"{amount:,.2f}"},
            "insufficient",
        )
    if abs(after) > checks.MAX_MONEY or income > checks.MAX_TOTAL:
        raise checks.error("amount", _("The amount is too large."), "too_large")
    return FundEntry.objects.create(
        fund=locked,
        region_code=locked.region_code,
        seq=seq + 1,
        direction=direction,
        amount=amount,
        balance_after=after,
        income_to_date=income,
        occurred_on=occurred_on,
        recorded_by=as_user(actor),
        **fields,
    )


@transaction.atomic
def record_income(
    *,
    actor: Any,
    fund: Fund,
    amount: Any,
    source: str,
    occurred_on: dt.date | None = None,
    note: str = "",
    donation: Any = None,
) -> FundEntry:
    """Money received into the fund from a source (lottery outlet, enterprise, residents …)."""
    _require(actor, FUND_RECORD, fund, _("You may not record income of this fund."))
    errors: dict[str, Any] = {}
    value = checks.money(errors, "amount", amount)
    checks.choice(errors, "source", source, IncomeSource)
    occurred_on = checks.day(errors, "occurred_on", occurred_on, not_before=fund.opened_on)
    note = checks.text(errors, "note", note, max_length=500)
    checks.raise_if(errors)
    entry = _append(
        actor=actor,
        fund=fund,
        direction=EntryDirection.INCOME,
        amount=value,
        occurred_on=occurred_on,
        source=source,
        note=note,
        donation=donation,
    )
    _audit(
        actor,
        "fund.income",
        entry,
        fund.region_code,
        fund=fund.pk,
        seq=entry.seq,
        amount=str(value),
        source=source,
    )
    return entry


def check_receipt_upload(upload: Any, field: str = "receipt") -> None:
    """Refuse (at `field`) a file that is not a photo or PDF or is too large; writes nothing."""
    try:
        attachments.prepare(upload)
    except ValidationError as e:
        messages = e.message_dict.get("upload") if hasattr(e, "error_dict") else e.messages
        raise ValidationError({field: messages or e.messages}) from e


def _usable_receipt(fund: Fund, receipt: Attachment) -> bool:
    return (
        receipt.owner_type == FUND_OWNER
        and receipt.owner_id == fund.pk
        and not FundEntry.objects.filter(receipt=receipt).exists()
    )


def _store_receipt(actor: Any, fund: Fund, upload: Any) -> Attachment:
    return attachments.store(
        actor=actor,
        owner_type=FUND_OWNER,
        owner_id=fund.pk,
        region_code=fund.region_code,
        upload=upload,
        caption=_("receipt"),
        perm=FUND_MANAGE,
    )


def _forget_files(stored: Attachment | None) -> None:
    if stored is None:
        return
    files = attachments.storage()
    for name in (stored.file.name, stored.thumbnail.name):
        if name:
            files.delete(name)


@transaction.atomic
def upload_receipt(*, actor: Any, fund: Fund, upload: Any) -> Attachment:
    """Store a receipt for a later expense (the API's first step; web forms upload with the
    expense). Needs FUND_MANAGE where the fund is."""
    _require(actor, FUND_MANAGE, fund, _("You may not post expenses of this fund."))
    if upload is None:
        raise checks.error("receipt", _("Choose a file or take a photo."), "required")
    check_receipt_upload(upload)
    return _store_receipt(actor, fund, upload)


def spend(
    *,
    actor: Any,
    fund: Fund,
    amount: Decimal,
    purpose: str,
    occurred_on: dt.date,
    note: str = "",
    receipt: Attachment | None = None,
    receipt_upload: Any = None,
    error_field: str = "amount",
) -> FundEntry:
    """The expense entry itself, for `record_expense` and for money allocations (which check
    their own inputs and write their own audit row). Must run inside a transaction."""
    stored: Attachment | None = None
    try:
        if receipt_upload is not None:
            stored = receipt = _store_receipt(actor, fund, receipt_upload)
        return _append(
            actor=actor,
            fund=fund,
            direction=EntryDirection.EXPENSE,
            amount=amount,
            occurred_on=occurred_on,
            purpose=purpose,
            note=note,
            receipt=receipt,
            error_field=error_field,
        )
    except BaseException:
        _forget_files(stored)  # the rows go with the transaction; the files would stay
        raise


def check_expense_receipt(
    errors: dict[str, Any],
    fund: Fund,
    receipt: Attachment | None,
    receipt_upload: Any,
) -> None:
    """The receipt rules of an expense, into `errors["receipt"]`."""
    if receipt is not None and not _usable_receipt(fund, receipt):
        errors["receipt"] = ValidationError(
            _("This receipt does not belong to this fund or is already used."), code="invalid"
        )
    elif receipt_upload is not None:
        try:
            check_receipt_upload(receipt_upload)
        except ValidationError as e:
            errors["receipt"] = e.message_dict["receipt"]
    elif receipt is None and fund.receipt_required:
        errors["receipt"] = ValidationError(
            _("This fund needs a receipt (photo or PDF) for every expense."), code="required"
        )


@transaction.atomic
def record_expense(
    *,
    actor: Any,
    fund: Fund,
    amount: Any,
    purpose: str,
    occurred_on: dt.date | None = None,
    note: str = "",
    receipt: Attachment | None = None,
    receipt_upload: Any = None,
) -> FundEntry:
    """Money paid out of the fund for a purpose, with its receipt (a stored one, `receipt`, or a
    file, `receipt_upload`); required where the fund says so."""
    _require(actor, FUND_MANAGE, fund, _("You may not post expenses of this fund."))
    errors: dict[str, Any] = {}
    value = checks.money(errors, "amount", amount)
    purpose = checks.text(errors, "purpose", purpose, required=True, max_length=500)
    occurred_on = checks.day(errors, "occurred_on", occurred_on, not_before=fund.opened_on)
    note = checks.text(errors, "note", note, max_length=500)
    check_expense_receipt(errors, fund, receipt, receipt_upload)
    checks.raise_if(errors)
    entry = spend(
        actor=actor,
        fund=fund,
        amount=value,
        purpose=purpose,
        occurred_on=occurred_on,
        note=note,
        receipt=receipt,
        receipt_upload=receipt_upload,
    )
    _audit(
        actor,
        "fund.expense",
        entry,
        fund.region_code,
        fund=fund.pk,
        seq=entry.seq,
        amount=str(value),
        receipt=entry.receipt_id,
    )
    return entry


@transaction.atomic
def reverse_entry(
    *, actor: Any, entry: FundEntry, reason: str, occurred_on: dt.date | None = None
) -> FundEntry:
    """Correct a mistaken entry: a new entry of the same amount in the other direction, naming
    the one it reverses. An entry is reversed at most once; a reversal is not reversed (post a
    new entry instead). A fund that may not go below zero refuses a reversal that would."""
    fund = entry.fund
    _require(actor, FUND_MANAGE, fund, _("You may not correct entries of this fund."))
    errors: dict[str, Any] = {}
    reason = checks.text(errors, "reason", reason, required=True, max_length=500)
    occurred_on = checks.day(errors, "occurred_on", occurred_on, not_before=entry.occurred_on)
    if entry.reverses_id is not None:
        errors["entry"] = ValidationError(
            _("A reversal cannot be reversed: record a new entry instead."), code="is_reversal"
        )
    elif FundEntry.objects.filter(reverses=entry).exists():
        errors["entry"] = ValidationError(
            _("This entry has already been reversed."), code="already_reversed"
        )
    checks.raise_if(errors)
    direction = (
        EntryDirection.EXPENSE
        if entry.direction == EntryDirection.INCOME
        else EntryDirection.INCOME
    )
    reversal = _append(
        actor=actor,
        fund=fund,
        direction=direction,
        amount=entry.amount,
        occurred_on=occurred_on,
        purpose=reason if direction == EntryDirection.EXPENSE else "",
        note=reason,
        reverses=entry,
        error_field="entry",
    )
    _audit(
        actor,
        "fund.reverse",
        reversal,
        fund.region_code,
        fund=fund.pk,
        seq=reversal.seq,
        reverses=entry.seq,
        amount=str(entry.amount),
    )
    return reversal


def post_entry(
    *,
    actor: Any,
    fund: Fund,
    direction: str,
    amount: Any,
    occurred_on: dt.date | None = None,
    source: str = "",
    purpose: str = "",
    note: str = "",
    receipt: Attachment | None = None,
    receipt_upload: Any = None,
) -> FundEntry:
    """Income or expense by `direction` (the entry form and the API)."""
    if direction == EntryDirection.INCOME:
        return record_income(
            actor=actor,
            fund=fund,
            amount=amount,
            source=source,
            occurred_on=occurred_on,
            note=note,
        )
    if direction == EntryDirection.EXPENSE:
        return record_expense(
            actor=actor,
            fund=fund,
            amount=amount,
            purpose=purpose,
            occurred_on=occurred_on,
            note=note,
            receipt=receipt,
            receipt_upload=receipt_upload,
        )
    raise checks.error("direction", _("Choose income or expense."), "invalid_choice")
