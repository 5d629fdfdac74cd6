"""Stock on hand, allocations (what was given to whom) with persons and person-times by
category, and giving: goods from the stock, money from a fund, or a service.

Giving starts from the recipient (`?person=`, `?household=` or `?activity=`, usually the
"Give" button of the person page) and a station the user manages (`?station=<code>`, their
first one by default). A recipient or station outside the user's jurisdiction is 404 with an
audit row; allocating more than is in stock is refused by the service and nothing is saved.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from shegong.community import activity_selectors
from shegong.core import audit
from shegong.core.models import scope_of
from shegong.core.perms import (
    ACTIVITY_VIEW,
    FUND_MANAGE,
    PERSON_VIEW,
    RESOURCE_MANAGE,
    RESOURCE_VIEW,
)
from shegong.core.views import render_page, requires
from shegong.people import selectors as people_selectors
from shegong.regions.models import Station

from . import fund_selectors, selectors, services
from .forms import AllocationForm, CountsForm, ItemLines
from .models import DonationKind, ItemCategory
from .views import PER_PAGE, attach_split, lines_data, station_filter, stations_for


# --- stock ---------------------------------------------------------------------------------
@requires(RESOURCE_VIEW)
@require_GET
@never_cache
def stock(request: HttpRequest) -> HttpResponse:
    """Stock on hand per station and item; `?all=1` also lists items given out entirely."""
    items, station = station_filter(request, selectors.stock_for(request.user))
    category = request.GET.get("category", "")
    if category in ItemCategory.values:
        items = items.filter(category=category)
    show_all = request.GET.get("all") == "1"
    if not show_all:
        items = items.filter(quantity__gt=0)
    items = items.order_by("station__code", "category", "name", "unit")
    context = {
        "page": Paginator(items, 100).get_page(request.GET.get("page")),
        "stations": stations_for(request.user, RESOURCE_VIEW),
        "station": station,
        "category": category,
        "categories": ItemCategory.choices,
        "show_all": show_all,
    }
    return render_page(request, "resources/stock.html", context, partial="results")


# --- allocations ---------------------------------------------------------------------------
def _period(form: CountsForm) -> tuple[dt.date, dt.date]:
    today = timezone.localdate()
    data = form.cleaned_data if form.is_valid() else {}
    start = data.get("start") or today.replace(month=1, day=1)
    end = data.get("end") or today
    return (start, end) if start <= end else (end, start)


@requires(RESOURCE_VIEW)
@require_GET
@never_cache
def allocation_list(request: HttpRequest) -> HttpResponse:
    """Allocations in the period (this year by default), with persons and person-times."""
    form = CountsForm(request.GET or None)
    start, end = _period(form)
    allocations, station = station_filter(request, selectors.allocations_for(request.user))
    kind = request.GET.get("kind", "")
    if kind in DonationKind.values:
        allocations = allocations.filter(kind=kind)
    allocations = allocations.filter(allocated_on__gte=start, allocated_on__lte=end)
    context = {
        "form": form,
        "start": start,
        "end": end,
        "counts": selectors.recipient_counts(request.user, start, end, station=station),
        "page": Paginator(allocations, PER_PAGE).get_page(request.GET.get("page")),
        "stations": stations_for(request.user, RESOURCE_VIEW),
        "station": station,
        "kind": kind,
        "kinds": DonationKind.choices,
        "can_see_people": bool(scope_of(request.user, PERSON_VIEW)),
    }
    return render_page(request, "resources/allocation_list.html", context, partial="results")


def _recipient(request: HttpRequest) -> dict[str, Any]:
    """The recipient named by the query string, fetched through its own selector (404 outside
    the user's jurisdiction) and then checked against RESOURCE_MANAGE there."""
    user = request.user
    for key in ("person", "household", "activity"):
        raw = request.GET.get(key, "")
        if not raw:
            continue
        pk = int(raw) if raw.isdigit() else 0
        obj: Any
        if key == "person":
            obj = people_selectors.get_person_for(user, pk, PERSON_VIEW)
            code = obj.region_id
        elif key == "household":
            obj = people_selectors.get_household_for(user, pk, PERSON_VIEW)
            code = obj.region_id
        else:
            obj = activity_selectors.get_activity_for(user, pk, ACTIVITY_VIEW)
            code = obj.region_code
        if not scope_of(user, RESOURCE_MANAGE).contains(code):
            raise audit.deny(request, what=key, object_id=pk)
        return {key: obj}
    return {}


def _station(request: HttpRequest, recipient: dict[str, Any]) -> Station | None:
    """The giving station: `?station=<code>` among those the user manages (404 otherwise), or
    the activity's, or the user's first."""
    stations = stations_for(request.user, RESOURCE_MANAGE)
    code = request.GET.get("station", "")
    if code:
        station = stations.filter(code=code).first()
        if station is None:
            raise audit.deny(request, what="station", object_id=code)
        return station
    activity = recipient.get("activity")
    if activity is not None:
        return stations.filter(pk=activity.station_id).first()
    own = request.user.stations(RESOURCE_MANAGE)  # type: ignore[union-attr]
    return own[0] if own else stations.first()


def _item_lines(request: HttpRequest, items: list[Any]) -> Any:
    return ItemLines(lines_data(request), prefix="lines", form_kwargs={"items": items})


def _chosen(lines: Any, items: list[Any]) -> list[services.ItemOut]:
    """The filled-in lines of goods, as items of the station's stock; ValidationError at
    `lines` when the lines cannot be read or name something not in the stock."""
    if not lines.is_valid():
        raise ValidationError({"lines": _("Check the lines of goods: item and quantity.")})
    by_pk = {i.pk: i for i in items}
    chosen = [f.cleaned_data for f in lines.forms if not f.is_blank()]
    if any(c.get("item") not in by_pk for c in chosen):
        raise ValidationError({"lines": _("Choose items from the station's stock.")})
    return [services.ItemOut(item=by_pk[c["item"]], quantity=c.get("quantity")) for c in chosen]


@requires(RESOURCE_MANAGE)
@require_http_methods(["GET", "POST"])
@never_cache
def allocation_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    recipient = _recipient(request)
    if not recipient:
        messages.info(request, _("Choose the person to give to, then press “Give”."))
        return redirect("people:list")
    station = _station(request, recipient)
    if station is None:
        raise audit.deny(request, what="station")
    items = list(selectors.stock_of(user, station))
    funds = list(fund_selectors.funds_for(user, FUND_MANAGE).filter(station=station))
    form = AllocationForm(request.POST or None, request.FILES or None, funds=funds)
    lines = _item_lines(request, items)
    more = request.method == "POST" and "more" in request.POST
    problems: dict[str, list[str]] = {}
    if request.method == "POST" and not more and form.is_valid():
        d = form.cleaned_data
        try:
            allocation = services.allocate(
                actor=user,
                station=station,
                kind=d["kind"],
                allocated_on=d["allocated_on"],
                lines=_chosen(lines, items) if d["kind"] == DonationKind.GOODS else [],
                fund=d["fund"],
                amount=d["amount"],
                value=d["value"],
                description=d["description"],
                receipt_upload=form.receipt_upload() if d["kind"] == DonationKind.MONEY else None,
                **recipient,
            )
        except ValidationError as e:
            problems = attach_split(form, e, "lines", "receipt", "recipient")
        else:
            messages.success(request, _("Allocation recorded."))
            return redirect("resources:allocation", pk=allocation.pk)
    context = {
        "form": form,
        "lines": lines,
        "problems": problems,
        "station": station,
        "stations": stations_for(user, RESOURCE_MANAGE),
        "items": items,
        "funds": funds,
        "query": {k: v.pk for k, v in recipient.items()},
        **recipient,
    }
    failed = bool(form.errors or problems)
    return render_page(
        request, "resources/allocation_form.html", context, status=422 if failed else 200
    )


@requires(RESOURCE_VIEW)
@require_GET
@never_cache
def allocation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    allocation = selectors.get_allocation_for(request.user, pk)
    entry = allocation.fund_entry
    context = {
        "allocation": allocation,
        "lines": list(allocation.lines.select_related("item")),
        "entry": entry,
        "can_see_fund": entry is not None
        and fund_selectors.funds_for(request.user).filter(pk=entry.fund_id).exists(),
        "can_see_person": allocation.person is not None
        and scope_of(request.user, PERSON_VIEW).contains(allocation.region_code),
    }
    return render_page(request, "resources/allocation_detail.html", context)
