"""The people registry's "Speed" targets (issue 3) at city scale: 1,000,000 persons.

Registered in run.py's CASES through `people_cases()`; every name starts with "people", so
`scripts/bench people` runs them all. run.py imports this module, so the cases here implement
run.Case's interface (name, target_ms, runs, warmups; setup, run, check) without subclassing it.

The dataset is bench/people_data.py's, generated once per database (the first people case
times it; any other people case run alone generates it in its setup). The users are the demo's:
`demo_worker` of 果园新村街道社会工作服务站 (one township) and `demo_district_admin` of 北辰区
(13 of the 250 townships), logged in with Django's test client as the tree case does. Inputs are
drawn at random from the database on each bench run: persons in the user's scope, and what a
worker would type to find them.

Run as a script, this module is the subprocess of the import cases (peak memory is measured per
process): `python bench/people_cases.py import FILE --user NAME` and `... die FILE --user NAME`.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
SEARCH_TARGET_MS = 20.0
LIST_TARGET_MS = 30.0
PAGE_TARGET_MS = 30.0
GENERATE_TARGET_MS = 600_000.0  # a budget, not an issue target: make bench stays under ~20 min
IMPORT_ROWS = 100_000
IMPORT_RATE = 10_000  # rows per second, end to end
IMPORT_PEAK_MB = 500
DIE_ROWS = int(os.environ.get("SHEGONG_BENCH_DIE_ROWS", "10000"))  # then extrapolated to 100,000
DIE_DIR = Path(os.environ.get("SHEGONG_BENCH_DIE_DIR", "/tmp/die"))
DIE_PACKAGES = ("django-import-export==4.4.3", "tablib==3.10.0", "diff-match-patch==20241021")
WORKER = "demo_worker"  # 果园新村街道社会工作服务站
DISTRICT_ADMIN = "demo_district_admin"  # 北辰区
POOL = 400  # persons sampled per scope for the inputs
SEARCH_RUNS, SEARCH_WARMUPS = 200, 20
LIST_CATEGORIES = (
    "dibao",
    "elderly_alone",
    "elderly_empty_nest",
    "disabled",
    "tekun",
    "oldest_old",
    "dibao_edge",
    "child_in_difficulty",
)


def elapsed_ms(start: float) -> float:
    return (time.perf_counter() - start) * 1000


def say(text: str) -> None:
    print(text, flush=True)


def shorten(sql: str, width: int = 160) -> str:
    sql = " ".join(sql.split())
    return sql if len(sql) <= width else sql[: width - 1] + "…"


def p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[max(0, -(-95 * len(ordered) // 100) - 1)] if ordered else 0.0


def data_dir() -> Path:
    path = Path(os.environ.get("SHEGONG_DATA_DIR", ROOT / "var" / "bench"))
    path.mkdir(parents=True, exist_ok=True)
    return path


class Case:
    """run.Case's interface (see run.py)."""

    name: str = ""
    target_ms: float = 0.0
    runs: int = 1
    warmups: int = 0

    def setup(self) -> None:
        pass

    def run(self) -> float:
        raise NotImplementedError

    def check(self) -> str:
        return ""


