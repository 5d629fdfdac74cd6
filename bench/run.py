"""City-scale benchmarks: the "Speed" targets of the issues, measured on a real database.

    python bench/run.py [--results bench/RESULTS.md] [NAME-PART ...]

Run it through `make bench` (scripts/bench), which gives it a freshly migrated, empty PostgreSQL
database `shegong_bench`. Cases run in the order of CASES, each on what the earlier ones left:
setup (not timed), warm-up runs, measured runs, then a sanity check so that a case cannot pass
on an empty page. The summary goes to stdout and, with --results, is appended to that file as a
dated section. The exit status is 1 when a case misses its target or fails.

Adding a case: subclass Case (name, target_ms, runs, warmups; setup, run, check) and append an
instance to CASES. `run` returns the milliseconds it measured, so a case times exactly the part
the target speaks of.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import math
import os
import platform
import random
import re
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

# Django is set up in main(), before the cases import the project.
EXPECTED_TOWNSHIPS = 41_351  # 41,352 in china-division, less 金门县's placeholder row
TIANJIN = 120_000_000_000
TIANJIN_TOWNSHIPS = 299
TIANJIN_COMMUNITIES = 5_617
ROOM_SHARE = 0.27  # "1,466 rooms, 26.9% of communities" is the kind of figure in the seeds


def elapsed_ms(start: float) -> float:
    return (time.perf_counter() - start) * 1000


class Case:
    """One benchmark. Subclasses set the attributes and override the methods."""

    name: str = ""
    target_ms: float = 0.0
    runs: int = 1
    warmups: int = 0

    def setup(self) -> None:
        """Prepare the data; not timed."""

    def run(self) -> float:
        """One measured run; returns its time in milliseconds."""
        raise NotImplementedError

    def check(self) -> str:
        """Sanity after the runs: raise AssertionError if the work was not done; else a note."""
        return ""


class LoadAllTownships(Case):
    name = "load all townships of China (empty database)"
    target_ms = 30_000.0

    def setup(self) -> None:
        from shegong.regions.models import Region

        if Region.objects.exists():
            raise AssertionError("needs an empty Region table (scripts/bench makes one)")

    def run(self) -> float:
        from load_all_townships import run as load_all

        self.result = load_all()
        return float(self.result["seconds"]) * 1000

    def check(self) -> str:
        townships = int(self.result["townships"])
        assert townships == EXPECTED_TOWNSHIPS, f"{townships:,} townships loaded"
        return f"{townships:,} townships (with provinces, cities, counties), villages=False"


class TianjinTree(Case):
    name = "division tree with coverage, all of Tianjin (GET /regions/120000000000/)"
    target_ms = 100.0
    runs = 50
    warmups = 5
    url = f"/regions/{TIANJIN}/"

    def setup(self) -> None:
        from django.db import transaction
        from django.test import Client

        from shegong.accounts.models import User
        from shegong.demo.builder import build_demo, demo_exists
        from shegong.regions.loader import load_shipped

        load_shipped(provinces=["12"])
        if not demo_exists():
            build_demo()
        with transaction.atomic():
            self.stations_added = cover_all_townships()
            self.rooms_total, self.rooms_added = add_rooms(round(ROOM_SHARE * TIANJIN_COMMUNITIES))
        vacuum_analyze()
        self.client = Client()
        self.client.force_login(User.objects.get(username="demo_city_admin"))

    def run(self) -> float:
        start = time.perf_counter()
        response = self.client.get(self.url)
        ms = elapsed_ms(start)
        if response.status_code != 200:
            raise AssertionError(f"GET {self.url} answered {response.status_code}")
        self.last_body = response.content.decode()
        return ms

    def check(self) -> str:
        numbers = coverage_numbers(self.last_body)
        assert numbers.count(TIANJIN_TOWNSHIPS) >= 2, f"coverage summary shows {numbers}"
        assert self.rooms_total in numbers, f"{self.rooms_total} rooms not in {numbers}"
        assert TIANJIN_COMMUNITIES in numbers, f"{TIANJIN_COMMUNITIES} not in {numbers}"
        queries, sql_ms, slowest = self.profile()
        return (
            f"page shows {TIANJIN_TOWNSHIPS} of {TIANJIN_TOWNSHIPS} townships covered, "
            f"{self.rooms_total:,} rooms of {TIANJIN_COMMUNITIES:,} communities "
            f"(setup added {self.stations_added:,} township stations and "
            f"{self.rooms_added:,} rooms to the demo's); "
            f"one request: {queries} queries, ≈{sql_ms:.0f} ms in SQL"
            + ("" if not slowest else "; slowest: " + "; ".join(slowest))
        )

    def profile(self) -> tuple[int, float, list[str]]:
        """One more request with the queries captured (not part of the timings)."""
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            self.client.get(self.url)
        timed = [(float(q["time"]) * 1000, q["sql"]) for q in ctx.captured_queries]
        slowest = sorted(timed, reverse=True)[:3]
        return (
            len(timed),
            sum(ms for ms, _ in timed),
            [f"{ms:.1f} ms `{shorten(sql)}`" for ms, sql in slowest if ms >= 5],
        )


def cover_all_townships() -> int:
    """A township station for every Tianjin township the demo leaves without one."""
    from shegong.core.actors import SystemActor
    from shegong.regions.models import Level, Region, ServiceArea, StationKind
    from shegong.regions.services import create_station

    actor = SystemActor("bench")
    covered = set(
        ServiceArea.objects.current()
        .filter(
            station__active=True,
            station__kind=StationKind.TOWNSHIP,
            region__level=Level.TOWNSHIP,
            region_id__gte=TIANJIN,
            region_id__lt=TIANJIN + 10**10,
        )
        .values_list("region_id", flat=True)
    )
    townships = Region.objects.filter(
        level=Level.TOWNSHIP, code__gte=TIANJIN, code__lt=TIANJIN + 10**10
    ).exclude(code__in=covered)
    added = 0
    for township in townships:
        create_station(
            actor=actor,
            region=township,
            name=f"{township.name}社会工作服务站",
            kind=StationKind.TOWNSHIP,
        )
        added += 1
    return added


def add_rooms(total: int, seed: int = 12) -> tuple[int, int]:
    """Community rooms in random Tianjin communities until there are `total`: (total, added)."""
    from shegong.core.actors import SystemActor
    from shegong.regions.models import Level, Region, ServiceArea, StationKind
    from shegong.regions.services import create_station

    actor = SystemActor("bench")
    with_room = set(
        ServiceArea.objects.current()
        .filter(
            station__active=True,
            station__kind=StationKind.COMMUNITY_ROOM,
            region__level=Level.VILLAGE,
            region_id__gte=TIANJIN,
            region_id__lt=TIANJIN + 10**10,
        )
        .values_list("region_id", flat=True)
    )
    villages = list(
        Region.objects.filter(
            level=Level.VILLAGE, code__gte=TIANJIN, code__lt=TIANJIN + 10**10
        ).exclude(code__in=with_room)
    )
    wanted = max(0, total - len(with_room))
    for village in random.Random(seed).sample(villages, wanted):
        create_station(
            actor=actor,
            region=village,
            name=f"{village.name}社会工作室",
            kind=StationKind.COMMUNITY_ROOM,
        )
    return len(with_room) + wanted, wanted


def vacuum_analyze() -> None:
    """Fresh planner statistics after bulk setup, as autovacuum would give a live database."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


