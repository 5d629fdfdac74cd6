"""Assessments (预估): the self-care level rule over every combination of the six items, the
services' validation, immutability, who may read the content, and suggested case goals."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from shegong.core.idnumber import make
from shegong.core.models import AuditEvent
from shegong.fieldwork import assessment_selectors as selectors
from shegong.fieldwork import case_services
from shegong.fieldwork.assessment_models import (
    DOMAIN_SETS,
    SELF_CARE_KEYS,
    DomainSet,
    NeedsAssessment,
    SelfCareAssessment,
    SelfCareLevel,
    self_care_level,
)
from shegong.fieldwork.assessment_services import (
    record_needs_assessment,
    record_self_care_assessment,
)
from shegong.people import services as people
from shegong.people.models import Person
from shegong.regions.models import Region

CHAOYANG = 120113001009  # 朝阳里社区, 果园新村街道 (demo_worker's station)
GENERAL = DOMAIN_SETS[DomainSet.GENERAL]
CHILD = DOMAIN_SETS[DomainSet.CHILD]
_seq = itertools.count(0)


@pytest.fixture(autouse=True)
def english() -> Any:
    """Messages are checked in the source language."""
    with translation.override("en"):
        yield


def today() -> dt.date:
    return timezone.localdate()


def resident(actor: Any, *, born: dt.date = dt.date(1944, 6, 15)) -> Person:
    """A person of 朝阳里 (the worker's station), born a few days after `born` (so that every
    ID number differs); elderly unless `born` says otherwise."""
    seq = next(_seq)
    return people.register_person(
        actor=actor,
        name=f"预估{seq}",
        id_number=make("120113", born + dt.timedelta(days=seq), 477, "F"),
        region=Region.objects.get(code=CHAOYANG),
    )


def all_domains(level: str = "none", needs: str = "", which: tuple[str, ...] = GENERAL) -> dict:
    return {d: {"level": level, "needs": needs} for d in which}


def needs(actor: Any, person: Person, **change: Any) -> NeedsAssessment:
    kwargs: dict[str, Any] = {
        "actor": actor,
        "person": person,
        "assessed_on": today(),
        "domains": all_domains(),
        "summary": "独居，子女在外地",
    } | change
    return record_needs_assessment(**kwargs)


def self_care(actor: Any, person: Person, **change: Any) -> SelfCareAssessment:
    kwargs: dict[str, Any] = {
        "actor": actor,
        "person": person,
        "assessed_on": today(),
        "items": dict.fromkeys(SELF_CARE_KEYS, True),
    } | change
    return record_self_care_assessment(**kwargs)


# --- the self-care level (reference §2.8 [S33]) ----------------------------------------------
EXPECTED_BY_FAILED = {
    0: SelfCareLevel.ABLE,
    1: SelfCareLevel.PARTIAL,
    2: SelfCareLevel.PARTIAL,
    3: SelfCareLevel.PARTIAL,
    4: SelfCareLevel.LOST,
    5: SelfCareLevel.LOST,
    6: SelfCareLevel.LOST,
}


@pytest.mark.dbless
@pytest.mark.parametrize("values", list(itertools.product((True, False), repeat=6)))
def test_self_care_level_for_every_combination_of_the_six_items(values: tuple[bool, ...]) -> None:
    items = dict(zip(SELF_CARE_KEYS, values, strict=True))
    assert self_care_level(items) == EXPECTED_BY_FAILED[values.count(False)]


@pytest.mark.dbless
def test_the_combinations_cover_all_64_and_the_rule_boundaries() -> None:
    combos = list(itertools.product((True, False), repeat=6))
    assert len(combos) == len(set(combos)) == 64
    levels = [self_care_level(dict(zip(SELF_CARE_KEYS, c, strict=True))) for c in combos]
    # C(6,0) able; C(6,1)+C(6,2)+C(6,3) = 6+15+20 partial; C(6,4)+C(6,5)+C(6,6) = 15+6+1 lost
    assert levels.count(SelfCareLevel.ABLE) == 1
    assert levels.count(SelfCareLevel.PARTIAL) == 41
    assert levels.count(SelfCareLevel.LOST) == 22
    three = dict.fromkeys(SELF_CARE_KEYS, True) | {
        "eating": False,
        "bathing": False,
        "dressing": False,
    }
    assert self_care_level(three) == SelfCareLevel.PARTIAL
    assert self_care_level(three | {"walking": False}) == SelfCareLevel.LOST


@pytest.mark.dbless
@pytest.mark.parametrize("broken", [{}, {"bathing": None}, {"bathing": "no"}, {"bathing": 0}])
def test_self_care_level_refuses_missing_or_undecided_items(broken: dict[str, Any]) -> None:
    items: dict[str, Any] = dict.fromkeys(SELF_CARE_KEYS, True)
    if broken:
        items |= broken
    else:
        del items["bathing"]
    with pytest.raises(ValueError, match="bathing"):
        self_care_level(items)


# --- recording a self-care assessment -------------------------------------------------------
@pytest.mark.django_db
def test_a_worker_records_a_self_care_assessment_and_the_level_is_stored(persona: Any) -> None:
    worker = persona("worker")
    person = resident(worker)
    before = AuditEvent.objects.filter(action="assessment.self_care.record").count()
    items = dict.fromkeys(SELF_CARE_KEYS, True) | {"bathing": False, "walking": False}
    a = self_care(worker, person, items=items, note=" 需要助浴 ")
    a.refresh_from_db()
    assert a.level == SelfCareLevel.PARTIAL
    assert a.items == items
    assert (a.assessor, a.region_code, a.station_id) == (worker, CHAOYANG, person.station_id)
    assert a.note == "需要助浴"
    events = AuditEvent.objects.filter(action="assessment.self_care.record")
    assert events.count() == before + 1
    event = events.first()
    assert event is not None and event.region_code == CHAOYANG
    # The audit log is read by offices: it names the person and the day, not the findings.
    assert event.details == {"person": person.pk, "on": today().isoformat()}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"assessed_on": dt.date(2099, 1, 1)}, "assessed_on"),
        ({"assessed_on": dt.date(1900, 1, 1)}, "assessed_on"),  # before birth
        ({"items": dict.fromkeys(SELF_CARE_KEYS[:5], True)}, "bathing"),  # missing
        ({"items": dict.fromkeys(SELF_CARE_KEYS, True) | {"eating": None}}, "eating"),
        ({"items": dict.fromkeys(SELF_CARE_KEYS, True) | {"eating": "yes"}}, "eating"),
        ({"items": dict.fromkeys(SELF_CARE_KEYS, True) | {"cooking": True}}, "items"),
        ({"items": ["eating"]}, "items"),
        ({"note": "长" * 5001}, "note"),
    ],
)
def test_bad_self_care_input_is_refused_at_its_field(
    persona: Any, change: dict[str, Any], field: str
) -> None:
    worker = persona("worker")
    person = resident(worker)
    with pytest.raises(ValidationError) as e:
        self_care(worker, person, **change)
    assert field in e.value.message_dict
    assert not SelfCareAssessment.objects.filter(person=person).exists()


@pytest.mark.django_db
def test_every_missing_item_is_named(persona: Any) -> None:
    worker = persona("worker")
    person = resident(worker)
    with pytest.raises(ValidationError) as e:
        self_care(worker, person, items={})
    assert set(SELF_CARE_KEYS) <= set(e.value.message_dict)
    assert e.value.message_dict["eating"] == ["Say whether the person can do this without help."]


# --- recording a needs assessment -----------------------------------------------------------
@pytest.mark.django_db
def test_an_elderly_person_is_assessed_over_the_general_domains(persona: Any) -> None:
    worker = persona("worker")
    person = resident(worker)
    domains = all_domains() | {
        "care": {"level": "high", "needs": " 需要每日送餐 "},
        "health": {"level": "medium", "needs": "高血压需定期测量"},
    }
    a = needs(worker, person, domains=domains, strengths="邻居常来看望")
    a.refresh_from_db()
    assert a.domain_set == DomainSet.GENERAL
    assert set(a.domains) == set(GENERAL)  # jsonb keeps no key order; pages use GENERAL's
    assert a.domains["care"] == {"level": "high", "needs": "需要每日送餐"}
    assert a.domains["material"] == {"level": "none", "needs": ""}
    assert (a.assessor, a.region_code, a.case) == (worker, CHAOYANG, None)
    event = AuditEvent.objects.filter(action="assessment.needs.record").first()
    assert event is not None
    assert event.details == {"person": person.pk, "on": today().isoformat(), "case": None}


@pytest.mark.django_db
def test_a_child_is_assessed_over_the_childrens_domains(persona: Any) -> None:
    worker = persona("worker")
    child = resident(worker, born=today().replace(year=today().year - 10, day=1))
    a = needs(worker, child, domains=all_domains("low", which=CHILD))
    assert a.domain_set == DomainSet.CHILD
    assert set(a.domains) == set(CHILD)
    with pytest.raises(ValidationError) as e:
        needs(worker, child, domains=all_domains())
    assert "domains" in e.value.message_dict  # the general domains are not a child's
    assert "level_guardianship" in e.value.message_dict


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (
            {"assessed_on": dt.date(2099, 1, 1)},
            "assessed_on",
            "An assessment cannot be dated in the future.",
        ),
        ({"domains": all_domains() | {"leisure": {"level": "low"}}}, "domains", None),
        ({"domains": all_domains() | {"care": {"level": "severe"}}}, "level_care", None),
        (
            {"domains": {d: v for d, v in all_domains().items() if d != "safety"}},
            "level_safety",
            "Choose a level.",
        ),
        (
            {"domains": all_domains() | {"care": {"level": "high"}}},
            "needs_care",
            "Say what is needed.",
        ),
        (
            {"domains": all_domains() | {"care": {"level": "medium", "needs": "  "}}},
            "needs_care",
            "Say what is needed.",
        ),
        (
            {"domains": all_domains() | {"care": {"level": "low", "needs": "长" * 1001}}},
            "needs_care",
            None,
        ),
        ({"domains": "high"}, "domains", None),
        ({"summary": "  "}, "summary", "This field is required."),
        ({"strengths": "长" * 5001}, "strengths", None),
    ],
)
def test_bad_needs_input_is_refused_at_its_field(
    persona: Any, change: dict[str, Any], field: str, message: str | None
) -> None:
    worker = persona("worker")
    person = resident(worker)
    before = AuditEvent.objects.filter(action="assessment.needs.record").count()
    with pytest.raises(ValidationError) as e:
        needs(worker, person, **change)
    assert field in e.value.message_dict
    if message:
        assert e.value.message_dict[field] == [message]
    assert not NeedsAssessment.objects.filter(person=person).exists()
    assert AuditEvent.objects.filter(action="assessment.needs.record").count() == before


@pytest.mark.django_db
def test_a_needs_assessment_may_belong_only_to_the_persons_own_case(persona: Any) -> None:
    worker = persona("worker")
    person, other = resident(worker), resident(worker)
    case = case_services.open_case(actor=worker, person=person, source="outreach")
    a = needs(worker, person, case=case)
    assert a.case == case
    assert list(case.needs_assessments.all()) == [a]
    with pytest.raises(ValidationError) as e:
        needs(worker, other, case=case)
    assert e.value.message_dict["case"] == ["The case is not this person's."]
    assert not NeedsAssessment.objects.filter(person=other).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["neighbour_worker", "supervisor", "district_admin", "auditor"])
def test_only_those_who_serve_the_person_may_record(persona: Any, who: str) -> None:
    person = resident(persona("worker"))
    for record in (needs, self_care):
        with pytest.raises(ValidationError) as e:
            record(persona(who), person)
        assert e.value.code == "forbidden"
    assert not NeedsAssessment.objects.filter(person=person).exists()
    assert not SelfCareAssessment.objects.filter(person=person).exists()


@pytest.mark.django_db
def test_the_station_head_records_too(persona: Any) -> None:
    head = persona("station_head")
    person = resident(head)
    assert needs(head, person).assessor == head
    assert self_care(head, person).assessor == head


@pytest.mark.django_db
def test_no_one_records_for_a_person_outside_the_jurisdiction(persona: Any, outside: Any) -> None:
    with pytest.raises(ValidationError) as e:
        needs(persona("worker"), outside.person)
    assert e.value.code == "forbidden"
    assert NeedsAssessment.objects.filter(person=outside.person).count() == 1


# --- immutable: a new assessment supersedes -------------------------------------------------
@pytest.mark.django_db
def test_assessments_cannot_be_changed_or_deleted(persona: Any) -> None:
    worker = persona("worker")
    person = resident(worker)
    first = needs(worker, person, assessed_on=today() - dt.timedelta(days=30))
    care = self_care(worker, person)
    first.summary = "改写"
    with pytest.raises(PermissionError):
        first.save()
    with pytest.raises(PermissionError):
        first.delete()
    with pytest.raises(PermissionError):
        NeedsAssessment.objects.filter(pk=first.pk).update(summary="改写")
    with pytest.raises(PermissionError):
        SelfCareAssessment.objects.filter(pk=care.pk).delete()
    care.level = SelfCareLevel.LOST
    with pytest.raises(PermissionError):
        care.save()
    assert NeedsAssessment.objects.get(pk=first.pk).summary == "独居，子女在外地"
    newer = needs(worker, person)
    assert list(selectors.needs_assessments_of(worker, person)) == [newer, first]


# --- who may read the content ---------------------------------------------------------------
CONTENT = {
    "worker": True,
    "station_head": True,
    "supervisor": True,
    "district_admin": False,  # sees that an assessment exists, not the health data
    "city_admin": False,
    "auditor": False,
}


@pytest.mark.django_db
@pytest.mark.parametrize("who", [*CONTENT, "neighbour_worker", "other_district_admin"])
def test_who_sees_an_assessment_and_who_reads_its_content(persona: Any, who: str) -> None:
    worker = persona("worker")
    person = resident(worker)
    a, s = needs(worker, person), self_care(worker, person)
    user = persona(who)
    sees = who in CONTENT
    assert selectors.needs_assessments_for(user).filter(pk=a.pk).exists() is sees
    assert selectors.self_care_assessments_for(user).filter(pk=s.pk).exists() is sees
    assert selectors.may_read_content(user, a) is CONTENT.get(who, False)
    assert selectors.may_read_content(user, s) is CONTENT.get(who, False)
    if not sees:
        before = AuditEvent.objects.filter(action="access.denied").count()
        with pytest.raises(Exception) as e:
            selectors.get_needs_assessment_for(user, a.pk)
        assert type(e.value).__name__ == "Http404"
        assert AuditEvent.objects.filter(action="access.denied").count() == before + 1


# --- suggested case goals -------------------------------------------------------------------
@pytest.mark.django_db
def test_goals_come_from_the_medium_and_high_domains_high_first(persona: Any) -> None:
    worker = persona("worker")
    person = resident(worker)
    domains = all_domains() | {
        "material": {"level": "medium", "needs": "申请临时救助"},
        "care": {"level": "low", "needs": "偶尔需要帮助"},
        "health": {"level": "high", "needs": "每月陪同复诊"},
        "safety": {"level": "high", "needs": "安装燃气报警器"},
    }
    needs(worker, person, assessed_on=dt.date(2025, 11, 30), domains=domains)
    goals = selectors.suggested_goals(worker, person)
    assert [g["target"] for g in goals] == ["每月陪同复诊", "安装燃气报警器", "申请临时救助"]
    assert {g["due"] for g in goals} == {"2026-02-28"}  # 3 months on, clamped to February
    assert goals[0]["goal"] == "health: meet the needs found (high)"
    assert goals[2]["goal"] == "material living: meet the needs found (medium)"


@pytest.mark.django_db
def test_goals_come_from_the_latest_assessment_or_the_cases_own(persona: Any) -> None:
    worker = persona("worker")
    person = resident(worker)
    case = case_services.open_case(actor=worker, person=person, source="self")
    assert selectors.suggested_goals(worker, person, case) == []
    high = {"level": "high", "needs": "x"}
    needs(
        worker,
        person,
        assessed_on=dt.date(2025, 1, 31),
        domains=all_domains() | {"care": high | {"needs": "旧"}},
    )
    # No assessment of the case yet: the person's latest.
    assert [g["target"] for g in selectors.suggested_goals(worker, person, case)] == ["旧"]
    needs(
        worker,
        person,
        assessed_on=dt.date(2025, 3, 1),
        case=case,
        domains=all_domains() | {"safety": high | {"needs": "个案"}},
    )
    needs(
        worker,
        person,
        assessed_on=dt.date(2025, 6, 1),
        domains=all_domains() | {"education": high | {"needs": "最新"}},
    )
    case_goals = selectors.suggested_goals(worker, person, case)
    assert case_goals == [
        {"goal": "safety: meet the needs found (high)", "target": "个案", "due": "2025-06-01"}
    ]
    assert [g["target"] for g in selectors.suggested_goals(worker, person)] == ["最新"]
    assert selectors.suggested_goals(worker, person)[0]["due"] == "2025-09-01"


@pytest.mark.django_db
def test_no_goals_without_needs_or_without_the_right_to_read_them(persona: Any) -> None:
    worker = persona("worker")
    person = resident(worker)
    assert selectors.suggested_goals(worker, person) == []
    needs(worker, person)  # every domain "none"
    assert selectors.suggested_goals(worker, person) == []
    needs(worker, person, domains=all_domains() | {"care": {"level": "high", "needs": "送餐"}})
    assert len(selectors.suggested_goals(worker, person)) == 1
    assert len(selectors.suggested_goals(persona("supervisor"), person)) == 1
    for who in ("district_admin", "city_admin", "auditor", "neighbour_worker"):
        assert selectors.suggested_goals(persona(who), person) == [], who
