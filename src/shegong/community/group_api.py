"""Groups (小组) as JSON: the list and one group, planning and changing it, phase changes,
members, scores before and after, and sessions with attendance. Mounted on activity_api's
router. A group, session, station, division or person outside the caller's jurisdiction is 404
with an audit row; bad input is 422 keyed by field.
"""
# No `from __future__ import annotations` here: django-ninja resolves the annotations of the
# decorated view functions at import time.

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from shegong.core.api import api_requires
from shegong.core.perms import ACTIVITY_MANAGE, ACTIVITY_VIEW, PERSON_VIEW
from shegong.people import selectors as people_selectors
from shegong.people.models import Person
from shegong.regions import selectors as region_selectors
from shegong.regions.models import Region

from . import group_selectors as selectors
from . import group_services as services
from . import group_session_services as session_services
from .group_models import Group, GroupMember, GroupSession

router = Router(tags=["groups"])


class GroupOut(Schema):
    id: int
    name: str
    domain: str
    station: str
    station_name: str
    phase: str
    communities: list[str]
    aims: str
    target_members: str
    recruitment: str
    planned_sessions: int
    starts_on: dt.date | None
    ends_on: dt.date | None
    scale_name: str
    scale_min: int
    scale_max: int
    higher_is_better: bool
    evaluation_summary: str
    sessions_held: int


class GroupIn(Schema):
    station: str  # station code
    name: str
    domain: str
    aims: str
    planned_sessions: int
    communities: list[str] = []  # 12-digit division codes
    target_members: str = ""
    recruitment: str = ""
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    scale_name: str = ""
    scale_min: int = 0
    scale_max: int = 10
    higher_is_better: bool = True


class GroupPatch(Schema):
    name: str | None = None
    domain: str | None = None
    aims: str | None = None
    planned_sessions: int | None = None
    communities: list[str] | None = None
    target_members: str | None = None
    recruitment: str | None = None
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    scale_name: str | None = None
    scale_min: int | None = None
    scale_max: int | None = None
    higher_is_better: bool | None = None
    evaluation_summary: str | None = None


class PhaseIn(Schema):
    to: str
    on: dt.date | None = None
    note: str = ""


class PersonIn(Schema):
    person: int


class MemberOut(Schema):
    person: int
    person_name: str | None  # None: a person the caller may not see
    joined_on: dt.date
    left_on: dt.date | None
    score_before: int | None
    score_after: int | None
    sessions_attended: int


class ScoreIn(Schema):
    person: int
    before: int | None = None
    after: int | None = None


class ScoresIn(Schema):
    scores: list[ScoreIn]


class SessionIn(Schema):
    held_on: dt.date
    topic: str
    notes: str = ""
    present: list[int] = []  # person ids of members
    others_count: int = 0


class SessionOut(Schema):
    id: int
    group: int
    number: int
    held_on: dt.date
    topic: str
    notes: str
    present: list[int]
    named_count: int
    others_count: int
    person_times: int


def _group_out(g: Group) -> GroupOut:
    """`g` may carry the `sessions_held` annotation and the prefetched `places` of
    `group_list`; a single group reads them with two queries."""
    held = getattr(g, "sessions_held", None)
    return GroupOut(
        id=g.pk,
        name=g.name,
        domain=g.domain,
        station=g.station.code,
        station_name=g.station.name,
        phase=g.phase,
        communities=[f"{c:012d}" for c in sorted(p.region_id for p in g.places.all())],
        aims=g.aims,
        target_members=g.target_members,
        recruitment=g.recruitment,
        planned_sessions=g.planned_sessions,
        starts_on=g.starts_on,
        ends_on=g.ends_on,
        scale_name=g.scale_name,
        scale_min=g.scale_min,
        scale_max=g.scale_max,
        higher_is_better=g.higher_is_better,
        evaluation_summary=g.evaluation_summary,
        sessions_held=g.sessions.count() if held is None else held,
    )


