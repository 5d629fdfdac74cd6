"""The person pages: list and search, registration, the person page and its forms, reveal,
stale edits, categories over time, handover."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from shegong.core.idnumber import make, mask
from shegong.core.models import AuditEvent
from shegong.people import selectors, services
from shegong.people.models import Category, CategoryMembership, Person, Residence
from shegong.regions.models import Level, Region
from tests.conftest import SYSTEM

pytestmark = pytest.mark.django_db

GUOYUAN = 120113001000  # the worker's township
JIXIANLI = 120113002000  # the neighbour_worker's township
HTMX = {"HTTP_HX_REQUEST": "true"}


def village_of(township: int) -> Region:
    return Region.objects.filter(
        level=Level.VILLAGE, code__gt=township, code__lt=township + 1000
    ).first()  # type: ignore[return-value]


def in_township(township: int) -> Any:
    return Person.objects.filter(region_id__gte=township, region_id__lt=township + 1000)


def person_ids(html: str) -> set[int]:
    return {int(x) for x in re.findall(r'data-person="(\d+)"', html)}


def urls_in(html: str) -> list[str]:
    return re.findall(r'(?:href|action|hx-get|hx-post|src)="([^"]*)"', html)


def register(**fields: Any) -> Person:
    fields.setdefault("region", village_of(GUOYUAN))
    return services.register_person(actor=SYSTEM, confirm_duplicate=True, **fields)


@pytest.fixture
def ouyang() -> tuple[Person, str, str]:
    """A person with a rare name, a known ID number and phone, in the worker's township."""
    number = make("120113", dt.date(1931, 2, 3), 497, "F")
    phone = "13912345678"
    person = register(name="欧阳明珠", id_number=number, phone=phone)
    return person, number, phone


def count_audit(action: str) -> int:
    return AuditEvent.objects.filter(action=action).count()


# --- the list -------------------------------------------------------------------------------------
def test_the_list_shows_only_persons_in_scope(login: Any) -> None:
    worker_html = login("worker").get("/people/").content.decode()
    neighbour = login("neighbour_worker").get("/people/")
    neighbour_html = neighbour.content.decode()
    mine, theirs = person_ids(worker_html), person_ids(neighbour_html)
    assert mine and theirs and not mine & theirs
    assert set(in_township(GUOYUAN).filter(pk__in=mine).values_list("pk", flat=True)) == mine
    assert set(in_township(JIXIANLI).filter(pk__in=theirs).values_list("pk", flat=True)) == theirs
    assert neighbour.context["page"].paginator.count == in_township(JIXIANLI).count()


def test_the_list_pages_by_50_in_pinyin_order(login: Any) -> None:
    client = login("district_admin")
    response = client.get("/people/")
    page = response.context["page"]
    assert len(page.object_list) == 50
    keys = [p.name_pinyin for p in page.object_list]
    assert keys == sorted(keys)
    second = client.get("/people/?page=2").context["page"]
    assert second.number == 2
    assert not {p.pk for p in page.object_list} & {p.pk for p in second.object_list}


def test_the_list_shows_masked_id_age_village_and_categories_now(
    login: Any, ouyang: tuple[Person, str, str]
) -> None:
    person, number, _phone = ouyang
    services.add_membership(
        actor=SYSTEM,
        person=person,
        category=Category.objects.get(code="dibao"),
        valid_from=dt.date(2024, 1, 1),
        source="civil_affairs",
    )
    services.add_membership(  # ended: not a category "now"
        actor=SYSTEM,
        person=person,
        category=Category.objects.get(code="temp_relief"),
        valid_from=dt.date(2023, 1, 1),
        valid_to=dt.date(2023, 6, 30),
        source="civil_affairs",
    )
    html = login("worker").post("/people/", {"q": "欧阳明珠"}).content.decode()
    row = html[html.index(f'data-person="{person.pk}"') :]
    row = row[: row.index("</li>")]
    assert mask(number) in row and number not in html
    assert str(person.age_on(timezone.localdate())) in row
    assert "低保对象" in row and "临时救助对象" not in row
    assert "高龄老人" in row  # derived from the birth date (born 1931)


