"""Residents' requests (居民诉求): triage (轻重缓急) for every combination, deadlines, assignment
only within the station, the life cycle, satisfaction, the overdue list, the public intake."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.test import override_settings
from django.utils import timezone

from shegong.community import request_rules as rules
from shegong.community import request_selectors as sel
from shegong.community import request_services as svc
from shegong.community.request_models import (
    Priority,
    RequestEvent,
    RequestStatus,
    ResidentRequest,
)
from shegong.core.models import AuditEvent
from shegong.regions.models import Region, Station

pytestmark = pytest.mark.django_db

GUOYUAN = 120113001000  # 果园新村街道
CHAOYANG = 120113001009  # 朝阳里社区
JIXIANLI = 120113002000  # 集贤里街道

P = Priority
# (urgency, importance) → priority: the whole table, written out.
TRIAGE_TABLE = {
    ("high", "high"): P.CRITICAL,
    ("high", "medium"): P.HIGH,
    ("medium", "high"): P.HIGH,
    ("high", "low"): P.NORMAL,
    ("medium", "medium"): P.NORMAL,
    ("low", "high"): P.NORMAL,
    ("medium", "low"): P.LOW,
    ("low", "medium"): P.LOW,
    ("low", "low"): P.LOW,
}


def today() -> dt.date:
    return timezone.localdate()


def station(code: int = GUOYUAN) -> Station:
    return Station.objects.get(region_id=code, kind="township")


def lamp(actor: Any, **extra: Any) -> ResidentRequest:
    """The seeds' example: an elderly resident living alone needs a lamp changed."""
    fields: dict[str, Any] = {
        "station": station(),
        "channel": "phone",
        "resident_name": "王奶奶",
        "contact": "13800001111",
        "title": "独居老人需要换灯泡",
        "topic": "home_help",
        "community": Region.objects.get(code=CHAOYANG),
    } | extra
    return svc.submit_request(actor=actor, **fields)


# --- triage ----------------------------------------------------------------------------------
@pytest.mark.dbless
@pytest.mark.parametrize(("urgency", "importance"), sorted(TRIAGE_TABLE))
def test_triage_gives_the_priority_for_every_combination(urgency: str, importance: str) -> None:
    assert rules.priority_for(urgency, importance) == TRIAGE_TABLE[(urgency, importance)]


@pytest.mark.dbless
def test_triage_is_symmetric_and_monotone() -> None:
    levels = ("low", "medium", "high")
    for u in levels:
        for i in levels:
            assert rules.priority_for(u, i) == rules.priority_for(i, u)
            if u != "high":
                higher = levels[levels.index(u) + 1]
                assert rules.priority_for(higher, i) <= rules.priority_for(u, i)
    with pytest.raises(ValueError):
        rules.priority_for("very", "high")


@pytest.mark.dbless
def test_deadline_days_are_configurable() -> None:
    assert [rules.deadline_days(p) for p in (1, 2, 3, 4, None)] == [1, 3, 7, 14, 2]
    with override_settings(SHEGONG_REQUEST_DEADLINE_DAYS={1: 0, "4": 30, "triage": 1}):
        assert [rules.deadline_days(p) for p in (1, 2, 3, 4, None)] == [0, 3, 7, 30, 1]


def test_intake_with_triage_sets_priority_and_deadline(persona: Any) -> None:
    worker = persona("worker")
    req = lamp(worker, urgency="medium", importance="medium")
    assert req.priority == P.NORMAL
    assert req.deadline == today() + dt.timedelta(days=7)
    assert req.contact_masked == "138****1111" and req.contact == "13800001111"
    assert req.region_code == CHAOYANG and req.status == RequestStatus.NEW
    untriaged = lamp(worker)
    assert untriaged.priority is None
    assert untriaged.deadline == today() + dt.timedelta(days=2)  # due for triage
    assert AuditEvent.objects.filter(action="request.submit", object_id=str(req.pk)).exists()


def test_intake_refuses_bad_input_and_saves_nothing(persona: Any) -> None:
    before = ResidentRequest.objects.count()
    with pytest.raises(ValidationError) as e:
        lamp(
            persona("worker"),
            channel="telepathy",
            resident_name="",
            title="",
            contact="12",
            topic="x",
            received_on=today() + dt.timedelta(days=1),
            urgency="high",
            importance="enormous",
            community=Region.objects.get(code=120113002001),  # 集贤里's
        )
    assert set(e.value.message_dict) >= {
        "channel",
        "resident_name",
        "title",
        "contact",
        "topic",
        "received_on",
        "importance",
        "community",
    }
    assert ResidentRequest.objects.count() == before


