"""Citizen identity numbers (公民身份号码, GB 11643-1999): clean up, validate, mask, invent.

An 18-character number is `AAAAAA YYYYMMDD SSS C`: the county code of the place of registration,
the birth date, a sequence whose last digit is odd for men and even for women, and an ISO 7064
MOD 11-2 check character. First-generation (GB 11643-1989) numbers have 15 digits (two-digit
year, no check character) and are converted on parse.

ID numbers are personal data: nothing here puts a number into an exception message or a repr,
so a traceback, a log line or a debug page never shows one. Use `mask` to display a number.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from django.utils.text import format_lazy
from django.utils.timezone import localdate
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

Gender = Literal["M", "F"]
ErrorCode = Literal["format", "province", "birth_date", "future", "too_old", "checksum"]

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)  # 2**(17-i) mod 11
CHECK_CHARS = "10X98765432"  # indexed by (weighted sum mod 11)
PROVINCES = frozenset(
    f"{p:02d}"
    for lo, hi in ((11, 15), (21, 23), (31, 37), (41, 46), (50, 54), (61, 65), (71, 71), (81, 82))
    for p in range(lo, hi + 1)
)
EARLIEST_BIRTH = dt.date(1890, 1, 1)
MAX_AGE = 130
_DIGITS = frozenset("0123456789")
_QUOTES = "'\"`"


def _noise_table() -> dict[int, int | None]:
    """One-pass translation for `normalize`. Every output is a fixed point (never itself a key),
    which is what makes `normalize` idempotent."""
    table: dict[int, int | None] = {}
    for cp in range(0xFF01, 0xFF5F):  # full-width ASCII block: ０-９, Ａ-Ｚ, ａ-ｚ, punctuation
        table[cp] = ord(chr(cp - 0xFEE0).upper())
    for cp in range(ord("a"), ord("z") + 1):
        table[cp] = cp - 32
    for c in "\u00a0\u2007\u202f\u3000\u2002\u2003\u2009":  # non-breaking and typographic spaces
        table[ord(c)] = ord(" ")
    for c in "\u2010\u2011\u2012\u2013\u2014\u2212\ufe63":  # dashes and minus signs
        table[ord(c)] = ord("-")
    for c in "\u2018\u2019\u201a\u2032":
        table[ord(c)] = ord("'")
    for c in "\u201c\u201d\u201e\u2033":
        table[ord(c)] = ord('"')
    for c in "\u200b\u200c\u200d\u2060\ufeff":  # zero-width characters, BOM from CSV files
        table[ord(c)] = None
    return table


_NOISE = _noise_table()


def normalize(raw: str) -> str:
    """Undo what people type around a number; does not validate.

    Full-width characters become ASCII, letters become upper case (so `x` becomes `X`), all
    whitespace (including non-breaking and ideographic spaces) and hyphens/dashes are removed
    wherever they are, and quotes around the number (Excel's leading apostrophe) are stripped.
    Idempotent: `normalize(normalize(s)) == normalize(s)`, and never longer than `raw`.
    """
    s = "".join(raw.translate(_NOISE).split()).replace("-", "")
    return s.strip(_QUOTES)


def check_char(first17: str) -> str:
    """The MOD 11-2 check character ("0"-"9" or "X") for 17 ASCII digits; ValueError otherwise."""
    if len(first17) != 17 or not _DIGITS.issuperset(first17):
        raise ValueError("check_char needs exactly 17 ASCII digits")
    return CHECK_CHARS[sum(int(c) * w for c, w in zip(first17, WEIGHTS, strict=True)) % 11]


_MESSAGES: dict[ErrorCode, _StrPromise] = {
    "format": _("Character {position} is not allowed: use digits, and X only as the last one."),
    "province": _("The first two digits are not a province code."),
    "birth_date": _("The birth date in this ID number (digits 7 to 14) is not a real date."),
    "future": _("The birth date in this ID number is in the future."),
    "too_old": _("The birth date in this ID number is before 1890 or over 130 years ago."),
    "checksum": _("The check digit is wrong: this ID number has a typo."),
}
_LENGTH_MESSAGE = _(
    "An ID number has 18 characters (15 for a first-generation number); this one has {length}."
)


class InvalidIdNumber(ValueError):
    """Why a string is not a plausible ID number.

    `code` is one of "format", "province", "birth_date", "future", "too_old", "checksum";
    `position` is the 1-based character where the problem starts (None if not one place);
    `message` is lazily translated, so it follows the language active when it is shown. Neither
    the message nor `args` contains the number, so the exception is safe to log.
    """

    def __init__(self, code: ErrorCode, *, position: int | None = None, length: int = 0) -> None:
        super().__init__(code, position)
        self.code: ErrorCode = code
        self.position = position
        template = _LENGTH_MESSAGE if code == "format" and position is None else _MESSAGES[code]
        self.message: _StrPromise = format_lazy(template, position=position, length=length)

    def __str__(self) -> str:
        return str(self.message)


@dataclass(frozen=True, slots=True, repr=False)
class IdNumber:
    """A valid 18-character number and what it says. `repr`/`str` show it masked only."""

    number: str
    birth_date: dt.date
    gender: Gender
    region_prefix: str
    converted_from_15: bool = False

    def age_on(self, day: dt.date) -> int:
        """Completed years on `day` (born 29 February: a year older on 1 March in common years)."""
        b = self.birth_date
        return day.year - b.year - ((day.month, day.day) < (b.month, b.day))

    def __repr__(self) -> str:
        return f"<IdNumber {mask(self.number)}>"

    __str__ = __repr__


def _birth_date(number: str) -> dt.date:
    try:
        return dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise InvalidIdNumber("birth_date", position=7) from None


def parse(raw: str, *, today: dt.date | None = None) -> IdNumber:
    """Normalize `raw`, convert a 15-digit number to 18, and validate it.

    Checks, in order (the first failure raises InvalidIdNumber with that code): "format" (18
    characters, 17 digits and a digit or X; or 15 digits), "province" (first two digits),
    "birth_date" (a real calendar date), "future" (after `today`), "too_old" (before 1890-01-01
    or more than 130 years before `today`), "checksum". `today` defaults to the local date of
    settings.TIME_ZONE. A converted number always gets a correct check character.
    """
    s = normalize(raw)
    if len(s) not in (15, 18):
        raise InvalidIdNumber("format", length=len(s))
    digits = len(s) if len(s) == 15 else 17
    for i, c in enumerate(s):
        if c not in _DIGITS and not (i == digits == 17 and c == "X"):
            raise InvalidIdNumber("format", position=i + 1)
    converted = len(s) == 15
    if converted:
        first17 = s[:6] + "19" + s[6:]
        s = first17 + check_char(first17)
    if s[:2] not in PROVINCES:
        raise InvalidIdNumber("province", position=1)
    born = _birth_date(s)
    if today is None:
        today = localdate()
    if born > today:
        raise InvalidIdNumber("future", position=7)
    result = IdNumber(
        number=s,
        birth_date=born,
        gender="M" if int(s[16]) % 2 else "F",
        region_prefix=s[:6],
        converted_from_15=converted,
    )
    if born < EARLIEST_BIRTH or result.age_on(today) > MAX_AGE:
        raise InvalidIdNumber("too_old", position=7)
    if check_char(s[:17]) != s[17]:
        raise InvalidIdNumber("checksum", position=18)
    return result


def is_valid(raw: str, *, today: dt.date | None = None) -> bool:
    """True when `parse(raw, today=today)` succeeds."""
    try:
        parse(raw, today=today)
    except InvalidIdNumber:
        return False
    return True


def mask(number: str) -> str:
    """A displayable form: "110105********002X" for 18 characters (first 6, last 4).

    The input is normalized first. Other lengths keep at most the first 3 and last 2 characters,
    fewer for short strings so that most stays hidden; the result has the normalized length and
    never shows more than 10 characters.
    """
    s = normalize(number)
    n = len(s)
    head, tail_ = (6, 4) if n == 18 else (min(3, n // 4), min(2, n // 5))
    return s[:head] + "*" * (n - head - tail_) + s[n - tail_ :]


def tail(number: str, n: int = 4) -> str:
    """The last `n` characters of the normalized number: the key for "search by last digits".

    ValueError if `n` < 1. Shorter input gives what there is.
    """
    if n < 1:
        raise ValueError("tail needs n >= 1")
    return normalize(number)[-n:]


def make(region_prefix: str, birth_date: dt.date, sequence: int, gender: str) -> str:
    """Invent a checksum-valid 18-character number (for demo and benchmark data).

    `sequence` (0-499) counts the people of that gender registered in that place on that day;
    the 3-digit sequence code is `2 * sequence + 1` for "M" and `2 * sequence` for "F", so
    distinct arguments give distinct numbers and the 17th digit always matches `gender`.
    `region_prefix` must be 6 digits starting with a province code. The birth date is not
    checked against today: `parse` rejects a number made with a future or too-early date, which
    is how tests obtain such numbers. Raises ValueError on bad arguments.
    """
    if len(region_prefix) != 6 or not _DIGITS.issuperset(region_prefix):
        raise ValueError("region_prefix must be 6 ASCII digits")
    if region_prefix[:2] not in PROVINCES:
        raise ValueError("region_prefix does not start with a province code")
    if not 0 <= sequence <= 499:
        raise ValueError("sequence must be between 0 and 499")
    if gender not in ("M", "F"):
        raise ValueError('gender must be "M" or "F"')
    if birth_date.year < 1000:
        raise ValueError("birth_date needs a four-digit year")
    code = 2 * sequence + (gender == "M")
    first17 = f"{region_prefix}{birth_date:%Y%m%d}{code:03d}"
    return first17 + check_char(first17)
