"""Resources as JSON: donors, donations, stock, allocations with their counts, and each
station's list of services; the funds are in fund_api (mounted under this router).

The same services and selectors as the pages: an object outside the caller's jurisdiction is
404 with an `access.denied` audit row; invalid input answers 422 with messages keyed by field
(`lines` for goods, `receipt`, `recipient` …), and nothing is saved.
"""
# No `from __future__ import annotations` here: django-ninja resolves the annotations of the
# decorated view functions at import time.

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate

from shegong.community.models import Activity
from shegong.core.api import api_requires
from shegong.core.audit import deny
from shegong.core.models import scope_of
from shegong.core.perms import (
    ACTIVITY_VIEW,
    FUND_MANAGE,
    FUND_RECORD,
    PERSON_VIEW,
    RESOURCE_MANAGE,
    RESOURCE_VIEW,
    STATION_EDIT,
    VIEW,
)
from shegong.people import selectors as people_selectors
from shegong.regions import selectors as region_selectors
from shegong.regions.models import Organization, Station

from . import fund_selectors, offering_services, selectors, services
from .api_schemas import (
    AllocationIn,
    AllocationOut,
    CategoryCountOut,
    CountsOut,
    DonationIn,
    DonationOut,
    DonorIn,
    DonorOut,
    DonorPatch,
    PhoneOut,
    ServiceIn,
    ServiceOut,
    ServicePatch,
    StockOut,
    allocation_out,
    donation_out,
    donor_out,
    pages,
    service_out,
    stock_out,
)
from .fund_api import receipt_by_pk
from .fund_api import router as fund_router
from .models import Allocation, Donation, Donor, StockItem

router = Router(tags=["resources"])
router.add_router("/", fund_router)


def station_for(request: HttpRequest, code: str, perm: str) -> Station:
    """The station of this code, where the caller holds `perm`; 404 otherwise."""
    return region_selectors.get_station_for(request.user, code, perm)


def _station_filter(request: HttpRequest, qs: Any, code: str) -> Any:
    return qs.filter(station=station_for(request, code, VIEW)) if code else qs


# --- donors --------------------------------------------------------------------------------
class DonorQuery(Schema):
    station: str = ""
    q: str = ""
    kind: str = ""


@router.get("/resources/donors", response=list[DonorOut], summary="Donors in my jurisdiction")
@api_requires(RESOURCE_VIEW)
@paginate(pages(donor_out), page_size=50)
def donor_list(request: HttpRequest, filters: Query[DonorQuery]) -> QuerySet[Donor]:
    qs = _station_filter(request, selectors.donors_for(request.user), filters.station)
    if filters.q:
        qs = qs.filter(name__icontains=filters.q)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    return qs


def _organization(request: HttpRequest, pk: int | None) -> Organization | None:
    if pk is None:
        return None
    return region_selectors.get_organization_for(request.user, pk)


@router.post("/resources/donors", response={201: DonorOut}, summary="Register a donor")
@api_requires(RESOURCE_MANAGE)
def donor_create(request: HttpRequest, payload: DonorIn) -> Status[DonorOut]:
    donor = services.register_donor(
        actor=request.user,
        station=station_for(request, payload.station, RESOURCE_MANAGE),
        kind=payload.kind,
        name=payload.name,
        organization=_organization(request, payload.organization),
        contact_person=payload.contact_person,
        phone=payload.phone,
        note=payload.note,
    )
    return Status(201, donor_out(donor))


@router.get("/resources/donors/{pk}", response=DonorOut, summary="One donor")
@api_requires(RESOURCE_VIEW)
def donor_detail(request: HttpRequest, pk: int) -> DonorOut:
    return donor_out(selectors.get_donor_for(request.user, pk))


@router.patch("/resources/donors/{pk}", response=DonorOut, summary="Change a donor")
@api_requires(RESOURCE_MANAGE)
def donor_update(request: HttpRequest, pk: int, payload: DonorPatch) -> DonorOut:
    """Only the fields sent change; `phone: ""` removes the phone."""
    donor = selectors.get_donor_for(request.user, pk, RESOURCE_MANAGE)
    data = payload.dict(exclude_unset=True)
    if "organization" in data:
        data["organization"] = _organization(request, data["organization"])
    donor = services.update_donor(actor=request.user, donor=donor, **data)
    return donor_out(donor)


@router.post("/resources/donors/{pk}/reveal", response=PhoneOut, summary="A donor's phone")
@api_requires(RESOURCE_MANAGE)
def donor_reveal(request: HttpRequest, pk: int) -> PhoneOut:
    """The full phone number; every reveal is written to the audit log."""
    donor = selectors.get_donor_for(request.user, pk, RESOURCE_MANAGE)
    return PhoneOut(phone=services.reveal_donor_phone(actor=request.user, donor=donor))


# --- donations -----------------------------------------------------------------------------
class PeriodQuery(Schema):
    station: str = ""
    kind: str = ""
    start: dt.date | None = None
    end: dt.date | None = None


