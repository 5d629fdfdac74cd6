"""Writes for community activities: creating and changing an activity, checking registered
persons in and out, the headcount of others, and photos (拍照留档).

Every function is keyword-only and atomic, checks that the actor may run activities
(ACTIVITY_MANAGE) where the activity's station is, validates (ValidationError keyed by field),
writes, and records one audit row. Attendance is never dated in the future: an activity planned
ahead takes no check-ins and no headcount until its day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from shegong.accounts.models import as_user
from shegong.core import attachments, audit
from shegong.core.models import Attachment, AttachmentKind, scope_of
from shegong.core.perms import ACTIVITY_MANAGE, PERSON_VIEW
from shegong.people.models import Person
from shegong.regions.models import Organization, Station

from .activity_models import ACTIVITY_OWNER, Activity, ActivityKind, Attendance, ServiceDomain
from .activity_selectors import partner_choices

MAX_TITLE = 200
MAX_PLACE = 200
MAX_VOLUNTEERS_TEXT = 300
MAX_DESCRIPTION = 5000
MAX_OTHERS = 100_000  # a headcount beyond this is a typing error (a city-wide fair is smaller)
MAX_DAYS_AHEAD = 366
MAX_PHOTOS = 10
EDITABLE = (
    "station",
    "title",
    "domain",
    "kind",
    "held_on",
    "start_time",
    "place",
    "partners",
    "volunteers_text",
    "description",
)


def _manage_scope_contains(actor: Any, code: int) -> bool:
    return scope_of(actor, ACTIVITY_MANAGE).contains(code)


def check_station(actor: Any, station: Station | None, errors: dict[str, Any]) -> None:
    if station is None:
        errors["station"] = _("Choose the organizing station.")
    elif not _manage_scope_contains(actor, station.region_id):
        errors["station"] = _("You may not organize activities for this station.")
    elif not station.active:
        errors["station"] = _("This station is closed.")


def clean_text(
    errors: dict[str, Any], name: str, value: str, limit: int, *, required: bool = False
) -> str:
    value = (value or "").strip()
    if required and not value:
        errors[name] = _("This field is required.")
    elif len(value) > limit:
        errors[name] = _("At most %(n)d characters.") % {"n": limit}
    return value


def _check_others(errors: dict[str, Any], others: int, held_on: dt.date | None) -> None:
    if others < 0:
        errors["others_count"] = _("The number of others cannot be negative.")
    elif others > MAX_OTHERS:
        errors["others_count"] = _("At most %(n)s others.") % {"n": f"{MAX_OTHERS:,}"}
    elif others and held_on is not None and held_on > timezone.localdate():
        errors["others_count"] = _("Nobody can have come to an activity that has not happened.")


def _clean(actor: Any, data: dict[str, Any], errors: dict[str, Any]) -> dict[str, Any]:
    """Validate an activity's fields (all of them: creation, or the merged state of a change)."""
    today = timezone.localdate()
    station: Station | None = data.get("station")
    check_station(actor, station, errors)
    out = dict(data)
    out["title"] = clean_text(errors, "title", data.get("title", ""), MAX_TITLE, required=True)
    out["place"] = clean_text(errors, "place", data.get("place", ""), MAX_PLACE, required=True)
    out["volunteers_text"] = clean_text(
        errors, "volunteers_text", data.get("volunteers_text", ""), MAX_VOLUNTEERS_TEXT
    )
    out["description"] = clean_text(
        errors, "description", data.get("description", ""), MAX_DESCRIPTION
    )
    if data.get("domain") not in ServiceDomain.values:
        errors["domain"] = _("Choose one of the listed service domains.")
    if data.get("kind") not in ActivityKind.values:
        errors["kind"] = _("Choose one of the listed kinds of activity.")
    held_on: dt.date | None = data.get("held_on")
    if held_on is None:
        errors["held_on"] = _("Give the date of the activity.")
    elif held_on > today + dt.timedelta(days=MAX_DAYS_AHEAD):
        errors["held_on"] = _("Plan at most a year ahead.")
    elif held_on.year < 2000:
        errors["held_on"] = _("Check the year.")
    partners = list(data.get("partners") or [])
    if partners and station is not None and "station" not in errors:
        allowed = set(partner_choices(actor, station).values_list("pk", flat=True))
        if any(p.pk not in allowed for p in partners):
            errors["partners"] = _(
                "Partners must be organizations of the station's district or city."
            )
    out["partners"] = partners
    return out


