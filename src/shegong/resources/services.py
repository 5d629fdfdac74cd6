"""Writes for donors, donations, stock and allocations (资源清单).

Stock moves only here: a donation of goods adds its lines to the station's stock items (made on
first use, by name and unit), an allocation of goods takes its lines out. The items an
allocation touches are locked (SELECT … FOR UPDATE, in id order so that two allocations cannot
deadlock) before anything is checked: allocating more than is in stock is refused at `lines`
(code "insufficient") and nothing is saved. Money allocations are expenses of one of the
station's funds (fund_services.spend), so the ledger and the allocation are one transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from shegong.accounts.models import as_user
from shegong.community.models import Activity
from shegong.core import audit
from shegong.core.models import Attachment, scope_of
from shegong.core.normalize import CellError
from shegong.core.normalize import phone as normalize_phone
from shegong.core.perms import FUND_MANAGE, RESOURCE_MANAGE
from shegong.people.models import Household, Person, PersonStatus
from shegong.people.services import mask_phone
from shegong.regions.models import Organization, Station

from . import checks, fund_services
from .fund_models import Fund, IncomeSource
from .models import (
    Allocation,
    AllocationLine,
    Donation,
    DonationKind,
    DonationLine,
    Donor,
    DonorKind,
    ItemCategory,
    StockItem,
)


@dataclass(frozen=True)
class GoodsIn:
    """One line of a donation of goods: what, how much, in which unit."""

    name: str
    unit: str
    quantity: Any
    category: str = ItemCategory.OTHER


@dataclass(frozen=True)
class ItemOut:
    """One line of an allocation: a stock item of the station and how much of it."""

    item: StockItem
    quantity: Any


def _require_station(actor: Any, station: Station, message: str) -> None:
    if not scope_of(actor, RESOURCE_MANAGE).contains(station.region_id):
        raise checks.forbidden(message)


# --- donors --------------------------------------------------------------------------------
def _phone(errors: dict[str, Any], raw: str) -> str:
    raw = (raw or "").strip()
    if not raw:
        return ""
    try:
        return normalize_phone(raw)
    except CellError as e:
        errors["phone"] = ValidationError(str(e), code="invalid")
        return ""


def _donor_fields(errors: dict[str, Any], actor: Any, data: dict[str, Any]) -> dict[str, Any]:
    kind = checks.choice(errors, "kind", data.get("kind"), DonorKind)
    org = data.get("organization")
    if org is not None:
        if kind == DonorKind.INDIVIDUAL:
            errors["organization"] = _("An individual donor is not an organization.")
        elif not Organization.objects.visible_to(actor).filter(pk=org.pk).exists():
            errors["organization"] = _("Choose an organization of your area.")
    return {
        "kind": kind,
        "name": checks.text(errors, "name", data.get("name"), required=True, max_length=200),
        "organization": org,
        "contact_person": checks.text(
            errors, "contact_person", data.get("contact_person"), max_length=50
        ),
        "note": checks.text(errors, "note", data.get("note"), max_length=500),
    }


@transaction.atomic
def register_donor(
    *,
    actor: Any,
    station: Station,
    kind: str,
    name: str,
    organization: Organization | None = None,
    contact_person: str = "",
    phone: str = "",
    note: str = "",
) -> Donor:
    """A donor known to the station. The phone is stored encrypted, with its masked form."""
    _require_station(actor, station, _("You may not register donors for this station."))
    errors: dict[str, Any] = {}
    fields = _donor_fields(
        errors,
        actor,
        {
            "kind": kind,
            "name": name,
            "organization": organization,
            "contact_person": contact_person,
            "note": note,
        },
    )
    number = _phone(errors, phone)
    checks.raise_if(errors)
    donor = Donor.objects.create(
        station=station,
        region_code=station.region_id,
        phone=number,
        phone_masked=mask_phone(number),
        created_by=as_user(actor),
        **fields,
    )
    audit.record(actor=actor, action="donor.register", obj=donor, region_code=donor.region_code)
    return donor


@transaction.atomic
def update_donor(*, actor: Any, donor: Donor, phone: str | None = None, **data: Any) -> Donor:
    """Change a donor's details (`phone=None` keeps the stored phone; "" removes it)."""
    if not scope_of(actor, RESOURCE_MANAGE).contains(donor.region_code):
        raise checks.forbidden(_("You may not change this donor."))
    errors: dict[str, Any] = {}
    current = {
        "kind": donor.kind,
        "name": donor.name,
        "organization": donor.organization,
        "contact_person": donor.contact_person,
        "note": donor.note,
    }
    fields = _donor_fields(errors, actor, {**current, **data})
    number = _phone(errors, phone) if phone is not None else None
    checks.raise_if(errors)
    for key, value in fields.items():
        setattr(donor, key, value)
    if number is not None:
        donor.phone = number
        donor.phone_masked = mask_phone(number)
    donor.save()
    audit.record(actor=actor, action="donor.update", obj=donor, region_code=donor.region_code)
    return donor


