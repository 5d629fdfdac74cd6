"""Fund pages: the list with balances, opening a fund, a fund's ledger, recording income or an
expense (with its receipt, photographed on the phone), reversing an entry, and the receipts.

Receipts are served only here, through the jurisdiction check (FUND_VIEW where the fund is),
with the same safe headers as the person attachments.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from shegong.core import attachments, audit
from shegong.core.forms import attach_errors
from shegong.core.models import scope_of
from shegong.core.perms import FUND_MANAGE, FUND_RECORD, FUND_VIEW
from shegong.core.views import render_page, requires
from shegong.regions.models import Level, Region, Station

from . import fund_selectors, fund_services
from .forms import EntryForm, FundForm, ReversalForm
from .fund_models import EntryDirection
from .views import attach_split, station_filter, stations_for

LEDGER_PER_PAGE = 50


class LedgerPaginator(Paginator):
    """Pages of a ledger whose size is known without COUNT(*) over its entries."""

    def __init__(self, object_list: Any, per_page: int, *, count: int) -> None:
        super().__init__(object_list, per_page)
        self.known_count = count

    @cached_property
    def count(self) -> int:
        return self.known_count


@requires(FUND_VIEW)
@require_GET
@never_cache
def fund_list(request: HttpRequest) -> HttpResponse:
    funds, station = station_filter(request, fund_selectors.funds_for(request.user))
    context = {
        "funds": list(funds.order_by("station__code", "name")[:500]),
        "stations": stations_for(request.user, FUND_VIEW),
        "station": station,
        "can_open": bool(scope_of(request.user, FUND_MANAGE)),
    }
    return render_page(request, "resources/fund_list.html", context)


def _communities(station: Station | None) -> list[Region]:
    """The communities (villages) a station serves: where a community fund can be."""
    if station is None:
        return []
    out: list[Region] = []
    for area in station.current_service_areas():
        r = area.range
        out += Region.objects.filter(level=Level.VILLAGE, code__gte=r.lo, code__lt=r.hi)
    return out


@requires(FUND_MANAGE)
@require_http_methods(["GET", "POST"])
@never_cache
def fund_new(request: HttpRequest) -> HttpResponse:
    stations = stations_for(request.user, FUND_MANAGE)
    code = request.GET.get("station", "")
    chosen = stations.filter(code=code).first() if code else stations.first()
    if code and chosen is None:
        raise audit.deny(request, what="station", object_id=code)
    initial = {"station": chosen.pk} if chosen else {}
    form = FundForm(
        request.POST or None, stations=stations, communities=_communities(chosen), initial=initial
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            fund = fund_services.open_fund(
                actor=request.user,
                station=d["station"],
                name=d["name"],
                kind=d["kind"],
                community=d["community"],
                receipt_required=d["receipt_required"],
                allow_negative=d["allow_negative"],
                opened_on=d["opened_on"],
                note=d["note"],
            )
        except ValidationError as e:
            attach_errors(form, e)
        else:
            messages.success(request, _("Fund %(name)s opened.") % {"name": fund.name})
            return redirect("resources:fund", pk=fund.pk)
    context = {"form": form, "station": chosen, "stations": stations}
    return render_page(
        request, "resources/fund_form.html", context, status=422 if form.errors else 200
    )


@requires(FUND_VIEW)
@require_GET
@never_cache
def fund_detail(request: HttpRequest, pk: int) -> HttpResponse:
    fund = fund_selectors.get_fund_for(request.user, pk)
    head = fund_selectors.head(fund)
    paginator = LedgerPaginator(fund_selectors.ledger(fund), LEDGER_PER_PAGE, count=head.entries)
    page = paginator.get_page(request.GET.get("page"))
    entries = list(page.object_list)
    context = {
        "fund": fund,
        "page": page,
        "entries": entries,
        "reversed": {e.pk for e in entries if hasattr(e, "reversal")},
        "totals": head.totals,
        "can_record": scope_of(request.user, FUND_RECORD).contains(fund.region_code),
        "can_manage": scope_of(request.user, FUND_MANAGE).contains(fund.region_code),
    }
    return render_page(request, "resources/fund_detail.html", context, partial="ledger")


@requires(FUND_RECORD)
@require_http_methods(["GET", "POST"])
@never_cache
def entry_new(request: HttpRequest, pk: int) -> HttpResponse:
    """Income (`?direction=income`, FUND_RECORD) or an expense (FUND_MANAGE)."""
    raw = request.POST.get("direction") or request.GET.get("direction") or "income"
    direction = raw if raw in EntryDirection.values else EntryDirection.INCOME
    perm = FUND_MANAGE if direction == EntryDirection.EXPENSE else FUND_RECORD
    fund = fund_selectors.get_fund_for(request.user, pk, perm)
    form = EntryForm(request.POST or None, request.FILES or None, initial={"direction": direction})
    problems: dict[str, list[str]] = {}
    if request.method == "POST" and form.is_valid():
        try:
            entry = fund_services.post_entry(actor=request.user, fund=fund, **form.service_kwargs())
        except ValidationError as e:
            problems = attach_split(form, e, "receipt")
        else:
            messages.success(request, _("Entry %(seq)d recorded.") % {"seq": entry.seq})
            return redirect("resources:fund", pk=fund.pk)
    context = {
        "fund": fund,
        "form": form,
        "direction": direction,
        "problems": problems,
        "balance": fund_selectors.balance(fund),
        "max_mb": attachments.max_bytes() // (1024 * 1024),
    }
    failed = bool(form.errors or problems)
    return render_page(request, "resources/entry_form.html", context, status=422 if failed else 200)


@requires(FUND_MANAGE)
@require_http_methods(["GET", "POST"])
@never_cache
def entry_reverse(request: HttpRequest, pk: int) -> HttpResponse:
    entry = fund_selectors.get_entry_for(request.user, pk, FUND_MANAGE)
    form = ReversalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            reversal = fund_services.reverse_entry(
                actor=request.user,
                entry=entry,
                reason=form.cleaned_data["reason"],
                occurred_on=form.cleaned_data["occurred_on"],
            )
        except ValidationError as e:
            attach_errors(form, e)
        else:
            messages.success(
                request,
                _("Entry %(seq)d reversed by entry %(rev)d.")
                % {"seq": entry.seq, "rev": reversal.seq},
            )
            return redirect("resources:fund", pk=entry.fund_id)
    context = {"entry": entry, "fund": entry.fund, "form": form}
    return render_page(
        request, "resources/entry_reverse.html", context, status=422 if form.errors else 200
    )


# --- receipts ------------------------------------------------------------------------------


@requires(FUND_VIEW)
@require_GET
def receipt_file(request: HttpRequest, pk: int) -> FileResponse:
    receipt = fund_selectors.get_receipt_for(request.user, pk)
    audit.record(
        actor=request.user,
        action="attachment.view",
        obj=receipt,
        region_code=receipt.region_code,
        request=request,
    )
    return attachments.file_response(receipt, thumbnail=False)


@requires(FUND_VIEW)
@require_GET
def receipt_thumb(request: HttpRequest, pk: int) -> FileResponse:
    receipt = fund_selectors.get_receipt_for(request.user, pk)
    if not receipt.thumbnail:
        raise Http404
    return attachments.file_response(receipt, thumbnail=True)
