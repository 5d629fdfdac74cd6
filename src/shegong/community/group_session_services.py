"""Writes for group sessions (小组活动): recording the group's next session and correcting one,
with who of the members came, a headcount of others and the notes.

Sessions are held from formation until the end (group_models.SESSION_PHASES) and never dated
in the future; attendance is recorded for members who had not left by the day (a member
recorded present before their joining date joined then). Each session's attendance rows carry
its date, station and division code, like activities' (activity_models).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from shegong.accounts.models import as_user
from shegong.core import audit
from shegong.people.models import Person

from .activity_models import Attendance
from .activity_services import MAX_OTHERS, clean_text
from .group_models import SESSION_PHASES, Group, GroupMember, GroupPhase, GroupSession
from .group_services import MAX_NAME, MAX_TEXT, require_run


def _member_on(member: GroupMember, day: dt.date) -> bool:
    """Whether the member can have been present on `day`: not after they left. A session
    before the recorded joining date moves that date back (members are often added to the
    record after the first session), so only leaving counts here."""
    return member.left_on is None or member.left_on >= day


def _clean_session(
    actor: Any,
    group: Group,
    *,
    held_on: dt.date,
    topic: str,
    notes: str,
    present: list[Person],
    others_count: int,
    errors: dict[str, Any],
) -> tuple[str, str]:
    topic = clean_text(errors, "topic", topic, MAX_NAME, required=True)
    notes = clean_text(errors, "notes", notes, MAX_TEXT)
    if held_on > timezone.localdate():
        errors["held_on"] = _("A session cannot be dated in the future.")
    if others_count < 0:
        errors["others_count"] = _("The number of others cannot be negative.")
    elif others_count > MAX_OTHERS:
        errors["others_count"] = _("At most %(n)s others.") % {"n": f"{MAX_OTHERS:,}"}
    members = {m.person_id: m for m in GroupMember.objects.filter(group=group, person__in=present)}
    strangers = [
        p.name for p in present if p.pk not in members or not _member_on(members[p.pk], held_on)
    ]
    if strangers:
        errors["present"] = _("Not members on that day: %(names)s.") % {
            "names": "、".join(strangers)
        }
    return topic, notes


def _set_present(actor: Any, session: GroupSession, present: list[Person]) -> None:
    wanted = {p.pk for p in present}
    GroupMember.objects.filter(
        group_id=session.group_id, person_id__in=wanted, joined_on__gt=session.held_on
    ).update(joined_on=session.held_on)
    Attendance.objects.filter(session=session).exclude(person_id__in=wanted).delete()
    have = set(Attendance.objects.filter(session=session).values_list("person_id", flat=True))
    Attendance.objects.bulk_create(
        Attendance(
            session=session,
            person_id=pk,
            on=session.held_on,
            station_id=session.station_id,
            region_code=session.region_code,
            recorded_by=as_user(actor),
        )
        for pk in sorted(wanted - have)
    )
    Attendance.objects.filter(session=session).update(on=session.held_on)
    session.named_count = len(wanted)
    session.save(update_fields=["named_count"])


@transaction.atomic
def record_session(
    *,
    actor: Any,
    group: Group,
    held_on: dt.date,
    topic: str,
    notes: str = "",
    present: Iterable[Person] = (),
    others_count: int = 0,
) -> GroupSession:
    """Record the group's next session: who of the members came, others, and the notes."""
    require_run(actor, group)
    current = Group.objects.select_for_update().get(pk=group.pk)
    people = list({p.pk: p for p in present}.values())
    errors: dict[str, Any] = {}
    if current.phase not in SESSION_PHASES:
        errors["held_on"] = (
            _("Move the group to formation before its first session.")
            if current.phase == GroupPhase.PREPARATION
            else _("The group has ended.")
        )
    topic, notes = _clean_session(
        actor,
        current,
        held_on=held_on,
        topic=topic,
        notes=notes,
        present=people,
        others_count=others_count,
        errors=errors,
    )
    if errors:
        raise ValidationError(errors)
    last = GroupSession.objects.filter(group=current).aggregate(n=Max("number"))["n"] or 0
    session = GroupSession.objects.create(
        group=current,
        number=last + 1,
        held_on=held_on,
        topic=topic,
        notes=notes,
        others_count=others_count,
        station_id=current.station_id,
        region_code=current.region_code,
        recorded_by=as_user(actor),
    )
    _set_present(actor, session, people)
    audit.record(
        actor=actor,
        action="group.session",
        obj=session,
        region_code=session.region_code,
        details={"group": current.pk, "present": sorted(p.pk for p in people)},
    )
    return session


@transaction.atomic
def update_session(
    *,
    actor: Any,
    session: GroupSession,
    held_on: dt.date,
    topic: str,
    notes: str = "",
    present: Iterable[Person] = (),
    others_count: int = 0,
) -> GroupSession:
    """Correct a session: its date, topic, notes, who came and the headcount of others."""
    group = session.group
    require_run(actor, group)
    current = GroupSession.objects.select_for_update().get(pk=session.pk)
    people = list({p.pk: p for p in present}.values())
    errors: dict[str, Any] = {}
    topic, notes = _clean_session(
        actor,
        group,
        held_on=held_on,
        topic=topic,
        notes=notes,
        present=people,
        others_count=others_count,
        errors=errors,
    )
    if errors:
        raise ValidationError(errors)
    current.held_on, current.topic, current.notes = held_on, topic, notes
    current.others_count = others_count
    current.save(update_fields=["held_on", "topic", "notes", "others_count"])
    _set_present(actor, current, people)
    audit.record(
        actor=actor,
        action="group.session_update",
        obj=current,
        region_code=current.region_code,
        details={"present": sorted(p.pk for p in people)},
    )
    return current
