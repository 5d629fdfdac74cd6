"""Demo community work: half a year of activities at the two demo stations (free clinics,
lectures with the law firm and the mental-health centre, the sewing and sweeping teams' days,
holiday visits before the most recent festivals, one planned ahead), two groups (a
跨社区互助小组 of three communities in its 转折 phase, and a finished group of old people living
alone with its before-and-after evaluation), and — in `volunteers` and `resident_requests` —
volunteers with their hours and pairings and a dozen residents' requests.

Everything goes through the community services as the demo workers and the station head.
Deterministic for a given seed and day.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass

from shegong.community import activity_services, group_services, group_session_services
from shegong.community.models import Activity, ActivityKind, Group, GroupPhase, ServiceDomain
from shegong.core.actors import SystemActor
from shegong.regions import services as region_services
from shegong.regions.models import Organization, OrgKind, Region

from . import pictures, resident_requests, volunteers
from .builder import GUOYUAN
from .residents import Test, Who, World, world

D = ServiceDomain
K = ActivityKind
CLINIC = "果园新村街道社区卫生服务中心"
LAW_FIRM = "天津辰光律师事务所"
MENTAL = "北辰区精神卫生中心"
SEWING_GROUP = "果园新村针锋裁缝志愿服务队"

# Who comes to what: tiers of persons, the first preferred.
TIERS: dict[str, tuple[Test, ...]] = {
    "elderly": (lambda w: w.alone or w.old_old, lambda w: w.elderly, lambda w: w.adult),
    "needy": (lambda w: w.needy, lambda w: w.alone, lambda w: w.elderly),
    "children": (lambda w: w.child_in_need, lambda w: w.child),
    "residents": (lambda w: w.adult,),
}


@dataclass(frozen=True)
class Plan:
    title: str
    domain: str
    kind: str
    place: str
    days_ago: int  # negative: planned ahead
    who: str
    named: tuple[int, int]
    others: tuple[int, int]
    partners: tuple[str, ...] = ()
    team: str = ""
    description: str = ""
    at: str = "guoyuan"
    by: str = "demo_worker"
    photos: int = 0


PLANS = (
    Plan("社区义诊进楼门", D.ELDERLY_CARE, K.FREE_CLINIC, "朝阳里社区党群服务中心", 166,
         "elderly", (8, 12), (20, 35), (CLINIC,), "针锋裁缝",
         "测血压、血糖，慢病用药咨询；针锋裁缝志愿者陪行动不便的老人往返。", photos=2),
    Plan("防范养老诈骗法律讲座", D.SOCIAL_AFFAIRS, K.LECTURE, "旭日里社区活动室", 151,
         "elderly", (6, 10), (15, 25), (LAW_FIRM,), "",
         "律师讲解保健品、以房养老等常见骗局，现场解答赡养和遗嘱问题。"),
    Plan("低保政策解读与年审材料辅导", D.SOCIAL_ASSISTANCE, K.TRAINING, "果园新村街道社工站",
         137, "needy", (6, 10), (3, 6), (), "", "讲解低保年审流程，逐户核对材料。",
         by="demo_station_head"),
    Plan("针锋裁缝·衣物缝补进社区", D.COMMUNITY_GOVERNANCE, K.VOLUNTEER_SERVICE,
         "新华里社区广场", 122, "elderly", (4, 6), (30, 45), (SEWING_GROUP,), "针锋裁缝",
         "现场免费缝补、改衣、钉扣子，为行动不便的老人上门取送。", photos=2),
    Plan("老年智慧出行：手机“一键叫车”教学", D.ELDERLY_CARE, K.TRAINING,
         "朝阳里社区助老暖心车站", 108, "elderly", (6, 10), (10, 18), (), "爱心扫把",
         "在楼门口张贴叫车二维码，手把手教老人扫码叫车。"),
    Plan("心理健康进社区：情绪与睡眠讲座", D.SOCIAL_AFFAIRS, K.LECTURE, "旭日里社区活动室", 94,
         "residents", (5, 8), (12, 20), (MENTAL,), "",
         "精神卫生中心医生讲解失眠、焦虑的识别与求助。"),
    Plan("青少年手工学习班", D.CHILD_WELFARE, K.TRAINING, "旭日里社区活动室", 79, "children",
         (3, 6), (8, 12), (), "针锋裁缝", "布艺手工，志愿者教孩子们缝沙包、做香囊。"),
    Plan("爱心扫把·楼道清洁日", D.COMMUNITY_GOVERNANCE, K.VOLUNTEER_SERVICE,
         "新华里社区3号楼至8号楼", 51, "residents", (2, 4), (12, 20), (), "爱心扫把",
         "清理楼道堆物和小广告，排查消防通道。"),
    Plan("社区议事会：电动自行车充电设施选址", D.COMMUNITY_GOVERNANCE, K.EVENT,
         "旭日里社区议事厅", 44, "residents", (3, 5), (10, 14), (), "",
         "居民代表、物业和街道共同商定存车处充电设施的位置和收费。", by="demo_station_head"),
    Plan("困境儿童“一对一”结对认亲见面会", D.CHILD_WELFARE, K.EVENT, "果园新村街道社工站活动室",
         23, "children", (3, 6), (6, 10), (), "针锋裁缝", "志愿者与困境儿童结对，赠送学习用品。"),
    Plan("冬季消防安全讲座", D.COMMUNITY_GOVERNANCE, K.LECTURE, "新华里社区活动室", -6,
         "residents", (0, 0), (0, 0), (), "", "讲解冬季取暖、电动自行车充电的防火要点。"),
    Plan("集贤里社区义诊", D.ELDERLY_CARE, K.FREE_CLINIC, "集贤里街道社区服务中心", 146,
         "elderly", (6, 9), (15, 25), (CLINIC,), "邻里串门", "测血压、听诊，建立老人健康档案。",
         at="jixianli", by="demo_worker2"),
    Plan("临时救助政策宣讲", D.SOCIAL_ASSISTANCE, K.LECTURE, "集贤里街道社工站", 99, "needy",
         (4, 7), (5, 10), (), "", "讲解临时救助、医疗救助的申请条件和材料。", at="jixianli",
         by="demo_worker2"),
    Plan("儿童防溺水与交通安全课", D.CHILD_WELFARE, K.LECTURE, "集贤里小学操场", 57, "children",
         (3, 5), (25, 40), (), "", "结合真实案例讲解防溺水、过马路安全。", at="jixianli",
         by="demo_worker2"),
    Plan("邻里节百家宴", D.COMMUNITY_GOVERNANCE, K.EVENT, "集贤里社区广场", 16, "residents",
         (4, 7), (40, 60), (), "邻里串门", "每家带一道菜，邻里串门志愿者邀请独居老人一起参加。",
         at="jixianli", by="demo_worker2"),
)  # fmt: skip

# 春节, 端午节, 中秋节, 重阳节 by year (lunar dates); other years use rough dates.
LUNAR: dict[int, tuple[tuple[int, int], ...]] = {
    2024: ((2, 10), (6, 10), (9, 17), (10, 11)),
    2025: ((1, 29), (5, 31), (10, 6), (10, 29)),
    2026: ((2, 17), (6, 19), (9, 25), (10, 18)),
    2027: ((2, 6), (6, 9), (9, 15), (10, 8)),
    2028: ((1, 26), (5, 28), (10, 3), (10, 26)),
    2029: ((2, 13), (6, 16), (9, 22), (10, 16)),
    2030: ((2, 3), (6, 5), (9, 12), (10, 5)),
}
ROUGH = ((2, 5), (6, 5), (9, 20), (10, 15))
HOLIDAY_VISITS = (
    ("春节走访慰问困难家庭", "needy"),
    ("端午节慰问独居老人", "elderly"),
    ("中秋节慰问困难群众", "needy"),
    ("重阳节敬老慰问", "elderly"),
)


def build_community(
    *,
    rng: random.Random,
    today: dt.date,
    photos: bool = True,
    say: Callable[[str], None] = lambda s: None,
) -> None:
    """Build the demo's community work (see the module docstring). `photos` stores a few
    generated activity photos through the attachment service."""
    w = world(rng=rng, today=today)
    crew = volunteers.build_volunteers(w)
    activities = build_activities(w, crew, photos=photos)
    made = volunteers.build_hours(w, crew)
    groups = build_groups(w)
    requests = resident_requests.build_requests(w)
    held = [a for a in activities if a.held_on <= today]
    say(
        f"demo: {len(activities)} activities ({sum(a.person_times for a in held)} person-times),"
        f" {len(groups)} groups, {made}, {requests}"
    )


def festivals(start: dt.date, end: dt.date) -> list[tuple[dt.date, int]]:
    """(date, index into HOLIDAY_VISITS) of the festivals in [start, end], oldest first."""
    out = []
    for year in range(start.year, end.year + 1):
        for i, (month, day) in enumerate(LUNAR.get(year, ROUGH)):
            on = dt.date(year, month, day)
            if start <= on <= end:
                out.append((on, i))
    return sorted(out)


def _plans(w: World) -> list[Plan]:
    """The fixed plans and a holiday visit two days before each of the last two festivals."""
    plans = list(PLANS)
    for on, i in festivals(w.ago(175), w.ago(-1))[-2:]:
        title, who = HOLIDAY_VISITS[i]
        plans.append(
            Plan(title, D.SOCIAL_ASSISTANCE, K.HOLIDAY_VISIT, "入户走访（朝阳里、旭日里、新华里）",
                 (w.today - on).days + 2, who, (8, 12), (0, 0), (), "针锋裁缝",
                 "社工和志愿者入户送去米面油和慰问金，了解老人近况。", by="demo_station_head")
        )  # fmt: skip
    return sorted(plans, key=lambda p: -p.days_ago)


def _partners() -> dict[str, Organization]:
    """The partners by name; the township's community health centre is registered here."""
    found = {o.name: o for o in Organization.objects.filter(name__in=[CLINIC, LAW_FIRM, MENTAL])}
    found |= {o.name: o for o in Organization.objects.filter(name=SEWING_GROUP)}
    if CLINIC not in found:
        found[CLINIC] = region_services.create_organization(
            actor=SystemActor("demo"),
            region=Region.objects.get(code=GUOYUAN),
            name=CLINIC,
            kind=OrgKind.PARTNER,
            contact_person="孙医生",
            phone="022-26391120",
            address="天津市北辰区果园新村街道果园北道",
        )
    return found


