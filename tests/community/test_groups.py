"""Groups (小组工作, MZ/T 095-2017): the plan, every allowed and every forbidden phase change,
members, sessions with attendance, scores before and after, and groups that span communities
(跨社区互助小组) seen and run from each of them."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from shegong.community import group_selectors as selectors
from shegong.community import group_services as services
from shegong.community import group_session_services as session_services
from shegong.community.group_models import TRANSITIONS
from shegong.community.models import (
    Attendance,
    Group,
    GroupMember,
    GroupPhase,
    GroupPhaseChange,
    GroupSession,
)
from shegong.regions.models import Region

from .activity_helpers import CHAOYANG, JIXIANLI_COMMUNITY, XURI, resident, station, today

pytestmark = pytest.mark.django_db

PHASES = list(GroupPhase.values)
ALLOWED = {
    ("preparation", "formation"),
    ("formation", "transition"),
    ("transition", "maturity"),
    ("maturity", "ended"),
    # ending early: a group that does not form, or breaks up
    ("preparation", "ended"),
    ("formation", "ended"),
    ("transition", "ended"),
}


def plan(actor: Any, **change: Any) -> Group:
    fields: dict[str, Any] = {
        "station": station(),
        "name": "长者互助小组",
        "domain": "elderly_care",
        "aims": "减少独居老人的孤独感",
        "planned_sessions": 6,
        "communities": [Region.objects.get(code=CHAOYANG), Region.objects.get(code=XURI)],
        "scale_name": "孤独感",
        "scale_min": 0,
        "scale_max": 10,
        "higher_is_better": False,
    } | change
    return services.create_group(actor=actor, **fields)


def in_phase(actor: Any, phase: str) -> Group:
    """A new group moved along the allowed path up to `phase`."""
    group = plan(actor)
    path = ["formation", "transition", "maturity"]
    for step in path[: path.index(phase) + 1] if phase in path else []:
        services.change_phase(actor=actor, group=group, to=step)
    if phase == "ended":
        services.change_phase(actor=actor, group=group, to="ended")
    group.refresh_from_db()
    assert group.phase == phase
    return group


def test_the_transition_table_is_the_documented_one() -> None:
    table = {(a, b) for a, targets in TRANSITIONS.items() for b in targets}
    assert table == ALLOWED


@pytest.mark.parametrize(("start", "to"), list(itertools.product(PHASES, PHASES)))
def test_every_phase_change(persona: Any, start: str, to: str) -> None:
    worker = persona("worker")
    group = in_phase(worker, start)
    changes = GroupPhaseChange.objects.filter(group=group).count()
    if (start, to) in ALLOWED:
        services.change_phase(actor=worker, group=group, to=to, note="按计划")
        group.refresh_from_db()
        assert group.phase == to
        last = GroupPhaseChange.objects.filter(group=group).last()
        assert last is not None
        assert (last.from_phase, last.to_phase, last.note) == (start, to, "按计划")
        assert services.allowed_phases(group) == [p for p in PHASES if (to, p) in ALLOWED]
    else:
        with pytest.raises(ValidationError) as e:
            services.change_phase(actor=worker, group=group, to=to)
        assert "phase" in e.value.message_dict
        group.refresh_from_db()
        assert group.phase == start
        assert GroupPhaseChange.objects.filter(group=group).count() == changes


def test_an_unknown_phase_or_a_future_date_is_refused(persona: Any) -> None:
    worker = persona("worker")
    group = plan(worker)
    with pytest.raises(ValidationError) as e:
        services.change_phase(actor=worker, group=group, to="forming")
    assert "phase" in e.value.message_dict
    with pytest.raises(ValidationError) as e:
        services.change_phase(
            actor=worker, group=group, to="formation", on=today() + dt.timedelta(days=1)
        )
    assert "on" in e.value.message_dict
    group.refresh_from_db()
    assert group.phase == "preparation"


def test_the_plan_is_checked(persona: Any) -> None:
    worker = persona("worker")
    with pytest.raises(ValidationError) as e:
        plan(
            worker,
            name="",
            aims="",
            planned_sessions=0,
            scale_min=5,
            scale_max=5,
            starts_on=today(),
            ends_on=today() - dt.timedelta(days=1),
        )
    assert set(e.value.message_dict) >= {"name", "aims", "planned_sessions", "scale_max", "ends_on"}
    with pytest.raises(ValidationError) as e:
        plan(worker, communities=[Region.objects.get(code=JIXIANLI_COMMUNITY)])
    assert "communities" in e.value.message_dict
    assert not Group.objects.filter(name="长者互助小组").exists()


def test_sessions_are_held_from_formation_until_the_end(persona: Any) -> None:
    worker = persona("worker")
    group = plan(worker)
    with pytest.raises(ValidationError) as e:
        session_services.record_session(actor=worker, group=group, held_on=today(), topic="相识")
    assert "held_on" in e.value.message_dict
    services.change_phase(actor=worker, group=group, to="formation")
    s1 = session_services.record_session(actor=worker, group=group, held_on=today(), topic="相识")
    s2 = session_services.record_session(actor=worker, group=group, held_on=today(), topic="分享")
    assert (s1.number, s2.number) == (1, 2)
    services.change_phase(actor=worker, group=group, to="ended")
    with pytest.raises(ValidationError):
        session_services.record_session(actor=worker, group=group, held_on=today(), topic="再聚")
    assert GroupSession.objects.filter(group=group).count() == 2


def test_session_attendance_members_only_never_in_the_future(persona: Any) -> None:
    worker = persona("worker")
    group = in_phase(worker, "formation")
    a, b, stranger = resident(worker), resident(worker), resident(worker)
    for p in (a, b):
        services.add_member(actor=worker, group=group, person=p)
    with pytest.raises(ValidationError) as e:
        session_services.record_session(
            actor=worker, group=group, held_on=today(), topic="相识", present=[a, stranger]
        )
    assert "present" in e.value.message_dict
    with pytest.raises(ValidationError) as e:
        session_services.record_session(
            actor=worker,
            group=group,
            held_on=today() + dt.timedelta(days=1),
            topic="相识",
            present=[a],
        )
    assert "held_on" in e.value.message_dict
    with pytest.raises(ValidationError) as e:
        session_services.record_session(
            actor=worker, group=group, held_on=today(), topic="相识", others_count=-2
        )
    assert "others_count" in e.value.message_dict
    assert not GroupSession.objects.filter(group=group).exists()

    session = session_services.record_session(
        actor=worker, group=group, held_on=today(), topic="相识", present=[a, b], others_count=1
    )
    assert (session.named_count, session.person_times) == (2, 3)
    session_services.update_session(
        actor=worker, session=session, held_on=today(), topic="相识", present=[b], others_count=0
    )
    session.refresh_from_db()
    assert (session.named_count, session.person_times) == (1, 1)
    assert list(Attendance.objects.filter(session=session).values_list("person_id", flat=True)) == [
        b.pk
    ]
    rows = {r.member.person_id: r.sessions for r in selectors.members_of(worker, group)}
    assert rows == {a.pk: 0, b.pk: 1}


def test_members_join_leave_and_rejoin(persona: Any) -> None:
    worker = persona("worker")
    group = in_phase(worker, "formation")
    p = resident(worker)
    services.add_member(actor=worker, group=group, person=p)
    with pytest.raises(ValidationError) as e:
        services.add_member(actor=worker, group=group, person=p)
    assert "person" in e.value.message_dict
    services.remove_member(actor=worker, group=group, person=p)
    member = GroupMember.objects.get(group=group, person=p)
    assert member.left_on == today()
    services.add_member(actor=worker, group=group, person=p)
    member.refresh_from_db()
    assert member.left_on is None
    with pytest.raises(ValidationError) as e:
        services.add_member(
            actor=worker, group=group, person=resident(worker), joined_on=today() + dt.timedelta(1)
        )
    assert "joined_on" in e.value.message_dict


def test_scores_before_and_after_on_the_groups_scale(persona: Any) -> None:
    worker = persona("worker")
    group = in_phase(worker, "formation")  # loneliness 0-10, lower is better
    a, b, c = (resident(worker) for _i in range(3))
    for p in (a, b, c):
        services.add_member(actor=worker, group=group, person=p)
    with pytest.raises(ValidationError) as e:
        services.record_scores(actor=worker, group=group, scores={a.pk: (11, 3)})
    assert "scores" in e.value.message_dict
    assert GroupMember.objects.get(group=group, person=a).score_before is None
    services.record_scores(
        actor=worker, group=group, scores={a.pk: (8, 4), b.pk: (6, 6), c.pk: (3, None)}
    )
    ev = selectors.evaluation_of(group)
    assert (ev.pairs, ev.improved, ev.unchanged, ev.worse) == (2, 1, 1, 0)
    assert ev.mean_before == 7.0
    assert ev.mean_after == 5.0
    assert ev.change == -2.0


# --- across communities ---------------------------------------------------------------------------
def test_a_cross_community_group_is_seen_and_run_from_each_of_its_places(
    persona: Any, system: Any
) -> None:
    """A 跨社区互助小组 of 果园新村's station that also serves a community of 集贤里: the
    neighbouring township's worker sees and runs it; 南开's office does not see it."""
    worker, neighbour = persona("worker"), persona("neighbour_worker")
    group = plan(
        system,
        communities=[
            Region.objects.get(code=CHAOYANG),
            Region.objects.get(code=JIXIANLI_COMMUNITY),
        ],
    )
    assert selectors.place_codes(group) == [CHAOYANG, JIXIANLI_COMMUNITY]
    for name in ("worker", "neighbour_worker", "station_head", "district_admin", "city_admin"):
        assert selectors.groups_for(persona(name)).filter(pk=group.pk).exists(), name
    assert not selectors.groups_for(persona("other_district_admin")).filter(pk=group.pk).exists()

    services.change_phase(actor=neighbour, group=group, to="formation")
    theirs = resident(neighbour, region=JIXIANLI_COMMUNITY)
    ours = resident(worker)
    services.add_member(actor=neighbour, group=group, person=theirs)
    services.add_member(actor=worker, group=group, person=ours)
    session = session_services.record_session(
        actor=neighbour, group=group, held_on=today(), topic="互助", present=[theirs, ours]
    )
    assert session.named_count == 2
    # Each worker sees the names of their own residents only.
    visible = {r.member.person_id: r.visible for r in selectors.members_of(neighbour, group)}
    assert visible == {theirs.pk: True, ours.pk: False}
    # A worker of one of its places cannot add a place outside their own jurisdiction.
    with pytest.raises(ValidationError) as e:
        services.update_group(
            actor=worker,
            group=group,
            communities=[*group.communities.all(), Region.objects.get(code=120113002002)],
        )
    assert "communities" in e.value.message_dict
    # ... but keeps the places others added when changing its own.
    services.update_group(
        actor=worker,
        group=group,
        communities=[*group.communities.all(), Region.objects.get(code=XURI)],
    )
    assert selectors.place_codes(group) == [CHAOYANG, XURI, JIXIANLI_COMMUNITY]


def test_a_group_of_another_township_is_not_run_by_the_neighbour(persona: Any) -> None:
    worker, neighbour = persona("worker"), persona("neighbour_worker")
    group = plan(worker)
    assert not selectors.groups_for(neighbour).filter(pk=group.pk).exists()
    with pytest.raises(ValidationError):
        services.change_phase(actor=neighbour, group=group, to="formation")
    with pytest.raises(ValidationError):
        services.add_member(actor=persona("district_admin"), group=group, person=resident(worker))
    group.refresh_from_db()
    assert group.phase == "preparation"


def test_sessions_attended_are_on_the_person_timeline_and_panel(login: Any, persona: Any) -> None:
    from shegong.people import timeline

    worker = persona("worker")
    group = in_phase(worker, "formation")
    person = resident(worker)
    services.add_member(actor=worker, group=group, person=person)
    session = session_services.record_session(
        actor=worker, group=group, held_on=today(), topic="相识", present=[person]
    )
    events = [e for e in timeline.events_for(person, worker) if e.kind == "group"]
    assert [e.url for e in events] == [f"/groups/sessions/{session.pk}/"]
    neighbour = persona("neighbour_worker")
    assert all(e.kind != "group" for e in timeline.events_for(person, neighbour))
    page = login("worker").get(f"/people/{person.pk}/").content.decode()
    assert f'data-group="{group.pk}"' in page


def test_a_member_added_after_the_first_session_joined_on_its_day(persona: Any) -> None:
    worker = persona("worker")
    group = in_phase(worker, "formation")
    p, gone = resident(worker), resident(worker)
    services.add_member(actor=worker, group=group, person=p)  # today, after the session
    services.add_member(
        actor=worker, group=group, person=gone, joined_on=today() - dt.timedelta(days=20)
    )
    services.remove_member(
        actor=worker, group=group, person=gone, left_on=today() - dt.timedelta(days=10)
    )
    last_week = today() - dt.timedelta(days=7)
    with pytest.raises(ValidationError) as e:
        session_services.record_session(
            actor=worker, group=group, held_on=last_week, topic="相识", present=[p, gone]
        )
    assert "present" in e.value.message_dict  # `gone` had left by then
    session_services.record_session(
        actor=worker, group=group, held_on=last_week, topic="相识", present=[p]
    )
    assert GroupMember.objects.get(group=group, person=p).joined_on == last_week
