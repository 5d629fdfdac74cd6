"""Demo volunteers: the teams of the seeds (针锋裁缝 sews and escorts to the clinic, 爱心扫把
sweeps stairwells and changes lamps; 集贤里 has 邻里串门), about 25 volunteers, some of them
registered persons (低龄老人 who help older ones), hours from activities, from home visits and
by hand, two pairings with their contact records (一对一结对 with a child, 同伴计划 with an old
man living alone), a star recognition, and one volunteer login (`demo_volunteer`, the leader of
针锋裁缝) that sees only her own hours, activities and pairing.

All through the community services, by the demo workers of the two stations and the station
head (who creates the login and gives the star); the login itself records its latest contacts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from shegong.accounts.models import User
from shegong.accounts.roles import Role
from shegong.community import hours_services, pairing_services, volunteer_services
from shegong.community.models import (
    Activity,
    ContactMode,
    PairingKind,
    Volunteer,
    VolunteerTeam,
)
from shegong.fieldwork.models import Visit, VisitKind
from shegong.regions.models import Level, Region, Station

from .builder import DEMO_PASSWORD, DemoLogin
from .residents import World

STAR_NAME = "吴桂英"
VOLUNTEER_LOGIN = DemoLogin(
    "demo_volunteer", STAR_NAME, Role.VOLUNTEER, "果园新村街道社会工作服务站（志愿者）"
)
# Team → (station, what it does, skills its members have, how many members).
TEAMS: dict[str, tuple[str, str, tuple[str, ...], int]] = {
    "针锋裁缝": (
        "guoyuan",
        "为困难老人缝补衣物、改制棉衣，助困陪诊",
        ("缝纫", "裁剪", "编织", "陪诊", "改制棉衣"),
        10,
    ),
    "爱心扫把": (
        "guoyuan",
        "楼道清洁和环境整治，帮老人做家务、换灯泡",
        ("保洁", "换灯泡", "家电维修", "垃圾分类宣传"),
        8,
    ),
    "邻里串门": (
        "jixianli",
        "邻里互访，陪独居老人聊天，代购代办",
        ("聊天陪伴", "代购", "手机教学", "理发"),
        7,
    ),
}
WORKER = {"guoyuan": "demo_worker", "jixianli": "demo_worker2"}
HAND_WORK = {
    "针锋裁缝": ("周三缝补服务日", "为独居老人改制棉衣", "陪同老人到社区卫生服务中心复诊"),
    "爱心扫把": ("楼道清扫", "清理楼道堆物", "为老人更换灯泡", "垃圾分类桶站值守"),
    "邻里串门": ("陪独居老人聊天", "为老人代购药品", "教老人用手机视频通话"),
}


@dataclass
class Crew:
    """The demo's teams and volunteers, for the activity builder to draw on."""

    teams: dict[str, VolunteerTeam] = field(default_factory=dict)
    members: dict[str, list[Volunteer]] = field(default_factory=dict)
    star: Volunteer | None = None
    peer: Volunteer | None = None
    login: User | None = None

    def serve(self, w: World, activity: Activity, team: str, n: int) -> list[Volunteer]:
        """Log hours of `n` members of `team` (the leader always) for a held activity."""
        members = [v for v in self.members.get(team, []) if v.active]
        if not members or activity.held_on > w.today:
            return []
        chosen = members[:1] + w.rng.sample(members[1:], min(n - 1, len(members) - 1))
        actor = w.users[WORKER[TEAMS[team][0]]]
        for v in chosen:
            hours_services.log_hours(
                actor=actor,
                volunteer=v,
                activity=activity,
                hours=w.rng.choice(("2", "2.5", "3", "3.5", "4")),
                description=activity.title[:200],
            )
        return chosen


