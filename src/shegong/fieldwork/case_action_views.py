"""The actions on a case page: each form posts here, the view calls the one service that does
the work and goes back to the case page.

A refused save shows the case page again with the user's form as they filled it in (nothing
typed is lost) and the errors at their fields: status 422 for invalid input, 403 when the user
may see but not change the case, 409 when someone else saved the case in between — then the
page shows the case as it is now, and the kept form carries the new version so that the user
can look, adjust and save again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from shegong.core.forms import attach_errors
from shegong.core.perms import CASE_NOTES, CASE_SUPERVISE, CASE_WORK
from shegong.core.views import render_page, requires

from . import case_forms as f
from . import case_selectors as sel
from . import case_services as svc
from . import case_transfers
from .case_models import Case, CaseStage
from .case_views import action_form, hint_alert, render_detail

# A save returns the success message and the text to scan for risk words ("" for none).
Save = Callable[[dict[str, Any]], tuple[str, str]]


def is_stale(error: ValidationError) -> bool:
    return hasattr(error, "error_dict") and any(
        e.code == "stale" for e in error.error_dict.get("version", [])
    )


def _with_version(form: forms.Form, version: int) -> None:
    """Keep the user's input but let the next save go against the case as it is now."""
    data: Any = form.data
    data = data.copy()
    data["version"] = str(version)
    form.data = data


def _act(request: HttpRequest, case: Case, key: str, form: forms.Form, save: Save) -> HttpResponse:
    stale = forbidden = False
    if form.is_valid():
        try:
            done, text = save(form.cleaned_data)
        except ValidationError as e:
            attach_errors(form, e)
            stale = is_stale(e)
            forbidden = getattr(e, "code", None) == "forbidden"
        else:
            messages.success(request, done)
            hint_alert(request, case, text)
            return redirect("cases:detail", pk=case.pk)
    current = sel.get_case_for(request.user, case.pk)
    if stale:
        _with_version(form, current.version)
    status = 409 if stale else 403 if forbidden else 422
    return render_detail(request, current, refused=(key, form), stale=stale, status=status)


def _case(request: HttpRequest, pk: int, perm: str) -> Case:
    return sel.get_case_for(request.user, pk, perm)


@requires(CASE_WORK)
@require_POST
def advance(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk, CASE_WORK)
    step = request.POST.get("step", "")
    if step not in f.ADVANCE_FORMS:
        messages.error(request, _("Choose one of the steps offered on the case page."))
        return redirect("cases:detail", pk=case.pk)
    form = action_form(step, case, request.user, request.POST)
    assert isinstance(form, f.CaseForm)
    if step == "plan" and "add_row" in request.POST:
        # One more goal row; nothing is saved.
        context_case = sel.get_case_for(request.user, case.pk)
        return render_detail(request, context_case, refused=(step, form))

    def save(d: dict[str, Any]) -> tuple[str, str]:
        to_stage = form.to_stage()  # type: ignore[attr-defined]
        svc.advance(
            actor=request.user,
            case=case,
            to_stage=to_stage,
            expected_version=d["version"],
            **form.stage_data(),  # type: ignore[attr-defined]
        )
        label = CaseStage(to_stage).label
        return _("The case is now at “%(stage)s”.") % {"stage": label}, ""

    return _act(request, case, step, form, save)


@requires(CASE_WORK)
@require_POST
def services(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk, CASE_WORK)

    def save(d: dict[str, Any]) -> tuple[str, str]:
        svc.record_service(
            actor=request.user,
            case=case,
            served_on=d["served_on"],
            mode=d["mode"],
            duration_minutes=d["duration_minutes"],
            content=d["content"],
            resources=d.get("resources") or "",
            expected_version=d["version"],
        )
        return _("Service recorded."), d["content"]

    return _act(
        request, case, "services", action_form("services", case, request.user, request.POST), save
    )


@requires(CASE_WORK)
@require_POST
def notes(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk, CASE_WORK)

    def save(d: dict[str, Any]) -> tuple[str, str]:
        text = d.get("notes") or ""
        svc.update_notes(actor=request.user, case=case, notes=text, expected_version=d["version"])
        return _("Notes saved."), text

    return _act(
        request, case, "notes", action_form("notes", case, request.user, request.POST), save
    )


