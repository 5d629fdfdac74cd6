"""Reads of assessments; every list starts from the reader's jurisdiction.

Who sees what: ASSESSMENT_VIEW over the division where an assessment was taken shows that it
exists (date, assessor, station). Its content (levels, needs, summary, the six self-care items
and the level) is health data (PIPL art. 28): only for those who also hold PERSON_SENSITIVE
there, i.e. the workers, station heads and supervisors who serve the person, not the district
and city offices or the auditors (`may_read_content`).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from shegong.core import audit
from shegong.core.models import scope_of
from shegong.core.perms import ASSESSMENT_VIEW, PERSON_SENSITIVE
from shegong.people.models import Person

from .assessment_models import (
    DOMAIN_SETS,
    NeedDomain,
    NeedLevel,
    NeedsAssessment,
    SelfCareAssessment,
)
from .case_models import Case
from .policy import add_months

# Suggested goals are due this many months after the assessment.
GOAL_MONTHS = 3
GOAL_LEVELS = (NeedLevel.HIGH, NeedLevel.MEDIUM)

Assessment = NeedsAssessment | SelfCareAssessment


def needs_assessments_for(user: Any) -> QuerySet[NeedsAssessment]:
    """Needs assessments in the user's ASSESSMENT_VIEW jurisdiction, newest first."""
    return NeedsAssessment.objects.visible_to(user, ASSESSMENT_VIEW).select_related(
        "person", "station", "assessor"
    )


def self_care_assessments_for(user: Any) -> QuerySet[SelfCareAssessment]:
    """Self-care assessments in the user's ASSESSMENT_VIEW jurisdiction, newest first."""
    return SelfCareAssessment.objects.visible_to(user, ASSESSMENT_VIEW).select_related(
        "person", "station", "assessor"
    )


def needs_assessments_of(user: Any, person: Person) -> QuerySet[NeedsAssessment]:
    return needs_assessments_for(user).filter(person=person)


def self_care_assessments_of(user: Any, person: Person) -> QuerySet[SelfCareAssessment]:
    return self_care_assessments_for(user).filter(person=person)


def get_needs_assessment_for(user: Any, pk: int) -> NeedsAssessment:
    """The needs assessment if in the user's jurisdiction; otherwise an audited 404 to raise."""
    found = needs_assessments_for(user).select_related("case").filter(pk=pk).first()
    if found is None:
        raise audit.not_found(user, what="needs_assessment", key=pk)
    return found


def get_self_care_assessment_for(user: Any, pk: int) -> SelfCareAssessment:
    """The self-care assessment if in the user's jurisdiction; otherwise an audited 404."""
    found = self_care_assessments_for(user).filter(pk=pk).first()
    if found is None:
        raise audit.not_found(user, what="self_care_assessment", key=pk)
    return found


def may_read_content(user: Any, assessment: Assessment) -> bool:
    """Whether the user may read the levels, needs, items and notes (not only that the
    assessment exists): ASSESSMENT_VIEW and PERSON_SENSITIVE where it was taken."""
    code = assessment.region_code
    return scope_of(user, ASSESSMENT_VIEW).contains(code) and scope_of(
        user, PERSON_SENSITIVE
    ).contains(code)


def record_content_read(user: Any, assessment: Assessment) -> None:
    """Audit a read of an assessment's content (health data), like every read of a person."""
    action = (
        "assessment.needs.read"
        if isinstance(assessment, NeedsAssessment)
        else "assessment.self_care.read"
    )
    audit.record(actor=user, action=action, obj=assessment, region_code=assessment.region_code)


def readable_needs_assessments(user: Any) -> QuerySet[NeedsAssessment]:
    """The needs assessments whose content the user may read."""
    return needs_assessments_for(user).filter(scope_of(user, PERSON_SENSITIVE).q("region_code"))


def latest_needs_assessment(
    user: Any, person: Person, case: Case | None = None
) -> NeedsAssessment | None:
    """The newest needs assessment of the person whose content the user may read: the case's
    newest when `case` has one, otherwise the person's newest."""
    mine = readable_needs_assessments(user).filter(person=person)
    if case is not None:
        of_case = mine.filter(case=case).first()
        if of_case is not None:
            return of_case
    return mine.first()


def rated_domains(
    assessment: NeedsAssessment, levels: tuple[str, ...] = GOAL_LEVELS
) -> list[tuple[str, str, str, str]]:
    """(domain, domain label, level, needs) for the domains rated at one of `levels`, the
    highest level first, then in the domain order of the set."""
    labels = dict(NeedDomain.choices)
    order = DOMAIN_SETS.get(assessment.domain_set, ())
    rows = []
    for rank, level in enumerate(levels):
        for i, domain in enumerate(order):
            entry = assessment.domains.get(domain) or {}
            if entry.get("level") == level:
                rows.append((rank, i, domain, str(labels[domain]), level, entry.get("needs", "")))
    rows.sort()
    return [(d, label, level, needs) for _r, _i, d, label, level, needs in rows]


def suggested_goals(user: Any, person: Person, case: Case | None = None) -> list[dict[str, str]]:
    """Case-plan goals suggested by the person's latest needs assessment the user may read
    (the case's own when it has one): one goal per domain rated medium or high (high first),
    its target the needs written down there, due `GOAL_MONTHS` months after the assessment
    (same day, clamped to the month's end). `[{"goal": str, "target": str, "due":
    "YYYY-MM-DD"}]`; empty when there is no such assessment or no such domain."""
    assessment = latest_needs_assessment(user, person, case)
    if assessment is None:
        return []
    due = add_months(assessment.assessed_on, GOAL_MONTHS).isoformat()
    levels = dict(NeedLevel.choices)
    return [
        {
            "goal": _("%(domain)s: meet the needs found (%(level)s)")
            % {"domain": label, "level": levels[level]},
            "target": needs,
            "due": due,
        }
        for _d, label, level, needs in rated_domains(assessment)
    ]
