"""Reading ledgers (台账) from spreadsheets and writing exports.

`read_table` reads .xlsx, .xlsm, .xls and .ods with python-calamine (a 100,000-row .xlsx in about
a second; openpyxl needs ~19 s) and .csv/.tsv with the csv module. It finds the header row below
merged titles and blank rows, skips blank rows, and keeps each row's spreadsheet row number so
errors can say "row 7". Cells keep the types the reader gave (calamine: floats for numbers,
datetime/date for date-formatted cells, "" for empty; CSV: strings): `core.normalize` decides
what they mean.

`write_xlsx` and `write_csv` write exports: text stays text (an ID number is never turned into a
number) and cells that a spreadsheet would run as formulas are escaped (`safe_cell`).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import itertools
import math
import os
import unicodedata
from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path, PurePath
from typing import IO, Any, BinaryIO

import python_calamine
import xlsxwriter
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from . import normalize

__all__ = [
    "READABLE_SUFFIXES",
    "Row",
    "Table",
    "UnreadableFile",
    "column_letter",
    "header_key",
    "read_table",
    "safe_cell",
    "write_csv",
    "write_xlsx",
]

READABLE_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xls", ".ods", ".csv", ".tsv"})
HEADER_SEARCH_ROWS = 20  # the header is among the first 20 non-blank rows

_ZIP_MAGIC = b"PK\x03\x04"  # .xlsx, .xlsm, .ods
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls (and password-protected .xlsx)


class UnreadableFile(ValueError):
    """The upload is not a spreadsheet this module can read. The message is a lazy translation
    with %(name)s placeholders filled from `params` when shown."""

    def __init__(self, message: str | Promise, **params: Any) -> None:
        super().__init__(message)
        self.message = message
        self.params = params

    def __str__(self) -> str:
        message = str(self.message)
        return message % self.params if self.params else message

    def __reduce__(self) -> tuple[Any, ...]:
        return (self.__class__, (self.message,), self.__dict__)


@dataclass(slots=True)
class Row:
    number: int  # 1-based row number as the spreadsheet shows it
    values: list[Any]  # one value per header, raw as read


@dataclass
class Table:
    headers: list[str]  # header cells as clean text; "" for a column without a header
    rows: list[Row]  # the data rows below the header, blank rows left out
    header_row: int = 1  # 1-based row number of the header
    sheet: str = ""  # the sheet's name ("" for CSV)
    first_column: int = 0  # 0-based sheet column of headers[0] (calamine skips empty columns)
    truncated: bool = False  # max_rows stopped the reading before the end of the data
    sheets: list[str] = field(default_factory=list)  # every sheet of the workbook

    def column_letter(self, index: int) -> str:
        """The spreadsheet letter ("A", "AB") of the column at `index` in `headers`."""
        return column_letter(self.first_column + index)


def column_letter(index: int) -> str:
    """0 → "A", 25 → "Z", 26 → "AA"."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def header_key(value: Any) -> str:
    """How header cells are compared: clean text, case-folded, without spaces, without the
    "*" that marks required columns or a trailing colon ("姓 名*：" → "姓名")."""
    return "".join(normalize.text(value).casefold().split()).strip("*:")


