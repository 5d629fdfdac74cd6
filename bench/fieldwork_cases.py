"""Field work's "Speed" targets (issue 4) at city scale: 1,000,000 persons, five years of visits,
cases and service records (about 12.6 million visits and service records).

Registered in run.py's CASES through `fieldwork_cases()`; every name starts with "fieldwork",
so `scripts/bench fieldwork` runs them all (on a fresh database the first one builds everything:
Tianjin's divisions, the demo, people_data's persons, then fieldwork_data's history). The cases
implement run.Case's interface without subclassing it, as people_cases does, and share its
helpers (the logged-in test clients, query profiles, EXPLAIN files on a miss).

    SHEGONG_BENCH_FIELDWORK_PERSONS=20000 scripts/bench fieldwork   # a small trial run

sets the number of persons generated when the database has none yet (default 1,000,000); the
history scales with it (about 12 visits and 0.8 service records a person).

A case whose first call takes more than ten times its target is measured on 5 runs only (the
note says so): the lists of today's selectors take seconds at city scale. When a p95 misses,
the EXPLAIN ANALYZE of the slowest query of one profiled run is written to var/bench/explain/.

Users: the demo's `demo_worker` (果园新村街道, a typical township station), the resident worker
of the largest station (`fw<station>w0`, made by fieldwork_data), `demo_station_head`, and
`demo_district_admin` (北辰区, 13 townships). "Today" is the day of the run; the history ends
the day before it was generated.
"""

from __future__ import annotations

import os
import statistics
import time
from typing import Any

from people_cases import CITY, DISTRICT_ADMIN, WORKER, Timed, elapsed_ms, login, say

WORKLIST_TARGET_MS = 50.0
FORGOTTEN_TARGET_MS = 200.0
TIMELINE_TARGET_MS = 40.0
RECORD_TARGET_MS = 50.0
GENERATE_BUDGET_MS = 1_200_000.0  # a budget, not an issue target
PERSONS = int(os.environ.get("SHEGONG_BENCH_FIELDWORK_PERSONS", "1000000"))
STATION_HEAD = "demo_station_head"
SLOW_RUNS = 5  # runs of a case whose first call takes more than 10 × its target


class World:
    """The divisions, the demo, the persons and their field work; built once per database."""

    def __init__(self) -> None:
        self.people: Any = None
        self.stats: Any = None
        self._largest: str | None = None

    def people_ready(self) -> None:
        from people_data import generate, generated_range

        CITY.base()
        if generated_range() is None:
            start = time.perf_counter()
            self.people = generate(PERSONS, say=say)
            seconds = elapsed_ms(start) / 1000
            say(f"   people_data: {self.people.persons:,} persons in {seconds:.0f} s")

    def ensure(self) -> Any:
        from fieldwork_data import generate

        if self.stats is None:
            self.people_ready()
            self.stats = generate(say=say)
        return self.stats

    def largest_station_worker(self) -> str:
        """The username of a resident worker at the station with the most persons."""
        from django.db.models import Count

        from shegong.accounts.models import RoleAssignment
        from shegong.accounts.roles import Role
        from shegong.people.models import Person

        if self._largest is None:
            top = (
                Person.objects.exclude(station=None)
                .values("station_id")
                .annotate(n=Count("id"))
                .order_by("-n")
                .first()
            )
            assert top is not None, "no persons"
            assignment = (
                RoleAssignment.objects.current()
                .filter(station_id=top["station_id"], role=Role.WORKER)
                .select_related("user")
                .order_by("user__username")
                .first()
            )
            assert assignment is not None, "the largest station has no worker"
            self._largest = assignment.user.username
        return self._largest


WORLD = World()


def today() -> Any:
    from django.utils import timezone

    return timezone.localdate()


def scope_size(user: Any, perm: str) -> int:
    from shegong.people.models import Person

    return Person.objects.visible_to(user, perm).count()