# --- the city: regions, demo, 1,000,000 persons ------------------------------------------------
class City:
    """What every people case stands on; built once per process."""

    def __init__(self) -> None:
        self.stats: Any = None
        self._users: dict[str, Any] = {}
        self._pools: dict[str, list[tuple[int, str, str, str]]] = {}

    def base(self) -> None:
        """Tianjin's divisions and the demo (whose users the cases log in as)."""
        from shegong.demo.builder import build_demo, demo_exists
        from shegong.regions.loader import load_shipped
        from shegong.regions.models import Region

        if not Region.objects.filter(code=120113001001).exists():
            load_shipped(provinces=["12"])
        if not demo_exists():
            build_demo()

    def generate(self) -> Any:
        from people_data import generate

        self.base()
        self.stats = generate(say=say)
        return self.stats

    def ensure(self) -> Any:
        if self.stats is None:
            self.generate()
        return self.stats

    def user(self, username: str) -> Any:
        from shegong.accounts.models import User

        if username not in self._users:
            self._users[username] = User.objects.get(username=username)
        return self._users[username]

    def station_of(self, username: str) -> Any:
        from shegong.core.perms import PERSON_IMPORT

        return self.user(username).stations(PERSON_IMPORT)[0]

    def pool(self, username: str) -> list[tuple[int, str, str, str]]:
        """(pk, name, name_pinyin, id_number) of random persons the user may see."""
        from shegong.core.perms import PERSON_VIEW
        from shegong.people.models import Person

        if username not in self._pools:
            persons = (
                Person.objects.visible_to(self.user(username), PERSON_VIEW)
                .exclude(id_number="")
                .order_by("?")[:POOL]
            )
            self._pools[username] = [(p.pk, p.name, p.name_pinyin, p.id_number) for p in persons]
        return self._pools[username]

    def scope_size(self, username: str) -> int:
        from shegong.core.perms import PERSON_VIEW
        from shegong.people.models import Person

        return Person.objects.visible_to(self.user(username), PERSON_VIEW).count()


CITY = City()


def login(username: str) -> Any:
    from django.test import Client

    client = Client()
    client.force_login(CITY.user(username))
    return client


