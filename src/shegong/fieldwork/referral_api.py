"""Referrals (转介) as JSON — and, through `alert_api` (imported at the end, on the same router),
risk alerts. The same services and selectors as the pages: a referral or person outside the
caller's REFERRAL_MANAGE jurisdiction is 404 with an `access.denied` audit row; bad input is 422
by field (an organization outside the allowed list is refused at its field and audited).
"""
# No `from __future__ import annotations` here: django-ninja resolves the annotations of the
# decorated view functions at import time.

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from shegong.core.api import api_requires
from shegong.core.audit import deny
from shegong.core.perms import REFERRAL_MANAGE
from shegong.people import selectors as people_selectors

from . import case_selectors, cases
from .case_models import Referral, ReferralDirection, ReferralServiceType, ReferralStatus
from .referral_selectors import days_waiting, pick_organization, referrals_for

router = Router(tags=["referrals"])


class ReferralOut(Schema):
    id: int
    person: int
    person_name: str
    case: int | None
    direction: str  # "out" | "in"
    to_organization: int | None
    to_organization_name: str | None
    from_organization: int | None
    from_organization_name: str | None
    service_type: str
    other_party: str
    reason: str
    status: str
    feedback: str
    outcome: str
    closed_reason: str
    sent_on: dt.date
    answered_on: dt.date | None  # the day an answer came
    closed_on: dt.date | None  # the day it was closed without (further) feedback
    days_waiting: int | None  # while nobody has answered
    region: str
    station: str | None
    created_by: int | None
    created_at: dt.datetime


class ReferralIn(Schema):
    person: int
    direction: str = "out"
    to_organization: int | None = None  # out: an allowed partner or department
    service_type: str = ""  # out: or a kind of service
    from_organization: int | None = None  # in: the sending organization
    other_party: str = ""  # in: or another party (a school, a neighbour …)
    reason: str
    case: int | None = None
    sent_on: dt.date | None = None  # default today


class FeedbackIn(Schema):
    status: str  # accepted | in_progress | done
    feedback: str = ""
    outcome: str = ""  # required when done


class CloseIn(Schema):
    closed_reason: str


class ReferralQuery(Schema):
    direction: str = ""
    status: str = ""
    service_type: str = ""
    person: int | None = None
    start: dt.date | None = None
    end: dt.date | None = None


def _code(region_id: int) -> str:
    return f"{region_id:012d}"


def referral_out(r: Referral) -> ReferralOut:
    return ReferralOut(
        id=r.pk,
        person=r.person_id,
        person_name=r.person.name,
        case=r.case_id,
        direction=r.direction,
        to_organization=r.to_organization_id,
        to_organization_name=r.to_organization.name if r.to_organization else None,
        from_organization=r.from_organization_id,
        from_organization_name=r.from_organization.name if r.from_organization else None,
        service_type=r.service_type,
        other_party=r.other_party,
        reason=r.reason,
        status=r.status,
        feedback=r.feedback,
        outcome=r.outcome,
        closed_reason=r.closed_reason,
        sent_on=r.sent_on,
        answered_on=r.answered_on,
        closed_on=r.closed_on,
        days_waiting=days_waiting(r, timezone.localdate()),
        region=_code(r.region_code),
        station=r.station.code if r.station else None,
        created_by=r.created_by_id,
        created_at=r.created_at,
    )


class ReferralPages(PageNumberPagination):
    def paginate_queryset(
        self,
        queryset: QuerySet,
        pagination: PageNumberPagination.Input,
        request: HttpRequest,
        **params: Any,
    ) -> Any:
        result = super().paginate_queryset(queryset, pagination, request, **params)
        result["items"] = [referral_out(r) for r in result["items"]]
        return result


def _referrals(request: HttpRequest) -> QuerySet[Referral]:
    return referrals_for(request.user).select_related("station")


def _choice(field: str, value: str, values: list[str]) -> None:
    if value and value not in values:
        raise ValidationError(
            {field: _("Choose one of: %(values)s.") % {"values": ", ".join(values)}}
        )


def _get(request: HttpRequest, pk: int) -> Referral:
    referral = _referrals(request).filter(pk=pk).first()
    if referral is None:
        raise deny(request, what="api:referral", object_id=pk)
    return referral


