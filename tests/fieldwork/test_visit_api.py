"""The visit API: the same answers by session and by bearer token, the same jurisdiction and
the same validation as the pages."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from shegong.accounts import services as account_services
from shegong.core.idnumber import make
from shegong.fieldwork.models import Visit
from shegong.fieldwork.services import record_visit
from shegong.people import services as people
from shegong.people.models import Category, LivingSituation, Person
from shegong.regions.models import Region

pytestmark = pytest.mark.django_db

CHAOYANG = 120113001009  # 朝阳里社区, 果园新村街道
_seq = itertools.count(351)


def today() -> dt.date:
    return timezone.localdate()


def elder_alone(actor: Any, *, since_days: int = 100) -> Person:
    seq = next(_seq)
    person = people.register_person(
        actor=actor,
        name=f"接口{seq}",
        id_number=make("120113", dt.date(1951, 5, 6), seq, "F"),
        region=Region.objects.get(code=CHAOYANG),
        living_situation=LivingSituation.ALONE,
    )
    people.add_membership(
        actor=actor,
        person=person,
        category=Category.objects.get(code="elderly_alone"),
        valid_from=today() - dt.timedelta(days=since_days),
        source="civil_affairs",
    )
    return person


def post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, data=json.dumps(body), content_type="application/json")


def clients(user: Any) -> tuple[Client, Client]:
    _token, secret = account_services.issue_api_token(actor=user, name="phone")
    by_session = Client()
    by_session.force_login(user)
    return by_session, Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def test_session_and_token_give_the_same_answers(persona: Any) -> None:
    worker = persona("worker")
    elder = elder_alone(worker)
    visit = record_visit(actor=worker, person=elder, kind="phone_call", visited_on=today())
    by_session, by_token = clients(worker)
    for url in [
        "/api/visits",
        f"/api/visits?person={elder.pk}&kind=phone_call",
        f"/api/visits/{visit.pk}",
        "/api/visits/worklist",
    ]:
        a, b = by_session.get(url), by_token.get(url)
        assert a.status_code == b.status_code == 200, url
        assert a.json() == b.json(), url
    one = by_token.get(f"/api/visits/{visit.pk}").json()
    assert (one["person"], one["kind"], one["workers"]) == (elder.pk, "phone_call", [worker.pk])


def test_recording_by_api_takes_the_person_off_the_worklist(persona: Any) -> None:
    worker = persona("worker")
    elder = elder_alone(worker)
    _session, by_token = clients(worker)
    due = by_token.get("/api/visits/worklist").json()
    assert elder.pk in [i["person"] for i in due["overdue"]]
    response = post(
        by_token,
        "/api/visits",
        {
            "person": elder.pk,
            "kind": "home_visit",
            "checklist": {"health": "ok", "heating": {"status": "concern", "note": "冷"}},
            "needs_found": "送餐",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["visited_on"] == today().isoformat()
    assert body["checklist"]["heating"] == {"status": "concern", "note": "冷"}
    assert body["workers"] == [worker.pk]
    after = by_token.get("/api/visits/worklist").json()
    everyone = [
        i["person"] for key in ("overdue", "due_today", "due_this_week") for i in after[key]
    ]
    assert elder.pk not in everyone


def test_bad_input_is_refused_at_the_field(persona: Any) -> None:
    worker = persona("worker")
    elder = elder_alone(worker)
    _session, by_token = clients(worker)
    tomorrow = (today() + dt.timedelta(days=1)).isoformat()
    cases = [
        ("visited_on", {"visited_on": tomorrow}),
        ("kind", {"kind": "telepathy"}),
        ("checklist", {"checklist": {"schooling": "ok"}}),
        ("workers", {"workers": [persona("neighbour_worker").pk]}),
        ("workers", {"workers": [987654321]}),
    ]
    for field, change in cases:
        response = post(
            by_token, "/api/visits", {"person": elder.pk, "kind": "home_visit"} | change
        )
        assert response.status_code == 422, (field, response.content)
        assert field in response.json()["errors"], (field, response.json())
    assert not Visit.objects.filter(person=elder).exists()
    assert by_token.get("/api/visits?kind=telepathy").status_code == 422


def test_outside_the_jurisdiction_is_404(persona: Any) -> None:
    worker = persona("worker")
    elder = elder_alone(worker)
    visit = record_visit(actor=worker, person=elder, kind="phone_call", visited_on=today())
    _session, neighbour = clients(persona("neighbour_worker"))
    assert neighbour.get(f"/api/visits/{visit.pk}").status_code == 404
    assert (
        post(neighbour, "/api/visits", {"person": elder.pk, "kind": "phone_call"}).status_code
        == 404
    )
    listed = neighbour.get("/api/visits?page_size=1000").json()["items"]
    assert visit.pk not in [v["id"] for v in listed]
    _session, auditor = clients(persona("auditor"))
    assert (
        post(auditor, "/api/visits", {"person": elder.pk, "kind": "phone_call"}).status_code == 404
    )
    assert auditor.get("/api/visits/worklist").status_code == 404
    assert auditor.get(f"/api/visits/{visit.pk}").status_code == 200  # auditors read visits
    assert Visit.objects.filter(person=elder).count() == 1


def test_nobody_forgotten_for_the_district(persona: Any) -> None:
    elder = elder_alone(persona("worker"), since_days=45)
    station = elder.station
    assert station is not None
    by_session, by_token = clients(persona("district_admin"))
    a, b = by_session.get("/api/visits/overdue"), by_token.get("/api/visits/overdue")
    assert a.status_code == b.status_code == 200
    assert a.json() == b.json()
    counts = {c["station"]: c["persons"] for c in a.json()["counts"]}
    assert counts[station.code] >= 1
    narrowed = by_token.get(f"/api/visits/overdue?station={station.code}").json()
    [row] = [r for r in narrowed["rows"] if r["person"] == elder.pk]
    assert (row["contact"], row["days_overdue"], row["station"]) == ("visit", 15, station.code)
    assert {r["station"] for r in narrowed["rows"]} == {station.code}
    _session, worker = clients(persona("worker"))
    assert worker.get("/api/visits/overdue").status_code == 404
