"""Writes for cases (个案); those for referrals (转介) and risk alerts are in `cases`.

Every write to a case takes the `expected_version` the user's form was built from; the write is
a guarded `UPDATE … WHERE version = expected` (works on SQLite too), so of two people saving the
same case the second is refused with code "stale" and the first save stays as it was.
Forbidden stage changes raise code "transition" (see `cases.TRANSITIONS`). Every change of
stage — the opening (→ intake) included — writes one `CaseStageChange` in the same transaction
(`case_history.record`): the case's dated history, which the case page and the timeline read.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from shegong.accounts.models import as_user
from shegong.core import audit
from shegong.core.models import scope_of
from shegong.core.perms import (
    CASE_NOTES,
    CASE_SUPERVISE,
    CASE_WORK,
)
from shegong.people.models import Person

from . import case_history, cases
from .case_models import (
    Case,
    CaseClosure,
    CaseEvaluation,
    CaseIntake,
    CasePlan,
    CaseService,
    CaseSource,
    CaseStage,
    ClosureStatus,
    IntakeDecision,
    ServiceMode,
)
from .cases import _error, _text

# Attachments of a case file (core.attachments owner type); their region follows the case.
CASE_OWNER_TYPE = "fieldwork.case"


def _forbidden(message: str) -> ValidationError:
    return ValidationError(message, code="forbidden")


def may_work_on(actor: Any, case: Case) -> bool:
    """The assigned worker, or a station head (CASE_NOTES + CASE_WORK) over the case."""
    if not scope_of(actor, CASE_WORK).contains(case.region_code):
        return False
    mine = as_user(actor) is not None and actor.pk == case.assigned_worker_id
    return mine or scope_of(actor, CASE_NOTES).contains(case.region_code)


def _check_may_work(actor: Any, case: Case) -> None:
    if not may_work_on(actor, case):
        raise _forbidden(_("Only the assigned worker or the station head may change this case."))


def _stale() -> ValidationError:
    return _error(
        "version",
        _("Someone else saved this case meanwhile. Reload it, then make your change again."),
        "stale",
    )


def _bump(case: Case, expected_version: int, **changes: Any) -> None:
    """Write `changes` if nobody saved the case since `expected_version`; refresh `case`."""
    n = Case.objects.filter(pk=case.pk, version=expected_version).update(
        version=F("version") + 1, **changes
    )
    if n != 1:
        raise _stale()
    case.refresh_from_db()


def _fresh(case: Case, expected_version: int) -> Case:
    """The case as stored, refusing early when the caller's copy is stale."""
    current = Case.objects.select_for_update().get(pk=case.pk)
    if current.version != expected_version:
        raise _stale()
    return current


def _audit(actor: Any, action: str, case: Case, **details: Any) -> None:
    audit.record(
        actor=actor,
        action=action,
        obj=case,
        region_code=case.region_code,
        details={"person": case.person_id, "version": case.version, **details},
    )


def _record_stage(actor: Any, case: Case, from_stage: str, to_stage: str, **kw: Any) -> None:
    case_history.record(
        case=case, from_stage=from_stage, to_stage=to_stage, by=as_user(actor), **kw
    )


# --- cases -----------------------------------------------------------------------------------
@transaction.atomic
def open_case(
    *,
    actor: Any,
    person: Person,
    source: str,
    problem: str = "",
    referrer: str = "",
    notes: str = "",
    assigned_worker: Any = None,
    opened_on: dt.date | None = None,
) -> Case:
    """Open a case at intake (接案) for a person in the actor's CASE_WORK jurisdiction, at the
    person's station; the assigned worker (default: the actor) must work there too."""
    if not scope_of(actor, CASE_WORK).contains(person.region_id):
        raise _forbidden(_("You may not open cases for this person."))
    errors: dict[str, Any] = {}
    if source not in CaseSource.values:
        errors["source"] = _("Choose one of the listed sources.")
    opened_on = opened_on or timezone.localdate()
    if opened_on > timezone.localdate():
        errors["opened_on"] = _("A case cannot be opened in the future.")
    worker = assigned_worker or as_user(actor)
    if worker is None or not scope_of(worker, CASE_WORK).contains(person.region_id):
        errors["assigned_worker"] = _("The assigned worker must work where the person lives.")
    if person.station_id is None:
        errors["person"] = _("The person has no responsible station yet.")
    problem = _text(errors, "problem", problem)
    notes = _text(errors, "notes", notes)
    if errors:
        raise ValidationError(errors)
    assert person.station is not None and worker is not None
    case = Case.objects.create(
        person=person,
        station=person.station,
        region_code=person.region_id,
        assigned_worker=worker,
        source=source,
        referrer=referrer.strip()[:100],
        problem=problem,
        notes=notes,
        opened_on=opened_on,
        created_by=as_user(actor),
    )
    _record_stage(actor, case, "", CaseStage.INTAKE, on=opened_on)
    _audit(actor, "case.open", case, source=source)
    return case


