"""Writes for pairings (一对一结对, 同伴计划): pairing a volunteer with a person, recording the
regular contacts, ending a pairing.

Staff pair volunteers and persons of their VOLUNTEER_MANAGE jurisdiction; the volunteer's own
login may record contacts of their own open pairings. A contact may log the volunteer's hours
for it, under the same 24-hours-a-day cap as every other entry.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shegong.accounts.models import as_user
from shegong.core import audit
from shegong.core.models import scope_of
from shegong.core.perms import VOLUNTEER_MANAGE
from shegong.people.models import Person, PersonStatus

from .hours_services import add_hours, clean_hours
from .volunteer_models import (
    ContactMode,
    HoursSource,
    Pairing,
    PairingContact,
    PairingKind,
    Volunteer,
)
from .volunteer_services import MAX_TEXT, forbidden, is_self

MAX_INTERVAL = 365


def may_manage_pairing(actor: Any, pairing: Pairing) -> bool:
    return scope_of(actor, VOLUNTEER_MANAGE).contains(pairing.region_code)


@transaction.atomic
def pair(
    *,
    actor: Any,
    volunteer: Volunteer,
    person: Person,
    kind: str,
    started_on: dt.date | None = None,
    contact_every_days: int = 30,
    goals: str = "",
) -> Pairing:
    """Pair an active volunteer with a registered person for regular contact."""
    manage = scope_of(actor, VOLUNTEER_MANAGE)
    if not manage.contains(volunteer.region_code):
        raise forbidden()
    errors: dict[str, Any] = {}
    if not manage.contains(person.region_id):
        errors["person"] = _("You may not pair volunteers with this person.")
    elif person.status != PersonStatus.ACTIVE:
        errors["person"] = _("%(name)s is no longer registered.") % {"name": person.name}
    elif volunteer.person_id == person.pk:
        errors["person"] = _("A volunteer cannot be paired with themselves.")
    elif Pairing.objects.filter(volunteer=volunteer, person=person, ended_on__isnull=True).exists():
        errors["person"] = _("%(volunteer)s is already paired with %(person)s.") % {
            "volunteer": volunteer.name,
            "person": person.name,
        }
    if not volunteer.active:
        errors["volunteer"] = _("%(name)s is no longer active.") % {"name": volunteer.name}
    if kind not in PairingKind.values:
        errors["kind"] = _("Choose one of the listed kinds.")
    day = started_on or timezone.localdate()
    if day > timezone.localdate():
        errors["started_on"] = _("The date cannot be in the future.")
    if not isinstance(contact_every_days, int) or not 1 <= contact_every_days <= MAX_INTERVAL:
        errors["contact_every_days"] = _("Between 1 and %(n)d days.") % {"n": MAX_INTERVAL}
    if len(goals) > MAX_TEXT:
        errors["goals"] = _("At most %(n)d characters.") % {"n": MAX_TEXT}
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            pairing = Pairing.objects.create(
                volunteer=volunteer,
                person=person,
                kind=kind,
                started_on=day,
                contact_every_days=contact_every_days,
                goals=goals.strip(),
                station=volunteer.station,
                region_code=person.region_id,
                created_by=as_user(actor),
            )
    except IntegrityError:  # a second request at the same moment
        raise ValidationError(
            {
                "person": _("%(volunteer)s is already paired with %(person)s.")
                % {"volunteer": volunteer.name, "person": person.name}
            }
        ) from None
    audit.record(
        actor=actor,
        action="pairing.create",
        obj=pairing,
        region_code=pairing.region_code,
        details={"volunteer": volunteer.pk, "person": person.pk, "kind": kind},
    )
    return pairing


def last_contact(pairing: Pairing) -> dt.date | None:
    return pairing.contacts.order_by("-contacted_on").values_list("contacted_on", flat=True).first()


def next_contact_due(pairing: Pairing, last: dt.date | None = None) -> dt.date | None:
    """When the next contact is due: `contact_every_days` after the last contact (or after
    the start); None once the pairing has ended."""
    if pairing.ended_on is not None:
        return None
    base = last or last_contact(pairing) or pairing.started_on
    return base + dt.timedelta(days=pairing.contact_every_days)


@transaction.atomic
def record_contact(
    *,
    actor: Any,
    pairing: Pairing,
    contacted_on: dt.date,
    mode: str,
    notes: str = "",
    hours: Any = None,
) -> PairingContact:
    """Record a contact of an open pairing; with `hours`, also log the volunteer's hours for
    it (refused with the contact if they would pass 24 hours that day)."""
    own = is_self(actor, pairing.volunteer)
    if not (own or may_manage_pairing(actor, pairing)):
        raise forbidden()
    errors: dict[str, Any] = {}
    if pairing.ended_on is not None:
        errors["contacted_on"] = _("This pairing has ended.")
    elif contacted_on > timezone.localdate():
        errors["contacted_on"] = _("A contact cannot be dated in the future.")
    elif contacted_on < pairing.started_on:
        errors["contacted_on"] = _("The pairing started on %(day)s.") % {"day": pairing.started_on}
    if mode not in ContactMode.values:
        errors["mode"] = _("Choose one of the listed ways.")
    if len(notes) > MAX_TEXT:
        errors["notes"] = _("At most %(n)d characters.") % {"n": MAX_TEXT}
    amount = None
    if hours not in (None, ""):
        try:
            amount = clean_hours(hours)
        except ValidationError as e:
            errors.update(e.message_dict)
    if errors:
        raise ValidationError(errors)
    contact = PairingContact.objects.create(
        pairing=pairing,
        contacted_on=contacted_on,
        mode=mode,
        notes=notes.strip(),
        region_code=pairing.region_code,
        recorded_by=as_user(actor),
    )
    if amount is not None:
        add_hours(
            actor=actor,
            volunteer=pairing.volunteer,
            served_on=contacted_on,
            hours=amount,
            source=HoursSource.PAIRING,
            description=_("Contact with %(name)s") % {"name": pairing.person.name},
            self_reported=own,
            contact=contact,
        )
    audit.record(
        actor=actor,
        action="pairing.contact",
        obj=contact,
        region_code=contact.region_code,
        details={"pairing": pairing.pk, "hours": str(amount) if amount is not None else None},
    )
    return contact


@transaction.atomic
def end_pairing(
    *, actor: Any, pairing: Pairing, ended_on: dt.date | None = None, reason: str
) -> Pairing:
    if not may_manage_pairing(actor, pairing):
        raise forbidden()
    errors: dict[str, Any] = {}
    day = ended_on or timezone.localdate()
    if pairing.ended_on is not None:
        errors["ended_on"] = _("This pairing has already ended.")
    elif day > timezone.localdate():
        errors["ended_on"] = _("The date cannot be in the future.")
    elif day < (last_contact(pairing) or pairing.started_on):
        errors["ended_on"] = _("The pairing cannot end before its last record.")
    reason = " ".join(reason.split())
    if not reason:
        errors["reason"] = _("Say why the pairing ends.")
    elif len(reason) > 300:
        errors["reason"] = _("At most %(n)d characters.") % {"n": 300}
    if errors:
        raise ValidationError(errors)
    pairing.ended_on = day
    pairing.end_reason = reason
    pairing.save(update_fields=["ended_on", "end_reason"])
    audit.record(actor=actor, action="pairing.end", obj=pairing, region_code=pairing.region_code)
    return pairing