def coverage_numbers(html: str) -> list[int]:
    """The integers in the page's coverage summary (language-independent)."""
    match = re.search(r'data-testid="coverage-summary">(.*?)</p>', html, re.S)
    if match is None:
        raise AssertionError("no coverage summary on the page")
    text = re.sub(r"<[^>]+>", " ", match.group(1))
    return [int(n.replace(",", "")) for n in re.findall(r"(?<![\d.])\d[\d,]*(?![\d.%])", text)]


def shorten(sql: str, width: int = 160) -> str:
    """One line of SQL for the report, its string literals (session data …) left out."""
    sql = re.sub(r"'(?:[^']|'')*'", "'…'", " ".join(sql.split()))
    return sql if len(sql) <= width else sql[: width - 1] + "…"


from community_cases import community_cases  # noqa: E402  (issue 5's activities)
from fieldwork_cases import fieldwork_cases  # noqa: E402  (issue 4's field work: 10M visits)
from people_cases import people_cases  # noqa: E402  (issue 3's people registry: 1,000,000 persons)
from resources_cases import resources_cases  # noqa: E402  (issue 5's fund ledgers)

CASES: list[Case] = [  # type: ignore[list-item]
    LoadAllTownships(),
    TianjinTree(),
    *people_cases(),
    *fieldwork_cases(),
    *community_cases(),
    *resources_cases(),
]


