"""Writes for field work: recording visits."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shegong.core import audit
from shegong.core.models import scope_of
from shegong.core.perms import VISIT_RECORD, VISIT_VIEW
from shegong.people.models import Person

from .models import CheckStatus, Visit, VisitKind
from .policy import checklist_for

MAX_VOLUNTEERS_TEXT = 200
MAX_NOTE = 500


def _user(actor: Any) -> Any:
    from shegong.accounts.models import User

    return actor if isinstance(actor, User) else None


def clean_checklist(raw: Any, allowed: Iterable[str]) -> dict[str, dict[str, str]]:
    """Normalize `{item: status}` or `{item: {"status": …, "note": …}}` to the stored form,
    refusing items not on the person's checklist and unknown statuses."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ValidationError({"checklist": _("The checklist must map items to results.")})
    allowed = set(allowed)
    unknown = sorted(k for k in raw if k not in allowed)
    if unknown:
        raise ValidationError(
            {
                "checklist": _("Not on this person's checklist: %(items)s.")
                % {"items": ", ".join(str(k) for k in unknown)}
            }
        )
    out: dict[str, dict[str, str]] = {}
    for key, value in raw.items():
        entry = value if isinstance(value, dict) else {"status": value}
        status = entry.get("status") or ""
        note = entry.get("note") or ""
        if status not in CheckStatus.values or not isinstance(note, str):
            raise ValidationError({"checklist": _("Mark each item fine, concern or unchecked.")})
        if len(note) > MAX_NOTE:
            raise ValidationError({"checklist": _("At most %(n)d characters.") % {"n": MAX_NOTE}})
        out[key] = {"status": status, "note": note.strip()}
    return out


@transaction.atomic
def record_visit(
    *,
    actor: Any,
    person: Person,
    kind: str,
    visited_on: dt.date,
    workers: Iterable[Any] = (),
    volunteers_text: str = "",
    checklist: dict[str, Any] | None = None,
    needs_found: str = "",
    notes: str = "",
    next_due: dt.date | None = None,
) -> Visit:
    """Record a contact with a person (入户探访, 电话回访 …) in the actor's jurisdiction.

    `workers` are who went (default: the actor); each must work where the person lives. The
    visit takes the person's current division and station. Nothing on the person changes.
    """
    if not scope_of(actor, VISIT_RECORD).contains(person.region_id):
        raise ValidationError(_("You may not record visits for this person."), code="forbidden")
    errors: dict[str, Any] = {}
    if kind not in VisitKind.values:
        errors["kind"] = _("Choose one of the listed kinds of visit.")
    if visited_on > timezone.localdate():
        errors["visited_on"] = _("A visit cannot be dated in the future.")
    elif person.birth_date and visited_on < person.birth_date:
        errors["visited_on"] = _("The date is before the person was born.")
    if next_due is not None and next_due < visited_on:
        errors["next_due"] = _("The next visit cannot be due before this one.")
    if len(volunteers_text) > MAX_VOLUNTEERS_TEXT:
        errors["volunteers_text"] = _("At most %(n)d characters.") % {"n": MAX_VOLUNTEERS_TEXT}
    team = list(workers) or ([actor] if _user(actor) else [])
    if any(not scope_of(w, VISIT_VIEW).contains(person.region_id) for w in team):
        errors["workers"] = _("Everyone who went must work where the person lives.")
    if "visited_on" not in errors:
        try:
            clean = clean_checklist(checklist, (k for k, _l in checklist_for(person, visited_on)))
        except ValidationError as e:
            errors.update(e.message_dict)
    if errors:
        raise ValidationError(errors)
    visit = Visit.objects.create(
        person=person,
        household_id=person.household_id,
        kind=kind,
        visited_on=visited_on,
        region_code=person.region_id,
        station_id=person.station_id,
        volunteers_text=volunteers_text.strip(),
        checklist=clean,
        needs_found=needs_found.strip(),
        notes=notes.strip(),
        next_due=next_due,
        recorded_by=_user(actor),
    )
    if team:
        visit.workers.set(team)
    audit.record(
        actor=actor,
        action="visit.record",
        obj=visit,
        region_code=person.region_id,
        details={"person": person.pk, "kind": kind, "on": visited_on.isoformat()},
    )
    return visit
