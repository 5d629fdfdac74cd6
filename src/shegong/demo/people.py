"""Demo persons: a few thousand invented people with realistic category mixes, registered
through the same services as the web pages. ID numbers are checksum-valid but invented."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

from django.utils import timezone

from shegong.core.actors import SystemActor
from shegong.core.crypto import blind_index
from shegong.core.idnumber import make
from shegong.people import services
from shegong.people.categories import sync as sync_categories
from shegong.people.models import Category, LivingSituation, MembershipSource, Person, RiskLevel
from shegong.regions.models import Level, Region

SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
    "苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史"
    "单"
)
GIVEN = (
    "秀英桂兰玉兰淑珍凤英建华建国志强海燕丽娟明华国庆红梅秀兰春花德胜振华永福文华"
    "子涵浩然欣怡梓轩雨桐一诺宇航思远佳怡俊杰"
)
ETHNICITIES = ("汉族",) * 18 + ("回族", "满族")


def _name(rng: random.Random) -> str:
    given_len = rng.choice((1, 2, 2))
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(given_len))


def _birth(rng: random.Random, today: dt.date) -> dt.date:
    bucket = rng.random()
    if bucket < 0.12:
        age = rng.randint(3, 17)
    elif bucket < 0.30:
        age = rng.randint(18, 59)
    elif bucket < 0.85:
        age = rng.randint(60, 84)
    else:
        age = rng.randint(85, 99)
    return today - dt.timedelta(days=age * 365 + rng.randint(0, 364))


def build_people(
    *, count: int = 2000, seed: int = 7, say: Callable[[str], None] = lambda s: None
) -> int:
    rng = random.Random(seed)
    actor = SystemActor("demo")
    today = timezone.localdate()
    villages = [
        v
        for lo in (120104000000, 120113000000)
        for v in Region.objects.filter(level=Level.VILLAGE, code__gte=lo, code__lt=lo + 10**6)
    ]
    # 果园新村's communities get a larger share: the demo worker should have a real caseload.
    guoyuan = [v for v in villages if v.code // 1000 == 120113001]
    sync_categories(Category)  # a test database flushed after a live-server test has none
    cats = {c.code: c for c in Category.objects.all()}
    made = 0
    for _ in range(count):
        region = rng.choice(guoyuan) if rng.random() < 0.2 else rng.choice(villages)
        birth = _birth(rng, today)
        gender = rng.choice("MF")
        number = make(str(region.code)[:6], birth, rng.randint(0, 499), gender)
        age = (today - birth).days // 365
        living = ""
        if age >= 60:
            living = rng.choices(
                [
                    LivingSituation.ALONE,
                    LivingSituation.EMPTY_NEST,
                    LivingSituation.WITH_CHILDREN,
                    LivingSituation.WITH_RELATIVES,
                ],
                weights=[25, 30, 35, 10],
            )[0]
        elif age < 18:
            living = rng.choice([LivingSituation.WITH_GUARDIAN, LivingSituation.WITH_RELATIVES])
        if Person.objects.filter(id_index=blind_index(number, purpose="id")).exists():
            continue  # an invented number that happens to exist already
        person = services.register_person(
            actor=actor,
            confirm_duplicate=True,
            name=_name(rng),
            id_number=number,
            ethnicity=rng.choice(ETHNICITIES),
            phone=f"1{rng.choice('3578')}{rng.randint(0, 999999999):09d}",
            region=region,
            living_situation=living,
            residence_address=f"{region.name.removesuffix('社区居委会')}"
            f"{rng.randint(1, 40)}号楼{rng.randint(1, 6)}门{rng.randint(101, 602)}",
        )
        source = rng.choice([MembershipSource.CIVIL_AFFAIRS, MembershipSource.SCREENING])
        since = max(today - dt.timedelta(days=rng.randint(30, 2000)), birth)

        def add(
            code: str,
            subtype: str = "",
            grade: int | None = None,
            person: Person = person,
            since: dt.date = since,
            source: str = source,
        ) -> None:
            services.add_membership(
                actor=actor,
                person=person,
                category=cats[code],
                valid_from=since,
                source=source,
                subtype=subtype,
                grade=grade,
            )

        if age >= 60 and living == LivingSituation.ALONE:
            add("elderly_alone")
        if age >= 60 and living == LivingSituation.EMPTY_NEST:
            add("elderly_empty_nest")
        if rng.random() < 0.09:
            add("dibao")
        elif rng.random() < 0.04:
            add("dibao_edge")
        if age >= 60 and rng.random() < 0.03:
            add("tekun", subtype=rng.choice(["分散供养", "集中供养"]))
        if rng.random() < 0.08:
            add("disabled", subtype=rng.choice(cats["disabled"].subtypes), grade=rng.randint(1, 4))
        if age < 18 and rng.random() < 0.2:
            add("child_in_difficulty", subtype=rng.choice(cats["child_in_difficulty"].subtypes))
        elif age < 16 and rng.random() < 0.2:
            add("left_behind_child")
        if rng.random() < 0.08:
            services.set_risk_level(
                actor=actor,
                person=person,
                level=rng.choices(
                    [RiskLevel.MEDIUM, RiskLevel.HIGH, RiskLevel.CRISIS], weights=[70, 25, 5]
                )[0],
                reason=rng.choice(["独居且行动不便", "近期跌倒两次", "家庭照顾不足", "情绪低落"]),
            )
        made += 1
    say(f"demo: {made} persons")
    return made
