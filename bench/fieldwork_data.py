"""Five years of field work for the people dataset: visits, cases, service records, referrals,
risk alerts, and the staff who did the work.

    from fieldwork_data import generate
    stats = generate()      # after django.setup(), on a database that has people_data's persons

What is generated, per township station (every station that persons belong to):

- Staff: one resident worker per ~1,000 registered persons (2–8 a station) and a station head,
  besides the station's existing staff (the demo's `demo_worker` …); a supervisor per district.
  Logins without a usable password, with their staff record, post and role assignment, created
  with `bulk_create` (a few thousand rows).
- Visits, by simulating the visit policy (`fieldwork.policy`, the defaults of migration
  0002_default_policies) day by day for every person over the five years before today (or
  since the person was registered): whenever the categories, the derived 高龄 or the risk level
  change, the requirements are recomputed with `policy.applicable`, and the next contact is
  made at `policy.next_contacts`'s due date plus a lateness drawn per station (most contacts on
  time or a few days early, some late, a few very late), as a home visit when an in-person
  visit is due within a quarter of its interval, else mostly as a phone call. 1.5 % of persons
  are "forgotten" some weeks or months before today, deceased and moved-away persons stop
  earlier. Every person may also be seen in the station's yearly screening round (走访摸排),
  and old persons are escorted to hospital now and then. Checklists are the person's
  (`policy.checklist_items`), a few items of concern, notes and needs found from a pool of
  realistic phrases; one or two workers went, the first recorded the visit.
- Cases (个案) for persons with a high or crisis risk level, children in difficulty, 特困,
  persons with mental disorders or disabilities and a few others: intake → assessment (with a
  needs assessment over the general or the children's domains) → plan → intervention with a
  service record every 4–10 days for 3–12 months → evaluation → closure signed off by the
  district's supervisor; some declined or referred out at intake; cases still open today stop
  in the stage they have reached. Every step is a `CaseStageChange` row.
- Referrals from a third of the cases and a few other persons (most answered, recent ones
  waiting, some closed without feedback); risk alerts for crisis assessments (resolved with an
  action, except the last days'); yearly self-care assessments for some of the old and 特困.

History ends yesterday, so today's worklist has what is due today. The demo's persons, created
when the demo was built, are given a registration date up to six years back for the simulation
(their rows are not changed). The audit rows the services would have written for the history
are not generated. Columns that the models gain later are filled with their defaults (`Table`),
so the generator survives additive model changes; a new required column stops it with its name.

Rows are built in worker processes (one per CPU, a station at a time) and loaded with COPY in
one transaction, with the loaded tables' secondary indexes and constraints dropped and rebuilt
(`people_data.SchemaObjects`), then VACUUM ANALYZE. Ids are reserved per station from shared
counters and follow the visit date within a station. It runs once per database: an audit row
(`bench.fieldwork.generate`) marks it; a killed run leaves nothing but the staff accounts,
which the next run reuses.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import multiprocessing
import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from people_data import Names, SchemaObjects, _line

YEARS = 5
SEED = 20_260_404
PERSONS_PER_WORKER = 1_000
MIN_WORKERS, MAX_WORKERS = 2, 8
FORGOTTEN = 0.015  # persons nobody contacted for weeks or months before today
SCREENING = 0.2  # chance to be seen in a year's screening round (走访摸排)
DAY = dt.timedelta(days=1)

# --- phrases -----------------------------------------------------------------------------------
NOTES = {
    "elderly": (
        "老人身体状况良好，饮食正常，家中无安全隐患。",
        "老人近期血压偏高，已提醒按时服药并到社区卫生服务中心复诊。",
        "家中暖气正常，卫生状况一般，已联系志愿者协助打扫。",
        "老人情绪稳定，子女上周来探望过。",
        "燃气灶软管老化，已联系社区物业更换。",
        "老人反映夜间起夜不便，建议加装夜灯和扶手。",
        "冰箱内食物过期，已协助清理，提醒按时用餐。",
        "老人腿脚不便，行动需借助拐杖，下楼困难。",
        "老人独自在家，精神状态不错，聊了家常。",
        "老人近期睡眠不好，情绪有些低落，已安排下周再访。",
        "",
    ),
    "child": (
        "孩子在校学习正常，监护人照料到位。",
        "孩子近期成绩下降，已与班主任沟通。",
        "孩子身体健康，按时上学，家中生活条件一般。",
        "监护人外出务工，由祖母照看，作业辅导不足。",
        "孩子性格内向，与同学交往较少，建议心理老师关注。",
        "",
    ),
    "other": (
        "家中情况平稳，暂无新增需求。",
        "了解家庭收支情况，提醒按时办理低保年审。",
        "服务对象身体状况一般，按时服药。",
        "家属在家，沟通顺畅，近期无困难。",
        "住房条件较差，屋顶漏雨，已上报社区。",
        "",
    ),
    "call": (
        "电话联系，老人表示身体无碍。",
        "电话回访，家属接听，近况平稳。",
        "电话未接通，稍后再次拨打后联系上。",
        "电话询问用药情况，已按时服药。",
        "电话回访，提醒天气变化注意保暖。",
        "",
        "",
    ),
    "screening": (
        "走访摸排，登记家庭基本情况，暂无特殊需求。",
        "走访摸排，核实居住情况与联系方式。",
        "走访摸排，宣传养老服务政策。",
    ),
    "escort": (
        "陪同前往区医院复诊，协助挂号取药。",
        "陪同到社区卫生服务中心体检。",
        "陪同前往医院检查，结果已告知家属。",
    ),
}
NEEDS = (
    "需要助餐服务",
    "申请居家养老服务补贴",
    "需要更换助行器",
    "需要心理疏导",
    "需协助办理低保复核",
    "需要课业辅导",
    "需要上门理发",
    "需要安装紧急呼叫设备",
    "需要家庭适老化改造",
    "需要慢病随访",
)
CONCERN_NOTES = ("需持续关注", "已告知家属", "已上报社区", "下次探访复查")
PROBLEMS = (
    "独居老人近期跌倒，无人照料，生活自理能力下降。",
    "服务对象情绪低落，有自伤言语，家属求助。",
    "儿童监护缺失，父亲服刑，母亲离家，由祖父母照看。",
    "家庭经济困难，子女辍学风险高。",
    "遭受家庭暴力，需要安全计划和法律援助。",
    "精神障碍患者停药，家属照护压力大。",
    "重度残疾，照料人住院，短期无人照顾。",
    "拖欠房租面临搬离，需要临时救助。",
)
GOALS = (
    ("恢复规律饮食", "每周至少5天按时用餐"),
    ("建立社会支持网络", "每月参加社区活动2次"),
    ("稳定情绪", "情绪量表得分下降30%"),
    ("落实监护", "确定监护人并签订照护协议"),
    ("保障基本生活", "申请到临时救助或低保"),
    ("按时就医服药", "每月复诊一次"),
    ("恢复上学", "连续一个月按时到校"),
)
SERVICES = (
    "个别面谈，了解近况，进行情绪疏导。",
    "上门探访，评估照料安排，联系家政服务。",
    "电话跟进，确认救助申请进度。",
    "陪同办理临时救助申请材料。",
    "与学校老师沟通，制定学习支持计划。",
    "家庭会谈，协调子女分担照料责任。",
    "链接志愿者每周上门陪伴。",
    "协助预约心理咨询，跟进就诊情况。",
)
RESOURCES = ("", "", "社区志愿者服务队", "街道临时救助", "区心理卫生中心", "助餐点", "法律援助中心")
CLOSURE_REASONS = ("服务目标达成", "服务对象迁出", "服务对象不再需要服务", "转介至专业机构")
GENERAL_DOMAINS = (
    *("material", "care", "health", "psychological", "education", "social_support", "safety"),
)
CHILD_DOMAINS = ("body", "study", "living", "guardianship", "schooling")
DOMAIN_NEEDS = {
    "material": ("", "收入不足以支付医药费", "申请临时救助"),
    "care": ("", "日常起居需要协助", "需要助餐和助浴服务"),
    "health": ("", "慢性病需定期复诊", "需要康复训练"),
    "psychological": ("", "情绪低落，需要心理疏导", "孤独感强"),
    "social_support": ("", "与子女联系少", "缺少邻里支持"),
    "safety": ("", "居家有跌倒风险", "燃气使用不安全"),
    "study": ("", "学习跟不上，需要课业辅导"),
    "guardianship": ("", "监护人照护能力不足"),
}
ALERT_TEXT = {
    "self_harm": "服务对象表示不想活了，家中有药物囤积。",
    "abuse_domestic_violence": "邻居反映夜间有打骂声，服务对象身上有伤痕。",
    "neglect": "老人独自在家多日无人送饭，屋内卫生极差。",
    "no_caregiver": "照料人突发疾病住院，老人无人照顾。",
}
ALERT_ACTIONS = (
    ("hospital", "送医检查，已联系家属陪护。"),
    ("placement", "当日安置至区养老机构临时照料。"),
    ("police", "报警处置，派出所已出警。"),
    ("referral", "转介区心理卫生中心跟进。"),
)
REFERRAL_SERVICES = (
    ("mental_health", "区心理卫生中心", "情绪问题需要专业评估"),
    ("legal_aid", "区法律援助中心", "涉及家庭暴力，需要法律援助"),
    ("hospital", "区人民医院", "慢性病需要专科诊治"),
    ("school", "所在学校", "学业困难需要学校支持"),
    ("disabled_federation", "区残联", "申请残疾人辅具和补贴"),
    ("judicial_aid", "区人民法院", "申请司法救助"),
)


# --- the plan: stations, their staff ------------------------------------------------------------
@dataclass
class StationJob:
    station_id: int
    region_id: int
    district: int  # county-level code (the supervisor's division)
    persons: int
    workers: list[int] = field(default_factory=list)
    head: int = 0
    supervisor: int = 0
    diligence: float = 1.0  # multiplies the share of late contacts
    screening_month: int = 3


def _district(code: int) -> int:
    return code // 10**6 * 10**6


def station_jobs(seed: int = SEED) -> list[StationJob]:
    """Every active station that persons belong to, with its number of persons."""
    from django.db.models import Count

    from shegong.people.models import Person
    from shegong.regions.models import Station

    rng = random.Random(seed)
    counts = dict(
        Person.objects.exclude(station=None)
        .values_list("station_id")
        .annotate(n=Count("id"))
        .values_list("station_id", "n")
    )
    jobs = []
    for station in Station.objects.filter(pk__in=list(counts)).order_by("pk"):
        jobs.append(
            StationJob(
                station.pk,
                station.region_id,
                _district(station.region_id),
                counts[station.pk],
                diligence=math.exp(rng.gauss(0, 0.45)),
                screening_month=rng.randint(3, 11),
            )
        )
    return jobs


def ensure_staff(jobs: list[StationJob], seed: int = SEED) -> int:
    """Workers, a station head per station and a supervisor per district, added to the
    existing staff where they are too few; fills the jobs' staff ids. Returns logins created."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from shegong.accounts.models import RoleAssignment, User
    from shegong.accounts.roles import Role
    from shegong.accounts.services import POST_FOR_ROLE
    from shegong.regions.models import Post, StaffMember

    rng = random.Random(seed + 1)
    names = Names()
    today = _today()
    unusable = make_password(None)
    current = RoleAssignment.objects.current()
    by_station: dict[int, dict[str, list[int]]] = {}
    for user_id, role, station_id in current.filter(
        station_id__in=[j.station_id for j in jobs], user__is_active=True
    ).values_list("user_id", "role", "station_id"):
        by_station.setdefault(station_id, {}).setdefault(role, []).append(user_id)
    supervisors: dict[int, int] = {}
    for user_id, region_id in current.filter(role=Role.SUPERVISOR).values_list(
        "user_id", "region_id"
    ):
        supervisors.setdefault(region_id, user_id)

    wanted: list[tuple[str, str, int | None, int, StationJob | None]] = []
    for job in jobs:
        staff = by_station.get(job.station_id, {})
        need = min(MAX_WORKERS, max(MIN_WORKERS, round(job.persons / PERSONS_PER_WORKER)))
        for k in range(len(staff.get(Role.WORKER, [])), need):
            wanted.append(
                (f"fw{job.station_id}w{k}", Role.WORKER, job.station_id, job.region_id, job)
            )
        if not staff.get(Role.STATION_HEAD):
            wanted.append(
                (f"fw{job.station_id}h", Role.STATION_HEAD, job.station_id, job.region_id, job)
            )
    for district in sorted({j.district for j in jobs} - set(supervisors)):
        wanted.append((f"fwsup{district // 10**6}", Role.SUPERVISOR, None, district, None))

    created = 0
    with transaction.atomic():
        existing = dict(
            User.objects.filter(username__in=[w[0] for w in wanted]).values_list("username", "pk")
        )
        fresh = [w for w in wanted if w[0] not in existing]
        users = User.objects.bulk_create(
            [
                User(
                    username=username,
                    password=unusable,
                    full_name=names.draw(rng, rng.randint(24, 50), rng.choice("FFM")),
                    home_region_id=region,
                )
                for username, _role, _station, region, _job in fresh
            ]
        )
        members = StaffMember.objects.bulk_create(
            [StaffMember(user=u, full_name=u.full_name, region_id=u.home_region_id) for u in users]
        )
        posts, roles = [], []
        for (_username, role, station, region, _job), user, member in zip(
            fresh, users, members, strict=True
        ):
            joined = today - dt.timedelta(days=rng.randint(30, 8 * 365))
            if station is not None:
                posts.append(
                    Post(
                        staff=member,
                        station_id=station,
                        kind=POST_FOR_ROLE[role],
                        valid_from=joined,
                        resident=True,
                    )
                )
            roles.append(
                RoleAssignment(
                    user=user, role=role, region_id=region, station_id=station, valid_from=joined
                )
            )
        Post.objects.bulk_create(posts)
        RoleAssignment.objects.bulk_create(roles)
        created = len(users)
        existing.update({u.username: u.pk for u in users})
    for username, role, _station, region, owner in wanted:
        pk = existing[username]
        if role == Role.SUPERVISOR:
            supervisors[region] = pk
        elif owner is not None:
            by_station.setdefault(owner.station_id, {}).setdefault(role, []).append(pk)
    for job in jobs:
        held = by_station[job.station_id]
        job.workers = sorted(set(held[Role.WORKER]))
        job.head = held[Role.STATION_HEAD][0]
        job.supervisor = supervisors.get(job.district) or job.head
    return created


