"""Funds as JSON: the list with balances, opening a fund, the ledger, income and expenses,
receipts and reversals, and the ledger check. Mounted under resources.api's router.

An expense with a receipt is two calls: upload the photo or PDF to the fund
(`POST /resources/funds/{pk}/receipts`, multipart `file`), then post the entry naming it
(`receipt`). A receipt serves one entry only. Entries are never changed or deleted: correct one
with `POST /resources/entries/{pk}/reverse`.
"""
# No `from __future__ import annotations` here: django-ninja resolves the annotations of the
# decorated view functions at import time.

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import File, Router, Status, UploadedFile
from ninja.pagination import paginate

from shegong.core.api import api_requires
from shegong.core.models import Attachment
from shegong.core.perms import FUND_MANAGE, FUND_RECORD, FUND_VIEW
from shegong.regions import selectors as region_selectors
from shegong.regions.models import Region

from . import fund_selectors, fund_services
from .api_schemas import (
    CheckOut,
    EntryIn,
    EntryOut,
    FundIn,
    FundOut,
    ReceiptOut,
    ReverseIn,
    entry_out,
    fund_out,
    pages,
)
from .fund_models import EntryDirection, FundEntry

router = Router(tags=["funds"])


@router.get("/resources/funds", response=list[FundOut], summary="Funds with their balances")
@api_requires(FUND_VIEW)
def fund_list(request: HttpRequest, station: str = "") -> list[FundOut]:
    qs = fund_selectors.funds_for(request.user)
    if station:
        qs = qs.filter(station=region_selectors.get_station_for(request.user, station))
    funds = qs.order_by("station__code", "name")[:1000]
    return [fund_out(f, f.balance) for f in funds]  # type: ignore[attr-defined]


@router.post("/resources/funds", response={201: FundOut}, summary="Open a fund")
@api_requires(FUND_MANAGE)
def fund_create(request: HttpRequest, payload: FundIn) -> Status[FundOut]:
    """A fund of the station, or of one community it serves (`community`, station head)."""
    station = region_selectors.get_station_for(request.user, payload.station, FUND_MANAGE)
    community = None
    if payload.community:
        raw = payload.community.strip()
        community = Region.objects.filter(code=int(raw)).first() if raw.isdigit() else None
        if community is None:
            raise ValidationError({"community": _("Choose a community the station serves.")})
    fund = fund_services.open_fund(
        actor=request.user,
        station=station,
        name=payload.name,
        kind=payload.kind,
        community=community,
        receipt_required=payload.receipt_required,
        allow_negative=payload.allow_negative,
        opened_on=payload.opened_on,
        note=payload.note,
    )
    return Status(201, fund_out(fund, fund_selectors.balance(fund)))


@router.get("/resources/funds/{pk}", response=FundOut, summary="One fund and its balance")
@api_requires(FUND_VIEW)
def fund_detail(request: HttpRequest, pk: int) -> FundOut:
    fund = fund_selectors.get_fund_for(request.user, pk)
    return fund_out(fund, fund.balance)  # type: ignore[attr-defined]


@router.get("/resources/funds/{pk}/entries", response=list[EntryOut], summary="The ledger")
@api_requires(FUND_VIEW)
@paginate(pages(entry_out), page_size=100)
def fund_entries(request: HttpRequest, pk: int) -> QuerySet[FundEntry]:
    """Newest first; each entry with the balance after it."""
    return fund_selectors.ledger(fund_selectors.get_fund_for(request.user, pk))


@router.get("/resources/funds/{pk}/check", response=CheckOut, summary="Check the ledger")
@api_requires(FUND_VIEW)
def fund_check(request: HttpRequest, pk: int) -> CheckOut:
    """Recompute the ledger from its entries: numbering, running balances, the sum."""
    result = fund_selectors.verify(fund_selectors.get_fund_for(request.user, pk))
    return CheckOut(
        ok=result.ok,
        balance=result.balance,
        sum_of_entries=result.total,
        entries=result.entries,
        problems=result.problems,
    )


def receipt_by_pk(pk: int | None) -> Attachment | None:
    """The receipt an entry or allocation names (by the id its upload answered); the service
    checks that it belongs to the fund and serves no other entry."""
    if pk is None:
        return None
    found = Attachment.objects.filter(pk=pk).first()
    if found is None:
        raise ValidationError({"receipt": _("No such receipt.")})
    return found


def _receipt_out(a: Attachment) -> ReceiptOut:
    return ReceiptOut(
        id=a.pk,
        content_type=a.content_type,
        size=a.size,
        url=reverse("resources:receipt", args=[a.pk]),
    )


@router.post(
    "/resources/funds/{pk}/receipts", response={201: ReceiptOut}, summary="Upload a receipt"
)
@api_requires(FUND_MANAGE)
def receipt_upload(
    request: HttpRequest, pk: int, file: File[UploadedFile | None] = None
) -> Status[ReceiptOut]:
    """multipart/form-data with one `file`: a photo (JPEG, PNG, WebP; EXIF removed) or a PDF.
    Name the answer's `id` as `receipt` of the expense it belongs to."""
    fund = fund_selectors.get_fund_for(request.user, pk, FUND_MANAGE)
    receipt = fund_services.upload_receipt(actor=request.user, fund=fund, upload=file)
    return Status(201, _receipt_out(receipt))


@router.post("/resources/funds/{pk}/entries", response={201: EntryOut}, summary="Post an entry")
@api_requires(FUND_RECORD)
def entry_create(request: HttpRequest, pk: int, payload: EntryIn) -> Status[EntryOut]:
    """Income (`source` required) or an expense (`purpose`; `receipt` where the fund needs one;
    station head only). A zero or negative amount, or an expense the fund cannot pay where it
    may not go below zero, answers 422 at `amount` and nothing is saved."""
    perm = FUND_MANAGE if payload.direction == EntryDirection.EXPENSE else FUND_RECORD
    fund = fund_selectors.get_fund_for(request.user, pk, perm)
    receipt = receipt_by_pk(payload.receipt)
    entry = fund_services.post_entry(
        actor=request.user,
        fund=fund,
        direction=payload.direction,
        amount=payload.amount,
        occurred_on=payload.occurred_on,
        source=payload.source,
        purpose=payload.purpose,
        note=payload.note,
        receipt=receipt,
    )
    return Status(201, entry_out(entry))


@router.post("/resources/entries/{pk}/reverse", response={201: EntryOut}, summary="Reverse")
@api_requires(FUND_MANAGE)
def entry_reverse(request: HttpRequest, pk: int, payload: ReverseIn) -> Status[EntryOut]:
    """A new entry of the same amount in the other direction; the original stays."""
    entry = fund_selectors.get_entry_for(request.user, pk, FUND_MANAGE)
    reversal = fund_services.reverse_entry(
        actor=request.user, entry=entry, reason=payload.reason, occurred_on=payload.occurred_on
    )
    return Status(201, entry_out(reversal))