def _session_out(s: GroupSession, present: set[int] | None = None) -> SessionOut:
    """`present`: the session's person ids when the caller read them already."""
    return SessionOut(
        id=s.pk,
        group=s.group_id,
        number=s.number,
        held_on=s.held_on,
        topic=s.topic,
        notes=s.notes,
        present=sorted(selectors.present_at(s) if present is None else present),
        named_count=s.named_count,
        others_count=s.others_count,
        person_times=s.person_times,
    )


def _regions(codes: list[str]) -> list[Region]:
    wanted = set()
    for code in codes:
        if not str(code).isdigit() or len(str(code)) != 12:
            raise ValidationError(
                {"communities": _("A division code has 12 digits, e.g. 120113001000.")}
            )
        wanted.add(int(code))
    found = list(Region.objects.filter(code__in=wanted))
    if len(found) != len(wanted):
        raise ValidationError({"communities": _("Unknown division code.")})
    return found


def _members(group: Group, ids: list[int]) -> list[Person]:
    members = {
        m.person_id: m.person
        for m in GroupMember.objects.filter(group=group, person_id__in=ids).select_related("person")
    }
    if set(ids) - set(members):
        raise ValidationError({"present": _("Only members of the group can be present.")})
    return list(members.values())


@router.get("/groups", response=list[GroupOut], summary="Groups in my jurisdiction")
@api_requires(ACTIVITY_VIEW)
def group_list(request: HttpRequest, phase: str = "", station: str = "") -> list[GroupOut]:
    qs = selectors.groups_for(request.user).order_by("-created_at", "-id")
    if phase:
        qs = qs.filter(phase=phase)
    if station:
        qs = qs.filter(
            station=region_selectors.get_station_for(request.user, station, ACTIVITY_VIEW)
        )
    qs = qs.annotate(sessions_held=Count("sessions")).prefetch_related("places")
    return [_group_out(g) for g in qs[:500]]


@router.get("/groups/{pk}", response=GroupOut, summary="One group")
@api_requires(ACTIVITY_VIEW)
def group_detail(request: HttpRequest, pk: int) -> GroupOut:
    return _group_out(selectors.get_group_for(request.user, pk))


@router.post("/groups", response={201: GroupOut}, summary="Plan a group")
@api_requires(ACTIVITY_MANAGE)
def group_create(request: HttpRequest, payload: GroupIn) -> Status[GroupOut]:
    data: dict[str, Any] = payload.dict()
    data["station"] = region_selectors.get_station_for(
        request.user, payload.station, ACTIVITY_MANAGE
    )
    data["communities"] = _regions(payload.communities)
    group = services.create_group(actor=request.user, **data)
    return Status(201, _group_out(selectors.get_group_for(request.user, group.pk)))


@router.patch("/groups/{pk}", response=GroupOut, summary="Change a group's plan")
@api_requires(ACTIVITY_MANAGE)
def group_update(request: HttpRequest, pk: int, payload: GroupPatch) -> GroupOut:
    group = selectors.get_group_for(request.user, pk, ACTIVITY_MANAGE)
    changes: dict[str, Any] = payload.dict(exclude_unset=True)
    if "communities" in changes:
        changes["communities"] = _regions(changes["communities"] or [])
    services.update_group(actor=request.user, group=group, **changes)
    return _group_out(selectors.get_group_for(request.user, pk))


@router.post("/groups/{pk}/phase", response=GroupOut, summary="Move a group to a phase")
@api_requires(ACTIVITY_MANAGE)
def group_phase(request: HttpRequest, pk: int, payload: PhaseIn) -> GroupOut:
    """One step forward (筹备 → 形成 → 转折 → 成熟) or to the end (结束); anything else is 422
    at `phase`."""
    group = selectors.get_group_for(request.user, pk, ACTIVITY_MANAGE)
    services.change_phase(
        actor=request.user, group=group, to=payload.to, on=payload.on, note=payload.note
    )
    return _group_out(selectors.get_group_for(request.user, pk))


