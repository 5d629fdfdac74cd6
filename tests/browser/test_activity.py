"""A worker on a phone, in a real browser: record an activity, check in three registered persons
with the htmx search, add a headcount of five others, and see 8 person-times (人次).
Screenshots go to test-artifacts/ at the repository root.

Elements are found by URL, form field ids and data-testid attributes, not by visible text: the
UI is Chinese and its translations change.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from shegong.accounts.models import User
from shegong.community.models import Activity, Attendance
from shegong.core.idnumber import make
from shegong.demo.builder import DEMO_PASSWORD
from shegong.people import services as people
from shegong.regions.models import Region
from tests.conftest import USERNAMES

from .conftest import PHONE, Pages

CHAOYANG = 120113001009  # 朝阳里社区, 果园新村街道
NAMES = ("浏览甲", "浏览乙", "浏览丙")
TITLE = "重阳节包饺子"


def log_in(page: Page, site: str, next_path: str) -> None:
    page.goto(site + next_path)
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=" + re.escape(next_path) + "$"))
    page.fill("#id_username", USERNAMES["worker"])
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("main form button[type=submit]")
    expect(page).to_have_url(site + next_path)


@pytest.mark.browser
def test_worker_checks_in_three_persons_and_five_others(
    site: str, pages: Pages, artifacts: Path
) -> None:
    worker = User.objects.get(username=USERNAMES["worker"])
    region = Region.objects.get(code=CHAOYANG)
    persons = [
        people.register_person(
            actor=worker,
            name=name,
            id_number=make("120113", dt.date(1946, 9, 9), 480 + i, "M"),
            region=region,
        )
        for i, name in enumerate(NAMES)
    ]
    page = pages.open(PHONE)
    log_in(page, site, "/activities/new/")

    page.fill("#id_title", TITLE)
    page.select_option("#id_domain", "elderly_care")
    page.select_option("#id_kind", "holiday_visit")
    page.fill("#id_held_on", timezone.localdate().isoformat())
    page.fill("#id_place", "朝阳里社区活动室")
    page.click("[data-testid=save-activity]")
    expect(page).to_have_url(re.compile(r"/activities/\d+/$"))
    expect(page.get_by_test_id("activity-title")).to_have_text(TITLE)
    expect(page.get_by_test_id("person-times")).to_have_text("0")

    page.fill("[data-testid=checkin-q]", "浏览")  # htmx searches as the worker types
    for p in persons:
        candidate = page.locator(f"[data-testid=candidate][data-person='{p.pk}']")
        expect(candidate.get_by_test_id("checkin-button")).to_be_visible()
        candidate.get_by_test_id("checkin-button").click()
        expect(candidate.get_by_test_id("checked-in")).to_be_visible()
        expect(page.locator(f"[data-testid=attendee][data-person='{p.pk}']")).to_be_visible()
    expect(page.get_by_test_id("named-count")).to_have_text("3")

    page.fill("[data-testid=headcount-input]", "5")
    page.click("[data-testid=headcount-save]")
    expect(page.get_by_test_id("others-count")).to_have_text("5")
    expect(page.get_by_test_id("person-times")).to_have_text("8")
    page.screenshot(path=artifacts / "activity-checkin-phone.png", full_page=True)

    page.reload()  # the numbers are stored, not just shown
    expect(page.get_by_test_id("person-times")).to_have_text("8")
    activity = Activity.objects.get(title=TITLE)
    assert (activity.named_count, activity.others_count, activity.person_times) == (3, 5, 8)
    assert sorted(
        Attendance.objects.filter(activity=activity).values_list("person", flat=True)
    ) == (sorted(p.pk for p in persons))
    assert pages.problems == []