# --- reading -------------------------------------------------------------------------------------
def read_table(
    source: Path | str | BinaryIO | IO[bytes],
    *,
    filename: str,
    header_hint: Collection[str] = (),
    sheet: int | str = 0,
    max_rows: int | None = None,
) -> Table:
    """Read one sheet of an uploaded ledger.

    `filename` is the name the user gave the file (its suffix must be one of
    READABLE_SUFFIXES; the content decides how it is read, so a "fake .xls" that is really
    tab-separated text is read as such). `header_hint` names the expected columns: the header
    is the first of the first 20 non-blank rows that matches most of them; without a match, the
    first row with at least two cells and more than half as many as the widest of those rows
    (so neither a merged title nor a "填报单位：… 填报日期：…" line is taken for the header).
    Blank rows are left out; data in columns without a header is dropped. `max_rows` reads at
    most that many data rows and sets `truncated` when more follow. Formula cells give their
    saved result (an error such as #N/A reads as empty). Raises UnreadableFile.
    """
    suffix = PurePath(filename).suffix.lower()
    if suffix not in READABLE_SUFFIXES:
        raise UnreadableFile(
            _("“%(name)s” is not a spreadsheet: upload an .xlsx, .xls, .ods or .csv file."),
            name=PurePath(filename).name[:80],
        )
    origin: Path | IO[bytes]
    if isinstance(source, str | os.PathLike):
        origin = Path(source)
        with origin.open("rb") as f:
            head = f.read(8)
    else:
        origin = _seekable(source)
        start = origin.tell()
        head = origin.read(8)
        origin.seek(start)
    if not head:
        raise UnreadableFile(_("The file is empty."))

    sheet_name, first_column, sheets = "", 0, list[str]()
    rows: Iterator[list[Any]]
    if head.startswith((_ZIP_MAGIC, _OLE_MAGIC)):
        rows, sheet_name, first_column, sheets = _workbook_rows(origin, sheet)
    else:
        rows = _csv_rows(origin.read_bytes() if isinstance(origin, Path) else origin.read())
    return _table(rows, header_hint, max_rows, sheet_name, first_column, sheets)


def _seekable(stream: BinaryIO | IO[bytes]) -> IO[bytes]:
    try:
        if stream.seekable():
            return stream
    except (AttributeError, OSError, ValueError):
        pass
    return io.BytesIO(stream.read())


def _workbook_rows(
    source: Path | IO[bytes], sheet: int | str
) -> tuple[Iterator[list[Any]], str, int, list[str]]:
    try:
        if isinstance(source, Path):
            workbook = python_calamine.CalamineWorkbook.from_path(source)
        else:
            workbook = python_calamine.CalamineWorkbook.from_filelike(source)
    except python_calamine.PasswordError as exc:
        raise UnreadableFile(
            _("The file is protected by a password; remove the password and upload it again.")
        ) from exc
    except Exception as exc:  # calamine's errors, OSError, and whatever a damaged file causes
        raise UnreadableFile(
            _(
                "The file could not be read as a spreadsheet: it is damaged or is another kind "
                "of file with a spreadsheet's name. Open it in Excel or WPS and save it as .xlsx."
            )
        ) from exc
    sheets = list(workbook.sheet_names)
    try:
        if isinstance(sheet, str):
            worksheet = workbook.get_sheet_by_name(sheet)
        else:
            worksheet = workbook.get_sheet_by_index(sheet)
    except python_calamine.WorksheetNotFound as exc:
        raise UnreadableFile(
            _("The workbook has no sheet “%(sheet)s”; its sheets are: %(sheets)s."),
            sheet=sheet if isinstance(sheet, str) else sheet + 1,
            sheets="、".join(sheets),
        ) from exc
    except Exception as exc:
        raise UnreadableFile(
            _("The sheet could not be read: the file is damaged. Save it again as .xlsx.")
        ) from exc
    start = worksheet.start
    if start is None:
        return iter(()), worksheet.name, 0, sheets
    # iter_rows starts at the sheet's first row (leading empty rows come as blank lists) but at
    # the first used column: remember it for column letters.
    return iter(worksheet.iter_rows()), worksheet.name, start[1], sheets


def _decode(data: bytes) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings: tuple[str, ...] = ("utf-16",)  # Excel's "Unicode text"
    else:
        encodings = ("utf-8-sig", "gb18030")
    for encoding in encodings:
        try:
            decoded = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" not in decoded:
            return decoded
        break
    raise UnreadableFile(
        _(
            "The file is neither a spreadsheet nor text in UTF-8 or GB18030 (GBK); open it in "
            "Excel or WPS and save it as .xlsx or as CSV UTF-8."
        )
    )


