"""The Chinese catalogue: complete, compiled, in step with the source, and used by the pages.

Chinese (zh-hans) is the default language; English is the source language of every string.
When a test here fails after you changed strings, run `make messages`, translate the new or
changed entries in src/shegong/locale/zh_Hans/LC_MESSAGES/django.po (no empty msgstr, no
"#, fuzzy"), and run `make messages` again so the committed .mo matches.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "shegong"
PO = PACKAGE / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
FIX = f"run `make messages` and translate the new entries in {PO.relative_to(PACKAGE.parents[1])}"


# --- a minimal .po reader (polib is not a dependency) --------------------------------------------
@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    locations: list[str] = field(default_factory=list)
    line: int = 0

    @property
    def key(self) -> tuple[str | None, str, str | None]:
        return (self.msgctxt, self.msgid, self.msgid_plural)

    @property
    def is_header(self) -> bool:
        return self.msgid == "" and self.msgctxt is None


KEYWORD = re.compile(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(\".*\")\s*$")


def read_po(path: Path) -> list[Entry]:
    """Entries of a .po file, header included, obsolete (#~) entries left out."""
    entries: list[Entry] = []
    entry = Entry()
    target: tuple[str, int | None] | None = None

    def flush() -> None:
        nonlocal entry, target
        if target is not None:
            entries.append(entry)
        entry, target = Entry(), None

    for n, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            flush()
            continue
        if line.startswith("#~"):
            continue
        if line.startswith("#,"):
            entry.flags |= {f.strip() for f in line[2:].split(",") if f.strip()}
        elif line.startswith("#:"):
            entry.locations += line[2:].split()
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            assert target is not None, f"{path}:{n}: continuation line outside an entry"
            append(entry, target, ast.literal_eval(line))
        else:
            match = KEYWORD.match(line)
            assert match, f"{path}:{n}: cannot parse {raw!r}"
            keyword, index, text = match.groups()
            if target is not None and keyword in {"msgctxt", "msgid"} and target[0] != "msgctxt":
                flush()  # an entry without a blank line before it
            if not entry.line:
                entry.line = n
            target = (keyword.split("[")[0], int(index) if index else None)
            if target[0] == "msgstr" and target[1] is None:
                target = ("msgstr", 0)
            set_field(entry, target, ast.literal_eval(text))
    flush()
    return entries


def set_field(entry: Entry, target: tuple[str, int | None], text: str) -> None:
    name, index = target
    if name == "msgstr":
        entry.msgstr[index or 0] = text
    else:
        setattr(entry, name, text)


def append(entry: Entry, target: tuple[str, int | None], text: str) -> None:
    name, index = target
    if name == "msgstr":
        entry.msgstr[index or 0] += text
    else:
        setattr(entry, name, (getattr(entry, name) or "") + text)


def header_fields(entries: list[Entry]) -> dict[str, str]:
    header = next(e for e in entries if e.is_header)
    pairs = (line.split(":", 1) for line in header.msgstr[0].splitlines() if ":" in line)
    return {k.strip(): v.strip() for k, v in pairs}


# %(name)s, %(n)d, %s, %5.1f … (not %%); {{ name }} and {name} in case one is not python-format.
PERCENT = re.compile(r"%(?:\((\w+)\))?[#0\- +]*(?:\d+|\*)?(?:\.\d+)?([diouxXeEfFgGcrsa%])")
BRACES = re.compile(r"\{\{\s*(\w+)\s*\}\}|\{(\w*)\}")


def placeholders(text: str) -> Counter[str]:
    found: Counter[str] = Counter()
    for name, conversion in PERCENT.findall(text):
        if conversion != "%":
            found[f"%({name}){conversion}" if name else f"%{conversion}"] += 1
    for double, single in BRACES.findall(text):
        found["{{" + double + "}}" if double else "{" + single + "}"] += 1
    return found


@pytest.fixture(scope="module")
def entries() -> list[Entry]:
    assert PO.exists(), f"no catalogue at {PO}: {FIX}"
    return read_po(PO)


@pytest.fixture(scope="module")
def messages(entries: list[Entry]) -> list[Entry]:
    return [e for e in entries if not e.is_header]


def where(e: Entry) -> str:
    return f"django.po:{e.line} {e.msgid!r}"


# --- the catalogue --------------------------------------------------------------------------------
def test_the_header_declares_chinese_with_one_plural_form(entries: list[Entry]) -> None:
    header = next(e for e in entries if e.is_header)
    assert "fuzzy" not in header.flags, "a fuzzy header is dropped by msgfmt: remove '#, fuzzy'"
    fields = header_fields(entries)
    assert fields["Plural-Forms"] == "nplurals=1; plural=0;"
    assert fields["Content-Type"] == "text/plain; charset=UTF-8"
    assert fields["Language"] == "zh_Hans"


def test_every_message_is_translated_and_none_is_fuzzy(messages: list[Entry]) -> None:
    assert len(messages) > 100
    untranslated = [
        where(e) for e in messages if not e.msgstr or any(not s.strip() for s in e.msgstr.values())
    ]
    fuzzy = [where(e) for e in messages if "fuzzy" in e.flags]
    assert not untranslated, f"untranslated ({FIX}): {untranslated}"
    assert not fuzzy, f"fuzzy entries are not used by gettext; check and unmark them: {fuzzy}"


def test_plural_entries_have_exactly_one_form(messages: list[Entry]) -> None:
    wrong = [where(e) for e in messages if e.msgid_plural is not None and set(e.msgstr) != {0}]
    assert not wrong, f"zh has nplurals=1: give msgstr[0] only: {wrong}"


def test_placeholders_survive_translation(messages: list[Entry]) -> None:
    wrong = []
    for e in messages:
        # A Chinese form serves every count, so it carries the placeholders of the plural.
        expected = placeholders(e.msgid_plural if e.msgid_plural is not None else e.msgid)
        for index, text in e.msgstr.items():
            got = placeholders(text)
            if got != expected:
                wrong.append(f"{where(e)}[{index}]: expected {dict(expected)}, got {dict(got)}")
    assert not wrong, "\n".join(wrong)


def test_leading_and_trailing_newlines_match(messages: list[Entry]) -> None:
    wrong = [
        where(e)
        for e in messages
        for text in e.msgstr.values()
        if (text.startswith("\n"), text.endswith("\n"))
        != (e.msgid.startswith("\n"), e.msgid.endswith("\n"))
    ]
    assert not wrong, wrong


def test_the_catalogue_is_read_from_the_package_only(messages: list[Entry]) -> None:
    outside = sorted(
        {
            loc
            for e in messages
            for loc in e.locations
            if loc.startswith(("..", "/", ".venv")) or "site-packages" in loc
        }
    )
    assert not outside, f"makemessages must run in src/shegong ({FIX}): {outside[:10]}"


def test_msgfmt_accepts_the_catalogue() -> None:
    if not shutil.which("msgfmt"):
        pytest.skip("gettext's msgfmt is not installed")
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", os.devnull, str(PO)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "untranslated" not in result.stderr and "fuzzy" not in result.stderr, result.stderr


def test_the_catalogue_is_in_step_with_the_source(messages: list[Entry], tmp_path: Path) -> None:
    """makemessages over a copy of today's source finds exactly the messages the .po holds."""
    if not shutil.which("xgettext"):
        pytest.skip("gettext's xgettext is not installed")
    copy = tmp_path / "shegong"
    for path in PACKAGE.rglob("*"):
        if path.suffix in {".py", ".html", ".txt"} and "__pycache__" not in path.parts:
            target = copy / path.relative_to(PACKAGE)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
    (copy / "locale").mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run(
        [sys.executable, "-m", "django", "makemessages", "-l", "zh_Hans", "--no-obsolete"],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    fresh = copy / PO.relative_to(PACKAGE)
    assert fresh.exists(), "makemessages found no strings in the copy"
    source = {e.key for e in read_po(fresh) if not e.is_header}
    catalogue = {e.key for e in messages}
    assert source - catalogue == set(), f"strings missing from the catalogue: {FIX}"
    assert catalogue - source == set(), f"strings no longer in the source: {FIX}"


# --- the compiled catalogue -----------------------------------------------------------------------
def test_the_compiled_catalogue_matches_the_po(messages: list[Entry]) -> None:
    """Every translation in the .po is what gettext returns: the committed .mo is current."""
    assert MO.exists(), f"no compiled catalogue at {MO}: {FIX}"
    stale = []
    with translation.override("zh-hans"):
        for e in messages:
            if e.msgid_plural is not None:
                for n in (1, 2, 5):
                    got = (
                        translation.npgettext(e.msgctxt, e.msgid, e.msgid_plural, n)
                        if e.msgctxt is not None
                        else translation.ngettext(e.msgid, e.msgid_plural, n)
                    )
                    if got != e.msgstr[0]:
                        stale.append(f"{where(e)} n={n}: {got!r}")
            else:
                got = (
                    translation.pgettext(e.msgctxt, e.msgid)
                    if e.msgctxt is not None
                    else translation.gettext(e.msgid)
                )
                if got != e.msgstr[0]:
                    stale.append(f"{where(e)}: {got!r}")
    assert not stale, f"django.mo is out of date; run `make messages`: {stale[:20]}"


def test_key_messages_read_as_the_offices_expect() -> None:
    with translation.override("zh-hans"):
        assert "区划代码" in translation.gettext(
            "A division code has 12 digits, e.g. 120113001000."
        )
        locked = translation.gettext(
            "Too many failed attempts. This account or address is locked for %(minutes)d minutes."
        )
        assert locked.startswith("登录失败次数过多")
        assert (locked % {"minutes": 15}).count("15") == 1
        assert translation.gettext("Log out") == "退出登录"
        assert translation.gettext("resident social worker") == "驻站社工"
    with translation.override("en"):
        assert translation.gettext("Log out") == "Log out"


# --- the pages ------------------------------------------------------------------------------------
CJK = re.compile(r"[\u4e00-\u9fff]")


def translated(messages: list[Entry], msgid: str) -> str:
    return next(e.msgstr[0] for e in messages if e.msgid == msgid and e.msgctxt is None)


def as_pattern(msgstr: str) -> re.Pattern[str]:
    """A regex matching a translation with its %(x)s placeholders filled by numbers."""
    parts = PERCENT.split(msgstr)
    # PERCENT has two groups, so split() yields text, name, conversion, text, …
    return re.compile(r"\d+".join(re.escape(text) for text in parts[::3]))


@pytest.mark.django_db
def test_pages_are_chinese_by_default(login: Any, messages: list[Entry]) -> None:
    stations = translated(messages, "Stations")
    assert CJK.search(stations)
    response = login("district_admin").get("/stations/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-hans">' in html
    assert f">{stations}</a>" in html  # the navigation link
    assert ">Stations</a>" not in html
    assert f">{translated(messages, 'Log out')}</button>" in html


@pytest.mark.django_db
def test_switching_to_english(login: Any, messages: list[Entry]) -> None:
    client = login("district_admin")
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/stations/"})
    assert response.status_code == 302
    assert response["Location"] == "/stations/"
    html = client.get("/stations/").content.decode()
    assert '<html lang="en">' in html
    assert ">Stations</a>" in html
    assert ">Log out</button>" in html
    assert f">{translated(messages, 'Stations')}</a>" not in html
    assert re.search(r"\d+ resident, \d+ certified", html)
    # and back again
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/stations/"})
    assert '<html lang="zh-hans">' in client.get("/stations/").content.decode()


@pytest.mark.django_db
def test_blocktranslate_with_values_renders_in_chinese(login: Any, messages: list[Entry]) -> None:
    """The station list's staffing line ({% blocktranslate %} with two numbers)."""
    zh = translated(messages, "%(r)s resident, %(c)s certified")
    html = login("district_admin").get("/stations/").content.decode()
    assert as_pattern(zh).search(html), zh
    assert not re.search(r"\d+ resident, \d+ certified", html)


def test_translation_functions_are_imported_under_names_makemessages_knows() -> None:
    """makemessages finds strings only in calls of `_`, `gettext`, `gettext_lazy`, `pgettext` …
    by those names: a string marked with an alias (`gettext_lazy as _lazy`) is never extracted
    and stays English."""
    known = {"_", "gettext", "gettext_lazy", "gettext_noop", "ngettext", "ngettext_lazy",
             "pgettext", "pgettext_lazy", "npgettext", "npgettext_lazy"}  # fmt: skip
    aliased = []
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation":
                for name in node.names:
                    if name.asname and name.asname not in known and "gettext" in name.name:
                        aliased.append(f"{path.relative_to(PACKAGE)}: {name.name} as {name.asname}")
    assert aliased == []
