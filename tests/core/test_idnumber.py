"""ID numbers (GB 11643-1999): known examples, every error code, and properties of MOD 11-2.

Hand check of the standard's example 11010519491231002X (weights 2**(18-i) mod 11):

    digit   1  1  0  1  0  5  1  9  4  9  1  2  3  1  0  0  2
    weight  7  9 10  5  8  4  2  1  6  3  7  9 10  5  8  4  2
    product 7  9  0  5  0 20  2  9 24 27  7 18 30  5  0  0  4   sum 167

167 mod 11 = 2, and "10X98765432"[2] = "X". Born 1949-12-31; sequence 002 is even: female.
"""

from __future__ import annotations

import ast
import datetime as dt
import inspect

import pytest
from django.utils import translation
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from shegong.core import idnumber
from shegong.core.idnumber import (
    PROVINCES,
    WEIGHTS,
    Gender,
    IdNumber,
    InvalidIdNumber,
    check_char,
    is_valid,
    make,
    mask,
    normalize,
    parse,
    tail,
)

pytestmark = pytest.mark.dbless

TODAY = dt.date(2025, 6, 15)
OLDEST_ALLOWED = dt.date(1894, 6, 16)  # aged exactly 130 on TODAY
EXAMPLE = "11010519491231002X"
MANY = settings(max_examples=10_000, deadline=None)


def with_check(first17: str) -> str:
    return first17 + check_char(first17)


def error_of(raw: str, today: dt.date = TODAY) -> InvalidIdNumber:
    with pytest.raises(InvalidIdNumber) as info:
        parse(raw, today=today)
    return info.value


# ---------------------------------------------------------------------------------------------
# Known examples


def test_the_standards_example_is_valid_and_says_who() -> None:
    assert check_char(EXAMPLE[:17]) == "X"
    got = parse(EXAMPLE, today=TODAY)
    assert got == IdNumber(
        number=EXAMPLE,
        birth_date=dt.date(1949, 12, 31),
        gender="F",
        region_prefix="110105",
        converted_from_15=False,
    )
    assert got.age_on(TODAY) == 75
    assert parse(EXAMPLE).number == EXAMPLE  # today defaults to the local date


@pytest.mark.parametrize(
    ("number", "born", "gender"),
    [
        ("34052419800101001X", dt.date(1980, 1, 1), "M"),
        ("360426199101010071", dt.date(1991, 1, 1), "M"),
    ],
)
def test_other_published_examples(number: str, born: dt.date, gender: str) -> None:
    got = parse(number, today=TODAY)
    assert (got.birth_date, got.gender) == (born, gender)


@pytest.mark.parametrize(
    "typed",
    [
        "11010519491231002x",
        "１１０１０５１９４９１２３１００２Ｘ",
        "１１０１０５１９４９１２３１００２ｘ",
        "110105 19491231 002X",
        "110105\u00a019491231\u00a0002X",
        "110105-19491231-002X",
        "110105\u300019491231\u3000002x",
        "'11010519491231002X",
        " '11010519491231002X\t",
        '"11010519491231002X"',
        "\u201c11010519491231002X\u201d",
        "\ufeff11010519491231002X",
    ],
)
def test_typing_noise_is_undone(typed: str) -> None:
    assert normalize(typed) == EXAMPLE
    assert parse(typed, today=TODAY).number == EXAMPLE


def test_first_generation_number_is_converted() -> None:
    got = parse("110105491231002", today=TODAY)
    assert got.number == EXAMPLE
    assert got.converted_from_15
    assert (got.birth_date, got.gender) == (dt.date(1949, 12, 31), "F")


def test_age_counts_completed_years_and_leap_birthdays() -> None:
    leap = parse(make("120113", dt.date(2000, 2, 29), 3, "M"), today=TODAY)
    assert leap.gender == "M"
    assert leap.age_on(dt.date(2018, 2, 28)) == 17
    assert leap.age_on(dt.date(2018, 3, 1)) == 18
    assert leap.age_on(dt.date(2020, 2, 29)) == 20


# ---------------------------------------------------------------------------------------------
# Every error code


