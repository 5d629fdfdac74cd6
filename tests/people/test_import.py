"""Ledger import (台账导入): the importer on messy ledgers, the web flow (inline and through the
background worker), `shegong people import`, and an import killed with SIGKILL midway.

The worker persona works at 果园新村街道 (120113001000), whose communities include 朝阳里
(120113001009), 旭日里 (120113001014) and 新华里 (120113001018); 泰来西里 belongs to the
neighbouring 集贤里街道 and 光明路 (120104001001) to 南开区.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.utils import translation
from django_tasks_db.models import DBTaskResult

from shegong.core.idnumber import make
from shegong.core.models import AuditEvent
from shegong.people import importer, selectors, services, tasks
from shegong.people.models import (
    CategoryMembership,
    ColumnMapping,
    ImportBatch,
    ImportStatus,
    Person,
    Residence,
    SearchTerm,
)
from shegong.regions.models import Region, Station

STATION = "120113001000"
PREFIX = "120225"  # the ID numbers' birthplace: used by no demo person

ZHANG = make(PREFIX, dt.date(1949, 12, 31), 1, "F")  # 120225194912310022
LI = make(PREFIX, dt.date(1950, 1, 1), 2, "M")
WANG = make(PREFIX, dt.date(1938, 5, 6), 3, "F")  # ends in X
SUN = make(PREFIX, dt.date(1952, 7, 1), 4, "M")
ZHOU = make(PREFIX, dt.date(1953, 8, 2), 5, "M")
NONAME = make(PREFIX, dt.date(1960, 3, 3), 6, "F")
KNOWN = make(PREFIX, dt.date(1944, 4, 4), 7, "M")  # registered before the import
BAD_CHECKSUM = LI[:-1] + ("0" if LI[-1] != "0" else "1")
BEIJING = "11010519491231002X"  # the test world's person outside every jurisdiction

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
HEADERS = [
    "序号",
    "姓名",
    "性别",
    "身份证号",
    "出生年月",
    "联系电话",
    "社区",
    "人员类别",
    "居住情况",
    "备注",
]


def messy_rows() -> list[list[Any]]:
    """Rows 4–14 of the messy ledger (the title is row 1, a blank row 2, the header row 3)."""
    return [
        # 4: full-width digits, a dotted date, a short community name, two category words
        [
            1,
            "张桂英",
            "女",
            ZHANG.translate(FULL_WIDTH),
            "1949.12.31",
            "138 0013 8000",
            "朝阳里社区",
            "低保、独居老人",
            "独居",
            "",
        ],
        # 5: spaces inside the ID number, an Excel serial date, the community as a number code
        [
            2,
            "李 建国",
            "男",
            f"{LI[:6]} {LI[6:14]} {LI[14:]}",
            18264,
            None,
            120113001014,
            "低保",
            "",
            "",
        ],
        # 6: lower-case x, a Chinese date, a bare community name
        [3, "王淑珍", "女", WANG.lower(), "1938年5月6日", "", "新华里", "独居老人", "", "腿脚不便"],
        # 7: a typo in the ID number
        [4, "赵德明", "男", BAD_CHECKSUM, "", "", "朝阳里", "", "", ""],
        # 8: no ID number and a day that does not exist
        [5, "刘秀兰", "女", "", "1949.2.30", "", "朝阳里", "", "", ""],
        # 9: a community of the neighbouring street
        [6, "孙立", "男", SUN, "", "", "泰来西里", "", "", ""],
        # 10: a 12-digit code of another district
        [7, "周强", "男", ZHOU, "", "", "120104001001", "", "", ""],
        # 11: the ID number of row 4 again
        [8, "张桂英", "女", ZHANG, "", "", "朝阳里", "", "", ""],
        # 12: no name
        [9, "", "女", NONAME, "", "", "朝阳里", "", "", ""],
        # 13: already registered in this township (skipped, not a problem)
        [10, "钱已登", "男", KNOWN, "", "", "朝阳里", "", "", ""],
        # 14: registered in Beijing
        [11, "京外重名", "女", BEIJING, "", "", "朝阳里", "", "", ""],
    ]


EXPECTED_PROBLEMS = [
    (7, "身份证号"),
    (8, "出生年月"),
    (9, "社区"),
    (10, "社区"),
    (11, "身份证号"),
    (12, "姓名"),
    (14, "身份证号"),
]


def write_ledger(
    path: Path, rows: list[list[Any]], headers: list[str] = HEADERS, *, title: bool = True
) -> Path:
    """An .xlsx as offices keep them: a merged title row, a blank row, the header, the rows,
    then rows that only look empty (spaces, a border)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    if title:
        ws.append(["果园新村街道困难群众台账（2025年）"])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
        ws.append([])
    ws.append(headers)
    for row in rows:
        ws.append(row)
    last = ws.max_row
    for extra in range(1, 4):
        ws.cell(row=last + extra, column=2, value="  ")
        ws.cell(row=last + extra, column=5, value=None).border = openpyxl.styles.Border(
            bottom=openpyxl.styles.Side(style="thin")
        )
    wb.save(path)
    return path


