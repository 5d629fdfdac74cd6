"""Donors (the phone of an individual is personal data) and donations of money, goods and
services: what is stored, what is refused, money paid into a fund, money allocations."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from shegong.core.models import AuditEvent
from shegong.resources import fund_selectors, fund_services, services
from shegong.resources.models import Allocation, Donation, Donor, FundEntry
from tests.resources.conftest import new_fund, receipt_file

pytestmark = pytest.mark.django_db


def test_a_donors_phone_is_stored_encrypted_and_shown_masked(worker: Any, station: Any) -> None:
    donor = services.register_donor(
        actor=worker, station=station, kind="individual", name="王爱心", phone="139 0000 1234"
    )
    assert donor.phone == "13900001234"
    assert donor.phone_masked == "139****1234"
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM resources_donor WHERE id = %s", [donor.pk])
        raw = cursor.fetchone()[0]
    assert "13900001234" not in raw and "1234" not in raw
    before = AuditEvent.objects.filter(action="donor.reveal_phone").count()
    assert services.reveal_donor_phone(actor=worker, donor=donor) == "13900001234"
    assert AuditEvent.objects.filter(action="donor.reveal_phone").count() == before + 1


def test_bad_donor_input(worker: Any, persona: Any, station: Any) -> None:
    with pytest.raises(ValidationError) as e:
        services.register_donor(actor=worker, station=station, kind="alien", name="", phone="12")
    assert {"kind", "name", "phone"} <= set(e.value.error_dict)
    with pytest.raises(ValidationError) as e:
        services.register_donor(
            actor=persona("neighbour_worker"), station=station, kind="enterprise", name="某企业"
        )
    assert e.value.code == "forbidden"
    assert not Donor.objects.filter(name__in=["", "某企业"]).exists()


def test_donations_of_each_kind(worker: Any, station: Any) -> None:
    donor = services.register_donor(
        actor=worker, station=station, kind="enterprise", name="津门超市"
    )
    money = services.record_donation(
        actor=worker, station=station, kind="money", value="2000.50", donor=donor
    )
    service = services.record_donation(
        actor=worker, station=station, kind="service", value="0", description="义务理发一次"
    )
    assert money.value == Decimal("2000.50") and money.donor == donor
    assert service.donor is None and service.kind == "service"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"kind": "money", "value": "0"}, "value"),
        ({"kind": "money", "value": "-100"}, "value"),
        ({"kind": "goods", "value": "-1"}, "value"),
        ({"kind": "goods", "value": "10"}, "lines"),  # no items listed
        ({"kind": "service", "value": "0"}, "description"),
        ({"kind": "gift", "value": "1"}, "kind"),
    ],
)
def test_bad_donations_are_refused_and_nothing_saved(
    worker: Any, station: Any, kwargs: dict[str, Any], field: str
) -> None:
    before = Donation.objects.count()
    with pytest.raises(ValidationError) as e:
        services.record_donation(actor=worker, station=station, **kwargs)
    assert field in e.value.error_dict
    assert Donation.objects.count() == before


def test_money_paid_into_a_fund(worker: Any, head: Any, station: Any) -> None:
    fund = new_fund(head, station)
    donor = services.register_donor(actor=worker, station=station, kind="enterprise", name="某厂")
    donation = services.record_donation(
        actor=worker, station=station, kind="money", value="5000", donor=donor, fund=fund
    )
    entry = FundEntry.objects.get(donation=donation)
    assert entry.direction == "income" and entry.amount == Decimal("5000.00")
    assert entry.source == "enterprise"
    assert fund_selectors.balance(fund) == Decimal("5000.00")
    with pytest.raises(ValidationError) as e:
        services.record_donation(
            actor=worker, station=station, kind="goods", value="5", fund=fund,
            lines=[services.GoodsIn(name="米", unit="袋", quantity="1")],
        )  # fmt: skip
    assert "fund" in e.value.error_dict


def test_money_allocation_is_a_fund_expense(
    head: Any, worker: Any, station: Any, person: Any
) -> None:
    fund = new_fund(head, station)
    fund_services.record_income(actor=head, fund=fund, amount="1000", source="lottery_outlet")
    # A worker may not pay out of a fund.
    with pytest.raises(ValidationError) as e:
        services.allocate(
            actor=worker, station=station, kind="money", person=person, fund=fund, amount="200",
            receipt_upload=receipt_file(),
        )  # fmt: skip
    assert "fund" in e.value.error_dict
    # Without a receipt where the fund requires one: refused, nothing saved.
    with pytest.raises(ValidationError) as e:
        services.allocate(
            actor=head, station=station, kind="money", person=person, fund=fund, amount="200"
        )
    assert "receipt" in e.value.error_dict
    # More than the fund holds: refused at "amount", nothing saved.
    with pytest.raises(ValidationError) as e:
        services.allocate(
            actor=head, station=station, kind="money", person=person, fund=fund, amount="1000.01",
            receipt_upload=receipt_file(),
        )  # fmt: skip
    assert e.value.error_dict["amount"][0].code == "insufficient"
    assert not Allocation.objects.filter(person=person, kind="money").exists()
    assert FundEntry.objects.filter(fund=fund).count() == 1
    allocation = services.allocate(
        actor=head, station=station, kind="money", person=person, fund=fund, amount="200",
        description="助学金", receipt_upload=receipt_file(),
    )  # fmt: skip
    entry = allocation.fund_entry
    assert entry is not None and entry.direction == "expense" and entry.receipt_id
    assert person.name not in entry.purpose  # the ledger does not name the person
    assert allocation.value == Decimal("200.00")
    assert fund_selectors.balance(fund) == Decimal("800.00")
    assert fund_selectors.verify(fund).ok