def test_the_next_station_cannot_take_our_requests(persona: Any) -> None:
    with pytest.raises(ValidationError) as e:
        lamp(persona("neighbour_worker"))
    assert "station" in e.value.message_dict


# --- assignment ------------------------------------------------------------------------------
def test_assignment_to_a_worker_of_another_station_is_refused(persona: Any) -> None:
    head = persona("station_head")
    req = lamp(head, urgency="high", importance="low")
    with pytest.raises(ValidationError) as e:
        svc.assign_request(actor=head, request=req, assignee=persona("neighbour_worker"))
    assert "assigned_to" in e.value.message_dict
    req.refresh_from_db()
    assert req.assigned_to is None and req.status == RequestStatus.NEW
    assert not RequestEvent.objects.filter(request=req, action="assign").exists()
    for outsider in ("district_admin", "supervisor"):  # no station role: not a worker there
        with pytest.raises(ValidationError):
            svc.assign_request(actor=head, request=req, assignee=persona(outsider))
    assert {"demo_worker", "demo_station_head"} <= {
        u.username for u in rules.eligible_assignees(req.station)
    }
    assert persona("neighbour_worker") not in rules.eligible_assignees(req.station)


def test_assignment_at_intake_is_checked_too(persona: Any) -> None:
    head = persona("station_head")
    before = ResidentRequest.objects.count()
    with pytest.raises(ValidationError) as e:
        lamp(head, urgency="high", importance="high", assigned_to=persona("neighbour_worker"))
    assert "assigned_to" in e.value.message_dict
    with pytest.raises(ValidationError) as e:  # untriaged
        lamp(head, assigned_to=persona("worker"))
    assert "assigned_to" in e.value.message_dict
    assert ResidentRequest.objects.count() == before
    req = lamp(head, urgency="high", importance="high", assigned_to=persona("worker"))
    assert req.status == RequestStatus.ASSIGNED and req.assigned_to == persona("worker")


# --- life cycle ------------------------------------------------------------------------------
def test_the_life_cycle_from_intake_to_satisfaction(persona: Any) -> None:
    head, worker = persona("station_head"), persona("worker")
    req = svc.submit_request(
        actor=worker,
        station=station(),
        channel="grid_worker",
        resident_name="张先生",
        title="居民需要安全的电动车充电设施",
        topic="safety",
        description="存车处只能存放不能充电，居民带电瓶上楼有安全隐患。",
    )
    with pytest.raises(ValidationError):  # not triaged yet
        svc.assign_request(actor=head, request=req, assignee=worker)
    svc.triage_request(actor=head, request=req, urgency="medium", importance="high")
    assert (req.priority, req.deadline) == (P.HIGH, today() + dt.timedelta(days=3))
    with pytest.raises(ValidationError) as e:  # cannot resolve before it is assigned
        svc.resolve_request(actor=worker, request=req, resolution="装好了")
    assert "status" in e.value.message_dict
    svc.assign_request(actor=head, request=req, assignee=worker)
    assert sel.assigned_to_me(worker).filter(pk=req.pk).exists()
    svc.start_request(actor=worker, request=req)
    assert req.status == RequestStatus.IN_PROGRESS
    with pytest.raises(ValidationError) as e:
        svc.resolve_request(actor=worker, request=req, resolution=" ", satisfaction=9)
    assert set(e.value.message_dict) == {"resolution", "satisfaction"}
    svc.resolve_request(
        actor=worker, request=req, resolution="联系有资质的单位在存车处安装了自动断电的充电设施"
    )
    assert req.status == RequestStatus.RESOLVED and req.resolved_on == today()
    assert not sel.assigned_to_me(worker).filter(pk=req.pk).exists()
    svc.record_satisfaction(actor=worker, request=req, satisfaction=5, note="很满意")
    with pytest.raises(ValidationError) as e:
        svc.record_satisfaction(actor=worker, request=req, satisfaction=4)
    assert "satisfaction" in e.value.message_dict
    req.refresh_from_db()
    assert req.satisfaction == 5
    actions = [e.action for e in sel.history(req)]
    assert actions == ["intake", "triage", "assign", "start", "resolve", "satisfaction"]
    with pytest.raises(ValidationError):  # resolved is final
        svc.close_request(actor=head, request=req, reason="重复")


