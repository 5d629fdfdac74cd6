"""The casework rules (MZ/T 094-2017) as data — the stage transition table and the keywords
that make a note suggest a risk alert — and the writes for referrals (转介) and risk alerts.
Case writes (the state machine) are in case_services.

接案 (intake) → 预估 (assessment) → 计划 (plan) → 介入 (intervention) → 评估 (evaluation) → 结案
(closed). At intake a case may instead be declined or referred out. Evaluation may send the case
back to the plan (goals changed) or to intervention (goals not met yet). A closure happens only
through a supervisor's sign-off; a closed, declined or referred-out case is reopened explicitly.
"""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shegong.accounts.models import as_user
from shegong.core import audit
from shegong.core.models import scope_of
from shegong.core.perms import ALERT_HANDLE, ALERT_RAISE, REFERRAL_MANAGE
from shegong.people.models import Person
from shegong.regions.models import Organization

from .case_models import (
    AlertAction,
    AlertActionKind,
    AlertStatus,
    Case,
    CaseStage,
    Referral,
    ReferralDirection,
    ReferralServiceType,
    ReferralStatus,
    RiskAlert,
    RiskKind,
)
from .case_selectors import allowed_organizations
from .referral_selectors import alert_scope


class Via(StrEnum):
    """How a transition is made: which service function performs it."""

    ADVANCE = "advance"  # case_services.advance with the stage's record
    SIGN_OFF = "sign_off"  # request_closure, then the supervisor's sign_off_closure
    REOPEN = "reopen"  # case_services.reopen


S = CaseStage
TRANSITIONS: dict[str, dict[str, Via]] = {
    S.INTAKE: {S.ASSESSMENT: Via.ADVANCE, S.DECLINED: Via.ADVANCE, S.REFERRED_OUT: Via.ADVANCE},
    S.ASSESSMENT: {S.PLAN: Via.ADVANCE, S.CLOSED: Via.SIGN_OFF},
    S.PLAN: {S.INTERVENTION: Via.ADVANCE, S.CLOSED: Via.SIGN_OFF},
    S.INTERVENTION: {S.EVALUATION: Via.ADVANCE, S.CLOSED: Via.SIGN_OFF},
    S.EVALUATION: {
        S.PLAN: Via.ADVANCE,
        S.INTERVENTION: Via.ADVANCE,
        S.CLOSED: Via.SIGN_OFF,
    },
    S.CLOSED: {S.ASSESSMENT: Via.REOPEN},
    S.DECLINED: {S.INTAKE: Via.REOPEN},
    S.REFERRED_OUT: {S.INTAKE: Via.REOPEN},
}
# Stages in which the case is over; every other stage is open work.
ENDED = frozenset({S.CLOSED, S.DECLINED, S.REFERRED_OUT})
# Stages from which a closure may be requested.
CLOSABLE = frozenset(src for src, tos in TRANSITIONS.items() if tos.get(S.CLOSED) == Via.SIGN_OFF)


def via(from_stage: str, to_stage: str) -> Via | None:
    """How `from_stage` → `to_stage` is made, or None when it is forbidden."""
    return TRANSITIONS.get(from_stage, {}).get(to_stage)


# Words in Chinese notes that point at a risk. Deliberately broad: a suggestion costs a click,
# a missed alert may cost a life. Negations ("无自杀倾向") are not parsed; the worker decides.
ALERT_KEYWORDS: dict[str, tuple[str, ...]] = {
    RiskKind.SELF_HARM: (
        "自杀",
        "轻生",
        "割腕",
        "自残",
        "自伤",
        "跳楼",
        "服药过量",
        "安眠药",
        "不想活",
        "寻死",
    ),
    RiskKind.ABUSE: ("家暴", "家庭暴力", "殴打", "虐待", "打骂", "体罚", "性侵", "猥亵"),
    RiskKind.NEGLECT: ("忽视", "疏于照顾", "挨饿", "不给饭", "衣不蔽体", "弃养", "遗弃"),
    RiskKind.NO_CAREGIVER: ("无人照料", "无人照顾", "无人看护", "无人抚养", "独自在家", "监护缺失"),
    RiskKind.BULLYING: ("欺凌", "霸凌", "被欺负", "校园暴力"),
    RiskKind.DISASTER: ("火灾", "洪水", "地震", "房屋倒塌", "危房", "煤气中毒", "泥石流"),
}
_PATTERNS = {
    kind: re.compile("|".join(re.escape(w) for w in words))
    for kind, words in ALERT_KEYWORDS.items()
}


def suggests_alert(text: str) -> list[str]:
    """The kinds of risk alert that `text` (a note in Chinese) suggests raising, in the order of
    `RiskKind`; empty when nothing in it points at a risk."""
    if not text:
        return []
    return [kind for kind, pattern in _PATTERNS.items() if pattern.search(text)]