def reveal_donor_phone(*, actor: Any, donor: Donor) -> str:
    """The full phone, for those who manage the donor's station; the reveal is audited."""
    if not scope_of(actor, RESOURCE_MANAGE).contains(donor.region_code):
        raise checks.forbidden(_("You may not see full phone numbers here."))
    audit.record(actor=actor, action="donor.reveal_phone", obj=donor, region_code=donor.region_code)
    return donor.phone


# --- donations -----------------------------------------------------------------------------
def _stock_item(station: Station, line: GoodsIn) -> StockItem:
    """The station's item of this name and unit, locked; made on first use."""
    item, _created = StockItem.objects.select_for_update().get_or_create(
        station=station,
        name=line.name,
        unit=line.unit,
        defaults={"region_code": station.region_id, "category": line.category},
    )
    return item


def _goods_lines(errors: dict[str, Any], lines: Sequence[GoodsIn]) -> list[GoodsIn]:
    clean: list[GoodsIn] = []
    problems: list[str] = []
    for n, line in enumerate(lines, start=1):
        e: dict[str, Any] = {}
        name = checks.text(e, "name", line.name, required=True, max_length=100)
        unit = checks.text(e, "unit", line.unit, required=True, max_length=20)
        qty = checks.quantity(e, "quantity", line.quantity)
        category = line.category or ItemCategory.OTHER
        checks.choice(e, "category", category, ItemCategory)
        for err in e.values():
            for message in ValidationError(err).messages:
                problems.append(_("Line %(n)d: %(message)s") % {"n": n, "message": message})
        clean.append(GoodsIn(name=name, unit=unit, quantity=qty, category=category))
    if problems:
        errors["lines"] = problems
    elif not clean:
        errors["lines"] = ValidationError(
            _("List at least one item with its quantity."), code="required"
        )
    return clean


_SOURCE_OF_DONOR: dict[str, str] = {
    DonorKind.ENTERPRISE: IncomeSource.ENTERPRISE,
    DonorKind.ORGANIZATION: IncomeSource.ORGANIZATION,
    DonorKind.INDIVIDUAL: IncomeSource.RESIDENTS,
}


