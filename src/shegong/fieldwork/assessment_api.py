"""Assessments as JSON: a person's needs and self-care assessments, one of each, and recording
them. The same services and selectors as the pages: a person or assessment outside the
reader's jurisdiction is 404 with an `access.denied` audit row, and the content (health data)
is null for those who may only see that an assessment exists (`content_visible` false).
"""
# No `from __future__ import annotations` here: django-ninja resolves the annotations of the
# decorated view functions at import time.

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema, Status

from shegong.core import audit
from shegong.core.api import api_requires
from shegong.core.audit import deny
from shegong.core.models import scope_of
from shegong.core.perms import ASSESSMENT_RECORD, ASSESSMENT_VIEW, CASE_VIEW, PERSON_VIEW
from shegong.people import selectors as people_selectors
from shegong.people.models import Person

from . import assessment_selectors as selectors
from . import assessment_services as services
from . import case_selectors
from .assessment_models import DOMAIN_SETS, NeedsAssessment, SelfCareAssessment

router = Router(tags=["assessments"])


class DomainOut(Schema):
    level: str
    needs: str


class NeedsOut(Schema):
    id: int
    person: int
    case: int | None
    assessed_on: dt.date
    assessor: int | None
    region: str
    station: str | None
    recorded_at: dt.datetime
    content_visible: bool
    # null unless content_visible
    domain_set: str | None
    domains: dict[str, DomainOut] | None
    strengths: str | None
    summary: str | None


class DomainIn(Schema):
    level: str
    needs: str = ""


class NeedsIn(Schema):
    assessed_on: dt.date | None = None  # default today
    domains: dict[str, DomainIn] = {}  # every domain of the person's set: general or child
    summary: str = ""
    strengths: str = ""
    case: int | None = None


class SelfCareOut(Schema):
    id: int
    person: int
    assessed_on: dt.date
    assessor: int | None
    region: str
    station: str | None
    recorded_at: dt.datetime
    content_visible: bool
    # null unless content_visible
    items: dict[str, bool] | None
    level: str | None
    note: str | None


class SelfCareIn(Schema):
    assessed_on: dt.date | None = None  # default today
    # eating, dressing, transferring, toileting, walking, bathing: true = can do it unaided
    items: dict[str, bool | None] = {}
    note: str = ""


def _code(region_id: int) -> str:
    return f"{region_id:012d}"


def _needs_out(a: NeedsAssessment, readable: bool) -> NeedsOut:
    return NeedsOut(
        id=a.pk,
        person=a.person_id,
        case=a.case_id,
        assessed_on=a.assessed_on,
        assessor=a.assessor_id,
        region=_code(a.region_code),
        station=a.station.code if a.station else None,
        recorded_at=a.recorded_at,
        content_visible=readable,
        domain_set=a.domain_set if readable else None,
        # In the domain set's order: jsonb (PostgreSQL) does not keep the keys' order.
        domains={k: DomainOut(**a.domains[k]) for k in DOMAIN_SETS[a.domain_set] if k in a.domains}
        if readable
        else None,
        strengths=a.strengths if readable else None,
        summary=a.summary if readable else None,
    )


def _self_care_out(a: SelfCareAssessment, readable: bool) -> SelfCareOut:
    return SelfCareOut(
        id=a.pk,
        person=a.person_id,
        assessed_on=a.assessed_on,
        assessor=a.assessor_id,
        region=_code(a.region_code),
        station=a.station.code if a.station else None,
        recorded_at=a.recorded_at,
        content_visible=readable,
        items=a.items if readable else None,
        level=a.level if readable else None,
        note=a.note if readable else None,
    )


def _person_to_assess(request: HttpRequest, pk: int) -> Person:
    person = people_selectors.get_person_for(request.user, pk, PERSON_VIEW)
    if not scope_of(request.user, ASSESSMENT_RECORD).contains(person.region_id):
        raise deny(request, what="api:person", object_id=pk)
    return person


def _read(request: HttpRequest, rows: list[Any], person: Person) -> list[bool]:
    """Which rows' content the user may read; one audit row per request that shows some."""
    readable = [selectors.may_read_content(request.user, a) for a in rows]
    if any(readable):
        action = (
            "assessment.needs.list"
            if isinstance(rows[0], NeedsAssessment)
            else "assessment.self_care.list"
        )
        audit.record(actor=request.user, action=action, obj=person, region_code=person.region_id)
    return readable