@pytest.mark.parametrize(
    ("raw", "code", "position"),
    [
        ("1101051949123100", "format", None),  # 16 characters
        ("", "format", None),
        ("11010519491231002A", "format", 18),
        ("1101051949123100X2", "format", 17),  # X only as the check character
        ("11010549123100X", "format", 15),  # 15-digit numbers have no check character
        ("1101O519491231002X", "format", 5),  # letter O typed for zero
        ("11010519491231002X0", "format", None),
        (with_check("99010519491231002"), "province", 1),
        (with_check("16010519491231002"), "province", 1),
        (with_check("11010519490230002"), "birth_date", 7),  # 30 February
        (with_check("11010519491301002"), "birth_date", 7),  # month 13
        ("110105491301002", "birth_date", 7),
        (make("110105", TODAY + dt.timedelta(days=1), 1, "F"), "future", 7),
        ("440524188001010014", "too_old", 7),  # checksum-valid, born 1880
        (make("110105", OLDEST_ALLOWED - dt.timedelta(days=1), 1, "F"), "too_old", 7),
        ("110105194912310021", "checksum", 18),
        ("11010519491231003X", "checksum", 18),
    ],
)
def test_each_error_code(raw: str, code: str, position: int | None) -> None:
    err = error_of(raw)
    assert (err.code, err.position) == (code, position)
    assert not is_valid(raw, today=TODAY)


def test_age_limit_boundaries() -> None:
    assert parse(make("110105", OLDEST_ALLOWED, 0, "F"), today=TODAY).age_on(TODAY) == 130
    assert parse(make("110105", TODAY, 0, "F"), today=TODAY).age_on(TODAY) == 0
    # Before 1890 is too old even where 130 years would allow it.
    then = dt.date(2010, 1, 1)
    assert is_valid(make("110105", dt.date(1890, 1, 1), 0, "M"), today=then)
    assert error_of(make("110105", dt.date(1889, 12, 31), 0, "M"), then).code == "too_old"


@pytest.mark.parametrize(
    "raw",
    [
        "11010519491231003X",
        "１１０１０５１９４９１２３１００３Ｘ",
        with_check("99010519491231002"),
        "11010519491331002X",
        "110105491331002",
        "11010519491231002A",
        "110105194912310020000",
        make("110105", TODAY + dt.timedelta(days=1), 1, "F"),
    ],
)
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_error_never_shows_the_number(raw: str, language: str) -> None:
    err = error_of(raw)
    digits = normalize(raw)
    with translation.override(language):
        shown = [str(err), repr(err), str(err.message), *map(str, err.args)]
    for text in shown:
        assert raw not in text
        assert digits[:14] not in text
        assert digits[-8:] not in text


def test_the_message_is_english_at_source_and_lazy() -> None:
    err = error_of("110105194912310021")
    with translation.override("en"):
        assert str(err) == "The check digit is wrong: this ID number has a typo."
    err = error_of("123")
    with translation.override("en"):
        assert str(err.message).endswith("this one has 3.")


def test_repr_of_a_parsed_number_is_masked() -> None:
    got = parse(EXAMPLE, today=TODAY)
    assert repr(got) == str(got) == "<IdNumber 110105********002X>"


# ---------------------------------------------------------------------------------------------
# Helpers: mask, tail, check_char, make


def test_mask_and_tail() -> None:
    assert mask(EXAMPLE) == "110105********002X"
    assert mask(" 11010519491231002x") == "110105********002X"
    assert mask("110105491231002") == "110**********02"
    assert mask("1234") == "1***"
    assert mask("12") == "**"
    assert mask("") == ""
    assert tail(" 11010519491231002x") == "002X"
    assert tail(EXAMPLE, 6) == "31002X"
    assert tail("12", 4) == "12"
    with pytest.raises(ValueError):
        tail(EXAMPLE, 0)


@pytest.mark.parametrize(
    "bad", ["", "1101051949123100", "1101051949123100A", "１１０１０５１９４９１２３１００２"]
)
def test_check_char_wants_17_ascii_digits(bad: str) -> None:
    with pytest.raises(ValueError):
        check_char(bad)


@pytest.mark.parametrize(
    ("prefix", "sequence", "gender"),
    [("11010", 1, "M"), ("990105", 1, "M"), ("11010a", 1, "M"), ("110105", 500, "F"),
     ("110105", -1, "F"), ("110105", 1, "X")],
)  # fmt: skip
def test_make_rejects_bad_arguments(prefix: str, sequence: int, gender: str) -> None:
    with pytest.raises(ValueError):
        make(prefix, dt.date(1980, 1, 1), sequence, gender)