class Slow(Timed):
    """A case whose runs may take seconds: fewer runs when the first call is far off target."""

    def calibrate(self, call: Any) -> None:
        start = time.perf_counter()
        call()
        first = elapsed_ms(start)
        if first > 10 * self.target_ms:
            self.runs, self.warmups = SLOW_RUNS, 1
            self.calibrated = f"first call {first:.0f} ms, so {SLOW_RUNS} runs only; "
        else:
            self.calibrated = ""


# --- generation --------------------------------------------------------------------------------
class FieldworkDataset(Timed):
    name = (
        f"fieldwork: generate five years of visits, cases and service records for "
        f"{PERSONS:,} persons (simulated policy, COPY, indexes, VACUUM)"
    )
    target_ms = GENERATE_BUDGET_MS
    runs = 1
    warmups = 0

    def setup(self) -> None:
        WORLD.people_ready()

    def run(self) -> float:
        from fieldwork_data import generate

        start = time.perf_counter()
        WORLD.stats = generate(say=say)
        return 0.0 if WORLD.stats.skipped else elapsed_ms(start)

    def check(self) -> str:
        from django.db import connection
        from django.db.models import F

        from shegong.fieldwork.models import Visit

        stats = WORLD.stats
        rows = stats.rows
        assert rows["visit"] > 5 * stats.persons, f"{rows['visit']:,} visits"
        assert rows["service"] > 0 and rows["case"] > 0, "no cases or services"
        sample = list(Visit.objects.order_by("?").values_list("pk", flat=True)[:200])
        bad = (
            Visit.objects.filter(pk__in=sample).exclude(person__station_id=F("station_id")).count()
        )
        assert bad == 0, f"{bad} sampled visits not at their person's station"
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_size_pretty(pg_total_relation_size('fieldwork_visit')),"
                " pg_size_pretty(pg_total_relation_size('fieldwork_visit_workers')),"
                " pg_size_pretty(pg_database_size(current_database()))"
            )
            visit_size, workers_size, db_size = cursor.fetchone()
        if stats.skipped:
            head = f"generated earlier in this database (on {stats.today})"
        else:
            phases = ", ".join(f"{k} {v:.0f} s" for k, v in stats.phases.items())
            head = (
                f"{stats.stations} stations, {stats.staff_created:,} logins created; {phases} "
                f"({os.cpu_count()} worker processes)"
            )
        labels = {
            "visit_workers": "who-went rows",
            "case": "cases",
            "service": "service records",
            "intake": "intake decisions",
            "stage": "stage changes",
            "needs": "needs assessments",
            "plan": "plans",
            "evaluation": "evaluations",
            "closure": "closure reports",
            "referral": "referrals",
            "alert": "risk alerts",
            "action": "alert actions",
            "self_care": "self-care assessments",
        }
        others = ", ".join(f"{rows.get(k, 0):,} {label}" for k, label in labels.items())
        return (
            f"{head}; {stats.persons:,} persons: {rows['visit']:,} visits, {others}; visits + "
            f"service records {rows['visit'] + rows['service']:,}; fieldwork_visit {visit_size} "
            f"with indexes (who went {workers_size}), database {db_size}"
        )


# --- the worklist --------------------------------------------------------------------------------
WORKLIST_VIAS = {
    "selector": "worklist(user, today)",
    "page": "GET /visits/worklist/",
    "api": "GET /api/visits/worklist",
}