@transaction.atomic
def record_donation(
    *,
    actor: Any,
    station: Station,
    kind: str,
    value: Any,
    received_on: dt.date | None = None,
    donor: Donor | None = None,
    description: str = "",
    lines: Sequence[GoodsIn] = (),
    fund: Fund | None = None,
    fund_source: str = "",
) -> Donation:
    """Money, goods or a service received by the station. Goods go into its stock; money may be
    paid into one of its funds (an income entry naming the donation; needs FUND_RECORD)."""
    _require_station(actor, station, _("You may not record donations for this station."))
    errors: dict[str, Any] = {}
    checks.choice(errors, "kind", kind, DonationKind)
    amount = checks.money(errors, "value", value, positive=kind == DonationKind.MONEY)
    received_on = checks.day(errors, "received_on", received_on)
    description = checks.text(errors, "description", description)
    if donor is not None and donor.station_id != station.pk:
        errors["donor"] = _("Choose a donor registered at this station.")
    goods = _goods_lines(errors, lines) if kind == DonationKind.GOODS else []
    if kind != DonationKind.GOODS and lines:
        errors["lines"] = _("Only donations of goods list items.")
    if kind == DonationKind.SERVICE and not description:
        errors["description"] = _("Describe the service given.")
    if fund is not None:
        if kind != DonationKind.MONEY:
            errors["fund"] = _("Only money can be paid into a fund.")
        elif fund.station_id != station.pk:
            errors["fund"] = _("Choose a fund of this station.")
        else:
            fund_source = fund_source or _SOURCE_OF_DONOR.get(
                donor.kind if donor else "", IncomeSource.OTHER
            )
            checks.choice(errors, "fund_source", fund_source, IncomeSource)
    checks.raise_if(errors)
    donation = Donation.objects.create(
        station=station,
        region_code=station.region_id,
        donor=donor,
        kind=kind,
        received_on=received_on,
        value=amount,
        description=description,
        recorded_by=as_user(actor),
    )
    for line in goods:
        item = _stock_item(station, line)
        DonationLine.objects.create(donation=donation, item=item, quantity=line.quantity)
        # The new figure is computed here, from the locked row, as a Decimal: SQLite would do
        # `quantity + x` in floating point (9.4 - 9.4 can come out a hair below zero).
        StockItem.objects.filter(pk=item.pk).update(quantity=item.quantity + line.quantity)
    entry = None
    if fund is not None:
        entry = fund_services.record_income(
            actor=actor,
            fund=fund,
            amount=amount,
            source=fund_source,
            occurred_on=received_on,
            note=(donor.name if donor else _("anonymous donation"))[:500],
            donation=donation,
        )
    audit.record(
        actor=actor,
        action="donation.record",
        obj=donation,
        region_code=donation.region_code,
        details={
            "kind": kind,
            "value": str(amount),
            "donor": donor.pk if donor else None,
            "lines": len(goods),
            "fund_entry": entry.pk if entry else None,
        },
    )
    return donation


# --- allocations ---------------------------------------------------------------------------
def _recipient(
    errors: dict[str, Any],
    actor: Any,
    person: Person | None,
    household: Household | None,
    activity: Activity | None,
    station: Station,
) -> int:
    """The division code of the one recipient, after checking the actor may give to it."""
    given = [x for x in (person, household, activity) if x is not None]
    if len(given) != 1:
        errors["recipient"] = ValidationError(
            _("Give to one person, one household or one activity."), code="required"
        )
        return station.region_id
    scope = scope_of(actor, RESOURCE_MANAGE)
    if person is not None:
        code = person.region_id
        if person.status == PersonStatus.DECEASED:
            errors["recipient"] = _("This person has died.")
    elif household is not None:
        code = household.region_id
    else:
        assert activity is not None
        code = activity.region_code
        if activity.station_id != station.pk:
            errors["recipient"] = _("Choose an activity of this station.")
    if not scope.contains(code):
        raise checks.forbidden(_("You may not give resources to this recipient."))
    return code


def _take_goods(
    errors: dict[str, Any], station: Station, lines: Sequence[ItemOut]
) -> list[tuple[StockItem, Decimal]]:
    """Lock the items (in id order), check each line against the stock on hand."""
    wanted: dict[int, Decimal] = {}
    problems: list[str] = []
    for n, line in enumerate(lines, start=1):
        e: dict[str, Any] = {}
        qty = checks.quantity(e, "quantity", line.quantity)
        if line.item.station_id != station.pk:
            e["item"] = _("This item is not in the station's stock.")
        for err in e.values():
            for message in ValidationError(err).messages:
                problems.append(_("Line %(n)d: %(message)s") % {"n": n, "message": message})
        if not e:
            wanted[line.item.pk] = wanted.get(line.item.pk, Decimal(0)) + qty
    if problems:
        errors["lines"] = problems
        return []
    if not wanted:
        errors["lines"] = ValidationError(
            _("List at least one item with its quantity."), code="required"
        )
        return []
    locked = {
        i.pk: i for i in StockItem.objects.select_for_update().filter(pk__in=wanted).order_by("pk")
    }
    short = [
        _("%(item)s: %(wanted)s %(unit)s wanted, %(have)s in stock.")
        % {
            "item": locked[pk].name,
            "wanted": _qty(qty),
            "unit": locked[pk].unit,
            "have": _qty(locked[pk].quantity),
        }
        for pk, qty in wanted.items()
        if qty > locked[pk].quantity
    ]
    if short:
        errors["lines"] = [ValidationError(m, code="insufficient") for m in short]
        return []
    return [(locked[pk], qty) for pk, qty in wanted.items()]


