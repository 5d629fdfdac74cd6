"""The referral and alert API: the whole life of a referral and of an alert, the same rules and
jurisdiction as the pages, by session and by bearer token."""

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
from shegong.core.models import AuditEvent
from shegong.fieldwork import cases
from shegong.fieldwork.models import AlertAction, Referral, RiskAlert
from shegong.people import services as people
from shegong.people.models import Person
from shegong.regions.models import Organization, Region

pytestmark = pytest.mark.django_db

CHAOYANG = 120113001009  # 朝阳里社区, 果园新村街道 (the worker's station)
_seq = itertools.count(1)


def today() -> dt.date:
    return timezone.localdate()


def register(actor: Any) -> Person:
    seq = next(_seq)
    return people.register_person(
        actor=actor,
        name=f"转介接口{seq}",
        id_number=make("120113", dt.date(1992, 1, 1) + dt.timedelta(days=seq), 41, "M"),
        region=Region.objects.get(code=CHAOYANG),
    )


def post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, data=json.dumps(body), content_type="application/json")


def session(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def token(user: Any) -> Client:
    _row, secret = account_services.issue_api_token(actor=user, name="phone")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


def test_the_life_of_a_referral(persona: Any) -> None:
    worker = persona("worker")
    person = register(worker)
    client = token(worker)
    mental = Organization.objects.get(name="北辰区精神卫生中心")
    response = post(
        client,
        "/api/referrals",
        {"person": person.pk, "direction": "out", "to_organization": mental.pk,
         "reason": "情绪低落"},
    )  # fmt: skip
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "sent" and body["to_organization_name"] == "北辰区精神卫生中心"
    assert body["days_waiting"] == 0 and body["region"] == str(CHAOYANG)
    pk = body["id"]

    assert pk in ids(client.get("/api/referrals/awaiting-feedback"))
    assert pk in ids(session(persona("station_head")).get("/api/referrals/awaiting-feedback"))
    assert pk not in ids(session(persona("neighbour_worker")).get("/api/referrals"))
    assert session(persona("neighbour_worker")).get(f"/api/referrals/{pk}").status_code == 404
    # Session and token answer the same.
    assert (
        session(worker).get(f"/api/referrals/{pk}").json()
        == client.get(f"/api/referrals/{pk}").json()
    )

    response = post(client, f"/api/referrals/{pk}/feedback", {"status": "accepted"})
    assert response.status_code == 422 and "feedback" in response.json()["errors"]
    assert pk in ids(client.get("/api/referrals/awaiting-feedback"))
    response = post(
        client, f"/api/referrals/{pk}/feedback", {"status": "accepted", "feedback": "已接收"}
    )
    assert response.status_code == 200 and response.json()["status"] == "accepted"
    assert response.json()["answered_on"] == today().isoformat()
    assert pk not in ids(client.get("/api/referrals/awaiting-feedback"))
    response = post(client, f"/api/referrals/{pk}/feedback", {"status": "done", "feedback": "x"})
    assert response.status_code == 422 and "outcome" in response.json()["errors"]
    response = post(
        client,
        f"/api/referrals/{pk}/feedback",
        {"status": "done", "feedback": "面谈三次", "outcome": "情绪稳定"},
    )
    assert response.json()["status"] == "done"
    response = post(client, f"/api/referrals/{pk}/close", {"closed_reason": "x"})
    assert response.status_code == 422
    assert response.json()["codes"]["status"] == ["transition"]
    assert pk in ids(client.get("/api/referrals?status=done"))


def test_closing_a_referral_without_feedback(persona: Any) -> None:
    worker = persona("worker")
    client = session(worker)
    response = post(
        client,
        "/api/referrals",
        {"person": register(worker).pk, "service_type": "judicial_aid", "reason": "工伤"},
    )
    assert response.status_code == 201
    pk = response.json()["id"]
    response = post(client, f"/api/referrals/{pk}/close", {"closed_reason": " "})
    assert response.status_code == 422 and "closed_reason" in response.json()["errors"]
    assert pk in ids(client.get("/api/referrals/awaiting-feedback"))
    response = post(client, f"/api/referrals/{pk}/close", {"closed_reason": "对方无回应"})
    assert response.status_code == 200
    assert response.json()["status"] == "closed_no_feedback"
    assert response.json()["days_waiting"] is None
    assert pk not in ids(client.get("/api/referrals/awaiting-feedback"))


@pytest.mark.parametrize("field", ["to_organization", "from_organization"])
def test_an_organization_outside_the_allowed_list_is_422_and_audited(
    persona: Any, outside: Any, field: str
) -> None:
    worker = persona("worker")
    person = register(worker)
    denied = AuditEvent.objects.filter(action="access.denied", object_type="regions.organization")
    before = denied.count()
    body = {"person": person.pk, "reason": "x", field: outside.organization.pk}
    body["direction"] = "out" if field == "to_organization" else "in"
    response = post(token(worker), "/api/referrals", body)
    assert response.status_code == 422
    assert list(response.json()["errors"]) == [field]
    assert not Referral.objects.filter(person=person).exists()
    assert denied.count() == before + 1


def test_bad_input_and_forged_persons(persona: Any, outside: Any) -> None:
    worker = persona("worker")
    client = session(worker)
    person = register(worker)
    future = (today() + dt.timedelta(days=1)).isoformat()
    response = post(
        client,
        "/api/referrals",
        {"person": person.pk, "service_type": "hospital", "reason": "x", "sent_on": future},
    )
    assert response.status_code == 422 and "sent_on" in response.json()["errors"]
    response = post(client, "/api/referrals", {"person": person.pk, "reason": "x"})
    assert response.status_code == 422 and "to_organization" in response.json()["errors"]
    assert client.get("/api/referrals?status=lost").status_code == 422
    assert not Referral.objects.filter(person=person).exists()

    before = AuditEvent.objects.filter(action="access.denied").count()
    response = post(
        client,
        "/api/referrals",
        {"person": outside.person.pk, "service_type": "hospital", "reason": "x"},
    )
    assert response.status_code == 404
    response = post(
        client,
        "/api/alerts",
        {"person": outside.person.pk, "kind": "neglect", "description": "x"},
    )
    assert response.status_code == 404
    assert AuditEvent.objects.filter(action="access.denied").count() == before + 2
    assert Referral.objects.filter(person=outside.person).count() == 1  # the seeded one
    assert RiskAlert.objects.filter(person=outside.person).count() == 1


def test_the_life_of_an_alert(persona: Any) -> None:
    worker, head = persona("worker"), persona("station_head")
    person = register(worker)
    client = token(worker)
    response = post(
        client,
        "/api/alerts",
        {"person": person.pk, "kind": "self_harm", "description": "自述有轻生念头"},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "open" and body["actions"] == [] and body["raised_by"] == worker.pk
    pk = body["id"]

    # At once on the handlers' open list; not on the neighbouring district's.
    assert pk in ids(session(head).get("/api/alerts?status=open"))
    assert pk in ids(session(persona("district_admin")).get("/api/alerts?status=open"))
    nankai = session(persona("other_district_admin"))
    assert pk not in ids(nankai.get("/api/alerts?status=open"))
    assert nankai.get(f"/api/alerts/{pk}").status_code == 404
    assert session(persona("supervisor")).get("/api/alerts").status_code == 404

    # Resolving needs an action; the worker may not resolve at all.
    response = post(session(head), f"/api/alerts/{pk}/resolve", {"resolution": "已处理"})
    assert response.status_code == 422 and "actions" in response.json()["errors"]
    assert post(client, f"/api/alerts/{pk}/resolve", {"resolution": "x"}).status_code == 404
    assert RiskAlert.objects.get(pk=pk).status == "open"

    response = post(client, f"/api/alerts/{pk}/actions", {"kind": "teleport"})
    assert response.status_code == 422 and "kind" in response.json()["errors"]
    response = post(client, f"/api/alerts/{pk}/actions", {"kind": "hospital", "note": "送医院急诊"})
    assert response.status_code == 201
    actions = response.json()["actions"]
    assert [(a["kind"], a["taken_on"], a["by"]) for a in actions] == [
        ("hospital", today().isoformat(), worker.pk)
    ]

    response = post(session(head), f"/api/alerts/{pk}/resolve", {"resolution": "已出院，家属陪护"})
    assert response.status_code == 200
    assert response.json()["status"] == "resolved" and response.json()["resolved_by"] == head.pk
    assert pk not in ids(session(head).get("/api/alerts?status=open"))
    assert pk in ids(client.get("/api/alerts?status=resolved"))
    response = post(client, f"/api/alerts/{pk}/actions", {"kind": "police"})
    assert response.status_code == 422 and response.json()["codes"]["status"] == ["transition"]
    assert AlertAction.objects.filter(alert_id=pk).count() == 1
    response = post(session(head), f"/api/alerts/{pk}/resolve", {"resolution": "again"})
    assert response.status_code == 422


def test_alert_list_order_and_filters(persona: Any) -> None:
    worker = persona("worker")
    neglect = cases.raise_alert(
        actor=worker, person=register(worker), kind="neglect", description="x"
    )
    self_harm = cases.raise_alert(
        actor=worker, person=register(worker), kind="self_harm", description="y"
    )
    client = session(persona("station_head"))
    found = ids(client.get("/api/alerts?status=open"))
    assert found.index(self_harm.pk) < found.index(neglect.pk)
    assert ids(client.get(f"/api/alerts?kind=neglect&person={neglect.person_id}")) == [neglect.pk]
    assert client.get("/api/alerts?kind=ghosts").status_code == 422
