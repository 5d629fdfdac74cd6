"""Importing ledgers (台账) of persons: map columns, check every row, then commit all or nothing.

One importer serves the web page, the background worker and `shegong people import`. Checking
never writes. Committing is one transaction: an import killed midway leaves nothing behind, and
a file imported twice creates nobody twice (rows already registered are skipped).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shegong.core import audit, normalize
from shegong.core.bulk import insert_instances, insert_rows
from shegong.core.crypto import blind_index
from shegong.core.excel import Table, header_key
from shegong.core.idnumber import InvalidIdNumber, mask, parse
from shegong.core.models import scope_of
from shegong.core.perms import PERSON_IMPORT
from shegong.core.scoping import Scope
from shegong.regions.models import Level, Region, Station

from . import indexing
from .categories import ALIASES
from .models import (
    Category,
    CategoryMembership,
    LivingSituation,
    MembershipSource,
    Person,
    Residence,
    SearchTerm,
)
from .services import mask_phone


@dataclass(frozen=True)
class ImportField:
    key: str
    label: Promise | str
    aliases: tuple[str, ...]
    required: bool = False


FIELDS: tuple[ImportField, ...] = (
    ImportField("name", gettext_lazy("Full name"), ("姓名", "名字", "服务对象", "对象姓名"), True),
    ImportField(
        "id_number",
        gettext_lazy("ID number"),
        ("公民身份号码", "身份证号", "身份证号码", "证件号码", "身份证"),
    ),
    ImportField("gender", gettext_lazy("Gender"), ("性别",)),
    ImportField("birth_date", gettext_lazy("Birth date"), ("出生日期", "出生年月", "生日")),
    ImportField("ethnicity", gettext_lazy("Ethnicity"), ("民族",)),
    ImportField("phone", gettext_lazy("Phone"), ("联系电话", "电话", "手机", "手机号", "联系方式")),
    ImportField(
        "region",
        gettext_lazy("Village or community"),
        (
            "所属社区",
            "社区",
            "村",
            "村（社区）",
            "村(社区)",
            "村居",
            "居委会",
            "所在社区",
            "区划代码",
            "社区名称",
        ),
    ),
    ImportField(
        "residence_address",
        gettext_lazy("Residence address"),
        ("居住地址", "现住址", "家庭住址", "住址", "地址", "现居住地址"),
    ),
    ImportField(
        "hukou_address",
        gettext_lazy("Household registration address"),
        ("户籍地址", "户籍所在地", "户籍地"),
    ),
    ImportField(
        "living_situation", gettext_lazy("Living situation"), ("居住状况", "居住情况", "居住方式")
    ),
    ImportField(
        "categories",
        gettext_lazy("Categories"),
        ("类别", "人员类别", "对象类别", "困难类型", "救助类型", "人员类型", "分类"),
    ),
    ImportField("note", gettext_lazy("Note"), ("备注", "说明")),
)
FIELD_BY_KEY = {f.key: f for f in FIELDS}
HEADER_HINT = [a for f in FIELDS for a in f.aliases]

LIVING_WORDS = (
    {
        "独居": LivingSituation.ALONE,
        "空巢": LivingSituation.EMPTY_NEST,
        "与子女同住": LivingSituation.WITH_CHILDREN,
        "与子女共同生活": LivingSituation.WITH_CHILDREN,
        "与亲属同住": LivingSituation.WITH_RELATIVES,
        "与其他亲属同住": LivingSituation.WITH_RELATIVES,
        "与监护人同住": LivingSituation.WITH_GUARDIAN,
        "机构供养": LivingSituation.INSTITUTION,
        "集中供养": LivingSituation.INSTITUTION,
        "养老机构": LivingSituation.INSTITUTION,
        "其他": LivingSituation.OTHER,
    }
    | {str(v.label): v.value for v in LivingSituation}
    | {v.value: v.value for v in LivingSituation}
)


@dataclass(frozen=True)
class Problem:
    row: int  # spreadsheet row number, 1-based
    column: str  # the header as written in the file ("" for the whole row)
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass
class CleanRow:
    row: int
    name: str
    id_number: str = ""
    gender: str = ""
    birth_date: dt.date | None = None
    ethnicity: str = ""
    phone: str = ""
    region: Region | None = None
    residence_address: str = ""
    hukou_address: str = ""
    living_situation: str = ""
    categories: list[tuple[Category, str]] = field(default_factory=list)
    note: str = ""


@dataclass
class Report:
    """The result of checking a file: clean rows, rows already registered, problems."""

    total: int = 0
    rows: list[CleanRow] = field(default_factory=list)
    already: list[int] = field(default_factory=list)  # row numbers already registered
    problems: list[Problem] = field(default_factory=list)

    @property
    def invalid_rows(self) -> int:
        rows = {p.row for p in self.problems}
        if 0 in rows:  # a problem with the whole file (a required column is missing)
            return self.total
        return len(rows)

    @property
    def valid(self) -> int:
        return self.total - self.invalid_rows


def suggest_mapping(headers: list[str], remembered: dict[str, str] | None = None) -> dict[str, int]:
    """Column index for each field: a remembered mapping (field → header text) first, then the
    usual names ledgers give the columns."""
    keys = [header_key(h) for h in headers]
    out: dict[str, int] = {}
    for f in FIELDS:
        wanted = [(remembered or {}).get(f.key, ""), str(f.label), *f.aliases]
        for name in wanted:
            k = header_key(name)
            if k and k in keys and keys.index(k) not in out.values():
                out[f.key] = keys.index(k)
                break
    return out


class _Regions:
    """Resolves what people write for a community (朝阳里社区 for 朝阳里社区居委会, or a code)
    to divisions inside the importing station's reach."""

    SUFFIXES = (
        "社区居民委员会",
        "社区居委会",
        "居民委员会",
        "居委会",
        "村民委员会",
        "村委会",
        "社区",
        "村",
    )

    def __init__(self, station: Station, actor: Any) -> None:
        scope = scope_of(actor, PERSON_IMPORT)
        self.scope = scope
        areas = list(station.current_service_areas())
        townships = [a for a in areas if a.level == Level.TOWNSHIP] or [station.region]
        # A station imports the people it serves: a code elsewhere in the actor's jurisdiction
        # (anywhere, for the system actor of `shegong people import`) is refused as well.
        self.reach = Scope.of(a.range for a in areas or [station.region])
        self.by_name: dict[str, Region | None] = {}
        for township in townships:
            for v in Region.objects.filter(level=Level.VILLAGE, parent_id=township.code):
                for key in self._keys(v.name):
                    # Two communities with one short name would be ambiguous: refuse to guess.
                    self.by_name[key] = None if key in self.by_name else v
        self.default = townships[0] if len(townships) == 1 else None
        self.by_code: dict[int, Region | None] = {}  # one query per distinct code, not per row

    def _keys(self, name: str) -> set[str]:
        base = normalize.text(name).replace(" ", "")
        keys = {base}
        for suffix in self.SUFFIXES:
            if base.endswith(suffix) and len(base) > len(suffix):
                keys.add(base[: -len(suffix)])
        return keys

    def resolve(self, raw: Any) -> Region | None:
        text = normalize.text(raw).replace(" ", "")
        if not text:
            if self.default is None:
                raise normalize.CellError(_("Give the village or community."))
            return self.default
        if re.fullmatch(r"\d{9}|\d{12}", text):
            code = int(text.ljust(12, "0"))
            if code not in self.by_code:
                self.by_code[code] = Region.objects.filter(code=code).first()
            region = self.by_code[code]
            if region is None:
                raise normalize.CellError(_("Unknown division code %(code)s.") % {"code": text})
        else:
            candidates = {self.by_name.get(k, False) for k in self._keys(text)} - {False}
            if None in candidates or len(candidates) > 1:
                raise normalize.CellError(
                    _("“%(value)s” matches more than one community; write its full name or code.")
                    % {"value": text}
                )
            if not candidates:
                raise normalize.CellError(
                    _("No community called “%(value)s” is served by this station.")
                    % {"value": text}
                )
            found = candidates.pop()
            assert isinstance(found, Region)
            region = found
        if not (self.scope.contains(region.code) and self.reach.contains(region.code)):
            raise normalize.CellError(
                _("%(name)s is outside your jurisdiction.") % {"name": region.name}
            )
        return region


