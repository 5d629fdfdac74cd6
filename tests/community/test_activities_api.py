"""The activity and group API: the same answers by session and by bearer token, the same
jurisdiction (404 with an audit row) and the same validation (422 at the field) as the pages."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from shegong.accounts import services as account_services
from shegong.community.models import Activity, Group, GroupSession
from shegong.core.models import AuditEvent
from tests.conftest import Outside

from .activity_helpers import CHAOYANG, GUOYUAN_STATION, XURI, activity, resident, today

pytestmark = pytest.mark.django_db


def send(client: Client, method: str, url: str, body: dict[str, Any] | None = None) -> Any:
    return client.generic(method, url, data=json.dumps(body or {}), content_type="application/json")


def clients(user: Any) -> tuple[Client, Client]:
    _token, secret = account_services.issue_api_token(actor=user, name="phone")
    by_session = Client()
    by_session.force_login(user)
    return by_session, Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def denied() -> int:
    return AuditEvent.objects.filter(action="access.denied").count()


def new_activity(**change: Any) -> dict[str, Any]:
    return {
        "station": GUOYUAN_STATION,
        "title": "儿童剪纸课堂",
        "domain": "child_welfare",
        "kind": "training",
        "held_on": today().isoformat(),
        "place": "旭日里社区活动室",
    } | change


def test_record_check_in_and_count_by_api(persona: Any) -> None:
    worker = persona("worker")
    session, token = clients(worker)
    created = send(token, "POST", "/api/activities", new_activity())
    assert created.status_code == 201, created.content
    body = created.json()
    pk = body["id"]
    assert (body["station"], body["person_times"]) == (GUOYUAN_STATION, 0)
    people = [resident(worker) for _i in range(3)]
    for p in people:
        r = send(session, "POST", f"/api/activities/{pk}/attendance", {"person": p.pk})
        assert r.status_code == 201, r.content
    r = send(token, "POST", f"/api/activities/{pk}/headcount", {"others_count": 5})
    assert r.json()["person_times"] == 8
    assert session.get(f"/api/activities/{pk}").json() == token.get(f"/api/activities/{pk}").json()
    attendees = token.get(f"/api/activities/{pk}/attendance").json()
    assert sorted(a["person"] for a in attendees) == sorted(p.pk for p in people)
    day = today().isoformat()
    counts = token.get(
        f"/api/activities/counts?start={day}&end={day}&station={GUOYUAN_STATION}"
    ).json()
    assert counts["person_times"] >= 8
    assert counts["persons_served"] >= 8
    assert counts["person_times"] == counts["named_times"] + counts["others"]
    listing = token.get(f"/api/activities?station={GUOYUAN_STATION}&domain=child_welfare")
    assert pk in [a["id"] for a in listing.json()["items"]]
    r = send(token, "POST", f"/api/activities/{pk}/checkout", {"person": people[0].pk})
    assert r.json()["person_times"] == 7
    r = send(token, "PATCH", f"/api/activities/{pk}", {"title": "儿童剪纸课（二）"})
    assert r.status_code == 200
    assert Activity.objects.get(pk=pk).title == "儿童剪纸课（二）"


def test_bad_input_is_422_at_the_field_and_saves_nothing(persona: Any) -> None:
    worker = persona("worker")
    client, _token = clients(worker)
    r = send(client, "POST", "/api/activities", new_activity(others_count=-1, title="坏"))
    assert r.status_code == 422
    assert "others_count" in r.json()["errors"]
    assert not Activity.objects.filter(title="坏").exists()
    r = send(client, "POST", "/api/activities", new_activity(domain="sports"))
    assert r.status_code == 422
    assert "domain" in r.json()["errors"]
    a = activity(worker)
    r = send(client, "POST", f"/api/activities/{a.pk}/headcount", {"others_count": -3})
    assert r.status_code == 422
    assert "others_count" in r.json()["errors"]
    r = client.get("/api/activities/counts?start=2025-02-01&end=2025-01-01")
    assert r.status_code == 422
    r = client.get("/api/activities?kind=party")
    assert r.status_code == 422


def test_outside_objects_are_404_with_an_audit_row(persona: Any, outside: Outside) -> None:
    from .activity_outside import outside_activity, outside_group

    worker = persona("worker")
    client, _token = clients(worker)
    a = activity(worker)
    before = denied()
    r = send(client, "POST", f"/api/activities/{a.pk}/attendance", {"person": outside.person.pk})
    assert r.status_code == 404
    assert denied() == before + 1
    r = send(client, "POST", "/api/activities", new_activity(station=outside.station.code))
    assert r.status_code == 404
    assert client.get(f"/api/activities/{outside_activity(outside).pk}").status_code == 404
    assert client.get(f"/api/groups/{outside_group(outside).pk}").status_code == 404
    counts = "/api/activities/counts?start=2025-01-01&end=2025-12-31&region=110101001000"
    assert client.get(counts).status_code == 404
    assert denied() == before + 5


def test_groups_by_api(persona: Any) -> None:
    worker = persona("worker")
    client, token = clients(worker)
    r = send(
        client,
        "POST",
        "/api/groups",
        {
            "station": GUOYUAN_STATION,
            "name": "隔代抚养支持小组",
            "domain": "child_welfare",
            "aims": "支持祖辈照顾者",
            "planned_sessions": 4,
            "communities": [str(CHAOYANG), str(XURI)],
        },
    )
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    assert r.json()["communities"] == [f"{CHAOYANG:012d}", f"{XURI:012d}"]
    r = send(token, "POST", f"/api/groups/{pk}/phase", {"to": "maturity"})
    assert r.status_code == 422
    assert "phase" in r.json()["errors"]
    r = send(token, "POST", f"/api/groups/{pk}/phase", {"to": "formation"})
    assert r.json()["phase"] == "formation"
    a, b = resident(worker), resident(worker)
    for p in (a, b):
        assert send(token, "POST", f"/api/groups/{pk}/members", {"person": p.pk}).status_code == 201
    r = send(
        token,
        "POST",
        f"/api/groups/{pk}/sessions",
        {"held_on": today().isoformat(), "topic": "相识", "present": [a.pk], "others_count": 2},
    )
    assert r.status_code == 201, r.content
    assert (r.json()["number"], r.json()["person_times"]) == (1, 3)
    sid = r.json()["id"]
    r = send(
        token,
        "PUT",
        f"/api/group-sessions/{sid}",
        {"held_on": today().isoformat(), "topic": "相识", "present": [a.pk, b.pk]},
    )
    assert r.json()["present"] == sorted([a.pk, b.pk])
    scores = f"/api/groups/{pk}/scores"
    r = send(token, "POST", scores, {"scores": [{"person": a.pk, "before": 3, "after": 7}]})
    assert [m["score_after"] for m in r.json() if m["person"] == a.pk] == [7]
    r = send(token, "POST", scores, {"scores": [{"person": a.pk, "before": 30}]})
    assert r.status_code == 422
    members = token.get(f"/api/groups/{pk}/members").json()
    assert {m["person"]: m["sessions_attended"] for m in members} == {a.pk: 1, b.pk: 1}
    assert [s["id"] for s in token.get(f"/api/groups/{pk}/sessions").json()] == [sid]
    assert token.get(f"/api/group-sessions/{sid}").json()["named_count"] == 2
    r = send(token, "POST", f"/api/groups/{pk}/members/remove", {"person": b.pk})
    assert r.status_code == 200
    # The neighbouring township neither sees nor runs it.
    neighbour, _t = clients(persona("neighbour_worker"))
    assert neighbour.get(f"/api/groups/{pk}").status_code == 404
    assert neighbour.get(f"/api/group-sessions/{sid}").status_code == 404
    assert pk not in [g["id"] for g in neighbour.get("/api/groups").json()]
    assert Group.objects.get(pk=pk).phase == "formation"
    assert GroupSession.objects.filter(group_id=pk).count() == 1
