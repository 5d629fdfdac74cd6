"""The risk alert pages: raised by the worker, on the station head's and the district office's
start page and badge at once (not the neighbouring district's), actions, resolution only after
an action, prefilling from a visit, the panels and the timeline."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from typing import Any

import pytest
from django.utils import timezone

from shegong.core.idnumber import make
from shegong.core.models import AuditEvent
from shegong.fieldwork import cases
from shegong.fieldwork.models import AlertAction, AlertStatus, RiskAlert
from shegong.fieldwork.services import record_visit
from shegong.people import services as people
from shegong.people.models import Person
from shegong.regions.models import Region

pytestmark = pytest.mark.django_db

CHAOYANG = 120113001009  # 朝阳里社区, 果园新村街道 (the worker's station)
_seq = itertools.count(1)


def today() -> dt.date:
    return timezone.localdate()


def register(actor: Any) -> Person:
    seq = next(_seq)
    return people.register_person(
        actor=actor,
        name=f"预警页{seq}",
        id_number=make("120113", dt.date(2010, 1, 1) + dt.timedelta(days=seq), 23, "M"),
        region=Region.objects.get(code=CHAOYANG),
    )


def badge_count(client: Any) -> int:
    response = client.get("/alerts/badge/")
    assert response.status_code == 200
    html = response.content.decode().strip()
    if not html:
        return 0
    m = re.search(r'data-count="(\d+)"', html)
    assert m, html
    return int(m.group(1))


def on_page(client: Any, url: str, alert: RiskAlert) -> bool:
    return f'data-alert="{alert.pk}"' in client.get(url).content.decode()


def test_the_life_of_an_alert_on_the_pages(login: Any, persona: Any) -> None:
    worker = persona("worker")
    person = register(worker)
    badges = {
        name: badge_count(login(name))
        for name in ("station_head", "district_admin", "other_district_admin")
    }

    client = login("worker")
    form = client.get(f"/alerts/new/?person={person.pk}&kind=self_harm")
    assert form.status_code == 200
    assert re.search(r'value="self_harm"[^>]*checked', form.content.decode())
    response = client.post(
        f"/alerts/new/?person={person.pk}",
        {"kind": "self_harm", "description": "孩子昨晚割腕，已送医"},
    )
    assert response.status_code == 302
    alert = RiskAlert.objects.get(person=person)
    assert response["Location"] == f"/alerts/{alert.pk}/"
    assert alert.status == AlertStatus.OPEN and alert.raised_by == worker

    # At once: on the station head's and the district office's start page and badge.
    for name in ("station_head", "district_admin"):
        c = login(name)
        assert on_page(c, "/", alert), name
        assert on_page(c, "/alerts/", alert), name
        assert badge_count(c) == badges[name] + 1, name
    nankai = login("other_district_admin")
    assert not on_page(nankai, "/", alert)
    assert badge_count(nankai) == badges["other_district_admin"]
    assert nankai.get(f"/alerts/{alert.pk}/").status_code == 404
    # The worker reads it on the list; the neighbour township's worker does not.
    assert on_page(login("worker"), "/alerts/", alert)
    assert not on_page(login("neighbour_worker"), "/alerts/", alert)
    assert login("neighbour_worker").get(f"/alerts/{alert.pk}/").status_code == 404

    # Resolving without an action is refused; the alert stays open and on the start page.
    head = login("station_head")
    page = head.post(
        f"/alerts/{alert.pk}/resolve/", {"resolution": "已处理"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert page.status_code == 422
    assert "Record at least one action before resolving the alert." in page.content.decode()
    alert.refresh_from_db()
    assert alert.status == AlertStatus.OPEN
    assert on_page(head, "/", alert)

    # The worker records what was done; a worker may not resolve.
    client = login("worker")
    response = client.post(
        f"/alerts/{alert.pk}/actions/",
        {"kind": "placement", "taken_on": today().isoformat(), "note": "当日安置至儿童福利机构"},
    )
    assert response.status_code == 302
    assert AlertAction.objects.get(alert=alert).by == worker
    detail = client.get(f"/alerts/{alert.pk}/").content.decode()
    assert 'data-action="placement"' in detail and "当日安置至儿童福利机构" in detail
    assert 'data-testid="resolve-form"' not in detail
    assert client.post(f"/alerts/{alert.pk}/resolve/", {"resolution": "x"}).status_code == 404

    # The station head resolves: gone from the start pages and the badges.
    head = login("station_head")
    response = head.post(f"/alerts/{alert.pk}/resolve/", {"resolution": "已安置，转介心理咨询"})
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.status == AlertStatus.RESOLVED and alert.resolved_by == persona("station_head")
    for name in ("station_head", "district_admin"):
        c = login(name)
        assert not on_page(c, "/", alert), name
        assert badge_count(c) == badges[name], name
        assert on_page(c, "/alerts/?tab=all&status=resolved", alert), name
    detail = head.get(f"/alerts/{alert.pk}/").content.decode()
    assert 'data-status="resolved"' in detail and "已安置，转介心理咨询" in detail
    assert 'data-testid="action-form"' not in detail
    # No more actions on a resolved alert.
    page = login("worker").post(
        f"/alerts/{alert.pk}/actions/", {"kind": "police", "taken_on": today().isoformat()}
    )
    assert page.status_code == 422
    assert AlertAction.objects.filter(alert=alert).count() == 1


def test_bad_input_saves_nothing(login: Any, persona: Any) -> None:
    person = register(persona("worker"))
    client = login("worker")
    page = client.post(f"/alerts/new/?person={person.pk}", {"kind": "self_harm"})
    assert page.status_code == 422
    assert 'data-field-error="description"' in page.content.decode()
    page = client.post(f"/alerts/new/?person={person.pk}", {"kind": "ghosts", "description": "x"})
    assert page.status_code == 422 and 'data-field-error="kind"' in page.content.decode()
    assert not RiskAlert.objects.filter(person=person).exists()

    alert = cases.raise_alert(
        actor=persona("worker"), person=person, kind="neglect", description="x"
    )
    future = (today() + dt.timedelta(days=2)).isoformat()
    page = client.post(f"/alerts/{alert.pk}/actions/", {"kind": "police", "taken_on": future})
    assert page.status_code == 422 and 'data-field-error="taken_on"' in page.content.decode()
    assert not alert.actions.exists()


def test_prefilled_from_a_visit(login: Any, persona: Any, outside: Any) -> None:
    worker = persona("worker")
    person, other = register(worker), register(worker)
    visit = record_visit(
        actor=worker,
        person=person,
        kind="home_visit",
        visited_on=today(),
        notes="邻居说他常被父亲殴打",
    )
    client = login("worker")
    html = client.get(f"/alerts/new/?person={person.pk}&visit={visit.pk}").content.decode()
    assert "邻居说他常被父亲殴打</textarea>" in html
    assert re.search(r'value="abuse_domestic_violence"[^>]*checked', html)
    # The kind in the address wins over the suggestion.
    html = client.get(
        f"/alerts/new/?person={person.pk}&visit={visit.pk}&kind=bullying"
    ).content.decode()
    assert re.search(r'value="bullying"[^>]*checked', html)
    # Another person's visit, or one outside the jurisdiction: 404 with an audit row.
    before = AuditEvent.objects.filter(action="access.denied").count()
    assert client.get(f"/alerts/new/?person={other.pk}&visit={visit.pk}").status_code == 404
    assert (
        client.get(f"/alerts/new/?person={person.pk}&visit={outside.visit.pk}").status_code == 404
    )
    assert AuditEvent.objects.filter(action="access.denied").count() == before + 2


def test_a_forged_person_is_404(login: Any, outside: Any) -> None:
    client = login("worker")
    before = AuditEvent.objects.filter(action="access.denied").count()
    response = client.post(
        f"/alerts/new/?person={outside.person.pk}", {"kind": "neglect", "description": "x"}
    )
    assert response.status_code == 404
    assert AuditEvent.objects.filter(action="access.denied").count() == before + 1
    assert RiskAlert.objects.filter(person=outside.person).count() == 1  # the seeded one only
    # Who neither raises nor handles alerts has no alert pages.
    assert login("supervisor").get("/alerts/").status_code == 404
    assert login("worker").get("/alerts/badge/").status_code == 404  # badge: handlers only


def test_most_urgent_first(login: Any, persona: Any) -> None:
    worker = persona("worker")
    neglect = cases.raise_alert(
        actor=worker, person=register(worker), kind="neglect", description="无人做饭"
    )
    self_harm = cases.raise_alert(
        actor=worker, person=register(worker), kind="self_harm", description="说不想活了"
    )
    html = login("station_head").get("/alerts/").content.decode()
    assert html.index(f'data-alert="{self_harm.pk}"') < html.index(f'data-alert="{neglect.pk}"')


def test_person_page_panel_and_timeline(login: Any, persona: Any) -> None:
    worker = persona("worker")
    person = register(worker)
    alert = cases.raise_alert(
        actor=worker, person=person, kind="bullying", description="被同学霸凌"
    )
    cases.record_alert_action(
        actor=worker, alert=alert, kind="referral", taken_on=today(), note="转介学校心理老师"
    )
    cases.resolve_alert(actor=persona("station_head"), alert=alert, resolution="已与学校沟通")
    html = login("worker").get(f"/people/{person.pk}/").content.decode()
    assert 'data-testid="panel-person-alerts"' in html
    assert f'href="/alerts/new/?person={person.pk}"' in html
    timeline = html[html.index('id="section-timeline"') :]
    assert timeline.count('data-kind="alert"') == 3  # raised, action, resolved
    # The district office reads the alert but does not raise one.
    html = login("district_admin").get(f"/people/{person.pk}/").content.decode()
    assert f'data-alert="{alert.pk}"' in html
    assert f'href="/alerts/new/?person={person.pk}"' not in html
    # The auditor sees the person, not the alert.
    html = login("auditor").get(f"/people/{person.pk}/").content.decode()
    assert 'data-kind="alert"' not in html and 'data-testid="panel-person-alerts"' not in html
