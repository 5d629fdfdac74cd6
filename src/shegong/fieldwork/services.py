"""Writes for field work: recording visits (of one person or a whole household) and their
photos (拍照留档).

A household visit is one `Visit` per member the actor may record visits for, written in one
transaction, each with `household` set (a visit of one person leaves it empty). So every
member's own record is complete (a member handed over to another station takes the visit
along), and the worklist counts it for each member without any extra work. The visits of one
household on one day of one kind are the "group" the visit page shows together.

Photos are checked (`core.attachments.prepare`: real type, size; cleaned of EXIF) before
anything is written, so a bad photo leaves no visit and no file; the visit's photos are stored
with it — the cleaned files `prepare` made, not decoded a second time — in the same transaction,
as attachments of the visit of the person chosen (owner "fieldwork.visit"). Whoever may record
visits where a visit took place may add photos to it later, or delete them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shegong.accounts.models import as_user
from shegong.core import attachments, audit
from shegong.core.attachments import Prepared
from shegong.core.models import Attachment, AttachmentKind, scope_of
from shegong.core.perms import VISIT_RECORD, VISIT_VIEW
from shegong.people.models import Person

from .models import CheckStatus, Visit, VisitKind
from .policy import checklist_for
from .selectors import VISIT_OWNER, household_members

MAX_VOLUNTEERS_TEXT = 200
MAX_NOTE = 500
MAX_PHOTOS = 10


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


def check_photos(photos: Sequence[Any]) -> list[Prepared]:
    """Check and clean each photo (`attachments.prepare`), returning the cleaned files in the
    same order; refuse (keyed "photos") too many files, or any that is not a photo or is too
    large, naming the file. Writes nothing."""
    if len(photos) > MAX_PHOTOS:
        raise ValidationError({"photos": _("At most %(n)d photos at a time.") % {"n": MAX_PHOTOS}})
    problems: list[str] = []
    ready: list[Prepared] = []
    for upload in photos:
        name = getattr(upload, "name", "") or _("photo")
        try:
            prepared = attachments.prepare(upload)
        except ValidationError as e:
            messages = e.message_dict.get("upload") if hasattr(e, "error_dict") else e.messages
            problems += [_named(name, m) for m in messages or e.messages]
            continue
        if prepared.kind != AttachmentKind.PHOTO:
            problems.append(
                _named(name, _("This is not a photo. Attach JPEG, PNG or WebP images."))
            )
        ready.append(prepared)
    if problems:
        raise ValidationError({"photos": problems})
    return ready


def _named(file_name: str, problem: str) -> str:
    return _("%(file)s: %(problem)s") % {"file": file_name, "problem": problem}


def _store_photos(
    *, actor: Any, visit: Visit, photos: Sequence[Any], prepared: Sequence[Prepared]
) -> list[Attachment]:
    """Store the photos `check_photos` cleaned (`prepared`, in the order of `photos`) on the
    visit; if one fails, remove the files already written (the rows go with the surrounding
    transaction)."""
    stored: list[Attachment] = []
    try:
        for upload, ready in zip(photos, prepared, strict=True):
            stored.append(
                attachments.store(
                    actor=actor,
                    owner_type=VISIT_OWNER,
                    owner_id=visit.pk,
                    region_code=visit.region_code,
                    upload=upload,
                    prepared=ready,
                    perm=VISIT_RECORD,
                )
            )
    except BaseException:
        files = attachments.storage()
        for a in stored:
            for name in (a.file.name, a.thumbnail.name):
                if name:
                    files.delete(name)
        raise
    return stored


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
    whole_household: bool = False,
    photos: Sequence[Any] = (),
) -> Visit:
    """Record a contact with a person (入户探访, 电话回访 …) in the actor's jurisdiction, and
    return it.

    `workers` are who went (default: the actor); each must work where the person lives. The
    visit takes the person's current division and station. Nothing on the person changes.
    `whole_household`: the person's household was visited; every other active member the actor
    may record visits for gets the same visit (without the checklist, which is the person's).
    `photos` (uploaded files) are checked first and stored on the person's visit.
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
    members: list[Person] = []
    if whole_household:
        if person.household_id is None:
            errors["whole_household"] = _("%(name)s does not belong to a household.") % {
                "name": person.name
            }
        else:
            members = [
                m
                for m in household_members(actor, person)
                if not (m.birth_date and m.birth_date > visited_on)
            ]
    team = list(workers) or ([actor] if as_user(actor) else [])
    places = {person.region_id, *(m.region_id for m in members)}
    if any(not scope_of(w, VISIT_VIEW).contains(code) for w in team for code in places):
        errors["workers"] = _("Everyone who went must work where the person lives.")
    if "visited_on" not in errors:
        try:
            clean = clean_checklist(checklist, (k for k, _l in checklist_for(person, visited_on)))
        except ValidationError as e:
            errors.update(e.message_dict)
    photos = list(photos)
    prepared: list[Prepared] = []
    try:
        prepared = check_photos(photos)
    except ValidationError as e:
        errors.update(e.message_dict)
    if errors:
        raise ValidationError(errors)
    household_id = person.household_id if whole_household else None
    common = {
        "household_id": household_id,
        "kind": kind,
        "visited_on": visited_on,
        "volunteers_text": volunteers_text.strip(),
        "needs_found": needs_found.strip(),
        "notes": notes.strip(),
        "next_due": next_due,
        "recorded_by": as_user(actor),
    }
    visit = Visit.objects.create(
        person=person,
        region_code=person.region_id,
        station_id=person.station_id,
        checklist=clean,
        **common,
    )
    others = [
        Visit.objects.create(
            person=m, region_code=m.region_id, station_id=m.station_id, checklist={}, **common
        )
        for m in members
    ]
    if team:
        for v in (visit, *others):
            v.workers.set(team)
    stored = _store_photos(actor=actor, visit=visit, photos=photos, prepared=prepared)
    details: dict[str, Any] = {"person": person.pk, "kind": kind, "on": visited_on.isoformat()}
    if whole_household:
        details["household"] = household_id
        details["visits"] = [v.pk for v in others]
    if stored:
        details["photos"] = [a.pk for a in stored]
    audit.record(
        actor=actor,
        action="visit.record",
        obj=visit,
        region_code=person.region_id,
        details=details,
    )
    return visit


@transaction.atomic
def add_visit_photos(*, actor: Any, visit: Visit, photos: Sequence[Any]) -> list[Attachment]:
    """Add photos to a recorded visit (whoever may record visits where it took place)."""
    if not scope_of(actor, VISIT_RECORD).contains(visit.region_code):
        raise ValidationError(_("You may not add photos to this visit."), code="forbidden")
    photos = list(photos)
    if not photos:
        raise ValidationError({"photos": _("Choose a photo or take one.")})
    prepared = check_photos(photos)
    return _store_photos(actor=actor, visit=visit, photos=photos, prepared=prepared)


@transaction.atomic
def delete_visit_photo(*, actor: Any, visit: Visit, photo: Attachment) -> None:
    """Delete a photo of a visit (whoever may record visits where it took place): the row now,
    with an `attachment.delete` audit row, the files once the deletion has committed."""
    if photo.owner_type != VISIT_OWNER or photo.owner_id != visit.pk:
        raise ValidationError({"photo": _("This photo is not one of the visit's.")})
    if not scope_of(actor, VISIT_RECORD).contains(visit.region_code):
        raise ValidationError(_("You may not delete photos of this visit."), code="forbidden")
    attachments.delete(actor=actor, attachment=photo, perm=VISIT_RECORD)