def profile(call: Any) -> tuple[int, float, list[tuple[float, str]]]:
    """Run `call` once with the queries captured: (queries, ms in SQL, [(ms, sql)] slowest)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        call()
    timed = [(float(q["time"]) * 1000, q["sql"]) for q in ctx.captured_queries]
    return len(timed), sum(ms for ms, _ in timed), sorted(timed, reverse=True)[:3]


def explain(sql: str, slug: str) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of a captured query, written to var/bench/explain/."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    folder = data_dir() / "explain"
    folder.mkdir(exist_ok=True)
    path = folder / f"{slug}.txt"
    path.write_text(sql + "\n\n" + plan + "\n", encoding="utf-8")
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


class Timed(Case):
    """A case with many runs: keeps its times (for its own p95 in `check`) and explains the
    slowest query of one profiled run when that p95 misses the target."""

    runs = SEARCH_RUNS
    warmups = SEARCH_WARMUPS
    slug = "people"

    def __init__(self) -> None:
        self.times: list[float] = []
        self.empty = 0  # runs that found nobody
        self.rng = random.Random()

    def timed(self, ms: float) -> float:
        self.times.append(ms)
        return ms

    def profiled(self, call: Any) -> str:
        queries, sql_ms, slowest = profile(call)
        note = f"one run: {queries} queries, {sql_ms:.1f} ms in SQL"
        if slowest and slowest[0][0] >= 2:
            note += "; slowest: " + "; ".join(
                f"{ms:.1f} ms `{shorten(sql)}`" for ms, sql in slowest[:2] if ms >= 2
            )
        measured = self.times[self.warmups :]
        selects = [sql for _ms, sql in slowest if explainable(sql)]
        if measured and p95(measured) >= self.target_ms and selects:
            path = explain(explainable(selects[0]), self.slug)
            note += f"; EXPLAIN ANALYZE of the slowest SELECT in {path}"
        return note


def explainable(sql: str) -> str:
    """The SELECT of a captured query ("" for COMMIT, UPDATE …): a server-side cursor's DECLARE
    is unwrapped."""
    match = re.match(r"DECLARE \S+ NO SCROLL CURSOR WITH(?:OUT)? HOLD FOR (SELECT .*)", sql, re.S)
    if match:
        return match.group(1)
    return sql if sql.lstrip().upper().startswith("SELECT") else ""


# --- generation --------------------------------------------------------------------------------
class PeopleDataset(Case):
    name = "people: generate 1,000,000 persons in 250 townships (rows, COPY, indexes, VACUUM)"
    target_ms = GENERATE_TARGET_MS

    def setup(self) -> None:
        CITY.base()

    def run(self) -> float:
        start = time.perf_counter()
        stats = CITY.generate()
        return 0.0 if stats.skipped else elapsed_ms(start)

    def check(self) -> str:
        from people_data import verify
        from shegong.people.models import Person

        stats = CITY.stats
        if stats.skipped:
            return (
                f"generated earlier in this database: persons {stats.first_id:,}–{stats.last_id:,}"
            )
        total = Person.objects.filter(pk__gte=stats.first_id, pk__lte=stats.last_id).count()
        assert total == stats.persons == 1_000_000, f"{total:,} persons generated"
        rng = random.Random()
        notes = verify(rng.sample(stats.sample, min(30, len(stats.sample))))
        rows = stats.rows
        phases = ", ".join(f"{k} {v:.0f} s" for k, v in stats.phases.items())
        return (
            f"{stats.persons:,} persons, {rows['people_searchterm']:,} search terms, "
            f"{rows['people_categorymembership']:,} category memberships, "
            f"{rows['people_residence']:,} residences, {rows['people_riskassessment']:,} risk "
            f"assessments; {stats.stations_created} township stations created; {phases} "
            f"({os.cpu_count()} worker processes); " + "; ".join(notes)
        )


# --- search ------------------------------------------------------------------------------------
KINDS = {
    "name2": "2-character name fragment",
    "pinyin": "full pinyin",
    "initials": "initials",
    "idtail": "last 4 of the ID number",
}
ROLES = {WORKER: "township worker", DISTRICT_ADMIN: "district admin"}
VIAS = {
    "selector": "persons_for(user, PersonFilter(q))[:50]",
    "page": "POST /people/ (htmx)",
    "api": "POST /api/people/search",
}


def typed(kind: str, person: tuple[int, str, str, str], rng: random.Random) -> str:
    """What a worker types to find this person."""
    from shegong.people import indexing

    _pk, name, _pinyin, number = person
    if kind == "name2":
        i = rng.randrange(len(name) - 1)
        return name[i : i + 2]
    if kind == "pinyin":
        return indexing.pinyin_readings(name)[0][0]
    if kind == "initials":
        return indexing.pinyin_readings(name)[0][1]
    return number[-4:]


class Search(Timed):
    def __init__(self, kind: str, username: str, via: str) -> None:
        super().__init__()
        self.kind, self.username, self.via = kind, username, via
        self.name = f"people search, {KINDS[kind]}, {ROLES[username]}: {VIAS[via]}"
        self.target_ms = SEARCH_TARGET_MS
        self.slug = f"search-{kind}-{ROLES[username].split()[-1]}-{via}"
        self.found: list[int] = []
        self.x_empty = 0

    def setup(self) -> None:
        CITY.ensure()
        self.user = CITY.user(self.username)
        self.persons = CITY.pool(self.username)
        self.scope = CITY.scope_size(self.username)
        if self.via != "selector":
            self.client = login(self.username)

    def query(self) -> str:
        return typed(self.kind, self.rng.choice(self.persons), self.rng)

    def call(self, q: str) -> int:
        """One search; returns how many persons it shows (at most 50)."""
        if self.via == "selector":
            from shegong.people.selectors import PersonFilter, persons_for

            self.user.forget_jurisdiction()  # a request loads the user afresh
            return len(list(persons_for(self.user, PersonFilter(q=q))[:50]))
        if self.via == "page":
            response = self.client.post("/people/", {"q": q}, headers={"HX-Request": "true"})
            assert response.status_code == 200, f"POST /people/ answered {response.status_code}"
            return response.content.count(b"data-person=")
        response = self.client.post("/api/people/search", {"q": q}, content_type="application/json")
        assert response.status_code == 200, f"search API answered {response.status_code}"
        return len(response.json()["items"])

    def run(self) -> float:
        q = self.query()
        start = time.perf_counter()
        shown = self.call(q)
        ms = elapsed_ms(start)
        self.found.append(shown)
        if not shown:
            self.empty += 1
            if q.upper().endswith("X"):
                self.x_empty += 1
        return self.timed(ms)

    def check(self) -> str:
        runs = len(self.found)
        real_empty = self.empty - self.x_empty
        assert real_empty == 0, f"{real_empty} of {runs} searches found nobody"
        full = sum(1 for n in self.found if n >= 50)
        note = (
            f"{self.scope:,} persons in scope; {full} of {runs} queries filled the 50 rows "
            f"(median shown {sorted(self.found)[runs // 2]})"
        )
        if self.x_empty:
            note += (
                f"; {self.x_empty} queries ending in X found nobody (`query_terms` needs four "
                "digits before the X)"
            )
        return note + "; " + self.profiled(lambda: self.call(self.query()))


# --- a station's list, a person page ----------------------------------------------------------
class StationList(Timed):
    def __init__(self, via: str) -> None:
        super().__init__()
        self.via = via
        self.target_ms = LIST_TARGET_MS
        where = "GET /people/?category=…&page=…" if via == "page" else "GET /api/people?category=…"
        self.name = f"people list, station worker, by category, 50 a page: {where}"
        self.slug = f"list-{via}"

    def setup(self) -> None:
        from shegong.people.selectors import PersonFilter, persons_for

        CITY.ensure()
        user = CITY.user(WORKER)
        self.pages = {
            code: max(1, min(3, -(-persons_for(user, PersonFilter(category=code)).count() // 50)))
            for code in LIST_CATEGORIES
        }
        self.client = login(WORKER)

    def url(self) -> str:
        code = self.rng.choice(LIST_CATEGORIES)
        page = self.rng.randint(1, self.pages[code])
        if self.via == "page":
            return f"/people/?category={code}&page={page}"
        return f"/api/people?category={code}&page={page}"

    def call(self, url: str) -> int:
        response = self.client.get(url)
        assert response.status_code == 200, f"GET {url} answered {response.status_code}"
        if self.via == "page":
            return response.content.count(b"data-person=")
        return len(response.json()["items"])

    def run(self) -> float:
        url = self.url()
        start = time.perf_counter()
        shown = self.call(url)
        ms = elapsed_ms(start)
        if not shown:
            self.empty += 1
        return self.timed(ms)

    def check(self) -> str:
        assert self.empty == 0, f"{self.empty} pages showed nobody"
        sizes = ", ".join(f"{c} {n}" for c, n in self.pages.items())
        return (
            f"{CITY.scope_size(WORKER):,} persons at the station; random category and page "
            f"(pages used: {sizes}); " + self.profiled(lambda: self.call(self.url()))
        )


class PersonPage(Timed):
    def __init__(self, via: str) -> None:
        super().__init__()
        self.via = via
        self.target_ms = PAGE_TARGET_MS
        where = "GET /people/<pk>/" if via == "page" else "GET /api/people/<pk>"
        self.name = f"people person page, station worker: {where}"
        self.slug = f"person-{via}"

    def setup(self) -> None:
        CITY.ensure()
        self.persons = CITY.pool(WORKER)
        self.client = login(WORKER)

    def call(self, person: tuple[int, str, str, str]) -> None:
        url = f"/people/{person[0]}/" if self.via == "page" else f"/api/people/{person[0]}"
        response = self.client.get(url)
        assert response.status_code == 200, f"GET {url} answered {response.status_code}"
        name = response.json()["name"] if self.via == "api" else response.content.decode()
        assert person[1] in name, f"{url} does not show the name"

    def run(self) -> float:
        person = self.rng.choice(self.persons)
        start = time.perf_counter()
        self.call(person)
        return self.timed(elapsed_ms(start))

    def check(self) -> str:
        return "random persons of the station; every read audited; " + self.profiled(
            lambda: self.call(self.rng.choice(self.persons))
        )


# --- import --------------------------------------------------------------------------------------
def import_file() -> Path:
    """The 100,000-row ledger for 果园新村街道, written once per database (in var/bench)."""
    from people_data import write_import_file

    path = data_dir() / "people-import-100k.xlsx"
    marker = path.with_suffix(".db")
    from django.db import connection

    stamp = f"{connection.settings_dict['NAME']} {CITY.stats.first_id} {CITY.stats.last_id}"
    if not (path.exists() and marker.exists() and marker.read_text() == stamp):
        township = CITY.station_of(WORKER).region_id
        start = time.perf_counter()
        write_import_file(str(path), township, IMPORT_ROWS)
        say(f"   wrote {path.name} in {time.perf_counter() - start:.1f} s")
        marker.write_text(stamp)
    return path


def subprocess_json(*args: str) -> dict[str, Any]:
    """Run this module as a script; its last stdout line is JSON."""
    proc = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "bench_settings"),
        },
        check=False,
    )
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-6:]
        raise RuntimeError(f"{args[0]} subprocess failed: " + " | ".join(tail))
    return json.loads(proc.stdout.strip().splitlines()[-1])


class Import(Case):
    name = (
        "people import, 100,000-row .xlsx, validated and committed "
        "(read_table → suggest_mapping → check → commit), station worker"
    )
    target_ms = IMPORT_ROWS / IMPORT_RATE * 1000

    def setup(self) -> None:
        from django.db.models import Max

        from shegong.people.models import Person

        CITY.ensure()
        self.path = import_file()
        self.before = Person.objects.aggregate(m=Max("id"))["m"] or 0

    def run(self) -> float:
        self.result = subprocess_json("import", str(self.path), "--user", WORKER)
        return self.result["seconds"] * 1000

    def check(self) -> str:
        from shegong.people.models import Person
        from shegong.people.selectors import PersonFilter, persons_for

        r = self.result
        try:
            assert r["imported"] == IMPORT_ROWS, f"imported {r['imported']:,} of {IMPORT_ROWS:,}"
            assert r["problems"] == 0, f"{r['problems']} rows with problems"
            worker = CITY.user(WORKER)
            for person in Person.objects.filter(pk__gt=self.before).order_by("?")[:5]:
                hits = persons_for(worker, PersonFilter(q=person.id_number))
                assert hits.filter(pk=person.pk).exists(), "an imported person is not found"
            assert r["peak_rss_mb"] <= IMPORT_PEAK_MB, (
                f"peak memory {r['peak_rss_mb']:.0f} MB > {IMPORT_PEAK_MB} MB"
            )
        finally:
            removed = remove_persons_after(self.before)
            vacuumed = vacuum_people()
        return (
            f"{IMPORT_ROWS / r['seconds']:,.0f} rows/s (target ≥ {IMPORT_RATE:,}); peak memory "
            f"{r['peak_rss_mb']:.0f} MB (target ≤ {IMPORT_PEAK_MB} MB; {r['base_rss_mb']:.0f} MB "
            f"after Django's start); read {r['read']:.1f} s, check {r['check']:.1f} s, commit "
            f"{r['commit']:.1f} s; {r['imported']:,} persons with their search terms, "
            f"memberships and residences; the imported persons are found by ID number, then "
            f"removed again ({removed:,}) and the tables vacuumed ({vacuumed:.0f} s), so later "
            f"cases see the 1,000,000"
        )


def vacuum_people() -> float:
    """VACUUM ANALYZE the tables the import cases wrote to: rows they deleted or rolled back
    leave dead index entries at the top of the id ranges, which the planner's look at index
    end-points (get_actual_variable_range) walks through: ~15 ms more planning for every search
    until a vacuum (measured on PostgreSQL 15). Returns seconds."""
    from django.db import connection

    start = time.perf_counter()
    with connection.cursor() as cursor:
        for table in ("people_searchterm", "people_person", "people_residence"):
            cursor.execute(f"VACUUM ANALYZE {table}")
        cursor.execute("VACUUM ANALYZE people_categorymembership")
    return time.perf_counter() - start


def remove_persons_after(pk: int) -> int:
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        for table in ("people_searchterm", "people_categorymembership", "people_residence"):
            cursor.execute(f"DELETE FROM {table} WHERE person_id > %s", [pk])
        cursor.execute("DELETE FROM people_person WHERE id > %s", [pk])
        return cursor.rowcount


class CopyFloor(Case):
    """The same rows as the importer writes them, prepared in Python beforehand; timed: COPY into
    people_person (with its indexes and immediate foreign-key checks), then rolled back."""

    name = "people import reference: PostgreSQL COPY of the same 100,000 rows into people_person"
    target_ms = float("inf")  # a reference figure, no target

    def setup(self) -> None:
        from django.db.models import Max
        from django.utils import timezone

        from people_data import PERSON_COLUMNS, RESIDENCE_COLUMNS, TERM_COLUMNS, _line
        from shegong.core import crypto
        from shegong.core.excel import read_table
        from shegong.core.idnumber import mask
        from shegong.people import importer, indexing
        from shegong.people.models import Person
        from shegong.people.services import mask_phone

        CITY.ensure()
        path = import_file()
        worker = CITY.user(WORKER)
        station = CITY.station_of(WORKER)
        table = read_table(path, filename=path.name, header_hint=importer.HEADER_HINT)
        report = importer.check(
            table, importer.suggest_mapping(table.headers), actor=worker, station=station
        )
        assert len(report.rows) == IMPORT_ROWS, f"{len(report.rows):,} new rows in the file"
        start = time.perf_counter()
        now = timezone.now().isoformat()
        today = timezone.localdate()
        first = (Person.objects.aggregate(m=Max("id"))["m"] or 0) + 1
        persons, terms, residences = [], [], []
        for i, r in enumerate(report.rows):
            pk = first + i
            ph = r.phone
            persons.append(
                _line(
                    (
                        pk,
                        now,
                        now,
                        r.name,
                        indexing.name_pinyin(r.name),
                        crypto.encrypt(r.id_number),
                        crypto.blind_index(r.id_number, purpose=indexing.ID_PURPOSE),
                        mask(r.id_number),
                        r.gender,
                        r.birth_date,
                        r.ethnicity,
                        crypto.encrypt(ph) if ph else "",
                        crypto.blind_index(ph, purpose=indexing.PHONE_PURPOSE) if ph else "",
                        mask_phone(ph),
                        r.hukou_address,
                        r.residence_address,
                        r.living_situation,
                        "",
                        "",
                        "[]",
                        "active",
                        "",
                        r.note,
                        1,
                        None,
                        None,
                        r.region.code,
                        station.pk,
                    )
                )
            )
            region = r.region.code
            terms.extend(
                f"{t}\t{region}\t{pk}\n"
                for t in indexing.person_terms(name=r.name, id_number=r.id_number, phone=ph)
            )
            residences.append(_line((today, None, pk, region, station.pk)))
        self.prepare_s = time.perf_counter() - start
        self.data = {
            "people_person": ("".join(persons).encode(), PERSON_COLUMNS),
            "people_searchterm": ("".join(terms).encode(), TERM_COLUMNS),
            "people_residence": ("".join(residences).encode(), RESIDENCE_COLUMNS),
        }
        self.term_rows = len(terms)
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) - 1 FROM pg_indexes WHERE tablename = 'people_person'")
            self.indexes = cursor.fetchone()[0]

    def run(self) -> float:
        from django.db import connection, transaction

        self.times: dict[str, float] = {}
        with transaction.atomic():
            raw = connection.cursor().connection
            with raw.cursor() as cur:
                cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
                for table, (data, columns) in self.data.items():
                    start = time.perf_counter()
                    with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                        copy.write(data)
                    self.times[table] = elapsed_ms(start)
            transaction.set_rollback(True)
        return self.times["people_person"]

    def check(self) -> str:
        vacuum_people()
        person = self.times["people_person"] / 1000
        total = sum(self.times.values()) / 1000
        return (
            f"{IMPORT_ROWS / person:,.0f} rows/s into people_person alone ({self.indexes} "
            f"secondary indexes, foreign keys checked at once); with the {self.term_rows:,} "
            f"search terms and the residences as well {total:.2f} s "
            f"({IMPORT_ROWS / total:,.0f} persons/s); preparing the rows in Python beforehand "
            f"(encryption, blind indexes, pinyin, search terms; not timed) took "
            f"{self.prepare_s:.1f} s; rolled back, then vacuumed"
        )


class DjangoImportExport(Case):
    name = (
        "people import reference: django-import-export, the same file into Person "
        "(ModelResource, defaults)"
    )
    target_ms = float("inf")  # a reference figure, no target

    def setup(self) -> None:
        CITY.ensure()
        self.path = import_file()
        if not (DIE_DIR / "import_export").exists():
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "pip",
                    "install",
                    "--quiet",
                    "--no-deps",
                    "--target",
                    str(DIE_DIR),
                    *DIE_PACKAGES,
                ],
                check=True,
            )

    def run(self) -> float:
        self.result = subprocess_json(
            "die", str(self.path), "--user", WORKER, "--rows", str(DIE_ROWS)
        )
        r = self.result
        scale = IMPORT_ROWS / r["rows"]
        self.total_s = r["read"] + r["import"] * scale
        return self.total_s * 1000

    def check(self) -> str:
        vacuum_people()
        r = self.result
        assert r["errors"] == 0, f"{r['errors']} rows failed"
        assert r["new"] == r["rows"], f"{r['new']} of {r['rows']} rows created"
        how = (
            f"measured on {r['rows']:,} rows and extrapolated to {IMPORT_ROWS:,}: reading the "
            f"whole file (tablib/openpyxl) {r['read']:.1f} s + importing {r['rows']:,} rows "
            f"{r['import']:.1f} s × {IMPORT_ROWS // r['rows']}"
            if r["rows"] < IMPORT_ROWS
            else f"read {r['read']:.1f} s, import {r['import']:.1f} s"
        )
        return (
            f"{how} = {self.total_s:.0f} s ({IMPORT_ROWS / self.total_s:,.0f} rows/s); peak "
            f"memory {r['peak_rss_mb']:.0f} MB; one save() per row, a query per row for the "
            f"division, no ID-number validation, duplicate check, pinyin, search terms or "
            f"categories — less work than the importer does; rolled back, then vacuumed"
        )


def people_cases() -> list[Case]:
    cases: list[Case] = [PeopleDataset()]
    for username in (WORKER, DISTRICT_ADMIN):
        for kind in KINDS:
            for via in VIAS:
                cases.append(Search(kind, username, via))
    cases += [StationList("page"), StationList("api"), PersonPage("page"), PersonPage("api")]
    cases += [Import(), CopyFloor(), DjangoImportExport()]
    return cases


# --- the subprocesses ----------------------------------------------------------------------------
def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _import(path: Path, username: str) -> dict[str, Any]:
    from shegong.accounts.models import User
    from shegong.core.excel import read_table
    from shegong.core.perms import PERSON_IMPORT
    from shegong.people import importer

    user = User.objects.get(username=username)
    station = user.stations(PERSON_IMPORT)[0]
    base = rss_mb()
    start = time.perf_counter()
    table = read_table(path, filename=path.name, header_hint=importer.HEADER_HINT)
    read = time.perf_counter()
    mapping = importer.suggest_mapping(table.headers)
    report = importer.check(table, mapping, actor=user, station=station)
    checked = time.perf_counter()
    created = importer.commit(report, actor=user, station=station, source_name=path.name)
    done = time.perf_counter()
    return {
        "seconds": done - start,
        "read": read - start,
        "check": checked - read,
        "commit": done - checked,
        "rows": report.total,
        "problems": len(report.problems),
        "imported": created,
        "base_rss_mb": base,
        "peak_rss_mb": rss_mb(),
    }


def _die(path: Path, username: str, rows: int) -> dict[str, Any]:
    """django-import-export as a Django user would set it up for this ledger: a ModelResource
    naming the columns, widgets for 男/女, the living situation, dates and the division code."""
    sys.path.insert(0, str(DIE_DIR))
    import datetime as dt

    import tablib
    from django.db import transaction
    from import_export import fields, resources, widgets

    from shegong.accounts.models import User
    from shegong.core.perms import PERSON_IMPORT
    from shegong.people.models import Person
    from shegong.regions.models import Region

    station = User.objects.get(username=username).stations(PERSON_IMPORT)[0]
    living = {"独居": "alone", "空巢": "empty_nest", "与子女同住": "with_children"}

    class Gender(widgets.Widget):
        def clean(self, value: Any, row: Any = None, **kwargs: Any) -> str:
            return {"男": "M", "女": "F"}.get(str(value or "").strip(), "")

    class Living(widgets.Widget):
        def clean(self, value: Any, row: Any = None, **kwargs: Any) -> str:
            return living.get(str(value or "").strip(), "")

    class Text(widgets.CharWidget):
        def clean(self, value: Any, row: Any = None, **kwargs: Any) -> str:
            return "" if value is None else str(value).strip()

    class Day(widgets.DateWidget):
        def clean(self, value: Any, row: Any = None, **kwargs: Any) -> dt.date | None:
            if isinstance(value, dt.datetime):
                return value.date()
            if isinstance(value, dt.date) or not value:
                return value or None
            for fmt in ("%Y.%m.%d", "%Y年%m月%d日", "%Y-%m-%d"):
                try:
                    return dt.datetime.strptime(str(value), fmt).date()
                except ValueError:
                    pass
            raise ValueError(f"not a date: {value}")

    def field(attribute: str, column: str, widget: Any = None) -> Any:
        return fields.Field(attribute=attribute, column_name=column, widget=widget or Text())

    class PersonResource(resources.ModelResource):
        name = field("name", "姓名")
        id_number = field("id_number", "身份证号")
        gender = field("gender", "性别", Gender())
        birth_date = field("birth_date", "出生日期", Day())
        ethnicity = field("ethnicity", "民族")
        phone = field("phone", "联系电话")
        region = field("region", "区划代码", widgets.ForeignKeyWidget(Region, field="code"))
        residence_address = field("residence_address", "现住址")
        hukou_address = field("hukou_address", "户籍地址")
        living_situation = field("living_situation", "居住状况", Living())

        class Meta:
            model = Person
            fields = (
                "name",
                "id_number",
                "gender",
                "birth_date",
                "ethnicity",
                "phone",
                "region",
                "residence_address",
                "hukou_address",
                "living_situation",
            )
            import_id_fields: list[str] = []
            force_init_instance = True

        def before_save_instance(self, instance: Person, row: Any, **kwargs: Any) -> None:
            instance.station = station

    base = rss_mb()
    start = time.perf_counter()
    with path.open("rb") as f:
        dataset = tablib.Dataset().load(f.read(), format="xlsx")
    read = time.perf_counter() - start
    if rows < len(dataset):
        part = tablib.Dataset(headers=dataset.headers)
        for row in dataset[:rows]:
            part.append(row)
        dataset = part
    start = time.perf_counter()
    with transaction.atomic():
        result = PersonResource().import_data(dataset, dry_run=False, raise_errors=False)
        imported = time.perf_counter() - start
        transaction.set_rollback(True)
    totals = dict(result.totals)
    return {
        "read": read,
        "import": imported,
        "rows": len(dataset),
        "new": int(totals.get("new", 0)),
        "errors": len(result.base_errors) + len(result.row_errors()) + len(result.invalid_rows),
        "base_rss_mb": base,
        "peak_rss_mb": rss_mb(),
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="subprocesses of the people import cases")
    parser.add_argument("what", choices=["import", "die"])
    parser.add_argument("file", type=Path)
    parser.add_argument("--user", default=WORKER)
    parser.add_argument("--rows", type=int, default=IMPORT_ROWS)
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench_settings")
    import django

    django.setup()
    if args.what == "import":
        result = _import(args.file, args.user)
    else:
        result = _die(args.file, args.user, args.rows)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