@transaction.atomic
def update_notes(*, actor: Any, case: Case, notes: str, expected_version: int) -> Case:
    """Replace the confidential notes (assigned worker or station head)."""
    _check_may_work(actor, case)
    errors: dict[str, Any] = {}
    notes = _text(errors, "notes", notes)
    if errors:
        raise ValidationError(errors)
    _fresh(case, expected_version)
    _bump(case, expected_version, notes=notes)
    # The audit row says that the notes changed, never what they say.
    _audit(actor, "case.notes", case)
    return case


def _enter(actor: Any, case: Case, to_stage: str, data: dict[str, Any]) -> dict[str, Any]:
    """Validate and write the record `to_stage` needs; the changes to make on the case."""
    errors: dict[str, Any] = {}
    today = timezone.localdate()
    by = as_user(actor)
    if to_stage in (CaseStage.ASSESSMENT, CaseStage.DECLINED, CaseStage.REFERRED_OUT):
        consent = bool(data.get("consent_given"))
        reason = _text(errors, "reason", data.get("reason", ""), required=to_stage != "assessment")
        if to_stage == CaseStage.ASSESSMENT and not consent:
            errors["consent_given"] = _("The client (or guardian) must consent to the service.")
        if errors:
            raise ValidationError(errors)
        decision = {
            CaseStage.ASSESSMENT: IntakeDecision.ACCEPT,
            CaseStage.DECLINED: IntakeDecision.DECLINE,
            CaseStage.REFERRED_OUT: IntakeDecision.REFER,
        }[CaseStage(to_stage)]
        CaseIntake.objects.create(
            case=case,
            consent_given=consent,
            decision=decision,
            reason=reason,
            decided_on=today,
            decided_by=by,
        )
        return {} if decision == IntakeDecision.ACCEPT else {"closed_on": today}
    if to_stage == CaseStage.PLAN:
        summary = data.get("assessment_summary")
        if summary is None and case.assessment_summary:
            return {}  # back from evaluation: the assessment stands
        summary = _text(errors, "assessment_summary", summary or "", required=True)
        if errors:
            raise ValidationError(errors)
        return {"assessment_summary": summary}
    if to_stage == CaseStage.INTERVENTION:
        if "goals" not in data and case.stage == CaseStage.EVALUATION:
            return {}  # continue under the plan in force
        _write_plan(actor, case, data)
        return {}
    if to_stage == CaseStage.EVALUATION:
        _write_evaluation(actor, case, data)
        return {}
    raise _error("to_stage", _("Unknown stage."), "transition")


def _write_plan(actor: Any, case: Case, data: dict[str, Any]) -> CasePlan:
    errors: dict[str, Any] = {}
    goals = data.get("goals") or []
    clean: list[dict[str, str]] = []
    if not isinstance(goals, list) or not goals:
        errors["goals"] = _("A plan needs at least one goal.")
    else:
        for g in goals:
            goal = str(g.get("goal", "")).strip() if isinstance(g, dict) else ""
            target = str(g.get("target", "")).strip() if isinstance(g, dict) else ""
            due = g.get("due") if isinstance(g, dict) else None
            if isinstance(due, dt.date):
                due = due.isoformat()
            try:
                dt.date.fromisoformat(str(due))
            except ValueError:
                due = None
            if not goal or not target or not due:
                errors["goals"] = _("Each goal needs a measurable target and a due date.")
                break
            clean.append({"goal": goal, "target": target, "due": str(due)})
    by_client = bool(data.get("agreed_by_client"))
    by_guardian = bool(data.get("agreed_by_guardian"))
    agreed_on = data.get("agreed_on")
    if not (by_client or by_guardian) or not isinstance(agreed_on, dt.date):
        errors["agreed_on"] = _("Record when the client or guardian agreed to the plan.")
    elif agreed_on > timezone.localdate():
        errors["agreed_on"] = _("The date cannot be in the future.")
    tasks = _text(errors, "tasks", data.get("tasks", ""))
    if errors:
        raise ValidationError(errors)
    return CasePlan.objects.create(
        case=case,
        goals=clean,
        tasks=tasks,
        agreed_by_client=by_client,
        agreed_by_guardian=by_guardian,
        agreed_on=agreed_on,
        created_by=as_user(actor),
    )


