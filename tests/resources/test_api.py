"""The resources API: the same services as the pages, 404 outside the jurisdiction, 422 by
field with nothing saved."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from shegong.resources import fund_selectors, fund_services, services
from shegong.resources.models import Allocation, Donation, FundEntry, StockItem
from tests.resources.conftest import new_fund, receipt_file

pytestmark = pytest.mark.django_db


def post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, data=json.dumps(body), content_type="application/json")


def test_donor_donation_stock_and_allocation(login: Any, station: Any, person: Any) -> None:
    client = login("worker")
    r = post(
        client,
        "/api/resources/donors",
        {"station": station.code, "kind": "individual", "name": "赵先生", "phone": "13700001111"},
    )
    assert r.status_code == 201, r.content
    donor = r.json()
    assert donor["phone_masked"] == "137****1111" and "phone" not in donor
    assert post(client, f"/api/resources/donors/{donor['id']}/reveal", {}).json() == {
        "phone": "13700001111"
    }
    r = post(
        client,
        "/api/resources/donations",
        {
            "station": station.code,
            "kind": "goods",
            "value": "300",
            "donor": donor["id"],
            "lines": [
                {"name": "文具盒", "unit": "个", "quantity": "30", "category": "school_supplies"}
            ],
        },
    )
    assert r.status_code == 201, r.content
    assert r.json()["lines"][0]["quantity"] == "30.00"
    stock = client.get(f"/api/resources/stock?station={station.code}").json()["items"]
    item = next(i for i in stock if i["name"] == "文具盒")
    assert item["quantity"] == "30.00"

    too_many = post(
        client,
        "/api/resources/allocations",
        {
            "station": station.code,
            "kind": "goods",
            "person": person.pk,
            "lines": [{"item": item["id"], "quantity": "31"}],
        },
    )
    assert too_many.status_code == 422
    assert too_many.json()["codes"]["lines"] == ["insufficient"]
    assert not Allocation.objects.filter(person=person).exists()
    r = post(
        client,
        "/api/resources/allocations",
        {
            "station": station.code,
            "kind": "goods",
            "person": person.pk,
            "lines": [{"item": item["id"], "quantity": "3"}],
        },
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["recipient"] == "person" and body["person"] == person.pk
    assert StockItem.objects.get(pk=item["id"]).quantity == Decimal("27")
    counts = client.get(f"/api/resources/allocations/counts?station={station.code}").json()
    assert counts["total"]["person_times"] == 1 and counts["total"]["persons"] == 1
    listed = client.get(f"/api/resources/allocations?person={person.pk}").json()
    assert [a["id"] for a in listed["items"]] == [body["id"]]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "money", "value": "-1"}, "value"),
        ({"kind": "money", "value": "0"}, "value"),
        ({"kind": "goods", "value": "1", "lines": []}, "lines"),
        (
            {
                "kind": "goods",
                "value": "1",
                "lines": [{"name": "米", "unit": "kg", "quantity": "-2"}],
            },
            "lines",
        ),
        ({"kind": "service", "value": "0"}, "description"),
    ],
)
def test_bad_donations_answer_422_by_field(
    login: Any, station: Any, body: dict[str, Any], field: str
) -> None:
    before = Donation.objects.count()
    r = post(login("worker"), "/api/resources/donations", {"station": station.code, **body})
    assert r.status_code == 422
    assert field in r.json()["errors"]
    assert Donation.objects.count() == before


def test_funds_receipts_entries_reversal_and_check(login: Any, station: Any) -> None:
    client = login("station_head")
    r = post(
        client,
        "/api/resources/funds",
        {"station": station.code, "name": "爱心基金", "kind": "charity"},
    )
    assert r.status_code == 201, r.content
    fund = r.json()
    assert fund["balance"] == "0.00" and fund["receipt_required"] is True
    url = f"/api/resources/funds/{fund['id']}"
    r = post(
        client,
        f"{url}/entries",
        {"direction": "income", "amount": "1200.50", "source": "enterprise"},
    )
    assert r.status_code == 201 and r.json()["balance_after"] == "1200.50"
    for bad in ("0", "-3"):
        r = post(
            client, f"{url}/entries", {"direction": "income", "amount": bad, "source": "enterprise"}
        )
        assert r.status_code == 422 and "amount" in r.json()["errors"]
    r = post(client, f"{url}/entries", {"direction": "expense", "amount": "200", "purpose": "慰问"})
    assert r.status_code == 422 and r.json()["codes"]["receipt"] == ["required"]
    upload = client.post(f"{url}/receipts", {"file": receipt_file()})
    assert upload.status_code == 201, upload.content
    receipt = upload.json()
    assert client.get(receipt["url"]).status_code == 200
    r = post(
        client,
        f"{url}/entries",
        {"direction": "expense", "amount": "200", "purpose": "慰问", "receipt": receipt["id"]},
    )
    assert r.status_code == 201, r.content
    expense = r.json()
    assert expense["receipt"] == receipt["id"] and expense["balance_after"] == "1000.50"
    r = post(client, f"/api/resources/entries/{expense['id']}/reverse", {"reason": "发票作废"})
    assert r.status_code == 201 and r.json()["reverses"] == expense["seq"]
    assert client.get(url).json()["balance"] == "1200.50"
    check = client.get(f"{url}/check").json()
    assert check["ok"] is True and check["entries"] == 3 and check["sum_of_entries"] == "1200.50"
    ledger = client.get(f"{url}/entries").json()["items"]
    assert [e["seq"] for e in ledger] == [3, 2, 1]


def test_a_worker_may_not_spend_and_gets_404_for_expense_routes(
    login: Any, head: Any, station: Any
) -> None:
    fund = new_fund(head, station)
    fund_services.record_income(actor=head, fund=fund, amount="100", source="residents")
    client = login("worker")
    r = post(
        client,
        f"/api/resources/funds/{fund.pk}/entries",
        {"direction": "expense", "amount": "5", "purpose": "x"},
    )
    assert r.status_code == 404
    r = post(
        client,
        f"/api/resources/funds/{fund.pk}/entries",
        {"direction": "income", "amount": "5", "source": "residents"},
    )
    assert r.status_code == 201
    assert FundEntry.objects.filter(fund=fund).count() == 2
    assert fund_selectors.balance(fund) == Decimal("105.00")


def test_the_neighbour_gets_404(
    login: Any, worker: Any, head: Any, station: Any, person: Any
) -> None:
    donor = services.register_donor(actor=worker, station=station, kind="enterprise", name="乙")
    fund = new_fund(head, station)
    client = login("neighbour_worker")
    assert client.get(f"/api/resources/donors/{donor.pk}").status_code == 404
    assert client.get(f"/api/resources/funds/{fund.pk}").status_code == 404
    r = post(
        client,
        "/api/resources/allocations",
        {"station": station.code, "kind": "service", "person": person.pk, "description": "x"},
    )
    assert r.status_code == 404
    assert client.get(f"/api/resources/stock?station={station.code}").status_code == 404


def test_the_service_list(login: Any, station: Any) -> None:
    head = login("station_head")
    url = f"/api/resources/stations/{station.code}/services"
    r = post(
        head, url, {"name": "法律咨询", "domain": "social_affairs", "schedule": "每月第一个周三"}
    )
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    assert post(head, url, {"name": "法律咨询", "domain": "social_affairs"}).status_code == 422
    assert post(head, url, {"name": "x", "domain": "astrology"}).json()["errors"].keys() == {
        "domain"
    }
    r = head.patch(
        f"/api/resources/services/{pk}",
        data=json.dumps({"active": False}),
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["active"] is False
    worker = login("worker")
    assert worker.get(url).json() == []  # not offered now
    assert [s["id"] for s in worker.get(f"{url}?everything=true").json()] == [pk]
    assert post(worker, url, {"name": "y", "domain": "social_affairs"}).status_code == 404
    assert login("station_head").delete(f"/api/resources/services/{pk}").status_code == 204
