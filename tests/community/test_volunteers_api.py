"""The volunteer and pairing API: registering, hours (30 in a day → 422, nothing saved),
recognitions, teams, pairings and contacts, logins; 404 for the next station."""

from __future__ import annotations

import json
from typing import Any

import pytest

from shegong.community import volunteer_services as svc
from shegong.community.volunteer_models import Pairing, Volunteer, VolunteerHours
from tests.community.test_volunteers import CHAOYANG, PASSWORD, resident, station, today, volunteer

pytestmark = pytest.mark.django_db


def post(client: Any, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, data=json.dumps(body), content_type="application/json")


def test_register_list_and_read_a_volunteer(login: Any, persona: Any) -> None:
    worker = persona("worker")
    team = svc.create_team(actor=worker, station=station(), name="针锋裁缝")
    client = login("worker")
    response = post(
        client,
        "/api/volunteers",
        {
            "station": station().code,
            "name": "缝补阿姨",
            "phone": "13500001111",
            "community": f"{CHAOYANG}",
            "teams": [team.pk],
            "skills": ["缝纫"],
            "available_days": [2, 4],
        },
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["phone_masked"] == "135****1111" and "phone" not in data
    revealed = post(client, f"/api/volunteers/{data['id']}/reveal", {})
    assert revealed.json() == {"phone": "13500001111"}
    assert (
        post(login("district_admin"), f"/api/volunteers/{data['id']}/reveal", {}).status_code == 404
    )
    client = login("worker")
    assert data["teams"] == [team.pk] and data["total_hours"] == "0"
    listing = client.get("/api/volunteers?q=缝补").json()
    assert [v["id"] for v in listing["items"]] == [data["id"]]
    assert client.get(f"/api/volunteers/{data['id']}").json()["name"] == "缝补阿姨"
    patched = client.patch(
        f"/api/volunteers/{data['id']}",
        data=json.dumps({"availability": "周二、周四下午"}),
        content_type="application/json",
    )
    assert patched.status_code == 200 and patched.json()["availability"] == "周二、周四下午"
    assert client.get("/api/volunteer-teams").json()[0]["name"]


def test_registration_errors_are_keyed(login: Any) -> None:
    before = Volunteer.objects.count()
    response = post(
        login("worker"), "/api/volunteers", {"station": station().code, "name": "", "phone": "1"}
    )
    assert response.status_code == 422
    assert {"name", "phone"} <= set(response.json()["errors"])
    assert Volunteer.objects.count() == before


def test_hours_over_the_cap_are_422_and_nothing_is_saved(login: Any, persona: Any) -> None:
    vol = volunteer(persona("worker"))
    client = login("worker")
    day = today().isoformat()
    thirty = post(client, f"/api/volunteers/{vol.pk}/hours", {"hours": "30", "served_on": day})
    assert thirty.status_code == 422 and "hours" in thirty.json()["errors"]
    negative = post(client, f"/api/volunteers/{vol.pk}/hours", {"hours": "-3", "served_on": day})
    assert negative.status_code == 422 and "hours" in negative.json()["errors"]
    assert not VolunteerHours.objects.filter(volunteer=vol).exists()
    ok = post(client, f"/api/volunteers/{vol.pk}/hours", {"hours": "16", "served_on": day})
    assert ok.status_code == 201 and ok.json()["hours"] == "16.00"
    over = post(client, f"/api/volunteers/{vol.pk}/hours", {"hours": "9", "served_on": day})
    assert over.status_code == 422
    assert [h["hours"] for h in client.get(f"/api/volunteers/{vol.pk}/hours").json()] == ["16.00"]
    entry = ok.json()["id"]
    assert client.delete(f"/api/volunteer-hours/{entry}").status_code == 204
    assert not VolunteerHours.objects.filter(volunteer=vol).exists()


def test_recognitions_and_login(login: Any, persona: Any) -> None:
    vol = volunteer(persona("worker"))
    worker = login("worker")
    rec = post(worker, f"/api/volunteers/{vol.pk}/recognitions", {"kind": "star", "stars": 1})
    assert rec.status_code == 422 and "stars" in rec.json()["errors"]
    rec = post(worker, f"/api/volunteers/{vol.pk}/recognitions", {"kind": "other", "title": "热心"})
    assert rec.status_code == 201
    # Logins: station heads (STAFF_MANAGE) only.
    body = {"username": "api_volunteer", "password": PASSWORD}
    assert post(worker, f"/api/volunteers/{vol.pk}/login", body).status_code == 404
    head = login("station_head")
    created = post(head, f"/api/volunteers/{vol.pk}/login", body)
    assert created.status_code == 201
    assert Volunteer.objects.get(pk=vol.pk).user.username == "api_volunteer"


def test_pairings_and_contacts(login: Any, persona: Any) -> None:
    worker = persona("worker")
    vol = volunteer(worker)
    elder = resident(worker)
    client = login("worker")
    created = post(
        client,
        "/api/pairings",
        {"volunteer": vol.pk, "person": elder.pk, "kind": "one_to_one", "contact_every_days": 7},
    )
    assert created.status_code == 201
    pk = created.json()["id"]
    again = post(client, "/api/pairings", {"volunteer": vol.pk, "person": elder.pk, "kind": "peer"})
    assert again.status_code == 422 and "person" in again.json()["errors"]
    contact = post(
        client,
        f"/api/pairings/{pk}/contacts",
        {"contacted_on": today().isoformat(), "mode": "home_visit", "notes": "送饭", "hours": "1"},
    )
    assert contact.status_code == 201
    assert contact.json()["contacts"][0]["hours"] == "1.00"
    assert contact.json()["last_contact"] == today().isoformat()
    assert [p["id"] for p in client.get(f"/api/pairings?person={elder.pk}").json()] == [pk]
    ended = post(client, f"/api/pairings/{pk}/end", {"reason": "目标达成"})
    assert ended.status_code == 200 and ended.json()["ended_on"] == today().isoformat()
    assert Pairing.objects.get(pk=pk).end_reason == "目标达成"


def test_the_next_station_gets_404(login: Any, persona: Any) -> None:
    vol = volunteer(persona("worker"))
    client = login("neighbour_worker")
    assert client.get(f"/api/volunteers/{vol.pk}").status_code == 404
    assert post(client, f"/api/volunteers/{vol.pk}/hours", {"hours": "1"}).status_code == 404
    assert client.get("/api/volunteers").json()["items"] == [] or all(
        v["id"] != vol.pk for v in client.get("/api/volunteers").json()["items"]
    )
    body = {"volunteer": vol.pk, "person": resident(persona("worker")).pk, "kind": "peer"}
    assert post(client, "/api/pairings", body).status_code == 404
