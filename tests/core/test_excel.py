"""core.excel: reading messy ledgers from .xlsx/.xls/.ods/.csv and writing safe exports."""

from __future__ import annotations

import codecs
import datetime as dt
import io
import zipfile
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from django.utils.functional import Promise
from openpyxl.styles import Font

from shegong.core import normalize
from shegong.core.excel import (
    Table,
    UnreadableFile,
    column_letter,
    header_key,
    read_table,
    safe_cell,
    write_csv,
    write_xlsx,
)

pytestmark = pytest.mark.dbless

FILES = Path(__file__).parent / "files"
HEADERS = ["序号", "姓名", "身份证号", "性别", "出生日期", "联系电话"]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def by_number(table: Table) -> dict[int, list[object]]:
    return {row.number: row.values for row in table.rows}


# ---------------------------------------------------------------------------------------------
# .xlsx


@pytest.fixture
def messy_xlsx(tmp_path: Path) -> Path:
    """A ledger as offices keep them: a merged title, a blank row, a header with a stray space
    and a required-column star, numbers where text belongs, a blank row inside, formatted but
    empty rows at the end."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "困难群众台账"
    ws.merge_cells("A1:F1")
    ws["A1"] = "东华门街道困难群众台账（2026年11月）"
    # row 2 is blank
    ws.append([])
    ws["A3"], ws["B3"], ws["C3"], ws["D3"], ws["E3"], ws["F3"] = (
        "序号", "姓 名*", "身份证号", "性别", "出生日期", "联系电话",
    )  # fmt: skip
    ws.append([1, "张三", "11010519491231002x", "男", dt.date(1949, 12, 31), 13800138000])
    ws.cell(4, 5).number_format = "yyyy-mm-dd"
    ws.append([2, " 李四 ", "110105 1950 0105 0021", "女", "1950.1.5", "010-12345678"])
    ws.append([None, "   ", None, None, None, None])  # looks empty: spaces only
    ws.append([3, "王五", 110105195105050011, "女性", 18753, "+86 139 0013 9000"])
    ws.append([4, "赵六", "'110105195206060018", "M", "1952年6月6日", None])
    for row in range(9, 16):  # trailing rows that only carry formatting
        ws.cell(row, 1).font = Font(bold=True)
    path = tmp_path / "台账.xlsx"
    wb.save(path)
    return path


def test_read_table_finds_the_header_below_a_merged_title(messy_xlsx: Path) -> None:
    table = read_table(messy_xlsx, filename="台账.xlsx", header_hint=HEADERS)
    assert table.header_row == 3
    assert table.headers == ["序号", "姓 名*", "身份证号", "性别", "出生日期", "联系电话"]
    assert table.sheet == "困难群众台账"
    assert table.sheets == ["困难群众台账"]
    assert [row.number for row in table.rows] == [4, 5, 7, 8]  # row 6 is blank, 9+ are empty
    assert not table.truncated
    rows = by_number(table)
    # raw types as calamine gives them: floats for numbers, dates for date-formatted cells
    assert rows[4] == [
        1.0,
        "张三",
        "11010519491231002x",
        "男",
        dt.date(1949, 12, 31),
        13800138000.0,
    ]
    assert rows[5][1] == " 李四 "
    assert isinstance(rows[7][2], float)  # the ID number typed as a number
    assert rows[8][5] == ""


def test_read_table_rows_feed_the_normalizers(messy_xlsx: Path) -> None:
    table = read_table(messy_xlsx, filename="台账.xlsx", header_hint=HEADERS)
    rows = by_number(table)
    assert normalize.id_text(rows[4][2]) == "11010519491231002X"
    assert normalize.id_text(rows[5][2]) == "110105195001050021"
    assert normalize.id_text(rows[8][2]) == "110105195206060018"
    with pytest.raises(normalize.CellError, match="lost its last digits"):
        normalize.id_text(rows[7][2])
    assert [normalize.date(rows[n][4]) for n in (4, 5, 7, 8)] == [
        dt.date(1949, 12, 31),
        dt.date(1950, 1, 5),
        dt.date(1951, 5, 5),
        dt.date(1952, 6, 6),
    ]
    assert [normalize.gender(rows[n][3]) for n in (4, 5, 7, 8)] == ["M", "F", "F", "M"]
    assert [normalize.phone(rows[n][5]) for n in (4, 5, 7, 8)] == [
        "13800138000",
        "01012345678",
        "13900139000",
        "",
    ]


def test_header_is_found_without_hints(messy_xlsx: Path) -> None:
    table = read_table(messy_xlsx, filename="台账.xlsx")
    assert table.header_row == 3


def test_hints_pick_the_header_over_a_subtitle_row(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["填报单位：东华门街道", None, None, "填报日期：2026-11-26"])
    ws.append(["姓名", "身份证号", "性别", "备注"])
    ws.append(["张三", "11010519491231002X", "男", ""])
    path = tmp_path / "a.xlsx"
    wb.save(path)
    # without hints, a two-cell subtitle is not wide enough next to a four-cell header
    assert read_table(path, filename="a.xlsx").header_row == 2
    hinted = read_table(path, filename="a.xlsx", header_hint=["姓名", "公民身份号码", "身份证号"])
    assert hinted.header_row == 2
    assert hinted.rows[0].number == 3


def test_best_matching_row_wins_even_when_a_data_row_looks_like_a_header(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["说明", "姓名"])  # an instruction row that mentions one column
    ws.append(["姓名", "身份证号", "电话"])
    ws.append(["张三", "11010519491231002X", "13800138000"])
    path = tmp_path / "a.xlsx"
    wb.save(path)
    table = read_table(path, filename="a.xlsx", header_hint=["姓名", "身份证号", "电话"])
    assert table.header_row == 2
    assert table.headers == ["姓名", "身份证号", "电话"]


def test_columns_keep_their_letters_when_the_sheet_starts_further_right(tmp_path: Path) -> None:
    wb = xlsxwriter.Workbook(tmp_path / "a.xlsx")
    ws = wb.add_worksheet()
    ws.write_row(4, 2, ["姓名", "电话", ""])  # C5:D5, then a header cell left empty
    ws.write_row(5, 2, ["张三", "13800138000", "stray note"])
    wb.close()
    table = read_table(tmp_path / "a.xlsx", filename="a.xlsx")
    assert table.headers == ["姓名", "电话"]
    assert table.header_row == 5
    assert table.first_column == 2
    assert [table.column_letter(i) for i in range(2)] == ["C", "D"]
    assert table.rows[0].values == ["张三", "13800138000"]  # unnamed columns are left out
    assert len(table.rows) == 1


def test_a_row_with_data_only_in_unnamed_columns_is_blank(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("姓名,电话\n张三,138\n,,note\n李四,139\n", encoding="utf-8")
    assert [row.number for row in read_table(path, filename="a.csv").rows] == [2, 4]


def test_short_rows_are_padded_to_the_header(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("姓名,身份证号,电话\n张三\n李四,110,139,extra\n", encoding="utf-8")
    table = read_table(path, filename="a.csv")
    assert [row.values for row in table.rows] == [["张三", "", ""], ["李四", "110", "139"]]


def test_max_rows_reads_a_preview_and_says_it_stopped(messy_xlsx: Path) -> None:
    table = read_table(messy_xlsx, filename="台账.xlsx", max_rows=2)
    assert [row.number for row in table.rows] == [4, 5]
    assert table.truncated
    table = read_table(messy_xlsx, filename="台账.xlsx", max_rows=4)
    assert len(table.rows) == 4 and not table.truncated


def test_sheets_are_chosen_by_index_or_name(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active.title = "说明"
    wb.active.append(["本表用于导入"])
    second = wb.create_sheet("名单")
    second.append(["姓名", "电话"])
    second.append(["张三", "13800138000"])
    path = tmp_path / "a.xlsx"
    wb.save(path)
    assert read_table(path, filename="a.xlsx", sheet="名单").rows[0].values == [
        "张三",
        "13800138000",
    ]
    assert read_table(path, filename="a.xlsx", sheet=1).sheet == "名单"
    with pytest.raises(UnreadableFile) as caught:
        read_table(path, filename="a.xlsx", sheet="台账")
    assert str(caught.value) == "The workbook has no sheet “台账”; its sheets are: 说明、名单."
    with pytest.raises(UnreadableFile, match="no sheet “3”"):
        read_table(path, filename="a.xlsx", sheet=2)


def test_an_uploaded_file_object_is_read_like_a_path(messy_xlsx: Path) -> None:
    upload = SimpleUploadedFile("台账.xlsx", messy_xlsx.read_bytes())
    table = read_table(upload, filename=upload.name, header_hint=HEADERS)
    assert [row.number for row in table.rows] == [4, 5, 7, 8]
    with messy_xlsx.open("rb") as f:
        assert read_table(f, filename="台账.xlsx").header_row == 3


def test_a_stream_that_cannot_seek_is_buffered(messy_xlsx: Path) -> None:
    class Pipe(io.RawIOBase):
        def __init__(self, data: bytes) -> None:
            self.data = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def seekable(self) -> bool:
            return False

        def readinto(self, buffer) -> int:  # type: ignore[override]
            chunk = self.data.read(len(buffer))
            buffer[: len(chunk)] = chunk
            return len(chunk)

    table = read_table(Pipe(messy_xlsx.read_bytes()), filename="台账.xlsx")  # type: ignore[arg-type]
    assert len(table.rows) == 4


# ---------------------------------------------------------------------------------------------
# .xls and .ods


def test_xls_ledger(tmp_path: Path) -> None:
    """ledger.xls is a BIFF8 file made by tests/core/files/make_xls.py with xlwt (calamine only
    reads .xls; nothing in the project writes it)."""
    table = read_table(FILES / "ledger.xls", filename="ledger.xls", header_hint=HEADERS)
    assert table.sheet == "台账"
    assert table.header_row == 3
    assert table.headers == ["序号", "姓名", "身份证号", "出生日期", "电话"]
    assert [row.number for row in table.rows] == [4, 5]
    first, second = (row.values for row in table.rows)
    assert first == [1, "张三", "11010519491231002x", dt.date(1949, 12, 31), 13800138000.0]
    assert normalize.id_text(first[2]) == "11010519491231002X"
    assert normalize.date(second[3]) == dt.date(1950, 1, 5)
    with pytest.raises(normalize.CellError):
        normalize.id_text(second[2])  # typed as a number in the .xls


def write_ods(path: Path) -> None:
    """A minimal OpenDocument spreadsheet (what WPS and LibreOffice save as .ods)."""
    cell = '<table:table-cell office:value-type="string"><text:p>{}</text:p></table:table-cell>'
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        ' xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
        ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        '<office:body><office:spreadsheet><table:table table:name="台账">'
        '<table:table-row><table:table-cell table:number-columns-spanned="3"'
        ' office:value-type="string"><text:p>台账</text:p></table:table-cell>'
        '<table:covered-table-cell table:number-columns-repeated="2"/></table:table-row>'
        '<table:table-row><table:table-cell table:number-columns-repeated="3"/></table:table-row>'
        "<table:table-row>"
        + "".join(cell.format(h) for h in ("姓名", "出生日期", "电话"))
        + "</table:table-row><table:table-row>"
        + cell.format("张三")
        + '<table:table-cell office:value-type="date" office:date-value="1949-12-31">'
        "<text:p>1949-12-31</text:p></table:table-cell>"
        '<table:table-cell office:value-type="float" office:value="13800138000">'
        "<text:p>13800138000</text:p></table:table-cell></table:table-row>"
        '<table:table-row table:number-rows-repeated="5">'
        '<table:table-cell table:number-columns-repeated="3"/></table:table-row>'
        "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest'
        ' xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"'
        ' manifest:version="1.2"><manifest:file-entry manifest:full-path="/"'
        ' manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            zipfile.ZipInfo("mimetype"),
            "application/vnd.oasis.opendocument.spreadsheet",
            compress_type=zipfile.ZIP_STORED,
        )
        z.writestr("META-INF/manifest.xml", manifest)
        z.writestr("content.xml", content)


def test_ods_ledger(tmp_path: Path) -> None:
    write_ods(tmp_path / "a.ods")
    table = read_table(tmp_path / "a.ods", filename="a.ods", header_hint=["姓名"])
    assert table.header_row == 3
    assert table.headers == ["姓名", "出生日期", "电话"]
    assert [(r.number, r.values) for r in table.rows] == [
        (4, ["张三", dt.date(1949, 12, 31), 13800138000.0])
    ]


# ---------------------------------------------------------------------------------------------
# CSV

CSV_TEXT = (
    "东华门街道台账\n"
    "\n"
    "姓名,身份证号,出生日期,住址\n"
    '张三,11010519491231002X,1949-12-31,"朝阳里社区\n3号楼"\n'
    ",,,\n"
    "李四,１１０１０５１９５００１０５００２１,1950年1月5日,新村社区\n"
    ",,,\n"
    ",,,\n"
)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gb18030", "utf-16"])
def test_csv_in_every_encoding_offices_save(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes(CSV_TEXT.encode(encoding))
    table = read_table(path, filename="a.csv", header_hint=["姓名", "身份证号"])
    assert table.headers == ["姓名", "身份证号", "出生日期", "住址"]
    assert table.header_row == 3
    assert table.sheet == ""
    assert [row.number for row in table.rows] == [4, 6]  # a record counts as one row
    assert table.rows[0].values == ["张三", "11010519491231002X", "1949-12-31", "朝阳里社区\n3号楼"]
    assert normalize.id_text(table.rows[1].values[1]) == "110105195001050021"
    assert normalize.date(table.rows[1].values[2]) == dt.date(1950, 1, 5)


def test_gb18030_covers_gbk_files_from_older_excel(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes("姓名,住址\n欧阳䶮,𠀀村\n".encode("gb18030"))
    assert read_table(path, filename="a.csv").rows[0].values == ["欧阳䶮", "𠀀村"]


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_csv_delimiter_is_sniffed(tmp_path: Path, delimiter: str) -> None:
    lines = [["姓名", "地址", "备注"], ["张三", "某路1号, 2栋", "无"], ["李四", "某路3号", ""]]
    text = "".join(
        delimiter.join(f'"{c}"' if delimiter in c or "," in c else c for c in line) + "\r\n"
        for line in lines
    )
    path = tmp_path / "a.csv"
    path.write_text(text, encoding="utf-8-sig")
    table = read_table(path, filename="a.csv")
    assert table.headers == ["姓名", "地址", "备注"]
    assert table.rows[0].values == ["张三", "某路1号, 2栋", "无"]


def test_a_csv_whose_first_cell_begins_with_a_bracket_is_still_csv(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("<说明>,备注\n姓名,电话\n张三,138\n", encoding="utf-8")
    assert read_table(path, filename="a.csv", header_hint=["姓名"]).header_row == 2


def test_a_fake_xls_that_is_tab_separated_text_is_read(tmp_path: Path) -> None:
    path = tmp_path / "导出.xls"
    path.write_bytes("姓名\t电话\n张三\t13800138000\n".encode("gb18030"))
    table = read_table(path, filename="导出.xls")
    assert table.rows[0].values == ["张三", "13800138000"]


# ---------------------------------------------------------------------------------------------
# files that cannot be read


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def xlsx_bytes() -> bytes:
    buffer = io.BytesIO()
    wb = openpyxl.Workbook()
    wb.active.append(["姓名", "电话"])
    wb.save(buffer)
    return buffer.getvalue()


DAMAGED = (
    "The file could not be read as a spreadsheet: it is damaged or is another kind of file "
    "with a spreadsheet's name. Open it in Excel or WPS and save it as .xlsx."
)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("a.xlsx", docx_bytes(), DAMAGED),
        ("a.xlsx", xlsx_bytes()[:600], DAMAGED),
        ("a.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 1000, DAMAGED),
        ("a.xlsx", b"", "The file is empty."),
        ("a.csv", b"", "The file is empty."),
        ("a.csv", b"\n\n , ,\n", "The sheet is empty."),
        (
            "a.xls",
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
            "The file is neither a spreadsheet nor text in UTF-8 or GB18030 (GBK); open it in "
            "Excel or WPS and save it as .xlsx or as CSV UTF-8.",
        ),
        (
            "a.xls",
            b"\r\n<html><body><table><tr><td>1</td></tr></table></body></html>",
            "This file is a web page or XML with a spreadsheet's name, not a real spreadsheet; "
            "open it in Excel or WPS and save it as .xlsx.",
        ),
        (
            "a.docx",
            docx_bytes(),
            "“a.docx” is not a spreadsheet: upload an .xlsx, .xls, .ods or .csv file.",
        ),
        (
            "名单.pdf",
            b"%PDF-1.4",
            "“名单.pdf” is not a spreadsheet: upload an .xlsx, .xls, .ods or .csv file.",
        ),
    ],
)
def test_unreadable_files_say_why(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(UnreadableFile) as caught:
        read_table(path, filename=name)
    assert str(caught.value) == message
    with pytest.raises(UnreadableFile):
        read_table(io.BytesIO(content), filename=name)


def test_an_empty_sheet_is_unreadable(tmp_path: Path) -> None:
    wb = xlsxwriter.Workbook(tmp_path / "a.xlsx")
    wb.add_worksheet()
    wb.close()
    with pytest.raises(UnreadableFile, match=r"^The sheet is empty\.$"):
        read_table(tmp_path / "a.xlsx", filename="a.xlsx")


def test_unreadable_file_is_a_value_error_translated_when_shown(tmp_path: Path) -> None:
    with pytest.raises(ValueError) as caught:
        read_table(io.BytesIO(b""), filename="a.xlsx")
    assert isinstance(caught.value, UnreadableFile)
    assert isinstance(caught.value.message, Promise)
    with translation.override("zh-hans"):
        assert str(caught.value) == translation.gettext("The file is empty.")


def test_header_key_and_column_letters() -> None:
    assert header_key(" 姓 名*：") == "姓名"
    assert header_key("ID") == header_key("ｉｄ") == "id"
    assert [column_letter(i) for i in (0, 25, 26, 27, 701, 702)] == [
        "A", "Z", "AA", "AB", "ZZ", "AAA",
    ]  # fmt: skip


# ---------------------------------------------------------------------------------------------
# exports


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+86 138", "'+86 138"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\r=cmd", "'\r=cmd"),
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("张三", "张三"),
        ("a=b", "a=b"),
        ("", ""),
        (-5, -5),
        (3.5, 3.5),
        (None, None),
        (dt.date(2026, 1, 1), dt.date(2026, 1, 1)),
    ],
)
def test_safe_cell(value: object, expected: object) -> None:
    assert safe_cell(value) == expected


EXPORT_HEADERS = [
    "姓名",
    "身份证号",
    "电话",
    "出生日期",
    "登记时间",
    "人数",
    "补助",
    "独居",
    "备注",
]
EXPORT_ROWS = [
    [
        "张三",
        "110105194912310021",
        "01012345678",
        dt.date(1949, 12, 31),
        dt.datetime(2026, 11, 26, 6, 3, tzinfo=dt.UTC),
        2,
        Decimal("350.50"),
        True,
        "=1+1",
    ],
    ["李四", "11010519500105002X", "+8613800138000", None, None, None, 0.5, False, "-"],
]


def test_write_xlsx_round_trip(tmp_path: Path, settings) -> None:
    settings.TIME_ZONE = "Asia/Shanghai"
    path = tmp_path / "导出.xlsx"
    count = write_xlsx(
        path,
        sheet_title="东华门/台账:2026",
        headers=EXPORT_HEADERS,
        rows=(row for row in EXPORT_ROWS),
        note="导出人：张三 · 2026-11-26 14:03",
    )
    assert count == 2
    table = read_table(path, filename=path.name, header_hint=EXPORT_HEADERS)
    assert table.sheet == "东华门_台账_2026"
    assert table.header_row == 2
    assert table.headers == EXPORT_HEADERS
    first, second = (row.values for row in table.rows)
    assert first == [
        "张三",
        "110105194912310021",  # text, never a number
        "01012345678",
        dt.date(1949, 12, 31),
        dt.datetime(2026, 11, 26, 14, 3),  # local time
        2.0,
        350.5,
        True,
        "'=1+1",
    ]
    assert second == ["李四", "11010519500105002X", "'+8613800138000", "", "", "", 0.5, False, "'-"]

    sheet = openpyxl.load_workbook(path).active
    assert sheet["A1"].value == "导出人：张三 · 2026-11-26 14:03"
    assert sheet["A2"].font.b
    assert sheet["B3"].data_type == "s"
    assert sheet["I3"].data_type == "s" and sheet["I3"].value == "'=1+1"  # not a formula
    assert sheet["D3"].number_format == "yyyy-mm-dd"
    assert sheet.freeze_panes == "A3"


def test_write_xlsx_to_a_stream_without_note(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    assert write_xlsx(buffer, sheet_title="", headers=["姓名"], rows=[["张三"], ["李四"]]) == 2
    table = read_table(io.BytesIO(buffer.getvalue()), filename="a.xlsx")
    assert table.sheet == "Sheet1"
    assert table.header_row == 1
    assert [row.values for row in table.rows] == [["张三"], ["李四"]]


def test_write_xlsx_with_no_rows(tmp_path: Path) -> None:
    path = tmp_path / "a.xlsx"
    assert write_xlsx(path, sheet_title="空", headers=["姓名", "电话"], rows=[]) == 0
    assert read_table(path, filename="a.xlsx").rows == []


def test_write_csv_round_trip(tmp_path: Path, settings) -> None:
    settings.TIME_ZONE = "Asia/Shanghai"
    buffer = io.BytesIO()
    count = write_csv(buffer, headers=EXPORT_HEADERS, rows=EXPORT_ROWS, note="导出人：张三")
    assert count == 2
    assert not buffer.closed  # the caller's stream stays open
    data = buffer.getvalue()
    assert data.startswith(codecs.BOM_UTF8)
    assert data.decode("utf-8-sig").splitlines()[:3] == [
        "导出人：张三",
        ",".join(EXPORT_HEADERS),
        "张三,110105194912310021,01012345678,1949-12-31,2026-11-26 14:03,2,350.5,TRUE,'=1+1",
    ]
    path = tmp_path / "a.csv"
    assert write_csv(path, headers=EXPORT_HEADERS, rows=EXPORT_ROWS, note="导出人：张三") == 2
    table = read_table(path, filename="a.csv", header_hint=EXPORT_HEADERS)
    assert table.header_row == 2
    assert table.rows[1].values == [
        "李四", "11010519500105002X", "'+8613800138000", "", "", "", "0.5", "FALSE", "'-",
    ]  # fmt: skip
    assert normalize.phone(table.rows[1].values[2]) == "13800138000"


def test_exported_datetimes_are_local(settings) -> None:
    settings.TIME_ZONE = "Asia/Shanghai"
    buffer = io.BytesIO()
    moment = dt.datetime(2026, 11, 26, 23, 30, tzinfo=ZoneInfo("UTC"))
    write_csv(buffer, headers=["t"], rows=[[moment]])
    assert buffer.getvalue().decode("utf-8-sig").splitlines()[1] == "2026-11-27 07:30"
