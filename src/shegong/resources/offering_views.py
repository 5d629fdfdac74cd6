"""A station's list of services offered (服务清单): shown to whoever may see the station (also
on the station page, panel_views), edited by whoever may edit the station (STATION_EDIT)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from shegong.core.forms import attach_errors
from shegong.core.models import scope_of
from shegong.core.perms import STATION_EDIT, VIEW
from shegong.core.views import render_page, requires
from shegong.regions import selectors as region_selectors
from shegong.regions.models import Station

from . import offering_services, selectors
from .forms import ServiceOfferingForm
from .models import ServiceOffering


def _page(
    request: HttpRequest, station: Station, form: ServiceOfferingForm | None = None
) -> HttpResponse:
    can_edit = scope_of(request.user, STATION_EDIT).contains(station.region_id)
    context: dict[str, Any] = {
        "station": station,
        "offerings": selectors.services_of(request.user, station, all_lines=can_edit),
        "can_edit": can_edit,
        "form": form or (ServiceOfferingForm() if can_edit else None),
    }
    failed = form is not None and bool(form.errors)
    return render_page(request, "resources/services.html", context, status=422 if failed else 200)


@requires(VIEW)
@require_http_methods(["GET", "POST"])
@never_cache
def service_list(request: HttpRequest, code: str) -> HttpResponse:
    """GET: the station's list. POST: add a line (needs STATION_EDIT there)."""
    if request.method == "POST":
        return _add(request, code)  # type: ignore[return-value]
    return _page(request, region_selectors.get_station_for(request.user, code))


@requires(STATION_EDIT)
def _add(request: HttpRequest, code: str) -> HttpResponse:
    station = region_selectors.get_station_for(request.user, code, STATION_EDIT)
    form = ServiceOfferingForm(request.POST)
    if form.is_valid():
        try:
            offering_services.add_service(actor=request.user, station=station, **form.cleaned_data)
        except ValidationError as e:
            attach_errors(form, e)
        else:
            messages.success(request, _("Service added to the list."))
            return redirect("resources:services", code=station.code)
    return _page(request, station, form)


def _fields(offering: ServiceOffering) -> dict[str, Any]:
    return {f: getattr(offering, f) for f in offering_services.FIELDS}


@requires(STATION_EDIT)
@require_http_methods(["GET", "POST"])
@never_cache
def service_edit(request: HttpRequest, pk: int) -> HttpResponse:
    offering = selectors.get_service_for(request.user, pk, STATION_EDIT)
    form = ServiceOfferingForm(request.POST or None, initial=_fields(offering))
    if request.method == "POST" and form.is_valid():
        try:
            offering_services.update_service(
                actor=request.user, offering=offering, **form.cleaned_data
            )
        except ValidationError as e:
            attach_errors(form, e)
        else:
            messages.success(request, _("Service saved."))
            return redirect("resources:services", code=offering.station.code)
    context = {"offering": offering, "station": offering.station, "form": form}
    return render_page(
        request, "resources/service_form.html", context, status=422 if form.errors else 200
    )


@requires(STATION_EDIT)
@require_POST
def service_delete(request: HttpRequest, pk: int) -> HttpResponse:
    offering = selectors.get_service_for(request.user, pk, STATION_EDIT)
    code = offering.station.code
    offering_services.remove_service(actor=request.user, offering=offering)
    messages.success(request, _("Service removed from the list."))
    return redirect("resources:services", code=code)