def test_a_stale_copy_cannot_move_a_request_twice(persona: Any) -> None:
    head, worker = persona("station_head"), persona("worker")
    req = lamp(head, urgency="high", importance="high", assigned_to=worker)
    stale = ResidentRequest.objects.get(pk=req.pk)
    svc.close_request(actor=head, request=req, reason="居民自己解决了")
    with pytest.raises(ValidationError) as e:
        svc.start_request(actor=worker, request=stale)
    assert "status" in e.value.message_dict
    assert ResidentRequest.objects.get(pk=req.pk).status == RequestStatus.CLOSED


def test_closing_needs_a_reason(persona: Any) -> None:
    req = lamp(persona("worker"))
    with pytest.raises(ValidationError) as e:
        svc.close_request(actor=persona("worker"), request=req, reason="  ")
    assert "reason" in e.value.message_dict
    assert ResidentRequest.objects.get(pk=req.pk).status == RequestStatus.NEW


def test_offices_see_requests_but_do_not_work_on_them(persona: Any) -> None:
    req = lamp(persona("worker"))
    admin = persona("district_admin")
    assert sel.get_request_for(admin, req.pk) == req
    with pytest.raises(ValidationError):
        svc.triage_request(actor=admin, request=req, urgency="high", importance="high")
    with pytest.raises(Http404):
        sel.get_request_for(persona("neighbour_worker"), req.pk)
    with pytest.raises(ValidationError):
        svc.reveal_contact(actor=admin, request=req)
    assert svc.reveal_contact(actor=persona("worker"), request=req) == "13800001111"
    assert AuditEvent.objects.filter(action="request.reveal_contact", object_id=str(req.pk))


# --- overdue ---------------------------------------------------------------------------------
def test_the_overdue_list(persona: Any) -> None:
    head, worker = persona("station_head"), persona("worker")
    old = lamp(worker, received_on=today() - dt.timedelta(days=10), urgency="high",
               importance="medium")  # fmt: skip  # P2: due 3 days after, i.e. 7 days ago
    untriaged = lamp(worker, received_on=today() - dt.timedelta(days=3))  # triage was due
    fresh = lamp(worker, urgency="low", importance="low")
    done = lamp(
        worker,
        received_on=today() - dt.timedelta(days=20),
        urgency="high",
        importance="high",
        assigned_to=worker,
    )
    svc.resolve_request(actor=worker, request=done, resolution="已换好灯泡")
    overdue = list(sel.overdue(sel.requests_for(head)))
    assert old in overdue and untriaged in overdue
    assert fresh not in overdue and done not in overdue
    assert overdue.index(old) < overdue.index(untriaged)  # the longest overdue first
    assert sel.days_overdue(old) == 7 and sel.days_overdue(done) == 0
    assert old in sel.overdue_overseen(head)
    assert not sel.overdue_overseen(worker).exists()  # workers do not oversee
    assert old in sel.overdue_overseen(persona("district_admin"))
    assert not sel.overdue_overseen(persona("other_district_admin")).filter(pk=old.pk).exists()
    counts = sel.station_counts(head, station())
    assert counts.overdue >= 2 and counts.open >= 3
    # Re-triage moves the deadline: the old request becomes P4, due 14 days after receipt.
    svc.triage_request(actor=head, request=old, urgency="low", importance="low")
    assert old not in sel.overdue(sel.requests_for(head))


# --- the public service map ------------------------------------------------------------------
def test_a_public_request_arrives_untriaged_with_a_phone_to_call_back(persona: Any) -> None:
    with pytest.raises(ValidationError) as e:
        svc.submit_public_request(
            station=station(), resident_name="李", contact="", title="路灯坏了"
        )
    assert "contact" in e.value.message_dict
    req = svc.submit_public_request(
        station=station(), resident_name="李女士", contact="022-26001234", title="楼道灯坏了"
    )
    assert (req.channel, req.priority, req.received_by) == ("public_map", None, None)
    assert req.contact_masked and req.deadline == today() + dt.timedelta(days=2)
    event = AuditEvent.objects.get(action="request.submit", object_id=str(req.pk))
    assert event.username == "public" and event.user is None
    assert req in sel.requests_for(persona("worker"))