def build_volunteers(w: World) -> Crew:
    """Teams and volunteers (hours come later, with the activities: `build_hours`)."""
    crew = Crew()
    stations = {"guoyuan": w.guoyuan, "jixianli": w.jixianli}
    used: set[int] = set()
    for team_name, (at, description, skills, size) in TEAMS.items():
        station = stations[at]
        actor = w.users[WORKER[at]]
        team = volunteer_services.create_team(
            actor=actor, station=station, name=team_name, description=description
        )
        crew.teams[team_name] = team
        communities = _communities(w, station)
        members: list[Volunteer] = []
        for i in range(size):
            # About one in four is a registered person (a peer volunteer); the first of
            # 邻里串门 is the peer of the 同伴计划 pairing.
            linked = None
            if (i % 4 == 3) or (team_name == "邻里串门" and i == 0):
                found = w.one(station, lambda x: x.young_old, lambda x: x.adult, avoid=used)
                linked = found.person if found else None
            if linked is not None:
                used.add(linked.pk)
            star = team_name == "针锋裁缝" and i == 0
            name = STAR_NAME if star else (linked.name if linked else w.name())
            community = (
                linked.region
                if linked is not None and linked.region in communities
                else w.rng.choice(communities)
                if communities
                else None
            )
            members.append(
                volunteer_services.register_volunteer(
                    actor=actor,
                    name=name,
                    station=station,
                    phone=w.phone(),
                    gender="F" if star else (linked.gender if linked else w.rng.choice("MF")),
                    person=linked,
                    community=community,
                    teams=[team],
                    skills=w.rng.sample(skills, w.rng.randint(1, min(3, len(skills)))),
                    available_days=sorted(w.rng.sample(range(1, 8), w.rng.randint(1, 3))),
                    availability=w.rng.choice(("工作日上午", "周末全天", "每周三上午", "随叫随到")),
                    registered_on=w.ago(w.rng.randint(200, 1100)),
                    note=f"{team_name}志愿服务队队长" if i == 0 else "",
                )
            )
        crew.members[team_name] = members
    crew.star = crew.members["针锋裁缝"][0]
    crew.peer = crew.members["邻里串门"][0]
    crew.login = volunteer_services.create_login(
        actor=w.users["demo_station_head"],
        volunteer=crew.star,
        username=VOLUNTEER_LOGIN.username,
        password=DEMO_PASSWORD,
    )
    return crew


def _communities(w: World, station: Station) -> list[Region]:
    if station.pk == w.guoyuan.pk:
        return w.rooms()
    lo = station.region_id
    return list(
        Region.objects.filter(level=Level.VILLAGE, code__gte=lo, code__lt=lo + 1000).order_by(
            "code"
        )
    )


def build_hours(w: World, crew: Crew) -> str:
    """Hours by hand and for home visits, the pairings, a star and an honour, one volunteer
    who stopped; after the activities have logged theirs."""
    assert crew.star is not None and crew.login is not None
    worker = w.users["demo_worker"]
    # The leader of 针锋裁缝 runs the Wednesday sewing morning every week: 4 hours each.
    wednesday = w.today - dt.timedelta(days=(w.today.weekday() - 2) % 7 or 7)
    for week in range(26):
        hours_services.log_hours(
            actor=worker,
            volunteer=crew.star,
            hours="4",
            served_on=wednesday - dt.timedelta(weeks=week),
            description="周三缝补服务日：为困难老人缝补衣物",
        )
    for team_name, members in crew.members.items():
        actor = w.users[WORKER[TEAMS[team_name][0]]]
        for v in members[1:]:
            for _ in range(w.rng.randint(2, 6)):
                hours_services.log_hours(
                    actor=actor,
                    volunteer=v,
                    hours=w.rng.choice(("1", "1.5", "2", "3")),
                    served_on=w.ago(w.rng.randint(1, 175)),
                    description=w.rng.choice(HAND_WORK[team_name]),
                )
    visits = _escorted_visits(w, crew)
    # The volunteer's own login adds what she did this week (marked self-reported).
    for days, what in ((2, "为独居老人改制棉衣两件"), (5, "整理社工站捐赠衣物")):
        hours_services.log_hours(
            actor=crew.login,
            volunteer=crew.star,
            hours="2",
            served_on=w.ago(days),
            description=what,
        )
    contacts = _pairings(w, crew)
    hours_services.recognize(
        actor=w.users["demo_station_head"],
        volunteer=crew.star,
        kind="star",
        stars=1,
        awarded_on=w.ago(3),
        note="志愿服务时长超过100小时，带领针锋裁缝服务队坚持每周缝补服务。",
    )
    sweeper = crew.members["爱心扫把"][1]
    hours_services.recognize(
        actor=worker,
        volunteer=sweeper,
        kind="other",
        title="果园新村街道优秀志愿者",
        awarded_on=w.ago(40),
        note="常年义务清扫楼道，及时发现并报告安全隐患。",
    )
    leaving = crew.members["爱心扫把"][-1]
    volunteer_services.update_volunteer(
        actor=worker, volunteer=leaving, active=False, note="搬离社区，暂停服务"
    )
    total = hours_services.total_hours(crew.star)
    return (
        f"{sum(len(m) for m in crew.members.values())} volunteers in {len(crew.teams)} teams"
        f" ({visits} visits escorted), 2 pairings with {contacts} contacts,"
        f" {VOLUNTEER_LOGIN.username} has {total.normalize():f} hours"
    )


