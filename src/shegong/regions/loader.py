"""Load division codes into Region: the data shipped in regions/data/, or a national villages file.

Loading is idempotent. Each file is read and validated in full, then compared with what the
database holds (code -> name, level, parent): new codes are inserted, rows whose name, level or
parent differ are updated, equal rows are left alone. Codes the database has but the file lacks
are kept (stations and people point at them). Everything runs in one transaction.

Two file formats are read, recognised by their header line, plain or gzip-compressed:
- ours, as shipped (scripts/build-division-data): ``code,level,parent,name``, 12-digit codes;
- china-division's ``villages.csv``: ``code,name,streetCode,provinceCode,cityCode,areaCode``.

A malformed file raises ValueError naming the file and line. Rows that are well formed but cannot
be placed (their parent is not loaded, or their code is a placeholder equal to the code of the
division above it) are skipped and reported in LoadResult.problems.
"""

from __future__ import annotations

import csv
import gzip
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TextIO

from django.db import transaction
from django.utils.translation import gettext as _

from shegong.core.scoping import CodeRange, Scope, format_code, level_of_code

from .models import Level, Region

DATA_DIR = Path(__file__).resolve().parent / "data"
DIVISIONS_FILE = DATA_DIR / "divisions.csv.gz"
BATCH_SIZE = 5000
UPDATE_BATCH_SIZE = 1000  # bulk_update builds one CASE per field; keep its statements modest
MAX_NAME_LENGTH = Region._meta.get_field("name").max_length or 100
MAX_PROBLEMS_SHOWN = 20

OUR_HEADER = ["code", "level", "parent", "name"]
CHINA_DIVISION_VILLAGES_HEADER = ["code", "name", "streetCode"]


class Writer(Protocol):
    def write(self, s: str, /) -> object: ...


@dataclass(frozen=True)
class LevelCounts:
    level: int
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    skipped: int = 0


@dataclass(frozen=True)
class LoadResult:
    """What one load did. `problems` has one line per skipped row, saying why."""

    added: int
    changed: int
    unchanged: int
    skipped: int
    by_level: tuple[LevelCounts, ...]
    problems: tuple[str, ...]

    def level(self, level: int) -> LevelCounts:
        return next((c for c in self.by_level if c.level == level), LevelCounts(level))


@dataclass(frozen=True)
class _Row:
    code: int
    level: int
    parent: int | None
    name: str
    where: str  # "file: line N", for reports


def load_shipped(
    *, provinces: Collection[str] | None = None, villages: bool = True, stdout: Writer | None = None
) -> LoadResult:
    """Load the shipped provinces … townships, and the shipped villages files, into Region.

    `provinces` limits the load to those 2-digit province codes (all when None); `villages=False`
    leaves out the villages-NN.csv.gz files.
    """
    wanted = _check_provinces(provinces) if provinces is not None else None
    rows = list(_read(DIVISIONS_FILE, provinces=wanted, levels=(1, 2, 3, 4)))
    if wanted is not None:
        missing = sorted(wanted - {format_code(r.code)[:2] for r in rows})
        if missing:
            raise ValueError(
                _("No shipped divisions for province %(codes)s.") % {"codes": ", ".join(missing)}
            )
    village_rows: list[_Row] = []
    if villages:
        for path in sorted(DATA_DIR.glob("villages-*.csv.gz")):
            prov = path.name.removeprefix("villages-").removesuffix(".csv.gz")
            if wanted is None or prov in wanted:
                village_rows.extend(_read(path, provinces={prov}, levels=(5,)))
    tally = _Tally()
    with transaction.atomic():
        scope = Scope.all() if wanted is None else Scope.of(_province_range(p) for p in wanted)
        _apply(rows, known=_existing(scope, max_level=4), tally=tally)
        if village_rows:
            _apply(village_rows, known=_existing(scope, max_level=5), tally=tally)
    return tally.result(stdout)


def load_villages_file(*, path: Path, province: str, stdout: Writer | None = None) -> LoadResult:
    """Load the villages of one province from a national villages file (.csv or .csv.gz).

    The province's townships must be loaded already; villages of a township that is not are
    skipped and reported.
    """
    (prov,) = _check_provinces([province])
    rows = list(_read(Path(path), provinces={prov}, levels=(5,)))
    tally = _Tally()
    with transaction.atomic():
        _apply(rows, known=_existing(Scope.of([_province_range(prov)]), max_level=5), tally=tally)
    return tally.result(stdout)


# --- Reading -----------------------------------------------------------------------------------


def _check_provinces(provinces: Collection[str]) -> set[str]:
    if isinstance(provinces, str):  # a bare "12" would otherwise iterate as "1", "2"
        provinces = [provinces]
    for prov in provinces:
        if not (isinstance(prov, str) and len(prov) == 2 and prov.isascii() and prov.isdigit()):
            raise ValueError(
                _("A province is given by its 2-digit code, such as 12, not %(value)r.")
                % {"value": prov}
            )
    return set(provinces)


