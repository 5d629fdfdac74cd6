"""Person-times (人次): one allocation to a person is one person-time; by category as held on
the day of each allocation ("donations to children in difficulty: 43 person-times")."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from shegong.people.models import Category, CategoryMembership, Household
from shegong.resources import selectors, services

pytestmark = pytest.mark.django_db


def _give(worker: Any, station: Any, on: dt.date, **recipient: Any) -> None:
    services.allocate(
        actor=worker, station=station, kind="service", description="慰问", allocated_on=on,
        **recipient,
    )  # fmt: skip


def _join(person: Any, code: str, start: dt.date, end: dt.date | None = None) -> None:
    """The person in the category over [start, end] only (test data, straight to the table)."""
    CategoryMembership.objects.filter(person=person, category__code=code).delete()
    CategoryMembership.objects.create(
        person=person,
        category=Category.objects.get(code=code),
        valid_from=start,
        valid_to=end,
        source="civil_affairs",
    )


def test_one_person_three_times_is_three_person_times_and_one_person(
    worker: Any, station: Any, people: list[Any]
) -> None:
    today = timezone.localdate()
    start = today - dt.timedelta(days=30)
    a, b = people[0], people[1]
    for days in (1, 2, 3):
        _give(worker, station, today - dt.timedelta(days=days), person=a)
    _give(worker, station, today, person=b)
    _give(worker, station, today - dt.timedelta(days=60), person=b)  # before the period
    counts = selectors.recipient_counts(worker, start, today, station=station)
    assert (counts.total.persons, counts.total.person_times) == (2, 4)


def test_counts_by_category_on_the_day(worker: Any, station: Any, people: list[Any]) -> None:
    today = timezone.localdate()
    start = today - dt.timedelta(days=100)
    child, other = people[0], people[1]
    # The child is in difficulty from 50 days ago: of four allocations, the three since count.
    _join(child, "child_in_difficulty", today - dt.timedelta(days=50))
    for days in (80, 40, 20, 1):
        _give(worker, station, today - dt.timedelta(days=days), person=child)
    # The other was dibao until 30 days ago: the allocation 10 days ago does not count as dibao.
    _join(other, "dibao", today - dt.timedelta(days=300), today - dt.timedelta(days=30))
    _give(worker, station, today - dt.timedelta(days=60), person=other)
    _give(worker, station, today - dt.timedelta(days=10), person=other)
    counts = selectors.recipient_counts(worker, start, today, station=station)
    by = {c.category.code: c for c in counts.by_category if c.category}
    assert (by["child_in_difficulty"].persons, by["child_in_difficulty"].person_times) == (1, 3)
    assert (by["dibao"].persons, by["dibao"].person_times) == (1, 1)
    assert (counts.total.persons, counts.total.person_times) == (2, 6)


def test_households_count_apart_and_the_neighbour_sees_none(
    persona: Any, worker: Any, station: Any, people: list[Any]
) -> None:
    today = timezone.localdate()
    household = people[0].household or Household.objects.create(region=people[0].region)
    _give(worker, station, today, household=household)
    _give(worker, station, today, household=household)
    counts = selectors.recipient_counts(worker, today, today, station=station)
    assert (counts.households, counts.household_times) == (1, 2)
    assert counts.total.person_times == 0
    theirs = selectors.recipient_counts(persona("neighbour_worker"), today, today)
    assert theirs.household_times == 0


def test_aged_80_and_over_is_derived_from_the_birth_date(
    worker: Any, station: Any, people: list[Any]
) -> None:
    today = timezone.localdate()
    old = people[2]
    old.birth_date = today.replace(year=today.year - 85)
    old.save(update_fields=["birth_date"])
    _give(worker, station, today, person=old)
    counts = selectors.recipient_counts(worker, today, today, station=station)
    by = {c.category.code: c for c in counts.by_category if c.category}
    assert by["oldest_old"].person_times >= 1
