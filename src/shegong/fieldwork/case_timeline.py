"""Case events on the person timeline (registered by case_views at import).

Only cases in the viewer's CASE_VIEW jurisdiction appear. Everyone who may see a case sees
that it was opened, accepted, planned, served, evaluated, closed, reopened or transferred, with
the date; the words of the case file (problem, reasons, goals, service content, summaries) are
shown only to those who may read its notes (`may_read_notes`), like on the case page.

The changes of stage come from the case's dated stage history (`CaseStageChange`: the opening,
the intake decision, the step into the plan, the loops back from the evaluation, the closure
and reopenings); what was done in a stage from its records (plans agreed, services,
evaluations, closure reports, transfers). A step whose record tells more (plan → intervention:
the plan; → evaluation: the evaluation) is shown once, by that record.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from shegong.people.models import Person
from shegong.people.timeline import TimelineEvent

from .case_models import (
    CaseClosure,
    CaseEvaluation,
    CasePlan,
    CaseService,
    CaseStage,
    CaseStageChange,
    CaseTransfer,
    ClosureStatus,
    TransferStatus,
)
from .case_selectors import cases_of, may_read_notes
from .cases import ENDED

# The person timeline shows the newest 50 events.
LIMIT = 50
DETAIL = 120
KIND = "case"


def _cut(text: str) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= DETAIL else text[: DETAIL - 1] + "…"


def case_events(person: Person, user: Any) -> Iterator[TimelineEvent]:
    cases = {c.pk: c for c in cases_of(user, person)[:LIMIT]}
    if not cases:
        return
    ids = list(cases)
    readers = {pk for pk, c in cases.items() if may_read_notes(user, c)}
    urls = {pk: reverse("cases:detail", args=[pk]) for pk in ids}

    def event(case_id: int, day: Any, title: str, detail: str = "") -> TimelineEvent:
        return TimelineEvent(
            day, KIND, title, _cut(detail) if case_id in readers else "", urls[case_id]
        )

    yield from _stage_events(cases, event)
    for p in CasePlan.objects.filter(case_id__in=ids):
        goals = pgettext("list separator", "; ").join(
            str(g.get("goal", "")) for g in p.goals if isinstance(g, dict)
        )
        yield event(p.case_id, p.created_at, _("Service plan agreed"), goals)
    for s in CaseService.objects.filter(case_id__in=ids).order_by("-served_on", "-id")[:LIMIT]:
        title = _("Case service: %(mode)s, %(minutes)d min") % {
            "mode": s.get_mode_display(),
            "minutes": s.duration_minutes,
        }
        yield event(s.case_id, s.served_on, title, s.content)
    for e in CaseEvaluation.objects.filter(case_id__in=ids):
        yield event(
            e.case_id,
            e.evaluated_on,
            _("Case evaluated"),
            _("satisfaction %(n)d/5") % {"n": e.satisfaction}
            + (f" · {e.changes}" if e.changes else ""),
        )
    yield from _closure_events(ids, event)
    yield from _transfer_events(ids, event)


S = CaseStage
# Steps shown by the record written with them: "Service plan agreed", "Case evaluated".
SHOWN_BY_RECORD = {(S.PLAN, S.INTERVENTION), (S.INTERVENTION, S.EVALUATION)}


def _step_title(src: str, dst: str) -> str | None:
    """The timeline's title of a change of stage; None when a record shows it."""
    if (src, dst) in SHOWN_BY_RECORD:
        return None
    if dst == S.CLOSED:
        return _("Case closed, signed off")
    if src in ENDED:
        return _("Case reopened")
    if src == S.INTAKE:
        if dst == S.ASSESSMENT:
            return _("Case accepted at intake")
        if dst == S.DECLINED:
            return _("Case declined at intake")
        return _("Case referred elsewhere at intake")
    if src == S.EVALUATION:
        if dst == S.PLAN:
            return _("Back to the service plan after the evaluation")
        return _("Intervention continued after the evaluation")
    if dst == S.PLAN:
        return _("Assessment done, service plan in preparation")
    return _("Case moved to %(stage)s") % {"stage": S(dst).label if dst in S.values else dst}


def _stage_events(cases: dict[int, Any], event: Any) -> Iterator[TimelineEvent]:
    changes = CaseStageChange.objects.filter(case_id__in=list(cases)).only(
        "case_id", "from_stage", "to_stage", "changed_on", "note"
    )
    for ch in changes:
        case = cases[ch.case_id]
        if not ch.from_stage:
            title = _("Case opened (%(source)s)") % {"source": case.get_source_display()}
            yield event(ch.case_id, ch.changed_on, title, case.problem)
            continue
        step = _step_title(ch.from_stage, ch.to_stage)
        if step is None:
            continue
        detail = ch.note
        if (ch.from_stage, ch.to_stage) == (S.ASSESSMENT, S.PLAN):
            detail = case.assessment_summary
        yield event(ch.case_id, ch.changed_on, step, detail)


def _closure_events(ids: list[int], event: Any) -> Iterator[TimelineEvent]:
    for c in CaseClosure.objects.filter(case_id__in=ids):
        # The signed closure is the step into "closed" (_stage_events).
        yield event(c.case_id, c.requested_at, _("Closure of the case requested"), c.reason)
        if c.status == ClosureStatus.RETURNED:
            yield event(
                c.case_id,
                c.requested_at,
                _("Closure report returned to the worker"),
                c.supervisor_comment,
            )


def _transfer_events(ids: list[int], event: Any) -> Iterator[TimelineEvent]:
    for t in CaseTransfer.objects.filter(case_id__in=ids).select_related("to_station"):
        name = {"station": t.to_station.name}
        yield event(
            t.case_id,
            t.requested_at,
            _("Transfer of the case to %(station)s asked") % name,
            t.reason,
        )
        if t.status == TransferStatus.ACCEPTED and t.answered_at:
            yield event(
                t.case_id, t.answered_at, _("Case taken over by %(station)s") % name, t.answer_note
            )
        elif t.status == TransferStatus.REJECTED and t.answered_at:
            yield event(
                t.case_id,
                t.answered_at,
                _("Transfer of the case rejected by %(station)s") % name,
                t.answer_note,
            )