def fixed_rows() -> list[list[Any]]:
    """The messy ledger with its problems fixed (or the bad rows removed)."""
    rows = messy_rows()
    rows[3][3] = make(PREFIX, dt.date(1951, 2, 3), 8, "M")  # 赵德明's number without the typo
    rows[4][4] = "1949.2.28"
    rows[5][6] = "丹凤里"
    rows[6][6] = "120113001018"
    del rows[7]  # the repeated row
    rows[7][1] = "陈桂芝"  # the nameless row
    del rows[9]  # the Beijing number
    return rows


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> None:
    """Uploaded ledgers go to a temporary directory, not var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def known_person(db: Any, system: Any) -> Person:
    return services.register_person(
        actor=system,
        name="钱已登",
        id_number=KNOWN,
        region=Region.objects.get(code=120113001009),
    )


@pytest.fixture
def station(db: Any) -> Station:
    return Station.objects.get(code=STATION)


@pytest.fixture
def messy(tmp_path: Path, known_person: Person) -> Path:
    return write_ledger(tmp_path / "果园新村台账.xlsx", messy_rows())


def check_file(path: Path, actor: Any, station: Station) -> importer.Report:
    table = tasks.read_source(path, filename=path.name, station=station)
    mapping, _saved = tasks.initial_mapping(station, table.headers)
    return importer.check(table, mapping, actor=actor, station=station)


# --- the importer on a messy ledger --------------------------------------------------------------
def test_check_names_every_problem_by_row_and_column(
    messy: Path, persona: Any, station: Station
) -> None:
    with translation.override("en"):
        report = check_file(messy, persona("worker"), station)
    assert report.total == 11  # the trailing rows of spaces are not rows
    assert [(p.row, p.column) for p in report.problems] == EXPECTED_PROBLEMS
    messages = {p.row: p.message for p in report.problems}
    assert messages[7] == "The check digit is wrong: this ID number has a typo."
    assert messages[8].startswith("1949.2.30 is not a real date")
    assert messages[9] == "No community called “泰来西里” is served by this station."
    assert messages[10] == "光明路社区居委会 is outside your jurisdiction."
    assert messages[11] == "The same ID number is in row 4 of this file."
    assert messages[12] == "The name is missing."
    assert messages[14] == "This ID number is registered in another jurisdiction."
    assert report.already == [13]
    assert (report.total, report.valid, report.invalid_rows) == (11, 4, 7)
    for p in report.problems:  # an ID number is never repeated in a message
        assert not any(n in p.message for n in (ZHANG, LI, BAD_CHECKSUM, SUN, ZHOU, BEIJING))


def test_problems_are_in_chinese_by_default(messy: Path, persona: Any, station: Station) -> None:
    report = check_file(messy, persona("worker"), station)
    messages = {p.row: p.message for p in report.problems}
    assert messages[7] == "校验码错误：该身份号码有输入错误。"


def test_messy_cells_are_read_as_meant(messy: Path, persona: Any, station: Station) -> None:
    report = check_file(messy, persona("worker"), station)
    rows = {r.row: r for r in report.rows}
    assert sorted(rows) == [4, 5, 6]
    zhang, li, wang = rows[4], rows[5], rows[6]
    assert (zhang.id_number, zhang.gender, zhang.birth_date) == (ZHANG, "F", dt.date(1949, 12, 31))
    assert zhang.region is not None and zhang.region.code == 120113001009  # 朝阳里社区
    assert sorted(c.code for c, _sub in zhang.categories) == ["dibao", "elderly_alone"]
    assert (zhang.living_situation, zhang.phone) == ("alone", "13800138000")
    assert (li.name, li.id_number, li.birth_date) == ("李建国", LI, dt.date(1950, 1, 1))
    assert li.region is not None and li.region.code == 120113001014  # the code as a number
    assert (wang.id_number, wang.birth_date, wang.note) == (WANG, dt.date(1938, 5, 6), "腿脚不便")
    assert WANG.endswith("X")
    assert wang.region is not None and wang.region.code == 120113001018  # 新华里


# --- committing ----------------------------------------------------------------------------------
def test_commit_refuses_a_file_with_problems(messy: Path, persona: Any, station: Station) -> None:
    worker = persona("worker")
    report = check_file(messy, worker, station)
    before = Person.objects.count()
    with pytest.raises(ValueError, match="7"):
        importer.commit(report, actor=worker, station=station)
    assert Person.objects.count() == before


def test_valid_only_imports_the_clean_rows_once(
    messy: Path, persona: Any, station: Station
) -> None:
    worker = persona("worker")
    report = check_file(messy, worker, station)
    created = importer.commit(
        report, actor=worker, station=station, valid_only=True, source_name=messy.name
    )
    assert created == 3
    zhang = Person.objects.get(name="张桂英")
    assert (zhang.id_masked, zhang.region_id, zhang.station_id) == (
        "120225********0022",
        120113001009,
        station.pk,
    )
    assert zhang.id_number == ZHANG  # stored encrypted, read back whole
    memberships = CategoryMembership.objects.filter(person=zhang)
    assert sorted(m.category.code for m in memberships) == ["dibao", "elderly_alone"]
    assert {m.source for m in memberships} == {"import"}
    assert Residence.objects.filter(person=zhang, station=station).count() == 1
    assert SearchTerm.objects.filter(person=zhang).exists()
    event = AuditEvent.objects.get(action="person.import")
    assert event.details == {"imported": 3, "skipped": 1, "invalid": 7, "station": STATION}
    # Found the way workers type: pinyin initials of 张桂英.
    found = selectors.persons_for(worker, selectors.PersonFilter(q="zgy"))
    assert zhang in found

    # The same file again: everybody is already registered.
    again = check_file(messy, worker, station)
    assert sorted(again.already) == [4, 5, 6, 13]
    assert again.rows == []
    assert importer.commit(again, actor=worker, station=station, valid_only=True) == 0
    assert Person.objects.filter(name__in=["张桂英", "李建国", "王淑珍"]).count() == 3


def test_an_error_inside_the_commit_leaves_nothing(
    messy: Path, persona: Any, station: Station, monkeypatch: Any
) -> None:
    worker = persona("worker")
    report = check_file(messy, worker, station)

    real_insert = importer.insert_rows

    def broken(table: str, *args: Any, **kwargs: Any) -> int:
        if table == Residence._meta.db_table:
            raise RuntimeError("disk full")
        return real_insert(table, *args, **kwargs)

    # Persons and search terms are written before the residences fail.
    monkeypatch.setattr(importer, "insert_rows", broken)
    before = (Person.objects.count(), SearchTerm.objects.count())
    with pytest.raises(RuntimeError):
        importer.commit(report, actor=worker, station=station, valid_only=True)
    assert (Person.objects.count(), SearchTerm.objects.count()) == before
    assert not AuditEvent.objects.filter(action="person.import").exists()


def test_rows_without_id_number_are_matched_by_name_and_birth_date(
    tmp_path: Path, persona: Any, station: Station
) -> None:
    worker = persona("worker")
    path = write_ledger(
        tmp_path / "no-ids.csv.xlsx",
        [[1, "马兰花", "女", "", "1940-02-03", "", "朝阳里", "", "", ""]],
    )
    first = check_file(path, worker, station)
    assert importer.commit(first, actor=worker, station=station) == 1
    second = check_file(path, worker, station)
    assert (second.already, second.rows) == ([4], [])


def test_rows_without_id_number_need_gender_and_birth_date(
    tmp_path: Path, persona: Any, station: Station
) -> None:
    """As on the registration form: these are what tell two people without a number apart."""
    path = write_ledger(
        tmp_path / "x.xlsx",
        [
            [1, "马兰花", "", "", "", "", "朝阳里", "", "", ""],
            [2, "马兰草", "女", "", "1940.2.30", "", "朝阳里", "", "", ""],
        ],
    )
    with translation.override("en"):
        report = check_file(path, persona("worker"), station)
    assert [(p.row, p.column, p.message[:40]) for p in report.problems] == [
        (4, "性别", "Without an ID number, give the gender."),
        (4, "出生年月", "Without an ID number, give the birth dat"),
        (5, "出生年月", "1940.2.30 is not a real date: 1940-02 ha"),
    ]


# --- column mappings -----------------------------------------------------------------------------
ODD_HEADERS = ["老人名字", "证件", "住在哪个社区", "享受政策"]


def test_a_mapping_is_remembered_per_station(
    tmp_path: Path, persona: Any, station: Station, system: Any
) -> None:
    worker = persona("worker")
    first = write_ledger(
        tmp_path / "a.xlsx", [["孟繁荣", SUN, "朝阳里", "低保"]], ODD_HEADERS, title=False
    )
    batch = tasks.create_batch(
        actor=worker,
        station=station,
        upload=SimpleUploadedFile("a.xlsx", first.read_bytes()),
        filename="a.xlsx",
    )
    table = tasks.read_batch(batch)
    suggested, saved = tasks.initial_mapping(station, table.headers)
    assert (suggested, saved) == ({}, None)  # none of these headers is a usual one
    tasks.save_mapping(
        actor=worker,
        batch=batch,
        mapping={"name": 0, "id_number": 1, "region": 2, "categories": 3},
        headers=table.headers,
        name="老年台账",
    )
    remembered = ColumnMapping.objects.get(station=station, name="老年台账")
    assert remembered.mapping == {
        "name": "老人名字",
        "id_number": "证件",
        "region": "住在哪个社区",
        "categories": "享受政策",
    }
    # The next ledger with those headers (in another order, under a title) maps itself.
    second = write_ledger(
        tmp_path / "b.xlsx",
        [["低保", "新华里", ZHOU, "田玉珍"]],
        list(reversed(ODD_HEADERS)),
    )
    table2 = tasks.read_source(second, filename="b.xlsx", station=station)
    assert table2.header_row == 3  # found below the title thanks to the remembered headers
    mapping, saved = tasks.initial_mapping(station, table2.headers)
    assert saved == remembered
    assert mapping == {"name": 3, "id_number": 2, "region": 1, "categories": 0}
    report = importer.check(table2, mapping, actor=worker, station=station)
    assert (report.problems, len(report.rows)) == ([], 1)
    # Another station does not see it.
    other = Station.objects.get(code="120113002000")
    assert tasks.initial_mapping(other, table2.headers) == ({}, None)


def test_a_mapping_needs_a_name_column_and_distinct_columns(
    tmp_path: Path, persona: Any, station: Station
) -> None:
    worker = persona("worker")
    path = write_ledger(tmp_path / "a.xlsx", [["孟繁荣", SUN, "朝阳里", "低保"]], ODD_HEADERS)
    batch = tasks.create_batch(
        actor=worker,
        station=station,
        upload=SimpleUploadedFile("a.xlsx", path.read_bytes()),
        filename="a.xlsx",
    )
    with pytest.raises(Exception) as caught:
        tasks.save_mapping(
            actor=worker,
            batch=batch,
            mapping={"id_number": 1, "region": 1},
            headers=ODD_HEADERS,
        )
    assert set(caught.value.message_dict) == {"name", "region"}  # type: ignore[attr-defined]


# --- shegong people import (call_command) --------------------------------------------------------
def run_cli(*args: str) -> tuple[list[str], str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("people_import", *args, stdout=out, stderr=err)
    return out.getvalue().splitlines(), err.getvalue()


def test_cli_check_prints_problems_and_changes_nothing(messy: Path) -> None:
    before = Person.objects.count()
    with translation.override("en"):
        lines, _err = run_cli(str(messy), "--station", STATION)
    assert lines[0] == "row 7, 身份证号: The check digit is wrong: this ID number has a typo."
    assert lines[1].startswith("row 8, 出生年月: 1949.2.30 is not a real date")
    assert [line.split(":")[0] for line in lines[:7]] == [
        f"row {r}, {c}" for r, c in EXPECTED_PROBLEMS
    ]
    assert lines[-2:] == ["already registered: 1", "rows: 11, valid: 4, invalid: 7"]
    assert Person.objects.count() == before


def test_cli_commit_is_all_or_nothing_then_valid_only_then_idempotent(messy: Path) -> None:
    before = Person.objects.count()
    lines, err = run_cli(str(messy), "--station", STATION, "--commit")
    assert lines[-2:] == ["rows: 11, valid: 4, invalid: 7", "imported: 0, skipped: 11"]
    assert "nothing imported" in err
    assert Person.objects.count() == before

    lines, _err = run_cli(str(messy), "--station", STATION, "--commit", "--valid-only")
    assert lines[-1] == "imported: 3, skipped: 8"
    assert Person.objects.count() == before + 3
    event = AuditEvent.objects.filter(action="person.import").latest("at")
    assert (event.username, event.user_id) == ("cli", None)

    lines, _err = run_cli(str(messy), "--station", STATION, "--commit", "--valid-only")
    assert lines[-3:] == [
        "already registered: 4",
        "rows: 11, valid: 4, invalid: 7",
        "imported: 0, skipped: 11",
    ]
    assert Person.objects.count() == before + 3


def test_cli_imports_a_clean_file_as_a_user(tmp_path: Path, known_person: Person) -> None:
    path = write_ledger(tmp_path / "fixed.xlsx", fixed_rows())
    lines, _err = run_cli(str(path), "--station", STATION, "--user", "demo_worker")
    assert lines == ["already registered: 1", "rows: 9, valid: 9, invalid: 0"]
    lines, _err = run_cli(str(path), "--station", STATION, "--user", "demo_worker", "--commit")
    assert lines[-1] == "imported: 8, skipped: 1"
    event = AuditEvent.objects.filter(action="person.import").latest("at")
    assert event.username == "demo_worker"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--station", "999999999999"], "unknown station"),
        (["--station", STATION, "--user", "nobody"], "unknown or disabled user"),
        (["--station", STATION, "--user", "demo_worker2"], "may not import"),
        (["--station", STATION, "--mapping", "nope"], "no column mapping named"),
        (["--station", STATION, "--valid-only"], "--valid-only needs --commit"),
    ],
)
def test_cli_exit_code_2_when_it_cannot_start(messy: Path, args: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message) as caught:
        run_cli(str(messy), *args)
    assert caught.value.returncode == 2


def test_cli_exit_code_2_for_an_unreadable_file(tmp_path: Path, db: Any) -> None:
    fake = tmp_path / "ledger.xlsx"
    fake.write_bytes(b"PK\x03\x04 this is no workbook")
    with pytest.raises(CommandError) as caught:
        run_cli(str(fake), "--station", STATION)
    assert caught.value.returncode == 2
    with pytest.raises(CommandError) as missing:
        run_cli(str(tmp_path / "missing.xlsx"), "--station", STATION)
    assert missing.value.returncode == 2


def test_cli_a_file_without_a_name_column(tmp_path: Path, db: Any) -> None:
    path = write_ledger(tmp_path / "n.xlsx", [["x", SUN], ["y", ZHOU]], ["备注", "身份证号"])
    with translation.override("en"):
        lines, _err = run_cli(str(path), "--station", STATION)
    assert lines == [
        "file: The file has no column for: Full name.",
        "rows: 2, valid: 0, invalid: 2",
    ]


def test_cli_uses_a_named_mapping(tmp_path: Path, station: Station) -> None:
    ColumnMapping.objects.create(
        station=station,
        name="老年台账",
        mapping={"name": "老人名字", "id_number": "证件", "region": "住在哪个社区"},
    )
    path = write_ledger(
        tmp_path / "odd.csv.xlsx", [["孟繁荣", SUN, "朝阳里", "低保"]], ODD_HEADERS, title=False
    )
    lines, _err = run_cli(str(path), "--station", STATION, "--mapping", "老年台账")
    assert lines == ["rows: 1, valid: 1, invalid: 0"]


# --- the web pages -------------------------------------------------------------------------------
def upload(client: Any, path: Path, station: str = STATION) -> Any:
    with path.open("rb") as f:
        return client.post("/people/import/", {"station": station, "file": f})


def mapping_data(client: Any, batch: ImportBatch) -> dict[str, str]:
    """The mapping form as the batch page preselects it."""
    form = client.get(f"/people/import/{batch.pk}/").context["form"]
    return {name: value for name, value in form.initial.items() if value is not None}


def post_mapping(client: Any, batch: ImportBatch, data: dict[str, str] | None = None) -> Any:
    """Submit the mapping form as the page preselected it."""
    data = data or mapping_data(client, batch)
    return client.post(f"/people/import/{batch.pk}/check/", data)


def test_upload_page_offers_the_workers_station_only(login: Any) -> None:
    client = login("worker")
    page = client.get("/people/import/")
    assert page.status_code == 200
    choices = dict(page.context["form"].fields["station"].choices)
    assert list(choices) == [STATION]
    assert b'href="/people/import/template.xlsx' in page.content
    assert login("district_admin").get("/people/import/").status_code == 404


def test_the_template_imports_cleanly(login: Any, station: Station, tmp_path: Path) -> None:
    client = login("worker")
    response = client.get(f"/people/import/template.xlsx?station={STATION}")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    path = tmp_path / "template.xlsx"
    path.write_bytes(response.content)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["服务对象", "填写说明"]
    header = [c.value for c in wb["服务对象"][1]]
    assert header == [f.aliases[0] for f in importer.FIELDS]
    assert header[:4] == ["姓名", "公民身份号码", "性别", "出生日期"]
    notes = " ".join(str(c.value) for row in wb["填写说明"].iter_rows() for c in row if c.value)
    assert "低保户" in notes and "独居老人" in notes and "1949年12月31日" in notes
    lines, _err = run_cli(str(path), "--station", STATION)
    assert lines == ["rows: 1, valid: 1, invalid: 0"]


def test_web_import_end_to_end_inline(
    login: Any, messy: Path, tmp_path: Path, station: Station
) -> None:
    client = login("worker")
    response = upload(client, messy)
    batch = ImportBatch.objects.latest("created_at")
    assert response.status_code == 302
    assert response["Location"] == f"/people/import/{batch.pk}/"
    assert (batch.status, batch.total_rows, batch.filename) == ("uploaded", 11, messy.name)
    assert batch.file.name.startswith("imports/") and "果园" not in batch.file.name
    assert len(batch.sha256) == 64

    page = client.get(f"/people/import/{batch.pk}/")
    assert page.status_code == 200
    assert page.context["form"].initial["name"] == "1"  # column B, 姓名
    assert page.context["form"].initial["id_number"] == "3"  # 身份证号

    assert post_mapping(client, batch).status_code == 302
    batch.refresh_from_db()
    assert batch.status == ImportStatus.VALIDATED
    assert (batch.total_rows, batch.valid_rows, batch.invalid_rows, batch.skipped) == (11, 4, 7, 1)
    assert [(p["row"], p["column"]) for p in batch.problems] == EXPECTED_PROBLEMS
    assert ColumnMapping.objects.filter(station=station, name="default").exists()

    page = client.get(f"/people/import/{batch.pk}/")
    html = page.content.decode()
    assert "校验码错误：该身份号码有输入错误。" in html
    assert 'data-testid="import-all" disabled' in html
    assert 'data-testid="import-valid"' in html
    assert 'data-count="already">1<' in html
    assert ZHANG not in html and BEIJING not in html

    problems = client.get(f"/people/import/{batch.pk}/problems.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(problems.content)).active
    assert sheet is not None
    assert [(r[0], r[1]) for r in sheet.iter_rows(min_row=3, values_only=True)] == [
        (r, c) for r, c in EXPECTED_PROBLEMS
    ]

    # "Import all" is refused while rows have problems (the file is checked again).
    before = Person.objects.count()
    client.post(f"/people/import/{batch.pk}/commit/", {"valid_only": "0"})
    batch.refresh_from_db()
    assert (batch.status, Person.objects.count()) == (ImportStatus.VALIDATED, before)
    assert "7" in batch.error

    client.post(f"/people/import/{batch.pk}/commit/", {"valid_only": "1"})
    batch.refresh_from_db()
    assert (batch.status, batch.imported, batch.skipped) == (ImportStatus.COMMITTED, 3, 8)
    assert Person.objects.count() == before + 3
    assert not batch.file  # the ledger with its ID numbers is not kept
    html = client.get(f"/people/import/{batch.pk}/").content.decode()
    assert 'data-testid="result"' in html and 'href="/people/"' in html
    # A second click does nothing.
    client.post(f"/people/import/{batch.pk}/commit/", {"valid_only": "1"})
    assert Person.objects.count() == before + 3

    # The corrected file: its new rows import, the others are already there.
    fixed = write_ledger(tmp_path / "fixed.xlsx", fixed_rows())
    upload(client, fixed)
    second = ImportBatch.objects.latest("created_at")
    post_mapping(client, second)
    second.refresh_from_db()
    assert (second.invalid_rows, second.skipped) == (0, 4)
    client.post(f"/people/import/{second.pk}/commit/", {"valid_only": "0"})
    second.refresh_from_db()
    assert (second.status, second.imported, second.skipped) == ("committed", 5, 4)

    listing = client.get("/people/import/").content.decode()
    assert f"/people/import/{batch.pk}/" in listing and f"/people/import/{second.pk}/" in listing


def test_upload_errors_are_shown_at_the_field(
    login: Any, messy: Path, tmp_path: Path, settings: Any
) -> None:
    client = login("worker")
    fake = tmp_path / "ledger.xlsx"
    fake.write_bytes(b"PK\x03\x04 not a workbook")
    response = upload(client, fake)
    assert response.status_code == 422
    assert response.context["form"].errors["file"]
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    response = upload(client, text)
    assert response.status_code == 422 and response.context["form"].errors["file"]
    settings.SHEGONG_IMPORT_MAX_MB = 0
    response = upload(client, messy)
    assert response.status_code == 422
    assert "MB" in response.context["form"].errors["file"][0]
    # A station the worker does not work at is not among the choices.
    settings.SHEGONG_IMPORT_MAX_MB = 20
    response = upload(client, messy, station="120113002000")
    assert response.status_code == 422 and response.context["form"].errors["station"]
    assert not ImportBatch.objects.filter(station__code=STATION).exists()


def test_the_neighbouring_worker_gets_404_for_a_batch(login: Any, messy: Path) -> None:
    upload(login("worker"), messy)
    batch = ImportBatch.objects.latest("created_at")
    neighbour = login("neighbour_worker")
    for url in (f"/people/import/{batch.pk}/", f"/people/import/{batch.pk}/problems.xlsx"):
        assert neighbour.get(url).status_code == 404
    for url in (f"/people/import/{batch.pk}/check/", f"/people/import/{batch.pk}/commit/"):
        assert neighbour.post(url, {"valid_only": "1"}).status_code == 404
    batch.refresh_from_db()
    assert batch.status == ImportStatus.UPLOADED
    assert AuditEvent.objects.filter(
        action="access.denied", object_type="people.importbatch", object_id=str(batch.pk)
    ).exists()


def run_worker(monkeypatch: Any) -> None:
    """The real database worker (`shegong manage db_worker --batch`): it runs every queued task,
    then exits. Between tasks it closes "old" connections, which inside the test's transaction
    (autocommit off) means the test's own connection on PostgreSQL: keep it open."""
    from django_tasks_db.management.commands import db_worker

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    call_command("db_worker", batch=True, startup_delay=False, verbosity=0)


