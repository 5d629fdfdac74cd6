"""The national categories of people in need, shipped with the product (a data migration
installs them; `sync_categories` keeps them in step). Names are the official Chinese terms;
`name_en` is their English label for the English interface."""

from __future__ import annotations

from typing import Any

NATIONAL: list[dict[str, Any]] = [
    {
        "code": "tekun",
        "name": "特困供养人员",
        "name_en": "extreme poverty support",
        "subtypes": ["分散供养", "集中供养"],
    },
    {"code": "dibao", "name": "低保对象", "name_en": "minimum living allowance (dibao)"},
    {"code": "dibao_edge", "name": "低保边缘", "name_en": "near-dibao household"},
    {"code": "temp_relief", "name": "临时救助对象", "name_en": "temporary assistance"},
    {"code": "elderly_alone", "name": "独居老人", "name_en": "elderly living alone"},
    {"code": "elderly_empty_nest", "name": "空巢老人", "name_en": "empty-nest elderly"},
    {"code": "oldest_old", "name": "高龄老人", "name_en": "aged 80 and over", "derived": True},
    {
        "code": "child_in_difficulty",
        "name": "困境儿童",
        "name_en": "child in difficulty",
        "subtypes": ["家庭贫困", "自身残疾", "监护缺失或不当"],
        "sensitive": True,
    },
    {
        "code": "left_behind_child",
        "name": "留守儿童",
        "name_en": "left-behind child",
        "sensitive": True,
    },
    {"code": "orphan", "name": "孤儿", "name_en": "orphan", "sensitive": True},
    {
        "code": "unsupported_child",
        "name": "事实无人抚养儿童",
        "name_en": "de-facto unsupported child",
        "sensitive": True,
    },
    {
        "code": "disabled",
        "name": "残疾人",
        "name_en": "person with a disability",
        "subtypes": ["视力", "听力", "言语", "肢体", "智力", "精神", "多重"],
        "graded": True,
        "sensitive": True,
    },
    {
        "code": "mental_disorder",
        "name": "精神障碍患者",
        "name_en": "mental disorder",
        "sensitive": True,
    },
    {"code": "unemployed_youth", "name": "失业青年", "name_en": "unemployed youth"},
]

# Words people write in ledgers for each category (import matches these, case-folded).
ALIASES: dict[str, list[str]] = {
    "tekun": ["特困", "特困人员", "特困供养", "五保"],
    "dibao": ["低保", "低保户", "城乡低保", "农村低保", "城市低保"],
    "dibao_edge": ["低保边缘", "低边", "低保边缘户"],
    "temp_relief": ["临时救助", "临救"],
    "elderly_alone": ["独居", "独居老人"],
    "elderly_empty_nest": ["空巢", "空巢老人"],
    "child_in_difficulty": ["困境儿童"],
    "left_behind_child": ["留守儿童", "农村留守儿童"],
    "orphan": ["孤儿"],
    "unsupported_child": ["事实无人抚养", "事实无人抚养儿童"],
    "disabled": ["残疾", "残疾人", "残疾人员"],
    "mental_disorder": ["精神障碍", "精神病", "严重精神障碍"],
    "unemployed_youth": ["失业青年"],
}


def sync(category_model: Any) -> int:
    """Create or update the national categories; returns how many changed."""
    changed = 0
    for order, spec in enumerate(NATIONAL):
        defaults = {
            "name": spec["name"],
            "name_en": spec["name_en"],
            "subtypes": spec.get("subtypes", []),
            "graded": spec.get("graded", False),
            "sensitive": spec.get("sensitive", False),
            "derived": spec.get("derived", False),
            "order": order * 10,
        }
        obj, created = category_model.objects.get_or_create(code=spec["code"], defaults=defaults)
        if created:
            changed += 1
            continue
        if any(getattr(obj, k) != v for k, v in defaults.items()):
            for k, v in defaults.items():
                setattr(obj, k, v)
            obj.save()
            changed += 1
    return changed
