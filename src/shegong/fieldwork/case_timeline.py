"""Case events on the person timeline (registered by case_views at import).

Only cases in the viewer's CASE_VIEW jurisdiction appear. Everyone who may see a case sees
that it was opened, accepted, planned, served, evaluated, closed, reopened or transferred, with
the date; the words of the case file (problem, reasons, goals, service content, summaries) are
shown only to those who may read its notes (`may_read_notes`), like on the case page.

The events are read from the stage records (intake decisions, plans, services, evaluations,
closure reports, transfers); a reopening leaves no record of its own, so it is read from the
audit log (rare rows, found through the indexed action column).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from shegong.core.models import AuditEvent
from shegong.people.models import Person
from shegong.people.timeline import TimelineEvent

from .case_models import (
    CaseClosure,
    CaseEvaluation,
    CaseIntake,
    CasePlan,
    CaseService,
    CaseTransfer,
    ClosureStatus,
    IntakeDecision,
    TransferStatus,
)
from .case_selectors import cases_of, may_read_notes

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

    for c in cases.values():
        yield event(
            c.pk,
            c.opened_on,
            _("Case opened (%(source)s)") % {"source": c.get_source_display()},
            c.problem,
        )
    titles: dict[str, str] = {
        IntakeDecision.ACCEPT: _("Case accepted at intake"),
        IntakeDecision.REFER: _("Case referred elsewhere at intake"),
        IntakeDecision.DECLINE: _("Case declined at intake"),
    }
    for i in CaseIntake.objects.filter(case_id__in=ids):
        yield event(i.case_id, i.decided_on, str(titles.get(i.decision, i.decision)), i.reason)
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
    for a in AuditEvent.objects.filter(
        action="case.reopen", object_type="fieldwork.case", object_id__in=[str(pk) for pk in ids]
    ).only("at", "object_id", "details"):
        yield event(int(a.object_id), a.at, _("Case reopened"), str(a.details.get("reason", "")))


def _closure_events(ids: list[int], event: Any) -> Iterator[TimelineEvent]:
    for c in CaseClosure.objects.filter(case_id__in=ids):
        yield event(c.case_id, c.requested_at, _("Closure of the case requested"), c.reason)
        if c.status == ClosureStatus.SIGNED and c.signed_at:
            yield event(c.case_id, c.signed_at, _("Case closed, signed off"), c.summary)
        elif c.status == ClosureStatus.RETURNED:
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