@requires(CASE_WORK)
@require_POST
def closure(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk, CASE_WORK)

    def save(d: dict[str, Any]) -> tuple[str, str]:
        svc.request_closure(
            actor=request.user,
            case=case,
            reason=d["reason"],
            summary=d["summary"],
            follow_up_on=d.get("follow_up_on"),
            expected_version=d["version"],
        )
        done = _(
            "Closure report sent for sign-off. The case stays open until a supervisor signs it."
        )
        return done, ""

    form = action_form("closure", case, request.user, request.POST)
    return _act(request, case, "closure", form, save)


@requires(CASE_SUPERVISE)
@require_POST
def sign_off(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk, CASE_SUPERVISE)

    def save(d: dict[str, Any]) -> tuple[str, str]:
        report = sel.pending_closure(case)
        if report is None:
            raise ValidationError(
                _("There is no closure report waiting for sign-off."), code="transition"
            )
        approve = d["decision"] == "approve"
        svc.sign_off_closure(
            actor=request.user,
            closure=report,
            approve=approve,
            comment=d.get("comment") or "",
            expected_version=d["version"],
        )
        if approve:
            return _("Closure signed off: the case is closed."), ""
        return _("Closure report returned to the worker."), ""

    form = action_form("sign_off", case, request.user, request.POST)
    return _act(request, case, "sign_off", form, save)


@requires(CASE_WORK)
@require_POST
def reopen(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk, CASE_WORK)

    def save(d: dict[str, Any]) -> tuple[str, str]:
        svc.reopen(actor=request.user, case=case, reason=d["reason"], expected_version=d["version"])
        return _("Case reopened."), ""

    return _act(
        request, case, "reopen", action_form("reopen", case, request.user, request.POST), save
    )


@requires(CASE_WORK)
@require_POST
def transfer_worker(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk, CASE_WORK)

    def save(d: dict[str, Any]) -> tuple[str, str]:
        case_transfers.transfer_to_worker(
            actor=request.user, case=case, to_worker=d["to_worker"], expected_version=d["version"]
        )
        return _("The case is now with %(name)s.") % {"name": d["to_worker"]}, ""

    form = action_form("transfer_worker", case, request.user, request.POST)
    return _act(request, case, "transfer_worker", form, save)


@requires(CASE_WORK)
@require_POST
def transfer_station(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk, CASE_WORK)

    def save(d: dict[str, Any]) -> tuple[str, str]:
        case_transfers.request_station_transfer(
            actor=request.user,
            case=case,
            to_station=d["to_station"],
            reason=d["reason"],
            expected_version=d["version"],
        )
        name = d["to_station"].name
        return _("Transfer asked: the case moves when %(station)s accepts.") % {"station": name}, ""

    form = action_form("transfer_station", case, request.user, request.POST)
    return _act(request, case, "transfer_station", form, save)


@requires(CASE_NOTES)
@require_http_methods(["GET", "POST"])
@never_cache
def answer_transfer(request: HttpRequest, pk: int) -> HttpResponse:
    """The receiving station's head accepts a case (naming the worker who takes it) or rejects
    it. Before the answer the case is outside their jurisdiction: the page shows the person's
    name, the stage, the stations and the reason, never the case file."""
    user = request.user
    transfer = sel.get_transfer_for(user, pk)
    may_answer = sel.may_answer(user, transfer)
    workers = sel.case_workers(transfer.to_station, transfer.to_station.region_id)
    form = f.AnswerTransferForm(
        request.POST if request.method == "POST" and may_answer else None, workers=workers
    )
    if request.method == "POST" and not may_answer:
        form.add_error(None, _("This transfer has already been answered."))
    elif request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        accept = d["decision"] == "accept"
        try:
            case_transfers.answer_station_transfer(
                actor=user,
                transfer=transfer,
                accept=accept,
                to_worker=d.get("to_worker"),
                note=d.get("note") or "",
            )
        except ValidationError as e:
            attach_errors(form, e)
        else:
            if accept:
                messages.success(request, _("Case accepted: it is now your station's."))
                return redirect("cases:detail", pk=transfer.case_id)
            messages.success(request, _("Transfer rejected."))
            return redirect("home")
    return render_page(
        request,
        "fieldwork/cases/transfer_answer.html",
        {
            "transfer": transfer,
            "form": form,
            "may_answer": may_answer,
        },
        status=422 if form.errors else 200,
    )
