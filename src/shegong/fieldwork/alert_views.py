"""Risk alert pages: the list (open alerts, most urgent first), raising an alert for a person
(prefilled from a visit's notes that suggest one), one alert with its actions and resolution,
and the badge the navbar polls; the start-page and person-page panels and the timeline provider.

An open alert is read by the workers where the person lives (ALERT_RAISE) and by the station
head and the district office (ALERT_HANDLE), who see it on their start page at once and until it
is resolved; resolving needs at least one recorded action (enforced by `cases.resolve_alert`).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shegong.core import audit, panels
from shegong.core.forms import attach_errors
from shegong.core.models import scope_of
from shegong.core.perms import ALERT_HANDLE, ALERT_RAISE, PERSON_VIEW
from shegong.core.views import render_page, requires
from shegong.people import selectors as people_selectors
from shegong.people import timeline
from shegong.people.models import Person

from . import case_selectors, cases, selectors
from .case_models import AlertStatus, Case, RiskAlert, RiskKind
from .referral_forms import AlertActionForm, AlertFilterForm, AlertForm, ResolveAlertForm
from .referral_selectors import (
    alert_scope,
    alerts_for,
    alerts_of,
    by_urgency,
    get_alert_for,
    may_act,
    may_resolve,
    open_alerts_for,
)
from .referral_timeline import alert_events

PER_PAGE = 50
PANEL_ROWS = 10
ALERT_READ = f"{ALERT_RAISE}|{ALERT_HANDLE}"

timeline.register(alert_events)

ViewFunc = Callable[..., HttpResponseBase]


def requires_alert_read(view: ViewFunc) -> ViewFunc:
    """Like core.views.requires, for pages open to those who raise alerts or handle them: a
    user holding neither permission anywhere gets an audited 404."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated or not alert_scope(request.user):
            match = request.resolver_match
            raise audit.deny(request, what=match.view_name if match else request.path)
        return view(request, *args, **kwargs)

    wrapper.shegong_perm = ALERT_READ  # type: ignore[attr-defined]
    return wrapper


def _pk(raw: str | None) -> int:
    return int(raw) if raw and raw.isdigit() else 0


# --- the list and the badge -----------------------------------------------------------------
@requires_alert_read
@require_GET
@never_cache
def alert_list(request: HttpRequest) -> HttpResponse:
    """Open alerts most urgent first; the "all" tab lists every alert the user may read."""
    tab = "all" if request.GET.get("tab") == "all" else "open"
    open_ = open_alerts_for(request.user)
    form = AlertFilterForm(request.GET if tab == "all" else None)
    if tab == "open":
        alerts = open_
    else:
        f = form.filters()
        alerts = alerts_for(request.user)
        if "status" in f:
            alerts = alerts.filter(status=f["status"])
        if "kind" in f:
            alerts = alerts.filter(kind=f["kind"])
    page = Paginator(alerts, PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "tab": tab,
        "form": form,
        "page": page,
        "open_count": open_.count(),
        "can_raise": bool(scope_of(request.user, ALERT_RAISE)),
    }
    return render_page(request, "fieldwork/alerts/list.html", context, partial="results")


@requires(ALERT_HANDLE)
@require_GET
@never_cache
def alert_badge(request: HttpRequest) -> HttpResponse:
    """The number of open alerts in the user's jurisdiction, for the navbar (empty at 0)."""
    count = case_selectors.open_alerts(request.user).count()
    return render(request, "fieldwork/alerts/_badge.html", {"count": count})


# --- raising an alert -----------------------------------------------------------------------
def _case(request: HttpRequest, person: Person) -> Case | None:
    raw = request.GET.get("case")
    if not raw:
        return None
    case = case_selectors.get_case_for(request.user, _pk(raw))
    if case.person_id != person.pk:
        raise audit.deny(request, what="case", object_id=case.pk)
    return case


def _from_visit(request: HttpRequest, person: Person) -> dict[str, Any]:
    """Initial values from `?visit=`: that visit's notes (one the user may see, of this person;
    anything else is an audited 404) and the first kind of risk they suggest."""
    raw = request.GET.get("visit")
    if not raw:
        return {}
    pk = _pk(raw)
    visit = selectors.visits_for(request.user).filter(pk=pk, person=person).first()
    if visit is None:
        raise audit.deny(request, what="visit", object_id=pk)
    text = "\n".join(t for t in (visit.notes, visit.needs_found) if t)
    initial: dict[str, Any] = {"description": text}
    suggested = cases.suggests_alert(text)
    if suggested:
        initial["kind"] = suggested[0]
    return initial


