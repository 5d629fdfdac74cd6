"""Turning messy ledger (台账) cells into clean values.

Every function takes one cell as a spreadsheet reader hands it over (`core.excel.read_table`
keeps raw types: python-calamine gives floats for numbers, `datetime`/`date` for date-formatted
cells, "" for empty cells; a CSV gives strings) and returns a clean value, or raises `CellError`
with a translated message that the import preview shows at the cell.

Blank cells (None, "" or only spaces): `text`, `id_text` and `phone` return "", `gender` and
`yes_no` return None; `date` and `choice` have no empty value and raise, so an importer checks
`is_blank` first for optional columns.

Messages never repeat an ID or phone number (they are private); dates and words are repeated so
the worker sees what was read.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import re
from collections.abc import Mapping
from decimal import Decimal
from functools import lru_cache
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

__all__ = [
    "CellError",
    "choice",
    "date",
    "gender",
    "id_text",
    "is_blank",
    "phone",
    "text",
    "yes_no",
]


class CellError(ValueError):
    """A cell that cannot be read as the column's kind of value.

    `message` is a lazy translation with %(name)s placeholders filled from `params` when the
    error is shown, so the message is in the language active then.
    """

    def __init__(self, message: str | Promise, **params: Any) -> None:
        super().__init__(message)
        self.message = message
        self.params = params

    def __str__(self) -> str:
        message = str(self.message)
        return message % self.params if self.params else message

    def __reduce__(self) -> tuple[Any, ...]:
        return (self.__class__, (self.message,), self.__dict__)


# --- text ----------------------------------------------------------------------------------------
# Full-width ASCII (U+FF01–U+FF5E) to half-width; the ideographic space, no-break spaces and other
# odd spaces to a space; zero-width characters and the BOM removed.
_TEXT_TABLE: dict[int, int | None] = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_TEXT_TABLE.update(dict.fromkeys((0x3000, 0x00A0, 0x2007, 0x202F), 0x20))
_TEXT_TABLE.update(dict.fromkeys((0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF)))


def _number_text(value: int | float | Decimal) -> str:
    if isinstance(value, float):
        if not math.isfinite(value):
            return ""
        if value.is_integer():
            return str(int(value))
        return f"{value:.15g}"  # what Excel shows: 15 significant digits, no float noise
    if isinstance(value, Decimal):
        if not value.is_finite():
            return ""
        if value == value.to_integral_value():
            return str(int(value))
        return format(value.normalize(), "f")
    return str(value)


def text(value: Any) -> str:
    """Any cell as clean text: numbers without ".0", full-width letters, digits and punctuation
    made half-width, every run of spaces (ideographic, no-break, newlines) one space, stripped."""
    if value is None:
        return ""
    if isinstance(value, str):
        return " ".join(value.translate(_TEXT_TABLE).split())
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"  # as a spreadsheet shows it
    if isinstance(value, int | float | Decimal):
        return _number_text(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return " ".join(str(value).translate(_TEXT_TABLE).split())


def is_blank(value: Any) -> bool:
    """True for an empty cell: None, "" or only spaces (including ideographic ones)."""
    if value is None or value == "":
        return True
    return isinstance(value, str) and not value.translate(_TEXT_TABLE).strip()


def _shown(value: Any, limit: int = 30) -> str:
    """A cell as quoted in a message, shortened."""
    shown = text(value)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


# --- ID numbers ----------------------------------------------------------------------------------
LOST_DIGITS = _(
    "This ID number was stored as a number in Excel and has lost its last digits; "
    "format the column as text and type it again."
)
_ID_NOISE = re.compile(r"[\s\-‐‑‒–—―−]+")
_QUOTES = "'‘’`"  # a leading apostrophe makes Excel keep a number as text
_ID_QUOTES = _QUOTES + '"“”'
# "1.10105E+17": a number column saved as CSV; the digits are gone.
_SCIENTIFIC = re.compile(r"\d(?:\.\d+)?E\+?(\d+)", re.ASCII)
_EXACT_DIGITS = 15  # Excel keeps 15 significant digits of a number


def id_text(value: Any) -> str:
    """An ID-number cell as text, for `core.idnumber` (or another validator) to check.

    Full-width digits and Ｘ made half-width, spaces and hyphens removed, x upper-cased, the
    apostrophe that forces text in Excel and quotes around the number removed (also the ="…"
    form of CSV exports).
    A number cell with more than 15 digits has lost digits in Excel and raises `CellError`.
    """
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _number_as_id(value)
    s = value if isinstance(value, str) else text(value)
    s = _ID_NOISE.sub("", s.translate(_TEXT_TABLE))
    while True:  # ="…" and quotes inside each other
        unwrapped = s
        if len(unwrapped) >= 3 and unwrapped.startswith('="') and unwrapped.endswith('"'):
            unwrapped = unwrapped[2:-1]
        unwrapped = unwrapped.strip(_ID_QUOTES)
        if unwrapped == s:
            break
        s = unwrapped
    s = s.upper()
    match = _SCIENTIFIC.fullmatch(s)
    if match and int(match[1]) >= _EXACT_DIGITS - 1:
        raise CellError(LOST_DIGITS)
    return s


def _number_as_id(value: int | float) -> str:
    if isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer():
            return text(value)  # not an ID number at all; the validator says so
        value = int(value)
    if abs(value) >= 10**_EXACT_DIGITS:
        raise CellError(LOST_DIGITS)
    return str(value)


# --- dates ---------------------------------------------------------------------------------------
_DATE_SEPARATED = re.compile(
    r"(?P<y>\d{4})\s*(?P<sep>[-/.])\s*(?P<m>\d{1,2})\s*(?P=sep)\s*(?P<d>\d{1,2})"
    r"(?:\s*[T ]\s*\d{1,2}:\d{1,2}(?::\d{1,2}(?:\.\d+)?)?)?",  # a time, as CSV exports add
    re.ASCII,
)
_DATE_CHINESE = re.compile(
    r"(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*[日号]?", re.ASCII
)
_DATE_COMPACT = re.compile(r"(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})", re.ASCII)

_EPOCH_1900 = dt.date(1899, 12, 31)  # serial 1 is 1900-01-01
_EPOCH_1900_AFTER_BUG = dt.date(1899, 12, 30)  # from serial 61 (1900-03-01) on
_EPOCH_1904 = dt.date(1904, 1, 1)  # serial 0
_SERIAL_MAX_1900 = 2958465  # 9999-12-31
_SERIAL_MAX_1904 = _SERIAL_MAX_1900 - 1462
_FAKE_LEAP_DAY = 60  # Excel's 1900-02-29, kept for Lotus 1-2-3 compatibility


def date(value: Any, *, datemode_1904: bool = False) -> dt.date:
    """A date cell: a date or datetime, an Excel serial number (1900 system unless
    `datemode_1904`), or text such as 1949-12-31, 1949/12/31, 1949.1.5, 1949年12月31日 or
    19491231 (full-width digits and spaces allowed). An 8-digit number is read as 19491231."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return _from_number(value, datemode_1904)
    if is_blank(value):
        raise CellError(_("No date given."))
    s = text(value)
    for pattern in (_DATE_SEPARATED, _DATE_CHINESE, _DATE_COMPACT):
        match = pattern.fullmatch(s)
        if match:
            return _make_date(int(match["y"]), int(match["m"]), int(match["d"]), s)
    raise CellError(_("“%(value)s” is not a date; write it like 1949-12-31."), value=_shown(value))