@router.get("/groups/{pk}/members", response=list[MemberOut], summary="A group's members")
@api_requires(ACTIVITY_VIEW)
def group_members(request: HttpRequest, pk: int) -> list[MemberOut]:
    group = selectors.get_group_for(request.user, pk)
    return [
        MemberOut(
            person=r.member.person_id,
            person_name=r.member.person.name if r.visible else None,
            joined_on=r.member.joined_on,
            left_on=r.member.left_on,
            score_before=r.member.score_before,
            score_after=r.member.score_after,
            sessions_attended=r.sessions,
        )
        for r in selectors.members_of(request.user, group)
    ]


@router.post("/groups/{pk}/members", response={201: GroupOut}, summary="Add a member")
@api_requires(ACTIVITY_MANAGE)
def member_add(request: HttpRequest, pk: int, payload: PersonIn) -> Status[GroupOut]:
    group = selectors.get_group_for(request.user, pk, ACTIVITY_MANAGE)
    person = people_selectors.get_person_for(request.user, payload.person, PERSON_VIEW)
    services.add_member(actor=request.user, group=group, person=person)
    return Status(201, _group_out(group))


@router.post("/groups/{pk}/members/remove", response=GroupOut, summary="A member leaves")
@api_requires(ACTIVITY_MANAGE)
def member_remove(request: HttpRequest, pk: int, payload: PersonIn) -> GroupOut:
    group = selectors.get_group_for(request.user, pk, ACTIVITY_MANAGE)
    member = GroupMember.objects.filter(group=group, person_id=payload.person).first()
    if member is None:
        raise ValidationError({"person": _("Not a member of this group.")})
    services.remove_member(actor=request.user, group=group, person=member.person)
    return _group_out(group)


@router.post("/groups/{pk}/scores", response=list[MemberOut], summary="Scores before and after")
@api_requires(ACTIVITY_MANAGE)
def group_scores(request: HttpRequest, pk: int, payload: ScoresIn) -> list[MemberOut]:
    group = selectors.get_group_for(request.user, pk, ACTIVITY_MANAGE)
    services.record_scores(
        actor=request.user,
        group=group,
        scores={s.person: (s.before, s.after) for s in payload.scores},
    )
    return group_members(request, pk)


@router.get("/groups/{pk}/sessions", response=list[SessionOut], summary="A group's sessions")
@api_requires(ACTIVITY_VIEW)
def group_sessions(request: HttpRequest, pk: int) -> list[SessionOut]:
    group = selectors.get_group_for(request.user, pk)
    present = selectors.presence_by_session(group)
    return [_session_out(s, present.get(s.pk, set())) for s in group.sessions.order_by("number")]


@router.post("/groups/{pk}/sessions", response={201: SessionOut}, summary="Record a session")
@api_requires(ACTIVITY_MANAGE)
def session_create(request: HttpRequest, pk: int, payload: SessionIn) -> Status[SessionOut]:
    group = selectors.get_group_for(request.user, pk, ACTIVITY_MANAGE)
    session = session_services.record_session(
        actor=request.user,
        group=group,
        held_on=payload.held_on,
        topic=payload.topic,
        notes=payload.notes,
        present=_members(group, payload.present),
        others_count=payload.others_count,
    )
    return Status(201, _session_out(session))


@router.get("/group-sessions/{pk}", response=SessionOut, summary="One group session")
@api_requires(ACTIVITY_VIEW)
def session_detail(request: HttpRequest, pk: int) -> SessionOut:
    return _session_out(selectors.get_session_for(request.user, pk))


@router.put("/group-sessions/{pk}", response=SessionOut, summary="Correct a group session")
@api_requires(ACTIVITY_MANAGE)
def session_update(request: HttpRequest, pk: int, payload: SessionIn) -> SessionOut:
    session = selectors.get_session_for(request.user, pk, ACTIVITY_MANAGE)
    updated = session_services.update_session(
        actor=request.user,
        session=session,
        held_on=payload.held_on,
        topic=payload.topic,
        notes=payload.notes,
        present=_members(session.group, payload.present),
        others_count=payload.others_count,
    )
    return _session_out(updated)