def _csv_rows(data: bytes) -> Iterator[list[str]]:
    content = _decode(data)
    start = content[:2000].lstrip().lower()
    if start.startswith("<") and any(tag in start for tag in ("<html", "<table", "<?xml", "<!doc")):
        raise UnreadableFile(
            _(
                "This file is a web page or XML with a spreadsheet's name, not a real "
                "spreadsheet; open it in Excel or WPS and save it as .xlsx."
            )
        )
    delimiter = _sniff_delimiter(content)
    reader = csv.reader(io.StringIO(content, newline=""), delimiter=delimiter)

    def rows() -> Iterator[list[str]]:
        try:
            yield from reader
        except csv.Error as exc:
            raise UnreadableFile(
                _("The CSV file is malformed near row %(row)d."), row=reader.line_num
            ) from exc

    return rows()


def _sniff_delimiter(content: str) -> str:
    """The delimiter that splits most of the first lines into the same number of fields."""
    lines = content[:65536].splitlines()[:50]
    best, best_score = ",", (0, 0)
    for delimiter in (",", "\t", ";"):
        try:
            counts = [len(r) for r in csv.reader(lines, delimiter=delimiter) if len(r) > 1]
        except csv.Error:
            continue
        if counts:
            width, frequency = Counter(counts).most_common(1)[0]
            if (frequency, width) > best_score:
                best, best_score = delimiter, (frequency, width)
    return best


def _is_blank(values: list[Any]) -> bool:
    for value in values:
        if value == "" or value is None or (isinstance(value, str) and value.isspace()):
            continue
        return False
    return True


def _filled(values: list[Any]) -> int:
    return sum(1 for value in values if not normalize.is_blank(value))


def _table(
    source: Iterator[list[Any]],
    header_hint: Collection[str],
    max_rows: int | None,
    sheet_name: str,
    first_column: int,
    sheets: list[str],
) -> Table:
    numbered = enumerate(source, start=1)
    # The first non-blank rows, among which the header is.
    candidates: list[tuple[int, list[Any]]] = []
    for number, values in numbered:
        if not _is_blank(values):
            candidates.append((number, values))
            if len(candidates) == HEADER_SEARCH_ROWS:
                break
    if not candidates:
        raise UnreadableFile(_("The sheet is empty."))
    chosen = _header_index(candidates, header_hint)
    header_number, header_values = candidates[chosen]
    headers = [normalize.text(value) for value in header_values]
    while headers and not headers[-1]:
        headers.pop()
    width = len(headers)

    rows: list[Row] = []
    truncated = False
    limit = math.inf if max_rows is None else max_rows
    for number, values in itertools.chain(candidates[chosen + 1 :], numbered):
        if len(values) != width:  # cells beyond the last header go; short CSV lines are padded
            values = (
                values[:width] if len(values) > width else values + [""] * (width - len(values))
            )
        # Most rows start with a value: look at the whole row only when the first cell is empty.
        first = values[0]
        if (first is None or (first.__class__ is str and (not first or first.isspace()))) and (
            _is_blank(values)
        ):
            continue
        if len(rows) >= limit:
            truncated = True
            break
        rows.append(Row(number, values))
    return Table(
        headers=headers,
        rows=rows,
        header_row=header_number,
        sheet=sheet_name,
        first_column=first_column,
        truncated=truncated,
        sheets=sheets,
    )


def _header_index(candidates: list[tuple[int, list[Any]]], header_hint: Collection[str]) -> int:
    hints = {header_key(h) for h in header_hint} - {""}
    if hints:
        scores = [
            len(hints.intersection(header_key(v) for v in values if not normalize.is_blank(v)))
            for _number, values in candidates
        ]
        best = max(scores)
        if best > 0:
            return scores.index(best)
    filled = [_filled(values) for _number, values in candidates]
    widest = max(filled)
    for index, count in enumerate(filled):
        if count >= 2 and count * 2 > widest:
            return index
    return 0