def test_a_large_file_goes_through_the_background_worker(
    login: Any, messy: Path, settings: Any, monkeypatch: Any
) -> None:
    settings.SHEGONG_IMPORT_INLINE_ROWS = 5
    client = login("worker")
    upload(client, messy)
    batch = ImportBatch.objects.latest("created_at")
    post_mapping(client, batch)
    batch.refresh_from_db()
    assert batch.status == ImportStatus.VALIDATING  # queued, not run in the request

    page = client.get(f"/people/import/{batch.pk}/").content.decode()
    assert 'hx-trigger="every 1s"' in page and 'data-testid="progress"' in page
    partial = client.get(f"/people/import/{batch.pk}/", headers={"HX-Request": "true"})
    assert partial.content.decode().lstrip().startswith('<div id="import-state"')
    assert tasks.read_progress(batch) is not None

    run_worker(monkeypatch)
    batch.refresh_from_db()
    assert (batch.status, batch.invalid_rows, batch.skipped) == (ImportStatus.VALIDATED, 7, 1)
    progress = tasks.read_progress(batch)
    assert progress is not None and (progress.phase, progress.percent) == ("check", 100)
    partial = client.get(f"/people/import/{batch.pk}/", headers={"HX-Request": "true"})
    assert "hx-trigger" not in partial.content.decode()  # polling stops
    assert "校验码错误" in partial.content.decode()

    before = Person.objects.count()
    client.post(f"/people/import/{batch.pk}/commit/", {"valid_only": "1"})
    batch.refresh_from_db()
    assert (batch.status, Person.objects.count()) == (ImportStatus.COMMITTING, before)
    run_worker(monkeypatch)
    batch.refresh_from_db()
    assert (batch.status, batch.imported, batch.skipped) == (ImportStatus.COMMITTED, 3, 8)
    assert Person.objects.count() == before + 3
    event = AuditEvent.objects.filter(action="person.import").latest("at")
    assert event.username == "demo_worker"  # the worker acted for the user who clicked


