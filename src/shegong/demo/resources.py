"""Demo resources (资源清单): donors (an enterprise, a charity association, the law firm and the
sewing team, kind-hearted individuals), donations of money, goods and services over half a
year, the stock they make, allocations — school supplies and winter clothes to children in
difficulty (the seeds' "捐助困境儿童 43 人次"), quilts to old people living alone, grain to the
holiday visit and to poor families, a haircut at home — and each demo station's list of services
offered (服务清单).

With `with_fund`, 果园新村 also keeps a community fund (社区基金) as the seeds' 金桥街道 does:
income from a lottery outlet, an enterprise and the residents, one mistyped entry reversed, and
expenses with a photographed receipt (the e-bike charging points of the residents' request, the
重阳 gifts, the sewing team's materials, a one-off aid to a family). Fund entries can never be
deleted, so a demo with a fund cannot be reset (`reset_demo`) — start a new database instead.

All through the resources services: workers record donations, income and allocations; the
station head opens the fund, spends from it, reverses and keeps the service list.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from functools import partial
from typing import Any

from shegong.community.models import Activity, ActivityKind, ServiceDomain
from shegong.regions.models import Organization
from shegong.resources import fund_services, offering_services, services
from shegong.resources.models import (
    DonationKind,
    DonorKind,
    Fund,
    FundKind,
    IncomeSource,
    ItemCategory,
    StockItem,
)
from shegong.resources.services import GoodsIn, ItemOut

from . import pictures
from .residents import Who, World, world

D = ServiceDomain
Later = list[tuple[dt.date, Callable[[], Any]]]
CHARITY = "北辰区慈善协会"
LAW_FIRM = "天津辰光律师事务所"
SEWING_GROUP = "果园新村针锋裁缝志愿服务队"
SCHOOL = (
    GoodsIn("书包", "个", 30, ItemCategory.SCHOOL_SUPPLIES),
    GoodsIn("文具套装", "套", 40, ItemCategory.SCHOOL_SUPPLIES),
    GoodsIn("课外读物", "本", 60, ItemCategory.BOOKS),
)
WINTER = (
    GoodsIn("儿童羽绒服", "件", 20, ItemCategory.CLOTHES),
    GoodsIn("棉被", "床", 15, ItemCategory.CLOTHES),
)
GRAIN = (
    GoodsIn("大米（10kg）", "袋", 40, ItemCategory.FOOD),
    GoodsIn("食用油（5L）", "桶", 40, ItemCategory.FOOD),
)
FLOUR = (
    GoodsIn("面粉（10kg）", "袋", 20, ItemCategory.FOOD),
    GoodsIn("食用油（5L）", "桶", 20, ItemCategory.FOOD),
)
SERVICE_LIST = {
    "guoyuan": (
        ("困难群众探访与政策咨询", D.SOCIAL_ASSISTANCE, "低保、特困、低保边缘家庭",
         "工作日 8:30–17:30"),
        ("临时救助申请协助", D.SOCIAL_ASSISTANCE, "遭遇急难的家庭", "随时受理"),
        ("独居老人定期探访与助餐对接", D.ELDERLY_CARE, "独居、空巢、高龄老人", "每周"),
        ("老年智慧出行（一键叫车）教学", D.ELDERLY_CARE, "60岁以上老人", "每月第二个周六上午"),
        ("困境儿童关爱与课业辅导", D.CHILD_WELFARE, "困境儿童、留守儿童", "每周六上午"),
        ("居民诉求受理（大事小情）", D.COMMUNITY_GOVERNANCE, "辖区居民",
         "工作日；也可请网格员转达"),
        ("志愿者招募与培训（针锋裁缝、爱心扫把）", D.COMMUNITY_GOVERNANCE, "有意愿的居民",
         "每季度"),
        ("心理疏导与转介", D.SOCIAL_AFFAIRS, "有需要的居民", "预约"),
        ("法律咨询（律师驻站）", D.SOCIAL_AFFAIRS, "辖区居民", "每月第一个周三下午"),
        ("夏季防暑降温送清凉", D.ELDERLY_CARE, "独居、高龄老人", "7–8月"),
    ),
    "jixianli": (
        ("困难群众探访与救助政策咨询", D.SOCIAL_ASSISTANCE, "低保、特困家庭", "工作日"),
        ("同伴计划：独居老人结对陪伴", D.ELDERLY_CARE, "独居老人", "每月至少一次"),
        ("儿童安全教育课堂", D.CHILD_WELFARE, "辖区中小学生", "寒暑假"),
        ("邻里节与邻里串门", D.COMMUNITY_GOVERNANCE, "辖区居民", "每年秋季"),
        ("婚姻家庭辅导", D.SOCIAL_AFFAIRS, "有需要的家庭", "预约"),
    ),
}  # fmt: skip


def build_resources(
    *,
    rng: random.Random,
    today: dt.date,
    with_fund: bool = True,
    say: Callable[[str], None] = lambda s: None,
) -> None:
    """Build the demo's resources (see the module docstring)."""
    w = world(rng=rng, today=today)
    _service_lists(w)
    donors = _donors(w)
    fund = _open_fund(w) if with_fund else None
    later: Later = []  # what the fund's ledger shows, posted in the order of the days
    _donations(w, donors, fund, later)
    given = _allocations(w, fund, later)
    if fund is not None:
        _fund_ledger(w, fund, later)
    items = StockItem.objects.filter(station__in=[w.guoyuan, w.jixianli]).count()
    say(
        f"demo: {len(donors)} donors, {items} stock items, {given} allocations"
        + (f", fund “{fund.name}”" if fund else "")
    )


