"""A volunteer's own login: "my hours" shows only their own hours, activities, pairings and
recognitions; everything else — every other page and API operation of the project, other
volunteers, other pairings, people, the start page — answers 404 (the persona walk of
tests/test_routes.py has no volunteer, so this is its walk)."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
from django.test import Client

from shegong.community import hours_services as hours_svc
from shegong.community import pairing_services as pairs
from shegong.community import request_services
from shegong.community.activity_models import Activity
from shegong.community.volunteer_models import PairingContact, VolunteerHours
from tests.community.test_requests import lamp
from tests.community.test_volunteers import resident, station, today, volunteer, volunteer_login
from tests.conftest import Outside
from tests.test_routes import (
    API_BODIES,
    API_PARAMS,
    OBJECT_PARAMS,
    PUBLIC,
    _is_post_only,
    api_operations,
    web_routes,
)

pytestmark = pytest.mark.django_db

# The volunteer's own routes (VOLUNTEER_SELF) and what every login may do.
OWN_WEB = {
    "community:my_hours",
    "community:my_hours_add",
    "community:my_pairing",
    "community:my_pairing_contact",
}
OWN_API = {
    "/api/me/volunteer",
    "/api/me/volunteer/hours",
    "/api/me/volunteer/pairings/{pk}/contacts",
}
# Every login has a start page and changes its own password (account.self).
ANY_LOGIN = {"accounts:logout", "home", "accounts:password", *PUBLIC}
API_DOCS = {"/api/docs", "/api/openapi.json"}


@pytest.fixture
def world(persona: Any, client: Client) -> dict[str, Any]:
    """A volunteer of 果园新村 with a login, an activity, hours, a pairing and a recognition;
    beside them a colleague volunteer with a pairing, and a request of the station."""
    worker = persona("worker")
    me = volunteer(worker, name="志愿者本人", phone="13900004444")
    colleague = volunteer(worker, name="别的志愿者")
    st = station()
    activity = Activity.objects.create(
        title="社区义诊",
        domain="elderly_care",
        kind="free_clinic",
        held_on=today() - dt.timedelta(days=1),
        place="旭日里社区",
        station=st,
        region_code=st.region_id,
    )
    hours_svc.log_hours(actor=worker, volunteer=me, hours=3, activity=activity)
    hours_svc.log_hours(actor=worker, volunteer=colleague, hours=5, served_on=today())
    mine = pairs.pair(actor=worker, volunteer=me, person=resident(worker), kind="peer")
    theirs = pairs.pair(actor=worker, volunteer=colleague, person=resident(worker), kind="peer")
    hours_svc.recognize(actor=worker, volunteer=me, kind="other", title="优秀志愿者")
    user = volunteer_login(persona, me)
    client.force_login(user)
    return {
        "client": client,
        "user": user,
        "me": me,
        "colleague": colleague,
        "activity": activity,
        "mine": mine,
        "theirs": theirs,
        "request": lamp(worker),
    }


def test_my_hours_shows_only_my_own_record(world: dict[str, Any]) -> None:
    client, me = world["client"], world["me"]
    page = client.get("/me/volunteer/")
    assert page.status_code == 200
    html = page.content.decode()
    assert me.name in html and 'data-testid="my-total">3<' in html
    assert "社区义诊" in html  # the activity I served at
    assert f'data-pairing="{world["mine"].pk}"' in html
    assert f'data-pairing="{world["theirs"].pk}"' not in html
    assert "优秀志愿者" in html
    assert world["colleague"].name not in html
    assert "13900004444" not in html


def test_a_volunteer_logs_own_hours_but_not_thirty(world: dict[str, Any]) -> None:
    client, me = world["client"], world["me"]
    bad = client.post("/me/volunteer/hours/", {"served_on": today().isoformat(), "hours": "30"})
    assert bad.status_code == 422 and 'data-field-error="hours"' in bad.content.decode()
    assert me.hours.count() == 1
    ok = client.post(
        "/me/volunteer/hours/",
        {"served_on": today().isoformat(), "hours": "2", "description": "帮老人取药"},
    )
    assert ok.status_code == 302
    entry = me.hours.get(description="帮老人取药")
    assert entry.self_reported


def test_a_volunteer_records_contacts_of_own_pairings_only(world: dict[str, Any]) -> None:
    client = world["client"]
    mine, theirs = world["mine"], world["theirs"]
    assert client.get(f"/me/volunteer/pairings/{mine.pk}/").status_code == 200
    ok = client.post(
        f"/me/volunteer/pairings/{mine.pk}/contacts/",
        {"contacted_on": today().isoformat(), "mode": "phone", "notes": "电话问候"},
    )
    assert ok.status_code == 302
    assert PairingContact.objects.filter(pairing=mine, notes="电话问候").exists()
    assert client.get(f"/me/volunteer/pairings/{theirs.pk}/").status_code == 404
    response = client.post(
        f"/me/volunteer/pairings/{theirs.pk}/contacts/",
        {"contacted_on": today().isoformat(), "mode": "phone"},
    )
    assert response.status_code == 404
    assert not PairingContact.objects.filter(pairing=theirs).exists()


def _inside_params(world: dict[str, Any], o: Outside) -> dict[tuple[str, str], Any]:
    """Objects of the volunteer's own station for the community routes: the colleague, the
    colleague's pairing and hours, the station's request — and the volunteer's own record and
    hours, which only staff pages would show."""
    own_hours = VolunteerHours.objects.filter(volunteer=world["me"]).first()
    out: dict[tuple[str, str], Any] = {}
    for name, param in OBJECT_PARAMS:
        if not name.startswith("community:"):
            continue
        if "pairing" in name:
            value = world["theirs"].pk
        elif name.startswith("community:request"):
            value = world["request"].pk
        elif name == "community:hours_delete":
            value = own_hours.pk if own_hours else 0
        elif (
            name.startswith("community:activity")
            or "photo" in name
            or name
            in (
                "community:checkin_search",
                "community:checkin",
                "community:checkout",
                "community:headcount",
            )
        ):
            value = world["activity"].pk
        else:
            value = world["me"].pk
        out[(name, param)] = value
    return out


def test_everything_else_is_404_for_a_volunteer(world: dict[str, Any], outside: Outside) -> None:
    client = world["client"]
    inside = _inside_params(world, outside)
    checked = 0
    for route in web_routes():
        if route.name in OWN_WEB or route.name in ANY_LOGIN:
            continue
        variants = [OBJECT_PARAMS] + ([inside] if route.params else [])
        for table in variants:
            url = "/" + route.pattern
            for param in route.params:
                value = table.get((route.name, param)) or OBJECT_PARAMS[(route.name, param)]
                url = re.sub(
                    rf"<(?:\w+:)?{param}>", str(value(outside) if callable(value) else value), url
                )
            response = client.post(url) if _is_post_only(route.view) else client.get(url)
            assert response.status_code == 404, (route.name, url, response.status_code)
            checked += 1
    assert checked > 60
    # The API: everything but the volunteer's own record is 404.
    for method, path, _f in api_operations():
        if path in OWN_API or path in API_DOCS:
            continue
        url = path
        for key in re.findall(r"{(\w+)}", path):
            url = url.replace(f"{{{key}}}", str(API_PARAMS[path](outside)))
        body = json.dumps(API_BODIES.get(path, {}))
        response = client.generic(method, url, data=body, content_type="application/json")
        if response.status_code == 422:
            # ninja refused the body ({} for a POST without a known valid body) before the
            # operation ran: its list of schema errors, never a service's field errors.
            assert isinstance(response.json()["detail"], list), (method, path)
            assert "errors" not in response.json(), (method, path)
            continue
        assert response.status_code == 404, (method, path, response.status_code)
    theirs = world["theirs"]
    response = client.post(
        f"/api/me/volunteer/pairings/{theirs.pk}/contacts",
        data=json.dumps({"contacted_on": today().isoformat(), "mode": "phone"}),
        content_type="application/json",
    )
    assert response.status_code == 404


def test_a_volunteer_starts_on_their_hours(world: dict[str, Any]) -> None:
    """The start page shows a volunteer their hours (and none of the places a worker sees);
    they may change their own password."""
    client = world["client"]
    page = client.get("/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="volunteer-home"' in html
    assert 'data-testid="stations"' not in html
    assert client.get("/accounts/password/").status_code == 200


def test_the_api_me_for_a_volunteer(world: dict[str, Any]) -> None:
    client = world["client"]
    me = client.get("/api/me/volunteer").json()
    assert me["volunteer"]["name"] == "志愿者本人"
    assert [h["hours"] for h in me["hours"]] == ["3.00"]
    assert [p["id"] for p in me["pairings"]] == [world["mine"].pk]
    bad = client.post(
        "/api/me/volunteer/hours",
        data=json.dumps({"hours": "30", "served_on": today().isoformat()}),
        content_type="application/json",
    )
    assert bad.status_code == 422 and "hours" in bad.json()["errors"]


def test_staff_have_no_my_hours_page(login: Any) -> None:
    assert login("worker").get("/me/volunteer/").status_code == 404
    assert login("worker").get("/api/me/volunteer").status_code == 404


def test_the_public_request_service_needs_no_login(world: dict[str, Any]) -> None:
    req = request_services.submit_public_request(
        station=station(), resident_name="周先生", contact="13800009999", title="小区路灯坏了"
    )
    # …and a volunteer cannot read it.
    assert world["client"].get(f"/requests/{req.pk}/").status_code == 404