def _today() -> dt.date:
    from django.utils import timezone

    return timezone.localdate()


# --- the tables ----------------------------------------------------------------------------------
VISIT = [
    *["id", "person_id", "household_id", "kind", "visited_on", "region_code", "station_id"],
    *["volunteers_text", "checklist", "needs_found", "notes", "next_due", "recorded_by_id"],
    "recorded_at",
]
VISIT_WORKERS = ["id", "visit_id", "user_id"]
CASE = [
    *["id", "person_id", "station_id", "region_code", "assigned_worker_id", "supervisor_id"],
    *["stage", "source", "referrer", "problem", "assessment_summary", "opened_on", "closed_on"],
    *["version", "notes", "created_by_id", "created_at"],
]
INTAKE = ["id", "case_id", "consent_given", "decision", "reason", "decided_on", "decided_by_id"]
PLAN = [
    *["id", "case_id", "goals", "tasks", "agreed_by_client", "agreed_by_guardian", "agreed_on"],
    *["created_by_id", "created_at"],
]
SERVICE = [
    *["id", "case_id", "served_on", "mode", "duration_minutes", "content", "resources"],
    *["region_code", "station_id", "recorded_by_id", "recorded_at"],
]
EVALUATION = [
    *["id", "case_id", "attainment", "satisfaction", "changes", "evaluated_on"],
    "evaluated_by_id",
]
CLOSURE = [
    *["id", "case_id", "reason", "summary", "follow_up_on", "status", "requested_by_id"],
    *["requested_at", "supervisor_signed_by_id", "signed_at", "supervisor_comment"],
]
REFERRAL = [
    *["id", "person_id", "case_id", "direction", "service_type", "other_party", "reason"],
    *["status", "feedback", "outcome", "closed_reason", "sent_on", "answered_on"],
    *["region_code", "station_id", "created_by_id", "created_at", "closed_on"],
]
ALERT = [
    *["id", "person_id", "case_id", "kind", "description", "status", "raised_by_id", "raised_at"],
    *["resolved_by_id", "resolved_at", "resolution", "region_code", "station_id"],
]
ACTION = ["id", "alert_id", "kind", "taken_on", "note", "by_id", "recorded_at"]
STAGE = ["id", "case_id", "from_stage", "to_stage", "changed_on", "changed_at", "changed_by_id"]
ASSESSED = ["id", "person_id", "assessed_on", "assessor_id", "region_code", "station_id"]
NEEDS_ASSESSMENT = [
    *ASSESSED,
    "recorded_at",
    "case_id",
    "domain_set",
    "domains",
    "strengths",
    "summary",
]
SELF_CARE = [
    *[*ASSESSED, "recorded_at", "eating", "dressing", "transferring", "toileting", "walking"],
    *["bathing", "level", "note"],
]
# key → (model label, columns); visit_workers is Visit.workers' through table.
TABLES: dict[str, tuple[str, list[str]]] = {
    "visit": ("fieldwork.Visit", VISIT),
    "visit_workers": ("fieldwork.Visit.workers", VISIT_WORKERS),
    "case": ("fieldwork.Case", CASE),
    "intake": ("fieldwork.CaseIntake", INTAKE),
    "plan": ("fieldwork.CasePlan", PLAN),
    "service": ("fieldwork.CaseService", SERVICE),
    "evaluation": ("fieldwork.CaseEvaluation", EVALUATION),
    "closure": ("fieldwork.CaseClosure", CLOSURE),
    "referral": ("fieldwork.Referral", REFERRAL),
    "alert": ("fieldwork.RiskAlert", ALERT),
    "action": ("fieldwork.AlertAction", ACTION),
    "stage": ("fieldwork.CaseStageChange", STAGE),
    "needs": ("fieldwork.NeedsAssessment", NEEDS_ASSESSMENT),
    "self_care": ("fieldwork.SelfCareAssessment", SELF_CARE),
}


