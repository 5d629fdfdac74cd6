"""core.normalize: messy ledger cells to clean values.

The properties run 10,000 examples each (the People registry issue asks for at least 10,000
for the Excel value normalizers); the examples below them pin every error case.
"""

from __future__ import annotations

import datetime as dt
import pickle
import random
import re
from decimal import Decimal

import pytest
from django.utils import translation
from django.utils.functional import Promise
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from shegong.core import normalize
from shegong.core.normalize import CellError

pytestmark = pytest.mark.dbless

MANY = settings(max_examples=10_000, deadline=None)

FULL_WIDTH = str.maketrans({chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)})
FULL_WIDTH_ASCII = re.compile("[\uff01-\uff5e]")


def widen(s: str) -> str:
    """Half-width ASCII to full-width, as Chinese input methods type it."""
    return s.translate(FULL_WIDTH)


# The noise around a value comes from one seeded PRNG draw rather than a hypothesis draw per
# character: 10,000 examples stay fast, and a failure still shows the noisy input it built.
SEEDS = st.integers(0, 2**32 - 1)
SPACE_CHOICES = ["", "", " ", "  ", "\u3000", "\u00a0", "\t", " \u3000 ", "\n"]


def pad(rng: random.Random, s: str) -> str:
    return rng.choice(SPACE_CHOICES) + s + rng.choice(SPACE_CHOICES)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


# ---------------------------------------------------------------------------------------------
# text

cells = st.one_of(
    st.none(),
    st.text(),
    st.text(
        alphabet=st.sampled_from(
            list("abcXYZ 123-_.,'\"=")
            + ["\u3000", "\u00a0", "\u200b", "\ufeff", "\n", "\t"]
            + [chr(c) for c in range(0xFF01, 0xFF5F, 7)]
            + list("张三社区")
        )
    ),
    st.integers(),
    st.floats(),
    st.decimals(allow_nan=False, allow_infinity=False, places=3),
    st.booleans(),
    st.dates(),
    st.datetimes(),
)


@MANY
@given(cells)
def test_text_is_idempotent_and_clean(value: object) -> None:
    out = normalize.text(value)
    assert isinstance(out, str)
    assert normalize.text(out) == out
    assert out == out.strip()
    assert not FULL_WIDTH_ASCII.search(out)
    assert "  " not in out and "\u3000" not in out and "\u00a0" not in out
    if isinstance(value, float) and value.is_integer():
        assert not out.endswith(".0")


def test_text_examples() -> None:
    assert normalize.text(None) == ""
    assert normalize.text(13800138000.0) == "13800138000"
    assert normalize.text(3.5) == "3.5"
    assert normalize.text(0.1 + 0.2) == "0.3"
    assert normalize.text(Decimal("12.50")) == "12.5"
    assert normalize.text(7) == "7"
    assert normalize.text("  张\u3000三\u00a0 ") == "张 三"
    assert normalize.text("ＡＢＣ１２３（备注）") == "ABC123(备注)"
    assert normalize.text("朝阳里\n社区") == "朝阳里 社区"
    assert normalize.text("\ufeff张三\u200b") == "张三"
    assert normalize.text(dt.date(1949, 12, 31)) == "1949-12-31"
    assert normalize.text(dt.datetime(1949, 12, 31)) == "1949-12-31"
    assert normalize.text(dt.datetime(2026, 11, 26, 14, 3)) == "2026-11-26 14:03:00"
    assert normalize.text(True) == "TRUE"
    assert normalize.text(float("nan")) == ""


def test_is_blank() -> None:
    for blank in (None, "", " ", "\u3000", "\u00a0\t\n", "\u200b"):
        assert normalize.is_blank(blank), repr(blank)
    for filled in ("0", 0, 0.0, False, "x", dt.date(2000, 1, 1)):
        assert not normalize.is_blank(filled), repr(filled)


# ---------------------------------------------------------------------------------------------
# ID numbers