def _province_range(prov: str) -> CodeRange:
    return CodeRange.subtree(int(prov) * 10**10, Level.PROVINCE)


def _open(path: Path) -> TextIO:
    """Text of a plain or gzip-compressed UTF-8 file (told apart by content, not by name)."""
    with path.open("rb") as fh:
        magic = fh.read(2)
    if magic == b"\x1f\x8b":
        return gzip.open(path, "rt", encoding="utf-8-sig", newline="")
    return path.open(encoding="utf-8-sig", newline="")


def _is_code(text: str, digits: int) -> bool:
    return len(text) == digits and text.isascii() and text.isdigit()


def _read(path: Path, *, provinces: set[str] | None, levels: tuple[int, ...]) -> Iterator[_Row]:
    """Validated rows of `path` whose code lies in `provinces` (all when None)."""
    lineno = 1
    try:
        with _open(path) as fh:
            reader = csv.reader(fh)
            header = [h.strip() for h in next(reader, [])]
            if header[:4] == OUR_HEADER:
                parse = _parse_ours
            elif header[:3] == CHINA_DIVISION_VILLAGES_HEADER:
                parse = _parse_china_division_village
            else:
                raise ValueError(
                    _("%(where)s: unknown header %(header)s; expected %(ours)s or %(theirs)s.")
                    % {
                        "where": f"{path.name}: line 1",
                        "header": ",".join(header) or "(empty)",
                        "ours": ",".join(OUR_HEADER),
                        "theirs": ",".join(CHINA_DIVISION_VILLAGES_HEADER) + ",…",
                    }
                )
            seen: dict[int, int] = {}
            for lineno, fields in enumerate(reader, start=2):
                if not fields:
                    continue
                if provinces is not None and fields[0].strip()[:2] not in provinces:
                    continue
                where = f"{path.name}: line {lineno}"
                row = parse(fields, where)
                if row.level not in levels:
                    raise ValueError(
                        _(
                            "%(where)s: a division of level %(level)d does not belong in this "
                            "file (expected level %(expected)s)."
                        )
                        % {
                            "where": where,
                            "level": row.level,
                            "expected": ", ".join(map(str, levels)),
                        }
                    )
                if row.code in seen:
                    raise ValueError(
                        _("%(where)s: code %(code)s appears twice (first on line %(first)d).")
                        % {"where": where, "code": format_code(row.code), "first": seen[row.code]}
                    )
                seen[row.code] = lineno
                yield row
    except (UnicodeDecodeError, EOFError, gzip.BadGzipFile, csv.Error) as exc:
        raise ValueError(
            _("%(where)s: cannot read the file: %(error)s")
            % {"where": f"{path.name}: line {lineno + 1}", "error": exc}
        ) from exc


def _bad(where: str, message: str) -> ValueError:
    return ValueError(f"{where}: {message}")


def _name(text: str, where: str) -> str:
    name = text.strip()
    if not name:
        raise _bad(where, _("the name is empty."))
    if len(name) > MAX_NAME_LENGTH:
        raise _bad(where, _("the name is longer than %(n)d characters.") % {"n": MAX_NAME_LENGTH})
    return name


def _parse_ours(fields: list[str], where: str) -> _Row:
    if len(fields) < 4:
        raise _bad(
            where,
            _("expected 4 columns (code,level,parent,name), found %(n)d.") % {"n": len(fields)},
        )
    code, level_text, parent_text = (f.strip() for f in fields[:3])
    if not _is_code(code, 12):
        raise _bad(where, _("code %(code)r is not 12 digits.") % {"code": code})
    if level_text not in {"1", "2", "3", "4", "5"}:
        raise _bad(where, _("level %(level)r is not 1 to 5.") % {"level": level_text})
    level = int(level_text)
    parent: int | None = None
    if level == Level.PROVINCE:
        if parent_text:
            raise _bad(where, _("a province has no parent."))
    elif not _is_code(parent_text, 12):
        raise _bad(where, _("parent %(code)r is not 12 digits.") % {"code": parent_text})
    else:
        parent = int(parent_text)
        parent_level = level_of_code(parent)
        if parent_level >= level or int(code) not in CodeRange.subtree(parent, parent_level):
            raise _bad(
                where,
                _("%(parent)s cannot be the parent of %(code)s.")
                % {"parent": parent_text, "code": code},
            )
    if level_of_code(int(code)) > level:
        raise _bad(
            where,
            _("code %(code)s is too long for level %(level)d.") % {"code": code, "level": level},
        )
    return _Row(int(code), level, parent, _name(fields[3], where), where)


