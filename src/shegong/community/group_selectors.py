"""Reads for groups (小组): a group is in a user's jurisdiction when its station's division or
any community it serves is (跨社区互助小组); its sessions and members go with it. A group or
session outside is an audited 404."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from shegong.core import audit
from shegong.core.models import scope_of
from shegong.core.perms import ACTIVITY_VIEW, PERSON_VIEW
from shegong.core.scoping import Scope
from shegong.people.models import Person

from .activity_models import Attendance
from .group_models import Group, GroupMember, GroupPlace, GroupSession


def in_scope(scope: Scope) -> Q:
    """Groups whose station's division or any served community lies in `scope`."""
    if scope.everything:
        return Q()
    places = GroupPlace.objects.filter(scope.q("region_id")).values("group_id")
    return scope.q("region_code") | Q(pk__in=places)


def groups_for(user: Any, perm: str = ACTIVITY_VIEW) -> QuerySet[Group]:
    return Group.objects.filter(in_scope(scope_of(user, perm))).select_related("station")


def get_group_for(user: Any, pk: int, perm: str = ACTIVITY_VIEW) -> Group:
    group = groups_for(user, perm).filter(pk=pk).first()
    if group is None:
        raise audit.not_found(user, what="group", key=pk)
    return group


def may_run(user: Any, group: Group, perm: str) -> bool:
    """Whether `user` holds `perm` over the group (its station or one of its communities)."""
    scope = scope_of(user, perm)
    if scope.contains(group.region_code):
        return True
    return any(scope.contains(code) for code in place_codes(group))


def place_codes(group: Group) -> list[int]:
    return list(group.places.order_by("region_id").values_list("region_id", flat=True))


def sessions_for(user: Any, perm: str = ACTIVITY_VIEW) -> QuerySet[GroupSession]:
    groups = Group.objects.filter(in_scope(scope_of(user, perm))).values("pk")
    return GroupSession.objects.filter(group_id__in=groups).select_related("group", "station")


def get_session_for(user: Any, pk: int, perm: str = ACTIVITY_VIEW) -> GroupSession:
    session = sessions_for(user, perm).filter(pk=pk).first()
    if session is None:
        raise audit.not_found(user, what="group session", key=pk)
    return session


@dataclass(frozen=True)
class MemberRow:
    member: GroupMember
    visible: bool  # the user may see the person
    sessions: int  # sessions attended


def members_of(user: Any, group: Group) -> list[MemberRow]:
    """The group's members (current first), with their attendance counts."""
    members = list(
        GroupMember.objects.filter(group=group)
        .select_related("person")
        .order_by("left_on", "joined_on", "id")
    )
    counts: dict[int, int] = {}
    for person_id in Attendance.objects.filter(session__group=group).values_list(
        "person_id", flat=True
    ):
        counts[person_id] = counts.get(person_id, 0) + 1
    scope = scope_of(user, PERSON_VIEW)
    return [
        MemberRow(m, scope.contains(m.person.region_id), counts.get(m.person_id, 0))
        for m in members
    ]


def present_at(session: GroupSession) -> set[int]:
    return set(Attendance.objects.filter(session=session).values_list("person_id", flat=True))


def presence_by_session(group: Group) -> dict[int, set[int]]:
    """The person ids present at each session of the group, in one query."""
    present: dict[int, set[int]] = {}
    for session_id, person_id in Attendance.objects.filter(session__group=group).values_list(
        "session_id", "person_id"
    ):
        present.setdefault(session_id, set()).add(person_id)
    return present


@dataclass(frozen=True)
class Evaluation:
    """The before-and-after comparison over members with both scores."""

    pairs: int
    mean_before: float | None
    mean_after: float | None
    improved: int
    unchanged: int
    worse: int

    @property
    def change(self) -> float | None:
        if self.mean_before is None or self.mean_after is None:
            return None
        return self.mean_after - self.mean_before


def evaluation_of(group: Group) -> Evaluation:
    rows = [
        (int(b), int(a))
        for b, a in GroupMember.objects.filter(group=group).values_list(
            "score_before", "score_after"
        )
        if b is not None and a is not None
    ]
    if not rows:
        return Evaluation(0, None, None, 0, 0, 0)
    sign = 1 if group.higher_is_better else -1
    improved = sum(1 for b, a in rows if sign * (a - b) > 0)
    worse = sum(1 for b, a in rows if sign * (a - b) < 0)
    return Evaluation(
        pairs=len(rows),
        mean_before=sum(b for b, _a in rows) / len(rows),
        mean_after=sum(a for _b, a in rows) / len(rows),
        improved=improved,
        unchanged=len(rows) - improved - worse,
        worse=worse,
    )


def sessions_attended(user: Any, person: Person) -> QuerySet[Attendance]:
    """The person's presences at sessions of groups the user may see, newest first."""
    groups = Group.objects.filter(in_scope(scope_of(user, ACTIVITY_VIEW))).values("pk")
    return (
        Attendance.objects.filter(person=person, session__group_id__in=groups)
        .select_related("session__group")
        .order_by("-on", "-id")
    )


def memberships_of(user: Any, person: Person) -> QuerySet[GroupMember]:
    groups = Group.objects.filter(in_scope(scope_of(user, ACTIVITY_VIEW))).values("pk")
    return (
        GroupMember.objects.filter(person=person, group_id__in=groups)
        .select_related("group")
        .order_by("left_on", "-joined_on")
    )
