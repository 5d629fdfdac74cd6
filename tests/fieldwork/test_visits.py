"""Recording visits, the worker's worklist and "nobody forgotten", on the demo world."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from shegong.core.idnumber import make
from shegong.core.models import AuditEvent
from shegong.fieldwork import selectors
from shegong.fieldwork.models import Visit, VisitPolicy
from shegong.fieldwork.services import record_visit
from shegong.people import services as people
from shegong.people.models import Category, LivingSituation, Person
from shegong.regions.models import Region

pytestmark = pytest.mark.django_db

CHAOYANG = 120113001009  # 朝阳里社区, 果园新村街道
TAILAI = 120113002001  # 泰来西里社区, 集贤里街道
_seq = itertools.count(451)


def today() -> dt.date:
    return timezone.localdate()


def days_ago(n: int) -> dt.date:
    return today() - dt.timedelta(days=n)


def register(actor: Any, *, born: dt.date, region: int = CHAOYANG, **kw: Any) -> Person:
    seq = next(_seq)
    return people.register_person(
        actor=actor,
        name=f"测试{seq}",
        id_number=make("120113", born, seq, "M"),
        region=Region.objects.get(code=region),
        **kw,
    )


def join(actor: Any, person: Person, code: str, since: dt.date) -> None:
    category = Category.objects.get(code=code)
    people.add_membership(
        actor=actor,
        person=person,
        category=category,
        valid_from=since,
        source="civil_affairs",
        subtype=category.subtypes[0] if category.subtypes else "",
    )


def kinds(items: list[selectors.WorkItem], person: Person) -> list[str]:
    return sorted(i.kind for i in items if i.person.pk == person.pk)


def test_default_policies_are_installed() -> None:
    assert VisitPolicy.objects.filter(station=None, region=None).count() == 8
    assert VisitPolicy.objects.filter(risk_level="crisis", interval_days=7).exists()


def test_recording_a_visit_writes_the_visit_and_one_audit_row(persona: Any) -> None:
    worker = persona("worker")
    elder = register(worker, born=dt.date(1941, 6, 2), living_situation=LivingSituation.ALONE)
    join(worker, elder, "elderly_alone", days_ago(100))
    before = AuditEvent.objects.count()
    visit = record_visit(
        actor=worker,
        person=elder,
        kind="home_visit",
        visited_on=today(),
        checklist={"health": "ok", "heating": {"status": "concern", "note": " 暖气不热 "}},
        volunteers_text="王阿姨",
        needs_found="需要送餐",
        next_due=today() + dt.timedelta(days=14),
    )
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.first()
    assert event is not None
    assert (event.action, event.region_code) == ("visit.record", CHAOYANG)
    assert visit.region_code == elder.region_id and visit.station_id == elder.station_id
    assert visit.station_id is not None
    assert list(visit.workers.all()) == [worker]
    assert visit.checklist["heating"] == {"status": "concern", "note": "暖气不热"}
    assert list(selectors.visits_of(worker, elder)) == [visit]
    assert list(selectors.visits_of(persona("neighbour_worker"), elder)) == []


def test_bad_visits_are_refused_field_by_field_and_nothing_is_saved(persona: Any) -> None:
    worker = persona("worker")
    elder = register(worker, born=dt.date(1941, 6, 3), living_situation=LivingSituation.ALONE)
    visits, events = Visit.objects.count(), AuditEvent.objects.count()
    cases: list[tuple[str, dict[str, Any]]] = [
        ("visited_on", {"visited_on": today() + dt.timedelta(days=1)}),
        ("visited_on", {"visited_on": dt.date(1941, 6, 2)}),
        ("kind", {"kind": "telepathy"}),
        ("checklist", {"checklist": {"schooling": "ok"}}),
        ("checklist", {"checklist": {"health": "great"}}),
        ("next_due", {"next_due": days_ago(1)}),
        ("workers", {"workers": [persona("neighbour_worker")]}),
    ]
    for key, change in cases:
        args: dict[str, Any] = {"kind": "home_visit", "visited_on": today()} | change
        with pytest.raises(ValidationError) as e:
            record_visit(actor=worker, person=elder, **args)
        assert key in e.value.message_dict, (key, change)
    assert (Visit.objects.count(), AuditEvent.objects.count()) == (visits, events)


def test_visits_outside_the_jurisdiction_are_refused(persona: Any) -> None:
    elder = register(persona("worker"), born=dt.date(1941, 6, 4))
    for name in ("neighbour_worker", "district_admin", "auditor", "supervisor"):
        with pytest.raises(ValidationError):
            record_visit(actor=persona(name), person=elder, kind="phone_call", visited_on=today())
    assert not Visit.objects.filter(person=elder).exists()
    # The station head records for the station's persons.
    record_visit(actor=persona("station_head"), person=elder, kind="phone_call", visited_on=today())


def test_a_person_visited_today_leaves_the_worklist(
    persona: Any, django_assert_max_num_queries: Any
) -> None:
    worker = persona("worker")
    tekun = register(worker, born=dt.date(1950, 1, 5))
    join(worker, tekun, "tekun", days_ago(60))
    with django_assert_max_num_queries(8):
        work = selectors.worklist(worker, today())
    assert kinds(work.overdue, tekun) == ["visit"]
    assert kinds(selectors.worklist(persona("neighbour_worker"), today()).overdue, tekun) == []
    # A phone call does not count as a home visit …
    record_visit(actor=worker, person=tekun, kind="phone_call", visited_on=today())
    assert kinds(selectors.worklist(worker, today()).overdue, tekun) == ["visit"]
    # … a home visit does.
    record_visit(actor=worker, person=tekun, kind="home_visit", visited_on=today())
    work = selectors.worklist(worker, today())
    everyone = work.overdue + work.due_today + work.due_this_week
    assert kinds(everyone, tekun) == []


def test_the_worklist_splits_today_this_week_and_overdue(persona: Any) -> None:
    worker = persona("worker")
    due_now = register(worker, born=dt.date(1960, 1, 6))
    join(worker, due_now, "dibao", days_ago(90))  # due exactly today
    later = register(worker, born=dt.date(1960, 1, 7))
    join(worker, later, "dibao", days_ago(30))  # due in two months
    work = selectors.worklist(worker, today())
    assert kinds(work.due_today, due_now) == ["any"]
    assert kinds(work.overdue + work.due_this_week + work.due_today, later) == []
    if selectors.end_of_week(today()) > today():
        soon = register(worker, born=dt.date(1960, 1, 8))
        join(worker, soon, "dibao", days_ago(89))
        assert kinds(selectors.worklist(worker, today()).due_this_week, soon) == ["any"]


def test_crisis_shortens_the_interval(persona: Any) -> None:
    worker = persona("worker")
    p = register(worker, born=dt.date(1970, 1, 9))
    join(worker, p, "dibao", days_ago(200))
    record_visit(actor=worker, person=p, kind="phone_call", visited_on=days_ago(10))
    assert kinds(selectors.worklist(worker, today()).overdue, p) == []
    people.set_risk_level(
        actor=worker, person=p, level="crisis", reason="自伤风险", assessed_on=days_ago(9)
    )
    work = selectors.worklist(worker, today())
    [item] = [i for i in work.overdue if i.person.pk == p.pk]
    assert (item.kind, item.due, item.reason) == ("any", days_ago(2), "risk:crisis")


def test_nobody_forgotten_counts_per_station(persona: Any) -> None:
    admin = persona("district_admin")
    worker, neighbour = persona("worker"), persona("neighbour_worker")

    def counts() -> dict[Any, int]:
        rows = selectors.nobody_forgotten(admin, today())
        return dict(selectors.counts_per_station(rows))

    before = counts()
    mine = [register(worker, born=dt.date(1955, 2, d)) for d in (1, 2)]
    theirs = register(neighbour, born=dt.date(1955, 2, 3), region=TAILAI)
    for p, actor in ((mine[0], worker), (mine[1], worker), (theirs, neighbour)):
        join(actor, p, "dibao", days_ago(200))
    # Contacted in time: not forgotten.
    fine = register(worker, born=dt.date(1955, 2, 4))
    join(worker, fine, "dibao", days_ago(200))
    record_visit(actor=worker, person=fine, kind="phone_call", visited_on=days_ago(3))

    after = counts()
    assert mine[0].station is not None and theirs.station is not None
    assert after[mine[0].station] - before.get(mine[0].station, 0) == 2
    assert after[theirs.station] - before.get(theirs.station, 0) == 1
    rows = selectors.nobody_forgotten(admin, today(), station=mine[0].station)
    forgotten = {r.person.pk: r for r in rows}
    assert set(forgotten) >= {mine[0].pk, mine[1].pk}
    assert theirs.pk not in forgotten and fine.pk not in forgotten
    assert forgotten[mine[0].pk].days_overdue == 110
    assert forgotten[mine[0].pk].due == days_ago(110)
    # The station head oversees the own station only; a worker oversees nobody.
    head = {r.person.pk for r in selectors.nobody_forgotten(persona("station_head"), today())}
    assert mine[0].pk in head and theirs.pk not in head
    assert selectors.nobody_forgotten(worker, today()) == []


def test_an_age_alone_policy_reaches_people_born_on_29_february(persona: Any) -> None:
    """A deployment that wants every 80-year-old called (高龄 alone, no other category): the
    lists read only persons who can have a requirement, and the one-day slack of that filter
    keeps people born on 29 February in it on their 80th birthday: born 29 February 2020, 80 on
    28 February 2100 (not a leap year), while 80 years before that day is 28 February 2020."""
    worker = persona("worker")
    VisitPolicy.objects.create(
        category=Category.objects.get(code="oldest_old"), contact_kind="any", interval_days=30
    )
    elder = register(worker, born=dt.date(2020, 2, 29))
    young = register(worker, born=dt.date(2021, 6, 1))
    policies = list(VisitPolicy.objects.all())
    mine = Person.objects.filter(pk__in=[elder.pk, young.pk])
    birthday = dt.date(2100, 2, 28)
    assert list(selectors._candidates(mine, birthday, policies)) == [elder]
    # Never contacted: the first call was due 30 days after the 80th birthday.
    work = selectors.worklist(worker, dt.date(2100, 4, 12))
    assert [(i.kind, i.due) for i in work.overdue if i.person.pk == elder.pk] == [
        ("any", dt.date(2100, 3, 30))
    ]
    assert kinds(work.overdue + work.due_today + work.due_this_week, young) == []
