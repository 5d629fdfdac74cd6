"""Shapes of the resources API (api.py, fund_api.py) and the functions that fill them.

Money and quantities are decimal strings in JSON ("1200.50"): never floats. Division codes are
12-digit strings, stations are named by their code.
"""
# No `from __future__ import annotations`: django-ninja reads these annotations at import time.

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Schema
from ninja.pagination import PageNumberPagination

from .fund_models import Fund, FundEntry
from .models import Allocation, Donation, Donor, ServiceOffering, StockItem


def pages(convert: Callable[[Any], Any]) -> type[PageNumberPagination]:
    """A page-number paginator (sliced in the database) whose items go through `convert`."""

    class Pages(PageNumberPagination):
        def paginate_queryset(
            self,
            queryset: QuerySet,
            pagination: PageNumberPagination.Input,
            request: HttpRequest,
            **params: Any,
        ) -> Any:
            result = super().paginate_queryset(queryset, pagination, request, **params)
            result["items"] = [convert(x) for x in result["items"]]
            return result

    return Pages


def code12(value: int | None) -> str | None:
    return None if value is None else f"{value:012d}"


# --- donors --------------------------------------------------------------------------------
class DonorOut(Schema):
    id: int
    station: str
    kind: str
    name: str
    organization: int | None
    contact_person: str
    phone_masked: str
    note: str


class DonorIn(Schema):
    station: str  # station code
    kind: str  # organization | enterprise | individual
    name: str
    organization: int | None = None
    contact_person: str = ""
    phone: str = ""  # stored encrypted; answers show it masked
    note: str = ""


class DonorPatch(Schema):
    kind: str | None = None
    name: str | None = None
    organization: int | None = None
    contact_person: str | None = None
    phone: str | None = None  # "" removes it
    note: str | None = None


class PhoneOut(Schema):
    phone: str


def donor_out(d: Donor) -> DonorOut:
    return DonorOut(
        id=d.pk,
        station=d.station.code,
        kind=d.kind,
        name=d.name,
        organization=d.organization_id,
        contact_person=d.contact_person,
        phone_masked=d.phone_masked,
        note=d.note,
    )


# --- donations and stock -------------------------------------------------------------------
class GoodsLineIn(Schema):
    name: str
    unit: str
    quantity: Decimal
    category: str = "other"


class LineOut(Schema):
    item: int
    name: str
    unit: str
    category: str
    quantity: Decimal


class DonationOut(Schema):
    id: int
    station: str
    kind: str
    donor: int | None
    received_on: dt.date
    value: Decimal
    description: str
    lines: list[LineOut]
    fund_entry: int | None
    recorded_at: dt.datetime


class DonationIn(Schema):
    station: str
    kind: str  # money | goods | service
    value: Decimal  # the amount, or the estimated value of goods or a service
    received_on: dt.date | None = None  # default today
    donor: int | None = None  # None: anonymous
    description: str = ""
    lines: list[GoodsLineIn] = []  # goods only
    fund: int | None = None  # money only: pay into this fund of the station
    fund_source: str = ""  # the fund ledger's source; default from the kind of donor


def _lines(rows: Any) -> list[LineOut]:
    return [
        LineOut(
            item=line.item_id,
            name=line.item.name,
            unit=line.item.unit,
            category=line.item.category,
            quantity=line.quantity,
        )
        for line in rows
    ]


def donation_out(d: Donation) -> DonationOut:
    entry = getattr(d, "fund_entry", None)
    return DonationOut(
        id=d.pk,
        station=d.station.code,
        kind=d.kind,
        donor=d.donor_id,
        received_on=d.received_on,
        value=d.value,
        description=d.description,
        lines=_lines(d.lines.all()),
        fund_entry=entry.pk if entry is not None else None,
        recorded_at=d.recorded_at,
    )


class StockOut(Schema):
    id: int
    station: str
    name: str
    unit: str
    category: str
    quantity: Decimal


def stock_out(i: StockItem) -> StockOut:
    return StockOut(
        id=i.pk,
        station=i.station.code,
        name=i.name,
        unit=i.unit,
        category=i.category,
        quantity=i.quantity,
    )


# --- allocations ---------------------------------------------------------------------------
class ItemLineIn(Schema):
    item: int  # a stock item of the station
    quantity: Decimal


class AllocationIn(Schema):
    station: str
    kind: str  # goods | money | service
    person: int | None = None  # exactly one of person, household, activity
    household: int | None = None
    activity: int | None = None
    allocated_on: dt.date | None = None  # default today
    lines: list[ItemLineIn] = []  # goods
    fund: int | None = None  # money: the station's fund that pays (station head)
    amount: Decimal | None = None  # money
    receipt: int | None = None  # money: a receipt uploaded to the fund first
    value: Decimal | None = None  # goods and services: estimated value
    description: str = ""