def _parse_china_division_village(fields: list[str], where: str) -> _Row:
    if len(fields) < 3:
        raise _bad(
            where,
            _("expected at least 3 columns (code,name,streetCode), found %(n)d.")
            % {"n": len(fields)},
        )
    code, street = fields[0].strip(), fields[2].strip()
    if not _is_code(code, 12):
        raise _bad(where, _("code %(code)r is not 12 digits.") % {"code": code})
    if not _is_code(street, 9) or not code.startswith(street):
        raise _bad(
            where,
            _("streetCode %(street)r is not the first 9 digits of %(code)s.")
            % {"street": street, "code": code},
        )
    return _Row(int(code), Level.VILLAGE, int(street) * 1000, _name(fields[1], where), where)


# --- Writing -----------------------------------------------------------------------------------

Known = dict[int, tuple[str, int, int | None]]  # code -> (name, level, parent)


def _existing(scope: Scope, *, max_level: int) -> Known:
    rows = Region.objects.filter(scope.q("code"), level__lte=max_level).values_list(
        "code", "name", "level", "parent_id"
    )
    return {code: (name, level, parent) for code, name, level, parent in rows}


class _Tally:
    def __init__(self) -> None:
        self.counts: dict[int, dict[str, int]] = {}
        self.problems: list[str] = []

    def count(self, level: int, what: str) -> None:
        per = self.counts.setdefault(level, dict.fromkeys(_KINDS, 0))
        per[what] += 1

    def skip(self, row: _Row, why: str) -> None:
        self.count(row.level, "skipped")
        self.problems.append(f"{row.where}: {format_code(row.code)} {row.name}: {why}")

    def result(self, stdout: Writer | None) -> LoadResult:
        by_level = tuple(LevelCounts(lvl, **self.counts[lvl]) for lvl in sorted(self.counts))
        result = LoadResult(
            added=sum(c.added for c in by_level),
            changed=sum(c.changed for c in by_level),
            unchanged=sum(c.unchanged for c in by_level),
            skipped=sum(c.skipped for c in by_level),
            by_level=by_level,
            problems=tuple(self.problems),
        )
        if stdout is not None:
            _report(result, stdout)
        return result


_KINDS = ("added", "changed", "unchanged", "skipped")


def _apply(rows: list[_Row], *, known: Known, tally: _Tally) -> None:
    """Insert or update `rows` (parents first) against `known`, which it keeps current."""
    new: list[Region] = []
    changed: list[Region] = []
    for row in rows:
        if level_of_code(row.code) < row.level:
            # china-division fills an empty level with a row whose last segment is 000 or 00;
            # padded to 12 digits it is the code of the division above, which already exists.
            tally.skip(row, _("placeholder: the code of the division above it; skipped."))
            continue
        parent = known.get(row.parent) if row.parent is not None else None
        if row.parent is not None and (parent is None or parent[1] >= row.level):
            tally.skip(
                row,
                _("its parent %(parent)s is not loaded; skipped.")
                % {"parent": format_code(row.parent)},
            )
            continue
        value = (row.name, row.level, row.parent)
        old = known.get(row.code)
        known[row.code] = value
        obj = Region(code=row.code, name=row.name, level=row.level, parent_id=row.parent)
        if old is None:
            new.append(obj)
            tally.count(row.level, "added")
        elif old != value:
            changed.append(obj)
            tally.count(row.level, "changed")
        else:
            tally.count(row.level, "unchanged")
    Region.objects.bulk_create(new, batch_size=BATCH_SIZE)
    Region.objects.bulk_update(changed, ["name", "level", "parent"], batch_size=UPDATE_BATCH_SIZE)


def _level_label(level: int) -> str:
    return {
        Level.PROVINCE: _("provinces"),
        Level.CITY: _("cities"),
        Level.COUNTY: _("counties"),
        Level.TOWNSHIP: _("townships"),
        Level.VILLAGE: _("villages"),
    }[Level(level)]


def _line(label: str, counts: LevelCounts | LoadResult) -> str:
    text = _("%(label)s: added %(added)d, changed %(changed)d, unchanged %(unchanged)d") % {
        "label": label,
        "added": counts.added,
        "changed": counts.changed,
        "unchanged": counts.unchanged,
    }
    if counts.skipped:
        text += _(", skipped %(skipped)d") % {"skipped": counts.skipped}
    return text + "\n"


def _report(result: LoadResult, stdout: Writer) -> None:
    for counts in result.by_level:
        stdout.write(_line(_level_label(counts.level), counts))
    stdout.write(_line(_("total"), result))
    for problem in result.problems[:MAX_PROBLEMS_SHOWN]:
        stdout.write(f"  {problem}\n")
    if len(result.problems) > MAX_PROBLEMS_SHOWN:
        stdout.write(
            _("  … and %(n)d more skipped rows\n")
            % {"n": len(result.problems) - MAX_PROBLEMS_SHOWN}
        )