def _categories(raw: Any, lookup: dict[str, Category]) -> list[tuple[Category, str]]:
    text = normalize.text(raw)
    if not text:
        return []
    out = []
    for word in [w for w in re.split(r"[,，、;；/\s]+", text) if w]:
        category = lookup.get(word.casefold())
        if category is None:
            raise normalize.CellError(_("Unknown category “%(value)s”.") % {"value": word})
        out.append((category, ""))
    return out


def category_lookup() -> dict[str, Category]:
    cats = {c.code: c for c in Category.objects.filter(active=True, derived=False)}
    lookup: dict[str, Category] = {}
    for code, cat in cats.items():
        for word in [cat.name, cat.name_en, code, *ALIASES.get(code, [])]:
            if word:
                lookup[normalize.text(word).casefold()] = cat
    return lookup


Cleaner = Callable[[Any], Any]


def check(
    table: Table,
    mapping: dict[str, int],
    *,
    actor: Any,
    station: Station,
    progress: Callable[[int], None] | None = None,
) -> Report:
    """Check every row; write nothing. Problems carry the row number, column and reason."""
    report = Report(total=len(table.rows))
    missing = [f for f in FIELDS if f.required and f.key not in mapping]
    if missing:
        report.problems.append(
            Problem(
                0,
                "",
                _("The file has no column for: %(fields)s.")
                % {"fields": "、".join(str(f.label) for f in missing)},
            )
        )
        return report
    regions = _Regions(station, actor)
    lookup = category_lookup()
    headers = {key: table.headers[i] for key, i in mapping.items()}
    cleaners: dict[str, Cleaner] = {
        "name": lambda v: normalize.text(v).replace(" ", ""),
        "id_number": normalize.id_text,
        "gender": normalize.gender,
        "birth_date": normalize.date,
        "ethnicity": normalize.text,
        "phone": lambda v: normalize.phone(v) if not normalize.is_blank(v) else "",
        "region": regions.resolve,
        "residence_address": normalize.text,
        "hukou_address": normalize.text,
        "living_situation": lambda v: _living(v),
        "categories": lambda v: _categories(v, lookup),
        "note": normalize.text,
    }
    seen_ids: dict[str, int] = {}
    today = timezone.localdate()
    seen_names: dict[tuple[str, dt.date], int] = {}
    step = max(1, len(table.rows) // 50)
    for n, row in enumerate(table.rows):
        if progress and n % step == 0:
            progress(n * 100 // max(1, len(table.rows)))
        values: dict[str, Any] = {}
        problems: list[Problem] = []
        for key, index in mapping.items():
            raw = row.values[index] if index < len(row.values) else None
            if key != "region" and normalize.is_blank(raw):
                continue  # an empty optional cell; a missing name is reported below
            try:
                values[key] = cleaners[key](raw)
            except (normalize.CellError, ValueError) as e:
                problems.append(Problem(row.number, headers[key], str(e)))
        clean = CleanRow(row=row.number, name=values.get("name") or "")
        for key, value in values.items():
            if value is not None and key not in ("name",):
                setattr(clean, key, value)
        if not clean.name and not any(p.column == headers["name"] for p in problems):
            problems.append(Problem(row.number, headers["name"], _("The name is missing.")))
        if clean.id_number and "id_number" not in {
            k for k in mapping if any(p.column == headers[k] for p in problems)
        }:
            try:
                parsed = parse(clean.id_number, today=today)
            except InvalidIdNumber as e:
                problems.append(Problem(row.number, headers["id_number"], str(e)))
            else:
                clean.id_number = parsed.number
                if clean.gender and clean.gender != parsed.gender:
                    problems.append(
                        Problem(
                            row.number,
                            headers.get("gender", ""),
                            _("The gender does not match the ID number."),
                        )
                    )
                if clean.birth_date and clean.birth_date != parsed.birth_date:
                    problems.append(
                        Problem(
                            row.number,
                            headers.get("birth_date", ""),
                            _("The birth date does not match the ID number."),
                        )
                    )
                clean.gender, clean.birth_date = parsed.gender, parsed.birth_date
                if clean.id_number in seen_ids:
                    problems.append(
                        Problem(
                            row.number,
                            headers["id_number"],
                            _("The same ID number is in row %(row)d of this file.")
                            % {"row": seen_ids[clean.id_number]},
                        )
                    )
                seen_ids.setdefault(clean.id_number, row.number)
        if clean.birth_date and clean.birth_date > today:
            problems.append(
                Problem(
                    row.number,
                    headers.get("birth_date", ""),
                    _("The birth date cannot be in the future."),
                )
            )
        if not clean.id_number and not any(p.column == headers.get("id_number") for p in problems):
            # As services.register_person: without an ID number, the gender and birth date are
            # what tells two people apart (and what a second import of the file matches on).
            for key, message in (
                ("gender", _("Without an ID number, give the gender.")),
                ("birth_date", _("Without an ID number, give the birth date.")),
            ):
                column = headers.get(key, "")
                if not getattr(clean, key) and not any(
                    p.column == column and column for p in problems
                ):
                    problems.append(Problem(row.number, column, message))
        if not clean.id_number and clean.birth_date and clean.name:
            name_key = (clean.name, clean.birth_date)
            if name_key in seen_names:
                problems.append(
                    Problem(
                        row.number,
                        headers["name"],
                        _("The same name and birth date are in row %(row)d of this file.")
                        % {"row": seen_names[name_key]},
                    )
                )
            seen_names.setdefault(name_key, row.number)
        if clean.region is None and "region" not in mapping:
            try:
                clean.region = regions.resolve("")
            except normalize.CellError as e:
                problems.append(Problem(row.number, "", str(e)))
        if problems:
            report.problems.extend(problems)
        else:
            report.rows.append(clean)
    _against_database(report, actor=actor, headers=headers, reach=regions.reach)
    if progress:
        progress(100)
    return report


def _living(value: Any) -> str:
    text = normalize.text(value)
    if not text:
        return ""
    if text in LIVING_WORDS:
        return str(LIVING_WORDS[text])
    raise normalize.CellError(_("Unknown living situation “%(value)s”.") % {"value": text})


def _against_database(report: Report, *, actor: Any, headers: dict[str, str], reach: Scope) -> None:
    """Rows already registered are skipped (importing the same file twice creates nobody
    twice); an ID number registered in another jurisdiction is a problem. Both count only
    inside the station's `reach` (the system actor's jurisdiction is everywhere)."""
    by_index = {
        blind_index(r.id_number, purpose=indexing.ID_PURPOSE): r for r in report.rows if r.id_number
    }
    existing: dict[str, tuple[int, str]] = {}
    keys = list(by_index)
    for i in range(0, len(keys), 5000):
        for idx, region_code, name in Person.objects.filter(
            id_index__in=keys[i : i + 5000]
        ).values_list("id_index", "region_id", "name"):
            if idx:
                existing[idx] = (region_code, name)
    scope = scope_of(actor, PERSON_IMPORT)
    keep: list[CleanRow] = []
    no_id = [r for r in report.rows if not r.id_number and r.birth_date]
    named = set()
    if no_id:
        named = set(
            Person.objects.in_scope(scope)
            .filter(reach.q("region_id"))
            .filter(name__in={r.name for r in no_id})
            .values_list("name", "birth_date")
        )
    for r in report.rows:
        if r.id_number:
            idx = blind_index(r.id_number, purpose=indexing.ID_PURPOSE)
            if idx in existing:
                region_code, _name = existing[idx]
                if scope.contains(region_code) and reach.contains(region_code):
                    report.already.append(r.row)
                else:
                    report.problems.append(
                        Problem(
                            r.row,
                            headers.get("id_number", ""),
                            _("This ID number is registered in another jurisdiction."),
                        )
                    )
                continue
        elif (r.name, r.birth_date) in named:
            report.already.append(r.row)
            continue
        keep.append(r)
    report.rows = keep


@transaction.atomic
def commit(
    report: Report,
    *,
    actor: Any,
    station: Station,
    valid_only: bool = False,
    source_name: str = "",
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write the checked rows in one transaction; returns how many persons were created.
    Refuses when the file has problems, unless `valid_only`."""
    if report.problems and not valid_only:
        raise ValueError(
            _("The file has %(n)d rows with problems; fix them, or import only the valid rows.")
            % {"n": report.invalid_rows}
        )
    if not scope_of(actor, PERSON_IMPORT).contains(station.region_id):
        raise ValueError(_("You may not import for this station."))
    today = timezone.localdate()
    user = actor if getattr(actor, "_meta", None) is not None else None
    created = 0
    batch = 2000
    for start in range(0, len(report.rows), batch):
        chunk = report.rows[start : start + batch]
        persons = [_person(r, station) for r in chunk]
        insert_instances(persons)
        # Search terms, memberships and residences are plain rows: inserted without model
        # instances (COPY on PostgreSQL), ~18 terms a person being most of an import's rows.
        now = timezone.now()
        user_id = getattr(user, "pk", None)
        insert_rows(
            SearchTerm._meta.db_table,
            ("term", "region_code", "person_id"),
            (
                (t, p.region_id, p.pk)
                for r, p in zip(chunk, persons, strict=True)
                for t in indexing.person_terms(name=p.name, id_number=r.id_number, phone=r.phone)
            ),
        )
        insert_rows(
            CategoryMembership._meta.db_table,
            (
                "person_id",
                "category_id",
                "subtype",
                "grade",
                "valid_from",
                "valid_to",
                "source",
                "note",
                "recorded_by_id",
                "recorded_at",
            ),
            (
                (
                    p.pk,
                    c.pk,
                    sub,
                    None,
                    today,
                    None,
                    MembershipSource.IMPORT.value,
                    source_name[:200],
                    user_id,
                    now,
                )
                for r, p in zip(chunk, persons, strict=True)
                for c, sub in _unique(r.categories)
            ),
        )
        insert_rows(
            Residence._meta.db_table,
            ("person_id", "region_id", "station_id", "valid_from", "valid_to"),
            ((p.pk, p.region_id, station.pk, today, None) for p in persons),
        )
        created += len(persons)
        if progress:
            progress(min(99, created * 100 // max(1, len(report.rows))))
    audit.record(
        actor=actor,
        action="person.import",
        object_type="people.importbatch",
        object_repr=source_name[:200],
        region_code=station.region_id,
        details={
            "imported": created,
            "skipped": len(report.already),
            "invalid": report.invalid_rows,
            "station": station.code,
        },
    )
    if progress:
        progress(100)
    return created


def _unique(items: Iterable[tuple[Category, str]]) -> list[tuple[Category, str]]:
    return list({c.pk: (c, s) for c, s in items}.values())


def _person(r: CleanRow, station: Station) -> Person:
    assert r.region is not None
    return Person(
        name=r.name,
        name_pinyin=indexing.name_pinyin(r.name),
        id_number=r.id_number,
        id_index=blind_index(r.id_number, purpose=indexing.ID_PURPOSE) if r.id_number else None,
        id_masked=mask(r.id_number) if r.id_number else "",
        gender=r.gender or "",
        birth_date=r.birth_date,
        ethnicity=r.ethnicity,
        phone=r.phone,
        phone_index=blind_index(r.phone, purpose=indexing.PHONE_PURPOSE) if r.phone else "",
        phone_masked=mask_phone(r.phone),
        region=r.region,
        station=station,
        hukou_address=r.hukou_address,
        residence_address=r.residence_address,
        living_situation=r.living_situation,
        note=r.note,
    )


def summary(report: Report) -> Counter[str]:
    return Counter(
        rows=report.total,
        valid=report.valid,
        invalid=report.invalid_rows,
        already=len(report.already),
    )