def _write_evaluation(actor: Any, case: Case, data: dict[str, Any]) -> CaseEvaluation:
    errors: dict[str, Any] = {}
    if not case.services.exists():
        errors["services"] = _("Record at least one service before the evaluation.")
    attainment = data.get("attainment")
    satisfaction = data.get("satisfaction")
    if not isinstance(attainment, list) or not attainment:
        errors["attainment"] = _("Say for each goal whether it was attained.")
    elif any(
        not isinstance(a, dict) or a.get("attained") not in ("yes", "partly", "no")
        for a in attainment
    ):
        errors["attainment"] = _("Mark each goal attained, partly attained or not attained.")
    if not isinstance(satisfaction, int) or not 1 <= satisfaction <= 5:
        errors["satisfaction"] = _("Satisfaction is a number from 1 to 5.")
    changes = _text(errors, "changes", data.get("changes", ""))
    if errors:
        raise ValidationError(errors)
    assert isinstance(attainment, list) and isinstance(satisfaction, int)
    rows = [{"goal": str(a.get("goal", "")), "attained": a["attained"]} for a in attainment]
    return CaseEvaluation.objects.create(
        case=case,
        attainment=rows,
        satisfaction=satisfaction,
        changes=changes,
        evaluated_on=timezone.localdate(),
        evaluated_by=as_user(actor),
    )


def _refuse_transition(from_stage: str, to_stage: str) -> ValidationError:
    how = cases.via(from_stage, to_stage)
    if how == cases.Via.SIGN_OFF:
        msg = _("A case closes only when a supervisor signs off its closure report.")
    elif how == cases.Via.REOPEN:
        msg = _("Reopen the case instead.")
    else:
        msg = _("A case cannot go from “%(src)s” to “%(dst)s”.") % {
            "src": CaseStage(from_stage).label if from_stage in CaseStage.values else from_stage,
            "dst": CaseStage(to_stage).label if to_stage in CaseStage.values else to_stage,
        }
    return _error("to_stage", msg, "transition")


@transaction.atomic
def advance(
    *, actor: Any, case: Case, to_stage: str, expected_version: int, **stage_data: Any
) -> Case:
    """Move the case to `to_stage` with the record that stage needs:

    - assessment: `consent_given=True` (writes the intake: accept);
    - declined / referred_out: `reason` (writes the intake decision; the case ends);
    - plan: `assessment_summary` (optional when coming back from evaluation);
    - intervention: the plan — `goals` [{goal, target, due}], `tasks`, `agreed_by_client` /
      `agreed_by_guardian`, `agreed_on` (optional when coming back from evaluation);
    - evaluation: `attainment` [{goal, attained: yes|partly|no}], `satisfaction` 1–5,
      `changes` (at least one service must have been recorded).
    """
    _check_may_work(actor, case)
    current = _fresh(case, expected_version)
    if cases.via(current.stage, to_stage) != cases.Via.ADVANCE:
        raise _refuse_transition(current.stage, to_stage)
    changes = _enter(actor, current, to_stage, stage_data)
    _bump(case, expected_version, stage=to_stage, **changes)
    # An intake decision's reason (checked by _enter) is the note of the step.
    note = str(stage_data.get("reason") or "").strip() if current.stage == CaseStage.INTAKE else ""
    _record_stage(actor, case, current.stage, to_stage, note=note)
    _audit(actor, "case.advance", case, **{"from": current.stage, "to": to_stage})
    return case


@transaction.atomic
def record_service(
    *,
    actor: Any,
    case: Case,
    served_on: dt.date,
    mode: str,
    duration_minutes: int,
    content: str,
    resources: str = "",
    expected_version: int | None = None,
) -> CaseService:
    """Record one act of service (个案服务记录) on a case in intervention. A service is added,
    not edited, so the version is not bumped; given `expected_version` (a form built from an
    older state of the case) a newer save refuses it as stale."""
    _check_may_work(actor, case)
    if expected_version is not None:
        _fresh(case, expected_version)
    case.refresh_from_db()
    if case.stage != CaseStage.INTERVENTION:
        raise _error("stage", _("Services are recorded while the case is in intervention."))
    errors: dict[str, Any] = {}
    if mode not in ServiceMode.values:
        errors["mode"] = _("Choose one of the listed modes.")
    if served_on > timezone.localdate():
        errors["served_on"] = _("A service cannot be dated in the future.")
    elif served_on < case.opened_on:
        errors["served_on"] = _("The date is before the case was opened.")
    if not isinstance(duration_minutes, int) or not 1 <= duration_minutes <= 24 * 60:
        errors["duration_minutes"] = _("Enter the duration in minutes (1–1440).")
    content = _text(errors, "content", content, required=True)
    resources = _text(errors, "resources", resources)
    if errors:
        raise ValidationError(errors)
    service = CaseService.objects.create(
        case=case,
        served_on=served_on,
        mode=mode,
        duration_minutes=duration_minutes,
        content=content,
        resources=resources,
        region_code=case.region_code,
        station_id=case.station_id,
        recorded_by=as_user(actor),
    )
    audit.record(
        actor=actor,
        action="case.service",
        obj=service,
        region_code=case.region_code,
        details={"case": case.pk, "on": served_on.isoformat(), "minutes": duration_minutes},
    )
    return service


