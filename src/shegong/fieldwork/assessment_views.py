"""Assessment pages: recording a needs assessment (预估) or a self-care assessment on a phone,
each assessment's page, the person-page panel and the timeline events.

Every read goes through `assessment_selectors` (jurisdiction by division code); an assessment
or person outside it is 404 with an `access.denied` audit row. The content of an assessment is
shown only to those who may read it (`may_read_content`), and each such read is audited.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from shegong.core import audit, panels
from shegong.core.forms import attach_errors
from shegong.core.models import scope_of
from shegong.core.perms import ASSESSMENT_RECORD, ASSESSMENT_VIEW, CASE_VIEW, PERSON_VIEW
from shegong.core.views import render_page, requires
from shegong.people import selectors as people_selectors
from shegong.people import timeline
from shegong.people.models import Person

from . import assessment_selectors as selectors
from . import assessment_services as services
from . import case_selectors
from .assessment_forms import NeedsAssessmentForm, SelfCareForm
from .assessment_models import (
    DOMAIN_SETS,
    SELF_CARE_ITEMS,
    NeedDomain,
    NeedLevel,
    NeedsAssessment,
)
from .case_models import Case

PANEL_ROWS = 3
# The timeline shows the newest 50 events; more assessments than that cannot make the cut.
TIMELINE_LIMIT = 50


def _person_to_assess(request: HttpRequest, pk: int) -> Person:
    """The person, visible to the user and in their ASSESSMENT_RECORD jurisdiction."""
    person = people_selectors.get_person_for(request.user, pk, PERSON_VIEW)
    if not scope_of(request.user, ASSESSMENT_RECORD).contains(person.region_id):
        raise audit.deny(request, what="person", object_id=pk)
    return person


def _case_of(request: HttpRequest, person: Person) -> Case | None:
    """The case of `?case=` (one of the person's cases the user may see), or None."""
    raw = request.GET.get("case", "")
    if not raw:
        return None
    pk = int(raw) if raw.isdigit() else 0
    case = case_selectors.get_case_for(request.user, pk, CASE_VIEW)
    if case.person_id != person.pk:
        raise audit.deny(request, what="case", object_id=pk)
    return case


def case_url(user: Any, case: Case | None) -> str:
    """The case's page, when the user may see the case."""
    if case is None or not scope_of(user, CASE_VIEW).contains(case.region_code):
        return ""
    return reverse("cases:detail", args=[case.pk])


def _person_url(user: Any, person: Person) -> str:
    if scope_of(user, PERSON_VIEW).contains(person.region_id):
        return reverse("people:detail", args=[person.pk])
    return ""


# --- recording ------------------------------------------------------------------------------
@requires(ASSESSMENT_RECORD)
@require_http_methods(["GET", "POST"])
@never_cache
def needs_new(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person_to_assess(request, pk)
    case = _case_of(request, person)
    today = timezone.localdate()
    form = NeedsAssessmentForm(request.POST or None, person=person, on=today)
    if request.method == "POST" and form.is_valid():
        try:
            assessment = services.record_needs_assessment(
                actor=request.user, person=person, case=case, **form.service_kwargs()
            )
        except ValidationError as e:
            attach_errors(form, e)
        else:
            messages.success(request, _("Needs assessment of %(name)s saved.") % {"name": person})
            return redirect("assessments:needs_detail", pk=assessment.pk)
    context = {
        "form": form,
        "person": person,
        "case": case,
        "age": person.age_on(today),
        "action": request.get_full_path(),
    }
    return render_page(
        request,
        "fieldwork/assessments/needs_form.html",
        context,
        status=422 if form.errors else 200,
    )


@requires(ASSESSMENT_RECORD)
@require_http_methods(["GET", "POST"])
@never_cache
def self_care_new(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person_to_assess(request, pk)
    today = timezone.localdate()
    form = SelfCareForm(request.POST or None, on=today)
    if request.method == "POST" and form.is_valid():
        try:
            assessment = services.record_self_care_assessment(
                actor=request.user, person=person, **form.service_kwargs()
            )
        except ValidationError as e:
            attach_errors(form, e)
        else:
            messages.success(
                request, _("Self-care assessment of %(name)s saved.") % {"name": person}
            )
            return redirect("assessments:self_care_detail", pk=assessment.pk)
    context = {"form": form, "person": person, "age": person.age_on(today)}
    return render_page(
        request,
        "fieldwork/assessments/self_care_form.html",
        context,
        status=422 if form.errors else 200,
    )


# --- one assessment -------------------------------------------------------------------------
@requires(ASSESSMENT_VIEW)
@require_GET
@never_cache
def needs_detail(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = selectors.get_needs_assessment_for(request.user, pk)
    readable = selectors.may_read_content(request.user, assessment)
    rows: list[tuple[str, str, str, str]] = []
    if readable:
        selectors.record_content_read(request.user, assessment)
        levels = dict(NeedLevel.choices)
        for domain in DOMAIN_SETS.get(assessment.domain_set, ()):
            entry = assessment.domains.get(domain) or {}
            level = entry.get("level", "")
            rows.append(
                (
                    str(NeedDomain(domain).label),
                    level,
                    str(levels.get(level, "")),
                    entry.get("needs", ""),
                )
            )
    newest = selectors.needs_assessments_of(request.user, assessment.person).first()
    context = {
        "assessment": assessment,
        "readable": readable,
        "rows": rows,
        "person_url": _person_url(request.user, assessment.person),
        "case_url": case_url(request.user, assessment.case),
        "newer": newest if newest is not None and newest.pk != assessment.pk else None,
    }
    return render_page(request, "fieldwork/assessments/needs_detail.html", context)


@requires(ASSESSMENT_VIEW)
@require_GET
@never_cache
def self_care_detail(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = selectors.get_self_care_assessment_for(request.user, pk)
    readable = selectors.may_read_content(request.user, assessment)
    items: list[tuple[str, bool]] = []
    if readable:
        selectors.record_content_read(request.user, assessment)
        items = [(str(label), getattr(assessment, key)) for key, label in SELF_CARE_ITEMS]
    newest = selectors.self_care_assessments_of(request.user, assessment.person).first()
    context = {
        "assessment": assessment,
        "readable": readable,
        "items": items,
        "person_url": _person_url(request.user, assessment.person),
        "newer": newest if newest is not None and newest.pk != assessment.pk else None,
    }
    return render_page(request, "fieldwork/assessments/self_care_detail.html", context)


# --- the person page and the timeline -------------------------------------------------------
def needs_digest(assessment: NeedsAssessment) -> str:
    """The domains at medium or high, e.g. "health: high · care: medium" ("" when none)."""
    levels = dict(NeedLevel.choices)
    return " · ".join(
        f"{label}: {levels[level]}" for _d, label, level, _n in selectors.rated_domains(assessment)
    )


@panels.person(order=30)
def assessment_panel(request: HttpRequest, person: Person) -> str | None:
    """The person's latest assessments with buttons to record new ones."""
    user = request.user
    if not scope_of(user, ASSESSMENT_VIEW):
        return None
    can_record = scope_of(user, ASSESSMENT_RECORD).contains(person.region_id)
    needs = list(selectors.needs_assessments_of(user, person)[:PANEL_ROWS])
    care = list(selectors.self_care_assessments_of(user, person)[:PANEL_ROWS])
    if not (needs or care or can_record):
        return None
    needs_rows = [
        (a, needs_digest(a) if selectors.may_read_content(user, a) else None) for a in needs
    ]
    care_rows = [
        (a, a.get_level_display() if selectors.may_read_content(user, a) else None) for a in care
    ]
    return render_to_string(
        "fieldwork/assessments/_person_panel.html",
        {
            "person": person,
            "needs_rows": needs_rows,
            "care_rows": care_rows,
            "can_record": can_record,
        },
        request=request,
    )


def assessment_events(person: Person, user: Any) -> Iterator[timeline.TimelineEvent]:
    """Both kinds of assessment of the person that the user may see; what was found only for
    those who may read the content."""
    for a in selectors.needs_assessments_of(user, person)[:TIMELINE_LIMIT]:
        yield timeline.TimelineEvent(
            a.assessed_on,
            "assessment",
            _("Needs assessment"),
            needs_digest(a)[:120] if selectors.may_read_content(user, a) else "",
            reverse("assessments:needs_detail", args=[a.pk]),
        )
    for s in selectors.self_care_assessments_of(user, person)[:TIMELINE_LIMIT]:
        yield timeline.TimelineEvent(
            s.assessed_on,
            "assessment",
            _("Self-care assessment"),
            str(s.get_level_display()) if selectors.may_read_content(user, s) else "",
            reverse("assessments:self_care_detail", args=[s.pk]),
        )


timeline.register(assessment_events)