def _donations(request: HttpRequest) -> QuerySet[Donation]:
    return selectors.donations_for(request.user).prefetch_related("lines__item", "fund_entry")


@router.get("/resources/donations", response=list[DonationOut], summary="Donations")
@api_requires(RESOURCE_VIEW)
@paginate(pages(donation_out), page_size=50)
def donation_list(request: HttpRequest, filters: Query[PeriodQuery]) -> QuerySet[Donation]:
    """Newest first; `start`/`end` bound the date received."""
    qs = _station_filter(request, _donations(request), filters.station)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.start:
        qs = qs.filter(received_on__gte=filters.start)
    if filters.end:
        qs = qs.filter(received_on__lte=filters.end)
    return qs


@router.post("/resources/donations", response={201: DonationOut}, summary="Record a donation")
@api_requires(RESOURCE_MANAGE)
def donation_create(request: HttpRequest, payload: DonationIn) -> Status[DonationOut]:
    """Goods go into the station's stock; money may be paid into one of its funds."""
    user = request.user
    station = station_for(request, payload.station, RESOURCE_MANAGE)
    donor = None
    if payload.donor is not None:
        donor = selectors.get_donor_for(user, payload.donor, RESOURCE_MANAGE)
    fund = None
    if payload.fund is not None:
        fund = fund_selectors.get_fund_for(user, payload.fund, FUND_RECORD)
    donation = services.record_donation(
        actor=user,
        station=station,
        kind=payload.kind,
        value=payload.value,
        received_on=payload.received_on,
        donor=donor,
        description=payload.description,
        lines=[
            services.GoodsIn(name=g.name, unit=g.unit, quantity=g.quantity, category=g.category)
            for g in payload.lines
        ],
        fund=fund,
        fund_source=payload.fund_source,
    )
    return Status(201, donation_out(_donations(request).get(pk=donation.pk)))


@router.get("/resources/donations/{pk}", response=DonationOut, summary="One donation")
@api_requires(RESOURCE_VIEW)
def donation_detail(request: HttpRequest, pk: int) -> DonationOut:
    donation = _donations(request).filter(pk=pk).first()
    if donation is None:
        raise deny(request, what="api:donation", object_id=pk)
    return donation_out(donation)


# --- stock ---------------------------------------------------------------------------------
class StockQuery(Schema):
    station: str = ""
    category: str = ""
    all: bool = False  # also items no longer in stock


@router.get("/resources/stock", response=list[StockOut], summary="Stock on hand")
@api_requires(RESOURCE_VIEW)
@paginate(pages(stock_out), page_size=100)
def stock(request: HttpRequest, filters: Query[StockQuery]) -> QuerySet[StockItem]:
    qs = _station_filter(request, selectors.stock_for(request.user), filters.station)
    if filters.category:
        qs = qs.filter(category=filters.category)
    if not filters.all:
        qs = qs.filter(quantity__gt=0)
    return qs.order_by("station__code", "category", "name", "unit")


# --- allocations ---------------------------------------------------------------------------
class AllocationQuery(PeriodQuery):
    person: int | None = None


def _allocations(request: HttpRequest) -> QuerySet[Allocation]:
    return selectors.allocations_for(request.user).prefetch_related("lines__item")


@router.get("/resources/allocations", response=list[AllocationOut], summary="Allocations")
@api_requires(RESOURCE_VIEW)
@paginate(pages(allocation_out), page_size=50)
def allocation_list(request: HttpRequest, filters: Query[AllocationQuery]) -> QuerySet[Allocation]:
    qs = _station_filter(request, _allocations(request), filters.station)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.start:
        qs = qs.filter(allocated_on__gte=filters.start)
    if filters.end:
        qs = qs.filter(allocated_on__lte=filters.end)
    if filters.person is not None:
        qs = qs.filter(person_id=filters.person)
    return qs


class CountsQuery(Schema):
    start: dt.date | None = None  # default: 1 January of this year
    end: dt.date | None = None  # default: today
    station: str = ""


@router.get("/resources/allocations/counts", response=CountsOut, summary="Persons, person-times")
@api_requires(RESOURCE_VIEW)
def allocation_counts(request: HttpRequest, filters: Query[CountsQuery]) -> CountsOut:
    """Persons and person-times (人次) of allocations to persons in the period, in total and by
    the category each person held on the day of each allocation."""
    today = timezone.localdate()
    start = filters.start or today.replace(month=1, day=1)
    end = filters.end or today
    if start > end:
        raise ValidationError({"end": _("The end of the period comes before its start.")})
    station = station_for(request, filters.station, VIEW) if filters.station else None
    c = selectors.recipient_counts(request.user, start, end, station=station)
    return CountsOut(
        start=start,
        end=end,
        total=CategoryCountOut(
            category=None,
            label=_("everyone"),
            persons=c.total.persons,
            person_times=c.total.person_times,
        ),
        by_category=[
            CategoryCountOut(
                category=x.category.code if x.category else None,
                label=x.category.label if x.category else "",
                persons=x.persons,
                person_times=x.person_times,
            )
            for x in c.by_category
        ],
        households=c.households,
        household_times=c.household_times,
        value=c.value,
    )


