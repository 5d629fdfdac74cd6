"""Writes for residents' requests (居民诉求): intake (at the station, by phone, from a grid
worker, or from the public service map), triage, assignment, work, resolution, the resident's
satisfaction, closing.

Life cycle: new → assigned → in progress → resolved, or closed (a duplicate, withdrawn, not for
the station) from any open state. Triage may happen at intake or later, and again while the
request is open; it sets the priority (`request_rules.priority_for`, 轻重缓急) and the
deadline, counted from the day the request came in (`deadline_days`, configurable). An
untriaged request is due for triage within `deadline_days(None)` days: nothing sits unnoticed.

Every function checks the actor (REQUEST_MANAGE where the request belongs), validates with
errors keyed by field (nothing saved), writes a `RequestEvent` and one audit row. Transitions
lock the request row, so two people acting at once cannot both move it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shegong.accounts.models import as_user
from shegong.core import audit
from shegong.core.models import scope_of
from shegong.core.normalize import CellError
from shegong.core.normalize import phone as normalize_phone
from shegong.core.perms import PERSON_VIEW, REQUEST_MANAGE
from shegong.people.models import Person
from shegong.people.services import mask_phone
from shegong.regions.models import Region, Station

from .request_models import (
    OPEN_STATUSES,
    Importance,
    Priority,
    RequestChannel,
    RequestEvent,
    RequestStatus,
    RequestTopic,
    ResidentRequest,
    Urgency,
)
from .request_rules import (
    STAFF_CHANNELS,
    deadline_for,
    priority_for,
    works_at,
)
from .volunteer_services import check_community

MAX_TEXT = 2000


def may_manage(actor: Any, request: ResidentRequest) -> bool:
    return scope_of(actor, REQUEST_MANAGE).contains(request.region_code)


def _event(request: ResidentRequest, actor: Any, action: str, before: str, note: str = "") -> None:
    RequestEvent.objects.create(
        request=request,
        by=as_user(actor),
        action=action,
        from_status=before,
        to_status=request.status,
        note=note[:500],
    )


def _record(actor: Any, action: str, request: ResidentRequest, **details: Any) -> None:
    audit.record(
        actor=actor,
        action=action,
        obj=request,
        region_code=request.region_code,
        details=details,
        username="" if as_user(actor) or hasattr(actor, "get_username") else "public",
    )


def _clean_triage(urgency: str, importance: str, errors: dict[str, Any]) -> Priority | None:
    if not urgency and not importance:
        return None
    if urgency not in Urgency.values:
        errors["urgency"] = _("Choose how urgent it is.")
    if importance not in Importance.values:
        errors["importance"] = _("Choose how serious it is.")
    if "urgency" in errors or "importance" in errors:
        return None
    return priority_for(urgency, importance)


def _clean_text(
    errors: dict[str, Any], *, resident_name: str, title: str, description: str, address: str
) -> dict[str, str]:
    out = {
        "resident_name": " ".join(resident_name.split()),
        "title": " ".join(title.split()),
        "description": description.strip(),
        "address": " ".join(address.split()),
    }
    if not out["resident_name"]:
        errors["resident_name"] = _("Enter the resident's name.")
    if not out["title"]:
        errors["title"] = _("Say in a few words what is needed.")
    for key, limit in (("resident_name", 50), ("title", 100), ("address", 200)):
        if len(out[key]) > limit:
            errors[key] = _("At most %(n)d characters.") % {"n": limit}
    if len(out["description"]) > MAX_TEXT:
        errors["description"] = _("At most %(n)d characters.") % {"n": MAX_TEXT}
    return out


def _clean_contact(raw: str, errors: dict[str, Any]) -> str:
    raw = (raw or "").strip()
    if not raw:
        return ""
    try:
        return normalize_phone(raw)
    except CellError as e:
        errors["contact"] = str(e)
        return ""


def _create(
    *,
    actor: Any,
    station: Station,
    channel: str,
    community: Region | None,
    person: Person | None,
    text: dict[str, str],
    contact: str,
    topic: str,
    received_on: dt.date,
    priority: Priority | None,
    urgency: str,
    importance: str,
    region_code: int,
) -> ResidentRequest:
    request = ResidentRequest.objects.create(
        station=station,
        community=community,
        region_code=region_code,
        channel=channel,
        person=person,
        contact=contact,
        contact_masked=mask_phone(contact),
        topic=topic,
        received_on=received_on,
        received_by=as_user(actor),
        urgency=urgency if priority else "",
        importance=importance if priority else "",
        priority=priority,
        deadline=deadline_for(received_on, priority),
        **text,
    )
    _event(request, actor, "intake", "", text["title"])
    if priority is not None:
        _event(request, actor, "triage", request.status, str(Priority(priority).label))
    return request


@transaction.atomic
def submit_request(
    *,
    actor: Any,
    station: Station,
    channel: str,
    resident_name: str,
    title: str,
    topic: str = RequestTopic.OTHER,
    description: str = "",
    contact: str = "",
    person: Person | None = None,
    community: Region | None = None,
    address: str = "",
    received_on: dt.date | None = None,
    urgency: str = "",
    importance: str = "",
    assigned_to: Any = None,
) -> ResidentRequest:
    """Take a request at `station` (walk-in, phone, grid worker): the resident, what is
    needed, optionally a registered person, the community, a triage and an assignee."""
    errors: dict[str, Any] = {}
    try:
        region_code = check_community(station, community)
    except ValidationError as e:
        errors.update(e.message_dict)
        region_code = station.region_id
    if not scope_of(actor, REQUEST_MANAGE).contains(region_code):
        raise ValidationError(
            {"station": _("You may not take requests for this station.")}, code="forbidden"
        )
    if channel not in STAFF_CHANNELS:
        errors["channel"] = _("Choose how the request came in.")
    if topic not in RequestTopic.values:
        errors["topic"] = _("Choose one of the listed topics.")
    text = _clean_text(
        errors, resident_name=resident_name, title=title, description=description, address=address
    )
    number = _clean_contact(contact, errors)
    if person is not None and not scope_of(actor, PERSON_VIEW).contains(person.region_id):
        errors["person"] = _("You may not link this person.")
    day = received_on or timezone.localdate()
    if day > timezone.localdate():
        errors["received_on"] = _("The date cannot be in the future.")
    priority = _clean_triage(urgency, importance, errors)
    if assigned_to is not None:
        if priority is None and "urgency" not in errors and "importance" not in errors:
            errors["assigned_to"] = _("Triage the request before assigning it.")
        elif not works_at(assigned_to, station):
            errors["assigned_to"] = _("Assign the request to a worker of %(station)s.") % {
                "station": station.name
            }
    if errors:
        raise ValidationError(errors)
    request = _create(
        actor=actor,
        station=station,
        channel=channel,
        community=community,
        person=person,
        text=text,
        contact=number,
        topic=topic,
        received_on=day,
        priority=priority,
        urgency=urgency,
        importance=importance,
        region_code=region_code,
    )
    if assigned_to is not None:
        before = request.status
        request.assigned_to = assigned_to
        request.status = RequestStatus.ASSIGNED
        request.save(update_fields=["assigned_to", "status", "updated_at"])
        _event(request, actor, "assign", before, str(assigned_to))
    _record(actor, "request.submit", request, channel=channel, priority=priority)
    return request


@transaction.atomic
def submit_public_request(
    *,
    station: Station,
    resident_name: str,
    contact: str,
    title: str,
    description: str = "",
    topic: str = RequestTopic.OTHER,
    community: Region | None = None,
    address: str = "",
) -> ResidentRequest:
    """A request sent from the public service map (no login): a name and a phone number the
    station can call back on are required; it arrives untriaged at an active station."""
    errors: dict[str, Any] = {}
    if not station.active:
        errors["station"] = _("This station does not take requests.")
    try:
        region_code = check_community(station, community)
    except ValidationError as e:
        errors.update(e.message_dict)
        region_code = station.region_id
    if topic not in RequestTopic.values:
        errors["topic"] = _("Choose one of the listed topics.")
    text = _clean_text(
        errors, resident_name=resident_name, title=title, description=description, address=address
    )
    number = _clean_contact(contact, errors)
    if not number and "contact" not in errors:
        errors["contact"] = _("Give a phone number the station can call you back on.")
    if errors:
        raise ValidationError(errors)
    request = _create(
        actor=None,
        station=station,
        channel=RequestChannel.PUBLIC_MAP,
        community=community,
        person=None,
        text=text,
        contact=number,
        topic=topic,
        received_on=timezone.localdate(),
        priority=None,
        urgency="",
        importance="",
        region_code=region_code,
    )
    _record(None, "request.submit", request, channel=RequestChannel.PUBLIC_MAP)
    return request


def _locked(actor: Any, request: ResidentRequest, allowed: tuple[str, ...]) -> ResidentRequest:
    """The request row locked for the change, after checking the actor and that its status
    (as stored now, not as the caller last saw it) allows the change."""
    if not may_manage(actor, request):
        raise ValidationError(_("You may not work on this request."), code="forbidden")
    fresh = ResidentRequest.objects.select_for_update().get(pk=request.pk)
    if fresh.status not in allowed:
        raise ValidationError(
            {
                "status": _("The request is %(status)s: this cannot be done now.")
                % {"status": fresh.get_status_display()}
            },
            code="status",
        )
    return fresh


def _sync(target: ResidentRequest, source: ResidentRequest) -> ResidentRequest:
    """Copy the stored state onto the caller's instance, so it sees what was saved."""
    for f in ResidentRequest._meta.concrete_fields:
        setattr(target, f.attname, getattr(source, f.attname))
    return target