@dataclass
class Table:
    """Where a key's rows go: the table, the generator's columns and the constant defaults of
    columns the models gained since this file was written (appended to every line)."""

    key: str
    db_table: str
    columns: list[str]
    suffix: str = ""

    @classmethod
    def of(cls, key: str) -> Table:
        from django.apps import apps

        label, columns = TABLES[key]
        app, name, *m2m = label.split(".")
        model = apps.get_model(app, name)
        if m2m:
            model = model._meta.get_field(m2m[0]).remote_field.through
        extra, values = [], []
        for f in model._meta.concrete_fields:
            if f.column in columns:
                continue
            value = f.get_default()  # "" for text fields without a default
            if value is None and not f.null:
                raise RuntimeError(f"{model._meta.db_table}.{f.column} has no default: add it")
            extra.append(f.column)
            values.append(
                _cell(json.dumps(value) if f.get_internal_type() == "JSONField" else value)
            )
        suffix = ("\t" + "\t".join(values)) if extra else ""
        return cls(key, model._meta.db_table, [*columns, *extra], suffix)


def _cell(value: Any) -> str:
    if value is None:
        return "\\N"
    if value is True or value is False:
        return "t" if value else "f"
    return str(value)


# --- one station's rows (runs in a worker process) -----------------------------------------------
_W: dict[str, Any] = {}


