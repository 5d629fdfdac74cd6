"""Pairings as JSON: the list, one pairing with its contacts, pairing a volunteer with a person,
recording a contact (staff, or the volunteer for their own pairing), ending a pairing.

A pairing, volunteer or person outside the caller's jurisdiction is 404 with an `access.denied`
audit row; bad input is 422 keyed by field.
"""
# No `from __future__ import annotations` here: django-ninja resolves the annotations of the
# decorated view functions at import time.

import datetime as dt
from decimal import Decimal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema, Status

from shegong.core.api import api_requires
from shegong.core.perms import VOLUNTEER_MANAGE, VOLUNTEER_SELF, VOLUNTEER_VIEW
from shegong.people import selectors as people_selectors

from . import pairing_services as svc
from . import volunteer_selectors as sel
from .volunteer_models import Pairing, PairingContact

router = Router(tags=["volunteers"])


class ContactOut(Schema):
    id: int
    contacted_on: dt.date
    mode: str
    notes: str
    hours: Decimal | None


class PairingOut(Schema):
    id: int
    volunteer: int
    volunteer_name: str
    person: int
    person_name: str
    kind: str
    started_on: dt.date
    ended_on: dt.date | None
    end_reason: str
    contact_every_days: int
    goals: str
    last_contact: dt.date | None
    next_contact_due: dt.date | None
    contacts: list[ContactOut] | None = None


class PairingIn(Schema):
    volunteer: int
    person: int
    kind: str  # one_to_one | peer
    started_on: dt.date | None = None
    contact_every_days: int = 30
    goals: str = ""


class ContactIn(Schema):
    contacted_on: dt.date
    mode: str  # home_visit | phone | online | outing | other
    notes: str = ""
    hours: Decimal | None = None  # also log the volunteer's hours for this contact


class EndIn(Schema):
    reason: str
    ended_on: dt.date | None = None


def _contact_out(c: PairingContact) -> ContactOut:
    logged = getattr(c, "logged_hours", None)  # none: no hours were logged for it
    return ContactOut(
        id=c.pk,
        contacted_on=c.contacted_on,
        mode=c.mode,
        notes=c.notes,
        hours=logged.hours if logged else None,
    )


def pairing_out(p: Pairing, *, contacts: bool = False) -> PairingOut:
    last = getattr(p, "last_contact", None)
    return PairingOut(
        id=p.pk,
        volunteer=p.volunteer_id,
        volunteer_name=p.volunteer.name,
        person=p.person_id,
        person_name=p.person.name,
        kind=p.kind,
        started_on=p.started_on,
        ended_on=p.ended_on,
        end_reason=p.end_reason,
        contact_every_days=p.contact_every_days,
        goals=p.goals,
        last_contact=last,
        next_contact_due=sel.contact_due(p, timezone.localdate()),
        contacts=[_contact_out(c) for c in p.contacts.select_related("logged_hours")]
        if contacts
        else None,
    )


def _fresh(request: HttpRequest, pk: int) -> PairingOut:
    return pairing_out(sel.get_pairing_for(request.user, pk), contacts=True)


@router.get("/pairings", response=list[PairingOut], summary="Pairings in my jurisdiction")
@api_requires(VOLUNTEER_VIEW)
def pairing_list(
    request: HttpRequest, open: bool | None = None, person: int | None = None
) -> list[PairingOut]:
    qs = sel.pairings_for(request.user).order_by("-started_on", "-id")
    if open is not None:
        qs = qs.filter(ended_on__isnull=open)
    if person is not None:
        qs = qs.filter(person_id=person)
    return [pairing_out(p) for p in qs[:1000]]


@router.get("/pairings/{pk}", response=PairingOut, summary="One pairing with its contacts")
@api_requires(VOLUNTEER_VIEW)
def pairing_detail(request: HttpRequest, pk: int) -> PairingOut:
    return _fresh(request, pk)


@router.post("/pairings", response={201: PairingOut}, summary="Pair a volunteer with a person")
@api_requires(VOLUNTEER_MANAGE)
def pairing_create(request: HttpRequest, payload: PairingIn) -> Status[PairingOut]:
    volunteer = sel.get_volunteer_for(request.user, payload.volunteer, VOLUNTEER_MANAGE)
    person = people_selectors.get_person_for(request.user, payload.person, VOLUNTEER_MANAGE)
    pairing = svc.pair(
        actor=request.user,
        volunteer=volunteer,
        person=person,
        kind=payload.kind,
        started_on=payload.started_on,
        contact_every_days=payload.contact_every_days,
        goals=payload.goals,
    )
    return Status(201, _fresh(request, pairing.pk))


@router.post("/pairings/{pk}/contacts", response={201: PairingOut}, summary="Record a contact")
@api_requires(VOLUNTEER_MANAGE)
def contact_create(request: HttpRequest, pk: int, payload: ContactIn) -> Status[PairingOut]:
    pairing = sel.get_pairing_for(request.user, pk, VOLUNTEER_MANAGE)
    svc.record_contact(actor=request.user, pairing=pairing, **payload.dict())
    return Status(201, _fresh(request, pk))


@router.post("/pairings/{pk}/end", response=PairingOut, summary="End a pairing")
@api_requires(VOLUNTEER_MANAGE)
def pairing_end(request: HttpRequest, pk: int, payload: EndIn) -> PairingOut:
    pairing = sel.get_pairing_for(request.user, pk, VOLUNTEER_MANAGE)
    svc.end_pairing(
        actor=request.user, pairing=pairing, ended_on=payload.ended_on, reason=payload.reason
    )
    return _fresh(request, pk)


@router.post(
    "/me/volunteer/pairings/{pk}/contacts",
    response={201: ContactOut},
    summary="Record a contact of my pairing (volunteers)",
)
@api_requires(VOLUNTEER_SELF)
def my_contact_create(request: HttpRequest, pk: int, payload: ContactIn) -> Status[ContactOut]:
    pairing = sel.get_my_pairing(request.user, pk)
    contact = svc.record_contact(actor=request.user, pairing=pairing, **payload.dict())
    return Status(201, _contact_out(contact))