def _escorted_visits(w: World, crew: Crew) -> int:
    """Members of 针锋裁缝 went along on a few recent home visits of the demo worker."""
    visits = list(
        Visit.objects.filter(
            station=w.guoyuan,
            kind=VisitKind.HOME_VISIT,
            recorded_by=w.users["demo_worker"],
            visited_on__lt=w.today,
        ).order_by("-visited_on", "-pk")[:3]
    )
    escorts = crew.members["针锋裁缝"][1:4]
    for visit, volunteer in zip(visits, escorts, strict=False):
        hours_services.log_hours(
            actor=w.users["demo_worker"],
            volunteer=volunteer,
            visit=visit,
            hours="1.5",
            description="陪同社工入户走访",
        )
    return min(len(visits), len(escorts))


def _pairings(w: World, crew: Crew) -> int:
    """一对一结对: the star with a child in difficulty of 果园新村 (every two weeks, her own
    login records the latest visits); 同伴计划: the peer volunteer of 集贤里 with an old
    person living alone (monthly, the next call due in a few days)."""
    assert crew.star is not None and crew.peer is not None and crew.login is not None
    made = 0
    child = w.one(
        w.guoyuan, lambda x: x.child_in_need, lambda x: x.child and x.age >= 6, lambda x: x.child
    )
    if child is not None:
        pairing = pairing_services.pair(
            actor=w.users["demo_worker"],
            volunteer=crew.star,
            person=child.person,
            kind=PairingKind.ONE_TO_ONE,
            started_on=w.ago(120),
            contact_every_days=14,
            goals="每两周上门陪伴一次：辅导作业，关注情绪和学习、生活用品需要。",
        )
        notes = (
            "第一次见面，孩子有些拘谨，一起整理了书包。",
            "辅导数学作业，孩子说最近考试进步了。",
            "带去两本课外书，约好下次一起读。",
            "电话联系，孩子感冒在家，提醒监护人按时给药。",
            "一起做手工，孩子话多了，主动讲学校的事。",
        )
        for n, days in enumerate(range(118, 4, -14)):
            own = days <= 40  # the latest ones she records herself on her phone
            pairing_services.record_contact(
                actor=crew.login if own else w.users["demo_worker"],
                pairing=pairing,
                contacted_on=w.ago(days),
                mode=ContactMode.PHONE if n % 4 == 3 else ContactMode.HOME_VISIT,
                notes=notes[n % len(notes)],
                hours=Decimal("1.5"),
            )
            made += 1
    elder = w.one(
        w.jixianli,
        lambda x: x.alone and x.old_old,
        lambda x: x.alone,
        lambda x: x.elderly,
        avoid={crew.peer.person_id} if crew.peer.person_id else None,
    )
    if elder is not None:
        pairing = pairing_services.pair(
            actor=w.users["demo_worker2"],
            volunteer=crew.peer,
            person=elder.person,
            kind=PairingKind.PEER,
            started_on=w.ago(90),
            contact_every_days=30,
            goals="同伴计划：每月至少上门一次，陪老人聊天、代购生活用品，发现异常及时告诉社工。",
        )
        for days, mode, note in (
            (88, ContactMode.HOME_VISIT, "初次上门，老人独居十年，腿脚不便，愿意有人常来坐坐。"),
            (58, ContactMode.OUTING, "陪老人到社区卫生服务中心量血压、取药。"),
            (27, ContactMode.HOME_VISIT, "帮老人代购米面，聊起年轻时在工厂的事，情绪很好。"),
        ):
            pairing_services.record_contact(
                actor=w.users["demo_worker2"],
                pairing=pairing,
                contacted_on=w.ago(days),
                mode=mode,
                notes=note,
                hours="1",
            )
            made += 1
    return made