@requires(ALERT_RAISE)
@require_http_methods(["GET", "POST"])
@never_cache
def alert_new(request: HttpRequest) -> HttpResponse:
    if "person" not in request.GET:
        return redirect("alerts:list")
    person = people_selectors.get_person_for(
        request.user, _pk(request.GET.get("person")), ALERT_RAISE
    )
    case = _case(request, person)
    initial = _from_visit(request, person)
    if request.GET.get("kind") in RiskKind.values:
        initial["kind"] = request.GET["kind"]
    form = AlertForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            alert = cases.raise_alert(
                actor=request.user, person=person, case=case, **form.cleaned_data
            )
        except ValidationError as e:
            attach_errors(form, e)
        else:
            messages.warning(
                request,
                _("Alert raised. The station head and the district office see it now."),
            )
            return redirect("alerts:detail", pk=alert.pk)
    context = {"form": form, "person": person, "case": case}
    return render_page(
        request, "fieldwork/alerts/form.html", context, status=422 if form.errors else 200
    )


# --- one alert ------------------------------------------------------------------------------
def _detail(
    request: HttpRequest,
    alert: RiskAlert,
    *,
    action_form: AlertActionForm | None = None,
    resolve_form: ResolveAlertForm | None = None,
) -> HttpResponse:
    user = request.user
    actions = list(alert.actions.select_related("by"))
    context = {
        "alert": alert,
        "actions": actions,
        "can_see_person": scope_of(user, PERSON_VIEW).contains(alert.person.region_id),
        "action_form": action_form or (AlertActionForm() if may_act(user, alert) else None),
        "resolve_form": resolve_form or (ResolveAlertForm() if may_resolve(user, alert) else None),
    }
    invalid = (action_form and action_form.errors) or (resolve_form and resolve_form.errors)
    return render_page(
        request, "fieldwork/alerts/detail.html", context, status=422 if invalid else 200
    )


@requires_alert_read
@require_GET
@never_cache
def alert_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, get_alert_for(request.user, pk))


@requires_alert_read
@require_POST
def alert_action(request: HttpRequest, pk: int) -> HttpResponse:
    alert = get_alert_for(request.user, pk)
    form = AlertActionForm(request.POST)
    if form.is_valid():
        try:
            cases.record_alert_action(actor=request.user, alert=alert, **form.cleaned_data)
        except ValidationError as e:
            attach_errors(form, e)
        else:
            messages.success(request, _("Action recorded."))
            return redirect("alerts:detail", pk=pk)
    return _detail(request, alert, action_form=form)


@requires(ALERT_HANDLE)
@require_POST
def alert_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    alert = get_alert_for(request.user, pk, ALERT_HANDLE)
    form = ResolveAlertForm(request.POST)
    if form.is_valid():
        try:
            cases.resolve_alert(
                actor=request.user, alert=alert, resolution=form.cleaned_data["resolution"]
            )
        except ValidationError as e:
            attach_errors(form, e)
        else:
            messages.success(request, _("Alert resolved."))
            return redirect("alerts:detail", pk=pk)
    return _detail(request, alert, resolve_form=form)


# --- panels ---------------------------------------------------------------------------------
@panels.home(order=10)
def open_alerts_panel(request: HttpRequest) -> str | None:
    """Open alerts in the handler's jurisdiction, in red, until they are resolved."""
    if not scope_of(request.user, ALERT_HANDLE):
        return None
    alerts = by_urgency(case_selectors.open_alerts(request.user))
    rows = list(alerts[:PANEL_ROWS])
    if not rows:
        return None
    context = {"rows": rows, "count": alerts.count()}
    return render_to_string("fieldwork/alerts/_home_panel.html", context, request=request)


@panels.person(order=15)
def person_alerts_panel(request: HttpRequest, person: Person) -> str | None:
    """The person's alerts (open first), with "raise an alert" where the user may raise one."""
    if not alert_scope(request.user):
        return None
    can_raise = scope_of(request.user, ALERT_RAISE).contains(person.region_id)
    rows = list(alerts_of(request.user, person.pk).order_by("status", "-raised_at", "-id")[:10])
    if not rows and not can_raise:
        return None
    context = {"person": person, "rows": rows, "can_raise": can_raise, "OPEN": AlertStatus.OPEN}
    return render_to_string("fieldwork/alerts/_person_panel.html", context, request=request)
