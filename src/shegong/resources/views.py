"""Donor and donation pages: lists, registering a donor (with an audited reveal of the phone),
recording a donation of money, goods or a service.

Every read goes through the selectors (jurisdiction by division code); a donor or donation
outside it is 404 with an `access.denied` audit row. Writes go through `services`.
Allocations and stock are in allocation_views, funds in fund_views, the service list in
offering_views, the person-page and station-page panels in panel_views.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shegong.core.forms import attach_errors
from shegong.core.models import scope_of
from shegong.core.perms import FUND_RECORD, RESOURCE_MANAGE, RESOURCE_VIEW, VIEW
from shegong.core.views import render_page, requires
from shegong.regions.models import Organization, Station

from . import fund_selectors, selectors, services
from .forms import DonationForm, DonorForm, GoodsLines
from .models import DonationKind, Donor, DonorKind

PER_PAGE = 50


def stations_for(user: Any, perm: str) -> QuerySet[Station]:
    """Active stations where the user holds `perm`, by code."""
    return Station.objects.visible_to(user, perm).filter(active=True).order_by("code")


def station_filter(request: HttpRequest, qs: Any, field: str = "station") -> tuple[Any, Any]:
    """Narrow `qs` to `?station=<code>` when that station is one the user may see."""
    code = request.GET.get("station", "")
    station = stations_for(request.user, VIEW).filter(code=code).first() if code else None
    if station is not None:
        qs = qs.filter(**{field: station})
    return qs, station


def attach_split(form: Any, error: ValidationError, *names: str) -> dict[str, list[str]]:
    """`attach_errors`, except that messages for `names` (parts of the page that are not form
    fields, such as the lines of goods) are returned for the page to show in their place."""
    out: dict[str, list[str]] = {}
    if not hasattr(error, "error_dict"):
        attach_errors(form, error)
        return out
    rest = {}
    for key, errors in error.error_dict.items():
        if key in names:
            out[key] = [m for e in errors for m in e.messages]
        else:
            rest[key] = errors
    if rest:
        attach_errors(form, ValidationError(rest))
    return out


def _date_param(request: HttpRequest, name: str) -> Any:
    """`?name=YYYY-MM-DD` as a date; None when absent or not a date (2024-02-30)."""
    try:
        return parse_date(request.GET.get(name, ""))
    except ValueError:
        return None


def period_filter(request: HttpRequest, qs: Any, field: str) -> Any:
    start = _date_param(request, "start")
    end = _date_param(request, "end")
    if start:
        qs = qs.filter(**{f"{field}__gte": start})
    if end:
        qs = qs.filter(**{f"{field}__lte": end})
    return qs


# --- donors --------------------------------------------------------------------------------
@requires(RESOURCE_VIEW)
@require_GET
@never_cache
def donor_list(request: HttpRequest) -> HttpResponse:
    donors, station = station_filter(request, selectors.donors_for(request.user))
    q = request.GET.get("q", "").strip()
    if q:
        donors = donors.filter(name__icontains=q)
    kind = request.GET.get("kind", "")
    if kind in DonorKind.values:
        donors = donors.filter(kind=kind)
    context = {
        "page": Paginator(donors, PER_PAGE).get_page(request.GET.get("page")),
        "stations": stations_for(request.user, RESOURCE_VIEW),
        "station": station,
        "q": q,
        "kind": kind,
        "kinds": DonorKind.choices,
        "can_manage": bool(scope_of(request.user, RESOURCE_MANAGE)),
    }
    return render_page(request, "resources/donor_list.html", context, partial="results")


def _organizations(user: Any) -> QuerySet[Organization]:
    return Organization.objects.visible_to(user).order_by("name")


@requires(RESOURCE_MANAGE)
@require_http_methods(["GET", "POST"])
@never_cache
def donor_new(request: HttpRequest) -> HttpResponse:
    form = DonorForm(
        request.POST or None,
        stations=stations_for(request.user, RESOURCE_MANAGE),
        organizations=_organizations(request.user),
    )
    if request.method == "POST" and form.is_valid():
        data = form.service_kwargs()
        try:
            donor = services.register_donor(
                actor=request.user, station=form.cleaned_data["station"], **data
            )
        except ValidationError as e:
            attach_errors(form, e)
        else:
            messages.success(request, _("Donor %(name)s registered.") % {"name": donor.name})
            return redirect("resources:donor", pk=donor.pk)
    return render_page(
        request,
        "resources/donor_form.html",
        {"form": form, "donor": None},
        status=422 if form.errors else 200,
    )


def _donor_page(request: HttpRequest, donor: Donor, *, phone: str = "") -> HttpResponse:
    donations = selectors.donations_for(request.user).filter(donor=donor)
    context = {
        "donor": donor,
        "phone": phone,
        "donations": donations[:PER_PAGE],
        "count": donations.count(),
        "can_manage": scope_of(request.user, RESOURCE_MANAGE).contains(donor.region_code),
    }
    return render_page(request, "resources/donor_detail.html", context)


@requires(RESOURCE_VIEW)
@require_GET
@never_cache
def donor_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _donor_page(request, selectors.get_donor_for(request.user, pk))


@requires(RESOURCE_MANAGE)
@require_POST
@never_cache
def donor_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    donor = selectors.get_donor_for(request.user, pk, RESOURCE_MANAGE)
    phone = services.reveal_donor_phone(actor=request.user, donor=donor)
    return _donor_page(request, donor, phone=phone or "—")


@requires(RESOURCE_MANAGE)
@require_http_methods(["GET", "POST"])
@never_cache
def donor_edit(request: HttpRequest, pk: int) -> HttpResponse:
    donor = selectors.get_donor_for(request.user, pk, RESOURCE_MANAGE)
    initial = {
        "kind": donor.kind,
        "name": donor.name,
        "organization": donor.organization_id,
        "contact_person": donor.contact_person,
        "note": donor.note,
    }
    form = DonorForm(
        request.POST or None,
        initial=initial,
        stations=stations_for(request.user, RESOURCE_MANAGE),
        organizations=_organizations(request.user),
        editing=True,
    )
    if request.method == "POST" and form.is_valid():
        data = form.service_kwargs()
        phone = data.pop("phone") or None  # empty: keep the stored phone
        try:
            services.update_donor(actor=request.user, donor=donor, phone=phone, **data)
        except ValidationError as e:
            attach_errors(form, e)
        else:
            messages.success(request, _("Donor saved."))
            return redirect("resources:donor", pk=donor.pk)
    return render_page(
        request,
        "resources/donor_form.html",
        {"form": form, "donor": donor},
        status=422 if form.errors else 200,
    )


# --- donations -----------------------------------------------------------------------------
@requires(RESOURCE_VIEW)
@require_GET
@never_cache
def donation_list(request: HttpRequest) -> HttpResponse:
    donations, station = station_filter(request, selectors.donations_for(request.user))
    kind = request.GET.get("kind", "")
    if kind in DonationKind.values:
        donations = donations.filter(kind=kind)
    donations = period_filter(request, donations, "received_on")
    context = {
        "page": Paginator(donations, PER_PAGE).get_page(request.GET.get("page")),
        "stations": stations_for(request.user, RESOURCE_VIEW),
        "station": station,
        "kind": kind,
        "kinds": DonationKind.choices,
        "start": request.GET.get("start", ""),
        "end": request.GET.get("end", ""),
        "can_manage": bool(scope_of(request.user, RESOURCE_MANAGE)),
    }
    return render_page(request, "resources/donation_list.html", context, partial="results")


def lines_data(request: HttpRequest) -> Any:
    """The posted data of a formset of lines (prefix "lines"; None for GET); "more lines"
    re-renders the form with three more empty rows."""
    if request.method != "POST":
        return None
    data = request.POST.copy()
    if "more" in data:
        total = int(data.get("lines-TOTAL_FORMS", "3") or 3)
        data["lines-TOTAL_FORMS"] = str(min(total + 3, 50))
    return data


def _lines(request: HttpRequest) -> Any:
    """The goods lines formset."""
    return GoodsLines(lines_data(request), prefix="lines")


@requires(RESOURCE_MANAGE)
@require_http_methods(["GET", "POST"])
@never_cache
def donation_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    stations = stations_for(user, RESOURCE_MANAGE)
    form = DonationForm(
        request.POST or None,
        stations=stations,
        donors=list(selectors.donors_for(user, RESOURCE_MANAGE).order_by("name")[:500]),
        funds=list(fund_selectors.funds_for(user, FUND_RECORD)),
    )
    donor_pk = request.GET.get("donor", "")
    if request.method == "GET" and donor_pk.isdigit() and int(donor_pk) in form.donors:
        chosen = form.donors[int(donor_pk)]
        form.initial.update({"donor": chosen.pk, "station": chosen.station_id})
    lines = _lines(request)
    more = request.method == "POST" and "more" in request.POST
    problems: dict[str, list[str]] = {}
    if request.method == "POST" and not more:
        form_ok = form.is_valid()
        # The lines matter only for goods (a money donation may come without the lines part).
        lines_ok = form_ok and (form.cleaned_data["kind"] != DonationKind.GOODS or lines.is_valid())
        if form_ok and not lines_ok:
            problems = {"lines": [_("Check the lines of goods: item, quantity and unit.")]}
        if form_ok and lines_ok:
            d = form.cleaned_data
            goods = [
                services.GoodsIn(
                    name=f.cleaned_data.get("name") or "",
                    unit=f.cleaned_data.get("unit") or "",
                    quantity=f.cleaned_data.get("quantity"),
                    category=f.cleaned_data.get("category") or "other",
                )
                for f in lines.forms
                if not f.is_blank()
            ]
            try:
                donation = services.record_donation(
                    actor=user,
                    station=d["station"],
                    kind=d["kind"],
                    value=d["value"],
                    received_on=d["received_on"],
                    donor=d["donor"],
                    description=d["description"],
                    lines=goods if d["kind"] == DonationKind.GOODS else [],
                    fund=d["fund"],
                    fund_source=d.get("fund_source") or "",
                )
            except ValidationError as e:
                problems = attach_split(form, e, "lines")
            else:
                messages.success(request, _("Donation recorded."))
                return redirect("resources:donation", pk=donation.pk)
    elif more:
        form.is_valid()  # show what was typed, with its errors
        form.errors.clear()
    failed = bool(
        form.errors or problems or (lines.is_bound and not more and lines.total_error_count())
    )
    return render_page(
        request,
        "resources/donation_form.html",
        {"form": form, "lines": lines, "lines_errors": problems.get("lines", [])},
        status=422 if failed else 200,
    )


@requires(RESOURCE_VIEW)
@require_GET
@never_cache
def donation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    donation = selectors.get_donation_for(request.user, pk)
    entry = getattr(donation, "fund_entry", None)  # None when not paid into a fund
    context = {
        "donation": donation,
        "lines": list(donation.lines.select_related("item")),
        "entry": entry,
        "can_see_fund": entry is not None
        and fund_selectors.funds_for(request.user).filter(pk=entry.fund_id).exists(),
    }
    return render_page(request, "resources/donation_detail.html", context)