@transaction.atomic
def triage_request(
    *,
    actor: Any,
    request: ResidentRequest,
    urgency: str,
    importance: str,
    deadline: dt.date | None = None,
) -> ResidentRequest:
    """Set urgency and importance, hence the priority and the deadline (counted from receipt;
    an explicit `deadline` from today on overrides it)."""
    fresh = _locked(actor, request, OPEN_STATUSES)
    errors: dict[str, Any] = {}
    priority = _clean_triage(urgency or "", importance or "", errors)
    if priority is None and not errors:
        errors["urgency"] = _("Choose how urgent it is.")
        errors["importance"] = _("Choose how serious it is.")
    if deadline is not None and deadline < timezone.localdate():
        errors["deadline"] = _("The deadline cannot be in the past.")
    if errors:
        raise ValidationError(errors)
    assert priority is not None
    fresh.urgency, fresh.importance, fresh.priority = urgency, importance, priority
    fresh.deadline = deadline or deadline_for(fresh.received_on, priority)
    fresh.save(update_fields=["urgency", "importance", "priority", "deadline", "updated_at"])
    _event(fresh, actor, "triage", fresh.status, str(Priority(priority).label))
    _record(actor, "request.triage", fresh, priority=int(priority), deadline=str(fresh.deadline))
    return _sync(request, fresh)


