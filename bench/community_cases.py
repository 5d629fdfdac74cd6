"""Issue 5's "Speed" targets for activities at city scale: the activity list and the station
page (with its activities panel: recent activities, this month's persons served and
person-times) at p95 ≤ 50 ms.

Register in run.py's CASES through `community_cases()` (after the people cases, whose
1,000,000 persons the attendance refers to); every name starts with "community", so
`scripts/bench community` runs them all. Like people_cases, the cases here implement run.Case's
interface (name, target_ms, runs, warmups; setup, run, check) without subclassing it (run.py
imports this module).

The dataset (`CommunityDataset`, generated once per database): for every active township
station of Tianjin, two years of activities (8 a month: 192 each), each with 5–25 registered
persons of the station's township checked in and a headcount of 0–30 others, and 4 groups with
8 members and 8 sessions each; written with bulk inserts, then VACUUM ANALYZE. About 57,000
activities, 12,000 group sessions and 1,000,000 attendance rows for Tianjin's ~300 stations.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from typing import Any

from people_cases import CITY, DISTRICT_ADMIN, WORKER, Case, Timed, elapsed_ms, login, say

TARGET_MS = 50.0
GENERATE_BUDGET_MS = 600_000.0  # a budget, not an issue target
CITY_ADMIN = "demo_city_admin"
TIANJIN = 120_000_000_000
MONTHS = 24
PER_MONTH = 8
GROUPS = 4
MEMBERS = 8
SESSIONS = 8
POOL = 400  # registered persons per township drawn for the attendance
MARK = "[bench]"  # in every generated title: the dataset exists when one is found
SEED = 2026_11
TITLES = (
    "重阳节敬老活动",
    "义诊进社区",
    "防诈骗知识讲座",
    "儿童剪纸课堂",
    "志愿者技能培训",
    "端午包粽子",
    "垃圾分类宣传",
    "心理健康讲座",
)
DOMAINS = (
    "social_assistance",
    "elderly_care",
    "child_welfare",
    "community_governance",
    "social_affairs",
)
KINDS = ("event", "lecture", "training", "free_clinic", "holiday_visit", "volunteer_service")
ROLES = {WORKER: "station worker", DISTRICT_ADMIN: "district admin", CITY_ADMIN: "city admin"}


# --- the dataset ---------------------------------------------------------------------------------
def generated() -> bool:
    from shegong.community.models import Activity

    return Activity.objects.filter(title__endswith=MARK).exists()


def township_stations() -> list[Any]:
    from shegong.regions.models import Station, StationKind

    return list(
        Station.objects.filter(
            active=True,
            kind=StationKind.TOWNSHIP,
            region_id__gte=TIANJIN,
            region_id__lt=TIANJIN + 10**10,
        ).order_by("code")
    )


def persons_near(station: Any) -> list[int]:
    """Registered persons of the station's township (its home division's subtree)."""
    from shegong.people.models import Person

    lo = station.region_id // 1000 * 1000
    return list(
        Person.objects.filter(region_id__gte=lo, region_id__lt=lo + 1000)
        .order_by("pk")
        .values_list("pk", flat=True)[:POOL]
    )


def generate() -> dict[str, int]:
    """Write the dataset (see the module docstring) in one transaction; returns row counts."""
    from django.db import connection, transaction

    from shegong.community.models import Activity, Attendance, Group, GroupMember, GroupSession

    rng = random.Random(SEED)
    today = dt.date.today()
    counts = {"stations": 0, "activities": 0, "sessions": 0, "attendance": 0}
    with transaction.atomic():
        for station in township_stations():
            pool = persons_near(station)
            code = station.region_id
            acts = []
            for i in range(MONTHS * PER_MONTH):
                others = rng.randint(0, 30)
                acts.append(
                    Activity(
                        title=f"{rng.choice(TITLES)} {MARK}",
                        domain=rng.choice(DOMAINS),
                        kind=rng.choice(KINDS),
                        held_on=today - dt.timedelta(days=i * 30 * MONTHS // (MONTHS * PER_MONTH)),
                        place="社区活动室",
                        station=station,
                        region_code=code,
                        others_count=others,
                    )
                )
            Activity.objects.bulk_create(acts, batch_size=1000)
            rows = []
            for a in acts:
                present = rng.sample(pool, min(len(pool), rng.randint(5, 25)))
                a.named_count = len(present)
                rows += [
                    Attendance(activity=a, person_id=p, on=a.held_on, station=station,
                               region_code=code)
                    for p in present
                ]  # fmt: skip
            Activity.objects.bulk_update(acts, ["named_count"], batch_size=1000)
            for g in range(GROUPS if len(pool) >= MEMBERS else 0):
                group = Group.objects.create(
                    name=f"互助小组{g + 1} {MARK}",
                    domain=rng.choice(DOMAINS),
                    station=station,
                    region_code=code,
                    aims="互助",
                    planned_sessions=SESSIONS,
                    phase="ended",
                )
                members = rng.sample(pool, MEMBERS)
                start = today - dt.timedelta(days=rng.randint(60, 700))
                GroupMember.objects.bulk_create(
                    GroupMember(group=group, person_id=p, joined_on=start) for p in members
                )
                sessions = GroupSession.objects.bulk_create(
                    GroupSession(group=group, number=n + 1, held_on=start + dt.timedelta(weeks=n),
                                 topic=f"第{n + 1}节", station=station, region_code=code,
                                 named_count=6, others_count=rng.randint(0, 3))
                    for n in range(SESSIONS)
                )  # fmt: skip
                for s in sessions:
                    rows += [
                        Attendance(session=s, person_id=p, on=s.held_on, station=station,
                                   region_code=code)
                        for p in rng.sample(members, 6)
                    ]  # fmt: skip
                counts["sessions"] += len(sessions)
            Attendance.objects.bulk_create(rows, batch_size=5000)
            counts["stations"] += 1
            counts["activities"] += len(acts)
            counts["attendance"] += len(rows)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in ("activity", "attendance", "group", "groupsession", "groupmember"):
                cursor.execute(f"VACUUM ANALYZE community_{table}")
    return counts


class CommunityDataset(Case):
    name = "community: generate two years of activities and group sessions for every station"
    target_ms = GENERATE_BUDGET_MS

    def setup(self) -> None:
        CITY.ensure()  # the people cases' 1,000,000 persons (generated once per database)

    def run(self) -> float:
        if generated():
            self.counts: dict[str, int] = {}
            return 0.0
        start = time.perf_counter()
        self.counts = generate()
        return elapsed_ms(start)

    def check(self) -> str:
        from shegong.community.models import Activity, Attendance, GroupSession

        assert Activity.objects.filter(title__endswith=MARK).exists(), "no activities"
        total = (
            f"{Activity.objects.count():,} activities, {GroupSession.objects.count():,} group "
            f"sessions, {Attendance.objects.count():,} attendance rows in the database"
        )
        if not self.counts:
            return "generated earlier in this database: " + total
        return f"{self.counts['stations']} township stations; " + total


def ensure_dataset() -> None:
    if not generated():
        say("   community: generating the dataset first")
        CITY.ensure()
        generate()


# --- the activity list -------------------------------------------------------------------------
class ActivityList(Timed):
    """GET /activities/ with a random filter (none, a domain, a kind, a month, the station)
    and a random one of the first pages."""

    def __init__(self, username: str) -> None:
        super().__init__()
        self.username = username
        self.target_ms = TARGET_MS
        self.name = f"community activity list, {ROLES[username]}, 50 a page: GET /activities/?…"
        self.slug = f"community-list-{username}"
        self.shown: list[int] = []

    def setup(self) -> None:
        from shegong.community.activity_selectors import listed_stations
        from shegong.regions.models import StationKind

        ensure_dataset()
        user = CITY.user(self.username)
        self.stations = list(
            listed_stations(user)
            .filter(kind=StationKind.TOWNSHIP, active=True)
            .values_list("code", flat=True)[:300]
        )
        self.client = login(self.username)

    def url(self) -> str:
        rng, today = self.rng, dt.date.today()
        choice = rng.randrange(5)
        if choice == 1:
            query = f"domain={rng.choice(DOMAINS)}"
        elif choice == 2:
            query = f"kind={rng.choice(KINDS)}"
        elif choice == 3:
            first = (today - dt.timedelta(days=rng.randint(0, 600))).replace(day=1)
            last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
            query = f"start={first.isoformat()}&end={last.isoformat()}"
        elif choice == 4:
            query = f"station={rng.choice(self.stations)}"
        else:
            query = ""
        return f"/activities/?{query}&page={rng.randint(1, 3)}"

    def call(self, url: str) -> int:
        response = self.client.get(url)
        assert response.status_code == 200, f"GET {url} answered {response.status_code}"
        return response.content.count(b"data-activity=")

    def run(self) -> float:
        url = self.url()
        start = time.perf_counter()
        shown = self.call(url)
        ms = elapsed_ms(start)
        self.shown.append(shown)
        if not shown:
            self.empty += 1
        return self.timed(ms)

    def check(self) -> str:
        from shegong.community.activity_selectors import activities_for

        assert self.empty <= len(self.shown) // 20, f"{self.empty} pages showed no activity"
        scope = activities_for(CITY.user(self.username)).count()
        return (
            f"{scope:,} activities in scope; random filter and page; {self.empty} empty pages; "
            + self.profiled(lambda: self.call(self.url()))
        )


# --- the station page ----------------------------------------------------------------------------
class StationPage(Timed):
    """GET /stations/<code>/ with every panel (the activities panel counts this month's
    persons served and person-times of the station)."""

    def __init__(self, username: str) -> None:
        super().__init__()
        self.username = username
        self.target_ms = TARGET_MS
        self.name = (
            f"community station page with its panels, {ROLES[username]}: GET /stations/<code>/"
        )
        self.slug = f"community-station-{username}"
        self.times_shown: list[int] = []

    def setup(self) -> None:
        from shegong.core.perms import ACTIVITY_VIEW
        from shegong.regions.models import Station, StationKind

        ensure_dataset()
        user = CITY.user(self.username)
        own = [s.code for s in user.stations(ACTIVITY_VIEW)]
        self.codes = own or list(
            Station.objects.visible_to(user, ACTIVITY_VIEW)
            .filter(kind=StationKind.TOWNSHIP, active=True)
            .values_list("code", flat=True)
        )
        self.client = login(self.username)

    def call(self, code: str) -> int:
        url = f"/stations/{code}/"
        response = self.client.get(url)
        assert response.status_code == 200, f"GET {url} answered {response.status_code}"
        html = response.content.decode()
        marker = 'data-testid="month-person-times">'
        assert marker in html, f"{url} has no activities panel"
        return int(html.split(marker, 1)[1].split("<", 1)[0])

    def run(self) -> float:
        code = self.rng.choice(self.codes)
        start = time.perf_counter()
        self.times_shown.append(self.call(code))
        return self.timed(elapsed_ms(start))

    def check(self) -> str:
        assert max(self.times_shown) > 0, "no station showed person-times this month"
        return (
            f"{len(self.codes)} stations drawn from; this month's person-times shown up to "
            f"{max(self.times_shown):,}; " + self.profiled(lambda: self.call(self.codes[0]))
        )


def community_cases() -> list[Case]:
    cases: list[Case] = [CommunityDataset()]
    cases += [ActivityList(u) for u in (WORKER, DISTRICT_ADMIN, CITY_ADMIN)]
    cases += [StationPage(u) for u in (WORKER, DISTRICT_ADMIN)]
    return cases