def build_activities(w: World, crew: volunteers.Crew, *, photos: bool = True) -> list[Activity]:
    partners = _partners()
    stations = {"guoyuan": w.guoyuan, "jixianli": w.jixianli}
    out: list[Activity] = []
    for plan in _plans(w):
        station = stations[plan.at]
        actor = w.users[plan.by]
        held_on = w.ago(plan.days_ago)
        attendees = (
            w.choose(station, w.rng.randint(*plan.named), *TIERS[plan.who])
            if held_on <= w.today
            else []
        )
        members = w.rng.randint(3, 5) if plan.team else 0
        activity = activity_services.create_activity(
            actor=actor,
            station=station,
            title=plan.title,
            domain=plan.domain,
            kind=plan.kind,
            held_on=held_on,
            start_time=dt.time(9 if w.rng.random() < 0.6 else 14, 30),
            place=plan.place,
            partners=[partners[p] for p in plan.partners if p in partners],
            volunteers_text=f"{plan.team}志愿服务队 {members}人" if plan.team else "",
            description=plan.description,
            others_count=w.rng.randint(*plan.others) if held_on <= w.today else 0,
        )
        for who in attendees:
            activity_services.check_in(actor=actor, activity=activity, person=who.person)
        if plan.team:
            crew.serve(w, activity, plan.team, members)
        if photos and plan.photos and held_on <= w.today:
            activity_services.add_photos(
                actor=actor,
                activity=activity,
                photos=[
                    pictures.activity_photo(w.rng, f"活动照片{n + 1}.jpg")
                    for n in range(plan.photos)
                ],
                caption=plan.title,
            )
        activity.refresh_from_db()
        out.append(activity)
    return out


