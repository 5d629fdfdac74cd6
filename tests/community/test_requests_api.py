"""The residents' request API: intake with triage, the priority function, assignment across
stations refused (422, nothing saved), the life cycle, the overdue tab, 404 outside."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from shegong.community.request_models import ResidentRequest
from tests.community.test_requests import CHAOYANG, TRIAGE_TABLE, lamp, station, today

pytestmark = pytest.mark.django_db


def post(client: Any, url: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(url, data=json.dumps(body or {}), content_type="application/json")


def test_the_priority_endpoint_covers_the_table(login: Any) -> None:
    client = login("auditor")
    for (urgency, importance), priority in TRIAGE_TABLE.items():
        data = client.get(
            f"/api/resident-requests/priority?urgency={urgency}&importance={importance}"
        ).json()
        assert data["priority"] == priority
    bad = client.get("/api/resident-requests/priority?urgency=x&importance=high")
    assert bad.status_code == 422 and "urgency" in bad.json()["errors"]


def test_the_life_cycle_over_the_api(login: Any, persona: Any) -> None:
    worker = persona("worker")
    client = login("station_head")
    created = post(
        client,
        "/api/resident-requests",
        {
            "station": station().code,
            "channel": "grid_worker",
            "resident_name": "赵大爷",
            "contact": "13800003333",
            "community": f"{CHAOYANG}",
            "topic": "home_help",
            "title": "换灯泡",
            "urgency": "medium",
            "importance": "low",
        },
    )
    assert created.status_code == 201, created.content
    data = created.json()
    assert data["priority"] == 4 and data["contact_masked"] == "138****3333"
    assert "contact" not in data
    pk = data["id"]
    wrong = post(
        client,
        f"/api/resident-requests/{pk}/assign",
        {"assigned_to": persona("neighbour_worker").pk},
    )
    assert wrong.status_code == 422 and "assigned_to" in wrong.json()["errors"]
    assert ResidentRequest.objects.get(pk=pk).assigned_to is None
    assert (
        post(client, f"/api/resident-requests/{pk}/assign", {"assigned_to": worker.pk}).json()[
            "status"
        ]
        == "assigned"
    )
    me = login("worker")
    assert [r["id"] for r in me.get("/api/resident-requests?tab=mine").json()["items"]] == [pk]
    assert post(me, f"/api/resident-requests/{pk}/start").json()["status"] == "in_progress"
    bad = post(me, f"/api/resident-requests/{pk}/resolve", {"resolution": "", "satisfaction": 7})
    assert bad.status_code == 422 and {"resolution", "satisfaction"} <= set(bad.json()["errors"])
    done = post(
        me, f"/api/resident-requests/{pk}/resolve", {"resolution": "换好了", "satisfaction": 4}
    )
    assert done.json()["status"] == "resolved" and done.json()["satisfaction"] == 4
    assert [e["action"] for e in done.json()["history"]] == [
        "intake",
        "triage",
        "assign",
        "start",
        "resolve",
    ]
    again = post(me, f"/api/resident-requests/{pk}/satisfaction", {"satisfaction": 5})
    assert again.status_code == 422
    assert post(me, f"/api/resident-requests/{pk}/reveal").json() == {"contact": "13800003333"}


def test_intake_assigning_another_station_saves_nothing(login: Any, persona: Any) -> None:
    before = ResidentRequest.objects.count()
    response = post(
        login("station_head"),
        "/api/resident-requests",
        {
            "station": station().code,
            "channel": "walk_in",
            "resident_name": "钱女士",
            "title": "充电难",
            "urgency": "high",
            "importance": "high",
            "assigned_to": persona("neighbour_worker").pk,
        },
    )
    assert response.status_code == 422 and "assigned_to" in response.json()["errors"]
    assert ResidentRequest.objects.count() == before


def test_the_overdue_tab_and_404(login: Any, persona: Any) -> None:
    late = lamp(persona("worker"), received_on=today() - dt.timedelta(days=4))
    fresh = lamp(persona("worker"))
    head = login("station_head")
    ids = [r["id"] for r in head.get("/api/resident-requests?tab=overdue").json()["items"]]
    assert late.pk in ids and fresh.pk not in ids
    item = next(
        r
        for r in head.get("/api/resident-requests?tab=overdue").json()["items"]
        if r["id"] == late.pk
    )
    assert item["days_overdue"] == 2
    neighbour = login("neighbour_worker")
    assert neighbour.get(f"/api/resident-requests/{late.pk}").status_code == 404
    assert (
        post(neighbour, f"/api/resident-requests/{late.pk}/close", {"reason": "x"}).status_code
        == 404
    )
    assert late.pk not in [r["id"] for r in neighbour.get("/api/resident-requests").json()["items"]]
    admin = login("district_admin")
    assert admin.get(f"/api/resident-requests/{late.pk}").status_code == 200
    assert (
        post(admin, f"/api/resident-requests/{late.pk}/close", {"reason": "x"}).status_code == 404
    )