def test_the_page_of_persons_costs_a_fixed_number_of_queries(
    login: Any, django_assert_max_num_queries: Any
) -> None:
    client = login("district_admin")
    client.get("/people/")  # warm the session and caches
    with django_assert_max_num_queries(16):
        client.get("/people/?page=2")


def test_sensitive_categories_only_for_those_who_serve_the_person(
    login: Any, ouyang: tuple[Person, str, str]
) -> None:
    person, _number, _phone = ouyang
    services.add_membership(
        actor=SYSTEM,
        person=person,
        category=Category.objects.get(code="disabled"),
        subtype="肢体",
        grade=2,
        valid_from=dt.date(2024, 1, 1),
        source="civil_affairs",
    )
    for who, shown in (("worker", True), ("supervisor", True), ("district_admin", False)):
        client = login(who)
        listed = client.post("/people/", {"q": "欧阳明珠"}).content.decode()
        page = client.get(f"/people/{person.pk}/").content.decode()
        assert ("残疾人" in listed) is shown, who
        assert ("残疾人" in page) is shown, who  # profile, categories and timeline


@pytest.mark.parametrize(
    "query",
    ["明珠", "欧阳", "ouyangmingzhu", "oymz", "OYMZ", "tail4", "tail6", "whole", "phone"],
)
def test_search_by_what_workers_type(
    query: str, login: Any, ouyang: tuple[Person, str, str]
) -> None:
    person, number, phone = ouyang
    typed = {"tail4": number[-4:], "tail6": number[-6:], "whole": number, "phone": phone}.get(
        query, query
    )
    client = login("worker")
    response = client.post("/people/", {"q": typed}, **HTMX)
    assert response.status_code == 200
    assert person.pk in person_ids(response.content.decode())
    assert response["HX-Push-Url"] == "false"  # a search never lands in the address bar
    assert typed not in "".join(urls_in(response.content.decode()))


def test_search_is_post_only_and_csrf_protected(
    persona: Any, ouyang: tuple[Person, str, str]
) -> None:
    person, number, _phone = ouyang
    client = Client(enforce_csrf_checks=True)
    client.force_login(persona("worker"))
    # A search text in a URL is ignored: the whole list is shown, not a search result.
    listed = client.get("/people/", {"q": number})
    assert listed.context["form"].cleaned_data["q"] == ""
    assert listed.context["page"].paginator.count == in_township(GUOYUAN).count()
    assert client.post("/people/", {"q": number}).status_code == 403
    token = client.get("/people/").cookies["csrftoken"].value
    found = client.post("/people/", {"q": number, "csrfmiddlewaretoken": token})
    assert found.status_code == 200
    assert person_ids(found.content.decode()) == {person.pk}


def test_search_combines_with_filters_and_stays_in_scope(
    login: Any, ouyang: tuple[Person, str, str]
) -> None:
    person, number, _phone = ouyang
    worker = login("worker")
    assert person_ids(worker.post("/people/", {"q": "oymz", "age": "80+"}).content.decode()) == {
        person.pk
    }
    assert person.pk not in person_ids(
        worker.post("/people/", {"q": "oymz", "age": "0-5"}).content.decode()
    )
    neighbour = login("neighbour_worker")
    assert neighbour.post("/people/", {"q": number}).context["page"].paginator.count == 0


