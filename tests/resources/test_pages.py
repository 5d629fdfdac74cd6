"""The resources pages for the personas of the demo world: donors, donations with goods lines,
stock, giving from the person page, funds with receipts and reversals, the service list, and
the panels on the person and station pages."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from shegong.core.models import AuditEvent
from shegong.resources import fund_services, offering_services, selectors, services
from shegong.resources.models import (
    Allocation,
    Donation,
    Donor,
    Fund,
    FundEntry,
    ServiceOffering,
    StockItem,
)
from tests.resources.conftest import new_fund, receipt_file, stock_up

pytestmark = pytest.mark.django_db


def today() -> str:
    return timezone.localdate().isoformat()


def lines_data(rows: list[tuple[str, str, str, str]], total: int = 3) -> dict[str, str]:
    data = {
        "lines-TOTAL_FORMS": str(total),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "50",
    }
    for i, (name, quantity, unit, category) in enumerate(rows):
        data |= {
            f"lines-{i}-name": name,
            f"lines-{i}-quantity": quantity,
            f"lines-{i}-unit": unit,
            f"lines-{i}-category": category,
        }
    return data


def item_lines(rows: list[tuple[int, str]], total: int = 3) -> dict[str, str]:
    data = {
        "lines-TOTAL_FORMS": str(total),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "50",
    }
    for i, (item, quantity) in enumerate(rows):
        data |= {f"lines-{i}-item": str(item), f"lines-{i}-quantity": quantity}
    return data


def test_lists_answer_each_persona(login: Any) -> None:
    for name in ("worker", "station_head", "district_admin", "city_admin", "auditor"):
        client = login(name)
        for url in (
            "/resources/donors/",
            "/resources/donations/",
            "/resources/stock/",
            "/resources/allocations/",
            "/resources/funds/",
        ):
            assert client.get(url).status_code == 200, (name, url)


def test_register_a_donor_and_reveal_the_phone(login: Any, station: Any) -> None:
    client = login("worker")
    response = client.post(
        "/resources/donors/new/",
        {"station": station.pk, "kind": "individual", "name": "李大姐", "phone": "13812345678"},
    )
    donor = Donor.objects.get(name="李大姐")
    assert response.status_code == 302 and response["Location"] == f"/resources/donors/{donor.pk}/"
    page = client.get(f"/resources/donors/{donor.pk}/").content.decode()
    assert "138****5678" in page and "13812345678" not in page
    revealed = client.post(f"/resources/donors/{donor.pk}/reveal/").content.decode()
    assert "13812345678" in revealed
    assert AuditEvent.objects.filter(action="donor.reveal_phone", object_id=str(donor.pk)).exists()
    bad = client.post("/resources/donors/new/", {"station": station.pk, "kind": "x", "name": ""})
    assert bad.status_code == 422


def test_record_a_donation_of_goods_then_give_some(login: Any, station: Any, person: Any) -> None:
    client = login("worker")
    data = {"station": station.pk, "kind": "goods", "received_on": today(), "value": "600"}
    data |= lines_data([("校服", "10", "套", "clothes"), ("书包", "6", "个", "school_supplies")])
    response = client.post("/resources/donations/new/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    donation = Donation.objects.latest("pk")
    assert donation.lines.count() == 2
    uniforms = StockItem.objects.get(station=station, name="校服")
    assert uniforms.quantity == 10
    assert "校服" in client.get("/resources/stock/").content.decode()

    url = f"/resources/allocations/new/?person={person.pk}"
    form = client.get(url)
    assert form.status_code == 200 and "校服" in form.content.decode()
    too_many = client.post(
        url, {"kind": "goods", "allocated_on": today()} | item_lines([(uniforms.pk, "11")])
    )
    assert too_many.status_code == 422
    assert 'data-field-error="lines"' in too_many.content.decode()
    assert not Allocation.objects.filter(person=person).exists()
    ok = client.post(
        url, {"kind": "goods", "allocated_on": today()} | item_lines([(uniforms.pk, "2")])
    )
    assert ok.status_code == 302
    uniforms.refresh_from_db()
    assert uniforms.quantity == 8
    person_page = client.get(f"/people/{person.pk}/").content.decode()
    assert 'data-testid="panel-person-received"' in person_page
    assert "校服 × 2 套" in person_page
    assert 'data-kind="allocation"' in person_page  # the timeline event


def test_more_lines_keeps_what_was_typed(login: Any, station: Any) -> None:
    client = login("worker")
    data = {"station": station.pk, "kind": "goods", "received_on": today(), "value": "1"}
    data |= lines_data([("台灯", "2", "个", "daily")]) | {"more": "1"}
    page = client.post("/resources/donations/new/", data)
    assert page.status_code == 200
    body = page.content.decode()
    assert 'value="台灯"' in body and 'name="lines-5-name"' in body
    assert not Donation.objects.filter(lines__item__name="台灯").exists()


def test_bad_donation_is_422_with_nothing_saved(login: Any, station: Any) -> None:
    client = login("worker")
    before = Donation.objects.count()
    data = {"station": station.pk, "kind": "goods", "received_on": today(), "value": "-5"}
    data |= lines_data([("台灯", "-2", "个", "daily")])
    response = client.post("/resources/donations/new/", data)
    assert response.status_code == 422
    assert Donation.objects.count() == before


def test_fund_pages_income_expense_with_receipt_and_reversal(
    login: Any, head: Any, station: Any
) -> None:
    client = login("station_head")
    response = client.post(
        "/resources/funds/new/",
        {
            "station": station.pk,
            "name": "金桥社区基金",
            "kind": "community",
            "receipt_required": "on",
            "opened_on": today(),
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    fund = Fund.objects.get(name="金桥社区基金")
    income = client.post(
        f"/resources/funds/{fund.pk}/entries/new/?direction=income",
        {
            "direction": "income",
            "amount": "1000",
            "occurred_on": today(),
            "source": "lottery_outlet",
        },
    )
    assert income.status_code == 302
    no_receipt = client.post(
        f"/resources/funds/{fund.pk}/entries/new/?direction=expense",
        {"direction": "expense", "amount": "100", "occurred_on": today(), "purpose": "充电桩"},
    )
    assert no_receipt.status_code == 422
    assert 'data-field-error="receipt"' in no_receipt.content.decode()
    assert FundEntry.objects.filter(fund=fund).count() == 1
    expense = client.post(
        f"/resources/funds/{fund.pk}/entries/new/?direction=expense",
        {
            "direction": "expense",
            "amount": "100",
            "occurred_on": today(),
            "purpose": "充电桩",
            "camera": receipt_file(),
        },
    )
    assert expense.status_code == 302
    entry = FundEntry.objects.get(fund=fund, seq=2)
    assert entry.receipt_id
    detail = client.get(f"/resources/funds/{fund.pk}/").content.decode()
    assert 'data-balance="900.00"' in detail
    receipt = client.get(f"/resources/receipts/{entry.receipt_id}/")
    assert receipt.status_code == 200 and receipt["Cache-Control"] == "private, no-store"
    assert client.get(f"/resources/receipts/{entry.receipt_id}/thumb/").status_code == 200
    reverse = client.post(
        f"/resources/entries/{entry.pk}/reverse/", {"reason": "重复录入", "occurred_on": today()}
    )
    assert reverse.status_code == 302
    assert FundEntry.objects.filter(fund=fund).count() == 3
    detail = client.get(f"/resources/funds/{fund.pk}/").content.decode()
    assert 'data-balance="1000.00"' in detail
    again = client.post(
        f"/resources/entries/{entry.pk}/reverse/", {"reason": "再次", "occurred_on": today()}
    )
    assert again.status_code == 422


def test_a_worker_records_income_but_not_expenses(login: Any, head: Any, station: Any) -> None:
    fund = new_fund(head, station)
    client = login("worker")
    assert (
        client.get(f"/resources/funds/{fund.pk}/entries/new/?direction=income").status_code == 200
    )
    assert (
        client.get(f"/resources/funds/{fund.pk}/entries/new/?direction=expense").status_code == 404
    )
    assert client.get("/resources/funds/new/").status_code == 404
    detail = client.get(f"/resources/funds/{fund.pk}/").content.decode()
    assert 'data-testid="record-income"' in detail and 'data-testid="record-expense"' not in detail


def test_the_service_list_and_the_station_page(login: Any, head: Any, station: Any) -> None:
    client = login("station_head")
    url = f"/resources/stations/{station.code}/services/"
    response = client.post(
        url,
        {
            "name": "老年人助餐",
            "domain": "elderly_care",
            "target_group": "独居老人",
            "schedule": "每周一至周五中午",
            "order": "10",
            "active": "on",
        },
    )
    assert response.status_code == 302
    offering = ServiceOffering.objects.get(station=station, name="老年人助餐")
    duplicate = client.post(url, {"name": "老年人助餐", "domain": "elderly_care", "order": "1"})
    assert duplicate.status_code == 422
    edit = client.post(
        f"/resources/services/{offering.pk}/edit/",
        {"name": "老年人助餐", "domain": "elderly_care", "schedule": "每天中午", "order": "5"},
    )
    assert edit.status_code == 302
    offering.refresh_from_db()
    assert offering.schedule == "每天中午" and offering.active is False  # unticked
    fund = new_fund(head, station)
    fund_services.record_income(actor=head, fund=fund, amount="88.50", source="residents")
    stock_up(head, station, "电饭煲", "2", unit="台")
    worker = login("worker")
    page = worker.get(f"/stations/{station.code}/").content.decode()
    assert 'data-testid="panel-station-resources"' in page
    assert "电饭煲" in page and 'data-balance="88.50"' in page
    # A worker sees the list but may not change it.
    assert worker.get(url).status_code == 200
    assert (
        worker.post(url, {"name": "x", "domain": "elderly_care", "order": "1"}).status_code == 404
    )
    assert worker.post(f"/resources/services/{offering.pk}/delete/").status_code == 404
    head_client = login("station_head")
    assert head_client.post(f"/resources/services/{offering.pk}/delete/").status_code == 302
    assert not ServiceOffering.objects.filter(pk=offering.pk).exists()


def test_the_neighbour_gets_404_for_our_objects(
    login: Any, persona: Any, worker: Any, head: Any, station: Any, person: Any
) -> None:
    donor = services.register_donor(actor=worker, station=station, kind="enterprise", name="甲")
    fund = new_fund(head, station)
    allocation = services.allocate(
        actor=worker, station=station, kind="service", person=person, description="理发"
    )
    offering = offering_services.add_service(
        actor=head, station=station, name="理发", domain="elderly_care"
    )
    client = login("neighbour_worker")
    for url in (
        f"/resources/donors/{donor.pk}/",
        f"/resources/funds/{fund.pk}/",
        f"/resources/allocations/{allocation.pk}/",
        f"/resources/allocations/new/?person={person.pk}",
        f"/resources/allocations/new/?person={person.pk}&station={station.code}",
        f"/resources/stations/{station.code}/services/",
        f"/resources/services/{offering.pk}/edit/",
    ):
        assert client.get(url).status_code == 404, url
    mine = client.get("/resources/allocations/").content.decode()
    assert f'data-allocation="{allocation.pk}"' not in mine
    assert (
        not Allocation.objects.visible_to(persona("neighbour_worker"))
        .filter(pk=allocation.pk)
        .exists()
    )


def test_give_a_service_to_a_household_and_see_the_counts(
    login: Any, worker: Any, station: Any, people: list[Any]
) -> None:
    from shegong.people.models import Household

    member = people[1]
    if member.household is None:
        member.household = Household.objects.create(region=member.region, address="朝阳里1号")
        member.save(update_fields=["household"])
    client = login("worker")
    page = client.get(f"/people/{member.pk}/").content.decode()
    assert 'data-testid="give-household"' in page
    url = f"/resources/allocations/new/?household={member.household_id}"
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"kind": "service", "allocated_on": today(), "description": "上门维修电灯"}
    )
    assert response.status_code == 302
    allocation = Allocation.objects.get(household_id=member.household_id)
    assert allocation.region_code == member.household.region_id
    for _ in range(3):
        services.allocate(
            actor=worker,
            station=station,
            kind="service",
            person=people[2],
            description="理发",
        )
    listing = client.get("/resources/allocations/").content.decode()
    assert 'data-testid="counts-total"' in listing
    assert f'data-allocation="{allocation.pk}"' in listing
    counts = selectors.recipient_counts(
        worker, timezone.localdate(), timezone.localdate(), station=station
    )
    assert (counts.total.persons, counts.total.person_times) == (1, 3)
    assert (counts.households, counts.household_times) == (1, 1)


def test_a_donor_page_offers_a_donation_with_the_donor_chosen(
    login: Any, worker: Any, station: Any
) -> None:
    donor = services.register_donor(actor=worker, station=station, kind="enterprise", name="丙")
    page = login("worker").get(f"/resources/donations/new/?donor={donor.pk}").content.decode()
    assert f'<option value="{donor.pk}" selected>' in page


def test_detail_and_edit_pages_render(
    login: Any, worker: Any, head: Any, station: Any, person: Any
) -> None:
    donor = services.register_donor(actor=worker, station=station, kind="individual", name="丁")
    fund = new_fund(head, station)
    donation = services.record_donation(
        actor=worker, station=station, kind="money", value="66", donor=donor, fund=fund
    )
    coats = stock_up(worker, station, "手套", "4", unit="副")
    allocation = services.allocate(
        actor=worker,
        station=station,
        kind="goods",
        person=person,
        lines=[services.ItemOut(coats, "1")],
        description="冬季慰问",
    )
    client = login("worker")
    page = client.get(f"/resources/donations/{donation.pk}/").content.decode()
    assert 'data-testid="donation-value"' in page and fund.name in page
    page = client.get(f"/resources/allocations/{allocation.pk}/").content.decode()
    assert "手套" in page and person.name in page
    assert client.get(f"/resources/donors/{donor.pk}/edit/").status_code == 200
    saved = client.post(
        f"/resources/donors/{donor.pk}/edit/", {"kind": "individual", "name": "丁女士"}
    )
    assert saved.status_code == 302
    donor.refresh_from_db()
    assert donor.name == "丁女士" and donor.phone == ""
    auditor = login("auditor")
    assert auditor.get(f"/resources/allocations/{allocation.pk}/").status_code == 200
    assert auditor.get(f"/resources/funds/{fund.pk}/").status_code == 200
    assert auditor.get(f"/resources/donors/{donor.pk}/edit/").status_code == 404