# --- Running and reporting ---------------------------------------------------------------------


@dataclass
class Outcome:
    case: Case
    times: list[float] = field(default_factory=list)
    note: str = ""
    error: str = ""

    @property
    def p50(self) -> float:
        return statistics.median(self.times)

    @property
    def p95(self) -> float:
        ordered = sorted(self.times)
        return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]

    @property
    def worst(self) -> float:
        return max(self.times)

    @property
    def verdict(self) -> str:
        if self.error or not self.times:
            return "ERROR"
        return "PASS" if self.p95 < self.case.target_ms else "FAIL"


def measure(case: Case) -> Outcome:
    outcome = Outcome(case)
    print(f"-- {case.name}", flush=True)
    try:
        start = time.perf_counter()
        case.setup()
        print(f"   setup {fmt(elapsed_ms(start))}", flush=True)
        gc.collect()  # the setup's garbage is not the measured code's; a server has none of it
        for _ in range(case.warmups):
            case.run()
        outcome.times = [case.run() for _ in range(case.runs)]
        outcome.note = case.check()
    except Exception as exc:
        outcome.error = f"{type(exc).__name__}: {exc}"
    print(f"   {row(outcome)}", flush=True)
    return outcome


def fmt(ms: float) -> str:
    return f"{ms / 1000:.2f} s" if ms >= 1000 else f"{ms:.1f} ms"


def row(o: Outcome) -> str:
    if not o.times:
        cells = ["0", "–", "–", "–"]
    else:
        cells = [str(len(o.times)), fmt(o.p50), fmt(o.p95), fmt(o.worst)]
    return " | ".join([o.case.name, *cells, f"< {fmt(o.case.target_ms)}", o.verdict])


def machine(load: tuple[float, float, float]) -> list[str]:
    from django.db import connection

    def sh(*cmd: str) -> str:
        try:
            return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return "?"

    mem = sh("free", "-g").splitlines()
    memory = "?"
    if len(mem) >= 2:
        head, values = mem[0].split(), mem[1].split()[1:]
        cols = dict(zip(head, values, strict=False))
        memory = (
            f"{cols.get('total', '?')} GiB total, {cols.get('used', '?')} used, "
            f"{cols.get('available', '?')} available"
        )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT version()")
            database = str(cursor.fetchone()[0]).split(" on ")[0]
    else:
        database = f"{connection.vendor} (not PostgreSQL: not comparable with the targets)"
    import django

    commit = sh("git", "rev-parse", "--short", "HEAD")
    dirty = " (with uncommitted changes)" if sh("git", "status", "--porcelain") else ""
    return [
        f"- machine: {sh('nproc')} CPUs (nproc); memory (free -g): {memory}; load average "
        f"before the run (1/5/15 min): {' / '.join(f'{x:.2f}' for x in load)}",
        f"- database: {database}, `{connection.settings_dict['NAME']}`",
        f"- software: Python {platform.python_version()}, Django {django.get_version()}, "
        f"commit {commit}{dirty}",
    ]


def report(outcomes: list[Outcome], load: tuple[float, float, float]) -> str:
    when = dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    lines = [f"## {when}", "", *machine(load), ""]
    lines += ["| case | n | p50 | p95 | max | target | result |", "|---|---|---|---|---|---|---|"]
    lines += [f"| {row(o)} |" for o in outcomes]
    lines.append("")
    for o in outcomes:
        if o.error or o.note:
            lines.append(f"- {o.case.name}: {o.error or o.note}")
    lines.append("")
    return "\n".join(lines) + "\n"


HEADER = """# Benchmark results

Appended by `make bench` (scripts/bench → bench/run.py), newest at the bottom; see README.md.
A case passes when its p95 is under the target.

"""


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, help="append the summary to this Markdown file")
    parser.add_argument("names", nargs="*", help="run only cases whose name contains one of these")
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench_settings")  # next to this file
    import django

    django.setup()

    load = os.getloadavg()
    cases = [c for c in CASES if not args.names or any(n in c.name for n in args.names)]
    outcomes = [measure(case) for case in cases]
    text = report(outcomes, load)
    print("\n" + text)
    if args.results:
        new = not args.results.exists() or args.results.stat().st_size == 0
        with args.results.open("a", encoding="utf-8") as fh:
            fh.write((HEADER if new else "") + text)
        print(f"appended to {args.results}")
    return 0 if all(o.verdict == "PASS" for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