ID_NUMBERS = st.one_of(
    st.builds(
        lambda body, check: f"{body}{check}",
        st.integers(0, 10**17 - 1).map(lambda n: f"{n:017d}"),
        st.sampled_from("0123456789X"),
    ),
    st.integers(10**14, 10**15 - 1).map(str),
)
ID_SEPARATORS = ["", " ", "-", "\u3000", "\u00a0", "－", "\u2013", "\t", "\u200b"]
ID_WRAPPERS = [
    ("", ""),
    ("'", ""),
    (" '", " "),
    ("\u2018", ""),
    ('"', '"'),
    ('="', '"'),
    ("\ufeff", ""),
]


@st.composite
def noisy_ids(draw: st.DrawFn) -> tuple[str, str]:
    number, rng = draw(ID_NUMBERS), random.Random(draw(SEEDS))
    chars = []
    for c in number:
        if c == "X" and rng.random() < 0.5:
            c = "x"
        if rng.random() < 0.25:
            c = widen(c)
        chars.append(c)
        if rng.random() < 0.2:
            chars.append(rng.choice(ID_SEPARATORS))
    before, after = rng.choice(ID_WRAPPERS)
    return pad(rng, before + "".join(chars) + after), number


@MANY
@given(noisy_ids())
def test_id_text_strips_the_noise(case: tuple[str, str]) -> None:
    noisy, number = case
    assert normalize.id_text(noisy) == number
    assert normalize.id_text(number) == number


@MANY
@given(st.one_of(st.text(), noisy_ids().map(lambda case: case[0])))
def test_id_text_is_idempotent(value: str) -> None:
    try:
        once = normalize.id_text(value)
    except CellError:
        return
    assert normalize.id_text(once) == once
    assert once == once.strip() and " " not in once and "-" not in once
    assert not FULL_WIDTH_ASCII.search(once)
    assert "x" not in once


@MANY
@given(st.integers(10**13, 10**18 - 1), st.booleans())
def test_id_text_reads_a_number_cell_only_while_excel_kept_every_digit(
    number: int, as_float: bool
) -> None:
    cell = float(number) if as_float else number
    if number < 10**15:  # a 15-digit first-generation number survives as a number
        assert normalize.id_text(cell) == str(number)
    else:
        with pytest.raises(CellError, match="lost its last digits"):
            normalize.id_text(cell)


def test_id_text_examples() -> None:
    assert normalize.id_text(None) == ""
    assert normalize.id_text("") == ""
    assert normalize.id_text("'11010519491231002x") == "11010519491231002X"
    assert normalize.id_text("110105 1949 1231 002X") == "11010519491231002X"
    assert normalize.id_text("110105-19491231-002x") == "11010519491231002X"
    assert normalize.id_text("１１０１０５１９４９１２３１００２ｘ") == "11010519491231002X"
    assert normalize.id_text('="11010519491231002X"') == "11010519491231002X"
    assert normalize.id_text(110105491231002.0) == "110105491231002"
    # not an ID number: left for the validator to reject
    assert normalize.id_text(3.5) == "3.5"
    assert normalize.id_text("张三") == "张三"


@pytest.mark.parametrize(
    "value", [110105194912310021.0, 110105194912310021, 1.10105194912310e17, "1.10105E+17"]
)
def test_id_text_explains_lost_digits(value: object) -> None:
    with pytest.raises(CellError) as caught:
        normalize.id_text(value)
    assert str(caught.value) == (
        "This ID number was stored as a number in Excel and has lost its last digits; "
        "format the column as text and type it again."
    )
    assert "110105" not in str(caught.value)  # ID numbers never appear in messages


# ---------------------------------------------------------------------------------------------
# dates

