"""The city-scale people dataset: 1,000,000 fictional persons in 250 Tianjin townships.

    from people_data import generate
    stats = generate()            # after django.setup(), on a migrated database

Everything is invented except the divisions: names drawn from realistic surname and given-name
distributions (the 100 commonest surnames carry 85 %), ID numbers valid by checksum
(`core.idnumber.make`) with the county prefix of the person's village, ages skewed old, the
category mixes of the demo (demo/people.py) at city scale, phones for 70 %, some risk levels.

Rows are built in Python exactly as the product stores them — ID numbers and phones encrypted
with `core.crypto.encrypt`, `id_index`/`phone_index` the product's blind indexes, `id_masked`
from `idnumber.mask`, `name_pinyin` and the SearchTerm rows from `people.indexing` — but not
through the services one person at a time: worker processes (one per CPU) build the rows of
one township at a time as COPY text, and the parent loads them with PostgreSQL COPY. The whole
load is one transaction, with the secondary indexes and constraints of the five tables dropped
first and rebuilt at the end (as a bulk load does), then VACUUM ANALYZE.

Stations: one township station per township, created through `regions.services.create_station`
where none serves it yet (the demo and the tree case create most of them).

ID numbers: the 3-digit sequence of an invented number is `2 * seq + (male)`. The generator uses
seq 0–399, split between townships anew for each place and birth date (`owned_seqs`), so two
townships can never invent the same number; seq 400–499 is left for the import benchmark's file
(`import_rows`), whose persons are therefore new to the database. Numbers that the demo
happened to invent are avoided.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import multiprocessing
import os
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

TOTAL = 1_000_000
TOWNSHIPS = 250
TIANJIN = 120_000_000_000
GENERATOR_SEQS = 400  # seq 0..399 for the generator; 400..499 for the import file
SEED = 20_260_101

# --- names -------------------------------------------------------------------------------------
# The 100 commonest surnames with their approximate national shares (percent); together they are
# scaled to 85 % of persons, the rest drawn from less common ones (Zipf-like), a few compound.
TOP_SURNAMES = """
王7.12 李7.00 张6.74 刘5.38 陈4.53 杨3.08 黄2.23 赵2.19 吴1.98 周1.89 徐1.33 孙1.29 马1.22
朱1.18 胡1.14 郭1.07 何1.03 林0.97 高0.96 罗0.86 郑0.82 梁0.80 谢0.72 宋0.64 唐0.63 许0.62
韩0.61 邓0.58 冯0.58 曹0.55 彭0.54 曾0.53 肖0.50 田0.49 董0.48 潘0.48 袁0.47 蔡0.46 蒋0.45
余0.44 于0.44 杜0.42 叶0.42 程0.41 魏0.40 苏0.39 吕0.38 丁0.38 任0.37 卢0.36 姚0.36 沈0.35
钟0.34 姜0.34 崔0.33 谭0.33 陆0.32 范0.31 汪0.31 廖0.31 石0.31 金0.30 韦0.29 贾0.29 夏0.28
付0.28 方0.27 邹0.26 熊0.26 白0.26 孟0.26 秦0.25 邱0.25 侯0.25 江0.24 尹0.24 薛0.23 闫0.23
段0.23 雷0.22 龙0.21 黎0.21 史0.21 陶0.21 贺0.20 毛0.20 郝0.20 顾0.19 龚0.19 邵0.18 万0.18
覃0.17 武0.17 钱0.17 戴0.16 严0.16 莫0.15 孔0.15 向0.15
"""
RARE_SURNAMES = (
    "常汤康易乔赖文施洪辛柴牛葛聂左齐安殷庞樊兰申耿关童祝柯管卜纪包单倪焦鲁滕岳穆温季路盛翟"
    "霍谷邢裴甘萧詹涂蓝宁商柳俞解阮邸褚麻尚宫靳刁芦迟霍佟伍鞠时栾隋付仇阎党巩苗粟寇曲荆"
)
COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "慕容", "东方", "皇甫", "令狐")

# Given names by birth cohort and gender: whole names as they are common, and the characters
# they are made of (recombined for variety).
GIVEN: dict[tuple[str, str], str] = {
    ("old", "F"): "秀英 桂兰 玉兰 淑珍 凤英 秀兰 桂英 玉珍 淑兰 凤兰 淑华 秀珍 玉梅 玉华 桂芝 "
    "素珍 淑英 桂珍 秀云 玉英 凤琴 淑芳 秀荣 桂荣 秀华 玉芳 淑琴 金凤 凤霞 秀芝 月英 翠兰 翠英 "
    "美兰 宝珍 素芬 桂香 秀梅 玉琴 淑贞 兰英 素英 凤芝 玉凤",
    ("old", "M"): "建国 国庆 德胜 振华 文华 国华 国强 国栋 志刚 志华 宝山 宝华 福林 长海 永福 "
    "德明 树林 玉林 凤山 宝林 建华 庆祥 德福 长山 玉山 振东 国良 文明 金生 广田 树森 学文 洪亮 "
    "德才 富贵 长林 志明 春生 万福 连生 德山 玉福 宝成 永祥",
    ("mid", "F"): "丽 芳 娜 敏 静 艳 娟 霞 燕 红 丽娟 海燕 红梅 春梅 丽华 秀梅 晓红 丽萍 艳玲 "
    "雪梅 玉洁 晓燕 红霞 美玲 秀娟 春燕 建英 桂芳 小红 文静 海霞 金花 爱华 秀丽 丽君 淑娟 艳红",
    ("mid", "M"): "伟 强 磊 军 勇 杰 涛 明 超 刚 平 辉 鹏 斌 建军 志强 晓东 海涛 建平 永刚 立新 "
    "卫东 文斌 国华 志勇 海波 宏伟 建新 俊杰 振宇 红军 学军 春雷 立军 永强 建民 志军 海军",
    ("young", "F"): "婷 雪 倩 佳 琳 欣 悦 晶 丹 思雨 佳琪 雨欣 梦瑶 欣然 诗雨 晓雯 佳慧 雅琪 梦琪 "
    "子怡 文静 婉婷 晓彤 佳怡 雪晴 梦洁",
    ("young", "M"): "浩 宇 博 鑫 帅 凯 旭 鹏飞 子豪 浩然 宇航 俊杰 家豪 思远 天宇 明轩 文博 志鹏 "
    "嘉伟 一帆 宇轩 浩宇 晨阳 子健",
    ("child", "F"): "子涵 欣怡 雨桐 一诺 梓涵 诗涵 梓萱 依诺 若汐 欣妍 可馨 语桐 思彤 佳怡 雨萱 "
    "芷若 安琪 梦琪 紫涵 乐瑶 沐橙 书瑶 语汐",
    ("child", "M"): "浩然 梓轩 宇航 子轩 浩宇 雨泽 沐宸 一鸣 铭泽 子墨 宇轩 奕辰 俊熙 皓轩 睿泽 "
    "博文 天佑 梓豪 思源 嘉懿 宸宇 锦程 明哲",
}
SINGLE_SHARE = {"old": 0.06, "mid": 0.25, "young": 0.18, "child": 0.08}

ETHNICITIES = (
    ("汉族", 975),
    ("回族", 13),
    ("满族", 8),
    ("蒙古族", 2),
    ("朝鲜族", 1),
    ("土家族", 1),
)
TIANJIN_COUNTIES = tuple(
    [
        "120101",
        "120102",
        "120103",
        "120104",
        "120105",
        "120106",
        "120110",
        "120111",
        "120112",
        "120113",
        "120114",
        "120115",
        "120116",
        "120117",
        "120118",
        "120119",
    ]
)
# Places of registration outside the person's county (county prefixes of real divisions).
ELSEWHERE = tuple(
    [
        "130102",
        "130602",
        "131002",
        "131102",
        "370102",
        "370202",
        "410102",
        "210102",
        "230102",
        "150102",
        "140105",
        "320102",
        "340102",
        "220102",
        "130203",
        "130902",
        "371402",
        "130181",
    ]
)
RISK_REASONS = {
    "low": ("定期探访，情况稳定", "子女每周探望", "社区邻里照看"),
    "medium": ("独居且行动不便", "慢性病需定期服药", "家庭照顾不足", "经济困难，收入不稳定"),
    "high": ("近期跌倒两次", "情绪低落，社交退缩", "照料人住院，无人照顾", "拖欠房租面临搬离"),
    "crisis": ("有自伤言语", "遭受家庭暴力", "突发重病无人陪护"),
}


def _weighted(pairs: list[tuple[str, float]]) -> tuple[list[str], list[float]]:
    items = [p for p, _ in pairs]
    cum, total = [], 0.0
    for _, w in pairs:
        total += w
        cum.append(total)
    return items, cum


def surname_table() -> tuple[list[str], list[float]]:
    top = [(t[0], float(t[1:])) for t in TOP_SURNAMES.split()]
    top_total = sum(w for _, w in top)
    pairs = [(s, w / top_total * 85.0) for s, w in top]
    seen = {s for s, _ in top}
    rare = [c for c in dict.fromkeys(RARE_SURNAMES) if c not in seen]
    zipf = [1.0 / (k + 8) for k in range(len(rare))]
    rare_total = sum(zipf) + 0.02 * len(COMPOUND_SURNAMES)
    pairs += [(s, 15.0 * z / rare_total) for s, z in zip(rare, zipf, strict=True)]
    pairs += [(s, 15.0 * 0.02 / rare_total) for s in COMPOUND_SURNAMES]
    return _weighted(pairs)


def _cohort(age: int) -> str:
    if age >= 60:
        return "old"
    if age >= 35:
        return "mid"
    if age >= 18:
        return "young"
    return "child"


class Names:
    """Draws names: surname by national frequency, given name by cohort and gender."""

    def __init__(self) -> None:
        self.surnames, self.cum = surname_table()
        self.whole: dict[tuple[str, str], list[str]] = {}
        self.first: dict[tuple[str, str], list[str]] = {}
        self.second: dict[tuple[str, str], list[str]] = {}
        self.single: dict[tuple[str, str], list[str]] = {}
        for key, text in GIVEN.items():
            names = text.split()
            two = [n for n in names if len(n) == 2]
            self.whole[key] = two
            self.first[key] = [n[0] for n in two]
            self.second[key] = [n[1] for n in two]
            self.single[key] = [n for n in names if len(n) == 1] or [n[1] for n in two]

    def draw(self, rng: random.Random, age: int, gender: str) -> str:
        surname = self.surnames[bisect.bisect(self.cum, rng.random() * self.cum[-1])]
        cohort = _cohort(age)
        key = (cohort, gender)
        r = rng.random()
        if r < SINGLE_SHARE[cohort]:
            given = rng.choice(self.single[key])
        elif r < SINGLE_SHARE[cohort] + 0.45:
            given = rng.choice(self.whole[key])
        else:
            given = rng.choice(self.first[key]) + rng.choice(self.second[key])
        return surname + given


# --- the plan: townships, villages, stations, how many persons where ---------------------------
@dataclass
class Township:
    code: int
    name: str
    county: str  # the district's name
    station_id: int
    villages: list[tuple[int, str]]  # (code, name)
    persons: int = 0
    first_id: int = 0
    index: int = 0  # 0..249: the township's share of the ID-sequence space


def residential_townships(limit: int = TOWNSHIPS) -> list[Any]:
    """The 250 of Tianjin's 299 townships where people live: development zones, industrial
    parks and state farms (township codes 4xx/5xx) and townships with fewer than three villages
    are left out — which leaves exactly 250 in the 2023 codes."""
    from django.db.models import Count

    from shegong.regions.models import Level, Region

    towns = list(
        Region.objects.filter(level=Level.TOWNSHIP, code__gte=TIANJIN, code__lt=TIANJIN + 10**10)
        .annotate(villages=Count("children"))
        .order_by("code")
    )
    residential = [t for t in towns if t.code // 1000 % 1000 < 400 and t.villages >= 3]
    others = sorted((t for t in towns if t not in residential), key=lambda t: (-t.villages, t.code))
    chosen = (residential + others)[:limit]
    return sorted(chosen, key=lambda t: t.code)


def township_stations(townships: list[Any]) -> tuple[dict[int, int], int]:
    """The active township station serving each township ({township code: station id}),
    creating one through the service where none does; returns (mapping, stations created)."""
    from shegong.core.actors import SystemActor
    from shegong.regions.models import ServiceArea, StationKind
    from shegong.regions.services import create_station

    codes = [t.code for t in townships]
    serving: dict[int, int] = {}
    for area in (
        ServiceArea.objects.current()
        .filter(station__active=True, station__kind=StationKind.TOWNSHIP, region_id__in=codes)
        .order_by("station_id")
    ):
        serving.setdefault(area.region_id, area.station_id)
    actor = SystemActor("bench")
    created = 0
    for t in townships:
        if t.code not in serving:
            station = create_station(
                actor=actor, region=t, name=f"{t.name}社会工作服务站", kind=StationKind.TOWNSHIP
            )
            serving[t.code] = station.pk
            created += 1
    return serving, created


def plan(total: int = TOTAL, seed: int = SEED) -> tuple[list[Township], int]:
    """Townships with their station, villages and number of persons (∝ villages, with
    noise); returns (townships, stations created)."""
    from shegong.regions.models import Level, Region

    rng = random.Random(seed)
    towns = residential_townships()
    if not towns:
        raise RuntimeError("no Tianjin townships: load_shipped(provinces=['12']) first")
    stations, created = township_stations(towns)
    counties = {
        r.code: r.name for r in Region.objects.filter(code__in={t.parent_id for t in towns})
    }
    villages: dict[int, list[tuple[int, str]]] = {t.code: [] for t in towns}
    for code, name, parent in (
        Region.objects.filter(level=Level.VILLAGE, parent_id__in=list(villages))
        .order_by("code")
        .values_list("code", "name", "parent_id")
    ):
        villages[parent].append((code, name))
    out = [
        Township(t.code, t.name, counties[t.parent_id], stations[t.code], villages[t.code], index=i)
        for i, t in enumerate(towns)
    ]
    weights = [max(3, len(t.villages)) ** 0.8 * math.exp(rng.gauss(0, 0.35)) for t in out]
    scale = total / sum(weights)
    exact = [w * scale for w in weights]
    counts = [int(x) for x in exact]
    for i in sorted(range(len(out)), key=lambda i: exact[i] - counts[i], reverse=True)[
        : total - sum(counts)
    ]:
        counts[i] += 1
    for t, n in zip(out, counts, strict=True):
        t.persons = n
    return out, created


# --- one township's rows (runs in a worker process) ---------------------------------------------
PERSON_COLUMNS = [
    *[
        "id",
        "created_at",
        "updated_at",
        "name",
        "name_pinyin",
        "id_number",
        "id_index",
        "id_masked",
        "gender",
    ],
    *["birth_date", "ethnicity", "phone", "phone_index", "phone_masked", "hukou_address"],
    *[
        "residence_address",
        "living_situation",
        "relation",
        "guardian_relation",
        "languages",
        "status",
    ],
    *["risk_level", "note", "version", "guardian_id", "household_id", "region_id", "station_id"],
]
TERM_COLUMNS = ["term", "region_code", "person_id"]
MEMBERSHIP_COLUMNS = [
    *["subtype", "grade", "valid_from", "valid_to", "source", "note", "recorded_at"],
    *["category_id", "recorded_by_id", "person_id"],
]
RESIDENCE_COLUMNS = ["valid_from", "valid_to", "person_id", "region_id", "station_id"]
RISK_COLUMNS = ["level", "reason", "assessed_on", "recorded_at", "person_id", "recorded_by_id"]
TABLES = {
    "people_person": PERSON_COLUMNS,
    "people_searchterm": TERM_COLUMNS,
    "people_categorymembership": MEMBERSHIP_COLUMNS,
    "people_residence": RESIDENCE_COLUMNS,
    "people_riskassessment": RISK_COLUMNS,
}

_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _cell(value: Any) -> str:
    if value is None:
        return "\\N"
    if value.__class__ is str:
        if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
            return value.translate(_ESCAPES)
        return value
    return str(value)


def _line(values: tuple[Any, ...] | list[Any]) -> str:
    return "\t".join(map(_cell, values)) + "\n"


def short_name(name: str) -> str:
    for suffix, keep in (
        ("社区居民委员会", "社区"),
        ("社区居委会", "社区"),
        ("村民委员会", "村"),
        ("村委会", "村"),
        ("居委会", ""),
    ):
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)] + keep
    return name


def _age_and_birth(rng: random.Random, today: dt.date) -> tuple[int, dt.date]:
    """Ages skewed old: 12 % children, 18 % of working age, 55 % 60–84, 15 % 85 and over."""
    r = rng.random()
    if r < 0.12:
        age = rng.randint(0, 17)
    elif r < 0.30:
        age = rng.randint(18, 59)
    elif r < 0.85:
        age = rng.randint(60, 84)
    else:
        age = min(104, 85 + int(rng.expovariate(1 / 5.5)))
    birth = today - dt.timedelta(days=age * 365 + age // 4 + rng.randint(0, 364))
    age = today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))
    return age, birth


def _gender(rng: random.Random, age: int) -> str:
    female = 0.62 if age >= 80 else 0.54 if age >= 60 else 0.49
    return "F" if rng.random() < female else "M"


def _phone(rng: random.Random) -> str:
    if rng.random() < 0.15:  # a Tianjin landline, area code 022
        return f"022{rng.randint(2000_0000, 8999_9999)}"
    return f"1{rng.choice('3355789')}{rng.randint(0, 9)}{rng.randint(0, 9999_9999):08d}"


@dataclass
class ChunkResult:
    township: int
    data: dict[str, bytes]
    counts: dict[str, int] = field(default_factory=dict)
    sample: list[int] = field(default_factory=list)  # a few person ids, for verification


_WORKER: dict[str, Any] = {}


def _init_worker(
    existing: frozenset[str], today: dt.date, now: str, categories: dict[str, int]
) -> None:
    _WORKER.update(existing=existing, today=today, now=now, categories=categories, names=Names())


def build_township(t: Township) -> ChunkResult:
    """The COPY text of one township's persons, search terms, memberships, residences and risk
    assessments, built as the services would store them."""
    from functools import lru_cache

    from shegong.core import crypto
    from shegong.core.idnumber import make, mask
    from shegong.people import indexing
    from shegong.people.services import mask_phone

    existing: frozenset[str] = _WORKER["existing"]
    today: dt.date = _WORKER["today"]
    now: str = _WORKER["now"]
    cats: dict[str, int] = _WORKER["categories"]
    names: Names = _WORKER["names"]
    rng = random.Random(SEED * 1000 + t.code % 10**9)
    name_terms = lru_cache(maxsize=200_000)(indexing.name_terms)
    pinyin_of = lru_cache(maxsize=200_000)(indexing.name_pinyin)
    used: set[str] = set()
    village_weights = [math.exp(rng.gauss(0, 0.5)) for _ in t.villages]
    village_cum = list(_cumulative(village_weights))
    tianjin_prefixes = TIANJIN_COUNTIES

    persons, terms, members, residences, risks = [], [], [], [], []
    n_terms = n_members = n_risks = 0
    sample: list[int] = []
    for k in range(t.persons):
        pid = t.first_id + k
        if rng.random() < 0.02 or not t.villages:
            region, region_name = t.code, ""
        else:
            region, region_name = t.villages[
                bisect.bisect(village_cum, rng.random() * village_cum[-1])
            ]
        age, birth = _age_and_birth(rng, today)
        gender = _gender(rng, age)
        r = rng.random()
        prefix = (
            str(region)[:6]
            if r < 0.85
            else rng.choice(tianjin_prefixes)
            if r < 0.93
            else rng.choice(ELSEWHERE)
        )
        # A number nobody else has: one of this township's sequences for that place and day
        # (`owned_seqs`), else the day before.
        while True:
            number = ""
            for seq in owned_seqs(prefix, birth, t.index, rng):
                candidate = make(prefix, birth, seq, gender)
                if candidate not in used:
                    number = candidate
                    break
            if number:
                id_term_set = indexing.id_terms(number)
                id_index = next(x for x in id_term_set if x.startswith("id:"))[3:]
                if id_index not in existing:
                    break
                used.add(number)
            birth -= dt.timedelta(days=1)
        used.add(number)
        age = today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))
        name = names.draw(rng, age, gender)
        phone = _phone(rng) if rng.random() < 0.70 else ""
        ph_terms = indexing.phone_terms(phone)
        phone_index = next((x[3:] for x in ph_terms if x.startswith("ph:")), "")

        living = ""
        if age >= 60:
            living = rng.choices(
                ("alone", "empty_nest", "with_children", "with_relatives", "institution"),
                weights=(25, 30, 35, 8, 2),
            )[0]
        elif age < 18:
            living = rng.choices(
                ("with_guardian", "with_relatives", "with_children", "institution"),
                weights=(45, 35, 18, 2),
            )[0]
        elif rng.random() < 0.5:
            living = rng.choice(("with_relatives", "other", "alone"))
        registered = max(birth, today - dt.timedelta(days=rng.randint(30, 6 * 365)))
        created = (
            f"{registered.isoformat()} {rng.randint(8, 17):02d}:{rng.randint(0, 59):02d}:00+08"
        )

        # Categories, as in demo/people.py at city scale; some periods already ended.
        held: list[tuple[str, str, int | None, dt.date, dt.date | None]] = []

        def since(years: int = 6, born: dt.date = birth) -> dt.date:
            return max(born, today - dt.timedelta(days=rng.randint(20, years * 365)))

        def add(
            code: str,
            subtype: str = "",
            grade: int | None = None,
            ended: bool = False,
            held: list[Any] = held,
        ) -> None:
            start = since()
            end = None
            if ended:
                end = start + dt.timedelta(days=rng.randint(60, 900))
                if end >= today:
                    end = today - dt.timedelta(days=rng.randint(1, 30))
                    if end < start:
                        return
            held.append((code, subtype, grade, start, end))

        if age >= 60 and living == "alone":
            add("elderly_alone")
        if age >= 60 and living == "empty_nest":
            add("elderly_empty_nest")
        if rng.random() < 0.09:
            add("dibao")
        elif rng.random() < 0.04:
            add("dibao_edge")
        elif rng.random() < 0.03:
            add("dibao", ended=True)
        if age >= 60 and rng.random() < 0.03:
            sub = "集中供养" if living == "institution" or rng.random() < 0.2 else "分散供养"
            add("tekun", subtype=sub)
        if rng.random() < 0.08:
            add(
                "disabled",
                subtype=rng.choices(
                    ("肢体", "视力", "听力", "言语", "智力", "精神", "多重"),
                    weights=(45, 15, 15, 2, 8, 10, 5),
                )[0],
                grade=rng.choices((1, 2, 3, 4), weights=(12, 25, 30, 33))[0],
            )
        if age >= 18 and rng.random() < 0.01:
            add("mental_disorder")
        if age < 18:
            if rng.random() < 0.2:
                add(
                    "child_in_difficulty",
                    subtype=rng.choice(("家庭贫困", "自身残疾", "监护缺失或不当")),
                )
            elif age < 16 and rng.random() < 0.2:
                add("left_behind_child")
            if rng.random() < 0.01:
                add("orphan")
            elif rng.random() < 0.015:
                add("unsupported_child")
        if 18 <= age <= 35 and rng.random() < 0.12:
            add("unemployed_youth")
        if rng.random() < 0.02:
            add("temp_relief", ended=rng.random() < 0.7)

        risk = ""
        if rng.random() < 0.12:
            assessments = sorted(
                (
                    max(registered, today - dt.timedelta(days=rng.randint(0, 900))),
                    rng.choices(("low", "medium", "high", "crisis"), weights=(35, 40, 20, 5))[0],
                )
                for _ in range(rng.choice((1, 1, 1, 2, 3)))
            )
            for day, level in assessments:
                risks.append(_line((level, rng.choice(RISK_REASONS[level]), day, now, pid, None)))
                n_risks += 1
            risk = assessments[-1][1]

        status = "active"
        if age >= 85 and rng.random() < 0.03:
            status = "deceased"
        elif rng.random() < 0.005:
            status = "moved_away"

        short = short_name(region_name) if region_name else t.name
        if region_name.endswith(("村委会", "村民委员会")):
            address = f"{short}{rng.randint(1, 300)}号"
        else:
            address = (
                f"{short.removesuffix('社区')}{rng.randint(1, 40)}号楼{rng.randint(1, 6)}门"
                f"{rng.randint(1, 18)}{rng.randint(1, 4):02d}"
            )
        hukou = address if rng.random() < 0.8 else f"天津市{t.county}{t.name}"
        ethnicity = _pick(rng, ETHNICITIES)

        nterms = name_terms(name) | id_term_set | ph_terms
        persons.append(
            _line(
                (
                    pid,
                    created,
                    created,
                    name,
                    pinyin_of(name),
                    crypto.encrypt(number),
                    id_index,
                    mask(number),
                    gender,
                    birth,
                    ethnicity,
                    crypto.encrypt(phone) if phone else "",
                    phone_index,
                    mask_phone(phone),
                    hukou,
                    address,
                    living,
                    "",
                    "",
                    "[]",
                    status,
                    risk,
                    "",
                    1,
                    None,
                    None,
                    region,
                    t.station_id,
                )
            )
        )
        terms.append("".join(f"{term}\t{region}\t{pid}\n" for term in nterms))
        n_terms += len(nterms)
        for code, subtype, grade, start, end in held:
            members.append(
                _line(
                    (
                        subtype,
                        grade,
                        start,
                        end,
                        rng.choice(("civil_affairs", "civil_affairs", "screening", "referral")),
                        "",
                        now,
                        cats[code],
                        None,
                        pid,
                    )
                )
            )
            n_members += 1
        residences.append(_line((registered, None, pid, region, t.station_id)))
        if k % 997 == 0:
            sample.append(pid)
    data = {
        "people_person": "".join(persons).encode(),
        "people_searchterm": "".join(terms).encode(),
        "people_categorymembership": "".join(members).encode(),
        "people_residence": "".join(residences).encode(),
        "people_riskassessment": "".join(risks).encode(),
    }
    counts = {
        "people_person": t.persons,
        "people_searchterm": n_terms,
        "people_categorymembership": n_members,
        "people_residence": t.persons,
        "people_riskassessment": n_risks,
    }
    return ChunkResult(t.code, data, counts, sample)


def owned_seqs(prefix: str, day: dt.date, township: int, rng: random.Random) -> list[int]:
    """The sequences (of 0–399) that township number `township` (0–249) may use for people
    registered in `prefix` and born on `day`, in random order: each sequence belongs to exactly
    one township, so townships never invent the same number, and the partition turns with the
    place and day, so every township's numbers use all sequence codes (their last four
    characters are spread as real ones are)."""
    turn = (int(prefix) * 7919 + day.toordinal() * 104_729) % TOWNSHIPS
    first = (township + turn) % TOWNSHIPS
    seqs = [s for s in (first, first + TOWNSHIPS) if s < GENERATOR_SEQS]
    if len(seqs) > 1 and rng.random() < 0.5:
        seqs.reverse()
    return seqs


def _cumulative(weights: list[float]) -> Iterator[float]:
    total = 0.0
    for w in weights:
        total += w
        yield total


def _pick(rng: random.Random, pairs: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([p for p, _ in pairs], weights=[w for _, w in pairs])[0]


# --- loading -------------------------------------------------------------------------------------
@dataclass
class SchemaObjects:
    """Secondary indexes and constraints of a table, to drop before a bulk load and rebuild."""

    table: str
    indexes: list[tuple[str, str]]  # (name, CREATE INDEX …)
    unique: list[tuple[str, str]]  # (name, UNIQUE (…))
    foreign: list[tuple[str, str]]  # (name, FOREIGN KEY … DEFERRABLE INITIALLY DEFERRED)

    @classmethod
    def read(cls, cur: Any, table: str) -> SchemaObjects:
        cur.execute(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "WHERE i.indrelid = %s::regclass AND NOT i.indisprimary AND NOT EXISTS ("
            "  SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid"
            "  AND c.conrelid = i.indrelid AND c.contype IN ('p', 'u')) ORDER BY 1",
            [table],
        )
        indexes = list(cur.fetchall())
        cur.execute(
            "SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype IN ('u', 'f') ORDER BY conname",
            [table],
        )
        rows = cur.fetchall()
        return cls(
            table,
            indexes,
            [(n, d) for n, t, d in rows if t == "u"],
            [(n, d) for n, t, d in rows if t == "f"],
        )

    def drop(self, cur: Any) -> None:
        for name, _ in self.foreign + self.unique:
            cur.execute(f'ALTER TABLE {self.table} DROP CONSTRAINT "{name}"')
        for name, _ in self.indexes:
            cur.execute(f"DROP INDEX {name}")

    def create(self, cur: Any, *, constraints: bool) -> None:
        if not constraints:
            for _, definition in self.indexes:
                cur.execute(definition)
            for name, definition in self.unique:
                cur.execute(f'ALTER TABLE {self.table} ADD CONSTRAINT "{name}" {definition}')
        else:
            for name, definition in self.foreign:
                cur.execute(f'ALTER TABLE {self.table} ADD CONSTRAINT "{name}" {definition}')


@dataclass
class Stats:
    persons: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    phases: dict[str, float] = field(default_factory=dict)  # seconds
    stations_created: int = 0
    first_id: int = 0
    last_id: int = 0
    sample: list[int] = field(default_factory=list)
    skipped: bool = False

    @property
    def seconds(self) -> float:
        return sum(self.phases.values())


def generated_range() -> tuple[int, int] | None:
    """(first id, last id) of an earlier generation in this database, if any (a marker row of
    the audit log records it)."""
    from shegong.core.models import AuditEvent

    event = AuditEvent.objects.filter(action="bench.people.generate").order_by("-id").first()
    if event is None:
        return None
    return int(event.details["first_id"]), int(event.details["last_id"])


def generate(
    total: int = TOTAL,
    *,
    processes: int | None = None,
    say: Callable[[str], None] = print,
) -> Stats:
    """Generate and load the dataset (once per database: a second call returns at once)."""
    from django.db import connection, connections, transaction
    from django.db.models import Max
    from django.utils import timezone

    from shegong.core import audit
    from shegong.core.actors import SystemActor
    from shegong.people import indexing
    from shegong.people.models import Category, Person

    stats = Stats()
    done = generated_range()
    if done is not None:
        stats.first_id, stats.last_id = done
        stats.persons = done[1] - done[0] + 1
        stats.skipped = True
        return stats

    start = time.perf_counter()
    towns, stats.stations_created = plan(total)
    first = (Person.objects.aggregate(m=Max("id"))["m"] or 0) + 1
    next_id = first
    for t in towns:
        t.first_id = next_id
        next_id += t.persons
    stats.first_id, stats.last_id = first, next_id - 1
    existing = frozenset(Person.objects.exclude(id_index=None).values_list("id_index", flat=True))
    categories = dict(Category.objects.values_list("code", "id"))
    today = timezone.localdate()
    now = timezone.now().isoformat()
    indexing.name_terms("王秀英")  # load pypinyin's dictionaries before forking
    stats.phases["plan"] = time.perf_counter() - start
    say(
        f"   people: {len(towns)} townships, {stats.stations_created} stations created, "
        f"ids {first:,}–{next_id - 1:,}"
    )

    processes = processes or os.cpu_count() or 2
    connections.close_all()  # no inherited database connection in the workers
    ctx = multiprocessing.get_context("fork")
    # Large townships first, so no worker is left alone with a big one at the end.
    order = sorted(towns, key=lambda t: -t.persons)
    rows = dict.fromkeys(TABLES, 0)
    build_seconds = copy_seconds = 0.0
    with transaction.atomic():
        raw = connection.cursor().connection  # the psycopg connection, inside this transaction
        with raw.cursor() as cur:
            t0 = time.perf_counter()
            cur.execute("SET LOCAL maintenance_work_mem = '1GB'")
            cur.execute("SET LOCAL synchronous_commit = off")
            schema = [SchemaObjects.read(cur, table) for table in TABLES]
            for s in schema:
                s.drop(cur)
            stats.phases["drop indexes"] = time.perf_counter() - t0
            t0 = time.perf_counter()
            with ctx.Pool(
                processes,
                initializer=_init_worker,
                initargs=(existing, today, now, categories),
            ) as pool:
                waited = time.perf_counter()
                for n, result in enumerate(pool.imap_unordered(build_township, order), 1):
                    build_seconds += time.perf_counter() - waited
                    c0 = time.perf_counter()
                    for table, columns in TABLES.items():
                        if result.data[table]:
                            with cur.copy(
                                f"COPY {table} ({', '.join(columns)}) FROM STDIN"
                            ) as copy:
                                copy.write(result.data[table])
                        rows[table] += result.counts[table]
                    copy_seconds += time.perf_counter() - c0
                    stats.sample += result.sample
                    if n % 50 == 0:
                        say(
                            f"   people: {n}/{len(towns)} townships, {rows['people_person']:,} "
                            f"persons, {time.perf_counter() - t0:.0f} s"
                        )
                    waited = time.perf_counter()
            stats.phases["build rows + COPY"] = time.perf_counter() - t0
            say(
                f"   people: rows built and copied in {stats.phases['build rows + COPY']:.0f} s "
                f"(waiting for workers {build_seconds:.0f} s, COPY {copy_seconds:.0f} s)"
            )
            t0 = time.perf_counter()
            for s in schema:
                s.create(cur, constraints=False)
            stats.phases["indexes"] = time.perf_counter() - t0
            t0 = time.perf_counter()
            for s in schema:
                s.create(cur, constraints=True)
            for table in TABLES:
                cur.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )
            stats.phases["foreign keys"] = time.perf_counter() - t0
        audit.record(
            actor=SystemActor("bench"),
            action="bench.people.generate",
            object_type="people.person",
            details={
                "first_id": stats.first_id,
                "last_id": stats.last_id,
                "rows": rows,
                "townships": len(towns),
            },
        )
        t0 = time.perf_counter()
    stats.phases["commit"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    with connection.cursor() as cur:
        for table in TABLES:
            cur.execute(f"VACUUM ANALYZE {table}")
    stats.phases["vacuum analyze"] = time.perf_counter() - t0
    stats.rows = rows
    stats.persons = rows["people_person"]
    return stats


# --- checks ------------------------------------------------------------------------------------
def verify(sample: list[int], user: Any = None) -> list[str]:
    """For sampled generated persons: the stored values decrypt, agree with their indexes, mask
    and search terms, and the product's selectors find each person by name, pinyin, initials,
    ID tail and whole ID number. Raises AssertionError; returns what was checked."""
    from shegong.core import crypto, idnumber
    from shegong.core.actors import SystemActor
    from shegong.people import indexing
    from shegong.people.models import Person, SearchTerm
    from shegong.people.selectors import PersonFilter, persons_for
    from shegong.people.services import mask_phone

    user = user or SystemActor("bench")
    checked = 0
    for person in Person.objects.filter(pk__in=sample):
        number = person.id_number  # decrypted by the field
        parsed = idnumber.parse(number)
        assert parsed.birth_date == person.birth_date, person.pk
        assert parsed.gender == person.gender, person.pk
        assert person.id_index == crypto.blind_index(number, purpose=indexing.ID_PURPOSE)
        assert person.id_masked == idnumber.mask(number)
        assert person.name_pinyin == indexing.name_pinyin(person.name)
        if person.phone:
            assert person.phone_index == crypto.blind_index(
                person.phone, purpose=indexing.PHONE_PURPOSE
            )
            assert person.phone_masked == mask_phone(person.phone)
        stored = set(SearchTerm.objects.filter(person=person).values_list("term", flat=True))
        expected = indexing.person_terms(name=person.name, id_number=number, phone=person.phone)
        assert stored == expected, f"search terms of {person.pk} differ"
        readings = indexing.pinyin_readings(person.name)
        for q in (
            person.name[-2:],
            readings[0][0],
            number,
            number[-6:],
        ):
            found = persons_for(user, PersonFilter(q=q)).filter(pk=person.pk).exists()
            assert found, f"person {person.pk} not found by a {len(q)}-character query"
        checked += 1
    assert checked == len(sample), f"{checked} of {len(sample)} sampled persons exist"
    return [f"{checked} sampled persons decrypt, match their indexes and are found by search"]


# --- the import benchmark's file ------------------------------------------------------------------
IMPORT_HEADERS = [
    "序号",
    "姓名",
    "性别",
    "身份证号",
    "出生日期",
    "民族",
    "联系电话",
    "所属社区",
    "区划代码",
    "现住址",
    "户籍地址",
    "居住状况",
    "人员类别",
    "备注",
]
LIVING_WORDS = {
    "alone": "独居",
    "empty_nest": "空巢",
    "with_children": "与子女同住",
    "with_relatives": "与亲属同住",
    "with_guardian": "与监护人同住",
    "institution": "机构供养",
    "other": "其他",
}


def import_rows(
    township: int, count: int, *, seed: int = 7, known: Callable[[list[str]], set[str]]
) -> Iterator[list[Any]]:
    """Rows of a realistic ledger (台账) of `count` persons new to the database, living in the
    township's communities: written as people write them (community short names, dates as date
    cells or text, a lower-case x, spaces inside some ID numbers, full-width digits), yet every
    row valid. ID numbers use sequences 400–499, which the generator never uses; `known(numbers)`
    returns those already registered (the demo's), which are replaced."""
    from shegong.core.idnumber import make
    from shegong.regions.models import Level, Region

    rng = random.Random(seed)
    names = Names()
    today = dt.date.today()
    villages = list(
        Region.objects.filter(level=Level.VILLAGE, parent_id=township)
        .order_by("code")
        .values_list("code", "name")
    )
    prefix = str(township)[:6]
    full_width = str.maketrans("0123456789", "０１２３４５６７８９")
    used: set[str] = set()
    batch: list[tuple[str, int, str, dt.date, str]] = []

    def numbers(n: int) -> list[tuple[str, int, str, dt.date, str]]:
        out = []
        while len(out) < n:
            age, birth = _age_and_birth(rng, today)
            gender = _gender(rng, age)
            number = make(prefix, birth, rng.randint(GENERATOR_SEQS, 499), gender)
            if number not in used:
                used.add(number)
                out.append((number, age, gender, birth, ""))
        return out

    made = 0
    while made < count:
        batch = numbers(min(5000, count - made))
        clash = known([b[0] for b in batch])
        batch = [b for b in batch if b[0] not in clash]
        for number, age, gender, birth, _ in batch:
            made += 1
            code, vname = rng.choice(villages)
            r = rng.random()
            written = vname if r < 0.6 else short_name(vname) if r < 0.95 else str(code)
            shown = number
            r = rng.random()
            if number.endswith("X") and r < 0.5:
                shown = number[:-1] + "x"
            elif r < 0.02:
                shown = f"{number[:6]} {number[6:14]} {number[14:]}"
            elif r < 0.03:
                shown = number.translate(full_width)
            r = rng.random()
            birth_cell: Any = birth
            if r < 0.1:
                birth_cell = f"{birth.year}.{birth.month}.{birth.day}"
            elif r < 0.15:
                birth_cell = f"{birth.year}年{birth.month}月{birth.day}日"
            living = ""
            if age >= 60:
                living = rng.choices(
                    ("alone", "empty_nest", "with_children"), weights=(25, 30, 45)
                )[0]
            cats = []
            if living == "alone":
                cats.append("独居老人")
            elif living == "empty_nest":
                cats.append(rng.choice(("空巢", "空巢老人")))
            if rng.random() < 0.09:
                cats.append(rng.choice(("低保", "低保户", "城市低保")))
            if rng.random() < 0.08:
                cats.append(rng.choice(("残疾人", "残疾")))
            if age >= 60 and rng.random() < 0.03:
                cats.append("特困")
            short = short_name(vname)
            yield [
                made,
                names.draw(rng, age, gender),
                "男" if gender == "M" else "女",
                shown,
                birth_cell,
                _pick(rng, ETHNICITIES),
                _phone(rng) if rng.random() < 0.7 else "",
                written,
                str(code),
                f"{short.removesuffix('社区')}{rng.randint(1, 40)}号楼{rng.randint(1, 6)}门"
                f"{rng.randint(1, 18)}{rng.randint(1, 4):02d}",
                f"天津市北辰区{short}",
                LIVING_WORDS.get(living, ""),
                "、".join(cats),
                "",
            ]
            if made >= count:
                return


def write_import_file(path: str, township: int, count: int = 100_000) -> int:
    """Write the import benchmark's .xlsx with the product's writer; returns the rows written."""
    from shegong.core import crypto
    from shegong.core.excel import write_xlsx
    from shegong.people import indexing
    from shegong.people.models import Person

    def known(numbers: list[str]) -> set[str]:
        by_index = {crypto.blind_index(n, purpose=indexing.ID_PURPOSE): n for n in numbers}
        found = Person.objects.filter(id_index__in=list(by_index)).values_list(
            "id_index", flat=True
        )
        return {by_index[i] for i in found}

    return write_xlsx(
        path,
        sheet_title="服务对象台账",
        headers=IMPORT_HEADERS,
        rows=import_rows(township, count, known=known),
    )