class Worklist(Slow):
    def __init__(self, who: str, via: str) -> None:
        super().__init__()
        self.who, self.via = who, via
        self.target_ms = WORKLIST_TARGET_MS
        self.runs, self.warmups = 100, 10
        what = "demo_worker (果园新村)" if who == "typical" else "largest station's worker"
        self.name = f"fieldwork worklist, {what}: {WORKLIST_VIAS[via]}"
        self.slug = f"fieldwork-worklist-{who}-{via}"
        self.sizes: list[tuple[int, int, int]] = []

    def setup(self) -> None:
        WORLD.ensure()
        self.username = WORKER if self.who == "typical" else WORLD.largest_station_worker()
        self.user = CITY.user(self.username)
        if self.via != "selector":
            self.client = login(self.username)
        self.calibrate(self.call)

    def call(self) -> tuple[int, int, int]:
        from shegong.fieldwork import selectors

        if self.via == "selector":
            self.user.forget_jurisdiction()  # a request loads the user afresh
            work = selectors.worklist(self.user, today())
            return len(work.overdue), len(work.due_today), len(work.due_this_week)
        if self.via == "page":
            response = self.client.get("/visits/worklist/")
            assert response.status_code == 200, f"worklist page answered {response.status_code}"
            body = response.content.decode()
            return body.count("data-person="), 0, 0
        response = self.client.get("/api/visits/worklist")
        assert response.status_code == 200, f"worklist API answered {response.status_code}"
        data = response.json()
        return len(data["overdue"]), len(data["due_today"]), len(data["due_this_week"])

    def run(self) -> float:
        start = time.perf_counter()
        self.sizes.append(self.call())
        return self.timed(elapsed_ms(start))

    def check(self) -> str:
        from shegong.core.perms import VISIT_RECORD

        overdue, due_today, week = self.sizes[-1]
        assert overdue + due_today + week > 0, "an empty worklist"
        if self.via == "page":
            shown = f"{overdue} rows shown"
        else:
            shown = f"overdue {overdue}, due today {due_today}, due later this week {week}"
        return (
            f"{self.calibrated}{self.username}: {scope_size(self.user, VISIT_RECORD):,} persons "
            f"in scope; {shown}; " + self.profiled(self.call)
        )


# --- nobody forgotten -------------------------------------------------------------------------
FORGOTTEN_VIAS = {
    "selector": "nobody_forgotten(user, today)",
    "page": "GET /visits/overdue/",
    "api": "GET /api/visits/overdue",
}


class NobodyForgotten(Slow):
    def __init__(self, username: str, via: str) -> None:
        super().__init__()
        self.username, self.via = username, via
        self.target_ms = FORGOTTEN_TARGET_MS
        self.runs, self.warmups = 30, 3
        who = "district admin (北辰区)" if username == DISTRICT_ADMIN else "station head (果园新村)"
        self.name = f"fieldwork nobody forgotten, {who}: {FORGOTTEN_VIAS[via]}"
        self.slug = f"fieldwork-forgotten-{username.split('_')[1]}-{via}"
        self.found: tuple[int, int, int] = (0, 0, 0)

    def setup(self) -> None:
        WORLD.ensure()
        self.user = CITY.user(self.username)
        if self.via != "selector":
            self.client = login(self.username)
        self.calibrate(self.call)

    def call(self) -> tuple[int, int, int]:
        """(rows, persons, stations)"""
        from shegong.fieldwork import selectors

        if self.via == "selector":
            self.user.forget_jurisdiction()
            rows = selectors.nobody_forgotten(self.user, today())
            counts = selectors.counts_per_station(rows)
            return len(rows), sum(n for _s, n in counts), len(counts)
        if self.via == "page":
            response = self.client.get("/visits/overdue/")
            assert response.status_code == 200, f"overdue page answered {response.status_code}"
            return response.content.decode().count("data-person="), 0, 0
        response = self.client.get("/api/visits/overdue")
        assert response.status_code == 200, f"overdue API answered {response.status_code}"
        data = response.json()
        return len(data["rows"]), sum(c["persons"] for c in data["counts"]), len(data["counts"])

    def run(self) -> float:
        start = time.perf_counter()
        self.found = self.call()
        return self.timed(elapsed_ms(start))

    def check(self) -> str:
        from shegong.core.perms import FIELDWORK_OVERSIGHT

        rows, persons, stations = self.found
        assert rows > 0, "nobody is overdue"
        found = (
            f"{rows:,} rows on the first page"
            if self.via == "page"
            else f"{rows:,} overdue contacts of {persons:,} persons at {stations} stations"
        )
        return (
            f"{self.calibrated}{scope_size(self.user, FIELDWORK_OVERSIGHT):,} persons in scope; "
            f"{found}; " + self.profiled(self.call)
        )


