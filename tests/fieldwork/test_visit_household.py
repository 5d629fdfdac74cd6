"""Household visits (the whole household was visited: a contact for every member the worker may
see) and the risk-alert suggestions on a visit's page."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from shegong.core.idnumber import make
from shegong.core.models import AuditEvent
from shegong.fieldwork import selectors
from shegong.fieldwork.models import Visit
from shegong.fieldwork.services import record_visit
from shegong.fieldwork.timeline import visit_events
from shegong.people import services as people
from shegong.people.models import Category, Person, PersonStatus
from shegong.regions.models import Region
from tests.conftest import SYSTEM

pytestmark = pytest.mark.django_db

CHAOYANG = 120113001009  # 朝阳里社区, 果园新村街道 (the worker's)
TAILAI = 120113002001  # 泰来西里社区, 集贤里街道 (the neighbour's)
_seq = itertools.count(201)


def today() -> dt.date:
    return timezone.localdate()


def elder(name: str, *, region: int = CHAOYANG) -> Person:
    """An elderly person living alone for 100 days, never visited: overdue."""
    seq = next(_seq)
    person = people.register_person(
        actor=SYSTEM,
        name=f"{name}{seq}",
        id_number=make("120113", dt.date(1945, 6, 7), seq, "F"),
        region=Region.objects.get(code=region),
    )
    people.add_membership(
        actor=SYSTEM,
        person=person,
        category=Category.objects.get(code="elderly_alone"),
        valid_from=today() - dt.timedelta(days=100),
        source="civil_affairs",
    )
    return person


def household(*members: Person) -> list[Person]:
    people.create_household(
        actor=SYSTEM,
        region=Region.objects.get(code=CHAOYANG),
        address="朝阳里3号楼",
        members=[(m, "head" if i == 0 else "spouse") for i, m in enumerate(members)],
    )
    return [Person.objects.get(pk=m.pk) for m in members]


def due_persons(user: Any) -> set[int]:
    work = selectors.worklist(user, today())
    return {i.person.pk for i in [*work.overdue, *work.due_today, *work.due_this_week]}


def test_a_household_visit_takes_every_member_the_worker_may_see_off_the_worklist(
    login: Any, persona: Any
) -> None:
    worker = persona("worker")
    husband, wife, away, gone = household(
        elder("户主"), elder("老伴"), elder("外地", region=TAILAI), elder("已故")
    )
    people.set_status(actor=SYSTEM, person=gone, status=PersonStatus.DECEASED)
    assert {husband.pk, wife.pk} <= due_persons(worker)
    client = login("worker")
    form = client.get(f"/visits/new/?person={husband.pk}").content.decode()
    section = form.split('data-testid="household"', 1)[1].split("</fieldset>", 1)[0]
    assert 'name="whole_household"' in section
    assert wife.name in section
    assert away.name not in section and gone.name not in section

    response = client.post(
        f"/visits/new/?person={husband.pk}",
        {
            "kind": "home_visit",
            "visited_on": today().isoformat(),
            "whole_household": "on",
            "check_health": "ok",
            "notes": "老两口都好",
            "workers": [worker.pk],
        },
    )
    assert response.status_code == 302
    main = Visit.objects.get(person=husband)
    assert response["Location"] == f"/visits/{main.pk}/"
    other = Visit.objects.get(person=wife)
    assert main.household_id == other.household_id == husband.household_id
    assert main.checklist == {"health": {"status": "ok", "note": ""}}
    assert other.checklist == {}  # the checklist is the chosen person's
    assert (other.kind, other.visited_on, other.notes) == ("home_visit", today(), "老两口都好")
    assert other.region_code == wife.region_id and list(other.workers.all()) == [worker]
    assert not Visit.objects.filter(person__in=[away, gone]).exists()
    event = AuditEvent.objects.get(action="visit.record", object_id=str(main.pk))
    assert event.details["visits"] == [other.pk]

    assert not {husband.pk, wife.pk} & due_persons(worker)
    worklist = client.get("/visits/worklist/").content.decode()
    assert f'data-person="{husband.pk}"' not in worklist
    assert f'data-person="{wife.pk}"' not in worklist
    # The neighbour's member still needs the neighbour's visit.
    assert away.pk in due_persons(persona("neighbour_worker"))

    page = client.get(f"/visits/{main.pk}/").content.decode()
    shown = page.split('data-testid="household-visit"', 1)[1].split("</dd>", 1)[0]
    assert f'href="/visits/{other.pk}/"' in shown and wife.name in shown
    back = client.get(f"/visits/{other.pk}/").content.decode()
    assert f'href="/visits/{main.pk}/"' in back.split('data-testid="household-visit"', 1)[1]
    with translation.override("en"):
        [event] = list(visit_events(wife, worker))
    assert (event.title, event.url) == (
        "home visit (入户探访) (whole household)",
        f"/visits/{other.pk}/",
    )


def test_a_single_visit_in_a_household_counts_for_that_person_only(persona: Any) -> None:
    worker = persona("worker")
    husband, wife = household(elder("单访"), elder("未访"))
    visit = record_visit(actor=worker, person=husband, kind="home_visit", visited_on=today())
    assert visit.household_id is None
    due = due_persons(worker)
    assert husband.pk not in due and wife.pk in due


def test_whole_household_without_a_household_is_refused(persona: Any) -> None:
    worker = persona("worker")
    alone = elder("无户")
    with pytest.raises(ValidationError) as e:
        record_visit(
            actor=worker,
            person=alone,
            kind="home_visit",
            visited_on=today(),
            whole_household=True,
        )
    assert "whole_household" in e.value.message_dict
    assert not Visit.objects.filter(person=alone).exists()


def test_the_api_records_a_household_visit(persona: Any) -> None:
    import json

    from django.test import Client

    worker = persona("worker")
    husband, wife = household(elder("接口户"), elder("接口伴"))
    client = Client()
    client.force_login(worker)
    response = client.post(
        "/api/visits",
        data=json.dumps({"person": husband.pk, "kind": "phone_call", "whole_household": True}),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["household"] == husband.household_id
    assert Visit.objects.get(person=wife).household_id == husband.household_id


# --- alert suggestions ----------------------------------------------------------------------
def test_notes_that_mention_a_risk_suggest_raising_an_alert(login: Any, persona: Any) -> None:
    base = reverse("alerts:new")
    worker = persona("worker")
    person = elder("提示")
    visit = record_visit(
        actor=worker,
        person=person,
        kind="home_visit",
        visited_on=today(),
        notes="老人说最近不想活了",
        checklist={"safety_hazards": {"status": "concern", "note": "厨房有煤气中毒隐患"}},
    )
    page = login("worker").get(f"/visits/{visit.pk}/").content.decode()
    banner = page.split('data-testid="alert-suggestions"', 1)[1].split("</section>", 1)[0]
    for kind in ("self_harm", "disaster"):
        url = f"{base}?person={person.pk}&amp;kind={kind}&amp;visit={visit.pk}"
        assert f'href="{url}"' in banner, kind
    assert "abuse" not in banner
    # The button opens the alert form (the alerts pages read `visit`).
    client = login("worker")
    assert (
        client.get(f"{base}?person={person.pk}&kind=self_harm&visit={visit.pk}").status_code == 200
    )
    # The supervisor reads the visit but raises no alerts: no suggestion.
    supervisor_page = login("supervisor").get(f"/visits/{visit.pk}/").content.decode()
    assert supervisor_page.count("data-alert-kind") == 0
    assert 'data-testid="alert-suggestions"' not in supervisor_page


def test_a_kind_already_open_is_marked_not_offered_again(login: Any, persona: Any) -> None:
    from shegong.fieldwork import cases

    worker = persona("worker")
    person = elder("已报")
    cases.raise_alert(
        actor=worker, person=person, kind="abuse_domestic_violence", description="家暴"
    )
    visit = record_visit(
        actor=worker,
        person=person,
        kind="home_visit",
        visited_on=today(),
        needs_found="邻居说有家暴",
    )
    page = login("worker").get(f"/visits/{visit.pk}/").content.decode()
    banner = page.split('data-testid="alert-suggestions"', 1)[1].split("</section>", 1)[0]
    assert 'data-alert-open="abuse_domestic_violence"' in banner
    assert 'data-alert-kind="abuse_domestic_violence"' not in banner
