"""Reads for the referral and alert pages and API, on top of case_selectors; every list starts
from the user's jurisdiction and single objects are fetched and authorized in one step (an
object outside it is an audited 404).

Alerts are read by those who raise them (ALERT_RAISE: the workers where the person lives) and by
those who handle them (ALERT_HANDLE: station heads, district offices): the union of both scopes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Case as When_
from django.db.models import IntegerField, QuerySet, Value, When
from django.utils.translation import gettext as _

from shegong.core import audit
from shegong.core.models import Outcome, scope_of
from shegong.core.perms import ALERT_HANDLE, ALERT_RAISE
from shegong.core.scoping import Scope
from shegong.regions.models import Organization

from .case_models import AlertStatus, Referral, ReferralStatus, RiskAlert, RiskKind
from .case_selectors import allowed_organizations, referrals_for

# Most urgent first: a life at stake, then harm by others, then a child or elder left alone.
URGENCY: tuple[str, ...] = (
    RiskKind.SELF_HARM,
    RiskKind.ABUSE,
    RiskKind.NO_CAREGIVER,
    RiskKind.NEGLECT,
    RiskKind.DISASTER,
    RiskKind.BULLYING,
    RiskKind.OTHER,
)


# --- referrals -------------------------------------------------------------------------------
def get_referral_for(user: Any, pk: int) -> Referral:
    """The referral if in the user's REFERRAL_MANAGE jurisdiction; otherwise an audited 404."""
    referral = (
        referrals_for(user).select_related("case", "station", "created_by").filter(pk=pk).first()
    )
    if referral is None:
        raise audit.not_found(user, what="referral", key=pk)
    return referral


def pick_organization(user: Any, pk: int | None, field: str) -> Organization | None:
    """The organization `pk` if the user may refer to (or from) it. An id outside the allowed
    list — a forged request, since the pages offer only allowed ones — is recorded as a denied
    access and refused at `field`, with the message the service uses."""
    if pk is None:
        return None
    org = allowed_organizations(user).filter(pk=pk).first()
    if org is None:
        audit.record(
            actor=user,
            action="access.denied",
            object_type="regions.organization",
            object_id=pk,
            outcome=Outcome.DENIED,
            details={"field": field},
        )
        raise ValidationError(
            {field: _("Refer only to partner organizations and departments on the list.")}
        )
    return org


def days_waiting(referral: Referral, on: dt.date) -> int | None:
    """Days since an unanswered referral was sent; None once it has an answer or is closed."""
    if referral.status != ReferralStatus.SENT:
        return None
    return (on - referral.sent_on).days


def referrals_of(user: Any, person_pk: int) -> QuerySet[Referral]:
    return referrals_for(user).filter(person_id=person_pk)


# --- risk alerts -----------------------------------------------------------------------------
def alert_scope(user: Any) -> Scope:
    """Where the user may read alerts: where they raise them or handle them."""
    return scope_of(user, ALERT_RAISE).union(scope_of(user, ALERT_HANDLE))


def alerts_for(user: Any) -> QuerySet[RiskAlert]:
    """Alerts the user may read, newest first."""
    return RiskAlert.objects.in_scope(alert_scope(user)).select_related(
        "person", "station", "raised_by", "resolved_by"
    )


def by_urgency(alerts: QuerySet[RiskAlert]) -> QuerySet[RiskAlert]:
    """Most urgent kind first, then the oldest (the one waiting longest) first."""
    rank = When_(
        *(When(kind=k, then=Value(i)) for i, k in enumerate(URGENCY)),
        default=Value(len(URGENCY)),
        output_field=IntegerField(),
    )
    return alerts.annotate(urgency=rank).order_by("urgency", "raised_at", "id")


def open_alerts_for(user: Any) -> QuerySet[RiskAlert]:
    """The open alerts the user may read, most urgent first."""
    return by_urgency(alerts_for(user).filter(status=AlertStatus.OPEN))


def get_alert_for(user: Any, pk: int, perm: str | None = None) -> RiskAlert:
    """The alert if the user may read it (or, given `perm`, holds that permission where it
    belongs); otherwise an audited 404."""
    alerts = alerts_for(user)
    if perm is not None:
        alerts = alerts.filter(scope_of(user, perm).q("region_code"))
    alert = alerts.select_related("case").filter(pk=pk).first()
    if alert is None:
        raise audit.not_found(user, what="alert", key=pk)
    return alert


def alerts_of(user: Any, person_pk: int) -> QuerySet[RiskAlert]:
    return alerts_for(user).filter(person_id=person_pk)


def may_resolve(user: Any, alert: RiskAlert) -> bool:
    return alert.status == AlertStatus.OPEN and scope_of(user, ALERT_HANDLE).contains(
        alert.region_code
    )


def may_act(user: Any, alert: RiskAlert) -> bool:
    return alert.status == AlertStatus.OPEN and alert_scope(user).contains(alert.region_code)
