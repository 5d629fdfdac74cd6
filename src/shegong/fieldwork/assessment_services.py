"""Writes for assessments (预估): recording a needs assessment and a self-care assessment.

Both are recorded once and never changed (a newer one supersedes). Each function checks the
actor's ASSESSMENT_RECORD jurisdiction over the person (otherwise a `forbidden`
ValidationError), validates every field (errors keyed by field, nothing saved), writes and
records one audit row. The audit row names the person and the date, never the content: the
audit log is read by offices that may not read health data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shegong.accounts.models import as_user
from shegong.core import audit
from shegong.core.models import scope_of
from shegong.core.perms import ASSESSMENT_RECORD, CASE_VIEW
from shegong.people.models import Person

from .assessment_models import (
    CHILD_AGE,
    DOMAIN_SETS,
    SELF_CARE_KEYS,
    DomainSet,
    NeedLevel,
    NeedsAssessment,
    SelfCareAssessment,
    self_care_level,
)
from .case_models import Case

MAX_NEEDS = 1000
MAX_TEXT = 5000
# Levels at which the needs must be written down (they become case goals).
NEEDS_REQUIRED = frozenset({NeedLevel.MEDIUM, NeedLevel.HIGH})


def domain_set_for(person: Person, on: dt.date) -> str:
    """The children's domains for a person under 18 on the day, the general ones otherwise
    (also when the birth date is unknown)."""
    age = person.age_on(on)
    return DomainSet.CHILD if age is not None and age < CHILD_AGE else DomainSet.GENERAL


def _check_date(errors: dict[str, Any], person: Person, on: Any) -> None:
    if not isinstance(on, dt.date):
        errors["assessed_on"] = _("Enter the date of the assessment.")
    elif on > timezone.localdate():
        errors["assessed_on"] = _("An assessment cannot be dated in the future.")
    elif person.birth_date and on < person.birth_date:
        errors["assessed_on"] = _("The date is before the person was born.")


def _text(errors: dict[str, Any], field: str, value: Any, limit: int, *, required: bool) -> str:
    value = value.strip() if isinstance(value, str) else ""
    if required and not value:
        errors[field] = _("This field is required.")
    elif len(value) > limit:
        errors[field] = _("At most %(n)d characters.") % {"n": limit}
    return value


def clean_domains(raw: Any, domain_set: str, errors: dict[str, Any]) -> dict[str, dict[str, str]]:
    """`{domain: {"level": …, "needs": …}}` (or `{domain: level}`) over every domain of the set,
    in its order. Errors go to `domains` (not a mapping, domains of another set),
    `level_<domain>` (missing or unknown level) and `needs_<domain>` (missing at medium or
    high, too long)."""
    if not isinstance(raw, Mapping):
        errors["domains"] = _("Give a level for each domain.")
        return {}
    allowed = DOMAIN_SETS[domain_set]
    unknown = sorted(str(k) for k in raw if k not in allowed)
    if unknown:
        errors["domains"] = _("Not a domain of this assessment: %(items)s.") % {
            "items": ", ".join(unknown)
        }
    out: dict[str, dict[str, str]] = {}
    for domain in allowed:
        entry = raw.get(domain)
        if not isinstance(entry, Mapping):
            entry = {"level": entry}
        level = entry.get("level") or ""
        if not level:
            errors[f"level_{domain}"] = _("Choose a level.")
        elif level not in NeedLevel.values:
            errors[f"level_{domain}"] = _("Choose no need, low, medium or high.")
        needs = _text(errors, f"needs_{domain}", entry.get("needs"), MAX_NEEDS, required=False)
        if level in NEEDS_REQUIRED and not needs and f"needs_{domain}" not in errors:
            errors[f"needs_{domain}"] = _("Say what is needed.")
        out[str(domain)] = {"level": str(level), "needs": needs}
    return out


@transaction.atomic
def record_needs_assessment(
    *,
    actor: Any,
    person: Person,
    assessed_on: dt.date,
    domains: Mapping[str, Any],
    summary: str,
    strengths: str = "",
    case: Case | None = None,
) -> NeedsAssessment:
    """Record a needs assessment (预估) of `person`, optionally as the assessment of `case`.

    `domains` maps every domain of the person's set (`domain_set_for` on the day) to a level of
    `NeedLevel` and the needs found (required at medium and high: they become case goals).
    `summary` is the 预估摘要 (self, family and social system). The assessment takes the
    person's current division and station.
    """
    if not scope_of(actor, ASSESSMENT_RECORD).contains(person.region_id):
        raise ValidationError(_("You may not assess this person."), code="forbidden")
    errors: dict[str, Any] = {}
    _check_date(errors, person, assessed_on)
    domain_set = (
        domain_set_for(person, assessed_on) if "assessed_on" not in errors else DomainSet.GENERAL
    )
    clean = clean_domains(domains, domain_set, errors)
    summary = _text(errors, "summary", summary, MAX_TEXT, required=True)
    strengths = _text(errors, "strengths", strengths, MAX_TEXT, required=False)
    if case is not None:
        if case.person_id != person.pk:
            errors["case"] = _("The case is not this person's.")
        elif not scope_of(actor, CASE_VIEW).contains(case.region_code):
            errors["case"] = _("You may not see this case.")
    if errors:
        raise ValidationError(errors)
    assessment = NeedsAssessment.objects.create(
        person=person,
        case=case,
        assessed_on=assessed_on,
        assessor=as_user(actor),
        region_code=person.region_id,
        station_id=person.station_id,
        domain_set=domain_set,
        domains=clean,
        strengths=strengths,
        summary=summary,
    )
    audit.record(
        actor=actor,
        action="assessment.needs.record",
        obj=assessment,
        region_code=assessment.region_code,
        details={
            "person": person.pk,
            "on": assessed_on.isoformat(),
            "case": case.pk if case is not None else None,
        },
    )
    return assessment


@transaction.atomic
def record_self_care_assessment(
    *,
    actor: Any,
    person: Person,
    assessed_on: dt.date,
    items: Mapping[str, Any],
    note: str = "",
) -> SelfCareAssessment:
    """Record a self-care assessment (生活自理能力, reference §2.8 [S33]) of `person`.

    `items` maps each of the six items (`SELF_CARE_KEYS`) to True (can do it unaided) or False;
    a missing or undecided item is an error at that item's field. The level is computed by
    `self_care_level` and stored.
    """
    if not scope_of(actor, ASSESSMENT_RECORD).contains(person.region_id):
        raise ValidationError(_("You may not assess this person."), code="forbidden")
    errors: dict[str, Any] = {}
    _check_date(errors, person, assessed_on)
    if not isinstance(items, Mapping):
        errors["items"] = _("Say for each item whether the person can do it.")
        items = {}
    unknown = sorted(str(k) for k in items if k not in SELF_CARE_KEYS)
    if unknown:
        errors["items"] = _("Not a self-care item: %(items)s.") % {"items": ", ".join(unknown)}
    for key in SELF_CARE_KEYS:
        if not isinstance(items.get(key), bool):
            errors[key] = _("Say whether the person can do this without help.")
    note = _text(errors, "note", note, MAX_TEXT, required=False)
    if errors:
        raise ValidationError(errors)
    values = {key: bool(items[key]) for key in SELF_CARE_KEYS}
    assessment = SelfCareAssessment.objects.create(
        person=person,
        assessed_on=assessed_on,
        assessor=as_user(actor),
        region_code=person.region_id,
        station_id=person.station_id,
        level=self_care_level(values),
        note=note,
        **values,
    )
    audit.record(
        actor=actor,
        action="assessment.self_care.record",
        obj=assessment,
        region_code=assessment.region_code,
        details={"person": person.pk, "on": assessed_on.isoformat()},
    )
    return assessment