@transaction.atomic
def assign_request(
    *, actor: Any, request: ResidentRequest, assignee: Any, note: str = ""
) -> ResidentRequest:
    """Give the request to a worker of its station (a worker of another station is refused
    at `assigned_to`). A request in progress that changes hands goes back to assigned."""
    fresh = _locked(actor, request, OPEN_STATUSES)
    errors: dict[str, Any] = {}
    if fresh.priority is None:
        errors["assigned_to"] = _("Triage the request before assigning it.")
    elif not works_at(assignee, fresh.station):
        errors["assigned_to"] = _("Assign the request to a worker of %(station)s.") % {
            "station": fresh.station.name
        }
    elif assignee.pk == fresh.assigned_to_id:
        errors["assigned_to"] = _("The request is already assigned to %(name)s.") % {
            "name": assignee
        }
    if len(note) > 500:
        errors["note"] = _("At most %(n)d characters.") % {"n": 500}
    if errors:
        raise ValidationError(errors)
    before = fresh.status
    fresh.assigned_to = assignee
    fresh.status = RequestStatus.ASSIGNED
    fresh.save(update_fields=["assigned_to", "status", "updated_at"])
    _event(fresh, actor, "assign", before, " · ".join(x for x in (str(assignee), note) if x))
    _record(actor, "request.assign", fresh, assignee=assignee.pk)
    return _sync(request, fresh)


@transaction.atomic
def start_request(*, actor: Any, request: ResidentRequest) -> ResidentRequest:
    fresh = _locked(actor, request, (RequestStatus.ASSIGNED,))
    fresh.status = RequestStatus.IN_PROGRESS
    fresh.save(update_fields=["status", "updated_at"])
    _event(fresh, actor, "start", RequestStatus.ASSIGNED)
    _record(actor, "request.start", fresh)
    return _sync(request, fresh)