def _qty(value: Decimal) -> str:
    return f"{value.normalize():f}" if value == value.to_integral() else f"{value:f}"


@transaction.atomic
def allocate(
    *,
    actor: Any,
    station: Station,
    kind: str,
    allocated_on: dt.date | None = None,
    person: Person | None = None,
    household: Household | None = None,
    activity: Activity | None = None,
    lines: Sequence[ItemOut] = (),
    fund: Fund | None = None,
    amount: Any = None,
    value: Any = None,
    description: str = "",
    receipt: Attachment | None = None,
    receipt_upload: Any = None,
) -> Allocation:
    """Give goods from the station's stock, money from one of its funds (needs FUND_MANAGE) or
    a service to one recipient. Over-allocation, a fund short of money or a missing receipt are
    refused at their field and nothing is saved."""
    _require_station(actor, station, _("You may not give out this station's resources."))
    errors: dict[str, Any] = {}
    checks.choice(errors, "kind", kind, DonationKind)
    allocated_on = checks.day(errors, "allocated_on", allocated_on)
    description = checks.text(errors, "description", description)
    region_code = _recipient(errors, actor, person, household, activity, station)
    worth = Decimal(0)
    if value not in (None, ""):
        worth = checks.money(errors, "value", value, positive=False)
    money = Decimal(0)
    if kind == DonationKind.MONEY:
        money = worth = checks.money(errors, "amount", amount)
        if fund is None:
            errors["fund"] = ValidationError(_("Choose the fund that pays."), code="required")
        elif fund.station_id != station.pk:
            errors["fund"] = _("Choose a fund of this station.")
        elif not scope_of(actor, FUND_MANAGE).contains(fund.region_code):
            errors["fund"] = _("Only the station head may pay out of this fund.")
        else:
            fund_services.check_expense_receipt(errors, fund, receipt, receipt_upload)
    elif fund is not None or amount not in (None, ""):
        errors["amount"] = _("Only money allocations are paid out of a fund.")
    if kind == DonationKind.SERVICE and not description:
        errors["description"] = _("Describe the service given.")
    if kind != DonationKind.GOODS and lines:
        errors["lines"] = _("Only allocations of goods list items.")
    # Locks the items; checked last so that other mistakes are reported without waiting.
    taken = _take_goods(errors, station, lines) if kind == DonationKind.GOODS and not errors else []
    checks.raise_if(errors)
    entry = None
    if kind == DonationKind.MONEY:
        assert fund is not None
        entry = fund_services.spend(
            actor=actor,
            fund=fund,
            amount=money,
            # The ledger says what kind of recipient, not who: its readers need not know.
            purpose=(
                _recipient_label(person, household, activity)
                + (f": {description}" if description else "")
            )[:500],
            occurred_on=allocated_on,
            receipt=receipt,
            receipt_upload=receipt_upload,
        )
    allocation = Allocation.objects.create(
        station=station,
        region_code=region_code,
        kind=kind,
        person=person,
        household=household,
        activity=activity,
        allocated_on=allocated_on,
        value=worth,
        description=description,
        fund_entry=entry,
        recorded_by=as_user(actor),
    )
    for item, qty in taken:
        AllocationLine.objects.create(allocation=allocation, item=item, quantity=qty)
        # From the locked row, in Decimal (see record_donation): never SQLite's float arithmetic.
        StockItem.objects.filter(pk=item.pk).update(quantity=item.quantity - qty)
    audit.record(
        actor=actor,
        action="allocation.record",
        obj=allocation,
        region_code=region_code,
        details={
            "kind": kind,
            "person": person.pk if person else None,
            "household": household.pk if household else None,
            "activity": activity.pk if activity else None,
            "lines": [[item.pk, str(qty)] for item, qty in taken],
            "fund_entry": entry.pk if entry else None,
        },
    )
    return allocation


def _recipient_label(
    person: Person | None, household: Household | None, activity: Activity | None
) -> str:
    if person is not None:
        return _("Aid to a person")
    if household is not None:
        return _("Aid to a household")
    return _("Spent on an activity")
