"""The group pages: planning a group, its page, phase changes, members (search and add),
scores, and recording and correcting sessions."""

from __future__ import annotations

from typing import Any

import pytest

from shegong.community import group_services as services
from shegong.community.models import Group, GroupMember, GroupSession
from shegong.core.models import AuditEvent
from tests.conftest import Outside

from .activity_helpers import CHAOYANG, XURI, resident, station, today

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def plan_data(**change: Any) -> dict[str, Any]:
    return {
        "name": "青少年成长小组",
        "station": station().pk,
        "domain": "child_welfare",
        "communities": [CHAOYANG, XURI],
        "aims": "提升自信",
        "target_members": "10-14岁留守儿童",
        "recruitment": "学校推荐",
        "planned_sessions": "6",
        "scale_name": "自信心",
        "scale_min": "0",
        "scale_max": "10",
        "higher_is_better": "on",
    } | change


def formed_group(actor: Any) -> Group:
    group = services.create_group(
        actor=actor,
        station=station(),
        name="长者健康小组",
        domain="elderly_care",
        aims="健康",
        planned_sessions=4,
    )
    return services.change_phase(actor=actor, group=group, to="formation")


def test_a_worker_plans_a_group_and_moves_it_along(login: Any) -> None:
    client = login("worker")
    assert client.get("/groups/new/").status_code == 200
    response = client.post("/groups/new/", plan_data())
    assert response.status_code == 302
    group = Group.objects.get(name="青少年成长小组")
    assert response["Location"] == f"/groups/{group.pk}/"
    assert sorted(group.communities.values_list("code", flat=True)) == [CHAOYANG, XURI]
    page = client.get(f"/groups/{group.pk}/").content.decode()
    assert 'data-testid="phase-form"' in page
    assert f'data-group="{group.pk}"' in client.get("/groups/").content.decode()
    bad = client.post(f"/groups/{group.pk}/phase/", {"to": "maturity", "on": today().isoformat()})
    assert bad.status_code == 422
    assert 'data-field-error="to"' in bad.content.decode()
    ok = client.post(f"/groups/{group.pk}/phase/", {"to": "formation", "on": today().isoformat()})
    assert ok.status_code == 302
    group.refresh_from_db()
    assert group.phase == "formation"
    edit = client.post(
        f"/groups/{group.pk}/edit/", plan_data(name="青少年成长小组（一期）", planned_sessions="8")
    )
    assert edit.status_code == 302
    group.refresh_from_db()
    assert (group.name, group.planned_sessions) == ("青少年成长小组（一期）", 8)


def test_bad_plan_is_refused_at_the_fields(login: Any) -> None:
    response = login("worker").post(
        "/groups/new/", plan_data(planned_sessions="0", scale_max="0", name="坏小组")
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert 'data-field-error="planned_sessions"' in html
    assert 'data-field-error="scale_max"' in html
    assert not Group.objects.filter(name="坏小组").exists()


def test_members_sessions_and_scores(login: Any, persona: Any) -> None:
    worker = persona("worker")
    group = formed_group(worker)
    a, b = resident(worker, name="组员甲"), resident(worker, name="组员乙")
    client = login("worker")
    found = client.post(f"/groups/{group.pk}/members/search/", {"q": "组员"}, **HTMX)
    assert f'data-person="{a.pk}"' in found.content.decode()
    for p in (a, b):
        assert client.post(f"/groups/{group.pk}/members/add/", {"person": p.pk}).status_code == 302
    assert GroupMember.objects.filter(group=group, left_on=None).count() == 2
    form = client.get(f"/groups/{group.pk}/sessions/new/")
    assert form.status_code == 200
    response = client.post(
        f"/groups/{group.pk}/sessions/new/",
        {
            "held_on": today().isoformat(),
            "topic": "认识彼此",
            "present": [a.pk, b.pk],
            "others_count": "1",
            "notes": "气氛融洽",
        },
    )
    assert response.status_code == 302
    session = GroupSession.objects.get(group=group)
    assert (session.number, session.person_times) == (1, 3)
    detail = client.get(f"/groups/sessions/{session.pk}/").content.decode()
    assert 'data-testid="person-times">3<' in detail
    edit = client.post(
        f"/groups/sessions/{session.pk}/edit/",
        {
            "held_on": today().isoformat(),
            "topic": "认识彼此",
            "present": [a.pk],
            "others_count": "-1",
        },
    )
    assert edit.status_code == 422
    assert 'data-field-error="others_count"' in edit.content.decode()
    session.refresh_from_db()
    assert session.person_times == 3
    scores = client.post(
        f"/groups/{group.pk}/scores/",
        {f"before_{a.pk}": "3", f"after_{a.pk}": "8", f"before_{b.pk}": "5"},
    )
    assert scores.status_code == 302
    page = client.get(f"/groups/{group.pk}/").content.decode()
    assert 'data-testid="improved">1 / 0 / 0<' in page
    assert client.post(f"/groups/{group.pk}/members/remove/", {"person": b.pk}).status_code == 302
    assert GroupMember.objects.get(group=group, person=b).left_on == today()


def test_adding_a_person_outside_the_jurisdiction_is_404(
    login: Any, persona: Any, outside: Outside
) -> None:
    group = formed_group(persona("worker"))
    before = AuditEvent.objects.filter(action="access.denied").count()
    response = login("worker").post(
        f"/groups/{group.pk}/members/add/", {"person": outside.person.pk}
    )
    assert response.status_code == 404
    assert AuditEvent.objects.filter(action="access.denied").count() == before + 1
    assert not GroupMember.objects.filter(group=group).exists()


def test_offices_see_groups_but_do_not_run_them(login: Any, persona: Any) -> None:
    group = formed_group(persona("worker"))
    client = login("district_admin")
    assert client.get(f"/groups/{group.pk}/").status_code == 200
    assert 'data-testid="phase-form"' not in client.get(f"/groups/{group.pk}/").content.decode()
    assert client.get(f"/groups/{group.pk}/sessions/new/").status_code == 404
    assert login("neighbour_worker").get(f"/groups/{group.pk}/").status_code == 404