def test_a_job_that_stopped_reporting_can_be_started_again(
    login: Any, messy: Path, settings: Any
) -> None:
    settings.SHEGONG_IMPORT_INLINE_ROWS = 5
    client = login("worker")
    upload(client, messy)
    batch = ImportBatch.objects.latest("created_at")
    data = mapping_data(client, batch)
    post_mapping(client, batch, data)
    batch.refresh_from_db()
    assert batch.status == ImportStatus.VALIDATING
    assert post_mapping(client, batch, data).status_code == 302  # a second click starts nothing
    assert DBTaskResult.objects.filter(task_path__endswith="check_batch").count() == 1
    tasks.set_progress(batch, "check", 40)
    assert not tasks.is_stuck(batch)
    tasks.caches[tasks.PROGRESS_CACHE].delete(tasks.progress_key(batch))  # the worker died
    assert tasks.is_stuck(batch)
    page = client.get(f"/people/import/{batch.pk}/").content.decode()
    assert 'data-testid="stuck"' in page and "hx-trigger" not in page
    settings.SHEGONG_IMPORT_INLINE_ROWS = 2000
    post_mapping(client, batch, data)
    batch.refresh_from_db()
    assert batch.status == ImportStatus.VALIDATED


# --- separate processes: a real `shegong people import`, and kill -9 inside the commit ----------
PREPARE = textwrap.dedent(
    """
    import django
    django.setup()
    from django.core.management import call_command
    call_command("migrate", verbosity=0)
    from shegong.core.actors import SystemActor
    from shegong.regions import services
    from shegong.regions.models import Region
    rows = [
        (120000000000, 1, None, "天津市"),
        (120100000000, 2, 120000000000, "市辖区"),
        (120113000000, 3, 120100000000, "北辰区"),
        (120113001000, 4, 120113000000, "果园新村街道"),
        (120113001009, 5, 120113001000, "朝阳里社区居委会"),
        (120113001014, 5, 120113001000, "旭日里社区居委会"),
    ]
    for code, level, parent, name in rows:
        Region.objects.create(code=code, level=level, parent_id=parent, name=name)
    services.create_station(
        actor=SystemActor(), region=Region.objects.get(code=120113001000),
        name="果园新村街道社会工作服务站", kind="township", code="120113001000",
    )
    """
)
KILLED_IMPORT = textwrap.dedent(
    """
    import sys, time
    import django
    django.setup()
    from pathlib import Path
    from shegong.core.actors import SystemActor
    from shegong.people import importer, tasks
    from shegong.people.models import Person
    from shegong.regions.models import Station
    path, ready = Path(sys.argv[1]), Path(sys.argv[2])
    station = Station.objects.get(code="120113001000")
    actor = SystemActor("kill-test")
    table = tasks.read_source(path, filename=path.name, station=station)
    mapping, _ = tasks.initial_mapping(station, table.headers)
    report = importer.check(table, mapping, actor=actor, station=station)
    assert not report.problems, report.problems[:3]

    def progress(percent):
        if 0 < percent < 100:
            # Inside the transaction: the first chunk is written, the rest is not.
            partial = ready.with_suffix(".partial")
            partial.write_text(str(Person.objects.count()))
            partial.rename(ready)
            time.sleep(300)

    importer.commit(report, actor=actor, station=station, progress=progress)
    print("finished")  # never reached
    """
)
COUNT = textwrap.dedent(
    """
    import json
    import django
    django.setup()
    from shegong.core.models import AuditEvent
    from shegong.people.models import CategoryMembership, Person, Residence, SearchTerm
    print(json.dumps({
        "persons": Person.objects.count(),
        "terms": SearchTerm.objects.count(),
        "memberships": CategoryMembership.objects.count(),
        "residences": Residence.objects.count(),
        "audit": AuditEvent.objects.filter(action="person.import").count(),
    }))
    """
)


