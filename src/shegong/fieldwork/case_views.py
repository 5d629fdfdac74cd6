"""Case pages (个案, MZ/T 094-2017): the list, intake of a new case and a case's page with the
actions the user may take in its stage; the start-page and person-page panels and the case
events on the person timeline are registered here (this module is imported by the app's
ready()). The action views (POSTs) are in case_action_views, attachments in
case_attachment_views.

Confidentiality: everyone with CASE_VIEW over the case's division sees that it exists, its
person, station, worker, stage and the days it changed stage (case_history); the case file
(notes, problem, assessment, plans, services, evaluations, closure reports, attachments, the
notes of the stage changes) only those who may read the notes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from shegong.core import audit, panels
from shegong.core.attachments import max_bytes
from shegong.core.forms import attach_errors
from shegong.core.models import scope_of
from shegong.core.perms import (
    ALERT_RAISE,
    CASE_SUPERVISE,
    CASE_VIEW,
    CASE_WORK,
    PERSON_VIEW,
)
from shegong.core.views import render_page, requires
from shegong.people import selectors as people_selectors
from shegong.people import timeline
from shegong.people.models import Person
from shegong.regions.models import Station

from . import case_forms as f
from . import case_history
from . import case_selectors as sel
from . import case_services as svc
from . import cases as rules
from .assessment_selectors import suggested_goals
from .case_attachments import attachments_of
from .case_models import Case, CaseStage, RiskKind
from .case_timeline import case_events

PER_PAGE = 50
ALERT_HINT = "case_alert_hint"
# The stages of MZ/T 094 in order, for the progress indicator.
PROGRESS = (
    CaseStage.INTAKE,
    CaseStage.ASSESSMENT,
    CaseStage.PLAN,
    CaseStage.INTERVENTION,
    CaseStage.EVALUATION,
    CaseStage.CLOSED,
)

timeline.register(case_events)


# --- the list -------------------------------------------------------------------------------
@requires(CASE_VIEW)
@require_GET
@never_cache
def case_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = f.CaseFilterForm(
        request.GET or None,
        stations=Station.objects.visible_to(user, CASE_VIEW).order_by("code"),
    )
    filters = form.filters()
    qs = sel.cases_for(user)
    stage = filters.get("stage")
    if stage == "open":
        qs = qs.filter(stage__in=sel.OPEN_STAGES)
    elif stage:
        qs = qs.filter(stage=stage)
    if filters.get("mine"):
        qs = qs.filter(assigned_worker_id=user.pk)
    if "station" in filters:
        qs = qs.filter(station=filters["station"])
    page = Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))
    return render_page(
        request, "fieldwork/cases/case_list.html", {"form": form, "page": page}, partial="results"
    )


# --- intake ---------------------------------------------------------------------------------
def _intake_workers(user: Any, person: Person) -> list[Any]:
    workers = sel.case_workers(person.station, person.region_id)
    if all(w.pk != user.pk for w in workers) and scope_of(user, CASE_WORK).contains(
        person.region_id
    ):
        workers.insert(0, user)
    return workers


@requires(CASE_WORK)
@require_http_methods(["GET", "POST"])
@never_cache
def case_new(request: HttpRequest) -> HttpResponse:
    raw = request.GET.get("person") or ""
    if not raw:
        return redirect("cases:list")
    pk = int(raw) if raw.isdigit() else 0
    user = request.user
    person = people_selectors.get_person_for(user, pk, PERSON_VIEW)
    if not scope_of(user, CASE_WORK).contains(person.region_id):
        raise audit.deny(request, what="person", object_id=pk)
    workers = _intake_workers(user, person)
    form = f.IntakeForm(
        request.POST or None,
        workers=workers,
        initial={"assigned_worker": user.pk, "source": "self"},
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            case = svc.open_case(
                actor=user,
                person=person,
                source=d["source"],
                referrer=d.get("referrer") or "",
                problem=d.get("problem") or "",
                notes=d.get("notes") or "",
                assigned_worker=d["assigned_worker"],
            )
        except ValidationError as e:
            attach_errors(form, e)
        else:
            messages.success(request, _("Case opened for %(name)s.") % {"name": person.name})
            hint_alert(request, case, (d.get("notes") or "") + "\n" + (d.get("problem") or ""))
            return redirect("cases:detail", pk=case.pk)
    return render_page(
        request,
        "fieldwork/cases/case_new.html",
        {"form": form, "person": person},
        status=422 if form.errors else 200,
    )


# --- the risk-alert suggestion ----------------------------------------------------------------
def hint_alert(request: HttpRequest, case: Case, text: str) -> None:
    """Remember for the next page of this case that `text` suggests raising a risk alert."""
    kinds = rules.suggests_alert(text)
    if kinds:
        request.session[ALERT_HINT] = {"case": case.pk, "kinds": kinds}


@dataclass(frozen=True)
class AlertHint:
    kinds: str  # the risks named, translated
    links: list[tuple[str, str]]  # (label, url) per kind, when alerts can be raised here


def _alert_hint(request: HttpRequest, case: Case) -> AlertHint | None:
    hint = request.session.get(ALERT_HINT)
    if not isinstance(hint, dict) or hint.get("case") != case.pk:
        return None
    del request.session[ALERT_HINT]
    kinds = [k for k in hint.get("kinds", []) if k in RiskKind.values]
    if not kinds:
        return None
    labels = [str(RiskKind(k).label) for k in kinds]
    links: list[tuple[str, str]] = []
    if scope_of(request.user, ALERT_RAISE).contains(case.person.region_id):
        base = reverse("alerts:new")
        links = [
            (label, f"{base}?person={case.person_id}&kind={kind}&case={case.pk}")
            for kind, label in zip(kinds, labels, strict=True)
        ]
    return AlertHint(pgettext("list separator", ", ").join(labels), links)


# --- one case -------------------------------------------------------------------------------
@dataclass
class Action:
    key: str  # the form's step or action name; a refused form replaces the one of its key
    title: str
    url: str
    form: forms.Form
    button: str
    refused: bool = False


def progress(case: Case) -> list[tuple[str, str]]:
    """(label, state) for each stage of the standard: done, current or todo."""
    if case.stage in (CaseStage.DECLINED, CaseStage.REFERRED_OUT):
        return [(str(CaseStage.INTAKE.label), "done"), (str(case.get_stage_display()), "current")]
    at = PROGRESS.index(CaseStage(case.stage))
    return [
        (str(s.label), "done" if i < at else "current" if i == at else "todo")
        for i, s in enumerate(PROGRESS)
    ]


def advance_form(step: str, case: Case, user: Any, data: Any = None) -> f.CaseForm:
    cls = f.ADVANCE_FORMS[step]
    kwargs: dict[str, Any] = {"case": case}
    if cls is f.PlanForm:
        kwargs["suggested"] = [] if data is not None else suggested_goals(user, case.person, case)
    elif cls is f.EvaluationForm:
        plan = case.plans.order_by("-created_at", "-id").first()
        kwargs["goals"] = [str(g.get("goal", "")) for g in (plan.goals if plan else [])]
    return cls(data, **kwargs)


def action_form(
    key: str, case: Case, user: Any, data: Any = None, *, notes: str | None = None
) -> forms.Form:
    """The form of action `key` for this case, bound to `data` when given (`notes`: the
    notes already read, to fill the notes form)."""
    if key in f.ADVANCE_FORMS:
        return advance_form(key, case, user, data)
    if key == "transfer_worker":
        workers = [
            w
            for w in sel.case_workers(case.station, case.region_code)
            if w.pk != case.assigned_worker_id
        ]
        return f.TransferWorkerForm(data, case=case, workers=workers)
    if key == "transfer_station":
        return f.TransferStationForm(data, case=case, stations=sel.transfer_stations(case))
    simple: dict[str, type[f.CaseForm]] = {
        "notes": f.NotesForm,
        "services": f.ServiceForm,
        "closure": f.ClosureForm,
        "sign_off": f.SignOffForm,
        "reopen": f.ReopenForm,
    }
    initial: dict[str, Any] = {}
    if key == "notes" and data is None:
        initial["notes"] = notes if notes is not None else sel.case_notes_for(user, case)
    return simple[key](data, case=case, initial=initial)


TITLES = {
    "intake": (gettext_lazy("Intake decision"), gettext_lazy("Save the decision")),
    "assess": (
        gettext_lazy("Assessment (预估)"),
        gettext_lazy("Save the assessment and go on to the plan"),
    ),
    "plan": (
        gettext_lazy("Service plan"),
        gettext_lazy("Save the plan and start the intervention"),
    ),
    "evaluate": (gettext_lazy("Evaluation"), gettext_lazy("Save the evaluation")),
    "review": (gettext_lazy("After the evaluation"), gettext_lazy("Continue")),
    "services": (gettext_lazy("Record a service"), gettext_lazy("Save the service")),
    "notes": (gettext_lazy("Edit the confidential notes"), gettext_lazy("Save the notes")),
    "closure": (
        gettext_lazy("Request closure (supervisor signs off)"),
        gettext_lazy("Send for sign-off"),
    ),
    "sign_off": (gettext_lazy("Sign off the closure report"), gettext_lazy("Save")),
    "reopen": (gettext_lazy("Reopen the case"), gettext_lazy("Reopen")),
    "transfer_worker": (gettext_lazy("Hand over to another worker"), gettext_lazy("Hand over")),
    "transfer_station": (
        gettext_lazy("Transfer to another station"),
        gettext_lazy("Ask the station"),
    ),
}
URLS = {
    **dict.fromkeys(f.ADVANCE_FORMS, "cases:advance"),
    "services": "cases:services",
    "notes": "cases:notes",
    "closure": "cases:closure",
    "sign_off": "cases:sign_off",
    "reopen": "cases:reopen",
    "transfer_worker": "cases:transfer_worker",
    "transfer_station": "cases:transfer_station",
}


def allowed_actions(user: Any, case: Case, closure: Any, transfer: Any) -> list[str]:
    keys: list[str] = []
    if sel.may_supervise(user, case) and closure is not None:
        keys.append("sign_off")
    if not svc.may_work_on(user, case):
        return keys
    if case.stage in rules.ENDED:
        return [*keys, "reopen", "notes"]
    keys.append(f.STEP_OF_STAGE[CaseStage(case.stage)])
    if case.stage == CaseStage.INTERVENTION:
        keys.insert(-1, "services")
    keys.append("notes")
    if case.stage in rules.CLOSABLE and closure is None:
        keys.append("closure")
    keys.append("transfer_worker")
    if transfer is None:
        keys.append("transfer_station")
    return keys


def detail_context(
    request: HttpRequest,
    case: Case,
    *,
    refused: tuple[str, forms.Form] | None = None,
    stale: bool = False,
) -> dict[str, Any]:
    user = request.user
    reader = sel.may_read_notes(user, case)
    closure = sel.pending_closure(case) if case.stage in rules.CLOSABLE else None
    transfer = sel.pending_transfer(case)
    notes = sel.case_notes_for(user, case) if reader else None
    actions = []
    for key in allowed_actions(user, case, closure, transfer):
        if refused and refused[0] == key:
            continue
        title, button = TITLES[key]
        url = reverse(URLS[key], args=[case.pk])
        form = action_form(key, case, user, notes=notes)
        actions.append(Action(key, str(title), url, form, str(button)))
    if refused:
        key, form = refused
        title, button = TITLES[key]
        url = reverse(URLS[key], args=[case.pk])
        actions.insert(0, Action(key, str(title), url, form, str(button), refused=True))
    file = sel.case_file(case) if reader else None
    return {
        "case": case,
        "person": case.person,
        "can_see_person": scope_of(user, PERSON_VIEW).contains(case.person.region_id),
        "reader": reader,
        "notes": notes,
        "file": file,
        "progress": progress(case),
        "stage_history": case_history.stage_history(case),
        "closure": closure,
        "transfer": transfer,
        "may_answer_transfer": transfer is not None and sel.may_answer(user, transfer),
        "actions": actions,
        "stale": stale,
        "alert_hint": _alert_hint(request, case),
        "attachments": list(attachments_of(user, case)) if reader else [],
        "can_attach": reader and svc.may_work_on(user, case),
        "max_mb": max_bytes() // (1024 * 1024),
        "is_supervisor": bool(scope_of(user, CASE_SUPERVISE).contains(case.region_code)),
    }


def render_detail(
    request: HttpRequest,
    case: Case,
    *,
    refused: tuple[str, forms.Form] | None = None,
    stale: bool = False,
    status: int = 200,
) -> HttpResponse:
    context = detail_context(request, case, refused=refused, stale=stale)
    return render_page(request, "fieldwork/cases/case_detail.html", context, status=status)


@requires(CASE_VIEW)
@require_GET
@never_cache
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = sel.get_case_for(request.user, pk)
    return render_detail(request, case)


# --- panels ---------------------------------------------------------------------------------
@panels.home(order=20)
def my_cases_panel(request: HttpRequest) -> str | None:
    user = request.user
    if not scope_of(user, CASE_WORK):
        return None
    qs = sel.my_open_cases(user)
    rows = list(qs[:10])
    if not rows:
        return None
    return render_to_string(
        "fieldwork/cases/_panel_home.html",
        {
            "panel": "my-cases",
            "title": _("My open cases"),
            "cases": rows,
            "count": qs.count() if len(rows) == 10 else len(rows),
            "more": reverse("cases:list") + "?stage=open&mine=on",
        },
        request=request,
    )


@panels.home(order=21)
def sign_off_panel(request: HttpRequest) -> str | None:
    user = request.user
    if not scope_of(user, CASE_SUPERVISE):
        return None
    rows = [c for c in sel.closures_awaiting_sign_off(user)[:20] if sel.may_supervise(user, c.case)]
    if not rows:
        return None
    return render_to_string(
        "fieldwork/cases/_panel_home.html",
        {"panel": "sign-off", "title": _("Closures awaiting your sign-off"), "closures": rows},
        request=request,
    )


@panels.home(order=22)
def transfers_panel(request: HttpRequest) -> str | None:
    rows = list(sel.transfers_to_answer(request.user)[:20])
    if not rows:
        return None
    return render_to_string(
        "fieldwork/cases/_panel_home.html",
        {
            "panel": "transfers",
            "title": _("Case transfers waiting for your answer"),
            "transfers": rows,
        },
        request=request,
    )


@panels.person(order=30)
def person_cases_panel(request: HttpRequest, person: Person) -> str | None:
    user = request.user
    may_open = person.station_id is not None and scope_of(user, CASE_WORK).contains(
        person.region_id
    )
    rows = list(sel.cases_of(user, person)[:20]) if scope_of(user, CASE_VIEW) else []
    if not rows and not may_open:
        return None
    return render_to_string(
        "fieldwork/cases/_panel_person.html",
        {"person": person, "cases": rows, "may_open": may_open, "today": timezone.localdate()},
        request=request,
    )