# --- groups -------------------------------------------------------------------------------------
MUTUAL_TOPICS = (
    "相识与结对：低龄伙伴和高龄伙伴见面",
    "就医陪同须知与安全",
    "手机挂号与“一键叫车”练习",
    "结对伙伴经验分享",
    "互助公约修订",
)
TEA_TOPICS = (
    "相识与破冰：我的名字故事",
    "老照片分享会",
    "情绪识别与表达",
    "邻里互访计划",
    "手工香囊制作",
    "回顾与告别",
)


def build_groups(w: World) -> list[Group]:
    worker = w.users["demo_worker"]
    rooms = w.rooms()
    codes = {r.code for r in rooms}
    # 跨社区互助小组: 低龄老人 of three communities escort the oldest to the doctor.
    mutual = group_services.create_group(
        actor=worker,
        station=w.guoyuan,
        name="低龄助高龄跨社区互助小组",
        domain=D.COMMUNITY_GOVERNANCE,
        aims="组织60至70岁的低龄老人与80岁以上的高龄老人结对，陪同就医、取药、聊天，"
        "建立朝阳里、旭日里、新华里三个社区之间的互助网络。",
        planned_sessions=8,
        communities=rooms,
        target_members="三个社区的低龄老人志愿者和独居、高龄老人",
        recruitment="社区公告栏招募、网格员推荐、入户走访时邀请",
        starts_on=w.ago(70),
        ends_on=w.ago(-40),
    )
    in_rooms: Test = lambda x: x.person.region_id in codes  # noqa: E731
    young = w.choose(w.guoyuan, 5, lambda x: in_rooms(x) and x.young_old, lambda x: x.young_old)
    old = w.choose(
        w.guoyuan,
        5,
        lambda x: in_rooms(x) and x.old_old,
        lambda x: x.old_old,
        lambda x: x.elderly,
        avoid={y.person.pk for y in young},
    )
    _run_group(
        w,
        mutual,
        young + old,
        phases=((GroupPhase.FORMATION, 70), (GroupPhase.TRANSITION, 40)),
        sessions=(63, 49, 35, 21, 7),
        topics=MUTUAL_TOPICS,
    )
    # A finished group of old people living alone, with the loneliness scale before and after.
    tea = group_services.create_group(
        actor=worker,
        station=w.guoyuan,
        name="独居老人“暖心茶话”支持小组",
        domain=D.ELDERLY_CARE,
        aims="减轻独居老人的孤独感，帮助他们结识邻里、建立互访关系。",
        planned_sessions=6,
        target_members="果园新村街道独居老人",
        recruitment="走访中邀请、社区居委会推荐",
        starts_on=w.ago(150),
        ends_on=w.ago(110),
        scale_name="孤独感量表（ULS-8）",
        scale_min=8,
        scale_max=32,
        higher_is_better=False,
    )
    members = w.choose(w.guoyuan, 8, lambda x: x.alone, lambda x: x.elderly)
    _run_group(
        w,
        tea,
        members,
        phases=(
            (GroupPhase.FORMATION, 150),
            (GroupPhase.TRANSITION, 136),
            (GroupPhase.MATURITY, 122),
        ),
        sessions=(148, 141, 134, 127, 120, 113),
        topics=TEA_TOPICS,
        leaves_at=130,  # the last member moves away after the third session
    )
    scores: dict[int, tuple[int | None, int | None]] = {}
    for n, who in enumerate(members):
        before = w.rng.randint(20, 28)
        left = n == len(members) - 1 and len(members) > 4
        scores[who.person.pk] = (before, None if left else before - w.rng.randint(2, 9))
    group_services.record_scores(actor=worker, group=tea, scores=scores)
    tea = group_services.update_group(
        actor=worker,
        group=tea,
        evaluation_summary="完成全部6次活动。组员孤独感得分平均下降约5分，"
        "多数组员建立了固定的互访伙伴；一名组员因搬家中途退出。",
    )
    tea = group_services.change_phase(
        actor=worker,
        group=tea,
        to=GroupPhase.ENDED,
        on=w.ago(110),
        note="按计划结束，转为自助茶话会",
    )
    return [mutual, tea]