class AllocationOut(Schema):
    id: int
    station: str
    kind: str
    recipient: str  # person | household | activity
    person: int | None
    person_name: str | None
    household: int | None
    activity: int | None
    region: str
    allocated_on: dt.date
    value: Decimal
    description: str
    lines: list[LineOut]
    fund_entry: int | None
    recorded_at: dt.datetime


def allocation_out(a: Allocation) -> AllocationOut:
    return AllocationOut(
        id=a.pk,
        station=a.station.code,
        kind=a.kind,
        recipient=a.recipient_kind,
        person=a.person_id,
        person_name=a.person.name if a.person else None,
        household=a.household_id,
        activity=a.activity_id,
        region=code12(a.region_code) or "",
        allocated_on=a.allocated_on,
        value=a.value,
        description=a.description,
        lines=_lines(a.lines.all()),
        fund_entry=a.fund_entry_id,
        recorded_at=a.recorded_at,
    )


class CategoryCountOut(Schema):
    category: str | None  # category code; None for everyone
    label: str
    persons: int
    person_times: int


class CountsOut(Schema):
    start: dt.date
    end: dt.date
    total: CategoryCountOut
    by_category: list[CategoryCountOut]
    households: int
    household_times: int
    value: Decimal


# --- the service list ----------------------------------------------------------------------
class ServiceOut(Schema):
    id: int
    station: str
    name: str
    domain: str
    description: str
    target_group: str
    schedule: str
    active: bool
    order: int


class ServiceIn(Schema):
    name: str
    domain: str
    description: str = ""
    target_group: str = ""
    schedule: str = ""
    active: bool = True
    order: int = 100


class ServicePatch(Schema):
    name: str | None = None
    domain: str | None = None
    description: str | None = None
    target_group: str | None = None
    schedule: str | None = None
    active: bool | None = None
    order: int | None = None


def service_out(s: ServiceOffering, station_code: str) -> ServiceOut:
    return ServiceOut(
        id=s.pk,
        station=station_code,
        name=s.name,
        domain=s.domain,
        description=s.description,
        target_group=s.target_group,
        schedule=s.schedule,
        active=s.active,
        order=s.order,
    )


# --- funds ---------------------------------------------------------------------------------
class FundOut(Schema):
    id: int
    station: str
    community: str | None
    region: str
    name: str
    kind: str
    receipt_required: bool
    allow_negative: bool
    opened_on: dt.date
    note: str
    balance: Decimal


class FundIn(Schema):
    station: str
    name: str
    kind: str  # community | charity
    community: str | None = None  # 12-digit code of a community the station serves
    receipt_required: bool = True
    allow_negative: bool = False
    opened_on: dt.date | None = None
    note: str = ""


class EntryOut(Schema):
    id: int
    fund: int
    seq: int
    direction: str
    amount: Decimal
    balance_after: Decimal
    occurred_on: dt.date
    source: str
    purpose: str
    note: str
    reverses: int | None  # the seq of the entry this one reverses
    receipt: int | None
    donation: int | None
    recorded_by: int | None
    recorded_at: dt.datetime


class EntryIn(Schema):
    direction: str  # income | expense
    amount: Decimal
    occurred_on: dt.date | None = None
    source: str = ""  # income: lottery_outlet | enterprise | residents | organization | …
    purpose: str = ""  # expense
    note: str = ""
    receipt: int | None = None  # expense: id from POST /resources/funds/{pk}/receipts


class ReverseIn(Schema):
    reason: str
    occurred_on: dt.date | None = None


class ReceiptOut(Schema):
    id: int
    content_type: str
    size: int
    url: str


class CheckOut(Schema):
    ok: bool
    balance: Decimal
    sum_of_entries: Decimal
    entries: int
    problems: list[str]


def fund_out(f: Fund, balance: Decimal) -> FundOut:
    return FundOut(
        id=f.pk,
        station=f.station.code,
        community=code12(f.community_id),
        region=code12(f.region_code) or "",
        name=f.name,
        kind=f.kind,
        receipt_required=f.receipt_required,
        allow_negative=f.allow_negative,
        opened_on=f.opened_on,
        note=f.note,
        balance=Decimal(balance).quantize(Decimal("0.01")),
    )


def entry_out(e: FundEntry) -> EntryOut:
    return EntryOut(
        id=e.pk,
        fund=e.fund_id,
        seq=e.seq,
        direction=e.direction,
        amount=e.amount,
        balance_after=e.balance_after,
        occurred_on=e.occurred_on,
        source=e.source,
        purpose=e.purpose,
        note=e.note,
        reverses=e.reverses.seq if e.reverses_id and e.reverses else None,
        receipt=e.receipt_id,
        donation=e.donation_id,
        recorded_by=e.recorded_by_id,
        recorded_at=e.recorded_at,
    )
