"""Forms of the case pages. They parse input; case_services validate and write.

Every form that changes a case carries the `version` the page was built from (a hidden field):
the service refuses a save over someone else's newer one. The advance forms also carry the
`step` they belong to, so that a refused form is shown again as the user filled it in, even
when the case has meanwhile moved to another stage.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shegong.accounts.models import User
from shegong.regions.models import Station

from .case_models import Case, CaseSource, CaseStage, ServiceMode
from .cases import MAX_TEXT

# type=date inputs need ISO dates whatever the language.
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MAX_GOAL_ROWS = 20
MAX_GOAL = 1000  # suggested goals carry the needs written in the assessment
ATTAINED = [("yes", _("attained")), ("partly", _("partly attained")), ("no", _("not attained"))]
# Service error keys that no form field shows go to the form's top (never lost).
TOP = "__all__"


def _text(label: Any, *, rows: int = 3, required: bool = False, **kw: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": rows}),
        **kw,
    )


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj)


def _users(field: forms.Field, users: list[Any]) -> None:
    assert isinstance(field, forms.ModelChoiceField)
    field.queryset = User.objects.filter(pk__in=[u.pk for u in users]).order_by(
        "full_name", "username"
    )


class CaseForm(forms.Form):
    """A form that changes a case: it carries the version it was built from."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    service_fields = {"version": TOP, "to_stage": TOP, "stage": TOP, "status": TOP}
    step = ""  # the advance step (advance forms only)

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.case = case
        if not self.is_bound:
            self.initial.setdefault("version", case.version)


# --- list and intake ------------------------------------------------------------------------
class CaseFilterForm(forms.Form):
    stage = forms.ChoiceField(
        label=_("Stage"),
        required=False,
        choices=[("", "—"), ("open", _("open (any stage)")), *CaseStage.choices],
    )
    station = forms.ModelChoiceField(
        label=_("Station"),
        queryset=Station.objects.none(),
        required=False,
        to_field_name="code",
        empty_label="—",
    )
    mine = forms.BooleanField(label=_("Only my cases"), required=False)

    def __init__(self, *args: Any, stations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["station"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = stations

    def filters(self) -> dict[str, Any]:
        if not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "", False)}