def _recipient(request: HttpRequest, payload: AllocationIn) -> dict[str, Any]:
    user = request.user
    out: dict[str, Any] = {}
    code = 0
    if payload.person is not None:
        person = people_selectors.get_person_for(user, payload.person, PERSON_VIEW)
        out["person"] = person
        code = person.region_id
    if payload.household is not None:
        household = people_selectors.get_household_for(user, payload.household, PERSON_VIEW)
        out["household"] = household
        code = household.region_id
    if payload.activity is not None:
        activity = Activity.objects.visible_to(user, ACTIVITY_VIEW).filter(pk=payload.activity)
        found = activity.first()
        if found is None:
            raise deny(request, what="api:activity", object_id=payload.activity)
        out["activity"] = found
        code = found.region_code
    if len(out) == 1 and not scope_of(user, RESOURCE_MANAGE).contains(code):
        raise deny(request, what="api:recipient", object_id=next(iter(out.values())).pk)
    return out


@router.post("/resources/allocations", response={201: AllocationOut}, summary="Give resources")
@api_requires(RESOURCE_MANAGE)
def allocation_create(request: HttpRequest, payload: AllocationIn) -> Status[AllocationOut]:
    """Goods from the station's stock (more than is in stock: 422 at `lines`, code
    "insufficient"), money from one of its funds (station head; `receipt` from
    POST /resources/funds/{pk}/receipts where the fund needs one) or a service."""
    user = request.user
    station = station_for(request, payload.station, RESOURCE_MANAGE)
    recipient = _recipient(request, payload)
    items = {i.pk: i for i in selectors.stock_for(user, RESOURCE_MANAGE).filter(station=station)}
    unknown = [line.item for line in payload.lines if line.item not in items]
    if unknown:
        raise ValidationError(
            {"lines": _("Not items of the station's stock: %(ids)s.") % {"ids": unknown}}
        )
    fund = None
    if payload.fund is not None:
        fund = fund_selectors.get_fund_for(user, payload.fund, FUND_MANAGE)
    allocation = services.allocate(
        actor=user,
        station=station,
        kind=payload.kind,
        allocated_on=payload.allocated_on,
        lines=[services.ItemOut(item=items[x.item], quantity=x.quantity) for x in payload.lines],
        fund=fund,
        amount=payload.amount,
        value=payload.value,
        description=payload.description,
        receipt=receipt_by_pk(payload.receipt),
        **recipient,
    )
    return Status(201, allocation_out(_allocations(request).get(pk=allocation.pk)))


@router.get("/resources/allocations/{pk}", response=AllocationOut, summary="One allocation")
@api_requires(RESOURCE_VIEW)
def allocation_detail(request: HttpRequest, pk: int) -> AllocationOut:
    allocation = _allocations(request).filter(pk=pk).first()
    if allocation is None:
        raise deny(request, what="api:allocation", object_id=pk)
    return allocation_out(allocation)


# --- the service list ----------------------------------------------------------------------
@router.get(
    "/resources/stations/{code}/services", response=list[ServiceOut], summary="Services offered"
)
@api_requires(VIEW)
def service_list(request: HttpRequest, code: str, everything: bool = False) -> list[ServiceOut]:
    """What the station offers now (`everything=true`: also lines not offered now)."""
    station = station_for(request, code, VIEW)
    rows = selectors.services_of(request.user, station, all_lines=everything)
    return [service_out(s, station.code) for s in rows]


@router.post(
    "/resources/stations/{code}/services", response={201: ServiceOut}, summary="Add a service"
)
@api_requires(STATION_EDIT)
def service_create(request: HttpRequest, code: str, payload: ServiceIn) -> Status[ServiceOut]:
    station = station_for(request, code, STATION_EDIT)
    offering = offering_services.add_service(actor=request.user, station=station, **payload.dict())
    return Status(201, service_out(offering, station.code))


@router.patch("/resources/services/{pk}", response=ServiceOut, summary="Change a service")
@api_requires(STATION_EDIT)
def service_update(request: HttpRequest, pk: int, payload: ServicePatch) -> ServiceOut:
    offering = selectors.get_service_for(request.user, pk, STATION_EDIT)
    offering = offering_services.update_service(
        actor=request.user, offering=offering, **payload.dict(exclude_unset=True)
    )
    return service_out(offering, offering.station.code)


@router.delete("/resources/services/{pk}", response={204: None}, summary="Remove a service")
@api_requires(STATION_EDIT)
def service_delete(request: HttpRequest, pk: int) -> Status[None]:
    offering = selectors.get_service_for(request.user, pk, STATION_EDIT)
    offering_services.remove_service(actor=request.user, offering=offering)
    return Status(204, None)