def _service_lists(w: World) -> None:
    """果园新村's list by its head; 集贤里 has no head login, the district office keeps it."""
    for at, station, actor in (
        ("guoyuan", w.guoyuan, w.users["demo_station_head"]),
        ("jixianli", w.jixianli, w.users["demo_district_admin"]),
    ):
        for n, (name, domain, target, schedule) in enumerate(SERVICE_LIST[at]):
            offering_services.add_service(
                actor=actor,
                station=station,
                name=name,
                domain=domain,
                target_group=target,
                schedule=schedule,
                order=(n + 1) * 10,
                active=not name.startswith("夏季"),  # a seasonal service, not offered now
            )


def _donors(w: World) -> dict[str, Any]:
    worker, worker2 = w.users["demo_worker"], w.users["demo_worker2"]
    # The sewing team is an organization of the township (the others are the district's, which
    # a station cannot link to).
    sewing = Organization.objects.filter(name=SEWING_GROUP).first()
    rows: tuple[tuple[str, Any, str, str, Organization | None, str], ...] = (
        ("辰欣", worker, DonorKind.ENTERPRISE, "天津辰欣商贸有限公司", None, "刘经理"),
        ("慈善协会", worker, DonorKind.ORGANIZATION, CHARITY, None, "马秘书长"),
        ("律所", worker, DonorKind.ORGANIZATION, LAW_FIRM, None, "周律师"),
        ("针锋裁缝", worker, DonorKind.ORGANIZATION, SEWING_GROUP, sewing, ""),
        ("王女士", worker, DonorKind.INDIVIDUAL, "王女士（爱心人士）", None, ""),
        ("众诚物业", worker2, DonorKind.ENTERPRISE, "天津众诚物业服务有限公司", None, "孙经理"),
        ("赵先生", worker2, DonorKind.INDIVIDUAL, "赵先生（爱心人士）", None, ""),
    )  # fmt: skip
    out: dict[str, Any] = {}
    for key, actor, kind, name, org, contact in rows:
        station = w.guoyuan if actor is worker else w.jixianli
        out[key] = services.register_donor(
            actor=actor,
            station=station,
            kind=kind,
            name=name,
            organization=org,
            contact_person=contact,
            phone=w.phone(),
            note="不愿公开全名" if kind == DonorKind.INDIVIDUAL else "",
        )
    return out


def _open_fund(w: World) -> Fund:
    return fund_services.open_fund(
        actor=w.users["demo_station_head"],
        station=w.guoyuan,
        name="果园新村社区基金",
        kind=FundKind.COMMUNITY,
        receipt_required=True,
        opened_on=w.ago(160),
        note="彩票代售点注资、社企联动、居民筹资，用于民政对象帮扶、公益服务阵地和社区社会组织培育。",
    )


def _holiday_visit(w: World) -> Activity | None:
    """The latest holiday visit of 果园新村 (when the community work was built)."""
    return (
        Activity.objects.filter(
            station=w.guoyuan, kind=ActivityKind.HOLIDAY_VISIT, held_on__lte=w.today
        )
        .order_by("-held_on", "-pk")
        .first()
    )