def test_filters_are_get_parameters(login: Any) -> None:
    client = login("district_admin")
    village = village_of(GUOYUAN)
    response = client.get("/people/", {"region": village.code_str, "risk": "", "age": "60-79"})
    persons = response.context["page"].object_list
    today = timezone.localdate()
    assert persons and all(p.region_id == village.code for p in persons)
    assert all(60 <= (p.age_on(today) or 0) <= 79 for p in persons)
    township = client.get("/people/", {"region": str(GUOYUAN)}).context["page"]
    assert township.paginator.count == in_township(GUOYUAN).count()
    dibao = client.get("/people/", {"category": "dibao"}).context["page"].object_list
    on_today = CategoryMembership.objects.on(today).filter(category__code="dibao")
    assert {p.pk for p in dibao} <= set(on_today.values_list("person_id", flat=True))
    # htmx: the filters are pushed into the address bar as GET parameters
    pushed = client.post("/people/", {"category": "dibao", "q": ""}, **HTMX)
    assert pushed["HX-Push-Url"] == "/people/?category=dibao"


def test_a_division_outside_the_scope_is_not_a_filter(login: Any) -> None:
    client = login("worker")
    response = client.get("/people/", {"region": str(JIXIANLI)})
    assert "region" not in response.context["form"].cleaned_data
    assert response.context["page"].paginator.count == in_township(GUOYUAN).count()


def test_the_navigation_links_to_the_people_list(login: Any) -> None:
    html = login("worker").get("/").content.decode()
    assert '<a class="nav-link" href="/people/">' in html