def _error(field: str, message: str, code: str = "invalid") -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


def _text(errors: dict[str, Any], field: str, value: str, *, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        errors[field] = _("This field is required.")
    elif len(value) > MAX_TEXT:
        errors[field] = _("At most %(n)d characters.") % {"n": MAX_TEXT}
    return value


MAX_TEXT = 5000


# --- referrals -------------------------------------------------------------------------------
REFERRAL_NEXT: dict[str, frozenset[str]] = {
    ReferralStatus.SENT: frozenset({"accepted", "in_progress", "done", "closed_no_feedback"}),
    ReferralStatus.ACCEPTED: frozenset({"in_progress", "done", "closed_no_feedback"}),
    ReferralStatus.IN_PROGRESS: frozenset({"done", "closed_no_feedback"}),
    ReferralStatus.DONE: frozenset(),
    ReferralStatus.CLOSED_NO_FEEDBACK: frozenset(),
}


def _check_org(actor: Any, field: str, org: Organization | None, errors: dict[str, Any]) -> None:
    if org is not None and not allowed_organizations(actor).filter(pk=org.pk).exists():
        errors[field] = _("Refer only to partner organizations and departments on the list.")


@transaction.atomic
def make_referral(
    *,
    actor: Any,
    person: Person,
    direction: str,
    reason: str,
    to_organization: Organization | None = None,
    from_organization: Organization | None = None,
    service_type: str = "",
    other_party: str = "",
    case: Case | None = None,
    sent_on: dt.date | None = None,
) -> Referral:
    """Record a referral out (to an allowed organization or a service type) or in."""
    if not scope_of(actor, REFERRAL_MANAGE).contains(person.region_id):
        raise ValidationError(_("You may not make referrals for this person."), code="forbidden")
    errors: dict[str, Any] = {}
    if direction not in ReferralDirection.values:
        errors["direction"] = _("Choose outgoing or incoming.")
    if service_type and service_type not in ReferralServiceType.values:
        errors["service_type"] = _("Choose one of the listed services.")
    other_party = other_party.strip()[:100]
    if direction == ReferralDirection.OUT:
        if from_organization is not None:
            errors["from_organization"] = _("An outgoing referral has no sending organization.")
        if to_organization is None and not service_type:
            errors["to_organization"] = _("Choose an organization or a kind of service.")
        _check_org(actor, "to_organization", to_organization, errors)
    elif direction == ReferralDirection.IN:
        if to_organization is not None:
            errors["to_organization"] = _("An incoming referral comes to this station.")
        if from_organization is None and not other_party:
            errors["from_organization"] = _("Say who referred the person.")
        _check_org(actor, "from_organization", from_organization, errors)
    if case is not None and case.person_id != person.pk:
        errors["case"] = _("The case is not this person's.")
    sent_on = sent_on or timezone.localdate()
    if sent_on > timezone.localdate():
        errors["sent_on"] = _("The date cannot be in the future.")
    reason = _text(errors, "reason", reason, required=True)
    if errors:
        raise ValidationError(errors)
    referral = Referral.objects.create(
        person=person,
        case=case,
        direction=direction,
        to_organization=to_organization,
        from_organization=from_organization,
        service_type=service_type,
        other_party=other_party,
        reason=reason,
        sent_on=sent_on,
        region_code=person.region_id,
        station_id=person.station_id,
        created_by=as_user(actor),
    )
    audit.record(
        actor=actor,
        action="referral.make",
        obj=referral,
        region_code=referral.region_code,
        details={"person": person.pk, "direction": direction},
    )
    return referral


def _check_referral(actor: Any, referral: Referral, to_status: str) -> None:
    if not scope_of(actor, REFERRAL_MANAGE).contains(referral.region_code):
        raise ValidationError(_("You may not change this referral."), code="forbidden")
    if to_status not in REFERRAL_NEXT.get(referral.status, frozenset()):
        raise _error("status", _("This referral cannot change to that status."), "transition")


@transaction.atomic
def record_referral_feedback(
    *, actor: Any, referral: Referral, status: str, feedback: str = "", outcome: str = ""
) -> Referral:
    """The answer from the other side: accepted, in progress or done, with feedback/outcome."""
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    if status == ReferralStatus.CLOSED_NO_FEEDBACK:
        raise _error("status", _("Close it with a reason instead."), "transition")
    _check_referral(actor, referral, status)
    errors: dict[str, Any] = {}
    feedback = _text(errors, "feedback", feedback, required=True)
    outcome = _text(errors, "outcome", outcome, required=status == ReferralStatus.DONE)
    if errors:
        raise ValidationError(errors)
    referral.status = status
    referral.feedback = feedback
    referral.outcome = outcome
    referral.answered_on = referral.answered_on or timezone.localdate()
    referral.save()
    audit.record(
        actor=actor,
        action="referral.feedback",
        obj=referral,
        region_code=referral.region_code,
        details={"status": status},
    )
    return referral


@transaction.atomic
def close_referral(*, actor: Any, referral: Referral, closed_reason: str) -> Referral:
    """Take a referral off the action list without (further) feedback; a reason is required.
    `closed_on` is the day it left the action list; `answered_on` stays the day an answer
    came (empty when none did)."""
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    _check_referral(actor, referral, ReferralStatus.CLOSED_NO_FEEDBACK)
    errors: dict[str, Any] = {}
    closed_reason = _text(errors, "closed_reason", closed_reason, required=True)
    if errors:
        raise ValidationError(errors)
    referral.status = ReferralStatus.CLOSED_NO_FEEDBACK
    referral.closed_reason = closed_reason
    referral.closed_on = timezone.localdate()
    referral.save()
    audit.record(
        actor=actor, action="referral.close", obj=referral, region_code=referral.region_code
    )
    return referral


# --- risk alerts -----------------------------------------------------------------------------
@transaction.atomic
def raise_alert(
    *, actor: Any, person: Person, kind: str, description: str, case: Case | None = None
) -> RiskAlert:
    """Raise a risk alert; it is on the station head's and district admin's lists at once."""
    if not scope_of(actor, ALERT_RAISE).contains(person.region_id):
        raise ValidationError(_("You may not raise alerts for this person."), code="forbidden")
    errors: dict[str, Any] = {}
    if kind not in RiskKind.values:
        errors["kind"] = _("Choose one of the listed risks.")
    if case is not None and case.person_id != person.pk:
        errors["case"] = _("The case is not this person's.")
    description = _text(errors, "description", description, required=True)
    if errors:
        raise ValidationError(errors)
    alert = RiskAlert.objects.create(
        person=person,
        case=case,
        kind=kind,
        description=description,
        raised_by=as_user(actor),
        region_code=person.region_id,
        station_id=person.station_id,
    )
    audit.record(
        actor=actor,
        action="alert.raise",
        obj=alert,
        region_code=alert.region_code,
        details={"person": person.pk, "kind": kind},
    )
    return alert


@transaction.atomic
def record_alert_action(
    *, actor: Any, alert: RiskAlert, kind: str, taken_on: dt.date, note: str = ""
) -> AlertAction:
    """Record what was done (placement, referral, police, hospital …)."""
    if not alert_scope(actor).contains(alert.region_code):
        raise ValidationError(_("You may not act on this alert."), code="forbidden")
    if RiskAlert.objects.filter(pk=alert.pk, status=AlertStatus.RESOLVED).exists():
        raise _error("status", _("This alert is already resolved."), "transition")
    errors: dict[str, Any] = {}
    if kind not in AlertActionKind.values:
        errors["kind"] = _("Choose one of the listed actions.")
    if taken_on > timezone.localdate():
        errors["taken_on"] = _("The date cannot be in the future.")
    note = _text(errors, "note", note)
    if errors:
        raise ValidationError(errors)
    action = AlertAction.objects.create(
        alert=alert, kind=kind, taken_on=taken_on, note=note, by=as_user(actor)
    )
    audit.record(
        actor=actor,
        action="alert.action",
        obj=alert,
        region_code=alert.region_code,
        details={"kind": kind, "on": taken_on.isoformat()},
    )
    return action


@transaction.atomic
def resolve_alert(*, actor: Any, alert: RiskAlert, resolution: str) -> RiskAlert:
    """Resolve an open alert (station head, district admin); at least one action must exist."""
    alert = RiskAlert.objects.select_for_update().get(pk=alert.pk)
    if not scope_of(actor, ALERT_HANDLE).contains(alert.region_code):
        raise ValidationError(_("You may not resolve this alert."), code="forbidden")
    if alert.status != AlertStatus.OPEN:
        raise _error("status", _("This alert is already resolved."), "transition")
    errors: dict[str, Any] = {}
    if not alert.actions.exists():
        errors["actions"] = _("Record at least one action before resolving the alert.")
    resolution = _text(errors, "resolution", resolution, required=True)
    if errors:
        raise ValidationError(errors)
    alert.status = AlertStatus.RESOLVED
    alert.resolution = resolution
    alert.resolved_by = as_user(actor)
    alert.resolved_at = timezone.now()
    alert.save()
    audit.record(actor=actor, action="alert.resolve", obj=alert, region_code=alert.region_code)
    return alert