@pytest.fixture(scope="module")
def separate_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A migrated database of its own (a SQLite file, or a PostgreSQL database beside the test
    database in the PostgreSQL pass) with one station, and the environment to reach it."""
    import dj_database_url

    root = tmp_path_factory.mktemp("separate")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHEGONG_")}
    env.update(DJANGO_SETTINGS_MODULE="shegong.settings", SHEGONG_DATA_DIR=str(root))
    url = os.environ.get("SHEGONG_DATABASE_URL", "")
    drop = None
    if url.startswith(("postgres://", "postgresql://")):
        import psycopg

        parsed = dj_database_url.parse(url)
        name = f"{parsed['NAME']}_separate"
        admin = url.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8'")

        def drop() -> None:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

        env["SHEGONG_DATABASE_URL"] = url.rsplit("/", 1)[0] + "/" + name
    else:
        env["SHEGONG_DATABASE_URL"] = f"sqlite:///{root / 'separate.sqlite3'}"
    subprocess.run([sys.executable, "-c", PREPARE], env=env, check=True, timeout=300)
    yield env
    if drop:
        drop()


def counts(env: dict[str, str]) -> dict[str, int]:
    done = subprocess.run(
        [sys.executable, "-c", COUNT], env=env, check=True, capture_output=True, text=True
    )
    return dict(json.loads(done.stdout))


def big_csv(path: Path, n: int, prefix: str = "120226") -> Path:
    lines = ["姓名,公民身份号码,所属社区,类别"]
    start = dt.date(1940, 1, 1)
    for i in range(n):
        number = make(prefix, start + dt.timedelta(days=i // 400), i % 400, "MF"[i % 2])
        lines.append(f"测试{i:05d},{number},朝阳里,低保")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def test_the_shegong_command_in_a_real_process(separate_db: dict[str, str], tmp_path: Path) -> None:
    path = big_csv(tmp_path / "台账.csv", 30)
    command = [sys.executable, "-m", "shegong.cli", "people", "import", str(path)]
    done = subprocess.run(
        [*command, "--station", STATION], env=separate_db, capture_output=True, text=True
    )
    assert (done.returncode, done.stdout) == (0, "rows: 30, valid: 30, invalid: 0\n")
    done = subprocess.run(
        [*command, "--station", STATION, "--commit"],
        env=separate_db,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "imported: 30, skipped: 0"
    assert counts(separate_db)["persons"] == 30
    done = subprocess.run(
        [*command, "--station", "000000000000"], env=separate_db, capture_output=True, text=True
    )
    assert done.returncode == 2 and "unknown station" in done.stderr
    fake = tmp_path / "fake.xls"
    fake.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 garbage")
    done = subprocess.run(
        [sys.executable, "-m", "shegong.cli", "people", "import", str(fake), "--station", STATION],
        env=separate_db,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2 and done.stdout == ""


def test_an_import_killed_midway_leaves_nothing(
    separate_db: dict[str, str], tmp_path: Path
) -> None:
    before = counts(separate_db)
    # Two chunks of the importer's 2,000; not the other test's people (another birthplace).
    path = big_csv(tmp_path / "big.csv", 3000, prefix="120227")
    ready = tmp_path / "ready"
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLED_IMPORT, str(path), str(ready)],
        env=separate_db,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while not ready.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert ready.exists(), proc.stderr.read() if proc.stderr else ""
        inside = int(ready.read_text())
        assert inside == before["persons"] + 2000  # what the transaction sees
        assert counts(separate_db) == before  # what everyone else sees
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert counts(separate_db) == before