# --- needs assessments ----------------------------------------------------------------------
@router.get(
    "/people/{pk}/assessments", response=list[NeedsOut], summary="A person's needs assessments"
)
@api_requires(ASSESSMENT_VIEW)
def needs_list(request: HttpRequest, pk: int) -> list[NeedsOut]:
    """Newest first; the first is the current one."""
    person = people_selectors.get_person_for(request.user, pk, PERSON_VIEW)
    rows = list(selectors.needs_assessments_of(request.user, person))
    return [_needs_out(a, r) for a, r in zip(rows, _read(request, rows, person), strict=True)]


@router.post(
    "/people/{pk}/assessments", response={201: NeedsOut}, summary="Record a needs assessment"
)
@api_requires(ASSESSMENT_RECORD)
def needs_create(request: HttpRequest, pk: int, payload: NeedsIn) -> Status[NeedsOut]:
    """A date in the future, a domain not of the person's set, a level not listed, needs left
    out at medium or high, or a missing summary answer 422 at that field (`level_<domain>`,
    `needs_<domain>`, `domains`, `assessed_on`, `summary`). `case` must be one of the person's
    cases the caller may see (otherwise 404)."""
    person = _person_to_assess(request, pk)
    case = None
    if payload.case is not None:
        case = case_selectors.get_case_for(request.user, payload.case, CASE_VIEW)
        if case.person_id != person.pk:
            raise deny(request, what="api:case", object_id=payload.case)
    assessment = services.record_needs_assessment(
        actor=request.user,
        person=person,
        case=case,
        assessed_on=payload.assessed_on or timezone.localdate(),
        domains={k: v.model_dump() for k, v in payload.domains.items()},
        summary=payload.summary,
        strengths=payload.strengths,
    )
    return Status(201, _needs_out(assessment, selectors.may_read_content(request.user, assessment)))


@router.get("/assessments/{pk}", response=NeedsOut, summary="One needs assessment")
@api_requires(ASSESSMENT_VIEW)
def needs_detail(request: HttpRequest, pk: int) -> NeedsOut:
    assessment = selectors.get_needs_assessment_for(request.user, pk)
    readable = selectors.may_read_content(request.user, assessment)
    if readable:
        selectors.record_content_read(request.user, assessment)
    return _needs_out(assessment, readable)


# --- self-care assessments ------------------------------------------------------------------
@router.get(
    "/people/{pk}/self-care", response=list[SelfCareOut], summary="A person's self-care assessments"
)
@api_requires(ASSESSMENT_VIEW)
def self_care_list(request: HttpRequest, pk: int) -> list[SelfCareOut]:
    """Newest first; the first is the current one."""
    person = people_selectors.get_person_for(request.user, pk, PERSON_VIEW)
    rows = list(selectors.self_care_assessments_of(request.user, person))
    return [_self_care_out(a, r) for a, r in zip(rows, _read(request, rows, person), strict=True)]


@router.post(
    "/people/{pk}/self-care", response={201: SelfCareOut}, summary="Record a self-care assessment"
)
@api_requires(ASSESSMENT_RECORD)
def self_care_create(request: HttpRequest, pk: int, payload: SelfCareIn) -> Status[SelfCareOut]:
    """Each of the six items true (can do it unaided) or false; an item left out or null, an
    unknown item (`items`) or a date in the future answer 422 at that field. The level is
    computed: all six → able, 1–3 failed → partial, 4–6 → lost."""
    person = _person_to_assess(request, pk)
    assessment = services.record_self_care_assessment(
        actor=request.user,
        person=person,
        assessed_on=payload.assessed_on or timezone.localdate(),
        items=payload.items,
        note=payload.note,
    )
    return Status(
        201, _self_care_out(assessment, selectors.may_read_content(request.user, assessment))
    )


@router.get("/self-care/{pk}", response=SelfCareOut, summary="One self-care assessment")
@api_requires(ASSESSMENT_VIEW)
def self_care_detail(request: HttpRequest, pk: int) -> SelfCareOut:
    assessment = selectors.get_self_care_assessment_for(request.user, pk)
    readable = selectors.may_read_content(request.user, assessment)
    if readable:
        selectors.record_content_read(request.user, assessment)
    return _self_care_out(assessment, readable)