@transaction.atomic
def create_activity(
    *,
    actor: Any,
    station: Station,
    title: str,
    domain: str,
    kind: str,
    held_on: dt.date,
    place: str,
    start_time: dt.time | None = None,
    partners: Iterable[Organization] = (),
    volunteers_text: str = "",
    description: str = "",
    others_count: int = 0,
) -> Activity:
    """Record an activity of `station` (planned ahead, or held: then `others_count` is the
    headcount of people who came but are not registered)."""
    errors: dict[str, Any] = {}
    data = _clean(
        actor,
        {
            "station": station,
            "title": title,
            "domain": domain,
            "kind": kind,
            "held_on": held_on,
            "start_time": start_time,
            "place": place,
            "partners": partners,
            "volunteers_text": volunteers_text,
            "description": description,
        },
        errors,
    )
    _check_others(errors, others_count, held_on)
    if errors:
        raise ValidationError(errors)
    partner_list = data.pop("partners")
    activity = Activity.objects.create(
        **data,
        region_code=station.region_id,
        others_count=others_count,
        created_by=as_user(actor),
    )
    activity.partners.set(partner_list)
    audit.record(
        actor=actor,
        action="activity.create",
        obj=activity,
        region_code=activity.region_code,
        details={"station": station.code, "on": held_on.isoformat(), "others": others_count},
    )
    return activity


def _locked(activity: Activity) -> Activity:
    """The activity's row, locked for the rest of the transaction (counts change under it)."""
    return Activity.objects.select_for_update().select_related("station").get(pk=activity.pk)


@transaction.atomic
def update_activity(*, actor: Any, activity: Activity, **changes: Any) -> Activity:
    """Change any of EDITABLE. Moving the activity to another station needs ACTIVITY_MANAGE at
    both; a held activity with attendance cannot move into the future."""
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise TypeError(f"not editable: {', '.join(unknown)}")
    if not _manage_scope_contains(actor, activity.region_code):
        raise ValidationError(_("You may not change this activity."), code="forbidden")
    current = _locked(activity)
    state = {name: getattr(current, name) for name in EDITABLE if name != "partners"}
    state["partners"] = list(current.partners.all())
    state |= changes
    errors: dict[str, Any] = {}
    data = _clean(actor, state, errors)
    held_on = data["held_on"]
    if (
        "held_on" not in errors
        and held_on is not None
        and held_on > timezone.localdate()
        and (current.named_count or current.others_count)
    ):
        errors["held_on"] = _(
            "People have already been checked in: the activity cannot move into the future."
        )
    if errors:
        raise ValidationError(errors)
    partner_list = data.pop("partners")
    before = {k: str(getattr(current, k)) for k in changes if k != "partners"}
    for name, value in data.items():
        setattr(current, name, value)
    station: Station = data["station"]
    current.region_code = station.region_id
    current.save()
    current.partners.set(partner_list)
    Attendance.objects.filter(activity=current).update(
        on=current.held_on, station=station, region_code=current.region_code
    )
    Attachment.objects.filter(owner_type=ACTIVITY_OWNER, owner_id=current.pk).update(
        region_code=current.region_code
    )
    audit.record(
        actor=actor,
        action="activity.update",
        obj=current,
        region_code=current.region_code,
        details={"changed": sorted(changes), "before": before},
    )
    return current


@transaction.atomic
def set_headcount(*, actor: Any, activity: Activity, others_count: int) -> Activity:
    """Set the number of people present who are not registered (never negative)."""
    if not _manage_scope_contains(actor, activity.region_code):
        raise ValidationError(_("You may not change this activity."), code="forbidden")
    current = _locked(activity)
    errors: dict[str, Any] = {}
    _check_others(errors, others_count, current.held_on)
    if errors:
        raise ValidationError(errors)
    before = current.others_count
    current.others_count = others_count
    current.save(update_fields=["others_count", "updated_at"])
    audit.record(
        actor=actor,
        action="activity.headcount",
        obj=current,
        region_code=current.region_code,
        details={"before": before, "after": others_count},
    )
    return current