class IntakeForm(forms.Form):
    """Opening a case (接案登记)."""

    source = forms.ChoiceField(label=_("How the case came"), choices=CaseSource.choices)
    referrer = forms.CharField(label=_("Referred by"), max_length=100, required=False)
    problem = _text(_("Presenting problem"))
    notes = _text(
        _("Confidential notes"),
        rows=4,
        help_text=_("Only the assigned worker, the station head and the supervisor read them."),
    )
    assigned_worker = UserChoiceField(label=_("Assigned worker"), queryset=None)

    def __init__(self, *args: Any, workers: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _users(self.fields["assigned_worker"], workers)


# --- advancing the stage --------------------------------------------------------------------
class IntakeDecisionForm(CaseForm):
    step = "intake"
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (CaseStage.ASSESSMENT.value, _("accept the case")),
            (CaseStage.REFERRED_OUT.value, _("refer elsewhere")),
            (CaseStage.DECLINED.value, _("decline")),
        ],
    )
    consent_given = forms.BooleanField(
        label=_("The client (or guardian) consents to the service"), required=False
    )
    reason = _text(
        _("Reason"), rows=2, help_text=_("Required when referring elsewhere or declining.")
    )
    service_fields = {**CaseForm.service_fields, "to_stage": "decision"}

    def to_stage(self) -> str:
        return str(self.cleaned_data["decision"])

    def stage_data(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {"consent_given": bool(d.get("consent_given")), "reason": d.get("reason") or ""}


class AssessmentForm(CaseForm):
    step = "assess"
    assessment_summary = _text(
        _("Assessment (预估) summary"),
        rows=4,
        help_text=_("Needs, strengths, risks and the support network found."),
    )

    def to_stage(self) -> str:
        return CaseStage.PLAN

    def stage_data(self) -> dict[str, Any]:
        return {"assessment_summary": self.cleaned_data.get("assessment_summary") or ""}


class PlanForm(CaseForm):
    """The service plan: goal rows (goal, measurable target, due date), tasks and who agreed.
    `goal_rows` says how many rows the form has; empty rows are left out."""

    step = "plan"
    goal_rows = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=MAX_GOAL_ROWS)
    tasks = _text(_("Tasks and responsible people"))
    agreed_by_client = forms.BooleanField(label=_("Agreed by the client"), required=False)
    agreed_by_guardian = forms.BooleanField(label=_("Agreed by the guardian"), required=False)
    agreed_on = forms.DateField(label=_("Agreed on"), required=False, widget=DATE)

    def __init__(
        self, *args: Any, suggested: list[dict[str, str]] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if self.is_bound:
            try:
                n = int(self.data.get("goal_rows", 1))
            except (TypeError, ValueError):
                n = 1
            if self.data.get("add_row"):
                n += 1
        else:
            rows = suggested or []
            n = len(rows) + 2 if rows else 3
            for i, g in enumerate(rows):
                self.initial[f"goal_{i}"] = g.get("goal", "")
                self.initial[f"target_{i}"] = g.get("target", "")
                self.initial[f"due_{i}"] = g.get("due", "")
            self.initial.setdefault("agreed_on", timezone.localdate())
            self.initial.setdefault("agreed_by_client", True)
        self.rows = max(1, min(n, MAX_GOAL_ROWS))
        self.initial["goal_rows"] = self.rows
        if self.is_bound:
            data: Any = self.data
            data = data.copy()
            data["goal_rows"] = str(self.rows)
            self.data = data
        for i in range(self.rows):
            self.fields[f"goal_{i}"] = forms.CharField(
                label=_("Goal"), max_length=MAX_GOAL, required=False
            )
            self.fields[f"target_{i}"] = forms.CharField(
                label=_("Measurable target"), max_length=MAX_GOAL, required=False
            )
            self.fields[f"due_{i}"] = forms.DateField(label=_("Due"), required=False, widget=DATE)

    def goal_fields(self) -> list[tuple[int, Any, Any, Any]]:
        return [
            (i, self[f"goal_{i}"], self[f"target_{i}"], self[f"due_{i}"]) for i in range(self.rows)
        ]

    def other_fields(self) -> list[Any]:
        return [self[n] for n in ("tasks", "agreed_by_client", "agreed_by_guardian", "agreed_on")]

    def to_stage(self) -> str:
        return CaseStage.INTERVENTION

    def goals(self) -> list[dict[str, Any]]:
        d = self.cleaned_data
        out = []
        for i in range(self.rows):
            goal, target, due = d.get(f"goal_{i}"), d.get(f"target_{i}"), d.get(f"due_{i}")
            if goal or target or due:
                out.append({"goal": goal or "", "target": target or "", "due": due or ""})
        return out

    def stage_data(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "goals": self.goals(),
            "tasks": d.get("tasks") or "",
            "agreed_by_client": bool(d.get("agreed_by_client")),
            "agreed_by_guardian": bool(d.get("agreed_by_guardian")),
            "agreed_on": d.get("agreed_on"),
        }


class EvaluationForm(CaseForm):
    """Goal attainment for each goal of the plan in force, the client's satisfaction and the
    changes seen (评估)."""

    step = "evaluate"
    satisfaction = forms.TypedChoiceField(
        label=_("Client satisfaction"),
        coerce=int,
        choices=[("", "—"), *((n, str(n)) for n in range(5, 0, -1))],
        required=False,
        help_text=_("5 = very satisfied, 1 = very dissatisfied."),
    )
    changes = _text(_("Changes observed"))
    service_fields = {**CaseForm.service_fields, "attainment": TOP, "services": TOP}

    def __init__(self, *args: Any, goals: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.goal_names = list(goals or [])
        for i, goal in enumerate(self.goal_names):
            self.fields[f"attained_{i}"] = forms.ChoiceField(
                label=goal, choices=[("", "—"), *ATTAINED], required=False
            )
        order = [f"attained_{i}" for i in range(len(self.goal_names))]
        self.order_fields([*order, "satisfaction", "changes"])
        if not self.goal_names:
            self.fields["overall"] = forms.ChoiceField(
                label=_("Goals of the case"), choices=[("", "—"), *ATTAINED], required=False
            )

    def to_stage(self) -> str:
        return CaseStage.EVALUATION

    def stage_data(self) -> dict[str, Any]:
        d = self.cleaned_data
        if self.goal_names:
            attainment = [
                {"goal": g, "attained": d.get(f"attained_{i}") or ""}
                for i, g in enumerate(self.goal_names)
            ]
        else:
            attainment = [{"goal": "", "attained": d.get("overall") or ""}]
        sat = d.get("satisfaction")
        return {
            "attainment": attainment,
            "satisfaction": sat if isinstance(sat, int) else None,
            "changes": d.get("changes") or "",
        }


class ReviewForm(CaseForm):
    """After the evaluation: revise the plan, or continue the intervention under it."""

    step = "review"
    next_stage = forms.ChoiceField(
        label=_("Next step"),
        choices=[
            (CaseStage.INTERVENTION.value, _("continue the intervention under the plan")),
            (CaseStage.PLAN.value, _("revise the plan")),
        ],
    )
    assessment_summary = _text(
        _("New assessment (optional)"),
        rows=3,
        help_text=_("When revising the plan: what changed since the last assessment."),
    )
    service_fields = {**CaseForm.service_fields, "to_stage": "next_stage"}

    def to_stage(self) -> str:
        return str(self.cleaned_data["next_stage"])

    def stage_data(self) -> dict[str, Any]:
        summary = self.cleaned_data.get("assessment_summary") or ""
        if self.to_stage() == CaseStage.PLAN and summary:
            return {"assessment_summary": summary}
        return {}


ADVANCE_FORMS: dict[str, type[CaseForm]] = {
    f.step: f for f in (IntakeDecisionForm, AssessmentForm, PlanForm, EvaluationForm, ReviewForm)
}
# The advance step offered in each stage.
STEP_OF_STAGE = {
    CaseStage.INTAKE: "intake",
    CaseStage.ASSESSMENT: "assess",
    CaseStage.PLAN: "plan",
    CaseStage.INTERVENTION: "evaluate",
    CaseStage.EVALUATION: "review",
}


# --- the other actions ----------------------------------------------------------------------
class NotesForm(CaseForm):
    notes = _text(_("Confidential notes"), rows=6)


class ServiceForm(CaseForm):
    served_on = forms.DateField(label=_("Date"), widget=DATE)
    mode = forms.ChoiceField(label=_("Mode"), choices=ServiceMode.choices)
    duration_minutes = forms.IntegerField(
        label=_("Duration (minutes)"), min_value=1, max_value=24 * 60
    )
    content = _text(_("Content"), rows=4, required=True)
    resources = _text(_("Resources linked"), rows=2)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial.setdefault("served_on", timezone.localdate())
        self.initial.setdefault("mode", ServiceMode.HOME.value)
        self.fields["served_on"].widget.attrs["max"] = timezone.localdate().isoformat()


class ClosureForm(CaseForm):
    reason = forms.CharField(label=_("Reason for closing"), max_length=200)
    summary = _text(_("Summary"), rows=4, required=True)
    follow_up_on = forms.DateField(label=_("Follow up on"), required=False, widget=DATE)


class SignOffForm(CaseForm):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("sign off: close the case")), ("return", _("return to the worker"))],
    )
    comment = _text(
        _("Comment"), rows=3, help_text=_("Required when returning the report to the worker.")
    )
    service_fields = {**CaseForm.service_fields, "supervisor_comment": "comment"}


class ReopenForm(CaseForm):
    reason = _text(_("Why reopen the case"), rows=2, required=True)


class TransferWorkerForm(CaseForm):
    to_worker = UserChoiceField(label=_("New worker"), queryset=None)

    def __init__(self, *args: Any, workers: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _users(self.fields["to_worker"], workers)


class TransferStationForm(CaseForm):
    to_station = forms.ModelChoiceField(
        label=_("Receiving station"), queryset=Station.objects.none(), to_field_name="code"
    )
    reason = _text(_("Reason"), rows=2, required=True)

    def __init__(self, *args: Any, stations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["to_station"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = stations


class AnswerTransferForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Answer"),
        choices=[("accept", _("accept the case")), ("reject", _("reject"))],
    )
    to_worker = UserChoiceField(
        label=_("Worker who takes the case"),
        queryset=None,
        required=False,
        help_text=_("Required when accepting."),
    )
    note = _text(_("Note"), rows=2, help_text=_("Required when rejecting."))
    service_fields = {"answer_note": "note", "status": TOP}

    def __init__(self, *args: Any, workers: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _users(self.fields["to_worker"], workers)
