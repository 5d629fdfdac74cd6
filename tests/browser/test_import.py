"""A resident social worker imports a messy ledger in a real browser: uploads it, sees every
problem in Chinese while the background worker checks it (the progress bar polls), uploads the
corrected file, imports it, and finds one of the new people in the list by pinyin initials.

Elements are found by ids, names and data-testid attributes; only the problems themselves are
matched by their Chinese text (that is the point of the test). Screenshots go to
test-artifacts/.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from shegong.core.idnumber import make
from shegong.demo.builder import DEMO_PASSWORD
from shegong.people.models import ImportBatch, Person
from tests.conftest import USERNAMES

from .conftest import DESKTOP, Pages

STATION = "120113001000"
PREFIX = "120223"  # birthplace of the invented ID numbers: no demo person has it
ZHUGE = make(PREFIX, dt.date(1941, 6, 18), 1, "M")  # 诸葛明亮: initials zgml
OUYANG = make(PREFIX, dt.date(1946, 2, 9), 2, "F")
TYPO = ZHUGE[:-1] + ("1" if ZHUGE[-1] != "1" else "2")
HEADERS = ["序号", "姓名", "性别", "身份证号", "出生年月", "社区", "人员类别"]


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> None:
    """Uploaded ledgers go to a temporary directory, not var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"


def ledger(path: Path, rows: list[list[Any]]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["果园新村街道困难群众台账"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADERS))
    ws.append(HEADERS)
    for row in rows:
        ws.append(row)
    ws.append([None, "  "])  # a row that only looks filled
    wb.save(path)
    return path


def log_in(page: Page, site: str, next_path: str) -> None:
    page.goto(site + next_path)
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=" + re.escape(next_path) + "$"))
    page.fill("#id_username", USERNAMES["worker"])
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("main form button[type=submit]")
    expect(page).to_have_url(site + next_path)


@pytest.mark.browser
def test_worker_imports_a_messy_ledger_fixes_it_and_finds_a_person(
    site: str, pages: Pages, artifacts: Path, tmp_path: Path, settings: Any
) -> None:
    # Three rows are "large": the check runs in the background worker, with a progress bar.
    settings.SHEGONG_IMPORT_INLINE_ROWS = 2
    messy = ledger(
        tmp_path / "果园新村台账.xlsx",
        [
            [1, "诸葛明亮", "男", TYPO, "1941年6月18日", "朝阳里社区", "低保"],
            [
                2,
                "欧阳秀芬",
                "女",
                OUYANG.translate(str.maketrans("0123456789", "０１２３４５６７８９")),
                "1946.2.9",
                "旭日里",
                "独居老人",
            ],
            [3, "高凤英", "女", "", "1950.2.30", "泰来西里", ""],
        ],
    )
    page = pages.open(DESKTOP)
    log_in(page, site, "/people/import/")
    expect(page.locator("#id_station")).to_have_value(STATION)
    page.set_input_files("#id_file", str(messy))
    page.click("[data-testid=upload]")
    expect(page).to_have_url(re.compile(r"/people/import/\d+/$"))
    expect(page.locator("#id_name")).to_have_value("1")  # 姓名 found under the title
    expect(page.locator("#id_id_number")).to_have_value("3")  # 身份证号
    page.screenshot(path=artifacts / "import-mapping.png", full_page=True)
    page.click("[data-testid=check]")

    expect(page.get_by_test_id("progress")).to_be_visible()  # queued for the worker
    page.screenshot(path=artifacts / "import-progress.png", full_page=True)
    call_command("db_worker", batch=True, startup_delay=False, verbosity=0)
    # The page polls and shows the result without a reload.
    problems = page.get_by_test_id("problems")
    expect(problems).to_be_visible(timeout=15_000)
    expect(problems.locator("tr[data-row='3']")).to_contain_text("校验码错误")
    expect(problems.locator("tr[data-row='3']")).to_contain_text("身份证号")
    expect(problems.locator("tr[data-row='5']").first).to_contain_text("出生年月")
    expect(problems.locator("tr[data-row='5']").last).to_contain_text("泰来西里")
    expect(page.locator("[data-count=invalid]")).to_have_text("2")
    expect(page.get_by_test_id("import-all")).to_be_disabled()
    page.screenshot(path=artifacts / "import-problems.png", full_page=True)

    # The worker fixes the ledger and uploads it again for the same station.
    fixed = ledger(
        tmp_path / "果园新村台账（改）.xlsx",
        [
            [1, "诸葛明亮", "男", ZHUGE, "1941年6月18日", "朝阳里社区", "低保"],
            [2, "欧阳秀芬", "女", OUYANG, "1946.2.9", "旭日里", "独居老人"],
            [3, "高凤英", "女", "", "1950.2.28", "丹凤里", ""],
        ],
    )
    page.click("[data-testid=upload-again]")
    expect(page).to_have_url(f"{site}/people/import/?station={STATION}")
    page.set_input_files("#id_file", str(fixed))
    page.click("[data-testid=upload]")
    expect(page).to_have_url(re.compile(r"/people/import/\d+/$"))
    settings.SHEGONG_IMPORT_INLINE_ROWS = 2000  # now checked and imported in the request
    page.click("[data-testid=check]")
    expect(page.locator("[data-count=invalid]")).to_have_text("0")
    expect(page.locator("[data-count=valid]")).to_have_text("3")
    page.click("[data-testid=import-all]")
    expect(page.get_by_test_id("result")).to_be_visible()
    batch = ImportBatch.objects.latest("created_at")
    assert (batch.status, batch.imported, batch.skipped) == ("committed", 3, 0)
    page.screenshot(path=artifacts / "import-done.png", full_page=True)

    # The new people are in the list; pinyin initials find 诸葛明亮.
    page.click("[data-testid=people-list]")
    expect(page).to_have_url(f"{site}/people/")
    page.fill("#id_q", "zgml")
    zhuge = Person.objects.get(name="诸葛明亮")
    expect(page.locator(f"#results [data-person='{zhuge.pk}']")).to_be_visible()
    expect(page.locator("#results [data-person]")).to_have_count(1)
    expect(page.locator("#results")).not_to_contain_text(ZHUGE)  # masked in lists
    page.screenshot(path=artifacts / "import-found-by-initials.png", full_page=True)

    assert not pages.problems, "\n".join(pages.problems)
