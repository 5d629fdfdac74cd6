"""The demo worker on a 360×740 phone: opens the worklist, records a home visit to a person who
is due with a photo chosen through the camera input (a JPEG with a GPS fix in its EXIF), sees
the thumbnail on the visit page, and finds the person gone from the worklist. The photo served
back has no EXIF left.

Elements are found by URL, form field ids and data-testid attributes, not by visible text (the
UI is Chinese). Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import Browser, ConsoleMessage, expect

from shegong.core.idnumber import make
from shegong.core.models import Attachment
from shegong.demo.builder import DEMO_PASSWORD
from shegong.fieldwork.models import Visit
from shegong.fieldwork.services import VISIT_OWNER
from shegong.people import services as people
from shegong.people.models import Category, LivingSituation, Person
from shegong.regions.models import Region
from tests.conftest import SYSTEM, USERNAMES

from .conftest import PHONE

CHAOYANG = 120113001009  # 朝阳里社区, in demo_worker's township (果园新村街道)


def overdue_elder() -> Person:
    """An elderly person living alone for 100 days and never visited: overdue."""
    person = people.register_person(
        actor=SYSTEM,
        name="手机探访",
        id_number=make("120113", dt.date(1944, 9, 10), 7, "F"),
        region=Region.objects.get(code=CHAOYANG),
        living_situation=LivingSituation.ALONE,
    )
    people.add_membership(
        actor=SYSTEM,
        person=person,
        category=Category.objects.get(code="elderly_alone"),
        valid_from=timezone.localdate() - dt.timedelta(days=100),
        source="civil_affairs",
    )
    return person


def phone_photo(path: Path) -> Path:
    """A small JPEG as a phone writes it: EXIF with a GPS fix and the maker."""
    image = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[34853] = {1: "N", 2: (39.0, 9.0, 30.0), 3: "E", 4: (117.0, 8.0, 40.0)}
    exif[0x010F] = "PhoneMaker"
    image.save(path, format="JPEG", exif=exif)
    assert Image.open(path).getexif().get_ifd(34853)  # the GPS fix is really there
    return path


@pytest.mark.browser
def test_worker_records_a_visit_with_a_photo_on_a_phone(
    site: str, chromium: Browser, artifacts: Path, tmp_path: Path
) -> None:
    elder = overdue_elder()
    problems: list[str] = []
    context = chromium.new_context(
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
    )
    context.set_default_timeout(10_000)

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            problems.append(f"console error: {message.text}")

    try:
        page = context.new_page()
        page.on("console", on_console)
        page.on("pageerror", lambda error: problems.append(f"page error: {error}"))

        # Log in on the way to the worklist.
        page.goto(site + "/visits/worklist/")
        expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/visits/worklist/$"))
        page.fill("#id_username", USERNAMES["worker"])
        page.fill("#id_password", DEMO_PASSWORD)
        page.click("main form button[type=submit]")
        expect(page).to_have_url(site + "/visits/worklist/")

        due = page.locator(f'#worklist-overdue li[data-person="{elder.pk}"][data-kind="visit"]')
        expect(due).to_be_visible()
        page.screenshot(path=artifacts / "phone-worklist.png", full_page=True)
        due.get_by_test_id("record-visit").tap()
        expect(page).to_have_url(re.compile(rf"/visits/new/\?person={elder.pk}"))

        # A home visit, a concern on the checklist, a photo through the camera input.
        page.locator('label[for="id_kind_0"]').tap()  # home visit (入户探访)
        page.locator('[data-item="heating"] label.btn-outline-danger').tap()
        page.fill("#id_note_heating", "暖气不热")
        page.fill("#id_needs_found", "需要送餐")
        camera = page.locator("#id_camera")
        assert camera.get_attribute("capture") == "environment"
        assert camera.get_attribute("accept") == "image/*"
        camera.set_input_files(str(phone_photo(tmp_path / "IMG_20260101.jpg")))
        page.screenshot(path=artifacts / "phone-visit-form.png", full_page=True)
        page.get_by_test_id("save-visit").tap()

        # The visit page shows the thumbnail.
        expect(page).to_have_url(re.compile(r"/visits/\d+/$"))
        visit = Visit.objects.get(person=elder)
        assert page.url == f"{site}/visits/{visit.pk}/"
        assert visit.kind == "home_visit"
        assert visit.checklist["heating"] == {"status": "concern", "note": "暖气不热"}
        photo = Attachment.objects.get(owner_type=VISIT_OWNER, owner_id=visit.pk)
        thumb = page.locator(f'[data-photo="{photo.pk}"] img')
        expect(thumb).to_be_visible()
        page.wait_for_function(
            "img => img.complete && img.naturalWidth > 0", arg=thumb.element_handle()
        )
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        page.screenshot(path=artifacts / "phone-visit-page.png", full_page=True)

        # The photo as served: the same session, no EXIF (no GPS) left.
        href = page.locator(f'[data-photo="{photo.pk}"] a').get_attribute("href")
        assert href == f"/visit-attachments/{photo.pk}/"
        served = page.request.get(site + href)
        assert served.status == 200
        assert served.headers["content-type"] == "image/jpeg"
        assert served.headers["cache-control"] == "private, no-store"
        image = Image.open(io.BytesIO(served.body()))
        assert len(image.getexif()) == 0 and "exif" not in image.info
        assert image.size == (64, 48)

        # Back on the worklist, the person is no longer due.
        page.get_by_test_id("back-to-worklist").tap()
        expect(page).to_have_url(site + "/visits/worklist/")
        expect(page.locator(f'[data-person="{elder.pk}"]')).to_have_count(0)
        page.screenshot(path=artifacts / "phone-worklist-after.png", full_page=True)
    finally:
        context.close()
    assert problems == []