def _clean_satisfaction(value: Any, note: str, errors: dict[str, Any]) -> int | None:
    if value in (None, ""):
        return None
    try:
        score = int(value)
    except (TypeError, ValueError):
        score = 0
    if not 1 <= score <= 5:
        errors["satisfaction"] = _("Rate from 1 (very unhappy) to 5 (very satisfied).")
    if len(note) > 300:
        errors["satisfaction_note"] = _("At most %(n)d characters.") % {"n": 300}
    return score


@transaction.atomic
def resolve_request(
    *,
    actor: Any,
    request: ResidentRequest,
    resolution: str,
    resolved_on: dt.date | None = None,
    satisfaction: Any = None,
    satisfaction_note: str = "",
) -> ResidentRequest:
    """Record what was done; the resident's satisfaction (1–5) now or later."""
    fresh = _locked(actor, request, (RequestStatus.ASSIGNED, RequestStatus.IN_PROGRESS))
    errors: dict[str, Any] = {}
    resolution = resolution.strip()
    if not resolution:
        errors["resolution"] = _("Say what was done.")
    elif len(resolution) > MAX_TEXT:
        errors["resolution"] = _("At most %(n)d characters.") % {"n": MAX_TEXT}
    day = resolved_on or timezone.localdate()
    if day > timezone.localdate():
        errors["resolved_on"] = _("The date cannot be in the future.")
    elif day < fresh.received_on:
        errors["resolved_on"] = _("The request came in on %(day)s.") % {"day": fresh.received_on}
    score = _clean_satisfaction(satisfaction, satisfaction_note, errors)
    if errors:
        raise ValidationError(errors)
    before = fresh.status
    fresh.status = RequestStatus.RESOLVED
    fresh.resolution, fresh.resolved_on = resolution, day
    fresh.satisfaction, fresh.satisfaction_note = score, satisfaction_note.strip()
    fresh.save()
    _event(fresh, actor, "resolve", before, resolution)
    _record(actor, "request.resolve", fresh, satisfaction=score, late=day > fresh.deadline)
    return _sync(request, fresh)


@transaction.atomic
def record_satisfaction(
    *, actor: Any, request: ResidentRequest, satisfaction: Any, note: str = ""
) -> ResidentRequest:
    """The resident's satisfaction with a resolved request (回访), once."""
    fresh = _locked(actor, request, (RequestStatus.RESOLVED,))
    errors: dict[str, Any] = {}
    if fresh.satisfaction is not None:
        errors["satisfaction"] = _("The resident's satisfaction is already recorded.")
    score = _clean_satisfaction(satisfaction, note, errors)
    if score is None and "satisfaction" not in errors:
        errors["satisfaction"] = _("Rate from 1 (very unhappy) to 5 (very satisfied).")
    if errors:
        raise ValidationError(errors)
    fresh.satisfaction, fresh.satisfaction_note = score, note.strip()
    fresh.save(update_fields=["satisfaction", "satisfaction_note", "updated_at"])
    _event(fresh, actor, "satisfaction", fresh.status, f"{score}/5 {note}".strip())
    _record(actor, "request.satisfaction", fresh, satisfaction=score)
    return _sync(request, fresh)


@transaction.atomic
def close_request(*, actor: Any, request: ResidentRequest, reason: str) -> ResidentRequest:
    """Close an open request without resolving it (a duplicate, withdrawn, for another
    department), with the reason."""
    fresh = _locked(actor, request, OPEN_STATUSES)
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationError({"reason": _("Say why the request is closed.")})
    if len(reason) > 300:
        raise ValidationError({"reason": _("At most %(n)d characters.") % {"n": 300}})
    before = fresh.status
    fresh.status = RequestStatus.CLOSED
    fresh.closed_reason, fresh.closed_on = reason, timezone.localdate()
    fresh.save(update_fields=["status", "closed_reason", "closed_on", "updated_at"])
    _event(fresh, actor, "close", before, reason)
    _record(actor, "request.close", fresh)
    return _sync(request, fresh)


def reveal_contact(*, actor: Any, request: ResidentRequest) -> str:
    """The resident's full phone number, for those who work on the request (audited)."""
    if not may_manage(actor, request):
        raise ValidationError(_("You may not see this phone number."), code="forbidden")
    audit.record(
        actor=actor, action="request.reveal_contact", obj=request, region_code=request.region_code
    )
    return request.contact
