"""Writes for volunteer hours and recognitions.

Hours: more than zero, at most 24 in one day per volunteer across all entries (the volunteer
row is locked while the day is summed, so two entries at once cannot both squeeze in), never
in the future; an activity or a visit is logged at most once per volunteer. Staff log hours for
the volunteers of their VOLUNTEER_MANAGE jurisdiction; a volunteer's own login logs its own
hours by hand (marked self-reported).

Recognitions: star levels (星级志愿者) and hours milestones only once the hours are there.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from shegong.accounts.models import as_user
from shegong.core import audit
from shegong.core.models import scope_of
from shegong.core.perms import VISIT_VIEW, VOLUNTEER_MANAGE

from .volunteer_models import HoursSource, Recognition, RecognitionKind, Volunteer, VolunteerHours
from .volunteer_services import forbidden, is_self, may_manage

DAY_CAP = Decimal(24)
HOURS_STEP = Decimal("0.01")
# 星级志愿者 (志愿服务记录与证明出具办法): 100, 300, 600, 1000 and 1500 hours give 1 to 5 stars.
STAR_HOURS: tuple[int, ...] = (100, 300, 600, 1000, 1500)


def stars_for(total_hours: Decimal | int) -> int:
    """The star level (0–5) that `total_hours` of service reach."""
    return sum(1 for threshold in STAR_HOURS if total_hours >= threshold)


# --- hours -----------------------------------------------------------------------------------
def clean_hours(value: Any) -> Decimal:
    """Hours as a Decimal with two places: more than zero and at most 24 (ValidationError
    keyed "hours" otherwise)."""
    try:
        hours = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({"hours": _("Enter a number of hours, e.g. 2.5.")}) from None
    if not hours.is_finite():
        raise ValidationError({"hours": _("Enter a number of hours, e.g. 2.5.")})
    if hours <= 0:
        raise ValidationError({"hours": _("Hours must be more than zero.")})
    if hours > DAY_CAP:
        raise ValidationError({"hours": _("A day has at most 24 hours.")})
    return hours.quantize(HOURS_STEP, rounding=ROUND_HALF_UP)


def hours_on(volunteer: Volunteer, day: dt.date) -> Decimal:
    total = VolunteerHours.objects.filter(volunteer=volunteer, served_on=day).aggregate(
        s=Sum("hours")
    )["s"]
    return total or Decimal(0)


def add_hours(
    *,
    actor: Any,
    volunteer: Volunteer,
    served_on: dt.date,
    hours: Decimal,
    source: str,
    description: str = "",
    self_reported: bool = False,
    **link: Any,
) -> VolunteerHours:
    """Write one entry after the day's cap check, with the volunteer row locked. Callers have
    checked the actor and validated `hours` (clean_hours); no audit row here."""
    Volunteer.objects.select_for_update().filter(pk=volunteer.pk).first()
    already = hours_on(volunteer, served_on)
    if already + hours > DAY_CAP:
        raise ValidationError(
            {
                "hours": _(
                    "%(name)s already has %(already)s hours on %(day)s: at most 24 hours a day."
                )
                % {"name": volunteer.name, "already": already.normalize(), "day": served_on}
            }
        )
    return VolunteerHours.objects.create(
        volunteer=volunteer,
        served_on=served_on,
        hours=hours,
        source=source,
        description=description,
        self_reported=self_reported,
        station=volunteer.station,
        region_code=volunteer.region_code,
        recorded_by=as_user(actor),
        **link,
    )


@transaction.atomic
def log_hours(
    *,
    actor: Any,
    volunteer: Volunteer,
    hours: Any,
    served_on: dt.date | None = None,
    description: str = "",
    activity: Any = None,
    visit: Any = None,
) -> VolunteerHours:
    """Log hours of service by hand, or for an activity or a visit (their date is the day
    served). A volunteer's own login may log hours by hand for themselves (marked
    self-reported); staff log for the volunteers in their VOLUNTEER_MANAGE jurisdiction."""
    own = is_self(actor, volunteer)
    if not (own or may_manage(actor, volunteer)):
        raise forbidden()
    errors: dict[str, Any] = {}
    try:
        amount = clean_hours(hours)
    except ValidationError as e:
        errors.update(e.message_dict)
    if not volunteer.active:
        errors["volunteer"] = _("%(name)s is no longer active.") % {"name": volunteer.name}
    if activity is not None and visit is not None:
        errors["activity"] = _("Log hours for an activity or for a visit, not both.")
    source, link = HoursSource.MANUAL, {}
    day = served_on
    if activity is not None and not own:
        source, link, day = HoursSource.ACTIVITY, {"activity": activity}, activity.held_on
        if not scope_of(actor, VOLUNTEER_MANAGE).contains(activity.region_code):
            errors["activity"] = _("Choose an activity of your station.")
        elif VolunteerHours.objects.filter(volunteer=volunteer, activity=activity).exists():
            errors["activity"] = _("Hours for this activity are already logged.")
    elif visit is not None and not own:
        source, link, day = HoursSource.VISIT, {"visit": visit}, visit.visited_on
        if not scope_of(actor, VISIT_VIEW).contains(visit.region_code):
            errors["visit"] = _("Choose a visit in your jurisdiction.")
        elif VolunteerHours.objects.filter(volunteer=volunteer, visit=visit).exists():
            errors["visit"] = _("Hours for this visit are already logged.")
    elif (activity is not None or visit is not None) and own:
        errors["activity"] = _("Ask the station to log hours for activities and visits.")
    if day is None:
        errors["served_on"] = _("Enter the date.")
    elif day > timezone.localdate():
        errors.setdefault("served_on", _("Hours cannot be logged for a future day."))
    description = " ".join(description.split())
    if len(description) > 200:
        errors["description"] = _("At most %(n)d characters.") % {"n": 200}
    if errors:
        raise ValidationError(errors)
    assert day is not None
    entry = add_hours(
        actor=actor,
        volunteer=volunteer,
        served_on=day,
        hours=amount,
        source=source,
        description=description,
        self_reported=own,
        **link,
    )
    audit.record(
        actor=actor,
        action="volunteer.hours.log",
        obj=entry,
        region_code=entry.region_code,
        details={"hours": str(amount), "source": source, "volunteer": volunteer.pk},
    )
    return entry


@transaction.atomic
def delete_hours(*, actor: Any, entry: VolunteerHours) -> None:
    """Remove a wrong entry (staff only; the audit row keeps what it said)."""
    if not may_manage(actor, entry.volunteer):
        raise forbidden()
    details = {"hours": str(entry.hours), "served_on": str(entry.served_on)}
    audit.record(
        actor=actor,
        action="volunteer.hours.delete",
        obj=entry,
        region_code=entry.region_code,
        details=details | {"volunteer": entry.volunteer_id},
    )
    entry.delete()


def total_hours(volunteer: Volunteer) -> Decimal:
    return volunteer.hours.aggregate(s=Sum("hours"))["s"] or Decimal(0)


# --- recognitions ----------------------------------------------------------------------------
@transaction.atomic
def recognize(
    *,
    actor: Any,
    volunteer: Volunteer,
    kind: str,
    title: str = "",
    stars: int | None = None,
    hours_milestone: int | None = None,
    awarded_on: dt.date | None = None,
    note: str = "",
) -> Recognition:
    """Recognize a volunteer: a star level they have reached by their hours, an hours
    milestone they have reached, or another honour with a title."""
    if not may_manage(actor, volunteer):
        raise forbidden()
    errors: dict[str, Any] = {}
    total = total_hours(volunteer)
    title = " ".join(title.split())
    if kind == RecognitionKind.STAR:
        if stars is None or not 1 <= stars <= 5:
            errors["stars"] = _("Choose 1 to 5 stars.")
        elif stars > stars_for(total):
            errors["stars"] = _("%(stars)d stars need %(hours)d hours; %(name)s has %(total)s.") % {
                "stars": stars,
                "hours": STAR_HOURS[stars - 1],
                "name": volunteer.name,
                "total": total.normalize(),
            }
        elif volunteer.recognitions.filter(kind=kind, stars=stars).exists():
            errors["stars"] = _("This star level is already recognized.")
        title = title or _("%(n)d-star volunteer") % {"n": stars or 0}
        hours_milestone = None
    elif kind == RecognitionKind.MILESTONE:
        if hours_milestone is None or hours_milestone <= 0:
            errors["hours_milestone"] = _("Enter the hours reached.")
        elif hours_milestone > total:
            errors["hours_milestone"] = _("%(name)s has %(total)s hours so far.") % {
                "name": volunteer.name,
                "total": total.normalize(),
            }
        title = title or _("%(n)d hours of service") % {"n": hours_milestone or 0}
        stars = None
    elif kind == RecognitionKind.OTHER:
        if not title:
            errors["title"] = _("Enter the title of the recognition.")
        stars = hours_milestone = None
    else:
        errors["kind"] = _("Choose one of the listed kinds.")
    day = awarded_on or timezone.localdate()
    if day > timezone.localdate():
        errors["awarded_on"] = _("The date cannot be in the future.")
    if len(title) > 100:
        errors["title"] = _("At most %(n)d characters.") % {"n": 100}
    if len(note) > 300:
        errors["note"] = _("At most %(n)d characters.") % {"n": 300}
    if errors:
        raise ValidationError(errors)
    rec = Recognition.objects.create(
        volunteer=volunteer,
        kind=kind,
        stars=stars,
        hours_milestone=hours_milestone,
        title=title,
        awarded_on=day,
        note=note.strip(),
        region_code=volunteer.region_code,
        awarded_by=as_user(actor),
    )
    audit.record(actor=actor, action="volunteer.recognize", obj=rec, region_code=rec.region_code)
    return rec