@transaction.atomic
def request_closure(
    *,
    actor: Any,
    case: Case,
    reason: str,
    summary: str,
    expected_version: int,
    follow_up_on: dt.date | None = None,
) -> CaseClosure:
    """File the closure report (结案报告); the case stays open until a supervisor signs it."""
    _check_may_work(actor, case)
    current = _fresh(case, expected_version)
    if current.stage not in cases.CLOSABLE:
        raise _refuse_transition(current.stage, CaseStage.CLOSED)
    if current.closures.filter(status=ClosureStatus.REQUESTED).exists():
        raise _error("reason", _("A closure report is already waiting for sign-off."), "transition")
    errors: dict[str, Any] = {}
    reason = _text(errors, "reason", reason, required=True)[:200]
    summary = _text(errors, "summary", summary, required=True)
    if follow_up_on is not None and follow_up_on < timezone.localdate():
        errors["follow_up_on"] = _("The follow-up date cannot be in the past.")
    if errors:
        raise ValidationError(errors)
    closure = CaseClosure.objects.create(
        case=current,
        reason=reason,
        summary=summary,
        follow_up_on=follow_up_on,
        requested_by=as_user(actor),
    )
    _bump(case, expected_version)
    _audit(actor, "case.closure.request", case, closure=closure.pk)
    return closure


@transaction.atomic
def sign_off_closure(
    *,
    actor: Any,
    closure: CaseClosure,
    approve: bool = True,
    comment: str = "",
    expected_version: int | None = None,
) -> CaseClosure:
    """A supervisor over the case's station signs the closure (the case closes) or returns it
    to the worker with a comment (the case stays where it was). Given `expected_version`, a
    case saved by someone else since the supervisor read it is refused as stale."""
    case = Case.objects.select_for_update().get(pk=closure.case_id)
    if not scope_of(actor, CASE_SUPERVISE).contains(case.region_code):
        raise _forbidden(_("Only a supervisor over this station may sign off the closure."))
    if as_user(actor) is not None and actor.pk == case.assigned_worker_id:
        raise _forbidden(_("The assigned worker cannot sign off their own case."))
    closure.refresh_from_db()
    if closure.status != ClosureStatus.REQUESTED:
        raise _error("status", _("This closure report has already been answered."), "transition")
    if expected_version is not None and case.version != expected_version:
        raise _stale()
    if case.stage not in cases.CLOSABLE:
        raise _refuse_transition(case.stage, CaseStage.CLOSED)
    errors: dict[str, Any] = {}
    comment = _text(errors, "supervisor_comment", comment, required=not approve)
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    closure.status = ClosureStatus.SIGNED if approve else ClosureStatus.RETURNED
    closure.supervisor_signed_by = as_user(actor) if approve else None
    closure.signed_at = now if approve else None
    closure.supervisor_comment = comment
    closure.save()
    changes: dict[str, Any] = {}
    from_stage = case.stage
    if approve:
        changes = {"stage": CaseStage.CLOSED, "closed_on": timezone.localdate()}
        if case.supervisor_id is None and as_user(actor) is not None:
            changes["supervisor"] = actor
    _bump(case, case.version, **changes)
    if approve:
        _record_stage(actor, case, from_stage, CaseStage.CLOSED, note=comment or closure.reason)
    _audit(actor, "case.closure.sign" if approve else "case.closure.return", case)
    return closure


@transaction.atomic
def reopen(*, actor: Any, case: Case, reason: str, expected_version: int) -> Case:
    """Reopen an ended case: a closed one goes back to assessment, a declined or referred-out
    one back to intake."""
    _check_may_work(actor, case)
    current = _fresh(case, expected_version)
    target = next(
        (dst for dst, how in cases.TRANSITIONS[current.stage].items() if how == cases.Via.REOPEN),
        None,
    )
    if target is None:
        raise _error("to_stage", _("Only a closed or ended case can be reopened."), "transition")
    errors: dict[str, Any] = {}
    reason = _text(errors, "reason", reason, required=True)
    if errors:
        raise ValidationError(errors)
    _bump(case, expected_version, stage=target, closed_on=None)
    _record_stage(actor, case, current.stage, target, note=reason)
    _audit(actor, "case.reopen", case, reason=reason[:200], to=target)
    return case
