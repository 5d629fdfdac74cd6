"""The demo district admin, in a real browser: log in, open a station, create a staff account there,
log out. Screenshots go to test-artifacts/ at the repository root.

Elements are found by URL, form field ids and data-testid attributes, not by visible text: the
UI is Chinese and its translations change.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from shegong.accounts.models import RoleAssignment, User
from shegong.core.models import AuditEvent
from shegong.demo.builder import DEMO_PASSWORD
from shegong.regions.models import Station
from tests.conftest import USERNAMES

from .conftest import DESKTOP, PHONE, Pages

STATION_CODE = "120113001000"  # 果园新村街道社会工作服务站, 北辰区
NEW_USERNAME = "browser_worker_zhao"
NEW_FULL_NAME = "赵晓雯"
NEW_PASSWORD = "Lantern-Harbor-2026"


def log_in(page: Page, site: str, next_path: str) -> None:
    """Open a protected page, get sent to the login form, log in, land back on the page."""
    page.goto(site + next_path)
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=" + re.escape(next_path) + "$"))
    page.fill("#id_username", USERNAMES["district_admin"])
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("main form button[type=submit]")
    expect(page).to_have_url(site + next_path)


@pytest.mark.browser
def test_district_admin_creates_staff_account_at_a_station(
    site: str, pages: Pages, artifacts: Path
) -> None:
    station = Station.objects.get(code=STATION_CODE)
    page = pages.open(DESKTOP)

    log_in(page, site, f"/stations/{STATION_CODE}/")
    expect(page.locator("main h1")).to_contain_text(station.name)
    expect(page.get_by_test_id("staffing")).to_be_visible()
    page.screenshot(path=artifacts / "district-admin-station.png", full_page=True)

    page.click(f'main a[href="/staff/new/?station_id={station.pk}"]')
    expect(page).to_have_url(f"{site}/staff/new/?station_id={station.pk}")
    expect(page.locator("#id_station")).to_have_value(str(station.pk))  # preselected
    page.fill("#id_username", NEW_USERNAME)
    page.fill("#id_full_name", NEW_FULL_NAME)
    page.fill("#id_password1", NEW_PASSWORD)
    page.fill("#id_password2", NEW_PASSWORD)
    page.select_option("#id_role", "worker")
    page.fill("#id_phone", "13820001234")
    page.select_option("#id_certificate_level", "assistant")
    page.fill("#id_certificate_number", "S2024120001")
    page.fill("#id_certificate_date", "2024-06-01")
    page.click("main form button[type=submit]")

    expect(page).to_have_url(re.compile(r"/staff/\d+/$"))
    expect(page.locator("main h1")).to_have_text(NEW_FULL_NAME)
    expect(page.locator("main dl")).to_contain_text(NEW_USERNAME)
    expect(page.locator("main")).to_contain_text(station.name)  # the post at the station
    page.screenshot(path=artifacts / "district-admin-staff-created.png", full_page=True)

    user = User.objects.get(username=NEW_USERNAME)
    assert user.check_password(NEW_PASSWORD)
    assert page.url.endswith(f"/staff/{user.staff_member.pk}/")
    assert user.staff_member.full_name == NEW_FULL_NAME
    assignments = list(RoleAssignment.objects.filter(user=user).current())
    assert [(a.role, a.station_id) for a in assignments] == [("worker", station.pk)]
    event = AuditEvent.objects.get(action="staff.create", object_id=str(user.pk))
    assert event.username == USERNAMES["district_admin"]
    assert event.details["station"] == STATION_CODE

    page.click("[data-testid=user-menu]")
    page.click("[data-testid=logout]")
    expect(page).to_have_url(f"{site}/accounts/login/")
    page.goto(f"{site}/stations/")
    expect(page).to_have_url(f"{site}/accounts/login/?next=/stations/")
    expect(page.locator("#id_password")).to_be_visible()

    assert not pages.problems, "\n".join(pages.problems)


@pytest.mark.browser
def test_station_page_fits_a_phone(site: str, pages: Pages, artifacts: Path) -> None:
    station = Station.objects.get(code=STATION_CODE)
    page = pages.open(PHONE)

    log_in(page, site, f"/stations/{STATION_CODE}/")
    expect(page.locator("main h1")).to_contain_text(station.name)
    expect(page.locator(".navbar-toggler")).to_be_visible()  # the menu is collapsed
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= PHONE["width"] + 1, f"horizontal scroll: {scroll_width}px wide"
    page.screenshot(path=artifacts / "phone-station.png", full_page=True)

    # The collapsed menu still reaches the logout button.
    # Wait for each Bootstrap animation to finish before the next click: the menu is long
    # enough now that clicking mid-animation misses.
    page.click(".navbar-toggler")
    expect(page.locator("#nav")).to_have_class(re.compile(r"\bshow\b"))
    page.click("[data-testid=user-menu]")
    logout = page.locator("[data-testid=logout]")
    expect(logout).to_be_visible()
    logout.scroll_into_view_if_needed()
    logout.click()
    expect(page).to_have_url(f"{site}/accounts/login/")

    assert not pages.problems, "\n".join(pages.problems)
