"""The case API: a case's whole life as JSON (by session and by bearer token), 409 on a stale
version with the current case to retry against, 422 keyed by field, 403 for who may see but not
change, 404 (audited) outside the jurisdiction, confidentiality of notes and attachments for
every persona, and the transfer that moves the person."""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from shegong.accounts import services as account_services
from shegong.core.models import Attachment, AuditEvent
from shegong.fieldwork import case_services as svc
from shegong.fieldwork.models import Case, CaseStage, CaseTransfer
from shegong.people.models import Person
from shegong.regions.models import Station
from tests.core.test_attachments import jpeg_with_gps
from tests.fieldwork.test_case_pages import (
    EVERYONE,
    GUOYUAN,
    JIXIANLI,
    NOTES,
    OUTSIDERS,
    PROBLEM,
    READERS,
    open_case,
    register,
    staff,
    who,
)

pytestmark = pytest.mark.django_db
S = CaseStage


def today() -> dt.date:
    return timezone.localdate()


def as_user(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def by_token(user: Any) -> Client:
    _token, secret = account_services.issue_api_token(actor=user, name="phone")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, data=json.dumps(body), content_type="application/json")


def version(case: Case) -> int:
    return Case.objects.get(pk=case.pk).version


def advance(client: Client, case: Case, to_stage: str, **data: Any) -> Any:
    body = {"expected_version": version(case), "to_stage": to_stage, **data}
    return post(client, f"/api/cases/{case.pk}/advance", body)


def denied(user: Any) -> int:
    return AuditEvent.objects.filter(action="access.denied", user=user).count()


def test_a_case_runs_its_whole_life_through_the_api(persona: Any) -> None:
    worker, supervisor = persona("worker"), persona("supervisor")
    person = register(worker)
    api = by_token(worker)
    r = post(
        api,
        "/api/cases",
        {"person": person.pk, "source": "outreach", "problem": PROBLEM, "notes": NOTES},
    )
    assert r.status_code == 201, r.content
    body = r.json()
    case = Case.objects.get(pk=body["id"])
    assert body["stage"] == "intake" and body["notes"] == NOTES and body["version"] == 1
    assert body["assigned_worker"] == worker.pk and body["notes_confidential"] is False

    assert advance(api, case, "assessment", consent_given=True).status_code == 200
    assert advance(api, case, "plan", assessment_summary="支持网络薄弱").status_code == 200
    goals = [{"goal": "恢复规律饮食", "target": "每周五天按时吃饭", "due": "2030-01-31"}]
    r = advance(
        api, case, "intervention", goals=goals, agreed_by_client=True, agreed_on=today().isoformat()
    )
    assert r.status_code == 200 and r.json()["stage"] == "intervention"
    r = post(
        api,
        f"/api/cases/{case.pk}/services",
        {
            "served_on": today().isoformat(),
            "mode": "home",
            "duration_minutes": 40,
            "content": "面谈",
        },
    )
    assert r.status_code == 201 and r.json()["case"] == case.pk
    r = advance(
        api,
        case,
        "evaluation",
        attainment=[{"goal": "恢复规律饮食", "attained": "yes"}],
        satisfaction=5,
    )
    assert r.status_code == 200
    # Closing without the sign-off is refused.
    r = advance(api, case, "closed")
    assert r.status_code == 422 and r.json()["codes"]["to_stage"] == ["transition"]
    r = post(
        api,
        f"/api/cases/{case.pk}/closure",
        {"expected_version": version(case), "reason": "目标达成", "summary": "好转"},
    )
    assert r.status_code == 201 and r.json()["status"] == "requested"
    detail = api.get(f"/api/cases/{case.pk}").json()
    assert detail["stage"] == "evaluation" and detail["closure_pending"] is True
    assert detail["closed_on"] is None
    # The worker cannot sign off; the supervisor can.
    assert post(api, f"/api/cases/{case.pk}/closure/sign-off", {}).status_code == 404
    boss = by_token(supervisor)
    r = post(boss, f"/api/cases/{case.pk}/closure/sign-off", {"approve": True, "comment": "同意"})
    assert r.status_code == 200 and r.json()["status"] == "signed"
    assert r.json()["supervisor_signed_by"] == supervisor.pk
    detail = boss.get(f"/api/cases/{case.pk}").json()
    assert detail["stage"] == "closed" and detail["closed_on"] == today().isoformat()
    file = detail["file"]
    assert [i["decision"] for i in file["intakes"]] == ["accept"]
    assert file["plans"][0]["goals"] == goals and file["services"][0]["content"] == "面谈"
    assert file["evaluations"][0]["satisfaction"] == 5
    r = post(
        api,
        f"/api/cases/{case.pk}/reopen",
        {"expected_version": version(case), "reason": "再次求助"},
    )
    assert r.status_code == 200 and r.json()["stage"] == "assessment"


