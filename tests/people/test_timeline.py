"""The person timeline: a registry that later apps feed without people importing them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import timezone

from shegong.people import services, timeline
from shegong.people.models import Category, Person
from shegong.people.timeline import TimelineEvent
from shegong.regions.models import Level, Region
from tests.conftest import SYSTEM

pytestmark = pytest.mark.django_db

GUOYUAN = 120113001000


def village(township: int) -> Region:
    found = Region.objects.filter(
        level=Level.VILLAGE, code__gt=township, code__lt=township + 1000
    ).first()
    assert found is not None
    return found


@pytest.fixture
def person() -> Person:
    p = services.register_person(
        actor=SYSTEM,
        confirm_duplicate=True,
        name="时间线",
        gender="F",
        birth_date=dt.date(1940, 1, 1),
        region=village(GUOYUAN),
    )
    services.add_membership(
        actor=SYSTEM,
        person=p,
        category=Category.objects.get(code="dibao"),
        valid_from=dt.date(2024, 3, 1),
        valid_to=dt.date(2024, 9, 30),
        source="civil_affairs",
    )
    services.set_risk_level(
        actor=SYSTEM, person=p, level="high", reason="独居", assessed_on=dt.date(2025, 1, 5)
    )
    services.record_consent(
        actor=SYSTEM, person=p, basis="consent", given_on=dt.date(2024, 2, 1), given_by="本人"
    )
    return p


@pytest.fixture
def provider() -> Iterator[list[TimelineEvent]]:
    """A provider as a later app would register one; removed again after the test."""
    events: list[TimelineEvent] = []

    def visits(person: Person, user: Any) -> list[TimelineEvent]:
        return list(events)

    timeline.register(visits)
    try:
        yield events
    finally:
        timeline.unregister(visits)
    assert visits not in timeline.providers()


def test_this_apps_events_newest_first(person: Person, persona: Any) -> None:
    events = timeline.events_for(person, persona("worker"))
    kinds = [(e.date, e.kind) for e in events]
    assert kinds == sorted(kinds, key=lambda k: k[0], reverse=True)
    titles = [e.title for e in events]
    today = timezone.localdate()
    assert (today, "residence") in kinds  # registered today
    assert (dt.date(2025, 1, 5), "risk") in kinds
    assert (dt.date(2024, 9, 30), "category") in kinds  # left
    assert (dt.date(2024, 3, 1), "category") in kinds  # joined
    assert (dt.date(2024, 2, 1), "consent") in kinds
    assert any("低保对象" in t for t in titles)


def test_a_registered_provider_is_merged_and_sorted(
    person: Person, persona: Any, provider: list[TimelineEvent]
) -> None:
    provider += [
        TimelineEvent(dt.date(2024, 6, 1), "visit", "入户探访", "一切正常", "/visits/1/"),
        TimelineEvent(dt.date(2023, 1, 1), "visit", "电话回访"),
    ]
    events = timeline.events_for(person, persona("worker"))
    dates = [e.date for e in events]
    assert dates == sorted(dates, reverse=True)
    visit = next(e for e in events if e.title == "入户探访")
    assert visit.url == "/visits/1/" and visit.detail == "一切正常"
    assert events[-1].title == "电话回访"  # the oldest of all


def test_the_limit_keeps_the_newest(
    person: Person, persona: Any, provider: list[TimelineEvent]
) -> None:
    start = dt.date(2000, 1, 1)
    provider += [TimelineEvent(start + dt.timedelta(days=i), "visit", f"v{i}") for i in range(80)]
    events = timeline.events_for(person, persona("worker"), limit=50)
    assert len(events) == 50
    assert events[0].date == timezone.localdate()
    assert all(e.date >= start for e in events)
    assert timeline.events_for(person, persona("worker"), limit=3)[0].kind == "residence"


def test_a_datetime_counts_as_its_day() -> None:
    at = timezone.make_aware(dt.datetime(2025, 3, 4, 23, 30))
    event = TimelineEvent(at, "visit", "晚间探访")
    assert event.date == dt.date(2025, 3, 4) and type(event.date) is dt.date


def test_register_is_idempotent(provider: list[TimelineEvent]) -> None:
    before = timeline.providers()
    for p in before:
        timeline.register(p)
    assert timeline.providers() == before


def test_the_person_page_shows_registered_events(
    person: Person, login: Any, provider: list[TimelineEvent]
) -> None:
    provider.append(TimelineEvent(dt.date(2025, 2, 2), "case", "个案结案", url="/cases/9/"))
    page = login("worker").get(f"/people/{person.pk}/").content.decode()
    html = page[page.index('id="section-timeline"') :]
    assert '<a href="/cases/9/">个案结案</a>' in html
    assert 'data-kind="case"' in html
    assert html.index("个案结案") < html.index("2024-03-01")  # newer above older


def test_the_user_is_passed_to_providers(person: Person, persona: Any) -> None:
    calls: list[Any] = []

    def spy(p: Person, user: Any) -> list[TimelineEvent]:
        calls.append(user)
        return []

    timeline.register(spy)
    try:
        timeline.events_for(person, persona("station_head"))
    finally:
        timeline.unregister(spy)
    assert calls == [persona("station_head")]
    timeline.unregister(spy)  # unregistering twice is harmless
