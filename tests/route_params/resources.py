"""Route parameters naming an object outside every persona's jurisdiction (see test_routes).

The resources objects live at the Beijing station (`outside.station`); each helper makes its
object on first use, inside the test's transaction, directly through the ORM (the services
would refuse nobody here, but they are not what these tests are about).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from shegong.core.models import Attachment
from tests.conftest import Outside

DAY = dt.date(2025, 3, 1)


def outside_donor(o: Outside) -> int:
    from shegong.resources.models import Donor

    donor, _created = Donor.objects.get_or_create(
        station=o.station,
        name="京外爱心企业",
        defaults={"region_code": o.station.region_id, "kind": "enterprise"},
    )
    return donor.pk


def outside_donation(o: Outside) -> int:
    from shegong.resources.models import Donation

    donation, _created = Donation.objects.get_or_create(
        station=o.station,
        description="京外捐赠",
        defaults={
            "region_code": o.station.region_id,
            "kind": "service",
            "received_on": DAY,
            "value": Decimal(0),
        },
    )
    return donation.pk


def outside_allocation(o: Outside) -> int:
    from shegong.resources.models import Allocation

    allocation, _created = Allocation.objects.get_or_create(
        station=o.station,
        person=o.person,
        description="京外发放",
        defaults={"region_code": o.person.region_id, "kind": "service", "allocated_on": DAY},
    )
    return allocation.pk


def outside_fund(o: Outside) -> int:
    from shegong.resources.models import Fund

    fund, _created = Fund.objects.get_or_create(
        station=o.station,
        name="京外社区基金",
        defaults={"region_code": o.station.region_id, "kind": "community", "opened_on": DAY},
    )
    return fund.pk


def outside_entry(o: Outside) -> int:
    from shegong.resources.models import FundEntry

    fund_id = outside_fund(o)
    entry = FundEntry.objects.filter(fund_id=fund_id, seq=1).first()
    if entry is None:
        entry = FundEntry.objects.create(
            fund_id=fund_id,
            region_code=o.station.region_id,
            seq=1,
            direction="income",
            amount=Decimal("100.00"),
            balance_after=Decimal("100.00"),
            income_to_date=Decimal("100.00"),
            occurred_on=DAY,
            source="residents",
        )
    return entry.pk


def outside_receipt(o: Outside) -> int:
    """A receipt row of the Beijing fund (no file: the 404 never reaches the storage)."""
    receipt, _created = Attachment.objects.get_or_create(
        owner_type="resources.fund",
        owner_id=outside_fund(o),
        defaults={
            "region_code": o.station.region_id,
            "kind": "photo",
            "original_name": "京外收据.jpg",
            "content_type": "image/jpeg",
            "size": 1,
            "sha256": "0" * 64,
            "file": "00/outside_receipt.jpg",
            "thumbnail": "00/outside_receipt_t.jpg",
            "uploaded_by": o.user,
        },
    )
    return receipt.pk


def outside_service(o: Outside) -> int:
    from shegong.resources.models import ServiceOffering

    offering, _created = ServiceOffering.objects.get_or_create(
        station=o.station,
        name="京外服务",
        defaults={"region_code": o.station.region_id, "domain": "elderly_care"},
    )
    return offering.pk


OBJECT_PARAMS: dict[tuple[str, str], Callable[[Outside], Any]] = {
    ("resources:donor", "pk"): outside_donor,
    ("resources:donor_edit", "pk"): outside_donor,
    ("resources:donor_reveal", "pk"): outside_donor,
    ("resources:donation", "pk"): outside_donation,
    ("resources:allocation", "pk"): outside_allocation,
    ("resources:fund", "pk"): outside_fund,
    ("resources:entry_new", "pk"): outside_fund,
    ("resources:entry_reverse", "pk"): outside_entry,
    ("resources:receipt", "pk"): outside_receipt,
    ("resources:receipt_thumb", "pk"): outside_receipt,
    ("resources:services", "code"): lambda o: o.station.code,
    ("resources:service_edit", "pk"): outside_service,
    ("resources:service_delete", "pk"): outside_service,
}
API_PARAMS: dict[str, Callable[[Outside], Any]] = {
    "/api/resources/donors/{pk}": outside_donor,
    "/api/resources/donors/{pk}/reveal": outside_donor,
    "/api/resources/donations/{pk}": outside_donation,
    "/api/resources/allocations/{pk}": outside_allocation,
    "/api/resources/stations/{code}/services": lambda o: o.station.code,
    "/api/resources/services/{pk}": outside_service,
    "/api/resources/funds/{pk}": outside_fund,
    "/api/resources/funds/{pk}/entries": outside_fund,
    "/api/resources/funds/{pk}/check": outside_fund,
    "/api/resources/funds/{pk}/receipts": outside_fund,
    "/api/resources/entries/{pk}/reverse": outside_entry,
}
# Valid bodies, so that the request reaches the jurisdiction check (not a 422).
API_BODIES: dict[str, dict[str, Any]] = {
    "/api/resources/stations/{code}/services": {"name": "测试服务", "domain": "elderly_care"},
    "/api/resources/funds/{pk}/entries": {
        "direction": "income",
        "amount": "10.00",
        "source": "residents",
    },
    "/api/resources/entries/{pk}/reverse": {"reason": "测试"},
}