def _make_date(year: int, month: int, day: int, shown: str) -> dt.date:
    if not 1 <= year <= 9999:
        raise CellError(
            _("%(value)s is not a real date: there is no year %(year)d."), value=shown, year=year
        )
    if not 1 <= month <= 12:
        raise CellError(
            _("%(value)s is not a real date: there is no month %(month)d."),
            value=shown,
            month=month,
        )
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        raise CellError(
            _(
                "%(value)s is not a real date: %(year)d-%(month)02d has %(days)d days, "
                "so there is no day %(day)d."
            ),
            value=shown,
            year=year,
            month=month,
            days=days,
            day=day,
        )
    return dt.date(year, month, day)


def _from_number(value: int | float | Decimal, datemode_1904: bool) -> dt.date:
    number = float(value)
    if math.isfinite(number) and number.is_integer() and 10000101 <= number <= 99991231:
        whole = int(number)  # 19491231 typed as a number
        return _make_date(whole // 10000, whole // 100 % 100, whole % 100, str(whole))
    low, high = (0, _SERIAL_MAX_1904) if datemode_1904 else (1, _SERIAL_MAX_1900)
    if not math.isfinite(number) or not low <= number < high + 1:
        raise CellError(
            _(
                "%(value)s is not a date: Excel's date numbers run from %(low)d to %(high)d "
                "(up to 9999-12-31)."
            ),
            value=_shown(value) or str(value),
            low=low,
            high=high,
        )
    serial = math.floor(number)  # a fraction is the time of day
    if datemode_1904:
        return _EPOCH_1904 + dt.timedelta(days=serial)
    if serial == _FAKE_LEAP_DAY:
        raise CellError(
            _("Excel's date number 60 stands for 1900-02-29, a day that never existed.")
        )
    if serial < _FAKE_LEAP_DAY:
        return _EPOCH_1900 + dt.timedelta(days=serial)
    return _EPOCH_1900_AFTER_BUG + dt.timedelta(days=serial)


# --- words ---------------------------------------------------------------------------------------
def _key(value: Any) -> str:
    """The form words are compared in: clean text, case-folded, without spaces."""
    return "".join(text(value).casefold().split())


_GENDERS = {
    **dict.fromkeys(("男", "男性", "m", "male", "1"), "M"),
    **dict.fromkeys(("女", "女性", "f", "female", "2"), "F"),
}


def gender(value: Any) -> str | None:
    """男/女 and the usual spellings (M/F, male/female, GB/T 2261.1 codes 1/2) as "M" or "F";
    a blank cell as None."""
    if is_blank(value):
        return None
    if not isinstance(value, bool):
        found = _GENDERS.get(_key(value))
        if found is not None:
            return found
    raise CellError(_("“%(value)s” is not a gender; write 男 or 女."), value=_shown(value))


_YES_NO = {
    **dict.fromkeys(("是", "有", "对", "y", "yes", "true", "1", "√", "✓", "✔"), True),
    **dict.fromkeys(("否", "无", "没有", "不是", "n", "no", "false", "0", "×", "✗", "✘"), False),
}


def yes_no(value: Any) -> bool | None:
    """是/否, 有/无, Y/N, yes/no, true/false, 1/0, √/× as a bool; a blank cell as None."""
    if isinstance(value, bool):
        return value
    if is_blank(value):
        return None
    found = _YES_NO.get(_key(value))
    if found is None:
        raise CellError(
            _("“%(value)s” is neither yes nor no; write 是 or 否."), value=_shown(value)
        )
    return found


def choice(value: Any, mapping: Mapping[str, str]) -> str:
    """One of a fixed set of words: `mapping` maps each accepted word (label or synonym, e.g.
    "低保" and "低保户") to the value to store; the stored values themselves are accepted too.
    Compared after `text`, case-folded and without spaces."""
    lookup = _choice_lookup(tuple(mapping.items()))
    key = _key(value)
    if key in lookup:
        return lookup[key]
    allowed = list(dict.fromkeys(k for k in mapping if k))
    listed = "、".join(allowed[:30]) + ("…" if len(allowed) > 30 else "")
    if not key:
        raise CellError(_("This cell is empty; write one of: %(allowed)s."), allowed=listed)
    raise CellError(
        _("“%(value)s” is not allowed here; write one of: %(allowed)s."),
        value=_shown(value),
        allowed=listed,
    )


@lru_cache(maxsize=128)
def _choice_lookup(items: tuple[tuple[str, str], ...]) -> dict[str, str]:
    lookup = {_key(stored): stored for _word, stored in items}
    lookup.update((_key(word), stored) for word, stored in items)  # words win over values
    return lookup


# --- phone numbers -------------------------------------------------------------------------------
_PHONE_NOISE = re.compile(r"[\s\-‐‑‒–—―−()]+")
_DIGITS = re.compile(r"[0-9]+")
_SEVERAL_NUMBERS = re.compile(r"[0-9]{7,}\D+[0-9]{7,}")
_WHOLE_WITH_ZERO_FRACTION = re.compile(r"([0-9]+)\.0+")  # "13800138000.0" from a CSV
_NOT_A_PHONE = _(
    "This is not a phone number: a mobile number has 11 digits starting with 1, "
    "a landline is written with its area code, like 010-12345678."
)


def phone(value: Any) -> str:
    """A phone number as digits: an 11-digit mobile number (13x…–19x…), a landline with its
    area code (010-12345678 → 01012345678; 010 and 02x take 8 digits, 03xx–09xx 7 or 8), or a
    local number of 7–8 digits without one. +86 and 0086 are removed; a number cell
    (13800138000.0) is read as its digits; a blank cell gives ""."""
    if value is None:
        return ""
    if isinstance(value, bool):
        raise CellError(_NOT_A_PHONE)
    if isinstance(value, float | Decimal):
        if not math.isfinite(value) or value != int(value):
            raise CellError(_NOT_A_PHONE)
        s = str(int(value))
    elif isinstance(value, int):
        s = str(value)
    else:
        s = text(value)
        if not s:
            return ""
    compact = _PHONE_NOISE.sub("", s.lstrip(_QUOTES))
    if whole := _WHOLE_WITH_ZERO_FRACTION.fullmatch(compact):
        compact = whole[1]
    international = False
    if compact.startswith("+86"):
        compact, international = compact[3:], True
    elif compact.startswith("0086"):
        compact, international = compact[4:], True
    elif len(compact) == 13 and compact.startswith("861"):
        compact, international = compact[2:], True
    if not _DIGITS.fullmatch(compact):
        if _SEVERAL_NUMBERS.search(compact):
            raise CellError(_("Write one phone number per cell."))
        raise CellError(_NOT_A_PHONE)
    if international and compact[0] != "0" and not (len(compact) == 11 and compact[0] == "1"):
        compact = "0" + compact  # +86 10 1234 5678: the area code loses its trunk 0
    first, length = compact[0], len(compact)
    if first == "1":
        if length == 11 and compact[1] in "3456789":
            return compact
        if length != 11:
            raise CellError(
                _("A mobile number has 11 digits; this one has %(count)d."), count=length
            )
    elif compact.startswith(("010", "02")):  # the 3-digit area codes; 8-digit local numbers
        if length == 11:
            return compact
    elif first == "0" and compact[1] != "0":  # 4-digit area codes 03xx–09xx; 7–8 digits
        if compact[1] != "1" and 11 <= length <= 12:
            return compact
    elif 7 <= length <= 8:
        return compact
    raise CellError(_NOT_A_PHONE)
