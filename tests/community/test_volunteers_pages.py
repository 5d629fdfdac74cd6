"""The volunteer pages on a phone: list, register, detail, log hours (30 hours refused on the
page), recognitions, teams, the hours log, pairings from the person page, panels and the
timeline."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from shegong.community import hours_services as hours_svc
from shegong.community import pairing_services as pairs
from shegong.community import volunteer_services as svc
from shegong.community.volunteer_models import Pairing, PairingContact, Volunteer, VolunteerHours
from shegong.core.models import AuditEvent
from tests.community.test_volunteers import (
    CHAOYANG,
    GUOYUAN,
    JIXIANLI,
    resident,
    station,
    today,
    volunteer,
)

pytestmark = pytest.mark.django_db


def test_register_a_volunteer_on_the_page(login: Any, persona: Any) -> None:
    worker = persona("worker")
    team = svc.create_team(actor=worker, station=station(), name="爱心扫把")
    client = login("worker")
    page = client.get("/volunteers/new/")
    assert page.status_code == 200
    assert 'data-testid="volunteer-form"' in page.content.decode()
    response = client.post(
        "/volunteers/new/",
        {
            "name": "刘阿姨",
            "gender": "F",
            "phone": "13700001234",
            "station": station().pk,
            "community": CHAOYANG,
            "teams": [team.pk],
            "skills": "缝纫，理发、陪聊",
            "available_days": ["6", "7"],
            "availability": "周末上午",
            "registered_on": today().isoformat(),
        },
    )
    assert response.status_code == 302
    vol = Volunteer.objects.get(name="刘阿姨")
    assert vol.skill_list == ["缝纫", "理发", "陪聊"] and vol.available_days == "67"
    assert response["Location"] == f"/volunteers/{vol.pk}/"
    detail = client.get(response["Location"]).content.decode()
    assert "137****1234" in detail and "13700001234" not in detail
    listing = client.get("/volunteers/").content.decode()
    assert f'data-volunteer="{vol.pk}"' in listing


def test_bad_registration_shows_errors_at_the_fields(login: Any) -> None:
    client = login("worker")
    before = Volunteer.objects.count()
    response = client.post(
        "/volunteers/new/",
        {
            "name": "某",
            "phone": "12345",
            "station": station().pk,
            "registered_on": today().isoformat(),
        },
    )
    assert response.status_code == 422
    assert 'data-field-error="phone"' in response.content.decode()
    assert Volunteer.objects.count() == before


def test_thirty_hours_on_the_page_are_refused_and_nothing_is_saved(
    login: Any, persona: Any
) -> None:
    vol = volunteer(persona("worker"))
    client = login("worker")
    response = client.post(
        f"/volunteers/{vol.pk}/hours/", {"served_on": today().isoformat(), "hours": "30"}
    )
    assert response.status_code == 422
    assert 'data-field-error="hours"' in response.content.decode()
    assert not VolunteerHours.objects.filter(volunteer=vol).exists()
    ok = client.post(
        f"/volunteers/{vol.pk}/hours/",
        {"served_on": today().isoformat(), "hours": "2.5", "description": "敬老院打扫"},
    )
    assert ok.status_code == 302
    detail = client.get(f"/volunteers/{vol.pk}/").content.decode()
    assert 'data-testid="hours-total">2.50<' in detail
    entry = VolunteerHours.objects.get(volunteer=vol)
    assert client.post(f"/volunteer-hours/{entry.pk}/delete/").status_code == 302
    assert not VolunteerHours.objects.filter(volunteer=vol).exists()
    assert AuditEvent.objects.filter(action="volunteer.hours.delete").exists()


def test_the_hours_form_page_and_the_hours_log(login: Any, persona: Any) -> None:
    worker = persona("worker")
    vol = volunteer(worker)
    hours_svc.log_hours(actor=worker, volunteer=vol, hours=4, served_on=today())
    client = login("worker")
    assert client.get(f"/volunteers/{vol.pk}/hours/").status_code == 200
    log = client.get("/volunteers/hours/").content.decode()
    assert f'data-hours="{vol.hours.get().pk}"' in log
    last_month = (today().replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    earlier = client.get(f"/volunteers/hours/?month={last_month}").content.decode()
    assert f'data-hours="{vol.hours.get().pk}"' not in earlier


def test_recognitions_on_the_page(login: Any, persona: Any) -> None:
    vol = volunteer(persona("worker"))
    client = login("worker")
    bad = client.post(
        f"/volunteers/{vol.pk}/recognitions/",
        {"kind": "star", "stars": "3", "awarded_on": today().isoformat()},
    )
    assert bad.status_code == 422 and 'data-field-error="stars"' in bad.content.decode()
    ok = client.post(
        f"/volunteers/{vol.pk}/recognitions/",
        {"kind": "other", "title": "优秀志愿者", "awarded_on": today().isoformat()},
    )
    assert ok.status_code == 302
    assert "优秀志愿者" in client.get(f"/volunteers/{vol.pk}/").content.decode()


def test_teams_page(login: Any) -> None:
    client = login("worker")
    assert (
        client.post("/volunteers/teams/new/", {"station": station().pk, "name": "针锋裁缝"})[
            "Location"
        ]
        == "/volunteers/teams/"
    )
    page = client.get("/volunteers/teams/").content.decode()
    assert "针锋裁缝" in page
    again = client.post("/volunteers/teams/new/", {"station": station().pk, "name": "针锋裁缝"})
    assert again.status_code == 422


def test_the_phone_is_revealed_with_an_audit_row(login: Any, persona: Any) -> None:
    vol = volunteer(persona("worker"), phone="13600005555")
    client = login("worker")
    response = client.post(f"/volunteers/{vol.pk}/reveal/", headers={"HX-Request": "true"})
    assert "13600005555" in response.content.decode()
    assert AuditEvent.objects.filter(action="volunteer.reveal_phone", object_id=str(vol.pk))
    # Offices see volunteers but not their phones.
    admin = login("district_admin")
    assert admin.get(f"/volunteers/{vol.pk}/").status_code == 200
    assert admin.post(f"/volunteers/{vol.pk}/reveal/").status_code == 404


def test_the_next_station_gets_404(login: Any, persona: Any) -> None:
    vol = volunteer(persona("worker"))
    client = login("neighbour_worker")
    for url in (f"/volunteers/{vol.pk}/", f"/volunteers/{vol.pk}/edit/"):
        assert client.get(url).status_code == 404
    assert f'data-volunteer="{vol.pk}"' not in client.get("/volunteers/").content.decode()


def test_edit_keeps_the_phone_when_left_empty_and_deactivates(login: Any, persona: Any) -> None:
    vol = volunteer(persona("worker"), phone="13600006666")
    client = login("worker")
    assert client.get(f"/volunteers/{vol.pk}/edit/").status_code == 200
    response = client.post(
        f"/volunteers/{vol.pk}/edit/", {"name": "志愿者甲", "phone": "", "active": ""}
    )
    assert response.status_code == 302
    vol.refresh_from_db()
    assert vol.phone == "13600006666" and not vol.active


# --- pairings --------------------------------------------------------------------------------
def test_pair_from_the_person_page_and_record_contacts(login: Any, persona: Any) -> None:
    worker = persona("worker")
    vol = volunteer(worker)
    elder = resident(worker)
    client = login("worker")
    person_page = client.get(f"/people/{elder.pk}/").content.decode()
    assert 'data-testid="panel-person-volunteers"' in person_page
    assert f"/pairings/new/?person={elder.pk}" in person_page
    form = client.get(f"/pairings/new/?person={elder.pk}")
    assert form.status_code == 200
    response = client.post(
        f"/pairings/new/?person={elder.pk}",
        {
            "volunteer": vol.pk,
            "kind": "one_to_one",
            "started_on": today().isoformat(),
            "contact_every_days": "7",
            "goals": "每周上门陪伴",
        },
    )
    assert response.status_code == 302
    pairing = Pairing.objects.get(volunteer=vol, person=elder)
    bad = client.post(
        f"/pairings/{pairing.pk}/contacts/",
        {"contacted_on": today().isoformat(), "mode": "phone", "hours": "-1"},
    )
    assert bad.status_code == 422 and 'data-field-error="hours"' in bad.content.decode()
    assert not PairingContact.objects.filter(pairing=pairing).exists()
    ok = client.post(
        f"/pairings/{pairing.pk}/contacts/",
        {
            "contacted_on": today().isoformat(),
            "mode": "home_visit",
            "notes": "陪老人聊天",
            "hours": "1.5",
        },
    )
    assert ok.status_code == 302
    assert vol.hours.get().hours == Decimal("1.50")
    detail = client.get(f"/pairings/{pairing.pk}/").content.decode()
    assert "陪老人聊天" in detail
    timeline = client.get(f"/people/{elder.pk}/").content.decode()
    assert "陪老人聊天" in timeline  # the contact is on the person's timeline
    end = client.post(
        f"/pairings/{pairing.pk}/end/", {"ended_on": today().isoformat(), "reason": ""}
    )
    assert end.status_code == 422
    end = client.post(
        f"/pairings/{pairing.pk}/end/", {"ended_on": today().isoformat(), "reason": "搬家"}
    )
    assert end.status_code == 302
    assert Pairing.objects.get(pk=pairing.pk).ended_on == today()


def test_the_pairing_list_shows_contacts_due(login: Any, persona: Any) -> None:
    worker = persona("worker")
    vol = volunteer(worker)
    late = pairs.pair(
        actor=worker,
        volunteer=vol,
        person=resident(worker),
        kind="peer",
        started_on=today() - dt.timedelta(days=40),
        contact_every_days=30,
    )
    fine = pairs.pair(actor=worker, volunteer=vol, person=resident(worker), kind="peer")
    page = login("worker").get("/pairings/").content.decode()
    assert f'data-pairing="{late.pk}"' in page and f'data-pairing="{fine.pk}"' not in page
    open_tab = login("worker").get("/pairings/?tab=open").content.decode()
    assert f'data-pairing="{fine.pk}"' in open_tab


def test_pairing_needs_a_person_from_the_jurisdiction(login: Any, persona: Any) -> None:
    stranger = resident(persona("neighbour_worker"), region=120113002001)
    client = login("worker")
    assert client.get(f"/pairings/new/?person={stranger.pk}").status_code == 404
    assert 'data-testid="choose-person"' in client.get("/pairings/new/").content.decode()


# --- panels ----------------------------------------------------------------------------------
def test_station_page_shows_volunteers_and_hours_this_month(login: Any, persona: Any) -> None:
    worker = persona("worker")
    vol = volunteer(worker)
    hours_svc.log_hours(actor=worker, volunteer=vol, hours=3, served_on=today())
    page = login("worker").get(f"/stations/{station().code}/").content.decode()
    assert 'data-testid="panel-station-volunteers"' in page
    assert vol.name in page
    other = login("neighbour_worker").get(f"/stations/{station(JIXIANLI).code}/").content.decode()
    assert vol.name not in other


def test_a_person_who_volunteers_links_to_the_record(login: Any, persona: Any) -> None:
    worker = persona("worker")
    person = resident(worker)
    client = login("worker")
    page = client.get(f"/people/{person.pk}/").content.decode()
    assert f"/volunteers/new/?person={person.pk}" in page
    form = client.get(f"/volunteers/new/?person={person.pk}").content.decode()
    assert person.name in form
    vol = volunteer(worker, name=person.name, person=person)
    page = client.get(f"/people/{person.pk}/").content.decode()
    assert f"/volunteers/{vol.pk}/" in page


def test_pages_for_the_office_are_read_only(login: Any, persona: Any) -> None:
    vol = volunteer(persona("worker"))
    admin = login("district_admin")
    assert admin.get("/volunteers/").status_code == 200
    page = admin.get(f"/volunteers/{vol.pk}/").content.decode()
    assert 'data-testid="hours-form"' not in page
    assert admin.get("/volunteers/new/").status_code == 404
    assert admin.get("/pairings/").status_code == 200
    assert GUOYUAN  # the station of the volunteers above


def test_the_list_filters_by_skill_day_team_and_status(login: Any, persona: Any) -> None:
    worker = persona("worker")
    team = svc.create_team(actor=worker, station=station(), name="针锋裁缝")
    sewer = volunteer(worker, name="缝补志愿者", skills=["缝纫"], available_days=[6], teams=[team])
    barber = volunteer(worker, name="理发志愿者", skills=["理发"], available_days=[3])
    gone = volunteer(worker, name="离开的志愿者", skills=["缝纫"])
    svc.update_volunteer(actor=worker, volunteer=gone, active=False)
    client = login("worker")

    def shown(query: str) -> set[int]:
        html = client.get(f"/volunteers/?{query}", headers={"HX-Request": "true"}).content
        found = {v.pk for v in (sewer, barber, gone) if f'data-volunteer="{v.pk}"' in html.decode()}
        return found

    assert shown("skill=缝纫") == {sewer.pk}
    assert shown("skill=缝纫&status=all") == {sewer.pk, gone.pk}
    assert shown("day=6") == {sewer.pk}
    assert shown("day=3") == {barber.pk}
    assert shown(f"team={team.pk}") == {sewer.pk}
    assert shown("status=inactive") == {gone.pk}
    assert shown("q=理发") == {barber.pk}
