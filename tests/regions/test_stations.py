"""Stations: codes, service areas, bad input at the field, coverage and the staffing rule."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from shegong.accounts import services as accounts
from shegong.regions import selectors, services
from shegong.regions.models import Region, ServiceArea, Station

pytestmark = pytest.mark.django_db

GUOYUAN = 120113001000
JIXIANLI = 120113002000


def region(code: int) -> Region:
    return Region.objects.get(code=code)


def test_a_station_is_coded_by_its_home_division_and_a_second_gets_a_suffix(persona: Any) -> None:
    admin = persona("district_admin")
    existing = Station.objects.get(code="120113001000")
    assert existing.region_id == GUOYUAN
    second = services.create_station(
        actor=admin,
        region=region(GUOYUAN),
        kind="specialty",
        name="果园新村心理健康社工站",
        specialty="心理健康",
    )
    third = services.create_station(
        actor=admin,
        region=region(GUOYUAN),
        kind="specialty",
        name="果园新村儿童社工站",
        specialty="儿童",
    )
    assert (second.code, third.code) == ("120113001000-2", "120113001000-3")


def test_a_merged_office_serves_two_townships(persona: Any) -> None:
    admin = persona("district_admin")
    st = services.create_station(
        actor=admin,
        region=region(120113003000),
        kind="township",
        name="普东、瑞景合署社工站",
        served_regions=[region(120113003000), region(120113004000)],
    )
    served = set(
        ServiceArea.objects.current().filter(station=st).values_list("region_id", flat=True)
    )
    assert served == {120113003000, 120113004000}


def test_a_township_outside_the_admins_scope_is_refused_at_its_field(persona: Any) -> None:
    admin = persona("district_admin")
    with pytest.raises(ValidationError) as e:
        services.create_station(
            actor=admin,
            region=region(120113003000),
            kind="township",
            name="越界站",
            served_regions=[region(120113003000), region(120104001000)],
        )
    assert "served_regions" in e.value.error_dict


def test_web_form_shows_each_error_at_its_field_and_saves_nothing(login: Any) -> None:
    client = login("district_admin")
    before = Station.objects.count()
    response = client.post(
        "/stations/new/",
        {
            "region_code": "999999999999",
            "name": "新站",
            "kind": "township",
            "contract_start": "2026-05-01",
            "contract_end": "2026-01-01",
        },
    )
    assert response.status_code == 422
    errors = response.context["form"].errors
    assert "region_code" in errors
    assert Station.objects.count() == before
    response = client.post(
        "/stations/new/",
        {
            "region_code": "120113005000",
            "name": "新站",
            "kind": "township",
            "contract_start": "2026-05-01",
            "contract_end": "2026-01-01",
        },
    )
    assert response.status_code == 422
    assert "contract_end" in response.context["form"].errors
    response = client.post(
        "/stations/new/",
        {
            "region_code": "120113005000",
            "served_codes": "120104001000",
            "name": "新站",
            "kind": "township",
        },
    )
    assert "served_codes" in response.context["form"].errors
    assert Station.objects.count() == before


def test_errors_are_translated_into_chinese_by_default(login: Any) -> None:
    response = login("district_admin").post(
        "/stations/new/", {"region_code": "12011300500", "name": "新站", "kind": "township"}
    )
    assert "区划代码" in str(response.context["form"].errors["region_code"])


def test_creating_through_the_web_form(login: Any) -> None:
    client = login("district_admin")
    response = client.post(
        "/stations/new/",
        {
            "region_code": "120113005000",
            "name": "佳荣里街道第二社工站",
            "kind": "specialty",
            "specialty": "养老服务",
            "latitude": "39.2",
            "longitude": "117.1",
            "languages": ["zh", "bo"],
            "activity_area_m2": "120",
            "office_area_m2": "30",
            "contract_start": "2026-01-01",
            "contract_end": "2027-12-31",
        },
    )
    assert response.status_code == 302
    st = Station.objects.get(name="佳荣里街道第二社工站")
    assert (st.code, st.languages, st.kind) == ("120113005000-2", ["zh", "bo"], "specialty")


def test_a_station_head_edits_details_but_cannot_move_the_service_area(login: Any) -> None:
    client = login("station_head")
    station = Station.objects.get(code="120113001000")
    response = client.post(
        "/stations/120113001000/edit/",
        {
            "name": station.name,
            "kind": station.kind,
            "opening_hours": "每天 8:00–20:00",
            "served_codes": "120113002000",
            "languages": ["zh"],
        },
    )
    assert response.status_code == 302
    station.refresh_from_db()
    assert station.opening_hours == "每天 8:00–20:00"
    assert {r.code for r in station.current_service_areas()} == {GUOYUAN}


def test_changing_the_service_area_keeps_the_past(persona: Any) -> None:
    admin = persona("district_admin")
    station = Station.objects.get(code="120113001000")
    services.update_station(
        actor=admin, station=station, served_regions=[region(GUOYUAN), region(JIXIANLI)]
    )
    services.update_station(actor=admin, station=station, served_regions=[region(GUOYUAN)])
    rows = ServiceArea.objects.filter(station=station, region_id=JIXIANLI)
    assert rows.count() == 1 and rows[0].valid_to is not None


def test_coverage_counts_townships_with_a_station_and_communities_with_a_room() -> None:
    tree = selectors.coverage_tree(region(120113000000), depth=1)
    guoyuan = next(c for c in tree.children if c.region.code == GUOYUAN)
    assert guoyuan.communities == 12
    assert guoyuan.communities_with_room >= 3  # 朝阳里, 旭日里, 新华里 have rooms
    assert guoyuan.townships == guoyuan.townships_covered == 1
    assert tree.townships == sum(c.townships for c in tree.children)
    assert tree.communities == sum(c.communities for c in tree.children) == 290
    nankai = selectors.coverage_tree(region(120104000000), depth=1)
    # 12 streets, 11 stations: the last two streets share a merged office; all are covered.
    assert (nankai.townships, nankai.townships_covered) == (12, 12)


def test_the_staffing_rule_flags_a_station_short_of_certified_workers(persona: Any) -> None:
    admin = persona("district_admin")
    station = services.create_station(
        actor=admin, region=region(120113006000), kind="specialty", name="青源街道康复站"
    )
    three_years_ago = dt.date.today() - dt.timedelta(days=3 * 365)
    accounts.add_staff_member(
        actor=admin, full_name="甲", station=station, joined_on=three_years_ago
    )
    staffing = selectors.staffing_for([station])[station.pk]
    assert (staffing.resident, staffing.certified, len(staffing.overdue)) == (1, 0, 1)
    assert len(staffing.problems) == 3  # too few residents, none certified, one overdue
    accounts.add_staff_member(
        actor=admin,
        full_name="乙",
        station=station,
        certificate_level="assistant",
        certificate_number="A1",
        certificate_date=dt.date(2024, 5, 1),
    )
    staffing = selectors.staffing_for([station])[station.pk]
    assert (staffing.resident, staffing.certified) == (2, 1)
    assert len(staffing.problems) == 1  # 甲 still uncertified after two years


def test_the_station_page_flags_the_staffing_problem(login: Any, persona: Any) -> None:
    admin = persona("district_admin")
    station = services.create_station(
        actor=admin, region=region(120113007000), kind="specialty", name="广源街道助残站"
    )
    page = login("district_admin").get(f"/stations/{station.code}/")
    assert page.status_code == 200
    assert 'data-testid="staffing"' in page.content.decode()
    assert "alert-warning" in page.content.decode()


def test_the_division_tree_page_shows_coverage(login: Any) -> None:
    page = login("city_admin").get("/regions/120000000000/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "北辰区" in html and "果园新村街道" in html and "南开区" in html
    assert page.context["tree"].townships == 299
    assert page.context["tree"].communities == 5617


def test_credit_code_check_character(persona: Any) -> None:
    admin = persona("district_admin")
    with pytest.raises(ValidationError) as e:
        services.create_organization(
            actor=admin,
            region=region(GUOYUAN),
            name="某机构",
            kind="partner",
            credit_code="91110000600000000A",
        )
    assert "credit_code" in e.value.error_dict
    ok = services.create_organization(
        actor=admin,
        region=region(GUOYUAN),
        name="某机构",
        kind="partner",
        credit_code="91350100M000100Y43",
    )
    assert ok.credit_code == "91350100M000100Y43"