EXCEL_EPOCH = dt.date(1899, 12, 30)  # serials from 61 (1900-03-01) on
DATE_FORMATS = [
    lambda d: d.isoformat(),
    lambda d: f"{d.year}/{d.month:02d}/{d.day:02d}",
    lambda d: f"{d.year}/{d.month}/{d.day}",
    lambda d: f"{d.year}.{d.month:02d}.{d.day:02d}",
    lambda d: f"{d.year}.{d.month}.{d.day}",
    lambda d: f"{d.year}-{d.month}-{d.day}",
    lambda d: f"{d.year}年{d.month:02d}月{d.day:02d}日",
    lambda d: f"{d.year}年{d.month}月{d.day}日",
    lambda d: f"{d.year}年{d.month}月{d.day}号",
    lambda d: f"{d.year}{d.month:02d}{d.day:02d}",
    lambda d: f"{d.isoformat()} 00:00:00",
    lambda d: f"{d.year}/{d.month}/{d.day} 0:00",
]


@MANY
@given(
    st.dates(dt.date(1900, 3, 1), dt.date(2100, 12, 31)),
    st.sampled_from(DATE_FORMATS),
    st.booleans(),
    SEEDS,
)
def test_date_round_trips_through_every_written_form(
    day: dt.date, form, full_width: bool, seed: int
) -> None:
    written = form(day)
    if full_width:
        written = widen(written)
    assert normalize.date(pad(random.Random(seed), written)) == day


@MANY
@given(
    st.dates(dt.date(1900, 3, 1), dt.date(2100, 12, 31)),
    st.sampled_from(["int", "float", "fraction", "datetime", "date", "yyyymmdd", "1904"]),
    st.floats(0, 0.999),
)
def test_date_round_trips_through_excel_values(day: dt.date, kind: str, fraction: float) -> None:
    serial = (day - EXCEL_EPOCH).days
    if kind == "1904":
        assume(day >= dt.date(1904, 1, 1))
        assert normalize.date(float((day - dt.date(1904, 1, 1)).days), datemode_1904=True) == day
        return
    value: object = {
        "int": serial,
        "float": float(serial),
        "fraction": serial + fraction,
        "datetime": dt.datetime.combine(day, dt.time(13, 45)),
        "date": day,
        "yyyymmdd": float(day.year * 10000 + day.month * 100 + day.day),
    }[kind]
    assert normalize.date(value) == day


def test_date_follows_excel_around_its_1900_leap_year_bug() -> None:
    assert normalize.date(1) == dt.date(1900, 1, 1)
    assert normalize.date(59) == dt.date(1900, 2, 28)
    assert normalize.date(61) == dt.date(1900, 3, 1)
    assert normalize.date(18263.0) == dt.date(1949, 12, 31)
    assert normalize.date(2958465) == dt.date(9999, 12, 31)
    assert normalize.date(0, datemode_1904=True) == dt.date(1904, 1, 1)
    with pytest.raises(CellError, match="1900-02-29, a day that never existed"):
        normalize.date(60)


