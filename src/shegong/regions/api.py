"""Regions, coverage, stations and organizations as JSON (same services and selectors as views)."""
# No `from __future__ import annotations` here: django-ninja resolves the annotations of the
# decorated view functions at import time.

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from shegong.core.api import api_requires
from shegong.core.forms import DivisionCodeField
from shegong.core.perms import ORG_MANAGE, STATION_EDIT, STATION_MANAGE, VIEW

from . import selectors, services
from .forms import region_for_code
from .models import Organization, Region, Station

router = Router(tags=["regions and stations"])


class RegionOut(Schema):
    code: str
    name: str
    level: int
    parent: str | None

    @staticmethod
    def from_region(r: Region) -> "RegionOut":
        return RegionOut(
            code=r.code_str,
            name=r.display_name,
            level=r.level,
            parent=f"{r.parent_id:012d}" if r.parent_id else None,
        )


class CoverageOut(Schema):
    region: RegionOut
    townships: int
    townships_covered: int
    communities: int
    communities_with_room: int
    stations: int
    children: list["CoverageOut"]


def _coverage(row: selectors.CoverageRow) -> CoverageOut:
    return CoverageOut(
        region=RegionOut.from_region(row.region),
        townships=row.townships,
        townships_covered=row.townships_covered,
        communities=row.communities,
        communities_with_room=row.communities_with_room,
        stations=row.stations,
        children=[_coverage(c) for c in row.children],
    )


@router.get("/regions", response=list[RegionOut], summary="The divisions where my tree starts")
@api_requires(VIEW)
def region_roots(request: HttpRequest) -> list[RegionOut]:
    return [RegionOut.from_region(r) for r in selectors.scope_roots(request.user)]


@router.get("/regions/{code}", response=CoverageOut, summary="A division with coverage below it")
@api_requires(VIEW)
def region_detail(request: HttpRequest, code: int, depth: int = 1) -> CoverageOut:
    region = selectors.get_region_for(request.user, code)
    return _coverage(selectors.coverage_tree(region, depth=max(0, min(depth, 3))))


class StationOut(Schema):
    code: str
    name: str
    kind: str
    specialty: str
    region: str
    region_name: str
    served: list[str]
    brand_name: str
    address: str
    latitude: Decimal | None
    longitude: Decimal | None
    opening_hours: str
    phone: str
    activity_area_m2: Decimal | None
    office_area_m2: Decimal | None
    operator_id: int | None
    contract_start: dt.date | None
    contract_end: dt.date | None
    languages: list[str]
    active: bool
    staffing_ok: bool | None = None
    staffing_problems: list[str] | None = None


def _served(s: Station) -> list[str]:
    areas = getattr(s, "current_areas", None)
    if areas is not None:
        return [f"{a.region_id:012d}" for a in areas]
    return [r.code_str for r in s.current_service_areas()]


def _station(s: Station, *, staffing: selectors.Staffing | None = None) -> StationOut:
    return StationOut(
        code=s.code,
        name=s.name,
        kind=s.kind,
        specialty=s.specialty,
        region=s.region.code_str,
        region_name=s.region.name,
        served=_served(s),
        brand_name=s.brand_name,
        address=s.address,
        latitude=s.latitude,
        longitude=s.longitude,
        opening_hours=s.opening_hours,
        phone=s.phone,
        activity_area_m2=s.activity_area_m2,
        office_area_m2=s.office_area_m2,
        operator_id=s.operator_id,
        contract_start=s.contract_start,
        contract_end=s.contract_end,
        languages=s.languages,
        active=s.active,
        staffing_ok=staffing.ok if staffing else None,
        staffing_problems=staffing.problems if staffing else None,
    )


class StationIn(Schema):
    name: str
    kind: str
    region: str
    served: list[str] | None = None
    specialty: str = ""
    brand_name: str = ""
    address: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    opening_hours: str = ""
    phone: str = ""
    activity_area_m2: Decimal | None = None
    office_area_m2: Decimal | None = None
    operator_id: int | None = None
    contract_start: dt.date | None = None
    contract_end: dt.date | None = None
    languages: list[str] = []
    active: bool = True


class StationPatch(Schema):
    name: str | None = None
    served: list[str] | None = None
    specialty: str | None = None
    brand_name: str | None = None
    address: str | None = None
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    opening_hours: str | None = None
    phone: str | None = None
    activity_area_m2: Decimal | None = None
    office_area_m2: Decimal | None = None
    operator_id: int | None = None
    contract_start: dt.date | None = None
    contract_end: dt.date | None = None
    languages: list[str] | None = None
    active: bool | None = None