# --- the person page and reveal -----------------------------------------------------------------
def test_the_person_page_is_audited_and_shows_masked_numbers_only(
    login: Any, ouyang: tuple[Person, str, str]
) -> None:
    person, number, phone = ouyang
    before = count_audit("person.view")
    response = login("worker").get(f"/people/{person.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert count_audit("person.view") == before + 1
    assert mask(number) in html and number not in html
    assert phone not in html and person.phone_masked in html
    assert "no-store" in response["Cache-Control"]
    assert not [u for u in urls_in(html) if number in u or number[-4:] in u]


def test_reveal_shows_the_number_and_is_audited(
    login: Any, ouyang: tuple[Person, str, str]
) -> None:
    person, number, phone = ouyang
    client = login("worker")
    before = count_audit("person.reveal_id")
    response = client.post(f"/people/{person.pk}/reveal/", **HTMX)
    assert response.status_code == 200
    assert number in response.content.decode()
    assert count_audit("person.reveal_id") == before + 1
    event = AuditEvent.objects.filter(action="person.reveal_id").first()
    assert event is not None and event.object_id == str(person.pk)
    assert number not in str(event.details) and number not in event.object_repr
    phone_response = client.post(f"/people/{person.pk}/reveal/?what=phone", **HTMX)
    assert phone in phone_response.content.decode()
    assert count_audit("person.reveal_phone") >= 1
    # without htmx: the person page with the number shown
    page = client.post(f"/people/{person.pk}/reveal/")
    assert page.status_code == 200 and number in page.content.decode()
    assert client.get(f"/people/{person.pk}/reveal/").status_code == 405


@pytest.mark.parametrize("who", ["auditor", "district_admin", "supervisor", "neighbour_worker"])
def test_reveal_is_404_without_the_permission_here(
    who: str, login: Any, ouyang: tuple[Person, str, str]
) -> None:
    person, number, _phone = ouyang
    before = count_audit("access.denied")
    response = login(who).post(f"/people/{person.pk}/reveal/", **HTMX)
    assert response.status_code == 404
    assert number not in response.content.decode()
    assert count_audit("access.denied") == before + 1
    assert not AuditEvent.objects.filter(action="person.reveal_id", object_id=str(person.pk))


def test_the_person_page_offers_reveal_only_with_the_permission(
    login: Any, ouyang: tuple[Person, str, str]
) -> None:
    person, _number, _phone = ouyang
    assert (
        'data-testid="reveal-id"' in login("worker").get(f"/people/{person.pk}/").content.decode()
    )
    html = login("district_admin").get(f"/people/{person.pk}/").content.decode()
    assert 'data-testid="reveal-id"' not in html
    assert f"/people/{person.pk}/edit/" not in html  # no editing for the district office


# --- registration ---------------------------------------------------------------------------------
def form_data(**overrides: Any) -> dict[str, Any]:
    data = {
        "name": "测试人",
        "id_number": "",
        "gender": "F",
        "birth_date": "1950-05-06",
        "ethnicity": "汉族",
        "phone": "",
        "region_code": village_of(GUOYUAN).code_str,
        "hukou_address": "天津市北辰区某路1号",
        "residence_address": "果园里3号楼2门101",
        "living_situation": "alone",
        "note": "测试备注",
    }
    return data | overrides


def field_errors(html: str, field: str) -> list[str]:
    return re.findall(rf'data-field-error="{field}">([^<]*)<', html)


def test_register_a_person_with_an_id_number(login: Any) -> None:
    number = make("120113", dt.date(1948, 7, 9), 488, "M")
    response = login("worker").post(
        "/people/new/", form_data(id_number=number, gender="", birth_date="", languages=["zh"])
    )
    assert response.status_code == 302
    person = Person.objects.get(name="测试人", birth_date=dt.date(1948, 7, 9))
    assert response["Location"] == f"/people/{person.pk}/"
    assert person.gender == "M" and person.id_masked == mask(number)
    assert person.languages == ["zh"] and person.station is not None
    assert number not in response["Location"]


def test_a_bad_checksum_is_shown_at_the_id_field_in_chinese(login: Any) -> None:
    good = make("120113", dt.date(1948, 7, 9), 487, "M")
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    before = Person.objects.count()
    response = login("worker").post("/people/new/", form_data(id_number=bad))
    html = response.content.decode()
    assert response.status_code == 422
    assert field_errors(html, "id_number") == ["校验码错误：该身份号码有输入错误。"]
    assert Person.objects.count() == before
    assert 'value="测试备注"' in html or "测试备注</textarea>" in html  # the input is kept


def test_without_id_number_gender_and_birth_date_are_needed(login: Any) -> None:
    response = login("worker").post("/people/new/", form_data(gender="", birth_date=""))
    html = response.content.decode()
    assert response.status_code == 422
    assert field_errors(html, "gender") and field_errors(html, "birth_date")


def test_a_division_outside_the_scope_is_refused_at_its_field(login: Any) -> None:
    before = Person.objects.count()
    response = login("worker").post(
        "/people/new/", form_data(region_code=village_of(JIXIANLI).code_str)
    )
    assert response.status_code == 422
    assert field_errors(response.content.decode(), "region_code")
    assert Person.objects.count() == before


def test_the_register_form_offers_the_villages_in_scope(login: Any) -> None:
    html = login("worker").get("/people/new/").content.decode()
    assert f'value="{village_of(GUOYUAN).code_str}"' in html
    assert f'value="{village_of(JIXIANLI).code_str}"' not in html


def test_a_possible_duplicate_asks_for_confirmation_and_keeps_the_input(login: Any) -> None:
    existing = register(name="重名人", gender="F", birth_date=dt.date(1950, 5, 6))
    client = login("worker")
    data = form_data(name="重名人", residence_address="另一个地址8号")
    response = client.post("/people/new/", data)
    html = response.content.decode()
    assert response.status_code == 422
    assert Person.objects.filter(name="重名人").count() == 1
    assert 'name="confirm_duplicate"' in html and 'type="checkbox"' in html
    assert 'value="另一个地址8号"' in html and 'value="重名人"' in html
    assert 'value="1950-05-06"' in html
    confirmed = client.post("/people/new/", data | {"confirm_duplicate": "on"})
    assert confirmed.status_code == 302
    assert Person.objects.filter(name="重名人").exclude(pk=existing.pk).count() == 1


def test_an_id_number_registered_already_is_refused(
    login: Any, ouyang: tuple[Person, str, str]
) -> None:
    _person, number, _phone = ouyang
    before = Person.objects.count()
    data = form_data(id_number=number, gender="", birth_date="")
    response = login("worker").post("/people/new/", data)
    assert response.status_code == 422
    assert field_errors(response.content.decode(), "id_number")
    assert Person.objects.count() == before


# --- editing --------------------------------------------------------------------------------------
def edit_data(html: str, **overrides: Any) -> dict[str, Any]:
    version = re.search(r'name="version" value="(\d+)"', html)
    assert version, "the edit form carries the version it was loaded with"
    return {
        "name": "欧阳明珠",
        "ethnicity": "汉族",
        "hukou_address": "",
        "residence_address": "",
        "living_situation": "",
        "note": "",
        "version": version.group(1),
    } | overrides


def test_edit_keeps_numbers_unless_retyped(login: Any, ouyang: tuple[Person, str, str]) -> None:
    person, number, phone = ouyang
    client = login("worker")
    html = client.get(f"/people/{person.pk}/edit/").content.decode()
    assert number not in html and phone not in html
    response = client.post(f"/people/{person.pk}/edit/", edit_data(html, note="更新"))
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.note == "更新" and person.id_number == number and person.phone == phone
    html = client.get(f"/people/{person.pk}/edit/").content.decode()
    client.post(f"/people/{person.pk}/edit/", edit_data(html, phone="13800001234"))
    person.refresh_from_db()
    assert person.phone == "13800001234" and person.id_number == number


def test_a_stale_edit_is_refused_and_nothing_is_lost(
    persona: Any, ouyang: tuple[Person, str, str]
) -> None:
    person, _number, _phone = ouyang
    first, second = Client(), Client()
    first.force_login(persona("worker"))
    second.force_login(persona("station_head"))
    form_one = first.get(f"/people/{person.pk}/edit/").content.decode()
    form_two = second.get(f"/people/{person.pk}/edit/").content.decode()
    saved = first.post(
        f"/people/{person.pk}/edit/", edit_data(form_one, residence_address="第一个人的地址")
    )
    assert saved.status_code == 302
    stale = second.post(f"/people/{person.pk}/edit/", edit_data(form_two, note="第二个人的备注"))
    html = stale.content.decode()
    assert stale.status_code == 422
    assert "Someone else saved this record" in html or "已" in html
    assert "第二个人的备注" in html  # the second editor's input is kept
    person.refresh_from_db()
    assert person.residence_address == "第一个人的地址"  # the first save stands
    assert person.note == ""


# --- categories, risk, consent, status ------------------------------------------------------------
def test_add_and_end_a_category_answers_who_was_in_dibao_in_march(
    login: Any, ouyang: tuple[Person, str, str], persona: Any
) -> None:
    person, _number, _phone = ouyang
    client = login("worker")
    dibao = Category.objects.get(code="dibao")
    response = client.post(
        f"/people/{person.pk}/categories/",
        {"category": dibao.pk, "valid_from": "2025-03-10", "source": "civil_affairs"},
        **HTMX,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="section-categories"' in html
    assert 'id="section-timeline" class="card mb-3" hx-swap-oob="true"' in html
    membership = CategoryMembership.objects.get(person=person, category=dibao)
    ended = client.post(f"/people/memberships/{membership.pk}/end/", {"valid_to": "2025-03-20"})
    assert ended.status_code == 302
    membership.refresh_from_db()
    assert membership.valid_to == dt.date(2025, 3, 20)
    mine = Person.objects.visible_to(persona("worker"))
    march = selectors.members_during(mine, "dibao", dt.date(2025, 3, 1), dt.date(2025, 3, 31))
    april = selectors.members_during(mine, "dibao", dt.date(2025, 4, 1), dt.date(2025, 4, 30))
    assert person in march and person not in april
    page = client.get(f"/people/{person.pk}/").content.decode()
    assert "2025-03-10 – 2025-03-20" in page


def test_category_errors_land_at_their_fields(login: Any, ouyang: tuple[Person, str, str]) -> None:
    person, _number, _phone = ouyang
    client = login("worker")
    disabled = Category.objects.get(code="disabled")
    data = {"category": disabled.pk, "valid_from": "2025-01-01", "source": "screening"}
    response = client.post(f"/people/{person.pk}/categories/", data, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200  # htmx swaps 200 answers only
    assert field_errors(html, "subtype") and field_errors(html, "grade")
    assert "<details open>" in html  # the form stays open with the input
    assert not CategoryMembership.objects.filter(person=person, category=disabled).exists()
    # without htmx: back to the page with the errors as messages
    plain = client.post(f"/people/{person.pk}/categories/", data, follow=True)
    assert plain.redirect_chain[-1][0] == f"/people/{person.pk}/#section-categories"
    assert 'role="alert"' in plain.content.decode()
    ok = client.post(
        f"/people/{person.pk}/categories/",
        data | {"subtype": "肢体", "grade": "2"},
        **HTMX,
    )
    assert ok.status_code == 200
    assert CategoryMembership.objects.get(person=person, category=disabled).grade == 2


def test_ending_before_the_start_is_an_error_at_the_row(
    login: Any, ouyang: tuple[Person, str, str]
) -> None:
    person, _number, _phone = ouyang
    membership = services.add_membership(
        actor=SYSTEM,
        person=person,
        category=Category.objects.get(code="dibao"),
        valid_from=dt.date(2025, 3, 10),
        source="civil_affairs",
    )
    response = login("worker").post(
        f"/people/memberships/{membership.pk}/end/", {"valid_to": "2025-01-01"}, **HTMX
    )
    assert response.status_code == 200
    assert field_errors(response.content.decode(), "valid_to")
    membership.refresh_from_db()
    assert membership.valid_to is None


def test_derived_categories_cannot_be_added(login: Any, ouyang: tuple[Person, str, str]) -> None:
    person, _number, _phone = ouyang
    html = login("worker").get(f"/people/{person.pk}/").content.decode()
    oldest = Category.objects.get(code="oldest_old")
    assert f'<option value="{oldest.pk}">' not in html


def test_risk_level_with_history(login: Any, ouyang: tuple[Person, str, str]) -> None:
    person, _number, _phone = ouyang
    client = login("worker")
    today = timezone.localdate().isoformat()
    for level in ("medium", "crisis"):
        response = client.post(
            f"/people/{person.pk}/risk/",
            {"level": level, "reason": f"原因{level}", "assessed_on": today},
            **HTMX,
        )
        assert response.status_code == 200
    person.refresh_from_db()
    assert person.risk_level == "crisis"
    html = response.content.decode()
    assert 'id="person-summary" class="mb-3" hx-swap-oob="true"' in html
    assert 'data-risk="crisis"' in html and "原因medium" in html
    missing = client.post(f"/people/{person.pk}/risk/", {"level": "high"}, **HTMX)
    assert field_errors(missing.content.decode(), "reason")


def test_a_child_consents_through_the_guardian(login: Any) -> None:
    child = register(
        name="小明", gender="M", birth_date=timezone.localdate() - dt.timedelta(days=365 * 8)
    )
    client = login("worker")
    data = {"basis": "consent", "given_on": timezone.localdate().isoformat(), "given_by": "母亲"}
    refused = client.post(f"/people/{child.pk}/consents/", data, **HTMX)
    assert field_errors(refused.content.decode(), "given_by_guardian")
    assert not child.consents.exists()
    client.post(f"/people/{child.pk}/consents/", data | {"given_by_guardian": "on"}, **HTMX)
    assert child.consents.get().given_by_guardian


def test_status(login: Any, ouyang: tuple[Person, str, str]) -> None:
    person, _number, _phone = ouyang
    response = login("worker").post(f"/people/{person.pk}/status/", {"status": "deceased"})
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.status == "deceased"


def test_households_and_guardians(login: Any, ouyang: tuple[Person, str, str]) -> None:
    person, _number, _phone = ouyang
    spouse = register(name="欧阳老伴", gender="M", birth_date=dt.date(1930, 1, 1))
    child = register(
        name="欧阳小孙", gender="F", birth_date=timezone.localdate().replace(year=2018)
    )
    client = login("worker")
    client.post(f"/people/{person.pk}/household/", {"action": "new", "address": "果园里1号"})
    person.refresh_from_db()
    assert person.household is not None and person.relation == "head"
    response = client.post(
        f"/people/{spouse.pk}/household/",
        {"action": "join", "other": person.pk, "relation": "spouse"},
        **HTMX,
    )
    assert response.status_code == 200
    spouse.refresh_from_db()
    assert spouse.household_id == person.household_id and spouse.relation == "spouse"
    page = client.get(f"/people/{person.pk}/").content.decode()
    assert "欧阳老伴" in page
    missing = client.post(f"/people/{child.pk}/household/", {"action": "join"}, **HTMX)
    assert field_errors(missing.content.decode(), "other")
    client.post(
        f"/people/{child.pk}/guardian/", {"guardian": person.pk, "guardian_relation": "祖母"}
    )
    child.refresh_from_db()
    assert child.guardian_id == person.pk and child.guardian_relation == "祖母"
    assert "欧阳小孙" in client.get(f"/people/{person.pk}/").content.decode()  # a ward


def test_join_a_neighbour_without_a_household(login: Any, ouyang: tuple[Person, str, str]) -> None:
    person, _number, _phone = ouyang
    other = register(name="邻居甲", gender="M", birth_date=dt.date(1960, 1, 1))
    login("worker").post(
        f"/people/{person.pk}/household/",
        {"action": "join", "other": other.pk, "relation": "parent"},
    )
    person.refresh_from_db()
    other.refresh_from_db()
    assert other.household_id and other.household_id == person.household_id
    assert other.relation == "head" and person.relation == "parent"


# --- handover -------------------------------------------------------------------------------------
def test_handover_moves_access_to_the_new_station(
    login: Any, ouyang: tuple[Person, str, str]
) -> None:
    person, _number, _phone = ouyang
    target = village_of(JIXIANLI)
    assert login("worker").get(f"/people/{person.pk}/").status_code == 200
    assert login("neighbour_worker").get(f"/people/{person.pk}/").status_code == 404
    head = login("station_head")
    form = head.get(f"/people/{person.pk}/handover/")
    assert form.status_code == 200
    unconfirmed = head.post(
        f"/people/{person.pk}/handover/",
        {"to_code": target.code_str, "on": timezone.localdate().isoformat()},
    )
    assert unconfirmed.status_code == 422
    assert field_errors(unconfirmed.content.decode(), "confirm")
    assert target.name in unconfirmed.content.decode()  # where to, shown for confirmation
    done = head.post(
        f"/people/{person.pk}/handover/",
        {"to_code": target.code_str, "on": timezone.localdate().isoformat(), "confirm": "on"},
    )
    assert done.status_code == 302 and done["Location"] == "/people/"
    assert login("worker").get(f"/people/{person.pk}/").status_code == 404
    page = login("neighbour_worker").get(f"/people/{person.pk}/")
    assert page.status_code == 200
    assert Residence.objects.filter(person=person).count() == 2
    assert "Handed over to" in page.content.decode() or target.name in page.content.decode()


def test_handover_needs_the_permission(login: Any, ouyang: tuple[Person, str, str]) -> None:
    person, _number, _phone = ouyang
    assert login("worker").get(f"/people/{person.pk}/handover/").status_code == 404
    bad = login("district_admin").post(
        f"/people/{person.pk}/handover/",
        {"to_code": "120113", "on": timezone.localdate().isoformat(), "confirm": "on"},
    )
    assert bad.status_code == 422
    assert field_errors(bad.content.decode(), "to_code")