def test_make_reproduces_the_example_and_encodes_gender_in_the_sequence() -> None:
    assert make("110105", dt.date(1949, 12, 31), 1, "F") == EXAMPLE
    assert make("110105", dt.date(1949, 12, 31), 1, "M")[14:17] == "003"


def test_core_module_imports_no_domain_app() -> None:
    tree = ast.parse(inspect.getsource(idnumber))
    modules = [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)] + [
        a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names
    ]
    assert not [m for m in modules if m.startswith("shegong")]


# ---------------------------------------------------------------------------------------------
# What MOD 11-2 guarantees, verified over the whole alphabet before the properties rely on it.

EXTENDED_WEIGHTS = (*WEIGHTS, 1)  # the check character counts with weight 1: sum ≡ 1 (mod 11)


def test_weights_are_powers_of_two_mod_11() -> None:
    assert tuple(pow(2, 17 - i, 11) for i in range(18)) == EXTENDED_WEIGHTS


def test_mod_11_2_detects_every_single_substitution_algebraically() -> None:
    # Changing digit i by d changes the sum by W_i * d; 11 is prime and 0 < W_i, |d| < 11.
    assert all(w * d % 11 for w in EXTENDED_WEIGHTS for d in range(-10, 11) if d)


def test_mod_11_2_detects_every_adjacent_transposition_algebraically() -> None:
    # Swapping a, b at i, i+1 changes the sum by (a - b)(W_i - W_{i+1}): adjacent weights
    # always differ mod 11, including the 17th digit and a digit check character.
    for i in range(17):
        for a in range(10):
            for b in range(10):
                if a != b:
                    assert (a - b) * (EXTENDED_WEIGHTS[i] - EXTENDED_WEIGHTS[i + 1]) % 11


# ---------------------------------------------------------------------------------------------
# Properties (hypothesis, 10,000 examples each)
#
# Each example is drawn as one or two wide integers and decoded in the test: hypothesis costs
# about 0.3 ms per draw and per mapped strategy here, so composite strategies would triple the
# run time of 10,000 examples. Integers still shrink (towards province 11, prefix 0000, the
# earliest date, sequence code 000, no noise).

PROVINCE_LIST = sorted(PROVINCES)
MODERN = (OLDEST_ALLOWED, TODAY)
FIRST_GENERATION = (dt.date(1900, 1, 1), dt.date(1999, 12, 31))


def size(span: tuple[dt.date, dt.date]) -> int:
    days = span[1].toordinal() - span[0].toordinal() + 1
    return len(PROVINCE_LIST) * 10_000 * days * 1000


def person(k: int, span: tuple[dt.date, dt.date] = MODERN) -> tuple[str, dt.date, int]:
    """Decode 0 <= k < size(span) into (region prefix, birth date in span, 3-digit code)."""
    k, code = divmod(k, 1000)
    k, day = divmod(k, span[1].toordinal() - span[0].toordinal() + 1)
    province, county = divmod(k, 10_000)
    born = dt.date.fromordinal(span[0].toordinal() + day)
    return f"{PROVINCE_LIST[province]}{county:04d}", born, code