def test_session_and_token_give_the_same_answers(persona: Any) -> None:
    worker = persona("worker")
    case = open_case(worker)
    session, token = as_user(worker), by_token(worker)
    for url in (f"/api/cases/{case.pk}", f"/api/cases?person={case.person.pk}"):
        a, b = session.get(url), token.get(url)
        assert a.status_code == b.status_code == 200
        assert a.json() == b.json()
    items = session.get(f"/api/cases?person={case.person.pk}").json()["items"]
    assert [i["id"] for i in items] == [case.pk] and "notes" not in items[0]


def test_list_filters(persona: Any) -> None:
    worker = persona("worker")
    case = open_case(worker)
    api = by_token(worker)
    ids = lambda q: {i["id"] for i in api.get(f"/api/cases?{q}").json()["items"]}  # noqa: E731
    assert case.pk in ids("mine=true") and case.pk in ids("stage=open")
    assert case.pk in ids(f"station={GUOYUAN}") and case.pk not in ids("stage=closed")
    r = api.get("/api/cases?stage=finished")
    assert r.status_code == 422 and "stage" in r.json()["errors"]
    assert case.pk not in {
        i["id"] for i in by_token(persona("neighbour_worker")).get("/api/cases").json()["items"]
    }


def test_a_stale_write_answers_409_and_the_input_can_be_sent_again(persona: Any) -> None:
    worker, head = persona("worker"), persona("station_head")
    case = open_case(worker, notes="v1")
    api = by_token(worker)
    read = api.get(f"/api/cases/{case.pk}").json()["version"]
    svc.update_notes(actor=head, case=case, notes="站长补充", expected_version=read)
    mine = {"expected_version": read, "notes": "我的新记录"}
    r = post(api, f"/api/cases/{case.pk}/notes", mine)
    assert r.status_code == 409
    body = r.json()
    assert body["codes"]["version"] == ["stale"] and body["detail"]
    assert body["current"]["notes"] == "站长补充" and body["current"]["version"] == read + 1
    assert Case.objects.get(pk=case.pk).notes == "站长补充"  # nothing overwritten
    for to_stage, data in (("assessment", {"consent_given": True}), ("declined", {"reason": "x"})):
        r = post(
            api,
            f"/api/cases/{case.pk}/advance",
            {"expected_version": read, "to_stage": to_stage, **data},
        )
        assert r.status_code == 409
    assert Case.objects.get(pk=case.pk).stage == S.INTAKE
    # The caller's input, sent again against the current version, is saved.
    r = post(
        api, f"/api/cases/{case.pk}/notes", {**mine, "expected_version": body["current"]["version"]}
    )
    assert r.status_code == 200 and r.json()["notes"] == "我的新记录"


def test_validation_errors_are_keyed_by_field_and_nothing_is_saved(persona: Any) -> None:
    worker = persona("worker")
    case = open_case(worker)
    api = by_token(worker)
    for to, data in (
        ("assessment", {"consent_given": True}),
        ("plan", {"assessment_summary": "x"}),
    ):
        assert advance(api, case, to, **data).status_code == 200
    r = advance(
        api, case, "intervention", goals=[{"goal": "吃饭", "target": "", "due": "2030-01-01"}]
    )
    assert r.status_code == 422
    assert set(r.json()["errors"]) == {"goals", "agreed_on"}
    assert not Case.objects.get(pk=case.pk).plans.exists()
    assert (
        advance(
            api,
            case,
            "intervention",
            goals=[{"goal": "吃饭", "target": "五天", "due": "2030-01-01"}],
            agreed_by_guardian=True,
            agreed_on=today().isoformat(),
        ).status_code
        == 200
    )
    tomorrow = (today() + dt.timedelta(days=1)).isoformat()
    r = post(
        api,
        f"/api/cases/{case.pk}/services",
        {"served_on": tomorrow, "mode": "telepathy", "duration_minutes": 0, "content": ""},
    )
    assert r.status_code == 422
    assert set(r.json()["errors"]) == {"served_on", "mode", "duration_minutes", "content"}
    assert not Case.objects.get(pk=case.pk).services.exists()
    r = post(
        api,
        "/api/cases",
        {
            "person": case.person.pk,
            "source": "self",
            "assigned_worker": persona("neighbour_worker").pk,
        },
    )
    assert r.status_code == 422 and "assigned_worker" in r.json()["errors"]
    assert Case.objects.filter(person=case.person).count() == 1