# --- writing -------------------------------------------------------------------------------------
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """A value as written to an export: text that a spreadsheet would run as a formula (it
    begins with =, +, -, @, a tab or a carriage return) gets a leading apostrophe (OWASP CSV
    injection); everything else is unchanged."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


_SHEET_NAME_FORBIDDEN = str.maketrans(dict.fromkeys("[]:*?/\\", "_"))


def _sheet_name(title: str) -> str:
    name = title.translate(_SHEET_NAME_FORBIDDEN).strip("'")[:31]
    return name or "Sheet1"


def _display_width(value: Any) -> int:
    if isinstance(value, dt.datetime):
        return 16
    if isinstance(value, dt.date):
        return 10
    shown = value if isinstance(value, str) else normalize.text(value)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in shown[:60])


def _local(value: dt.datetime) -> dt.datetime:
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.replace(tzinfo=None)


def write_xlsx(
    target: Path | str | BinaryIO | IO[bytes],
    *,
    sheet_title: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    note: str = "",
) -> int:
    """Write an export: an optional first line `note` (who exported it and when), bold headers,
    then the rows. Strings are written as text (ID numbers stay text), through `safe_cell`;
    dates as yyyy-mm-dd, datetimes in local time as yyyy-mm-dd hh:mm. Rows are streamed
    (xlsxwriter's constant_memory mode). Returns the number of data rows written."""
    workbook = xlsxwriter.Workbook(
        str(target) if isinstance(target, str | os.PathLike) else target,
        {"constant_memory": True, "strings_to_numbers": False, "strings_to_formulas": False},
    )
    try:
        worksheet = workbook.add_worksheet(_sheet_name(sheet_title))
        bold = workbook.add_format({"bold": True})
        date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
        datetime_format = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
        row_index = 0
        if note:
            worksheet.write_string(0, 0, note)
            row_index = 1
        rows = iter(rows)
        first = list(itertools.islice(rows, 200))  # to size the columns
        for col, header in enumerate(headers):
            widths = [
                _display_width(header),
                *(_display_width(r[col]) for r in first if col < len(r)),
            ]
            worksheet.set_column(col, col, min(max(max(widths) + 2, 8), 60))
        worksheet.write_row(row_index, 0, [str(h) for h in headers], bold)
        worksheet.freeze_panes(row_index + 1, 0)
        count = 0
        for values in itertools.chain(first, rows):
            row_index += 1
            count += 1
            for col, value in enumerate(values):
                value = safe_cell(value)
                if value is None or value == "":
                    continue
                if isinstance(value, str):
                    worksheet.write_string(row_index, col, value)
                elif isinstance(value, bool):
                    worksheet.write_boolean(row_index, col, value)
                elif isinstance(value, int | float | Decimal):
                    worksheet.write_number(row_index, col, float(value))
                elif isinstance(value, dt.datetime):
                    worksheet.write_datetime(row_index, col, _local(value), datetime_format)
                elif isinstance(value, dt.date):
                    worksheet.write_datetime(row_index, col, value, date_format)
                else:
                    worksheet.write_string(row_index, col, str(safe_cell(str(value))))
    finally:
        workbook.close()
    return count


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str):
        return safe_cell(value)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        return _local(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int | float | Decimal):
        return normalize.text(value)
    return safe_cell(str(value))


def write_csv(
    target: Path | str | BinaryIO | IO[bytes],
    *,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    note: str = "",
    sheet_title: str = "",
) -> int:
    """`write_xlsx` for CSV: UTF-8 with a BOM (so Excel reads the Chinese), the note line, the
    headers, the rows through `safe_cell`, dates as yyyy-mm-dd. `sheet_title` is accepted for
    the same call as `write_xlsx` and not used. Returns the number of data rows written."""
    del sheet_title
    if isinstance(target, str | os.PathLike):
        with open(target, "wb") as f:
            return write_csv(f, headers=headers, rows=rows, note=note)
    stream = io.TextIOWrapper(target, encoding="utf-8-sig", newline="")
    try:
        writer = csv.writer(stream)
        if note:
            writer.writerow([safe_cell(note)])
        writer.writerow([safe_cell(str(h)) for h in headers])
        count = 0
        for values in rows:
            writer.writerow([_csv_value(v) for v in values])
            count += 1
        stream.flush()
    finally:
        stream.detach()  # leave the caller's stream open
    return count