def number_from(k: int) -> str:
    prefix, born, code = person(k)
    return make(prefix, born, code // 2, "M" if code % 2 else "F")


people = st.integers(0, size(MODERN) - 1)


@MANY
@given(people)
def test_made_numbers_parse_back(k: int) -> None:
    prefix, born, code = person(k)
    gender: Gender = "M" if code % 2 else "F"
    got = parse(make(prefix, born, code // 2, gender), today=TODAY)
    assert (got.region_prefix, got.birth_date, got.gender) == (prefix, born, gender)
    assert int(got.number[14:17]) == code


# 17 digit positions x 9 other digits, then the check position x 10 other characters.
SUBSTITUTIONS = 17 * 9 + 10


@MANY
@given(st.integers(0, size(MODERN) * SUBSTITUTIONS - 1))
def test_every_single_substitution_is_detected(k: int) -> None:
    k, change = divmod(k, SUBSTITUTIONS)
    number = number_from(k)
    pos, offset = divmod(change, 9) if change < 17 * 9 else (17, change - 17 * 9)
    alphabet = "0123456789X" if pos == 17 else "0123456789"
    new = alphabet[(alphabet.index(number[pos]) + offset + 1) % len(alphabet)]
    changed = number[:pos] + new + number[pos + 1 :]
    assert changed != number
    assert check_char(changed[:17]) != changed[17]  # the checksum alone catches it
    assert not is_valid(changed, today=TODAY)


@MANY
@given(st.integers(0, size(MODERN) * 17 - 1))
def test_every_adjacent_transposition_is_detected(k: int) -> None:
    k, pos = divmod(k, 17)
    number = number_from(k)
    a, b = number[pos], number[pos + 1]
    assume(a != b and b != "X")  # positions 17/18 count when the check character is a digit
    swapped = number[:pos] + b + a + number[pos + 2 :]
    assert check_char(swapped[:17]) != swapped[17]
    assert not is_valid(swapped, today=TODAY)


FULL_WIDTH = {c: chr(ord(c) + 0xFEE0) for c in "0123456789X"}
SEPARATORS = (" ", "\u00a0", "-", "\u3000", "\t", "\u2013", "\u200b", "－", "  ")
WRAPPERS = ("", " ", "'", " '", '"', "\u3000", "\ufeff", "\u2018", "\n", "' ")
NOISE = 2**36 * len(SEPARATORS) * len(WRAPPERS) ** 2


def add_noise(number: str, noise: int) -> str:
    """Type `number` as people do, decoding 0 <= noise < NOISE: bit i makes character i
    full-width, bit 18 writes x for X, bit 19 + i puts a separator after character i, and the
    rest picks the separator and the wrapping (quotes, spaces, BOM)."""
    bits, rest = noise % 2**36, noise // 2**36
    rest, sep = divmod(rest, len(SEPARATORS))
    left, right = divmod(rest, len(WRAPPERS))
    chars = []
    for i, c in enumerate(number):
        if bits >> i & 1:
            c = FULL_WIDTH[c]
        if bits >> 18 & 1:
            c = {"X": "x", FULL_WIDTH["X"]: "ｘ"}.get(c, c)
        chars.append(c + (SEPARATORS[sep] if bits >> (19 + i) & 1 else ""))
    return WRAPPERS[left] + "".join(chars) + WRAPPERS[right]


@MANY
@given(people, st.integers(0, NOISE - 1))
def test_noise_does_not_change_the_result(k: int, noise: int) -> None:
    number = number_from(k)
    typed = add_noise(number, noise)
    assert normalize(typed) == number
    assert normalize(normalize(typed)) == normalize(typed)
    assert parse(typed, today=TODAY) == parse(normalize(typed), today=TODAY)
    assert parse(typed, today=TODAY).number == number


def outcome(raw: str) -> IdNumber | tuple[str, int | None]:
    try:
        return parse(raw, today=TODAY)
    except InvalidIdNumber as err:
        return (err.code, err.position)


NOISE_CHARS = "0123456789Xx'\" -\u00a0\u3000\ufeff\u2019０１９Ｘｘ－＇"
NOISY_TEXT = st.text(alphabet=st.sampled_from(NOISE_CHARS) | st.characters(), max_size=24)


@MANY
@given(NOISY_TEXT)
def test_normalize_is_idempotent_and_parse_sees_only_its_result(raw: str) -> None:
    once = normalize(raw)
    assert normalize(once) == once
    assert len(once) <= len(raw)
    assert outcome(once) == outcome(raw)


@MANY
@given(st.integers(0, size(FIRST_GENERATION) - 1))
def test_first_generation_numbers_convert_back_exactly(k: int) -> None:
    prefix, born, code = person(k, FIRST_GENERATION)
    gender: Gender = "M" if code % 2 else "F"
    number = make(prefix, born, code // 2, gender)
    fifteen = number[:6] + number[8:17]
    got = parse(fifteen, today=TODAY)
    assert got == IdNumber(number, born, gender, prefix, converted_from_15=True)


@MANY
@given(people, NOISY_TEXT)
def test_mask_shows_at_most_10_characters(k: int, text: str) -> None:
    number = number_from(k)
    assert mask(number) == number[:6] + "*" * 8 + number[-4:]
    for raw in (number, add_noise(number, k % NOISE), text):
        shown, s = mask(raw), normalize(raw)
        assert len(shown) == len(s)
        revealed = [i for i, c in enumerate(shown) if c != "*"]
        assert len(revealed) <= 10
        assert all(shown[i] == s[i] for i in revealed)
        if len(s) == 18:
            assert shown == s[:6] + "*" * 8 + s[-4:]