def _donations(w: World, donors: dict[str, Any], fund: Fund | None, later: Later) -> None:
    worker, worker2 = w.users["demo_worker"], w.users["demo_worker2"]
    visit = _holiday_visit(w)
    grain_on = visit.held_on - dt.timedelta(days=6) if visit else w.ago(70)
    rows: tuple[tuple[Any, Any, str, str, dt.date, str, tuple[GoodsIn, ...]], ...] = (
        (worker, "辰欣", DonationKind.MONEY, "10000", w.ago(150), "社企联动：资助困难家庭", ()),
        (worker, "针锋裁缝", DonationKind.SERVICE, "1200", w.ago(140),
         "每周三为困难老人免费缝补衣物、改制棉衣（半年）", ()),
        (worker, "王女士", DonationKind.GOODS, "4200", w.ago(95), "开学前捐赠学习用品", SCHOOL),
        (worker, "辰欣", DonationKind.GOODS, "6400", grain_on, "节日慰问用米面油", GRAIN),
        (worker, "律所", DonationKind.SERVICE, "2000", w.ago(60),
         "免费法律咨询和防范养老诈骗讲座", ()),
        (worker, "慈善协会", DonationKind.GOODS, "9000", w.ago(40), "冬季送温暖：羽绒服和棉被",
         WINTER),
        (worker, None, DonationKind.MONEY, "500", w.ago(20), "匿名捐款，指定用于困境儿童", ()),
        (worker2, "众诚物业", DonationKind.GOODS, "3000", w.ago(75), "中秋慰问困难家庭", FLOUR),
        (worker2, "赵先生", DonationKind.MONEY, "2000", w.ago(30), "资助独居老人助餐", ()),
    )  # fmt: skip
    for actor, donor, kind, value, on, description, lines in rows:
        station = w.guoyuan if actor is worker else w.jixianli
        to_fund = fund if kind == DonationKind.MONEY and station == w.guoyuan else None
        record = partial(
            services.record_donation,
            actor=actor,
            station=station,
            kind=kind,
            value=value,
            received_on=on,
            donor=donors[donor] if donor else None,
            description=description,
            lines=lines,
            fund=to_fund,
            fund_source=IncomeSource.RESIDENTS if to_fund and donor is None else "",
        )
        if to_fund is None:
            record()
        else:
            later.append((on, record))


def _allocations(w: World, fund: Fund | None, later: Later) -> int:
    worker, worker2 = w.users["demo_worker"], w.users["demo_worker2"]
    items = {(i.station_id, i.name): i for i in StockItem.objects.filter(quantity__gt=0)}

    def give(
        actor: Any, who: Who | None, on: dt.date, what: str, lines: dict[str, int], **kw: Any
    ) -> bool:
        station = w.jixianli if actor is worker2 else w.guoyuan
        out = [ItemOut(items[(station.pk, name)], qty) for name, qty in lines.items()]
        services.allocate(
            actor=actor,
            station=station,
            kind=DonationKind.GOODS if lines else kw.pop("kind"),
            allocated_on=on,
            person=who.person if who else None,
            lines=out,
            description=what,
            **kw,
        )
        return True

    made = 0
    # Children in difficulty: school supplies before term, books at the pairing day, winter
    # coats when the charity's delivery came.
    children = w.choose(w.guoyuan, 12, lambda x: x.child_in_need, lambda x: x.child)
    for who in children:
        made += give(
            worker, who, w.ago(88), "开学学习用品", {"书包": 1, "文具套装": 1, "课外读物": 2}
        )
    for who in children[:10]:
        made += give(worker, who, w.ago(23), "结对认亲见面会赠书", {"课外读物": 2})
    for who in children[:10]:
        made += give(worker, who, w.ago(36), "冬季送温暖：儿童羽绒服", {"儿童羽绒服": 1})
    for who in w.choose(w.guoyuan, 10, lambda x: x.alone, lambda x: x.old_old):
        made += give(worker, who, w.ago(35), "冬季送温暖：棉被", {"棉被": 1})
    visit = _holiday_visit(w)
    if visit is not None:
        services.allocate(
            actor=worker,
            station=w.guoyuan,
            kind=DonationKind.GOODS,
            allocated_on=visit.held_on,
            activity=visit,
            lines=[ItemOut(items[(w.guoyuan.pk, "大米（10kg）")], 20),
                   ItemOut(items[(w.guoyuan.pk, "食用油（5L）")], 20)],
            description=f"{visit.title}：入户送米面油",
        )  # fmt: skip
        made += 1
    grain_on = visit.held_on if visit else w.ago(60)
    for who in w.choose(w.guoyuan, 10, lambda x: x.needy, lambda x: x.elderly):
        made += give(
            worker, who, grain_on, "节日慰问：米、油各一份", {"大米（10kg）": 1, "食用油（5L）": 1}
        )
    for who in w.choose(w.jixianli, 8, lambda x: x.needy, lambda x: x.alone, lambda x: x.elderly):
        made += give(
            worker2,
            who,
            w.ago(68),
            "中秋慰问：面、油各一份",
            {"面粉（10kg）": 1, "食用油（5L）": 1},
        )
    haircut = w.one(w.guoyuan, lambda x: x.alone and x.old_old, lambda x: x.alone)
    if haircut is not None:
        made += give(worker, haircut, w.ago(12), "针锋裁缝志愿者上门理发、缝补棉衣", {},
                     kind=DonationKind.SERVICE, value="60")  # fmt: skip
    if fund is not None:
        family = w.one(w.guoyuan, lambda x: x.needy and x.child, lambda x: x.needy)
        if family is not None:
            receipt = pictures.receipt(w.rng, "帮扶签收单.jpg")
            later.append((w.ago(10), partial(
                give, w.users["demo_station_head"], family, w.ago(10), "临时困难帮扶：孩子住院",
                {}, kind=DonationKind.MONEY, fund=fund, amount="500", receipt_upload=receipt,
            )))  # fmt: skip
            made += 1
    return made