# --- the person timeline -----------------------------------------------------------------------
class Timeline(Timed):
    def __init__(self, via: str) -> None:
        super().__init__()
        self.via = via
        self.target_ms = TIMELINE_TARGET_MS
        self.runs, self.warmups = 200, 20
        where = (
            "events_for(person, user) (the newest 50)"
            if via == "selector"
            else "GET /api/people/<pk> (the person with the newest 50 events)"
        )
        self.name = f"fieldwork person timeline, station worker: {where}"
        self.slug = f"fieldwork-timeline-{via}"
        self.events: list[int] = []
        self.kinds: set[str] = set()

    def setup(self) -> None:
        from django.db.models import Count

        from shegong.core.perms import PERSON_VIEW
        from shegong.people.models import Person

        WORLD.ensure()
        self.user = CITY.user(WORKER)
        scope = Person.objects.visible_to(self.user, PERSON_VIEW)
        # Half of the persons at random, half among those with the most history (the ones a
        # worker opens most), so the heavy timelines are well represented.
        busy = list(
            scope.annotate(n=Count("visits")).order_by("-n").values_list("pk", flat=True)[:200]
        )
        anyone = list(scope.order_by("?").values_list("pk", flat=True)[:200])
        self.persons = {p.pk: p for p in Person.objects.filter(pk__in=busy + anyone)}
        self.pool = busy + anyone
        if self.via != "selector":
            self.client = login(WORKER)

    def call(self, pk: int) -> int:
        from shegong.people import timeline

        if self.via == "selector":
            self.user.forget_jurisdiction()
            events = timeline.events_for(self.persons[pk], self.user)
            self.kinds |= {e.kind for e in events}
            return len(events)
        response = self.client.get(f"/api/people/{pk}")
        assert response.status_code == 200, f"person API answered {response.status_code}"
        return len(response.json()["timeline"])

    def run(self) -> float:
        pk = self.rng.choice(self.pool)
        start = time.perf_counter()
        self.events.append(self.call(pk))
        return self.timed(elapsed_ms(start))

    def check(self) -> str:
        from shegong.people import timeline

        assert max(self.events) == 50, f"no timeline reached 50 events (max {max(self.events)})"
        providers = ", ".join(
            f"{p.__module__.rsplit('.', 2)[-2]}.{p.__name__}" for p in timeline.providers()
        )
        kinds = f"; kinds seen: {', '.join(sorted(self.kinds))}" if self.kinds else ""
        return (
            f"persons of 果园新村: half the 200 with the most visits, half at random; events "
            f"shown median {statistics.median(self.events):.0f}{kinds}; providers: {providers}; "
            + self.profiled(lambda: self.call(self.rng.choice(self.pool)))
        )


