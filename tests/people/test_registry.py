"""The people registry's domain layer: registration, privacy of ID numbers, categories over
time, search as workers type, handover."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from shegong.core.idnumber import make
from shegong.core.models import AuditEvent
from shegong.people import selectors, services
from shegong.people.models import Category, Person, SearchTerm
from shegong.people.selectors import PersonFilter
from shegong.regions.models import Region

pytestmark = pytest.mark.django_db

CHAOYANG = 120113001009  # 朝阳里社区
TAILAI = 120113002001  # 泰来西里社区, the neighbouring street


def region(code: int) -> Region:
    return Region.objects.get(code=code)


def register(actor: Any, name: str = "张三丰", **kw: Any) -> Person:
    fields: dict[str, Any] = {
        "name": name,
        "id_number": make("120113", dt.date(1948, 3, 9), 17, "M"),
        "region": region(CHAOYANG),
        "phone": "13812345678",
    } | kw
    return services.register_person(actor=actor, **fields)


def test_registration_derives_gender_and_birth_date_and_hides_the_number(persona: Any) -> None:
    number = make("120113", dt.date(1948, 3, 9), 17, "M")
    person = register(persona("worker"), id_number=number.lower().replace("", " ").strip())
    assert (person.gender, person.birth_date) == ("M", dt.date(1948, 3, 9))
    assert person.id_masked == number[:6] + "********" + number[-4:]
    assert person.station is not None and person.station.code == "120113001000"
    with connection.cursor() as cur:
        cur.execute("SELECT id_number, phone FROM people_person WHERE id = %s", [person.pk])
        stored_id, stored_phone = cur.fetchone()
    assert number not in stored_id and stored_id.startswith("v1:")
    assert "13812345678" not in stored_phone
    assert Person.objects.get(pk=person.pk).id_number == number  # decrypts on load
    terms = set(SearchTerm.objects.filter(person=person).values_list("term", flat=True))
    assert not any(number[-6:] in t or "13812345678" in t for t in terms)
    assert {"b:张三", "b:三丰", "c:丰", "p:zhangsanfeng", "i:zsf"} <= terms


def test_a_15_digit_number_is_converted(persona: Any) -> None:
    modern = make("120113", dt.date(1955, 6, 7), 9, "F")
    old = modern[:6] + modern[8:17]
    person = register(persona("worker"), id_number=old)
    assert person.id_number == modern


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"id_number": "110105194912310021"}, "id_number"),  # wrong check digit
        ({"id_number": "", "birth_date": dt.date(2999, 1, 1)}, "birth_date"),
        ({"phone": "12345"}, "phone"),
        ({"name": "  "}, "name"),
        ({"gender": "F"}, "gender"),  # contradicts the ID number
    ],
)
def test_bad_input_is_refused_at_its_field_and_nothing_is_saved(
    persona: Any, fields: dict[str, Any], field: str
) -> None:
    before = (Person.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ValidationError) as e:
        register(persona("worker"), **fields)
    assert field in e.value.error_dict
    assert (Person.objects.count(), AuditEvent.objects.count()) == before


def test_one_id_number_exists_once_and_another_jurisdiction_is_not_revealed(
    persona: Any, outside: Any
) -> None:
    worker = persona("worker")
    register(worker)
    with pytest.raises(ValidationError) as e:
        register(worker, name="别人")
    assert e.value.error_dict["id_number"][0].code == "duplicate"
    with pytest.raises(ValidationError) as e:
        register(worker, name="别人", id_number=outside.person.id_number)
    error = e.value.error_dict["id_number"][0]
    assert error.code == "duplicate_elsewhere"
    assert "京外人员" not in str(error.message)


def test_same_name_and_birth_date_asks_for_confirmation(persona: Any) -> None:
    worker = persona("worker")
    first = register(worker, id_number="", gender="M", birth_date=dt.date(1950, 1, 2))
    with pytest.raises(ValidationError) as e:
        register(worker, id_number="", gender="M", birth_date=dt.date(1950, 1, 2), phone="")
    assert e.value.error_list[0].code == "possible_duplicate"
    second = register(
        worker,
        id_number="",
        gender="M",
        birth_date=dt.date(1950, 1, 2),
        phone="",
        confirm_duplicate=True,
    )
    assert second.pk != first.pk


def test_a_worker_cannot_register_in_the_neighbouring_township(persona: Any) -> None:
    with pytest.raises(ValidationError) as e:
        register(persona("worker"), region=region(TAILAI))
    assert "region" in e.value.error_dict


def test_a_stale_edit_is_refused_and_loses_nothing(persona: Any) -> None:
    worker, head = persona("worker"), persona("station_head")
    person = register(worker)
    loaded_version = person.version
    services.update_person(
        actor=head, person=person, expected_version=loaded_version, note="站长的备注"
    )
    with pytest.raises(ValidationError) as e:
        services.update_person(
            actor=worker, person=person, expected_version=loaded_version, note="社工的备注"
        )
    assert e.value.error_list[0].code == "stale"
    assert Person.objects.get(pk=person.pk).note == "站长的备注"


def test_revealing_is_a_permission_and_is_audited(persona: Any) -> None:
    person = register(persona("worker"))
    before = AuditEvent.objects.filter(action="person.reveal_id").count()
    assert services.reveal_id_number(actor=persona("worker"), person=person) == person.id_number
    assert AuditEvent.objects.filter(action="person.reveal_id").count() == before + 1
    with pytest.raises(ValidationError):
        services.reveal_id_number(actor=persona("auditor"), person=person)


# --- categories over time ---------------------------------------------------------------------
def test_a_question_about_march_answers_with_who_was_in_the_category_in_march(
    persona: Any,
) -> None:
    worker = persona("worker")
    dibao = Category.objects.get(code="dibao")
    ended_mid_march = register(
        worker, name="三月出", id_number=make("120113", dt.date(1960, 1, 1), 1, "F")
    )
    joined_april = register(
        worker, name="四月入", id_number=make("120113", dt.date(1960, 1, 2), 2, "F")
    )
    services.add_membership(
        actor=worker,
        person=ended_mid_march,
        category=dibao,
        valid_from=dt.date(2025, 6, 1),
        valid_to=dt.date(2026, 3, 15),
        source="civil_affairs",
    )
    services.add_membership(
        actor=worker,
        person=joined_april,
        category=dibao,
        valid_from=dt.date(2026, 4, 1),
        source="civil_affairs",
    )
    scope = Person.objects.filter(pk__in=[ended_mid_march.pk, joined_april.pk])
    march = selectors.members_during(scope, "dibao", dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    assert list(march) == [ended_mid_march]
    on_april_2 = selectors.in_category(scope, "dibao", dt.date(2026, 4, 2))
    assert list(on_april_2) == [joined_april]


def test_overlapping_periods_and_bad_subtypes_are_refused(persona: Any) -> None:
    worker = persona("worker")
    person = register(worker)
    disabled = Category.objects.get(code="disabled")
    with pytest.raises(ValidationError) as e:
        services.add_membership(
            actor=worker,
            person=person,
            category=disabled,
            valid_from=dt.date(2024, 1, 1),
            source="screening",
        )
    assert {"subtype", "grade"} <= set(e.value.error_dict)
    services.add_membership(
        actor=worker,
        person=person,
        category=disabled,
        subtype="肢体",
        grade=2,
        valid_from=dt.date(2024, 1, 1),
        source="screening",
    )
    with pytest.raises(ValidationError):
        services.add_membership(
            actor=worker,
            person=person,
            category=disabled,
            subtype="视力",
            grade=1,
            valid_from=dt.date(2025, 1, 1),
            source="screening",
        )


def test_aged_80_is_derived_from_the_birth_date(persona: Any) -> None:
    person = register(persona("worker"), id_number=make("120113", dt.date(1946, 5, 10), 3, "F"))
    scope = Person.objects.filter(pk=person.pk)
    assert not selectors.in_category(scope, "oldest_old", dt.date(2026, 5, 9)).exists()
    assert selectors.in_category(scope, "oldest_old", dt.date(2026, 5, 10)).exists()


def test_consent_for_a_child_under_14_comes_from_the_guardian(persona: Any) -> None:
    worker = persona("worker")
    child = register(worker, name="小明", id_number=make("120113", dt.date(2016, 8, 1), 4, "M"))
    with pytest.raises(ValidationError) as e:
        services.record_consent(
            actor=worker,
            person=child,
            basis="consent",
            given_on=dt.date(2026, 9, 1),
            given_by="小明",
        )
    assert "given_by_guardian" in e.value.error_dict
    services.record_consent(
        actor=worker,
        person=child,
        basis="consent",
        given_on=dt.date(2026, 9, 1),
        given_by="王芳（母亲）",
        given_by_guardian=True,
    )


# --- search -----------------------------------------------------------------------------------
@pytest.mark.parametrize("query", ["张三", "三丰", "zhangsanfeng", "ZSF", "zsf", "13812345678"])
def test_search_finds_the_person_the_way_workers_type(persona: Any, query: str) -> None:
    worker = persona("worker")
    person = register(worker)
    found = list(selectors.persons_for(worker, PersonFilter(q=query)))
    assert person in found


def test_search_by_id_number_whole_tail_and_messy_forms(persona: Any) -> None:
    worker = persona("worker")
    person = register(worker)
    number = person.id_number
    for query in (
        number,
        number.lower(),
        number[-4:],
        number[-6:],
        number[-10:],
        " ".join(number),
        "１２０１１３" + number[6:],
    ):
        found = list(selectors.persons_for(worker, PersonFilter(q=query)))
        assert person in found, query


def test_search_never_crosses_the_jurisdiction(persona: Any) -> None:
    person = register(persona("worker"))
    neighbour = persona("neighbour_worker")
    for query in ("张三丰", "zsf", person.id_number, person.id_number[-4:], "13812345678"):
        assert person not in selectors.persons_for(neighbour, PersonFilter(q=query))


def test_filters_by_age_band_and_risk(persona: Any) -> None:
    worker = persona("worker")
    person = register(worker, id_number=make("120113", dt.date(1940, 1, 1), 5, "M"))
    services.set_risk_level(actor=worker, person=person, level="high", reason="独居跌倒")
    assert person in selectors.persons_for(worker, PersonFilter(age_band="80+", risk="high"))
    assert person not in selectors.persons_for(worker, PersonFilter(age_band="60-79"))
    assert Person.objects.get(pk=person.pk).risk_level == "high"


# --- handover ---------------------------------------------------------------------------------
def test_handover_moves_access_and_keeps_history(persona: Any) -> None:
    worker, neighbour = persona("worker"), persona("neighbour_worker")
    person = register(worker)
    services.add_membership(
        actor=worker,
        person=person,
        category=Category.objects.get(code="dibao"),
        valid_from=dt.date(2025, 1, 1),
        source="civil_affairs",
    )
    services.hand_over(actor=persona("district_admin"), person=person, to_region=region(TAILAI))
    assert not Person.objects.visible_to(worker).filter(pk=person.pk).exists()
    assert Person.objects.visible_to(neighbour).filter(pk=person.pk).exists()
    moved = Person.objects.get(pk=person.pk)
    assert moved.station is not None and moved.station.code == "120113002000"
    assert moved.memberships.count() == 1
    assert moved.residences.count() == 2
    assert person in selectors.persons_for(neighbour, PersonFilter(q="张三丰"))
    with pytest.raises(ValidationError):
        services.hand_over(actor=worker, person=moved, to_region=region(CHAOYANG))


# --- fixes from review: sensitive data, local categories, validation ---------------------------
def test_sensitive_categories_are_shown_only_to_those_who_serve_the_person(persona: Any) -> None:
    worker = persona("worker")
    person = register(worker)
    services.add_membership(
        actor=worker,
        person=person,
        source="screening",
        category=Category.objects.get(code="mental_disorder"),
        valid_from=dt.date(2025, 1, 1),
    )
    services.add_membership(
        actor=worker,
        person=person,
        source="civil_affairs",
        category=Category.objects.get(code="dibao"),
        valid_from=dt.date(2025, 1, 1),
    )
    seen = {
        name: {m.category.code for m in selectors.category_history(person, persona(name))}
        for name in ("worker", "station_head", "supervisor", "district_admin", "auditor")
    }
    assert (
        seen["worker"] == seen["station_head"] == seen["supervisor"] == {"mental_disorder", "dibao"}
    )
    assert seen["district_admin"] == seen["auditor"] == {"dibao"}
    assert not selectors.categories_for(persona("auditor")).filter(sensitive=True).exists()
    admin_filter = PersonFilter(category="mental_disorder")
    assert not selectors.persons_for(persona("district_admin"), admin_filter).exists()
    assert person in selectors.persons_for(worker, admin_filter)


def test_local_categories_apply_below_their_division_only(persona: Any) -> None:
    Category.objects.create(code="beichen_local", name="北辰特色类别", region=region(120113000000))
    Category.objects.create(code="nankai_local", name="南开特色类别", region=region(120104000000))
    Category.objects.create(code="tianjin_local", name="天津特色类别", region=region(120000000000))
    worker_codes = set(selectors.categories_for(persona("worker")).values_list("code", flat=True))
    assert {"beichen_local", "tianjin_local", "dibao"} <= worker_codes
    assert "nankai_local" not in worker_codes
    city_codes = set(selectors.categories_for(persona("city_admin")).values_list("code", flat=True))
    assert {"beichen_local", "nankai_local", "tianjin_local"} <= city_codes


def test_members_during_counts_the_derived_oldest_old(persona: Any) -> None:
    person = register(persona("worker"), id_number=make("120113", dt.date(1946, 3, 20), 6, "F"))
    scope = Person.objects.filter(pk=person.pk)
    march = (dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    assert list(selectors.members_during(scope, "oldest_old", *march)) == [person]
    assert not selectors.members_during(
        scope, "oldest_old", dt.date(2026, 1, 1), dt.date(2026, 2, 28)
    ).exists()


def test_ending_a_period_cannot_overlap_a_later_one(persona: Any) -> None:
    worker = persona("worker")
    person = register(worker)
    dibao = Category.objects.get(code="dibao")
    early = services.add_membership(
        actor=worker,
        person=person,
        category=dibao,
        source="civil_affairs",
        valid_from=dt.date(2024, 1, 1),
        valid_to=dt.date(2024, 6, 30),
    )
    services.add_membership(
        actor=worker,
        person=person,
        category=dibao,
        source="civil_affairs",
        valid_from=dt.date(2025, 1, 1),
    )
    with pytest.raises(ValidationError) as e:
        services.end_membership(actor=worker, membership=early, valid_to=dt.date(2025, 3, 1))
    assert "valid_to" in e.value.error_dict


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"living_situation": "castle"}, "living_situation"),
        ({"relation": "boss"}, "relation"),
        ({"residence_address": "长" * 201}, "residence_address"),
    ],
)
def test_choices_and_lengths_are_checked(persona: Any, fields: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as e:
        register(persona("worker"), **fields)
    assert field in e.value.error_dict


def test_the_id_number_error_keeps_its_code(persona: Any) -> None:
    with pytest.raises(ValidationError) as e:
        register(persona("worker"), id_number="110105194912310021")
    assert e.value.error_dict["id_number"][0].code == "checksum"


def test_a_handover_station_must_serve_the_new_division(persona: Any) -> None:
    from shegong.regions.models import Station

    person = register(persona("worker"))
    with pytest.raises(ValidationError) as e:
        services.hand_over(
            actor=persona("district_admin"),
            person=person,
            to_region=region(TAILAI),
            to_station=Station.objects.get(code="120113001000"),
        )
    assert "to_station" in e.value.error_dict


def test_an_id_tail_ending_in_x_is_found(persona: Any) -> None:
    worker = persona("worker")
    number = next(
        n
        for seq in range(400)
        if (n := make("120113", dt.date(1952, 4, 5), seq, "F")).endswith("X")
    )
    person = register(worker, id_number=number)
    for query in (number[-4:], number[-4:].lower(), number[-6:], number[-11:]):
        assert person in selectors.persons_for(worker, PersonFilter(q=query)), query
