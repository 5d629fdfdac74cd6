"""The residents' request pages: intake, the list with its tabs and filters, one request through
triage, assignment (another station's worker refused at the field), start, resolution and
satisfaction; the start-page, station-page and person-page panels and the timeline."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from shegong.community import request_services as svc
from shegong.community.request_models import RequestEvent, RequestStatus, ResidentRequest
from shegong.core.models import AuditEvent
from tests.community.test_requests import CHAOYANG, JIXIANLI, lamp, station, today
from tests.community.test_volunteers import resident

pytestmark = pytest.mark.django_db


def test_take_a_request_with_triage_and_assignment(login: Any, persona: Any) -> None:
    client = login("station_head")
    page = client.get("/requests/new/")
    assert page.status_code == 200 and 'data-testid="request-form"' in page.content.decode()
    response = client.post(
        "/requests/new/",
        {
            "station": station().pk,
            "channel": "phone",
            "resident_name": "王奶奶",
            "contact": "13800002222",
            "community": CHAOYANG,
            "topic": "home_help",
            "title": "独居老人需要换灯泡",
            "received_on": today().isoformat(),
            "urgency": "high",
            "importance": "medium",
            "assigned_to": persona("worker").pk,
        },
    )
    assert response.status_code == 302
    req = ResidentRequest.objects.get(title="独居老人需要换灯泡", resident_name="王奶奶")
    assert (req.priority, req.status, req.assigned_to) == (2, "assigned", persona("worker"))
    detail = client.get(response["Location"]).content.decode()
    assert "138****2222" in detail and "13800002222" not in detail
    assert 'data-priority="2"' in detail


def test_intake_errors_are_at_the_fields_and_nothing_is_saved(login: Any, persona: Any) -> None:
    client = login("station_head")
    before = ResidentRequest.objects.count()
    response = client.post(
        "/requests/new/",
        {
            "station": station().pk,
            "channel": "walk_in",
            "resident_name": "",
            "topic": "safety",
            "title": "电动车充电",
            "received_on": today().isoformat(),
            "urgency": "high",
            "importance": "high",
            "assigned_to": persona("neighbour_worker").pk,  # another station's worker
        },
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert 'data-field-error="resident_name"' in html
    assert ResidentRequest.objects.count() == before
    response = client.post(
        "/requests/new/",
        {
            "station": station().pk,
            "channel": "walk_in",
            "resident_name": "张先生",
            "topic": "safety",
            "title": "电动车充电",
            "received_on": today().isoformat(),
            "urgency": "high",
            "importance": "high",
            "assigned_to": persona("neighbour_worker").pk,
        },
    )
    assert response.status_code == 422
    assert 'data-field-error="assigned_to"' in response.content.decode()
    assert ResidentRequest.objects.count() == before


def test_assigning_to_another_station_on_the_detail_page_is_refused(
    login: Any, persona: Any
) -> None:
    req = lamp(persona("worker"), urgency="low", importance="high")
    client = login("station_head")
    response = client.post(
        f"/requests/{req.pk}/assign/", {"assigned_to": persona("neighbour_worker").pk}
    )
    assert response.status_code == 422
    assert 'data-field-error="assigned_to"' in response.content.decode()
    req.refresh_from_db()
    assert req.assigned_to is None and req.status == RequestStatus.NEW
    assert not RequestEvent.objects.filter(request=req, action="assign").exists()


def test_the_whole_life_cycle_on_the_pages(login: Any, persona: Any) -> None:
    worker = persona("worker")
    req = lamp(worker)
    client = login("worker")
    page = client.get(f"/requests/{req.pk}/").content.decode()
    for form in ("triage-form", "close-form"):
        assert f'data-testid="{form}"' in page
    assert 'data-testid="resolve-form"' not in page
    assert 'data-testid="assign-form"' not in page  # triage first
    early = client.post(f"/requests/{req.pk}/assign/", {"assigned_to": worker.pk})
    assert early.status_code == 422 and 'data-field-error="assigned_to"' in early.content.decode()
    bad = client.post(f"/requests/{req.pk}/triage/", {"urgency": "high"})
    assert bad.status_code == 422 and 'data-field-error="importance"' in bad.content.decode()
    assert (
        client.post(
            f"/requests/{req.pk}/triage/", {"urgency": "high", "importance": "high"}
        ).status_code
        == 302
    )
    assert 'data-testid="assign-form"' in client.get(f"/requests/{req.pk}/").content.decode()
    assert client.post(f"/requests/{req.pk}/assign/", {"assigned_to": worker.pk}).status_code == 302
    assert client.post(f"/requests/{req.pk}/start/").status_code == 302
    req.refresh_from_db()
    assert req.status == RequestStatus.IN_PROGRESS and req.deadline == today() + dt.timedelta(1)
    resolve = client.post(
        f"/requests/{req.pk}/resolve/",
        {"resolution": "上门换好了灯泡", "resolved_on": today().isoformat()},
    )
    assert resolve.status_code == 302
    page = client.get(f"/requests/{req.pk}/").content.decode()
    assert 'data-testid="satisfaction-form"' in page
    assert (
        client.post(
            f"/requests/{req.pk}/satisfaction/", {"satisfaction": "5", "satisfaction_note": "谢谢"}
        ).status_code
        == 302
    )
    page = client.get(f"/requests/{req.pk}/").content.decode()
    assert 'data-testid="satisfaction">5/5' in page
    events = [e.action for e in RequestEvent.objects.filter(request=req).order_by("at", "id")]
    assert events == ["intake", "triage", "assign", "start", "resolve", "satisfaction"]


def test_close_and_reveal(login: Any, persona: Any) -> None:
    req = lamp(persona("worker"))
    client = login("worker")
    revealed = client.post(f"/requests/{req.pk}/reveal/", headers={"HX-Request": "true"})
    assert "13800001111" in revealed.content.decode()
    assert AuditEvent.objects.filter(action="request.reveal_contact", object_id=str(req.pk))
    assert client.post(f"/requests/{req.pk}/close/", {"reason": ""}).status_code == 422
    assert client.post(f"/requests/{req.pk}/close/", {"reason": "重复登记"}).status_code == 302
    assert ResidentRequest.objects.get(pk=req.pk).status == RequestStatus.CLOSED


def test_the_list_tabs(login: Any, persona: Any) -> None:
    worker = persona("worker")
    late = lamp(
        worker,
        received_on=today() - dt.timedelta(days=9),
        urgency="high",
        importance="high",
        assigned_to=worker,
    )
    fresh = lamp(worker, title="居民需要安全充电", topic="safety")
    client = login("worker")
    open_tab = client.get("/requests/").content.decode()
    assert f'data-request="{late.pk}"' in open_tab and f'data-request="{fresh.pk}"' in open_tab
    assert open_tab.index(f'data-request="{late.pk}"') < open_tab.index(
        f'data-request="{fresh.pk}"'
    )  # P1 before untriaged
    mine = client.get("/requests/?tab=mine").content.decode()
    assert f'data-request="{late.pk}"' in mine and f'data-request="{fresh.pk}"' not in mine
    overdue = client.get("/requests/?tab=overdue").content.decode()
    assert f'data-request="{late.pk}"' in overdue and f'data-request="{fresh.pk}"' not in overdue
    assert 'data-testid="days-overdue"' in overdue
    filtered = client.get("/requests/?tab=all&topic=safety").content.decode()
    assert f'data-request="{fresh.pk}"' in filtered and f'data-request="{late.pk}"' not in filtered
    htmx = client.get("/requests/?tab=all&q=充电", headers={"HX-Request": "true"})
    assert (
        "<html" not in htmx.content.decode()
        and f'data-request="{fresh.pk}"' in htmx.content.decode()
    )


def test_the_next_station_gets_404_and_does_not_see_the_list(login: Any, persona: Any) -> None:
    req = lamp(persona("worker"))
    client = login("neighbour_worker")
    assert client.get(f"/requests/{req.pk}/").status_code == 404
    assert client.post(f"/requests/{req.pk}/close/", {"reason": "x"}).status_code == 404
    assert f'data-request="{req.pk}"' not in client.get("/requests/?tab=all").content.decode()


def test_offices_read_but_do_not_act(login: Any, persona: Any) -> None:
    req = lamp(persona("worker"))
    admin = login("district_admin")
    page = admin.get(f"/requests/{req.pk}/").content.decode()
    assert 'data-testid="triage-form"' not in page
    assert admin.post(f"/requests/{req.pk}/close/", {"reason": "x"}).status_code == 404
    assert admin.get("/requests/new/").status_code == 404


# --- panels and timeline ---------------------------------------------------------------------
def test_start_page_panels(login: Any, persona: Any) -> None:
    worker = persona("worker")
    mine = lamp(worker, urgency="medium", importance="medium", assigned_to=worker)
    late = lamp(worker, received_on=today() - dt.timedelta(days=5))  # triage was due
    page = login("worker").get("/").content.decode()
    assert 'data-testid="panel-requests-mine"' in page and f'data-request="{mine.pk}"' in page
    assert 'data-testid="panel-requests-overdue"' not in page
    head = login("station_head").get("/").content.decode()
    assert 'data-testid="panel-requests-overdue"' in head and f'data-request="{late.pk}"' in head
    other = login("other_district_admin").get("/").content.decode()
    assert f'data-request="{late.pk}"' not in other


def test_station_page_panel(login: Any, persona: Any) -> None:
    lamp(persona("worker"), received_on=today() - dt.timedelta(days=5))
    page = login("station_head").get(f"/stations/{station().code}/").content.decode()
    assert 'data-testid="panel-station-requests"' in page
    assert 'data-testid="station-overdue">0<' not in page
    neighbour = login("neighbour_worker").get(f"/stations/{station(JIXIANLI).code}/")
    assert 'data-testid="station-overdue">0<' in neighbour.content.decode()


def test_person_panel_and_timeline(login: Any, persona: Any) -> None:
    worker = persona("worker")
    elder = resident(worker)
    client = login("worker")
    page = client.get(f"/people/{elder.pk}/").content.decode()
    assert f"/requests/new/?person={elder.pk}" in page
    form = client.get(f"/requests/new/?person={elder.pk}").content.decode()
    assert elder.name in form
    req = svc.submit_request(
        actor=worker,
        station=station(),
        channel="walk_in",
        resident_name=elder.name,
        title="需要有人帮忙换灯泡",
        person=elder,
        urgency="high",
        importance="low",
        assigned_to=worker,
    )
    svc.resolve_request(actor=worker, request=req, resolution="社工上门换好")
    page = client.get(f"/people/{elder.pk}/").content.decode()
    assert f'data-request="{req.pk}"' in page
    assert "社工上门换好" in page  # the resolution on the timeline


def test_the_refusal_names_the_station(login: Any, persona: Any) -> None:
    """A forged id of another station's worker reaches the service, whose message says why."""
    req = lamp(persona("worker"), urgency="high", importance="high")
    response = login("station_head").post(
        f"/requests/{req.pk}/assign/", {"assigned_to": persona("neighbour_worker").pk}
    )
    assert response.status_code == 422
    errors = re.findall(r'data-field-error="assigned_to">([^<]*)<', response.content.decode())
    assert len(errors) == 1 and station().name in errors[0]
    assert ResidentRequest.objects.get(pk=req.pk).assigned_to is None
