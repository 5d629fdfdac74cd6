"""The person API: the same services and selectors as the person pages, as JSON."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shegong.accounts import services as account_services
from shegong.core.idnumber import make
from shegong.core.models import AuditEvent
from shegong.people.models import Person
from shegong.regions.models import Level, Region

pytestmark = pytest.mark.django_db

GUOYUAN = 120113001000  # 果园新村街道: the worker's township
JIXIANLI = 120113002000  # 集贤里街道: the neighbouring worker's township
# A prefix the demo never uses, so invented numbers cannot clash with demo persons.
PREFIX = "120225"


def village(township: int) -> str:
    region = Region.objects.filter(
        level=Level.VILLAGE, code__gt=township, code__lt=township + 1000
    ).first()
    assert region is not None
    return region.code_str


def id_number(birth: dt.date, seq: int, gender: str = "F") -> str:
    return make(PREFIX, birth, seq, gender)


def post(client: Client, url: str, body: dict[str, Any], **extra: Any) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json", **extra)


def register(client: Client, **fields: Any) -> dict[str, Any]:
    body = {"region": village(GUOYUAN), "living_situation": "alone"} | fields
    if not body.get("id_number"):
        body.setdefault("gender", "F")  # without an ID number the gender is required
    response = post(client, "/api/people", body)
    assert response.status_code == 201, response.content.decode()
    return response.json()


def test_create_read_patch_and_a_stale_patch_is_409(login: Any) -> None:
    client = login("worker")
    number = id_number(dt.date(1940, 3, 9), 1, "M")
    created = register(client, name="测试甲", id_number=number, phone="13812345678")
    assert created["gender"] == "M" and created["birth_date"] == "1940-03-09"
    assert created["id_masked"] == number[:6] + "********" + number[-4:]
    assert created["phone_masked"] == "138****5678"
    assert created["station"] == "120113001000" and created["version"] == 1
    assert "oldest_old" in created["categories"]  # derived from the birth date
    assert number not in json.dumps(created) and "13812345678" not in json.dumps(created)

    pk = created["id"]
    reads = AuditEvent.objects.filter(action="person.view", object_id=str(pk)).count()
    detail = client.get(f"/api/people/{pk}")
    assert detail.status_code == 200 and detail["Cache-Control"] == "no-store"
    assert AuditEvent.objects.filter(action="person.view", object_id=str(pk)).count() == reads + 1
    assert detail.json()["residences"][0]["region"] == created["region"]

    patched = client.patch(
        f"/api/people/{pk}",
        {"residence_address": "果园新村3号楼", "expected_version": 1},
        content_type="application/json",
    )
    assert patched.status_code == 200, patched.content
    assert patched.json()["residence_address"] == "果园新村3号楼"
    assert patched.json()["version"] == 2
    assert patched.json()["id_masked"] == created["id_masked"]

    nulls = client.patch(
        f"/api/people/{pk}",
        {"languages": None, "region": None, "note": None, "guardian": None, "phone": None},
        content_type="application/json",
    )
    assert nulls.status_code == 200, nulls.content  # null text means unchanged
    assert nulls.json()["phone_masked"] == "138****5678" and nulls.json()["version"] == 3
    moved = client.patch(
        f"/api/people/{pk}", {"region": village(JIXIANLI)}, content_type="application/json"
    )
    assert moved.status_code == 422 and "region" in moved.json()["errors"]  # a handover

    stale = client.patch(
        f"/api/people/{pk}",
        {"residence_address": "别处", "expected_version": 1},
        content_type="application/json",
    )
    assert stale.status_code == 409
    assert stale.json()["codes"] == {"__all__": ["stale"]} and stale.json()["detail"]
    assert Person.objects.get(pk=pk).residence_address == "果园新村3号楼"


def test_a_possible_duplicate_asks_for_confirmation(login: Any) -> None:
    client = login("worker")
    body = {"name": "测试乙", "gender": "F", "birth_date": "1951-07-01", "region": village(GUOYUAN)}
    assert post(client, "/api/people", body).status_code == 201
    again = post(client, "/api/people", body)
    assert again.status_code == 422
    assert again.json()["codes"] == {"__all__": ["possible_duplicate"]}
    assert list(again.json()["errors"]) == ["__all__"]
    assert post(client, "/api/people", body | {"confirm_duplicate": True}).status_code == 201

    number = id_number(dt.date(1960, 1, 2), 2)
    register(client, name="测试丙", id_number=number)
    same_id = post(
        client, "/api/people", {"name": "别人", "id_number": number, "region": village(GUOYUAN)}
    )
    assert same_id.status_code == 422 and "id_number" in same_id.json()["errors"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "坏号码", "id_number": "120225194803090011"}, "id_number"),  # bad checksum
        ({"name": "未来人", "gender": "M", "birth_date": "2099-01-01"}, "birth_date"),
        ({"name": "未来人", "id_number": make(PREFIX, dt.date(2099, 1, 1), 3, "F")}, "id_number"),
        ({"name": "无名氏", "gender": "X"}, "gender"),
        ({"name": "无名氏", "living_situation": "castle"}, "living_situation"),
        ({"name": "无名氏", "region": "120113"}, "region"),  # a district, not where one lives
        ({"name": "无名氏", "region": "120104001001"}, "region"),  # 南开区: not the worker's
        ({"name": "无名氏", "region": "12345"}, "region"),
        ({"name": ""}, "name"),
        ({"name": "长" * 51}, "name"),
    ],
)
def test_bad_input_is_422_with_the_field_named(
    login: Any, body: dict[str, Any], field: str
) -> None:
    response = post(login("worker"), "/api/people", {"region": village(GUOYUAN)} | body)
    assert response.status_code == 422, response.content.decode()
    assert field in response.json()["errors"], response.json()
    assert not Person.objects.filter(name=body["name"]).exists()


def test_search_by_initials_name_part_id_tail_whole_id_and_phone(login: Any, persona: Any) -> None:
    client = login("worker")
    number = id_number(dt.date(1955, 11, 23), 4, "F")
    pk = register(client, name="欧阳晓岚", id_number=number, phone="13698765432")["id"]

    def found(body: dict[str, Any], who: Client = client) -> list[int]:
        response = post(who, "/api/people/search", body)
        assert response.status_code == 200, response.content
        return [item["id"] for item in response.json()["items"]]

    for q in ["oyxl", "ouyangxiaolan", "晓岚", number[-4:], number[-6:], number, "13698765432"]:
        assert pk in found({"q": q}), q
    assert found({"q": number}) == [pk]
    assert found({"q": f" {number[:6]} {number[6:14]} {number[14:]} "}) == [pk]
    assert found({"q": "oyxl", "risk": "crisis"}) == []  # the list filters apply too
    neighbour = Client()
    neighbour.force_login(persona("neighbour_worker"))
    assert found({"q": number}, neighbour) == []
    assert found({"q": "oyxl"}, neighbour) == []


def test_reveal_is_audited_and_404_for_the_auditor(login: Any, persona: Any) -> None:
    client = login("worker")
    number = id_number(dt.date(1970, 5, 6), 5, "M")
    pk = register(client, name="测试丁", id_number=number, phone="13700001234")["id"]
    before = AuditEvent.objects.filter(object_id=str(pk), action__startswith="person.reveal")
    assert before.count() == 0
    shown = post(client, f"/api/people/{pk}/reveal", {"what": "id_number"})
    assert shown.status_code == 200 and shown.json()["value"] == number
    assert shown["Cache-Control"] == "no-store"
    phone = post(client, f"/api/people/{pk}/reveal", {"what": "phone"})
    assert phone.json()["value"] == "13700001234"
    actions = AuditEvent.objects.filter(object_id=str(pk), action__startswith="person.reveal")
    assert sorted(actions.values_list("action", flat=True)) == [
        "person.reveal_id",
        "person.reveal_phone",
    ]
    assert actions.first().username == "demo_worker"
    bad = post(client, f"/api/people/{pk}/reveal", {"what": "address"})
    assert bad.status_code == 422 and "what" in bad.json()["errors"]

    for name in ("auditor", "district_admin", "neighbour_worker"):
        other = Client()
        other.force_login(persona(name))
        refused = post(other, f"/api/people/{pk}/reveal", {"what": "id_number"})
        assert refused.status_code == 404, name
        assert number not in refused.content.decode()
    # The auditor may read the (masked) record, though.
    auditor = Client()
    auditor.force_login(persona("auditor"))
    assert auditor.get(f"/api/people/{pk}").status_code == 200


def test_memberships_over_time_and_who_was_in_a_category_in_march(login: Any) -> None:
    client = login("worker")
    ended = register(client, name="三月止", birth_date="1950-01-01")["id"]
    april = register(client, name="四月起", birth_date="1950-01-02")["id"]
    whole = register(client, name="一直在", birth_date="1950-01-03")["id"]

    def add(pk: int, **body: Any) -> Any:
        body = {"category": "temp_relief", "source": "civil_affairs"} | body
        return post(client, f"/api/people/{pk}/categories", body)

    first = add(ended, valid_from="2026-01-05")
    assert first.status_code == 201, first.content
    assert add(april, valid_from="2026-04-01").status_code == 201
    assert add(whole, valid_from="2026-02-01", note="民政名单").status_code == 201
    end = post(client, f"/api/memberships/{first.json()['id']}/end", {"valid_to": "2026-03-15"})
    assert end.status_code == 200 and end.json()["valid_to"] == "2026-03-15"
    overlap = add(ended, valid_from="2026-03-01")
    assert overlap.status_code == 422 and "valid_from" in overlap.json()["errors"]

    def ids(url: str) -> set[int]:
        response = client.get(url)
        assert response.status_code == 200, response.content
        return {item["id"] for item in response.json()["items"]}

    march = "/api/categories/temp_relief/members?start=2026-03-01&end=2026-03-31"
    assert ids(march) == {ended, whole}
    assert ids("/api/categories/temp_relief/members?start=2026-04-01&end=2026-04-30") == {
        april,
        whole,
    }
    assert ids("/api/people?category=temp_relief&on=2026-03-15") == {ended, whole}
    assert ids("/api/people?category=temp_relief&on=2026-03-16") == {whole}
    assert ids("/api/people?category=temp_relief") == {april, whole}  # today
    timeline = client.get(f"/api/people/{ended}").json()["timeline"]
    assert [e["date"] for e in timeline if e["kind"] == "category"] == ["2026-03-15", "2026-01-05"]
    history = client.get(f"/api/people/{ended}").json()["category_history"]
    assert [(m["category"], m["valid_from"], m["valid_to"]) for m in history] == [
        ("temp_relief", "2026-01-05", "2026-03-15")
    ]
    bad = client.get("/api/categories/temp_relief/members?start=2026-03-31&end=2026-03-01")
    assert bad.status_code == 422 and "end" in bad.json()["errors"]
    assert client.get("/api/categories/no_such_thing/members").status_code == 404
    assert client.get("/api/people?category=no_such_thing").status_code == 422


def test_category_rules_answer_at_their_field(login: Any) -> None:
    client = login("worker")
    pk = register(client, name="测试戊", birth_date="1980-02-02")["id"]
    for body, field in [
        ({"category": "tekun", "valid_from": "2026-01-01"}, "subtype"),
        ({"category": "disabled", "valid_from": "2026-01-01", "subtype": "视力"}, "grade"),
        ({"category": "oldest_old", "valid_from": "2026-01-01"}, "category"),
        ({"category": "nonsense", "valid_from": "2026-01-01"}, "category"),
        ({"category": "dibao", "valid_from": "2026-01-01", "source": "rumour"}, "source"),
        ({"category": "dibao", "valid_from": "1970-01-01"}, "valid_from"),  # before birth
    ]:
        response = post(client, f"/api/people/{pk}/categories", {"source": "screening"} | body)
        assert response.status_code == 422, (body, response.content)
        assert field in response.json()["errors"], (body, response.json())
    ok = post(
        client,
        f"/api/people/{pk}/categories",
        {"category": "disabled", "valid_from": "2026-01-01", "source": "referral"}
        | {"subtype": "肢体", "grade": 2},
    )
    assert ok.status_code == 201
    assert ok.json() | {"id": 0} == {
        "id": 0,
        "category": "disabled",
        "category_name": ok.json()["category_name"],
        "subtype": "肢体",
        "grade": 2,
        "valid_from": "2026-01-01",
        "valid_to": None,
        "source": "referral",
        "note": "",
    }
    assert "disabled" in client.get(f"/api/people/{pk}").json()["categories"]


def test_the_categories_a_user_can_use(login: Any) -> None:
    categories = {c["code"]: c for c in login("worker").get("/api/categories").json()}
    assert {"dibao", "tekun", "oldest_old", "disabled"} <= set(categories)
    assert categories["oldest_old"]["derived"] is True
    assert categories["disabled"]["graded"] is True and categories["disabled"]["sensitive"]
    assert "肢体" in categories["disabled"]["subtypes"]


def test_handover_moves_access_to_the_new_township(login: Any, persona: Any) -> None:
    worker = login("worker")
    number = id_number(dt.date(1944, 8, 8), 6)
    pk = register(worker, name="测试己", id_number=number)["id"]
    head = Client()
    head.force_login(persona("station_head"))
    # A worker may not hand over (no permission anywhere: 404).
    target = {"to_region": village(JIXIANLI)}
    assert post(worker, f"/api/people/{pk}/handover", target).status_code == 404
    bad = post(head, f"/api/people/{pk}/handover", {"to_region": "120113000000"})
    assert bad.status_code == 422 and "to_region" in bad.json()["errors"]
    moved = post(head, f"/api/people/{pk}/handover", target)
    assert moved.status_code == 200, moved.content
    assert moved.json()["region"] == target["to_region"]
    assert moved.json()["station"] == "120113002000"

    assert worker.get(f"/api/people/{pk}").status_code == 404
    assert post(worker, "/api/people/search", {"q": number}).json()["items"] == []
    assert (
        post(worker, f"/api/people/{pk}/risk", {"level": "low", "reason": "x"}).status_code == 404
    )
    neighbour = Client()
    neighbour.force_login(persona("neighbour_worker"))
    detail = neighbour.get(f"/api/people/{pk}").json()
    today = timezone.localdate().isoformat()
    assert [(r["region"], r["valid_from"], r["valid_to"]) for r in detail["residences"]] == [
        (target["to_region"], today, None),
        (village(GUOYUAN), today, (timezone.localdate() - dt.timedelta(days=1)).isoformat()),
    ]


def test_session_and_token_give_identical_lists(persona: Any) -> None:
    worker = persona("worker")
    _token, secret = account_services.issue_api_token(actor=worker, name="phone")
    by_session = Client()
    by_session.force_login(worker)
    by_token = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    for url in ["/api/people", "/api/people?page=2", "/api/people?age_band=80%2B&risk=medium"]:
        a, b = by_session.get(url), by_token.get(url)
        assert a.status_code == b.status_code == 200
        assert a.json() == b.json()
    body = {"q": "w", "status": "active"}
    assert post(by_session, "/api/people/search", body).json() == (
        post(by_token, "/api/people/search", body).json()
    )


def test_the_list_is_scoped_filtered_paginated_and_sorted_by_pinyin(login: Any) -> None:
    page = login("worker").get("/api/people").json()
    assert page["count"] > 50 and len(page["items"]) == 50
    items = page["items"]
    assert all(i["region"].startswith("120113001") for i in items)
    assert [i["name_pinyin"] for i in items] == sorted(i["name_pinyin"] for i in items)
    assert set(items[0]) == {
        "id", "name", "name_pinyin", "gender", "birth_date", "age", "id_masked",
        "phone_masked", "region", "region_name", "station", "living_situation", "status",
        "risk_level", "categories",
    }  # fmt: skip

    admin = login("district_admin")
    district = admin.get("/api/people?region=120113000000&page_size=500").json()
    assert district["count"] > 0
    assert all(i["region"].startswith("120113") for i in district["items"])
    assert admin.get("/api/people").json()["count"] == district["count"]  # their district
    city = login("city_admin")
    assert city.get("/api/people?region=120113000000").json()["count"] == district["count"]
    assert city.get("/api/people").json()["count"] > district["count"]  # 南开区 too
    township = admin.get("/api/people?region=120113001000").json()["count"]
    assert 0 < township < district["count"]
    admin = login("district_admin")
    old = admin.get("/api/people?age_band=80%2B").json()["items"]
    assert old and all(i["age"] >= 80 and "oldest_old" in i["categories"] for i in old)
    risky = admin.get("/api/people?risk=high").json()["items"]
    assert all(i["risk_level"] == "high" for i in risky)
    assert admin.get("/api/people?region=120104000000").status_code == 404  # not theirs
    for bad in ["risk=extreme", "age_band=90-99", "status=lost", "region=12"]:
        response = admin.get(f"/api/people?{bad}")
        assert response.status_code in (404, 422), bad
        if response.status_code == 422:
            assert bad.split("=")[0] in response.json()["errors"]


def test_risk_consent_and_status(login: Any) -> None:
    client = login("worker")
    child = register(client, name="测试庚", birth_date="2018-06-01", living_situation="")["id"]
    risk = post(client, f"/api/people/{child}/risk", {"level": "high", "reason": "监护缺失"})
    assert risk.status_code == 201 and risk.json()["level"] == "high"
    assert post(client, f"/api/people/{child}/risk", {"level": "extreme"}).status_code == 422
    consent = {"basis": "consent", "given_on": "2026-05-01", "given_by": "孩子本人"}
    refused = post(client, f"/api/people/{child}/consents", consent)
    assert refused.status_code == 422 and "given_by_guardian" in refused.json()["errors"]
    ok = post(client, f"/api/people/{child}/consents", consent | {"given_by_guardian": True})
    assert ok.status_code == 201 and ok.json()["given_by_guardian"] is True
    status = post(client, f"/api/people/{child}/status", {"status": "moved_away"})
    assert status.status_code == 200 and status.json()["status"] == "moved_away"
    assert post(client, f"/api/people/{child}/status", {"status": "gone"}).status_code == 422
    detail = client.get(f"/api/people/{child}").json()
    assert detail["risk_level"] == "high" and detail["risk_history"][0]["reason"] == "监护缺失"
    assert len(detail["consents"]) == 1 and detail["version"] == 3  # risk and status


def test_households_and_guardians(login: Any) -> None:
    client = login("worker")
    grandma = register(client, name="测试奶奶", birth_date="1945-01-01")["id"]
    child = register(
        client, name="测试孙子", birth_date="2017-03-03", guardian=grandma, guardian_relation="祖母"
    )
    assert child["guardian"] == {"id": grandma, "name": "测试奶奶", "relation": "祖母"}
    started = post(client, f"/api/people/{grandma}/household", {"address": "果园新村8号"})
    assert started.status_code == 201, started.content
    joined = post(
        client, f"/api/people/{child['id']}/household", {"join": grandma, "relation": "grandchild"}
    )
    assert joined.status_code == 200, joined.content
    assert {(m["id"], m["relation"]) for m in joined.json()["members"]} == {
        (grandma, "head"),
        (child["id"], "grandchild"),
    }
    detail = client.get(f"/api/people/{child['id']}").json()
    assert detail["household"]["id"] == started.json()["id"]
    assert detail["household"]["address"] == "果园新村8号"
    wards = client.get(f"/api/people/{grandma}").json()["wards"]
    assert wards == [{"id": child["id"], "name": "测试孙子"}]
    left = client.patch(
        f"/api/people/{child['id']}",
        {"household": None, "relation": ""},
        content_type="application/json",
    )
    assert left.status_code == 200 and left.json()["household"] is None
    bad = post(client, f"/api/people/{child['id']}/household", {"join": grandma, "relation": "x"})
    assert bad.status_code == 422 and "relation" in bad.json()["errors"]
    # Joining someone without a household starts one with them as head.
    loner = register(client, name="测试独居", birth_date="1940-04-04")["id"]
    spouse = register(client, name="测试老伴", birth_date="1941-05-05")["id"]
    pair = post(client, f"/api/people/{spouse}/household", {"join": loner, "relation": "spouse"})
    assert pair.status_code == 201
    assert {m["relation"] for m in pair.json()["members"]} == {"head", "spouse"}


def test_references_outside_the_jurisdiction_are_404(login: Any, outside: Any) -> None:
    client = login("worker")
    body = {"name": "测试辛", "region": village(GUOYUAN)}
    assert post(client, "/api/people", body | {"guardian": outside.person.pk}).status_code == 404
    assert post(client, "/api/people", body | {"station": outside.station.code}).status_code == 404
    pk = register(client, name="测试壬", birth_date="1990-09-09")["id"]
    join = post(
        client, f"/api/people/{pk}/household", {"join": outside.person.pk, "relation": "spouse"}
    )
    assert join.status_code == 404
    assert not Person.objects.filter(name="测试辛").exists()


def test_a_page_costs_the_same_queries_whatever_its_size(login: Any) -> None:
    client = login("district_admin")
    client.get("/api/me")  # the first request of a session stamps it (one write); not counted
    counts = []
    for size in (5, 50):
        with CaptureQueriesContext(connection) as queries:
            assert len(client.get(f"/api/people?page_size={size}").json()["items"]) == size
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
