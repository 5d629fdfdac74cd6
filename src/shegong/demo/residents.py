"""What the demo's community work and resources builders share: the two demo stations, their
staff logins, the persons registered there with their age and categories, and small helpers to
pick persons, names and phone numbers from the demo's random generator."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from shegong.accounts.models import User
from shegong.people.models import CategoryMembership, LivingSituation, Person, PersonStatus
from shegong.regions.models import Region, Station, StationKind

from .builder import GUOYUAN, GUOYUAN_ROOMS, JIXIANLI, SURNAMES

NEEDY = frozenset({"dibao", "dibao_edge", "tekun"})
CHILDREN_IN_NEED = frozenset({"child_in_difficulty", "left_behind_child"})
GIVEN = "淑珍秀兰桂英玉梅凤霞建军国强志刚海涛晓燕丽华文静春生德明振华红梅金凤宝山立新"


@dataclass(frozen=True)
class Who:
    """A registered person with what the builders choose by."""

    person: Person
    age: int
    codes: frozenset[str]

    @property
    def elderly(self) -> bool:
        return self.age >= 60

    @property
    def young_old(self) -> bool:  # 低龄老人: fit to help the older ones
        return 60 <= self.age < 72

    @property
    def old_old(self) -> bool:
        return self.age >= 80

    @property
    def alone(self) -> bool:
        return self.elderly and (
            "elderly_alone" in self.codes or self.person.living_situation == LivingSituation.ALONE
        )

    @property
    def child(self) -> bool:
        return self.age < 18

    @property
    def child_in_need(self) -> bool:
        return self.child and bool(self.codes & CHILDREN_IN_NEED)

    @property
    def needy(self) -> bool:
        return bool(self.codes & NEEDY)

    @property
    def adult(self) -> bool:
        return self.age >= 18


Test = Callable[[Who], bool]


@dataclass
class World:
    """The demo stations, their staff and persons, on the day of the build."""

    rng: random.Random
    today: dt.date
    users: dict[str, User]
    guoyuan: Station
    jixianli: Station
    pools: dict[int, list[Who]] = field(default_factory=dict)

    def ago(self, days: int) -> dt.date:
        return self.today - dt.timedelta(days=days)

    def pool(self, station: Station) -> list[Who]:
        if station.pk not in self.pools:
            self.pools[station.pk] = _pool(station, self.today)
        return self.pools[station.pk]

    def choose(
        self, station: Station, n: int, *tiers: Test, avoid: set[int] | None = None
    ) -> list[Who]:
        """Up to `n` persons of the station: first those passing the first test, then the
        second … (a station with few registered persons gives fewer)."""
        avoid = avoid or set()
        picked: list[Who] = []
        for test in tiers:
            taken = {w.person.pk for w in picked} | avoid
            tier = [w for w in self.pool(station) if w.person.pk not in taken and test(w)]
            picked += self.rng.sample(tier, min(n - len(picked), len(tier)))
            if len(picked) >= n:
                break
        return picked

    def one(self, station: Station, *tiers: Test, avoid: set[int] | None = None) -> Who | None:
        found = self.choose(station, 1, *tiers, avoid=avoid)
        return found[0] if found else None

    def rooms(self) -> list[Region]:
        """果园新村's three communities with their own social-work rooms."""
        return list(Region.objects.filter(code__in=GUOYUAN_ROOMS).order_by("code"))

    def name(self, *, honorific: bool = False) -> str:
        surname = self.rng.choice(SURNAMES)
        if honorific:
            return surname + self.rng.choice(("阿姨", "大爷", "女士", "先生", "奶奶"))
        return surname + "".join(self.rng.choice(GIVEN) for _ in range(self.rng.choice((1, 2))))

    def phone(self) -> str:
        return f"1{self.rng.choice('3578')}{self.rng.randint(0, 999999999):09d}"


def world(*, rng: random.Random, today: dt.date) -> World:
    users = {u.username: u for u in User.objects.filter(username__startswith="demo_")}
    return World(
        rng=rng,
        today=today,
        users=users,
        guoyuan=Station.objects.get(region_id=GUOYUAN, kind=StationKind.TOWNSHIP),
        jixianli=Station.objects.get(region_id=JIXIANLI, kind=StationKind.TOWNSHIP),
    )


def _pool(station: Station, today: dt.date) -> list[Who]:
    return pool_of(station, today, Who)


def pool_of[W](
    station: Station, today: dt.date, make: Callable[[Person, int, frozenset[str]], W]
) -> list[W]:
    """The station's active persons, by id, each made from the person, their age and the codes
    of the categories they hold today (demo.casework makes its own kind of `Who`)."""
    persons = list(
        Person.objects.filter(station=station, status=PersonStatus.ACTIVE)
        .select_related("region")
        .order_by("pk")
    )
    codes: dict[int, set[str]] = {}
    for pid, code in (
        CategoryMembership.objects.on(today)
        .filter(person__in=[p.pk for p in persons])
        .values_list("person_id", "category__code")
    ):
        codes.setdefault(pid, set()).add(code)
    return [make(p, p.age_on(today) or 0, frozenset(codes.get(p.pk, ()))) for p in persons]