def test_date_examples_from_ledgers() -> None:
    assert normalize.date("1949-12-31") == dt.date(1949, 12, 31)
    assert normalize.date("1949/12/31") == dt.date(1949, 12, 31)
    assert normalize.date("1949.12.31") == dt.date(1949, 12, 31)
    assert normalize.date("1949.1.5") == dt.date(1949, 1, 5)
    assert normalize.date("1949年12月31日") == dt.date(1949, 12, 31)
    assert normalize.date("1949年1月5日") == dt.date(1949, 1, 5)
    assert normalize.date("19491231") == dt.date(1949, 12, 31)
    assert normalize.date("　１９４９．１２．３１ ") == dt.date(1949, 12, 31)
    assert normalize.date(19491231.0) == dt.date(1949, 12, 31)
    assert normalize.date(dt.datetime(1949, 12, 31, 23, 59)) == dt.date(1949, 12, 31)
    assert normalize.date(dt.date(1949, 12, 31)) == dt.date(1949, 12, 31)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            "1949-02-30",
            "1949-02-30 is not a real date: 1949-02 has 28 days, so there is no day 30.",
        ),
        (
            "1948-02-30",
            "1948-02-30 is not a real date: 1948-02 has 29 days, so there is no day 30.",
        ),
        (
            "1900年2月29日",
            "1900年2月29日 is not a real date: 1900-02 has 28 days, so there is no day 29.",
        ),
        (
            "1949-04-31",
            "1949-04-31 is not a real date: 1949-04 has 30 days, so there is no day 31.",
        ),
        ("1949.12.0", "1949.12.0 is not a real date: 1949-12 has 31 days, so there is no day 0."),
        ("19491301", "19491301 is not a real date: there is no month 13."),
        ("1949-00-10", "1949-00-10 is not a real date: there is no month 0."),
        ("0000-01-01", "0000-01-01 is not a real date: there is no year 0."),
        (19490230.0, "19490230 is not a real date: 1949-02 has 28 days, so there is no day 30."),
        ("", "No date given."),
        ("   ", "No date given."),
        (None, "No date given."),
        ("abc", "“abc” is not a date; write it like 1949-12-31."),
        ("49-12-31", "“49-12-31” is not a date; write it like 1949-12-31."),
        ("31/12/1949", "“31/12/1949” is not a date; write it like 1949-12-31."),
        ("1949-12/31", "“1949-12/31” is not a date; write it like 1949-12-31."),
        ("1949年12月", "“1949年12月” is not a date; write it like 1949-12-31."),
        (True, "“TRUE” is not a date; write it like 1949-12-31."),
        (dt.time(12, 0), "“12:00:00” is not a date; write it like 1949-12-31."),
        (
            0,
            "0 is not a date: Excel's date numbers run from 1 to 2958465 (up to 9999-12-31).",
        ),
        (
            -3.5,
            "-3.5 is not a date: Excel's date numbers run from 1 to 2958465 (up to 9999-12-31).",
        ),
        (
            2958466,
            "2958466 is not a date: Excel's date numbers run from 1 to 2958465 (up to 9999-12-31).",
        ),
        (
            float("nan"),
            "nan is not a date: Excel's date numbers run from 1 to 2958465 (up to 9999-12-31).",
        ),
    ],
)
def test_date_errors_name_the_problem(value: object, message: str) -> None:
    with pytest.raises(CellError) as caught:
        normalize.date(value)
    assert str(caught.value) == message


def test_date_error_in_1904_mode_gives_its_range() -> None:
    with pytest.raises(CellError, match="from 0 to 2957003"):
        normalize.date(-1, datemode_1904=True)


# ---------------------------------------------------------------------------------------------
# gender

GENDER_WORDS = {
    "男": "M", "男性": "M", "M": "M", "male": "M", "1": "M",
    "女": "F", "女性": "F", "F": "F", "female": "F", "2": "F",
}  # fmt: skip


@st.composite
def noisy_words(draw: st.DrawFn, words: dict[str, object]) -> tuple[str, object]:
    word, rng = draw(st.sampled_from(sorted(words))), random.Random(draw(SEEDS))
    expected = words[word]
    word = "".join(c.upper() if rng.random() < 0.5 else c.lower() for c in word)
    if rng.random() < 0.5:
        word = widen(word)
    return pad(rng, word), expected


@MANY
@given(noisy_words(GENDER_WORDS))
def test_gender_is_total_over_its_vocabulary(case: tuple[str, str]) -> None:
    word, expected = case
    assert normalize.gender(word) == expected


def test_gender_examples() -> None:
    assert normalize.gender(1.0) == "M"
    assert normalize.gender(2) == "F"
    assert normalize.gender("MALE") == "M"
    assert normalize.gender("") is None
    assert normalize.gender(None) is None
    assert normalize.gender("\u3000") is None


@pytest.mark.parametrize("value", ["x", "未知", "0", 9, "男女", True, "man"])
def test_gender_errors(value: object) -> None:
    with pytest.raises(CellError, match=r"is not a gender; write 男 or 女\.$"):
        normalize.gender(value)


# ---------------------------------------------------------------------------------------------
# yes / no