def _init_worker(context: dict[str, Any]) -> None:
    _W.update(context)


class Proxy:
    """What `policy.applicable` reads of a person, with the risk level of a past day."""

    __slots__ = ("birth_date", "created_at", "region_id", "risk_level", "station_id")

    def __init__(self, birth: dt.date | None, region: int, station: int) -> None:
        self.birth_date = birth
        self.created_at = None
        self.region_id = region
        self.station_id = station
        self.risk_level = ""


class Membership:
    __slots__ = ("category_id", "valid_from", "valid_to")

    def __init__(self, category: int, start: dt.date, end: dt.date | None) -> None:
        self.category_id, self.valid_from, self.valid_to = category, start, end


@dataclass
class Result:
    station_id: int
    data: dict[str, bytes]
    counts: dict[str, int]


def _reserve(key: str, n: int) -> int:
    counter = _W["counters"][key]
    with counter.get_lock():
        first = counter.value
        counter.value += n
    return int(first)


def _at(day: dt.date, rng: random.Random, late: bool = False) -> str:
    if late and rng.random() < 0.2:
        day += DAY
    return f"{day.isoformat()} {rng.randint(8, 20):02d}:{rng.randint(0, 59):02d}:00+08"


def _lateness(rng: random.Random, length: int, diligence: float) -> int:
    """Days after the due date the contact is made (negative: before)."""
    r = rng.random()
    very, late = 0.035 * diligence, 0.18 * diligence
    if r < very:
        return rng.randint(max(2, length // 2), max(3, length * 3 // 2))
    if r < very + late:
        return rng.randint(1, max(1, length * 2 // 5))
    return -rng.randint(0, length * 3 // 20)


def read_people(jobs: list[StationJob]) -> dict[int, list[tuple[Any, ...]]]:
    """station id → its persons as (id, birth, registered, status, region, living, household,
    memberships, risk history): read once by the parent, inherited by the forked workers."""
    from django.db import connection
    from django.utils import timezone

    stations = [j.station_id for j in jobs]
    memberships: dict[int, list[Membership]] = {}
    risks: dict[int, list[tuple[str, dt.date]]] = {}
    out: dict[int, list[tuple[Any, ...]]] = {s: [] for s in stations}
    with connection.cursor() as cur:
        cur.execute(
            "SELECT person_id, category_id, valid_from, valid_to FROM people_categorymembership"
        )
        for pid, cat, start, end in cur.fetchall():
            memberships.setdefault(pid, []).append(Membership(cat, start, end))
        cur.execute(
            "SELECT person_id, level, assessed_on FROM people_riskassessment"
            " ORDER BY person_id, assessed_on, id"
        )
        for pid, level, day in cur.fetchall():
            risks.setdefault(pid, []).append((level, day))
        cur.execute(
            "SELECT id, birth_date, created_at, status, region_id, living_situation, household_id,"
            " station_id FROM people_person WHERE station_id = ANY(%s) ORDER BY id",
            [stations],
        )
        rng = random.Random(SEED + 2)
        recent = _today() - dt.timedelta(days=7)
        for pid, birth, created, status, region, living, household, station in cur.fetchall():
            registered = timezone.localtime(created).date()
            if registered > recent:  # the demo's persons, registered as the demo was built
                registered = max(birth or recent, recent - dt.timedelta(days=rng.randint(23, 2190)))
            out[station].append(
                (pid, birth, registered, status, region, living, household,
                 memberships.get(pid, []), risks.get(pid, []))
            )  # fmt: skip
    return out


def build_station(job: StationJob) -> Result:
    """The COPY text of one station's field work."""
    sim = Simulation(job, random.Random(SEED * 7919 + job.station_id))
    for person in _W["people"][job.station_id]:
        sim.person(*person)
    return sim.result()


class Simulation:
    """One station's five years, person by person; rows kept as tuples until `result`."""

    def __init__(self, job: StationJob, rng: random.Random) -> None:
        self.job, self.rng = job, rng
        self.today: dt.date = _W["today"]
        self.yesterday = self.today - DAY
        self.window_start: dt.date = _W["window_start"]
        self.policies = _W["policies"]
        self.oldest: int | None = _W["oldest_old"]
        self.codes: dict[int, str] = _W["codes"]
        self.visits: list[tuple[Any, ...]] = []  # (day, pid, kind, workers, …)
        self.cases: list[dict[str, Any]] = []
        self.referrals: list[dict[str, Any]] = []
        self.alerts: list[dict[str, Any]] = []
        self.self_cares: list[tuple[int, int, dt.date, int]] = []  # (person, region, day, lost)
        self.checklists: dict[tuple[str, ...], str] = {}

    # -- visits ------------------------------------------------------------------------------
    def person(
        self,
        pid: int,
        birth: dt.date | None,
        registered: dt.date,
        status: str,
        region: int,
        living: str,
        household: int | None,
        mems: list[Membership],
        risks: list[tuple[str, dt.date]],
    ) -> None:
        from shegong.fieldwork import policy

        rng, job = self.rng, self.job
        start = max(self.window_start, registered)
        end = self.yesterday
        if status != "active":
            end = self.today - dt.timedelta(days=rng.randint(30, 720))
        elif rng.random() < FORGOTTEN * job.diligence:
            end = self.today - dt.timedelta(days=rng.randint(40, 300))
        if end < start:
            return
        workers = job.workers
        main = workers[pid % len(workers)]
        proxy = Proxy(birth, region, job.station_id)
        eightieth = policy._birthday(birth, policy.OLDEST_OLD_AGE) if birth else None
        points: set[dt.date] = {m.valid_from for m in mems}
        points |= {m.valid_to + DAY for m in mems if m.valid_to}
        points |= {day for _level, day in risks}
        if eightieth:
            points.add(eightieth)
        changes = sorted(d for d in points if start < d <= end)
        changes.append(end + DAY)
        ctx = (pid, region, household, main, workers, birth, living, mems)

        last_any = last_visit = None
        if registered < self.window_start:  # contacts before the window
            last_any = start - dt.timedelta(days=rng.randint(0, 6))
            last_visit = start - dt.timedelta(days=rng.randint(0, 29))
        seg = start
        for nxt in changes:
            if nxt <= seg:
                continue
            past = [(lvl, d) for lvl, d in risks if d <= seg]
            proxy.risk_level = past[-1][0] if past else ""
            since = policy.risk_level_since(reversed(past), proxy.risk_level) if past else None
            reqs = policy.applicable(
                proxy, seg, self.policies, mems, oldest_old=self.oldest, risk_since=since
            )
            while reqs:
                dues = policy.next_contacts(reqs, last_any, last_visit)
                first = min(dues, key=lambda d: d.due)
                length = first.requirement.length
                day = first.due + dt.timedelta(days=_lateness(rng, length, job.diligence))
                floor = seg if last_any is None else max(seg, last_any + DAY)
                day = max(day, floor)
                if day >= nxt:
                    break
                visit_due = next((d for d in dues if d.kind == "visit"), None)
                in_person = visit_due is not None and visit_due.due <= day + dt.timedelta(
                    days=visit_due.requirement.length // 4
                )
                if not in_person and rng.random() < 0.3:
                    in_person = True
                if in_person:
                    kind = "escort" if rng.random() < 0.03 else "home_visit"
                else:
                    kind = "phone_call"
                nd = None
                if rng.random() < 0.7:
                    nd = day + dt.timedelta(days=min(r.length for r in reqs))
                self.visit(day, kind, ctx, nd)
                last_any = day
                if in_person:
                    last_visit = day
            seg = nxt
        # The yearly screening round, and hospital escorts for the old.
        for year in range(start.year, end.year + 1):
            if rng.random() < SCREENING:
                day = dt.date(year, job.screening_month, rng.randint(1, 28))
                if start <= day <= end:
                    self.visit(day, "screening", ctx, None)
        if birth and (self.today - birth).days > 75 * 365 and rng.random() < 0.15:
            for _ in range(rng.randint(1, 3)):
                day = start + dt.timedelta(days=rng.randint(0, (end - start).days))
                self.visit(day, "escort", ctx, None)
        self.casework(pid, region, birth, start, end, mems, risks)

    def visit(
        self, day: dt.date, kind: str, ctx: tuple[Any, ...], next_due: dt.date | None
    ) -> None:
        rng = self.rng
        pid, region, household, main, workers, birth, living, mems = ctx
        team: tuple[int, ...] = (main,)
        if len(workers) > 1 and rng.random() < (0.35 if kind != "phone_call" else 0.03):
            other = rng.choice(workers)
            if other != main:
                team = (main, other)
        codes = {self.codes[m.category_id] for m in mems if _holds(m, day)}
        child = bool(codes & CHILD_CODES)
        elderly = birth is not None and (day - birth).days >= 60 * 365
        checklist, needs = "{}", ""
        if kind in ("home_visit", "screening"):
            checklist = self.checklist(codes, elderly, living == "alone")
            if rng.random() < 0.12:
                needs = rng.choice(NEEDS)
        if kind == "phone_call":
            notes = rng.choice(NOTES["call"])
        elif kind in ("screening", "escort"):
            notes = rng.choice(NOTES[kind])
        else:
            notes = rng.choice(NOTES["child" if child else "elderly" if elderly else "other"])
        volunteers = "志愿者" + rng.choice("王李张刘陈杨赵") + "某" if rng.random() < 0.04 else ""
        self.visits.append(
            (day, pid, kind, team, region, household, checklist, needs, notes, next_due, volunteers)
        )

    def checklist(self, codes: set[str], elderly: bool, alone: bool) -> str:
        from shegong.fieldwork import policy

        age = 70 if elderly else 30
        items = tuple(policy.checklist_items(codes, age=age, lives_alone=alone))
        if self.rng.random() < 0.1:  # an item of concern
            out = {k: {"status": "ok", "note": ""} for k in items}
            out[self.rng.choice(items)] = {
                "status": "concern",
                "note": self.rng.choice(CONCERN_NOTES),
            }
            return json.dumps(out, ensure_ascii=False)
        if items not in self.checklists:
            self.checklists[items] = json.dumps(
                {k: {"status": "ok", "note": ""} for k in items}, ensure_ascii=False
            )
        return self.checklists[items]

    # -- cases, referrals, alerts ------------------------------------------------------------
    def casework(
        self,
        pid: int,
        region: int,
        birth: dt.date | None,
        start: dt.date,
        end: dt.date,
        mems: list[Membership],
        risks: list[tuple[str, dt.date]],
    ) -> None:
        rng = self.rng
        codes = {self.codes[m.category_id] for m in mems}
        levels = {lvl for lvl, _d in risks}
        chance = 0.006
        if levels & {"high", "crisis"}:
            chance = 0.45
        elif codes & CHILD_CODES:
            chance = 0.12
        elif "mental_disorder" in codes:
            chance = 0.1
        elif "tekun" in codes:
            chance = 0.08
        elif "disabled" in codes:
            chance = 0.03
        child = birth is not None and (end - birth).days < 18 * 365
        base = {"pid": pid, "region": region, "child": child}
        old = birth is not None and (end - birth).days >= 80 * 365
        if (old or codes & {"tekun", "elderly_alone"}) and rng.random() < 0.6:
            self.self_care(pid, region, start, end)
        if rng.random() < chance and (end - start).days > 30:
            opened = start + dt.timedelta(days=rng.randint(0, (end - start).days))
            case = self.case(base, opened, end)
            if case["ended"] and rng.random() < 0.1 and case["ended"] + DAY * 60 < end:
                self.case(base, case["ended"] + DAY * rng.randint(30, 60), end)
        elif rng.random() < 0.004 and (end - start).days > 10:
            day = start + dt.timedelta(days=rng.randint(0, (end - start).days))
            self.referral(base, None, day, end)
        for level, day in risks:
            if level == "crisis" and rng.random() < 0.6 and start <= day <= end:
                self.alert(base, day, end)

    def case(self, base: dict[str, Any], opened: dt.date, end: dt.date) -> dict[str, Any]:
        """One case's course from intake; it stops in the stage reached by `end`."""
        rng, job = self.rng, self.job
        worker = rng.choice(job.workers)
        case: dict[str, Any] = {
            **base,
            "worker": worker,
            "opened": opened,
            "source": rng.choices(("self", "outreach", "referral"), weights=(25, 45, 30))[0],
            "problem": rng.choice(PROBLEMS),
            "stage": "intake",
            "ended": None,
            "closed_on": None,
            "services": [],
            "intake": None,
            "assessed": None,
            "plan": None,
            "evaluation": None,
            "closure": None,
            "changes": [("", "intake", opened, worker)],  # (from, to, day, by)
        }
        self.cases.append(case)

        def step(to: str, day: dt.date, by: int = worker) -> None:
            case["changes"].append((case["stage"], to, day, by))
            case["stage"] = to

        day = opened + dt.timedelta(days=rng.randint(0, 7))
        if day > end:
            return case
        decision = rng.choices(("accept", "decline", "refer"), weights=(88, 6, 6))[0]
        case["intake"] = (decision, day)
        if decision != "accept":
            step("declined" if decision == "decline" else "referred_out", day)
            case["ended"] = day
            return case
        step("assessment", day)
        assessed = day + dt.timedelta(days=rng.randint(2, 10))
        if assessed <= end:
            case["assessed"] = assessed
        day = assessed + dt.timedelta(days=rng.randint(3, 10))
        if day > end:
            return case
        case["plan"] = day
        step("plan", day)
        day += dt.timedelta(days=rng.randint(5, 20))
        if day > end:
            return case
        step("intervention", day)
        last = day + dt.timedelta(days=rng.randint(90, 365))
        served = day + dt.timedelta(days=rng.randint(1, 7))
        while served <= min(last, end):
            case["services"].append(served)
            served += dt.timedelta(days=rng.randint(4, 10))
        if rng.random() < 0.33 and case["services"]:
            self.referral(base, case, rng.choice(case["services"]), end)
        day = last
        if day > end:
            return case
        case["evaluation"] = day
        step("evaluation", day)
        requested = day + dt.timedelta(days=rng.randint(1, 10))
        if requested > end:
            return case
        signed = requested + dt.timedelta(days=rng.randint(1, 14))
        if signed > end:
            case["closure"] = (requested, None)
            return case
        case["closure"] = (requested, signed)
        step("closed", signed, job.supervisor)
        case["closed_on"] = case["ended"] = signed
        return case

    def self_care(self, pid: int, region: int, start: dt.date, end: dt.date) -> None:
        """A yearly self-care assessment (six daily-living items) for the old and 特困, now and
        then; abilities decline with the years."""
        rng = self.rng
        lost = rng.choice((0, 0, 0, 1, 2))
        for year in range(start.year, end.year + 1):
            if rng.random() < 0.5:
                continue
            day = dt.date(year, rng.randint(1, 12), rng.randint(1, 28))
            if not start <= day <= end:
                continue
            lost = min(6, lost + (1 if rng.random() < 0.25 else 0))
            self.self_cares.append((pid, region, day, lost))

    def referral(
        self, base: dict[str, Any], case: dict[str, Any] | None, day: dt.date, end: dt.date
    ) -> None:
        rng = self.rng
        service, party, reason = rng.choice(REFERRAL_SERVICES)
        waited = (end - day).days
        closed = None
        if waited < 20:
            status, answered = "sent", None
        else:
            status = rng.choices(
                ("done", "accepted", "in_progress", "closed_no_feedback", "sent"),
                weights=(62, 10, 10, 10, 8),
            )[0]
            answered = (
                None
                if status in ("sent", "closed_no_feedback")
                else day + dt.timedelta(days=rng.randint(2, 20))
            )
            if status == "closed_no_feedback":
                closed = day + dt.timedelta(days=rng.randint(20, min(60, waited)))
        self.referrals.append(
            {**base, "case": case, "service": service, "party": party, "reason": reason,
             "status": status, "sent": day, "answered": answered, "closed": closed}
        )  # fmt: skip

    def alert(self, base: dict[str, Any], day: dt.date, end: dt.date) -> None:
        rng = self.rng
        kind = rng.choice(tuple(ALERT_TEXT))
        resolved = None if (end - day).days < 5 else day + dt.timedelta(days=rng.randint(0, 10))
        if resolved is not None and resolved > end:
            resolved = end
        self.alerts.append(
            {**base, "kind": kind, "day": day, "resolved": resolved,
             "actions": rng.sample(ALERT_ACTIONS, rng.randint(1, 2))}
        )  # fmt: skip

    def needs(self, case: dict[str, Any], case_id: int) -> tuple[Any, ...]:
        """A needs assessment (预估) of the case's person, over the general or the children's
        domains, stored as `{domain: {"level", "needs"}}` in the domain set's order."""
        rng = self.rng
        child = case["child"]
        domains = CHILD_DOMAINS if child else GENERAL_DOMAINS
        found = {
            d: {
                "level": rng.choices(("none", "low", "medium", "high"), (35, 30, 25, 10))[0],
                "needs": rng.choice(DOMAIN_NEEDS.get(d, ("",))),
            }
            for d in domains
        }
        day = case["assessed"]
        return (
            case["pid"], day, case["worker"], case["region"], self.job.station_id,
            _at(day, rng), case_id, "child" if child else "general",
            json.dumps(found, ensure_ascii=False), "家人关系融洽，愿意配合服务。",
            "主要需求集中在照料和心理支持，建议纳入个案服务。",
        )  # fmt: skip

    # -- rows ----------------------------------------------------------------------------------
    def result(self) -> Result:
        rng, job = self.rng, self.job
        tables = _W["tables"]
        out: dict[str, list[str]] = {k: [] for k in TABLES}

        def emit(key: str, values: tuple[Any, ...]) -> None:
            line = _line(values)
            suffix = tables[key].suffix
            out[key].append(line[:-1] + suffix + "\n" if suffix else line)

        self.visits.sort(key=lambda v: (v[0], v[1]))
        vid = _reserve("visit", len(self.visits))
        wid = _reserve("visit_workers", sum(len(v[3]) for v in self.visits))
        for k, v in enumerate(self.visits):
            day, pid, kind, team, region, household, checklist, needs, notes, nd, vol = v
            emit(
                "visit",
                (vid + k, pid, household, kind, day, region, job.station_id, vol, checklist,
                 needs, notes, nd, team[0], _at(day, rng, late=True)),
            )  # fmt: skip
            for user in team:
                emit("visit_workers", (wid, vid + k, user))
                wid += 1

        cid = _reserve("case", len(self.cases))
        nid = {
            key: _reserve(key, n)
            for key, n in (
                ("intake", sum(1 for c in self.cases if c["intake"])),
                ("plan", sum(1 for c in self.cases if c["plan"])),
                ("service", sum(len(c["services"]) for c in self.cases)),
                ("evaluation", sum(1 for c in self.cases if c["evaluation"])),
                ("closure", sum(1 for c in self.cases if c["closure"])),
                ("stage", sum(len(c["changes"]) for c in self.cases)),
                ("needs", sum(1 for c in self.cases if c["assessed"])),
            )
        }
        for k, c in enumerate(self.cases):
            c["id"] = case_id = cid + k
            worker, region = c["worker"], c["region"]
            emit(
                "case",
                (case_id, c["pid"], job.station_id, region, worker, job.supervisor, c["stage"],
                 c["source"], "" if c["source"] != "referral" else "社区居委会", c["problem"],
                 "" if c["stage"] in ("intake", "declined", "referred_out")
                 else "生活自理能力下降，社会支持薄弱，情绪状况需关注。",
                 c["opened"], c["closed_on"], len(c["changes"]),
                 "服务对象对外人戒备心较强，家属配合度一般。", worker, _at(c["opened"], rng)),
            )  # fmt: skip
            for before, after, day, by in c["changes"]:
                emit(
                    "stage",
                    (_next(nid, "stage"), case_id, before, after, day, _at(day, rng), by),
                )
            if c["intake"]:
                decision, day = c["intake"]
                emit("intake", (_next(nid, "intake"), case_id, True, decision, "", day, worker))
            if c["assessed"]:
                emit("needs", (_next(nid, "needs"), *self.needs(c, case_id)))
            if c["plan"]:
                goals = [
                    {"goal": g, "target": t, "due": (c["plan"] + DAY * 90).isoformat()}
                    for g, t in rng.sample(GOALS, 2)
                ]
                emit(
                    "plan",
                    (_next(nid, "plan"), case_id, json.dumps(goals, ensure_ascii=False),
                     "社工每周面谈一次；链接志愿者陪伴。", True, False, c["plan"], worker,
                     _at(c["plan"], rng)),
                )  # fmt: skip
            for day in c["services"]:
                mode = rng.choices(
                    ("home", "office", "phone", "online", "escort"), (45, 20, 25, 5, 5)
                )
                emit(
                    "service",
                    (_next(nid, "service"), case_id, day, mode[0], rng.choice((30, 45, 60, 90)),
                     rng.choice(SERVICES), rng.choice(RESOURCES), region, job.station_id, worker,
                     _at(day, rng, late=True)),
                )  # fmt: skip
            if c["evaluation"]:
                attained = [{"goal": g, "attained": rng.choice(("yes", "yes", "partly"))}
                            for g, _t in GOALS[:2]]  # fmt: skip
                emit(
                    "evaluation",
                    (_next(nid, "evaluation"), case_id, json.dumps(attained, ensure_ascii=False),
                     rng.choice((3, 4, 4, 5, 5)), "情绪趋于稳定，生活基本恢复规律。",
                     c["evaluation"], worker),
                )  # fmt: skip
            if c["closure"]:
                requested, signed = c["closure"]
                emit(
                    "closure",
                    (_next(nid, "closure"), case_id, rng.choice(CLOSURE_REASONS),
                     "经过阶段性服务，服务对象情况改善，达到结案标准。",
                     requested + DAY * 90 if rng.random() < 0.5 else None,
                     "signed" if signed else "requested", worker, _at(requested, rng),
                     job.supervisor if signed else None, _at(signed, rng) if signed else None,
                     "同意结案" if signed else ""),
                )  # fmt: skip

        rid = _reserve("referral", len(self.referrals))
        for k, r in enumerate(self.referrals):
            case = r["case"]
            emit(
                "referral",
                (rid + k, r["pid"], case["id"] if case else None, "out", r["service"], r["party"],
                 r["reason"], r["status"],
                 "已接收并安排服务" if r["answered"] else "",
                 "服务完成" if r["status"] == "done" else "",
                 "多次联系未获反馈" if r["status"] == "closed_no_feedback" else "",
                 r["sent"], r["answered"], r["region"], job.station_id,
                 case["worker"] if case else job.workers[0], _at(r["sent"], rng), r["closed"]),
            )  # fmt: skip
        aid = _reserve("alert", len(self.alerts))
        xid = _reserve("action", sum(len(a["actions"]) for a in self.alerts if a["resolved"]))
        for k, a in enumerate(self.alerts):
            resolved = a["resolved"]
            worker = job.workers[a["pid"] % len(job.workers)]
            emit(
                "alert",
                (aid + k, a["pid"], None, a["kind"], ALERT_TEXT[a["kind"]],
                 "resolved" if resolved else "open", worker, _at(a["day"], rng),
                 job.head if resolved else None, _at(resolved, rng) if resolved else None,
                 "已妥善处置，纳入个案跟进。" if resolved else "", a["region"], job.station_id),
            )  # fmt: skip
            if resolved:
                for kind, note in a["actions"]:
                    emit(
                        "action", (xid, aid + k, kind, resolved, note, job.head, _at(resolved, rng))
                    )
                    xid += 1
        sid = _reserve("self_care", len(self.self_cares))
        for k, (pid, region, day, lost) in enumerate(sorted(self.self_cares, key=lambda x: x[2])):
            items = [True] * (6 - lost) + [False] * lost  # bathing and walking go first
            level = "able" if lost == 0 else "partial" if lost <= 3 else "lost"
            worker = job.workers[pid % len(job.workers)]
            emit(
                "self_care",
                (sid + k, pid, day, worker, region, job.station_id, _at(day, rng), *items,
                 level, "" if lost < 2 else "需要他人协助洗澡和行走"),
            )  # fmt: skip
        return Result(
            job.station_id,
            {k: "".join(v).encode() for k, v in out.items()},
            {k: len(v) for k, v in out.items()},
        )


def _next(counters: dict[str, int], key: str) -> int:
    counters[key] += 1
    return counters[key] - 1


def _holds(m: Membership, day: dt.date) -> bool:
    return m.valid_from <= day and (m.valid_to is None or m.valid_to >= day)


CHILD_CODES = frozenset({"child_in_difficulty", "left_behind_child", "orphan", "unsupported_child"})


# --- loading -------------------------------------------------------------------------------------
@dataclass
class Stats:
    persons: int = 0
    stations: int = 0
    staff_created: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    phases: dict[str, float] = field(default_factory=dict)  # seconds
    skipped: bool = False
    today: dt.date | None = None

    @property
    def seconds(self) -> float:
        return sum(self.phases.values())


MARKER = "bench.fieldwork.generate"


def generated() -> dict[str, Any] | None:
    """The details of an earlier generation in this database, if any."""
    from shegong.core.models import AuditEvent

    event = AuditEvent.objects.filter(action=MARKER).order_by("-id").first()
    return None if event is None else dict(event.details)


def generate(*, processes: int | None = None, say: Callable[[str], None] = print) -> Stats:
    """Generate and load the field work of every person in the database (once per database:
    a second call returns at once)."""
    from django.db import connection, connections, transaction

    from shegong.core import audit
    from shegong.core.actors import SystemActor
    from shegong.fieldwork import policy
    from shegong.fieldwork.models import VisitPolicy
    from shegong.people.models import Category

    stats = Stats()
    done = generated()
    if done is not None:
        stats.skipped = True
        stats.rows = done["rows"]
        stats.persons = done["persons"]
        stats.today = dt.date.fromisoformat(done["today"])
        return stats

    t0 = time.perf_counter()
    jobs = station_jobs()
    stats.staff_created = ensure_staff(jobs)
    stats.stations = len(jobs)
    stats.persons = sum(j.persons for j in jobs)
    stats.today = today = _today()
    tables = {key: Table.of(key) for key in TABLES}
    context = {
        "today": today,
        "window_start": _years_before(today, YEARS),
        "policies": list(VisitPolicy.objects.all()),
        "oldest_old": policy.oldest_old_id(),
        "codes": dict(Category.objects.values_list("id", "code")),
        "tables": tables,
    }
    stats.phases["plan and staff"] = time.perf_counter() - t0
    say(
        f"   fieldwork: {len(jobs)} stations, {stats.persons:,} persons, "
        f"{stats.staff_created} logins created"
    )
    t0 = time.perf_counter()
    context["people"] = read_people(jobs)
    stats.phases["read persons"] = time.perf_counter() - t0
    processes = processes or os.cpu_count() or 2
    ctx = multiprocessing.get_context("fork")
    with connection.cursor() as cur:
        firsts = {}
        for key, table in tables.items():
            cur.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table.db_table}")
            firsts[key] = int(cur.fetchone()[0])
    context["counters"] = {key: ctx.Value("q", first) for key, first in firsts.items()}
    # The workers fork now, before this process opens the loading transaction, and never touch
    # the database: what they need is in `context`.
    connections.close_all()
    pool = ctx.Pool(processes, initializer=_init_worker, initargs=(context,))
    order = sorted(jobs, key=lambda j: -j.persons)
    rows = dict.fromkeys(TABLES, 0)
    waited_s = copy_s = 0.0
    try:
        with transaction.atomic():
            raw = connection.cursor().connection
            with raw.cursor() as cur:
                t0 = time.perf_counter()
                cur.execute("SET LOCAL maintenance_work_mem = '1GB'")
                cur.execute("SET LOCAL synchronous_commit = off")
                schema = [SchemaObjects.read(cur, t.db_table) for t in tables.values()]
                for s in schema:
                    s.drop(cur)
                stats.phases["drop indexes"] = time.perf_counter() - t0
                t0 = time.perf_counter()
                waited = time.perf_counter()
                for n, result in enumerate(pool.imap_unordered(build_station, order), 1):
                    waited_s += time.perf_counter() - waited
                    c0 = time.perf_counter()
                    for key, table in tables.items():
                        if result.data[key]:
                            columns = ", ".join(table.columns)
                            with cur.copy(f"COPY {table.db_table} ({columns}) FROM STDIN") as copy:
                                copy.write(result.data[key])
                        rows[key] += result.counts[key]
                    copy_s += time.perf_counter() - c0
                    if n % 25 == 0 or n == len(order):
                        say(
                            f"   fieldwork: {n}/{len(order)} stations, {rows['visit']:,} visits, "
                            f"{rows['service']:,} services, {time.perf_counter() - t0:.0f} s"
                        )
                    waited = time.perf_counter()
                stats.phases["build rows + COPY"] = time.perf_counter() - t0
                say(
                    f"   fieldwork: rows built and copied in "
                    f"{stats.phases['build rows + COPY']:.0f} s (waiting for workers "
                    f"{waited_s:.0f} s, COPY {copy_s:.0f} s)"
                )
                t0 = time.perf_counter()
                for s in schema:
                    s.create(cur, constraints=False)
                stats.phases["indexes"] = time.perf_counter() - t0
                t0 = time.perf_counter()
                for s in schema:
                    s.create(cur, constraints=True)
                for table in tables.values():
                    cur.execute(
                        f"SELECT setval(pg_get_serial_sequence('{table.db_table}', 'id'), "
                        f"GREATEST((SELECT max(id) FROM {table.db_table}), 1))"
                    )
                stats.phases["foreign keys"] = time.perf_counter() - t0
            audit.record(
                actor=SystemActor("bench"),
                action=MARKER,
                object_type="fieldwork.visit",
                details={"rows": rows, "persons": stats.persons, "today": today.isoformat()},
            )
    finally:
        pool.terminate()
        pool.join()
    t0 = time.perf_counter()
    with connection.cursor() as cur:
        for table in tables.values():
            cur.execute(f"VACUUM ANALYZE {table.db_table}")
    stats.phases["vacuum analyze"] = time.perf_counter() - t0
    stats.rows = rows
    return stats


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)
