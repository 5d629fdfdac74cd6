"""The assessment API: the same answers by session and by bearer token, the same jurisdiction,
validation and privacy of health data as the pages."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client

from shegong.accounts import services as account_services
from shegong.core.models import AuditEvent
from shegong.fieldwork import case_services
from shegong.fieldwork.assessment_models import (
    SELF_CARE_KEYS,
    NeedsAssessment,
    SelfCareAssessment,
)
from tests.fieldwork.test_assessments import GENERAL, needs, resident, self_care, today

pytestmark = pytest.mark.django_db


def post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(
        url, data=json.dumps(body), content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )


def clients(user: Any) -> tuple[Client, Client]:
    _token, secret = account_services.issue_api_token(actor=user, name="phone")
    by_session = Client()
    by_session.force_login(user)
    return by_session, Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def needs_body(**change: Any) -> dict[str, Any]:
    domains = {d: {"level": "none"} for d in GENERAL} | {
        "care": {"level": "high", "needs": "需要送餐"},
        "safety": {"level": "medium", "needs": "安装燃气报警器"},
    }
    return {"assessed_on": today().isoformat(), "domains": domains, "summary": "独居"} | change


def care_body(**change: Any) -> dict[str, Any]:
    return {"items": dict.fromkeys(SELF_CARE_KEYS, True) | {"bathing": False}} | change


def test_record_and_read_needs_assessments_by_session_and_token(persona: Any) -> None:
    worker = persona("worker")
    person = resident(worker)
    by_session, by_token = clients(worker)
    created = post(by_session, f"/api/people/{person.pk}/assessments", needs_body())
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["person"] == person.pk and body["assessor"] == worker.pk
    assert body["content_visible"] is True
    assert body["domain_set"] == "general"
    assert body["domains"]["care"] == {"level": "high", "needs": "需要送餐"}
    assert body["region"] == "120113001009" and body["case"] is None
    second = post(by_token, f"/api/people/{person.pk}/assessments", needs_body(summary="复评"))
    assert second.status_code == 201
    rows = by_token.get(f"/api/people/{person.pk}/assessments").json()
    assert [r["id"] for r in rows] == [second.json()["id"], body["id"]]  # newest first
    one = by_session.get(f"/api/assessments/{body['id']}").json()
    assert one == by_token.get(f"/api/assessments/{body['id']}").json()
    assert one["summary"] == "独居"


def test_default_date_is_today(persona: Any) -> None:
    worker = persona("worker")
    person = resident(worker)
    by_session, _ = clients(worker)
    body = needs_body()
    del body["assessed_on"]
    assert (
        post(by_session, f"/api/people/{person.pk}/assessments", body).json()["assessed_on"]
        == today().isoformat()
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"assessed_on": "2099-01-01"}, "assessed_on"),
        ({"domains": {"care": {"level": "high", "needs": "x"}}}, "level_material"),
        ({"domains": {d: {"level": "none"} for d in (*GENERAL, "leisure")}}, "domains"),
        ({"domains": {d: {"level": "grave"} for d in GENERAL}}, "level_health"),
        ({"domains": {d: {"level": "medium"} for d in GENERAL}}, "needs_care"),
        ({"summary": ""}, "summary"),
    ],
)
def test_bad_needs_input_is_422_at_its_field(
    persona: Any, change: dict[str, Any], field: str
) -> None:
    person = resident(persona("worker"))
    by_session, _ = clients(persona("worker"))
    response = post(by_session, f"/api/people/{person.pk}/assessments", needs_body(**change))
    assert response.status_code == 422
    assert field in response.json()["errors"]
    assert not NeedsAssessment.objects.filter(person=person).exists()


def test_a_case_of_the_person_is_tied_and_another_is_404(persona: Any) -> None:
    worker = persona("worker")
    person, other = resident(worker), resident(worker)
    case = case_services.open_case(actor=worker, person=person, source="self")
    by_session, _ = clients(worker)
    url = f"/api/people/{person.pk}/assessments"
    assert post(by_session, url, needs_body(case=case.pk)).json()["case"] == case.pk
    elsewhere = f"/api/people/{other.pk}/assessments"
    assert post(by_session, elsewhere, needs_body(case=case.pk)).status_code == 404
    assert post(by_session, url, needs_body(case=999999999)).status_code == 404
    assert NeedsAssessment.objects.filter(person=other).count() == 0


def test_self_care_by_api(persona: Any) -> None:
    worker = persona("worker")
    person = resident(worker)
    by_session, by_token = clients(worker)
    url = f"/api/people/{person.pk}/self-care"
    created = post(by_token, url, care_body(assessed_on="2025-03-01", note="需要助浴"))
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["level"] == "partial" and body["items"]["bathing"] is False
    assert body["note"] == "需要助浴" and body["assessed_on"] == "2025-03-01"
    lost = post(by_session, url, care_body(items=dict.fromkeys(SELF_CARE_KEYS, False)))
    assert lost.json()["level"] == "lost"
    rows = by_session.get(url).json()
    assert [r["level"] for r in rows] == ["lost", "partial"]
    assert by_session.get(f"/api/self-care/{body['id']}").json() == body


@pytest.mark.parametrize(
    ("items", "field"),
    [
        ({k: True for k in SELF_CARE_KEYS if k != "walking"}, "walking"),
        (dict.fromkeys(SELF_CARE_KEYS, True) | {"eating": None}, "eating"),
        (dict.fromkeys(SELF_CARE_KEYS, True) | {"cooking": True}, "items"),
    ],
)
def test_bad_self_care_input_is_422(persona: Any, items: dict[str, Any], field: str) -> None:
    worker = persona("worker")
    person = resident(worker)
    by_session, _ = clients(worker)
    response = post(by_session, f"/api/people/{person.pk}/self-care", {"items": items})
    assert response.status_code == 422
    assert field in response.json()["errors"]
    future = post(
        by_session,
        f"/api/people/{person.pk}/self-care",
        care_body(assessed_on=(today() + dt.timedelta(days=1)).isoformat()),
    )
    assert future.status_code == 422 and "assessed_on" in future.json()["errors"]
    assert not SelfCareAssessment.objects.filter(person=person).exists()


@pytest.mark.parametrize("who", ["district_admin", "city_admin", "auditor"])
def test_offices_get_the_record_without_the_health_data(persona: Any, who: str) -> None:
    worker = persona("worker")
    person = resident(worker)
    a, s = needs(worker, person), self_care(worker, person)
    client, _ = clients(persona(who))
    reads_before = AuditEvent.objects.filter(action__startswith="assessment.").count()
    one = client.get(f"/api/assessments/{a.pk}").json()
    assert one["id"] == a.pk and one["assessed_on"] == a.assessed_on.isoformat()
    assert one["content_visible"] is False
    assert one["domains"] is one["summary"] is one["domain_set"] is None
    care = client.get(f"/api/self-care/{s.pk}").json()
    assert care["content_visible"] is False and care["items"] is care["level"] is None
    assert [r["domains"] for r in client.get(f"/api/people/{person.pk}/assessments").json()] == [
        None
    ]
    assert client.get(f"/api/people/{person.pk}/self-care").json()[0]["note"] is None
    # Nothing was read, so no read is recorded.
    assert AuditEvent.objects.filter(action__startswith="assessment.").count() == reads_before
    refused = post(client, f"/api/people/{person.pk}/self-care", care_body())
    assert refused.status_code == 404
    assert not SelfCareAssessment.objects.filter(person=person).exclude(pk=s.pk).exists()


def test_reads_of_the_content_are_audited(persona: Any) -> None:
    worker = persona("worker")
    person = resident(worker)
    a = needs(worker, person)
    client, _ = clients(persona("supervisor"))
    before = AuditEvent.objects.filter(action="assessment.needs.read").count()
    assert client.get(f"/api/assessments/{a.pk}").json()["content_visible"] is True
    assert AuditEvent.objects.filter(action="assessment.needs.read").count() == before + 1
    assert client.get(f"/api/people/{person.pk}/assessments").status_code == 200
    listed = AuditEvent.objects.filter(action="assessment.needs.list", object_id=str(person.pk))
    assert listed.exists()
    assert post(client, f"/api/people/{person.pk}/assessments", needs_body()).status_code == 404


def test_the_neighbouring_township_gets_404(persona: Any) -> None:
    worker = persona("worker")
    person = resident(worker)
    a, s = needs(worker, person), self_care(worker, person)
    by_session, by_token = clients(persona("neighbour_worker"))
    for client in (by_session, by_token):
        assert client.get(f"/api/assessments/{a.pk}").status_code == 404
        assert client.get(f"/api/self-care/{s.pk}").status_code == 404
        assert client.get(f"/api/people/{person.pk}/assessments").status_code == 404
        assert client.get(f"/api/people/{person.pk}/self-care").status_code == 404
        assert post(client, f"/api/people/{person.pk}/assessments", needs_body()).status_code == 404
        assert post(client, f"/api/people/{person.pk}/self-care", care_body()).status_code == 404
    assert NeedsAssessment.objects.filter(person=person).count() == 1
    assert SelfCareAssessment.objects.filter(person=person).count() == 1
