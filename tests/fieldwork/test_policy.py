"""The visit-policy computation: due dates across month ends and leap years, categories that
change mid-interval, risk, overrides. Pure functions: no database."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest

from shegong.fieldwork.models import ContactKind, VisitPolicy
from shegong.fieldwork.policy import (
    add_months,
    applicable,
    checklist_items,
    due_date,
    next_contacts,
    required_contacts,
    risk_level_since,
)

pytestmark = pytest.mark.dbless

D = dt.date
DIBAO, TEKUN, ALONE, OLDEST = 1, 2, 3, 4
CHAOYANG = 120113001009
STATION = 7


def person(**kw: Any) -> Any:
    base = {
        "birth_date": D(1960, 5, 1),
        "station_id": STATION,
        "region_id": CHAOYANG,
        "risk_level": "",
        "created_at": dt.datetime(2020, 1, 1, 9, 0),
    }
    return SimpleNamespace(**(base | kw))


def held(category: int, start: dt.date, end: dt.date | None = None) -> Any:
    return SimpleNamespace(category_id=category, valid_from=start, valid_to=end)


def rule(kind: str = ContactKind.ANY, days: int = 30, **kw: Any) -> VisitPolicy:
    return VisitPolicy(contact_kind=kind, interval_days=days, **kw)


NATIONAL = [
    rule(risk_level="crisis", days=7),
    rule(risk_level="high", days=14),
    rule(ContactKind.VISIT, 30, category_id=TEKUN),
    rule(category_id=OLDEST, also_category_id=ALONE, days=7),
    rule(ContactKind.VISIT, 30, category_id=OLDEST, also_category_id=ALONE),
    rule(ContactKind.VISIT, 30, category_id=ALONE),
    rule(category_id=DIBAO, days=90),
]


def test_plain_days_cross_month_ends_and_leap_days() -> None:
    assert due_date(D(2027, 1, 31), 30, D(2020, 1, 1)) == D(2027, 3, 2)  # 28-day February
    assert due_date(D(2028, 1, 31), 30, D(2020, 1, 1)) == D(2028, 3, 1)  # 29-day February
    assert due_date(D(2028, 2, 22), 7, D(2020, 1, 1)) == D(2028, 2, 29)
    assert due_date(D(2028, 2, 29), 7, D(2020, 1, 1)) == D(2028, 3, 7)
    assert due_date(D(2027, 12, 28), 7, D(2020, 1, 1)) == D(2028, 1, 4)  # year end
    assert due_date(D(2028, 2, 29), 365, D(2020, 1, 1)) == D(2029, 2, 28)


def test_calendar_months_clamp_to_the_month_end() -> None:
    assert add_months(D(2027, 1, 31), 1) == D(2027, 2, 28)
    assert add_months(D(2028, 1, 31), 1) == D(2028, 2, 29)
    assert add_months(D(2028, 2, 29), 1) == D(2028, 3, 29)
    assert add_months(D(2028, 2, 29), 12) == D(2029, 2, 28)
    assert add_months(D(2027, 11, 30), 3) == D(2028, 2, 29)
    assert add_months(D(2027, 12, 15), 1) == D(2028, 1, 15)
    assert due_date(D(2028, 1, 31), 0, D(2020, 1, 1), months=1) == D(2028, 2, 29)
    assert due_date(None, 0, D(2028, 2, 29), months=1) == D(2028, 3, 29)


def test_joining_mid_interval_is_due_an_interval_after_joining() -> None:
    # Visited 1 Jan; became 特困 on 20 Jan: the monthly visit is due 30 days after joining.
    assert due_date(D(2028, 1, 1), 30, D(2028, 1, 20)) == D(2028, 2, 19)
    # Never contacted, category from long ago: overdue (due a month after it started).
    assert due_date(None, 30, D(2027, 1, 1)) == D(2027, 1, 31)
    # Contact after the start counts from the contact.
    assert due_date(D(2028, 2, 10), 30, D(2028, 1, 20)) == D(2028, 3, 11)


def test_a_category_that_changes_mid_interval() -> None:
    p = person()
    memberships = [held(DIBAO, D(2025, 1, 1), D(2028, 2, 14)), held(TEKUN, D(2028, 2, 15))]
    before = required_contacts(p, D(2028, 2, 1), NATIONAL, memberships)
    assert [(r.kind, r.interval_days) for r in before] == [("any", 90)]
    after = required_contacts(p, D(2028, 2, 20), NATIONAL, memberships)
    assert [(r.kind, r.interval_days, r.since) for r in after] == [("visit", 30, D(2028, 2, 15))]
    # Last visited in January as 低保: the 特困 visit is due a month after 15 Feb (leap year).
    [due] = next_contacts(after, D(2028, 1, 10), D(2028, 1, 10))
    assert due.due == D(2028, 3, 16)
    # A membership that ended before the day no longer counts.
    assert required_contacts(p, D(2028, 2, 20), NATIONAL, memberships[:1]) == []


def test_a_renewed_membership_keeps_its_original_start() -> None:
    memberships = [held(DIBAO, D(2027, 1, 1), D(2027, 12, 31)), held(DIBAO, D(2028, 1, 1))]
    [r] = required_contacts(person(), D(2028, 3, 1), NATIONAL, memberships)
    assert r.since == D(2027, 1, 1)


def test_risk_raised_to_crisis_shortens_the_interval() -> None:
    memberships = [held(DIBAO, D(2025, 1, 1))]
    calm = required_contacts(person(), D(2028, 3, 1), NATIONAL, memberships)
    assert [r.interval_days for r in calm] == [90]
    crisis = person(risk_level="crisis")
    [r] = required_contacts(crisis, D(2028, 3, 1), NATIONAL, memberships, risk_since=D(2028, 2, 27))
    assert (r.kind, r.interval_days, r.reason) == ("any", 7, "risk:crisis")
    # Contacted on 1 Feb (fine for 低保); crisis from 27 Feb → due 5 March, not overdue at once.
    reqs = applicable(crisis, D(2028, 3, 1), NATIONAL, memberships, risk_since=D(2028, 2, 27))
    [due] = next_contacts(reqs, D(2028, 2, 1), None)
    assert due.due == D(2028, 3, 5)
    # A crisis flag raised yesterday does not hide a 低保 contact that is long overdue.
    [due] = next_contacts(reqs, None, None)
    assert due.due == D(2025, 4, 1)


def test_the_risk_clock_starts_at_the_first_assessment_of_the_current_level() -> None:
    history = [("crisis", D(2028, 3, 1)), ("crisis", D(2028, 2, 1)), ("high", D(2027, 5, 1))]
    assert risk_level_since(history, "crisis") == D(2028, 2, 1)
    assert risk_level_since([], "crisis") is None


def test_oldest_old_living_alone_needs_a_weekly_call_and_a_monthly_visit() -> None:
    old = person(birth_date=D(1948, 2, 29))
    memberships = [held(ALONE, D(2020, 1, 1))]
    # 79: only the 独居 monthly visit.
    young = required_contacts(old, D(2028, 2, 27), NATIONAL, memberships, oldest_old=OLDEST)
    assert [(r.kind, r.interval_days) for r in young] == [("visit", 30)]
    # 80 on 29 Feb 2028: a weekly call (from the birthday) and the monthly visit.
    reqs = required_contacts(old, D(2028, 3, 1), NATIONAL, memberships, oldest_old=OLDEST)
    assert [(r.kind, r.interval_days) for r in reqs] == [("any", 7), ("visit", 30)]
    assert reqs[0].since == D(2028, 2, 29)
    # 高龄 without living alone: nothing from these policies.
    assert required_contacts(old, D(2028, 3, 1), NATIONAL, [], oldest_old=OLDEST) == []


def test_a_station_override_wins_over_the_national_default() -> None:
    policies = [*NATIONAL, rule(category_id=DIBAO, days=30, station_id=STATION)]
    memberships = [held(DIBAO, D(2025, 1, 1))]
    [r] = required_contacts(person(), D(2028, 3, 1), policies, memberships)
    assert r.interval_days == 30
    # Another station's override does not apply; a district override applies below it.
    other = [*NATIONAL, rule(category_id=DIBAO, days=30, station_id=STATION + 1)]
    assert required_contacts(person(), D(2028, 3, 1), other, memberships)[0].interval_days == 90
    district = [*NATIONAL, rule(category_id=DIBAO, days=60, region_id=120113000000)]
    assert required_contacts(person(), D(2028, 3, 1), district, memberships)[0].interval_days == 60
    # The station beats the district even when the district is stricter.
    both = [*district, rule(category_id=DIBAO, days=120, station_id=STATION)]
    assert required_contacts(person(), D(2028, 3, 1), both, memberships)[0].interval_days == 120
    # An inactive override switches the requirement off for that station.
    off = [*NATIONAL, rule(category_id=DIBAO, days=90, station_id=STATION, active=False)]
    assert required_contacts(person(), D(2028, 3, 1), off, memberships) == []


def test_monthly_policies_use_calendar_months() -> None:
    policies = [rule(ContactKind.VISIT, 0, category_id=TEKUN, interval_months=1)]
    reqs = required_contacts(person(), D(2028, 2, 1), policies, [held(TEKUN, D(2027, 1, 1))])
    [due] = next_contacts(reqs, D(2028, 1, 31), D(2028, 1, 31))
    assert due.due == D(2028, 2, 29)


def test_checklists_suit_the_person() -> None:
    assert checklist_items(["elderly_alone"], age=82, lives_alone=True)[:2] == ["health", "meals"]
    assert "heating" in checklist_items([], age=70, lives_alone=True)
    assert checklist_items(["child_in_difficulty"], age=9, lives_alone=False) == [
        "body",
        "study",
        "living_conditions",
        "guardianship",
        "schooling",
    ]
    assert checklist_items(["dibao"], age=40, lives_alone=True) == [
        "health",
        "living_conditions",
        "needs",
    ]