def _run_group(
    w: World,
    group: Group,
    members: list[Who],
    *,
    phases: tuple[tuple[str, int], ...],
    sessions: tuple[int, ...],
    topics: tuple[str, ...],
    leaves_at: int | None = None,
) -> None:
    """Members join when the group forms; each phase change precedes the sessions after it;
    with `leaves_at`, the last member (of more than four) leaves on that day."""
    worker = w.users["demo_worker"]
    changes = list(phases)
    joined = w.ago(phases[0][1])
    still = list(members)
    for n, days in enumerate(sessions):
        while changes and changes[0][1] >= days:
            phase, on = changes.pop(0)
            group = group_services.change_phase(actor=worker, group=group, to=phase, on=w.ago(on))
            if phase == GroupPhase.FORMATION:
                for who in members:
                    group_services.add_member(
                        actor=worker, group=group, person=who.person, joined_on=joined
                    )
        if leaves_at is not None and days < leaves_at and len(still) == len(members) > 4:
            group_services.remove_member(
                actor=worker, group=group, person=still.pop().person, left_on=w.ago(leaves_at)
            )
        day = w.ago(days)
        present = [m.person for m in still if w.rng.random() < 0.85]
        group_session_services.record_session(
            actor=worker,
            group=group,
            held_on=day,
            topic=topics[n % len(topics)],
            notes=w.rng.choice(
                (
                    "组员发言积极，约定下次带老照片。",
                    "两位组员第一次主动互留电话。",
                    "有组员情绪低落，会后单独沟通。",
                    "结对伙伴分享了陪同就医的经历。",
                )
            ),
            present=present,
            others_count=w.rng.randint(0, 2),
        )