# --- recording a visit ---------------------------------------------------------------------------
class RecordVisit(Timed):
    def __init__(self, via: str) -> None:
        super().__init__()
        self.via = via
        self.target_ms = RECORD_TARGET_MS
        self.runs, self.warmups = (200, 20) if via == "service" else (100, 10)
        where = "record_visit(…) service" if via == "service" else "POST /api/visits"
        self.name = f"fieldwork record a visit, station worker, home visit with checklist: {where}"
        self.slug = f"fieldwork-record-{via}"
        self.recorded: list[tuple[int, int]] = []  # (visit id, person id)

    def setup(self) -> None:
        from django.db.models import Max

        from shegong.fieldwork import selectors
        from shegong.fieldwork.models import Visit
        from shegong.fieldwork.policy import checklist_for

        WORLD.ensure()
        self.user = CITY.user(WORKER)
        self.before = Visit.objects.aggregate(m=Max("id"))["m"] or 0
        work = selectors.worklist(self.user, today())
        items = work.overdue + work.due_today + work.due_this_week
        persons = {i.person.pk: i.person for i in items}
        assert persons, "nobody on the worklist"
        day = today()
        # The visit form's data for each person: their checklist, a concern now and then.
        self.inputs = []
        for person in persons.values():
            checklist = {key: "ok" for key, _label in checklist_for(person, day)}
            self.inputs.append((person, checklist))
        self.worklist_persons = len(persons)
        if self.via == "api":
            self.client = login(WORKER)

    def call(self) -> int:
        from shegong.fieldwork import services

        person, checklist = self.rng.choice(self.inputs)
        checklist = dict(checklist)
        if self.rng.random() < 0.2:
            checklist[self.rng.choice(list(checklist))] = "concern"
        notes = "老人身体状况良好，饮食正常，家中无安全隐患。"
        if self.via == "service":
            self.user.forget_jurisdiction()
            visit = services.record_visit(
                actor=self.user,
                person=person,
                kind="home_visit",
                visited_on=today(),
                checklist=checklist,
                notes=notes,
            )
            self.recorded.append((visit.pk, person.pk))
            return visit.pk
        response = self.client.post(
            "/api/visits",
            {"person": person.pk, "kind": "home_visit", "checklist": checklist, "notes": notes},
            content_type="application/json",
        )
        assert response.status_code == 201, f"POST /api/visits answered {response.status_code}"
        pk = int(response.json()["id"])
        self.recorded.append((pk, person.pk))
        return pk

    def run(self) -> float:
        start = time.perf_counter()
        self.call()
        return self.timed(elapsed_ms(start))

    def check(self) -> str:
        from shegong.fieldwork import selectors
        from shegong.fieldwork.models import Visit

        try:
            note = self.profiled(self.call)
            ids = [pk for pk, _person in self.recorded]
            stored = Visit.objects.filter(pk__in=ids, workers=self.user, kind="home_visit").count()
            assert stored == len(ids), f"{stored} of {len(ids)} visits stored with their worker"
            visited = {person for _pk, person in self.recorded}
            work = selectors.worklist(self.user, today())
            still = {i.person.pk for i in work.overdue + work.due_today if i.kind == "visit"}
            assert not (visited & still), "a visited person still has a home visit due"
        finally:
            removed = remove_visits_after(self.before)
        return (
            f"{self.worklist_persons} persons from demo_worker's worklist, each visited with "
            f"their checklist; every visit stored with its worker and audit row, and the "
            f"visited persons left the worklist's due home visits; the {removed:,} visits were "
            f"removed afterwards and the visit tables vacuumed (the audit rows stay); " + note
        )


def remove_visits_after(pk: int) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM fieldwork_visit_workers WHERE visit_id > %s", [pk])
        cursor.execute("DELETE FROM fieldwork_visit WHERE id > %s", [pk])
        removed = cursor.rowcount
        cursor.execute("VACUUM ANALYZE fieldwork_visit")
        cursor.execute("VACUUM ANALYZE fieldwork_visit_workers")
    return removed


def fieldwork_cases() -> list[Any]:
    cases: list[Any] = [FieldworkDataset()]
    for who in ("typical", "largest"):
        cases.append(Worklist(who, "selector"))
    cases += [Worklist("typical", "page"), Worklist("typical", "api")]
    cases += [NobodyForgotten(DISTRICT_ADMIN, via) for via in FORGOTTEN_VIAS]
    cases.append(NobodyForgotten(STATION_HEAD, "selector"))
    cases += [Timeline("selector"), Timeline("api")]
    cases += [RecordVisit("service"), RecordVisit("api")]
    return cases