YES_NO_WORDS = {
    **dict.fromkeys(["是", "有", "Y", "yes", "true", "1", "√", "✓"], True),
    **dict.fromkeys(["否", "无", "没有", "N", "no", "false", "0", "×", "✗"], False),
}


@MANY
@given(noisy_words(YES_NO_WORDS))
def test_yes_no_is_total_over_its_vocabulary(case: tuple[str, bool]) -> None:
    word, expected = case
    assert normalize.yes_no(word) is expected


def test_yes_no_examples() -> None:
    assert normalize.yes_no(True) is True
    assert normalize.yes_no(False) is False
    assert normalize.yes_no(1.0) is True
    assert normalize.yes_no(0) is False
    assert normalize.yes_no("") is None
    assert normalize.yes_no(None) is None


@pytest.mark.parametrize("value", ["maybe", "2", 2.0, "是否", "x"])
def test_yes_no_errors(value: object) -> None:
    with pytest.raises(CellError, match=r"is neither yes nor no; write 是 or 否\.$"):
        normalize.yes_no(value)


# ---------------------------------------------------------------------------------------------
# phone numbers

MOBILES = st.integers(13 * 10**9, 2 * 10**10 - 1).map(str)  # 13x… to 19x…
LANDLINES = st.one_of(
    st.tuples(
        st.sampled_from(["010", *(f"02{d}" for d in range(10))]),
        st.integers(2 * 10**7, 9 * 10**7 - 1),
    ),
    st.tuples(st.integers(300, 999).map(lambda n: f"0{n}"), st.integers(2 * 10**6, 9 * 10**7 - 1)),
).map(lambda pair: (pair[0], str(pair[1])))
PHONE_PREFIXES = ["", "+86", "+86 ", "0086", "0086-", "+８６", "86"]
PHONE_SEPARATORS = ["", " ", "-", "\u3000", "－", "\u2013", " - "]


@st.composite
def noisy_phones(draw: st.DrawFn) -> tuple[object, str]:
    rng = random.Random(draw(SEEDS))
    if draw(st.booleans()):
        number = draw(MOBILES)
        if rng.random() < 0.2:
            return float(number), number  # a number cell
        groups = [number[:3], number[3:7], number[7:]]
        written = rng.choice(PHONE_PREFIXES) + rng.choice(PHONE_SEPARATORS).join(groups)
    else:
        area, local = draw(LANDLINES)
        number = area + local
        written = rng.choice(
            [
                f"({area}){local}",
                f"（{area}）{rng.choice(PHONE_SEPARATORS)}{local}",
                f"+86 {area[1:]} {local}",  # international: the area code loses its 0
                area
                + rng.choice(PHONE_SEPARATORS)
                + local[:4]
                + rng.choice(PHONE_SEPARATORS)
                + local[4:],
            ]
        )
    if rng.random() < 0.5:
        written = widen(written)
    if rng.random() < 0.2:
        written = "'" + written
    return pad(rng, written), number


@MANY
@given(noisy_phones())
def test_phone_round_trips_through_formatting_noise(case: tuple[object, str]) -> None:
    noisy, number = case
    assert normalize.phone(noisy) == number
    assert normalize.phone(number) == number


def test_phone_examples() -> None:
    assert normalize.phone(13800138000.0) == "13800138000"
    assert normalize.phone(13800138000) == "13800138000"
    assert normalize.phone("13800138000.0") == "13800138000"
    assert normalize.phone("+86 138 0013 8000") == "13800138000"
    assert normalize.phone("8613800138000") == "13800138000"
    assert normalize.phone("010-12345678") == "01012345678"
    assert normalize.phone("(0371)1234567") == "03711234567"
    assert normalize.phone("0086 10 12345678") == "01012345678"
    assert normalize.phone("62345678") == "62345678"  # a local number, area code left out
    assert normalize.phone("") == ""
    assert normalize.phone(None) == ""
    assert normalize.phone("  ") == ""