@pytest.mark.parametrize("name", EVERYONE)
def test_notes_are_confidential_in_the_api(persona: Any, name: str) -> None:
    worker = persona("worker")
    case = open_case(worker)
    user = who(persona, name)
    api = by_token(user)
    before = denied(user)
    r = api.get(f"/api/cases/{case.pk}")
    if name in OUTSIDERS:
        assert r.status_code == 404 and denied(user) == before + 1
        assert case.pk not in {i["id"] for i in api.get("/api/cases").json().get("items", [])}
        return
    assert r.status_code == 200
    body = r.json()
    assert body["stage"] == "intake" and body["assigned_worker"] == worker.pk
    if name in READERS:
        assert body["notes"] == NOTES and body["notes_confidential"] is False
        assert body["file"]["problem"] == PROBLEM
    else:
        assert body["notes"] is None and body["notes_confidential"] is True
        assert body["file"] is None
        assert NOTES not in r.content.decode() and PROBLEM not in r.content.decode()


@pytest.mark.parametrize("name", EVERYONE)
def test_case_attachments_in_the_api(persona: Any, name: str, private_storage: Any) -> None:
    worker = persona("worker")
    case = open_case(worker)
    photo = io.BytesIO(jpeg_with_gps())
    photo.name = "家中.jpg"
    r = by_token(worker).post(
        f"/api/cases/{case.pk}/attachments", {"upload": photo, "caption": "家中"}
    )
    assert r.status_code == 201, r.content
    a = Attachment.objects.get(pk=r.json()["id"])
    assert a.owner_type == "fieldwork.case" and a.owner_id == case.pk and a.caption == "家中"
    user = who(persona, name)
    api = by_token(user)
    before = denied(user)
    r = api.get(f"/api/cases/{case.pk}/attachments")
    if name in READERS:
        assert r.status_code == 200 and [x["id"] for x in r.json()] == [a.pk]
        # The links work with the token (the web routes need a session login).
        assert r.json()[0]["url"] == f"/api/attachments/{a.pk}/file"
        assert api.get(r.json()[0]["url"]).status_code == 200
        assert api.get(r.json()[0]["thumbnail_url"]).status_code == 200
    else:
        assert r.status_code == 404 and denied(user) == before + 1


def test_attachment_upload_needs_a_file_and_a_worker(persona: Any, private_storage: Any) -> None:
    case = open_case(persona("worker"))
    r = by_token(persona("worker")).post(f"/api/cases/{case.pk}/attachments", {"caption": "x"})
    assert r.status_code == 422 and "upload" in r.json()["errors"]
    bad = io.BytesIO(b"not an image")
    bad.name = "x.jpg"
    r = by_token(persona("worker")).post(f"/api/cases/{case.pk}/attachments", {"upload": bad})
    assert r.status_code == 422 and "upload" in r.json()["errors"]
    photo = io.BytesIO(jpeg_with_gps())
    photo.name = "x.jpg"
    colleague = staff(persona, "api_nosy", "worker", GUOYUAN)
    r = by_token(colleague).post(f"/api/cases/{case.pk}/attachments", {"upload": photo})
    assert r.status_code == 404  # may not even read the case file
    assert not Attachment.objects.filter(owner_type="fieldwork.case", owner_id=case.pk).exists()


def test_forged_writes_for_another_townships_case_are_404_and_audited(persona: Any) -> None:
    case = open_case(persona("worker"))
    neighbour = persona("neighbour_worker")
    api = by_token(neighbour)
    for tail, body in (
        ("notes", {"expected_version": 1, "notes": "伪造"}),
        ("advance", {"expected_version": 1, "to_stage": "declined", "reason": "伪造"}),
        ("transfer-worker", {"expected_version": 1, "to_worker": neighbour.pk}),
        ("closure", {"expected_version": 1, "reason": "伪造", "summary": "伪造"}),
    ):
        before = denied(neighbour)
        assert post(api, f"/api/cases/{case.pk}/{tail}", body).status_code == 404
        assert denied(neighbour) == before + 1
    r = post(api, "/api/cases", {"person": case.person.pk, "source": "self"})
    assert r.status_code == 404
    stored = Case.objects.get(pk=case.pk)
    assert (
        stored.notes == NOTES
        and stored.version == 1
        and Case.objects.filter(person=case.person).count() == 1
    )


