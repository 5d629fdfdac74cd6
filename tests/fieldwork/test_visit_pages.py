"""The visit pages: worklist, recording a visit on a phone, the visit list and page, and
"nobody forgotten", for the personas of the demo world."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
from django.utils import timezone

from shegong.core.idnumber import make
from shegong.fieldwork.models import Visit
from shegong.fieldwork.services import record_visit
from shegong.people import services as people
from shegong.people.models import Category, LivingSituation, Person
from shegong.regions.models import Region

pytestmark = pytest.mark.django_db

CHAOYANG = 120113001009  # 朝阳里社区, 果园新村街道
_seq = itertools.count(301)


def today() -> dt.date:
    return timezone.localdate()


def elder_alone(actor: Any, *, since_days: int = 100) -> Person:
    """An elderly person living alone in 果园新村, in the category since `since_days` ago and
    never visited: overdue for a monthly home visit."""
    seq = next(_seq)
    person = people.register_person(
        actor=actor,
        name=f"探访{seq}",
        id_number=make("120113", dt.date(1950, 3, 4), seq, "F"),
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


def form_data(worker: Any, **change: Any) -> dict[str, Any]:
    return {
        "kind": "home_visit",
        "visited_on": today().isoformat(),
        "check_health": "ok",
        "check_heating": "concern",
        "note_heating": "暖气不热",
        "needs_found": "需要送餐",
        "notes": "精神不错",
        "next_due": (today() + dt.timedelta(days=30)).isoformat(),
        "workers": [worker.pk],
    } | change


def test_a_worker_records_a_visit_and_the_person_leaves_the_worklist(
    login: Any, persona: Any
) -> None:
    worker = persona("worker")
    elder = elder_alone(worker)
    client = login("worker")
    page = client.get("/visits/worklist/")
    assert page.status_code == 200
    assert f'data-person="{elder.pk}"' in page.content.decode()

    form = client.get(f"/visits/new/?person={elder.pk}")
    assert form.status_code == 200
    html = form.content.decode()
    for item in ("health", "meals", "safety_hazards", "hygiene", "mood", "heating"):
        assert f'data-item="{item}"' in html
    assert f'value="{today().isoformat()}"' in html  # the date defaults to today
    assert 'capture="environment"' in html and 'enctype="multipart/form-data"' in html
    assert 'name="next_due"' in html
    assert 'data-testid="household"' not in html  # no household, nothing to offer

    response = client.post(f"/visits/new/?person={elder.pk}", form_data(worker))
    assert response.status_code == 302
    visit = Visit.objects.get(person=elder)
    assert response["Location"] == f"/visits/{visit.pk}/"
    assert visit.household_id is None
    assert visit.checklist["heating"] == {"status": "concern", "note": "暖气不热"}
    assert visit.checklist["health"] == {"status": "ok", "note": ""}
    assert "meals" not in visit.checklist
    assert list(visit.workers.all()) == [worker]

    detail = client.get(f"/visits/{visit.pk}/")
    assert detail.status_code == 200
    html = detail.content.decode()
    assert "暖气不热" in html
    assert elder.name in html.split('role="alert"', 1)[1]  # the success message names them
    assert 'data-testid="back-to-worklist"' in html
    assert 'data-testid="alert-suggestions"' not in html  # nothing in the notes points at a risk

    after = client.get("/visits/worklist/").content.decode()
    assert f'data-person="{elder.pk}"' not in after


def test_a_future_date_is_refused_at_the_field(login: Any, persona: Any) -> None:
    worker = persona("worker")
    elder = elder_alone(worker)
    client = login("worker")
    tomorrow = (today() + dt.timedelta(days=1)).isoformat()
    response = client.post(
        f"/visits/new/?person={elder.pk}", form_data(worker, visited_on=tomorrow)
    )
    assert response.status_code == 422
    assert 'data-field-error="visited_on"' in response.content.decode()
    assert not Visit.objects.filter(person=elder).exists()


def test_a_worker_from_elsewhere_is_refused_as_a_colleague(login: Any, persona: Any) -> None:
    worker = persona("worker")
    elder = elder_alone(worker)
    response = login("worker").post(
        f"/visits/new/?person={elder.pk}",
        form_data(worker, workers=[worker.pk, persona("neighbour_worker").pk]),
    )
    assert response.status_code == 422
    assert 'data-field-error="workers"' in response.content.decode()
    assert not Visit.objects.filter(person=elder).exists()


def test_the_neighbouring_township_gets_404(login: Any, persona: Any) -> None:
    worker = persona("worker")
    elder = elder_alone(worker)
    visit = record_visit(actor=worker, person=elder, kind="phone_call", visited_on=today())
    client = login("neighbour_worker")
    assert client.get(f"/visits/{visit.pk}/").status_code == 404
    assert client.get(f"/visits/new/?person={elder.pk}").status_code == 404
    posted = client.post(f"/visits/new/?person={elder.pk}", form_data(worker))
    assert posted.status_code == 404
    assert Visit.objects.filter(person=elder).count() == 1
    listed = client.get("/visits/").content.decode()
    assert f'data-visit="{visit.pk}"' not in listed


def test_the_auditor_cannot_record(login: Any, persona: Any) -> None:
    worker = persona("worker")
    elder = elder_alone(worker)
    client = login("auditor")
    assert client.get(f"/visits/new/?person={elder.pk}").status_code == 404
    assert client.post(f"/visits/new/?person={elder.pk}", form_data(worker)).status_code == 404
    assert client.get("/visits/worklist/").status_code == 404
    assert not Visit.objects.filter(person=elder).exists()


def test_the_visit_list_filters_and_shows_only_the_jurisdiction(login: Any, persona: Any) -> None:
    worker = persona("worker")
    elder = elder_alone(worker)
    call = record_visit(actor=worker, person=elder, kind="phone_call", visited_on=today())
    client = login("station_head")
    page = client.get("/visits/").content.decode()
    assert f'data-visit="{call.pk}"' in page
    calls = client.get("/visits/?kind=phone_call").content.decode()
    assert f'data-visit="{call.pk}"' in calls
    homes = client.get("/visits/?kind=home_visit").content.decode()
    assert f'data-visit="{call.pk}"' not in homes
    later = (today() + dt.timedelta(days=1)).isoformat()
    assert f'data-visit="{call.pk}"' not in client.get(f"/visits/?start={later}").content.decode()
    station = elder.station
    assert station is not None
    by_station = client.get(f"/visits/?station={station.code}").content.decode()
    assert f'data-visit="{call.pk}"' in by_station


def test_the_district_admin_sees_overdue_counts_per_station(login: Any, persona: Any) -> None:
    elder = elder_alone(persona("worker"), since_days=45)
    client = login("district_admin")
    response = client.get("/visits/overdue/")
    assert response.status_code == 200
    html = response.content.decode()
    station = elder.station
    assert station is not None
    assert 'data-testid="counts-per-station"' in html
    assert f'data-station="{station.code}"' in html
    assert f'data-person="{elder.pk}"' in html
    # elderly_alone since 45 days, a 30-day visit requirement: 15 days overdue.
    narrowed = client.get(f"/visits/overdue/?station={station.code}").content.decode()
    row = narrowed.split(f'data-person="{elder.pk}"', 1)[1].split("</tr>", 1)[0]
    assert ">15<" in row
    assert login("worker").get("/visits/overdue/").status_code == 404


def test_the_visit_appears_on_the_person_timeline(login: Any, persona: Any) -> None:
    worker = persona("worker")
    elder = elder_alone(worker)
    visit = record_visit(
        actor=worker, person=elder, kind="home_visit", visited_on=today(), needs_found="助浴"
    )
    html = login("worker").get(f"/people/{elder.pk}/").content.decode()
    assert 'data-kind="visit"' in html
    assert f"/visits/{visit.pk}/" in html
    assert "助浴" in html
    # Someone without VISIT_VIEW there sees the person (if at all) without the visits.
    assert (
        f"/visits/{visit.pk}/"
        not in login("neighbour_worker").get(f"/people/{elder.pk}/").content.decode()
    )
