"""Division tree with coverage, stations and organizations."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods

from shegong.core import panels
from shegong.core.forms import attach_errors
from shegong.core.models import scope_of
from shegong.core.perms import (
    ACCOUNT_SELF,
    ORG_MANAGE,
    STAFF_MANAGE,
    STATION_EDIT,
    STATION_MANAGE,
    VIEW,
)
from shegong.core.views import render_page, requires

from . import selectors, services
from .forms import OrganizationForm, StationFilterForm, StationForm
from .models import Organization


@requires(VIEW)
def region_index(request: HttpRequest) -> HttpResponse:
    roots = selectors.scope_roots(request.user)
    if len(roots) == 1:
        return redirect("regions:region", code=roots[0].code)
    return render_page(request, "regions/region_index.html", {"roots": roots})


@requires(VIEW)
def region_detail(request: HttpRequest, code: int) -> HttpResponse:
    region = selectors.get_region_for(request.user, code)
    tree = selectors.coverage_tree(region, depth=2)
    return render_page(
        request,
        "regions/region_detail.html",
        {
            "region": region,
            "ancestors": region.ancestors(),
            "tree": tree,
            "stations": selectors.stations_for(request.user, region=region)[:200]
            if region.level >= 3
            else None,
        },
    )


@requires(VIEW)
def station_list(request: HttpRequest) -> HttpResponse:
    form = StationFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    stations = list(
        selectors.stations_for(request.user, kind=data.get("kind", ""), q=data.get("q", ""))
    )
    staffing = selectors.staffing_for(stations)
    if data.get("understaffed"):
        stations = [s for s in stations if not staffing[s.pk].ok]
    page = Paginator(stations, 50).get_page(request.GET.get("page"))
    rows = [(s, staffing[s.pk]) for s in page.object_list]
    return render_page(
        request,
        "regions/station_list.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "can_create": bool(scope_of(request.user, STATION_MANAGE)),
        },
        partial="results",
    )


@requires(STATION_MANAGE)
@require_http_methods(["GET", "POST"])
def station_new(request: HttpRequest) -> HttpResponse:
    form = StationForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            station = services.create_station(
                actor=request.user, region=form.cleaned_data["region_code"], **form.service_kwargs()
            )
        except ValidationError as e:
            attach_errors(form, e)
        else:
            return redirect("regions:station", code=station.code)
    return render_page(
        request, "regions/station_form.html", {"form": form}, status=422 if form.errors else 200
    )


@requires(VIEW)
def station_detail(request: HttpRequest, code: str) -> HttpResponse:
    station = selectors.get_station_for(request.user, code)
    staffing = selectors.staffing_for([station])[station.pk]
    return render_page(
        request,
        "regions/station_detail.html",
        {
            "station": station,
            "staffing": staffing,
            "areas": station.current_service_areas(),
            "can_edit": scope_of(request.user, STATION_EDIT).contains(station.region_id),
            "perms_staff_manage": scope_of(request.user, STAFF_MANAGE).contains(station.region_id),
            "languages": [services.LANGUAGES.get(c, c) for c in station.languages],
            "panels": panels.station_panels(request, station),
        },
    )


@requires(STATION_EDIT)
@require_http_methods(["GET", "POST"])
def station_edit(request: HttpRequest, code: str) -> HttpResponse:
    station = selectors.get_station_for(request.user, code, STATION_EDIT)
    form = StationForm(request.POST or None, instance=station, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            station.refresh_from_db()  # the ModelForm mutated it; the service applies changes
            services.update_station(actor=request.user, station=station, **form.service_kwargs())
        except ValidationError as e:
            attach_errors(form, e)
        else:
            return redirect("regions:station", code=station.code)
    return render_page(
        request,
        "regions/station_form.html",
        {"form": form, "station": station},
        status=422 if form.errors else 200,
    )


@requires(VIEW)
def organization_list(request: HttpRequest) -> HttpResponse:
    orgs = Organization.objects.visible_to(request.user).select_related("region")
    page = Paginator(orgs, 50).get_page(request.GET.get("page"))
    return render_page(
        request,
        "regions/organization_list.html",
        {"page": page, "can_create": bool(scope_of(request.user, ORG_MANAGE))},
    )


@requires(VIEW)
def organization_detail(request: HttpRequest, pk: int) -> HttpResponse:
    org = selectors.get_organization_for(request.user, pk)
    return render_page(
        request,
        "regions/organization_detail.html",
        {
            "org": org,
            "stations": org.stations.all(),
            "can_edit": scope_of(request.user, ORG_MANAGE).contains(org.region_id),
        },
    )


@requires(ORG_MANAGE)
@require_http_methods(["GET", "POST"])
def organization_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    org = selectors.get_organization_for(request.user, pk, ORG_MANAGE) if pk else None
    form = OrganizationForm(request.POST or None, instance=org, user=request.user)
    if request.method == "POST" and form.is_valid():
        fields = {f: form.cleaned_data[f] for f in OrganizationForm.Meta.fields}
        try:
            if org is None:
                org = services.create_organization(
                    actor=request.user, region=form.cleaned_data["region_code"], **fields
                )
            else:
                org.refresh_from_db()
                services.update_organization(actor=request.user, organization=org, **fields)
        except ValidationError as e:
            attach_errors(form, e)
        else:
            return redirect("regions:organization", pk=org.pk)
    return render_page(
        request,
        "regions/organization_form.html",
        {"form": form, "org": org},
        status=422 if form.errors else 200,
    )


@requires(ACCOUNT_SELF)
def home(request: HttpRequest) -> HttpResponse:
    """The start page: where the user works, what is in their jurisdiction, and the panels of
    the apps above (a volunteer, who sees no places, gets only those)."""
    sees_places = bool(scope_of(request.user, VIEW))
    roots = selectors.scope_roots(request.user) if sees_places else []
    trees = [selectors.coverage_tree(r, depth=1) for r in roots[:5]]
    stations = list(selectors.stations_for(request.user)[:500]) if sees_places else []
    staffing = selectors.staffing_for(stations)
    return render_page(
        request,
        "regions/home.html",
        {
            "trees": trees,
            "my_stations": request.user.stations() if sees_places else [],  # type: ignore[union-attr]
            "assignments": request.user.active_assignments(),  # type: ignore[union-attr]
            "understaffed": [s for s in stations if not staffing[s.pk].ok][:20],
            "station_count": len(stations),
            "panels": panels.home_panels(request),
        },
    )