def _fund_ledger(w: World, fund: Fund, later: Later) -> None:
    """The fund's income and expenses with the donations paid in and the money given out
    (`later`), posted oldest first so that the ledger reads in the order of the days."""
    worker, head = w.users["demo_worker"], w.users["demo_station_head"]

    def income(amount: str, source: str, note: str) -> Any:
        return lambda on: fund_services.record_income(
            actor=worker, fund=fund, amount=amount, source=source, occurred_on=on, note=note
        )

    def expense(amount: str, purpose: str, receipt_name: str) -> Any:
        return lambda on: fund_services.record_expense(
            actor=head,
            fund=fund,
            amount=amount,
            purpose=purpose,
            occurred_on=on,
            receipt_upload=pictures.receipt(w.rng, receipt_name),
        )

    def mistyped(on: dt.date) -> None:
        wrong = income("1650", IncomeSource.RESIDENTS, "新华里社区居民筹资")(on)
        fund_services.reverse_entry(
            actor=head, entry=wrong, reason="金额录错：应为1560元", occurred_on=on
        )
        income("1560", IncomeSource.RESIDENTS, "新华里社区居民筹资")(on)

    # Gifts bought for the latest holiday visit a few days before it (if within the fund's life).
    visit = _holiday_visit(w)
    gifts = (w.today - visit.held_on).days + 3 if visit else 25
    gifts = gifts if gifts <= 130 else 25
    occasion = visit.title if visit and gifts != 25 else "节日慰问"
    events: tuple[tuple[int, Callable[[dt.date], Any]], ...] = (
        (140, income("3000", IncomeSource.LOTTERY, "果园南道福利彩票代售点注资")),
        (120, income("2860.50", IncomeSource.RESIDENTS, "旭日里社区居民筹资")),
        (gifts, expense("1260", f"{occasion}：慰问品采购（牛奶、糕点）", "慰问品发票.jpg")),
        (50, income("3000", IncomeSource.LOTTERY, "果园南道福利彩票代售点注资")),
        (35, mistyped),
        # After the residents' council chose the place (the request is resolved 12 days ago).
        (16, expense("4800", "旭日里存车处电动自行车充电设施（自动断电）安装", "充电设施发票.jpg")),
        (15, expense("680", "针锋裁缝志愿服务队缝纫耗材（针线、布料）", "耗材收据.jpg")),
    )  # fmt: skip
    timeline = [(on, partial(post, on)) for days, post in events for on in (w.ago(days),)]
    for _on, post in sorted(timeline + later, key=lambda e: e[0]):
        post()