@router.get("/referrals", response=list[ReferralOut], summary="Referrals in my jurisdiction")
@api_requires(REFERRAL_MANAGE)
@paginate(ReferralPages, page_size=50)
def referral_list(request: HttpRequest, filters: Query[ReferralQuery]) -> QuerySet[Referral]:
    """Newest first; `start`/`end` bound the date sent."""
    _choice("direction", filters.direction, ReferralDirection.values)
    _choice("status", filters.status, ReferralStatus.values)
    _choice("service_type", filters.service_type, ReferralServiceType.values)
    qs = _referrals(request)
    for value, lookup in (
        (filters.direction, "direction"),
        (filters.status, "status"),
        (filters.service_type, "service_type"),
        (filters.person, "person_id"),
        (filters.start, "sent_on__gte"),
        (filters.end, "sent_on__lte"),
    ):
        if value not in (None, ""):
            qs = qs.filter(**{lookup: value})
    return qs


@router.get(
    "/referrals/awaiting-feedback",
    response=list[ReferralOut],
    summary="Outgoing referrals nobody has answered",
)
@api_requires(REFERRAL_MANAGE)
@paginate(ReferralPages, page_size=50)
def referrals_awaiting_feedback(request: HttpRequest) -> QuerySet[Referral]:
    """The sender's action list, oldest first: each stays until feedback is recorded or it is
    closed with a reason."""
    return case_selectors.referrals_awaiting_feedback(request.user).select_related("station")


@router.get("/referrals/{pk}", response=ReferralOut, summary="One referral")
@api_requires(REFERRAL_MANAGE)
def referral_detail(request: HttpRequest, pk: int) -> ReferralOut:
    return referral_out(_get(request, pk))


@router.post("/referrals", response={201: ReferralOut}, summary="Make a referral")
@api_requires(REFERRAL_MANAGE)
def referral_create(request: HttpRequest, payload: ReferralIn) -> Status[ReferralOut]:
    """Out: to an allowed organization (`to_organization`) or a kind of service
    (`service_type`). In: from an allowed organization (`from_organization`) or another party
    (`other_party`). An organization outside the allowed list, a date in the future or a
    missing reason answer 422 at that field."""
    person = people_selectors.get_person_for(request.user, payload.person, REFERRAL_MANAGE)
    case = None
    if payload.case is not None:
        case = case_selectors.get_case_for(request.user, payload.case)
    referral = cases.make_referral(
        actor=request.user,
        person=person,
        direction=payload.direction,
        reason=payload.reason,
        to_organization=pick_organization(request.user, payload.to_organization, "to_organization"),
        from_organization=pick_organization(
            request.user, payload.from_organization, "from_organization"
        ),
        service_type=payload.service_type,
        other_party=payload.other_party,
        case=case,
        sent_on=payload.sent_on,
    )
    return Status(201, referral_out(_get(request, referral.pk)))


@router.post("/referrals/{pk}/feedback", response=ReferralOut, summary="Record feedback")
@api_requires(REFERRAL_MANAGE)
def referral_feedback(request: HttpRequest, pk: int, payload: FeedbackIn) -> ReferralOut:
    """A status the referral may move to (422 at `status` otherwise), with feedback; an outcome
    too when it is done."""
    referral = cases.record_referral_feedback(
        actor=request.user,
        referral=_get(request, pk),
        status=payload.status,
        feedback=payload.feedback,
        outcome=payload.outcome,
    )
    return referral_out(_get(request, referral.pk))


@router.post("/referrals/{pk}/close", response=ReferralOut, summary="Close without feedback")
@api_requires(REFERRAL_MANAGE)
def referral_close(request: HttpRequest, pk: int, payload: CloseIn) -> ReferralOut:
    """Take the referral off the action list; `closed_reason` is required."""
    referral = cases.close_referral(
        actor=request.user, referral=_get(request, pk), closed_reason=payload.closed_reason
    )
    return referral_out(_get(request, referral.pk))


# The alert endpoints register on this router (one router per mounted module).
from . import alert_api  # noqa: E402, F401
