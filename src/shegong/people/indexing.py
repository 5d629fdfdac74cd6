"""Search terms for a person: what workers type, turned into exact index keys.

Names: every character ("c:张") and every pair of adjacent characters ("b:张三"), so any part of
a Chinese name of one or more characters is an exact lookup (pg_trgm cannot index 2-character
Chinese fragments). Pinyin: the whole name ("p:zhangsan") and its initials ("i:zs"), with the
common readings of a polyphonic surname. ID numbers and phones: keyed blind indexes only — the
whole number, and the last 4–8 digits of an ID number; nothing readable is stored.
"""

from __future__ import annotations

import itertools
import re
from functools import lru_cache

from pypinyin import Style, pinyin

from shegong.core.crypto import blind_index, blind_tail_index

ID_TAILS = range(4, 9)
ID_PURPOSE = "id"
PHONE_PURPOSE = "phone"
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


@lru_cache(maxsize=50_000)
def char_readings(char: str) -> tuple[str, ...]:
    """Toneless readings of one character, the usual one first (cached: an import of 100,000
    names meets only a few thousand distinct characters)."""
    if not _HAN.match(char):
        return (char.lower(),)
    readings = pinyin(char, style=Style.NORMAL, heteronym=True)[0]
    return tuple(dict.fromkeys(r.lower() for r in readings if r)) or (char,)


def name_pinyin(name: str) -> str:
    """Sort key and display aid: '张三' → 'zhangsan' (letters and digits kept, spaces dropped)."""
    return "".join(char_readings(c)[0] for c in name.strip() if not c.isspace())


def pinyin_readings(name: str, *, limit: int = 4) -> list[tuple[str, str]]:
    """(full pinyin, initials) for the likely readings of a name: all readings of the first
    character (surnames such as 单 shan/dan, 曾 zeng/ceng), the usual reading of the rest."""
    name = "".join(c for c in name.strip() if not c.isspace())
    if not name:
        return []
    first = char_readings(name[0])[:limit]
    rest = [char_readings(c)[0] for c in name[1:]]
    out = []
    for head in first:
        syllables = [head, *rest]
        full = "".join(syllables).lower()
        initials = "".join(s[0] for s in syllables if s).lower()
        out.append((full, initials))
    return list(dict.fromkeys(out))


def name_terms(name: str) -> set[str]:
    chars = [c for c in name.strip() if not c.isspace()]
    terms = {f"c:{c}" for c in chars}
    terms |= {f"b:{a}{b}" for a, b in itertools.pairwise(chars)}
    for full, initials in pinyin_readings(name):
        terms.add(f"p:{full}")
        terms.add(f"i:{initials}")
    return terms


def id_terms(number: str) -> set[str]:
    if not number:
        return set()
    terms = {f"id:{blind_index(number, purpose=ID_PURPOSE)}"}
    terms |= {f"t{n}:{blind_tail_index(number, n, purpose=ID_PURPOSE)}" for n in ID_TAILS}
    return terms


def phone_terms(phone: str) -> set[str]:
    if not phone:
        return set()
    return {
        f"ph:{blind_index(phone, purpose=PHONE_PURPOSE)}",
        f"pt:{blind_tail_index(phone, 4, purpose=PHONE_PURPOSE)}",
    }


def person_terms(*, name: str, id_number: str, phone: str) -> set[str]:
    return name_terms(name) | id_terms(id_number) | phone_terms(phone)


def query_terms(raw: str) -> list[set[str]]:
    """Alternatives of term sets for a typed query: a person matches an alternative when it has
    every term of that set. Returns [] when the query is too short to search."""
    q = raw.strip().translate(_FULL_WIDTH).replace(" ", "")
    if not q:
        return []
    compact = q.upper()
    if re.fullmatch(r"\d{17}[\dX]|\d{15}", compact):
        from shegong.core.idnumber import InvalidIdNumber, parse

        try:
            number = parse(compact).number
        except InvalidIdNumber:
            number = compact
        return [{f"id:{blind_index(number, purpose=ID_PURPOSE)}"}]
    # An ID tail: 4 or more characters, the last possibly the check character X ("123X").
    if re.fullmatch(r"\d{4,17}|\d{3,16}X", compact):
        alternatives = []
        n = min(len(compact), max(ID_TAILS))
        alternatives.append({f"t{n}:{blind_tail_index(compact[-n:], n, purpose=ID_PURPOSE)}"})
        digits = compact if compact.isdigit() else ""  # phones have no X
        if len(digits) == 11:
            alternatives.append({f"ph:{blind_index(digits, purpose=PHONE_PURPOSE)}"})
        if len(digits) == 4:
            alternatives.append({f"pt:{blind_tail_index(digits, 4, purpose=PHONE_PURPOSE)}"})
        return alternatives
    if re.fullmatch(r"[A-Za-z]+", q):
        low = q.lower()
        return [{f"p:{low}"}, {f"i:{low}"}]
    chars = [c for c in q if _HAN.match(c) or c.isalnum()]
    if not chars:
        return []
    if len(chars) == 1:
        return [{f"c:{chars[0]}"}]
    return [{f"b:{a}{b}" for a, b in itertools.pairwise(chars)}]


def needs_tail_check(raw: str) -> str | None:
    """For a 9–17 digit query the index matched only the last 8 digits: the caller confirms
    candidates against the decrypted number. Returns the digits to confirm, or None."""
    compact = raw.strip().translate(_FULL_WIDTH).replace(" ", "").upper()
    if re.fullmatch(r"\d{9,17}|\d{8,16}X", compact) and len(compact) not in (15, 18):
        return compact
    return None


_FULL_WIDTH = str.maketrans(
    {chr(c): chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)} | {"\u3000": " "}
)