def check_attendee(
    actor: Any, person: Person, on: dt.date, errors: dict[str, Any], field: str = "person"
) -> None:
    """Whether `person` can be recorded present on `on`: someone the actor may see, on a day
    that has come, after their birth."""
    if not scope_of(actor, PERSON_VIEW).contains(person.region_id):
        raise ValidationError(_("You may not record this person."), code="forbidden")
    if on > timezone.localdate():
        errors[field] = _("Check-in opens on the day of the activity.")
    elif person.birth_date and person.birth_date > on:
        errors[field] = _("%(name)s was not born yet on that day.") % {"name": person.name}


@transaction.atomic
def check_in(*, actor: Any, activity: Activity, person: Person) -> Attendance:
    """Record a registered person present (once per activity)."""
    if not _manage_scope_contains(actor, activity.region_code):
        raise ValidationError(_("You may not change this activity."), code="forbidden")
    current = _locked(activity)
    errors: dict[str, Any] = {}
    check_attendee(actor, person, current.held_on, errors)
    if not errors and Attendance.objects.filter(activity=current, person=person).exists():
        errors["person"] = _("%(name)s is already checked in.") % {"name": person.name}
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            row = Attendance.objects.create(
                activity=current,
                person=person,
                on=current.held_on,
                station=current.station,
                region_code=current.region_code,
                recorded_by=as_user(actor),
            )
    except IntegrityError:  # a check-in of the same person from another phone, just now
        raise ValidationError(
            {"person": _("%(name)s is already checked in.") % {"name": person.name}}
        ) from None
    Activity.objects.filter(pk=current.pk).update(named_count=F("named_count") + 1)
    audit.record(
        actor=actor,
        action="activity.check_in",
        obj=current,
        region_code=current.region_code,
        details={"person": person.pk},
    )
    return row


@transaction.atomic
def check_out(*, actor: Any, activity: Activity, person: Person) -> None:
    """Remove a check-in made by mistake."""
    if not _manage_scope_contains(actor, activity.region_code):
        raise ValidationError(_("You may not change this activity."), code="forbidden")
    current = _locked(activity)
    deleted, _rows = Attendance.objects.filter(activity=current, person=person).delete()
    if not deleted:
        raise ValidationError({"person": _("%(name)s is not checked in.") % {"name": person.name}})
    Activity.objects.filter(pk=current.pk).update(named_count=F("named_count") - 1)
    audit.record(
        actor=actor,
        action="activity.check_out",
        obj=current,
        region_code=current.region_code,
        details={"person": person.pk},
    )


# --- photos -------------------------------------------------------------------------------------
def check_photos(photos: Sequence[Any]) -> None:
    """Refuse (keyed "photos") too many files, or any that is not a photo; writes nothing."""
    if not photos:
        raise ValidationError({"photos": _("Choose a photo or take one.")})
    if len(photos) > MAX_PHOTOS:
        raise ValidationError({"photos": _("At most %(n)d photos at a time.") % {"n": MAX_PHOTOS}})
    problems: list[str] = []
    for upload in photos:
        name = getattr(upload, "name", "") or _("photo")
        try:
            prepared = attachments.prepare(upload)
        except ValidationError as e:
            problems += [f"{name}: {m}" for m in e.messages]
            continue
        if prepared.kind != AttachmentKind.PHOTO:
            problems.append(f"{name}: " + _("This is not a photo. Attach JPEG, PNG or WebP."))
    if problems:
        raise ValidationError({"photos": problems})


@transaction.atomic
def add_photos(
    *, actor: Any, activity: Activity, photos: Sequence[Any], caption: str = ""
) -> list[Attachment]:
    """Store photos of the activity (EXIF removed by core.attachments); all or none."""
    if not _manage_scope_contains(actor, activity.region_code):
        raise ValidationError(_("You may not add photos here."), code="forbidden")
    photos = list(photos)
    check_photos(photos)
    stored: list[Attachment] = []
    try:
        for upload in photos:
            stored.append(
                attachments.store(
                    actor=actor,
                    owner_type=ACTIVITY_OWNER,
                    owner_id=activity.pk,
                    region_code=activity.region_code,
                    upload=upload,
                    caption=caption,
                    perm=ACTIVITY_MANAGE,
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
