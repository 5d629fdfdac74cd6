"""Build the demo jurisdiction on real division codes: Tianjin's 北辰区 and 南开区.

Everything goes through the same services as the web pages, as the system actor. Names of
people and organizations are invented; divisions and their codes are the real 2023 ones.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from shegong.accounts import services as account_services
from shegong.accounts.models import User
from shegong.accounts.roles import Role
from shegong.core.actors import SystemActor
from shegong.regions import services as region_services
from shegong.regions.loader import load_shipped
from shegong.regions.models import (
    CertificateLevel,
    Level,
    OrgKind,
    Post,
    Region,
    Station,
    StationKind,
)

DEMO_PASSWORD = "shegong-demo-2026"
TIANJIN = 120000000000
BEICHEN = 120113000000
NANKAI = 120104000000
GUOYUAN = 120113001000  # 果园新村街道
JIXIANLI = 120113002000  # 集贤里街道, its neighbour
GUOYUAN_ROOMS = (120113001009, 120113001014, 120113001018)  # 朝阳里, 旭日里, 新华里

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = "建国海燕明芳静磊丽涛伟娜敏强军洋勇艳杰娟涛超秀英华慧玲红霞平刚桂兰玉梅志强晓东"


@dataclass(frozen=True)
class DemoLogin:
    username: str
    full_name: str
    role: str
    where: str


LOGINS = [
    DemoLogin("demo_city_admin", "王海燕", Role.CITY_ADMIN, "天津市"),
    DemoLogin("demo_district_admin", "李明", Role.DISTRICT_ADMIN, "北辰区"),
    DemoLogin("demo_station_head", "刘芳", Role.STATION_HEAD, "果园新村街道社会工作服务站"),
    DemoLogin("demo_worker", "陈静", Role.WORKER, "果园新村街道社会工作服务站"),
    DemoLogin("demo_worker2", "赵磊", Role.WORKER, "集贤里街道社会工作服务站"),
    DemoLogin("demo_supervisor", "孙丽", Role.SUPERVISOR, "北辰区"),
    DemoLogin("demo_auditor", "周涛", Role.AUDITOR, "北辰区"),
]


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _short(name: str) -> str:
    for suffix in ("社区居委会", "村民委员会", "村委会", "居委会"):
        if name.endswith(suffix):
            return name[: -len(suffix)] + ("社区" if "社区" in suffix else "村")
    return name


def demo_exists() -> bool:
    return User.objects.filter(username="demo_city_admin").exists()


@transaction.atomic
def reset_demo() -> None:
    """Remove everything the demo (and anyone trying it) built: accounts, staff, stations,
    organizations, persons and all their records. Division codes, the national categories, the
    default visit policies and the append-only audit log stay.

    Rows go in one transaction with raw deletes: foreign keys are checked at commit (both
    databases create them deferred), when every referencing row is gone too. Append-only fund
    ledgers cannot be deleted: with entries present the reset is refused.
    """
    from django.apps import apps
    from django.core.management.base import CommandError

    from shegong.core.models import AuditEvent
    from shegong.fieldwork.models import VisitPolicy
    from shegong.people.models import Category
    from shegong.resources.fund_models import FundEntry

    if FundEntry.objects.exists():
        raise CommandError(
            "This database holds fund ledger entries, which can never be deleted: "
            "start the demo on a new database instead."
        )
    keep = {Region, AuditEvent}
    partial = {
        VisitPolicy: VisitPolicy.objects.filter(station__isnull=False),
        Category: Category.objects.filter(region__isnull=False),
        User: User.objects.filter(is_superuser=False),
    }
    domain = {"core", "regions", "accounts", "people", "fieldwork", "community", "resources"}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.app_label not in domain or model in keep:
            continue
        if model._meta.auto_created and any(
            f.related_model in keep for f in model._meta.fields if f.is_relation
        ):
            continue
        queryset = partial.get(model, model._base_manager.all())
        queryset._raw_delete(queryset.db)


@transaction.atomic
def build_demo(
    *,
    seed: int = 2026,
    people: int = 2000,
    records: bool = True,
    say: Callable[[str], None] = lambda s: None,
) -> None:
    """Build the demo; `records` adds half a year of field work (visits, cases, referrals,
    alerts: demo.fieldwork), community work (activities, groups, volunteers, residents'
    requests: demo.community) and resources (donations, stock, allocations, service lists and
    a community fund: demo.resources). The test world builds it without: its tests assume
    none."""
    rng = random.Random(seed)
    actor = SystemActor("demo")
    today = timezone.localdate()
    if not Region.objects.filter(code=GUOYUAN).exists():
        load_shipped(provinces=["12"])
    regions = {
        r.code: r
        for r in Region.objects.filter(
            code__gte=TIANJIN, code__lt=TIANJIN + 10**10, level__lte=Level.TOWNSHIP
        )
    }
    tianjin, beichen, nankai = regions[TIANJIN], regions[BEICHEN], regions[NANKAI]

    def org(name: str, kind: str, region: Region, credit: str = "") -> object:
        return region_services.create_organization(
            actor=actor,
            region=region,
            name=name,
            kind=kind,
            credit_code=credit,
            contact_person=_name(rng),
            phone=f"022-{rng.randint(26000000, 26999999)}",
            address=f"天津市{region.name}",
        )

    sunshine = org("北辰区阳光社会工作服务中心", OrgKind.OPERATOR, beichen)
    tongxin = org("南开区同心社会工作服务中心", OrgKind.OPERATOR, nankai)
    org("天津辰光律师事务所", OrgKind.PARTNER, beichen)
    org("北辰区精神卫生中心", OrgKind.PARTNER, beichen)
    org("果园新村针锋裁缝志愿服务队", OrgKind.COMMUNITY_GROUP, regions[GUOYUAN])
    contract = {
        "contract_start": dt.date(today.year - 1, 1, 1),
        "contract_end": dt.date(today.year + 1, 12, 31),
    }

    def station(region: Region, name: str, kind: str, **extra: Any) -> Station:
        fields: dict[str, Any] = {
            "name": name,
            "kind": kind,
            "phone": f"022-{rng.randint(26000000, 26999999)}",
            "opening_hours": "周一至周五 8:30–12:00，13:30–17:30",
            "languages": ["zh"],
            "address": f"天津市{name.removesuffix('社会工作服务站')}",
            "activity_area_m2": Decimal(rng.randint(60, 300)),
            "office_area_m2": Decimal(rng.randint(20, 80)),
        } | extra
        return region_services.create_station(actor=actor, region=region, **fields)

    station(tianjin, "天津市社会工作指导中心", StationKind.CITY_CENTRE)
    station(
        beichen, "北辰区社会工作服务总站", StationKind.COUNTY_CENTRE, operator=sunshine, **contract
    )
    station(
        nankai, "南开区社会工作服务总站", StationKind.COUNTY_CENTRE, operator=tongxin, **contract
    )
    station(
        beichen,
        "北辰区养老服务社工站",
        StationKind.SPECIALTY,
        specialty="养老服务",
        operator=sunshine,
        **contract,
    )

    township_stations: list[Station] = []
    nankai_towns = sorted(
        c for c, r in regions.items() if r.level == Level.TOWNSHIP and r.parent_id == NANKAI
    )
    merged = nankai_towns[-2:]  # the last two streets share one office (Tianjin's 合署办公)
    for code, region in sorted(regions.items()):
        if region.level != Level.TOWNSHIP or region.parent_id not in (BEICHEN, NANKAI):
            continue
        if code % 1000 == 0 and code // 1000 % 1000 >= 400:
            continue  # industrial parks are not townships with residents
        if code == merged[1]:
            continue
        extra: dict[str, Any] = {
            "operator": sunshine if region.parent_id == BEICHEN else tongxin,
            **contract,
        }
        served = [region]
        if code == merged[0]:
            served.append(regions[merged[1]])
        if code == GUOYUAN:
            extra |= {
                "brand_name": "果园·邻里守望",
                "latitude": Decimal("39.186400"),
                "longitude": Decimal("117.137600"),
                "address": "天津市北辰区果园新村街道果园南道",
            }
        name = f"{region.name}社会工作服务站"
        if len(served) > 1:
            name = f"{region.name}、{served[1].name}社会工作服务站"
        township_stations.append(
            region_services.create_station(
                actor=actor,
                region=region,
                served_regions=served,
                name=name,
                kind=StationKind.TOWNSHIP,
                phone=f"022-{rng.randint(26000000, 26999999)}",
                opening_hours="周一至周五 8:30–17:30",
                languages=["zh"],
                address=extra.pop("address", f"天津市{region.name}"),
                activity_area_m2=Decimal(rng.randint(80, 400)),
                office_area_m2=Decimal(rng.randint(20, 60)),
                **extra,
            )
        )

    villages = {
        r.code: r
        for r in Region.objects.filter(
            level=Level.VILLAGE, code__gte=BEICHEN, code__lt=BEICHEN + 10**6
        )
    }
    room_codes = list(GUOYUAN_ROOMS) + rng.sample(sorted(set(villages) - set(GUOYUAN_ROOMS)), 40)
    for code in room_codes:
        v = villages[code]
        station(v, f"{_short(v.name)}社会工作室", StationKind.COMMUNITY_ROOM)

    by_region = {s.region_id: s for s in township_stations}
    accounts = _demo_logins(actor, regions, by_region)
    staffed = _staff_stations(actor, rng, township_stations, today)
    from .people import build_people

    build_people(count=people, say=say)
    say(
        f"demo: {len(township_stations)} township stations, {len(room_codes)} community rooms,"
        f" {len(accounts)} demo logins, {staffed} further staff"
    )
    if records:
        from .community import build_community
        from .fieldwork import build_fieldwork
        from .resources import build_resources

        build_fieldwork(rng=random.Random(seed + 1), today=today, say=say)
        build_community(rng=random.Random(seed + 2), today=today, say=say)
        build_resources(rng=random.Random(seed + 3), today=today, say=say)


def _demo_logins(
    actor: SystemActor, regions: dict[int, Region], by_region: dict[int, Station]
) -> list[User]:
    cert_date = dt.date(2021, 6, 20)
    out: list[User] = []
    for login in LOGINS:
        station = None
        region = None
        if login.role in (Role.WORKER, Role.STATION_HEAD):
            station = by_region[JIXIANLI if login.username == "demo_worker2" else GUOYUAN]
        elif login.role == Role.CITY_ADMIN:
            region = regions[TIANJIN]
        else:
            region = regions[BEICHEN]
        certified = login.role in (Role.WORKER, Role.STATION_HEAD, Role.SUPERVISOR)
        out.append(
            account_services.create_staff_account(
                actor=actor,
                username=login.username,
                password=DEMO_PASSWORD,
                full_name=login.full_name,
                role=login.role,
                station=station,
                region=region,
                phone="",
                certificate_level=CertificateLevel.SOCIAL_WORKER if certified else "",
                certificate_number=f"2021120{len(out):05d}" if certified else "",
                certificate_date=cert_date if certified else None,
                joined_on=dt.date(2022, 3, 1),
            )
        )
    return out


def _staff_stations(
    actor: SystemActor, rng: random.Random, stations: list[Station], today: dt.date
) -> int:
    """Two or three resident workers per township station; a few stations fall short of the
    staffing rule on purpose, so the district sees what an understaffed station looks like."""
    count = 0
    short = {s.pk for s in rng.sample(stations, 3)}
    for st in stations:
        existing = Post.objects.filter(station=st).count()
        wanted = 1 if st.pk in short else rng.choice((2, 3))
        for i in range(max(0, wanted - existing)):
            certified = (i == 0 and st.pk not in short) or rng.random() < 0.4
            joined = today - dt.timedelta(days=rng.randint(60, 1500))
            level = rng.choice([CertificateLevel.ASSISTANT, CertificateLevel.SOCIAL_WORKER])
            account_services.add_staff_member(
                actor=actor,
                full_name=_name(rng),
                station=st,
                joined_on=joined,
                certificate_level=level if certified else "",
                certificate_number=f"{today.year - 3}12{rng.randint(100000, 999999)}"
                if certified
                else "",
                certificate_date=joined - dt.timedelta(days=30) if certified else None,
            )
            count += 1
    return count