def test_who_may_see_but_not_change_gets_403(persona: Any) -> None:
    case = open_case(persona("worker"))
    colleague = staff(persona, "api_colleague", "worker", GUOYUAN)
    r = post(
        by_token(colleague), f"/api/cases/{case.pk}/notes", {"expected_version": 1, "notes": "改"}
    )
    assert r.status_code == 403 and r.json()["detail"]
    assert Case.objects.get(pk=case.pk).notes == NOTES


def test_a_transfer_through_the_api_moves_the_person(persona: Any) -> None:
    worker, neighbour = persona("worker"), persona("neighbour_worker")
    case = open_case(worker)
    api = by_token(worker)
    r = post(
        api,
        f"/api/cases/{case.pk}/transfer-station",
        {"expected_version": version(case), "to_station": "nowhere", "reason": "搬家"},
    )
    assert r.status_code == 422 and "to_station" in r.json()["errors"]
    r = post(
        api,
        f"/api/cases/{case.pk}/transfer-station",
        {"expected_version": version(case), "to_station": JIXIANLI, "reason": "搬家"},
    )
    assert r.status_code == 201 and r.json()["status"] == "pending"
    transfer = CaseTransfer.objects.get(pk=r.json()["id"])
    assert api.get(f"/api/cases/{case.pk}").json()["transfer_pending_to"] == JIXIANLI
    head = staff(persona, "jixianli_head_api", "station_head", JIXIANLI)
    receiving = by_token(head)
    listed = receiving.get("/api/case-transfers").json()
    assert [t["id"] for t in listed] == [transfer.pk] and NOTES not in json.dumps(listed)
    assert by_token(persona("station_head")).get("/api/case-transfers").json() == []
    # The sending side cannot answer for the receiving station.
    r = post(
        by_token(persona("station_head")),
        f"/api/case-transfers/{transfer.pk}/answer",
        {"accept": True, "to_worker": neighbour.pk},
    )
    assert r.status_code == 403
    r = post(receiving, f"/api/case-transfers/{transfer.pk}/answer", {"accept": True})
    assert r.status_code == 422 and "to_worker" in r.json()["errors"]
    r = post(
        receiving,
        f"/api/case-transfers/{transfer.pk}/answer",
        {"accept": True, "to_worker": neighbour.pk},
    )
    assert r.status_code == 200 and r.json()["status"] == "accepted"
    jixianli = Station.objects.get(code=JIXIANLI)
    person = Person.objects.get(pk=case.person.pk)
    assert person.station == jixianli and person.region_id == jixianli.region_id
    moved = by_token(neighbour).get(f"/api/cases/{case.pk}").json()
    assert moved["station"] == JIXIANLI and moved["notes"] == NOTES
    assert api.get(f"/api/cases/{case.pk}").status_code == 404


def test_hand_over_to_another_worker_through_the_api(persona: Any) -> None:
    worker = persona("worker")
    case = open_case(worker)
    colleague = staff(persona, "api_new_worker", "worker", GUOYUAN)
    api = by_token(worker)
    r = post(
        api, f"/api/cases/{case.pk}/transfer-worker", {"expected_version": 1, "to_worker": 999999}
    )
    assert r.status_code == 422 and "to_worker" in r.json()["errors"]
    r = post(
        api,
        f"/api/cases/{case.pk}/transfer-worker",
        {"expected_version": 1, "to_worker": colleague.pk},
    )
    assert r.status_code == 200
    body = r.json()
    assert body["assigned_worker"] == colleague.pk and body["notes"] is None  # no longer theirs
    assert by_token(colleague).get(f"/api/cases/{case.pk}").json()["notes"] == NOTES


def test_risk_words_come_back_as_alert_suggestions(persona: Any) -> None:
    case = open_case(persona("worker"), notes="")
    api = by_token(persona("worker"))
    r = post(api, f"/api/cases/{case.pk}/notes", {"expected_version": 1, "notes": "孩子说想自杀"})
    assert r.json()["alert_suggestions"] == ["self_harm"]
    r = post(api, f"/api/cases/{case.pk}/notes", {"expected_version": 2, "notes": "情况稳定"})
    assert r.json()["alert_suggestions"] == []