def _region(code: str, field: str) -> Region:
    from django.core.exceptions import ValidationError

    try:
        region = region_for_code(DivisionCodeField().clean(code))
    except ValidationError as e:
        raise ValidationError({field: e.messages}) from e
    assert region is not None
    return region


def _operator(request: HttpRequest, pk: int | None) -> Organization | None:
    return selectors.get_organization_for(request.user, pk) if pk else None


@router.get("/stations", response=list[StationOut])
@api_requires(VIEW)
@paginate(PageNumberPagination, page_size=50)
def station_list(
    request: HttpRequest, kind: str = "", q: str = "", region: str | None = None
) -> list[StationOut]:
    within = selectors.get_region_for(request.user, int(region)) if region else None
    stations = list(selectors.stations_for(request.user, region=within, kind=kind, q=q))
    staffing = selectors.staffing_for(stations)
    return [_station(s, staffing=staffing[s.pk]) for s in stations]


@router.post("/stations", response={201: StationOut})
@api_requires(STATION_MANAGE)
def station_create(request: HttpRequest, payload: StationIn) -> Status[StationOut]:
    data = payload.dict(exclude={"region", "served", "operator_id"})
    home = _region(payload.region, "region")
    served = [home, *[_region(c, "served") for c in payload.served or []]]
    station = services.create_station(
        actor=request.user,
        region=home,
        served_regions=[*dict.fromkeys(served)],
        operator=_operator(request, payload.operator_id),
        **data,
    )
    return Status(201, _station(station))


@router.get("/stations/{code}", response=StationOut)
@api_requires(VIEW)
def station_detail(request: HttpRequest, code: str) -> StationOut:
    station = selectors.get_station_for(request.user, code)
    return _station(station, staffing=selectors.staffing_for([station])[station.pk])


@router.patch("/stations/{code}", response=StationOut)
@api_requires(STATION_EDIT)
def station_update(request: HttpRequest, code: str, payload: StationPatch) -> StationOut:
    station = selectors.get_station_for(request.user, code, STATION_EDIT)
    data: dict[str, Any] = payload.dict(exclude_unset=True)
    served = data.pop("served", None)
    if "operator_id" in data:
        data["operator"] = _operator(request, data.pop("operator_id"))
    if served is not None:
        data["served_regions"] = [
            *dict.fromkeys([station.region, *[_region(c, "served") for c in served]])
        ]
    services.update_station(actor=request.user, station=station, **data)
    return _station(station)


class OrganizationOut(Schema):
    id: int
    name: str
    kind: str
    credit_code: str
    region: str
    contact_person: str
    phone: str
    address: str


class OrganizationIn(Schema):
    name: str
    kind: str
    region: str
    credit_code: str = ""
    contact_person: str = ""
    phone: str = ""
    address: str = ""


class OrganizationPatch(Schema):
    name: str | None = None
    kind: str | None = None
    credit_code: str | None = None
    contact_person: str | None = None
    phone: str | None = None
    address: str | None = None


def _org(o: Organization) -> OrganizationOut:
    return OrganizationOut(
        id=o.pk,
        name=o.name,
        kind=o.kind,
        credit_code=o.credit_code,
        region=f"{o.region_id:012d}",
        contact_person=o.contact_person,
        phone=o.phone,
        address=o.address,
    )


@router.get("/organizations", response=list[OrganizationOut])
@api_requires(VIEW)
@paginate(PageNumberPagination, page_size=50)
def organization_list(request: HttpRequest) -> list[OrganizationOut]:
    return [_org(o) for o in Organization.objects.visible_to(request.user)]


@router.post("/organizations", response={201: OrganizationOut})
@api_requires(ORG_MANAGE)
def organization_create(request: HttpRequest, payload: OrganizationIn) -> Status[OrganizationOut]:
    org = services.create_organization(
        actor=request.user,
        region=_region(payload.region, "region"),
        **payload.dict(exclude={"region"}),
    )
    return Status(201, _org(org))


@router.get("/organizations/{pk}", response=OrganizationOut)
@api_requires(VIEW)
def organization_detail(request: HttpRequest, pk: int) -> OrganizationOut:
    return _org(selectors.get_organization_for(request.user, pk))


@router.patch("/organizations/{pk}", response=OrganizationOut)
@api_requires(ORG_MANAGE)
def organization_update(
    request: HttpRequest, pk: int, payload: OrganizationPatch
) -> OrganizationOut:
    org = selectors.get_organization_for(request.user, pk, ORG_MANAGE)
    services.update_organization(
        actor=request.user, organization=org, **payload.dict(exclude_unset=True)
    )
    return _org(org)