NOT_A_PHONE = (
    "This is not a phone number: a mobile number has 11 digits starting with 1, "
    "a landline is written with its area code, like 010-12345678."
)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1380013800", "A mobile number has 11 digits; this one has 10."),
        ("138001380001", "A mobile number has 11 digits; this one has 12."),
        ("13800138000/13900139000", "Write one phone number per cell."),
        ("13800138000，13900139000", "Write one phone number per cell."),
        ("12800138000", NOT_A_PHONE),  # no mobile numbers begin with 12
        ("abc", NOT_A_PHONE),
        ("138-0013-800a", NOT_A_PHONE),
        ("010-1234567-89", NOT_A_PHONE),
        ("01012", NOT_A_PHONE),
        ("021-1234567", NOT_A_PHONE),  # Shanghai numbers have 8 digits
        ("0123-12345678", NOT_A_PHONE),  # no area code begins with 01 but 010
        ("0371-123456789", NOT_A_PHONE),
        ("0001234567", NOT_A_PHONE),
        ("123456", "A mobile number has 11 digits; this one has 6."),
        ("623456", NOT_A_PHONE),
        ("+1 415 555 0100", NOT_A_PHONE),
        ("010-12345678转123", NOT_A_PHONE),
        (13800138000.5, NOT_A_PHONE),
        (float("inf"), NOT_A_PHONE),
        (True, NOT_A_PHONE),
        ("١٣٨٠٠١٣٨٠٠٠", NOT_A_PHONE),  # Arabic-Indic digits are not ASCII digits
    ],
)
def test_phone_errors(value: object, message: str) -> None:
    with pytest.raises(CellError) as caught:
        normalize.phone(value)
    assert str(caught.value) == message
    assert "138" not in str(caught.value)  # phone numbers never appear in messages


# ---------------------------------------------------------------------------------------------
# choice

CATEGORIES = {"低保": "dibao", "低保户": "dibao", "特困供养": "tekun", "独居老人": "alone"}


@MANY
@given(noisy_words(CATEGORIES))
def test_choice_matches_any_accepted_word(case: tuple[str, str]) -> None:
    word, expected = case
    assert normalize.choice(word, CATEGORIES) == expected


def test_choice_examples() -> None:
    assert normalize.choice(" 低 保 ", CATEGORIES) == "dibao"
    assert normalize.choice("低保户", CATEGORIES) == "dibao"
    assert normalize.choice("TEKUN", CATEGORIES) == "tekun"  # the stored values too
    assert normalize.choice("", {"": "none", "有": "yes"}) == "none"


def test_choice_errors_list_the_allowed_words() -> None:
    with pytest.raises(CellError) as caught:
        normalize.choice("孤儿", CATEGORIES)
    assert str(caught.value) == (
        "“孤儿” is not allowed here; write one of: 低保、低保户、特困供养、独居老人."
    )
    with pytest.raises(CellError) as caught:
        normalize.choice(None, CATEGORIES)
    assert (
        str(caught.value) == "This cell is empty; write one of: 低保、低保户、特困供养、独居老人."
    )
    many = {f"w{i}": str(i) for i in range(40)}
    with pytest.raises(CellError) as caught:
        normalize.choice("x", many)
    assert str(caught.value).endswith("w28、w29….")


# ---------------------------------------------------------------------------------------------
# CellError


def test_cell_error_is_a_value_error_translated_when_shown() -> None:
    with pytest.raises(ValueError) as caught:
        normalize.date("1949-02-30")
    error = caught.value
    assert isinstance(error, CellError)
    assert isinstance(error.message, Promise)  # lazy: translated when shown
    assert error.params["day"] == 30
    copy = pickle.loads(pickle.dumps(error))
    assert str(copy) == str(error)


def test_messages_are_shown_in_the_active_language() -> None:
    with pytest.raises(CellError) as caught:
        normalize.gender("x")
    assert str(caught.value) == "“x” is not a gender; write 男 or 女."
    source = "“%(value)s” is not a gender; write 男 or 女."
    with translation.override("zh-hans"):
        assert str(caught.value) == translation.gettext(source) % {"value": "x"}
