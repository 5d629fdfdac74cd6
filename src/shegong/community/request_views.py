"""Residents' request pages ("大事小情"): the list (open by priority, mine, overdue, all with
filters), intake, and one request with its history and the triage, assign, start, resolve,
satisfaction and close actions; start-page, station-page and person-page panels and the
timeline events.

Reads start from REQUEST_VIEW, actions need REQUEST_MANAGE where the request belongs; a request
outside it is an audited 404.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shegong.core import audit, panels
from shegong.core.forms import attach_errors
from shegong.core.models import scope_of
from shegong.core.perms import (
    PERSON_VIEW,
    REQUEST_MANAGE,
    REQUEST_OVERSEE,
    REQUEST_VIEW,
)
from shegong.core.views import is_htmx, render_page, requires
from shegong.people import selectors as people_selectors
from shegong.people import timeline
from shegong.people.models import Person
from shegong.regions.models import Station

from . import request_selectors as sel
from . import request_services as svc
from .request_forms import (
    AssignForm,
    CloseForm,
    RequestFilterForm,
    RequestForm,
    ResolveForm,
    SatisfactionForm,
    TriageForm,
)
from .request_models import RequestStatus, ResidentRequest

PER_PAGE = 50
PANEL_ROWS = 5
PERSON_ROWS = 10
TABS = ("open", "mine", "overdue", "all")
DETAIL = "community/requests/detail.html"


def _pk(raw: str | None) -> int:
    return int(raw) if raw and raw.isdigit() else 0


def _rows(requests: Any) -> list[tuple[ResidentRequest, int]]:
    today = timezone.localdate()
    return [(r, sel.days_overdue(r, today)) for r in requests]


def _filtered(qs: Any, f: dict[str, Any]) -> Any:
    if "q" in f:
        q = f["q"].strip()
        qs = qs.filter(Q(title__contains=q) | Q(resident_name__contains=q) | Q(address__contains=q))
    for key, lookup in (
        ("status", "status"),
        ("topic", "topic"),
        ("channel", "channel"),
        ("start", "received_on__gte"),
        ("end", "received_on__lte"),
    ):
        if key in f:
            qs = qs.filter(**{lookup: f[key]})
    if "priority" in f:
        qs = qs.filter(priority=f["priority"] or None)
    return qs


# --- the list --------------------------------------------------------------------------------
@requires(REQUEST_VIEW)
@require_GET
@never_cache
def request_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    tab = request.GET.get("tab") if request.GET.get("tab") in TABS else "open"
    base = sel.requests_for(user)
    overdue = sel.overdue(base)
    form = RequestFilterForm(request.GET if tab == "all" else None)
    if tab == "open":
        requests = sel.by_priority(sel.open_requests(base))
    elif tab == "mine":
        requests = sel.assigned_to_me(user)
    elif tab == "overdue":
        requests = overdue
    else:
        requests = _filtered(base, form.filters()).order_by("-received_on", "-id")
    page = Paginator(requests, PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "tab": tab,
        "form": form,
        "page": page,
        "rows": _rows(page.object_list),
        "counts": {
            "open": sel.open_requests(base).count(),
            "mine": sel.assigned_to_me(user).count(),
            "overdue": overdue.count(),
        },
        "can_manage": bool(scope_of(user, REQUEST_MANAGE)),
    }
    return render_page(request, "community/requests/list.html", context, partial="results")


# --- intake ----------------------------------------------------------------------------------
@requires(REQUEST_MANAGE)
@require_http_methods(["GET", "POST"])
@never_cache
def request_new(request: HttpRequest) -> HttpResponse:
    person = None
    if request.GET.get("person"):
        person = people_selectors.get_person_for(
            request.user, _pk(request.GET.get("person")), PERSON_VIEW
        )
    initial: dict[str, Any] = {}
    if person is not None:
        initial = {
            "resident_name": person.name,
            "address": person.residence_address,
            "community": person.region_id if person.region.level == 5 else None,
        }
    form = RequestForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            req = svc.submit_request(actor=request.user, person=person, **form.service_kwargs())
        except ValidationError as e:
            attach_errors(form, e)
        else:
            messages.success(request, _("Request recorded."))
            return redirect("community:request_detail", pk=req.pk)
    return render_page(
        request,
        "community/requests/form.html",
        {"form": form, "person": person},
        status=422 if form.errors else 200,
    )


# --- one request -----------------------------------------------------------------------------
FORMS: dict[str, Callable[..., forms.Form]] = {
    "triage": TriageForm,
    "assign": AssignForm,
    "resolve": ResolveForm,
    "satisfaction": SatisfactionForm,
    "close": CloseForm,
}


def _action_forms(req: ResidentRequest, can_manage: bool) -> dict[str, forms.Form | None]:
    """The action forms that apply to the request in its status, for those who may act."""
    out: dict[str, forms.Form | None] = dict.fromkeys(FORMS)
    if not can_manage:
        return out
    if req.is_open:
        initial = {"urgency": req.urgency, "importance": req.importance}
        out["triage"] = TriageForm(initial=initial)
        if req.priority is not None:  # triage first: the assignee works to its deadline
            assignee = {"assigned_to": req.assigned_to_id}
            out["assign"] = AssignForm(station=req.station, initial=assignee)
        out["close"] = CloseForm()
    if req.status in (RequestStatus.ASSIGNED, RequestStatus.IN_PROGRESS):
        out["resolve"] = ResolveForm()
    if req.status == RequestStatus.RESOLVED and req.satisfaction is None:
        out["satisfaction"] = SatisfactionForm()
    return out


def _detail(
    request: HttpRequest, req: ResidentRequest, *, failed: tuple[str, Any] | None = None
) -> HttpResponse:
    user = request.user
    can_manage = svc.may_manage(user, req)
    action_forms = _action_forms(req, can_manage)
    if failed:
        action_forms[failed[0]] = failed[1]
    context = {
        "req": req,
        "days_overdue": sel.days_overdue(req),
        "history": sel.history(req),
        "can_manage": can_manage,
        "can_start": can_manage and req.status == RequestStatus.ASSIGNED,
        "can_see_person": req.person is not None
        and scope_of(user, PERSON_VIEW).contains(req.person.region_id),
        "forms": action_forms,
    }
    return render_page(request, DETAIL, context, status=422 if failed else 200)


@requires(REQUEST_VIEW)
@require_GET
@never_cache
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, sel.get_request_for(request.user, pk))


def _act(
    request: HttpRequest,
    pk: int,
    name: str,
    do: Callable[[ResidentRequest, dict[str, Any]], Any],
    done: str,
) -> HttpResponse:
    req = sel.get_request_for(request.user, pk, REQUEST_MANAGE)
    form = (
        AssignForm(request.POST, station=req.station)
        if name == "assign"
        else FORMS[name](request.POST)
    )
    if form.is_valid():
        try:
            do(req, form.cleaned_data)
        except ValidationError as e:
            attach_errors(form, e)
        else:
            messages.success(request, done)
            return redirect("community:request_detail", pk=pk)
    return _detail(request, req, failed=(name, form))


@requires(REQUEST_MANAGE)
@require_POST
def request_triage(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        "triage",
        lambda r, d: svc.triage_request(actor=request.user, request=r, **d),
        _("Request triaged."),
    )


@requires(REQUEST_MANAGE)
@require_POST
def request_assign(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        "assign",
        lambda r, d: svc.assign_request(
            actor=request.user, request=r, assignee=d["assigned_to"], note=d.get("note") or ""
        ),
        _("Request assigned."),
    )


@requires(REQUEST_MANAGE)
@require_POST
def request_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        "resolve",
        lambda r, d: svc.resolve_request(actor=request.user, request=r, **d),
        _("Request resolved."),
    )


@requires(REQUEST_MANAGE)
@require_POST
def request_satisfaction(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        "satisfaction",
        lambda r, d: svc.record_satisfaction(
            actor=request.user,
            request=r,
            satisfaction=d["satisfaction"],
            note=d.get("satisfaction_note") or "",
        ),
        _("Satisfaction recorded."),
    )


@requires(REQUEST_MANAGE)
@require_POST
def request_close(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        "close",
        lambda r, d: svc.close_request(actor=request.user, request=r, reason=d["reason"]),
        _("Request closed."),
    )


@requires(REQUEST_MANAGE)
@require_POST
def request_start(request: HttpRequest, pk: int) -> HttpResponse:
    req = sel.get_request_for(request.user, pk, REQUEST_MANAGE)
    try:
        svc.start_request(actor=request.user, request=req)
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
    else:
        messages.success(request, _("Work on the request has started."))
    return redirect("community:request_detail", pk=pk)


@requires(REQUEST_MANAGE)
@require_POST
def request_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """The resident's full phone number (audited)."""
    req = sel.get_request_for(request.user, pk, REQUEST_MANAGE)
    try:
        value = svc.reveal_contact(actor=request.user, request=req)
    except ValidationError:
        raise audit.deny(request, what="request.reveal", object_id=pk) from None
    if is_htmx(request):
        return render(request, f"{DETAIL}#revealed", {"value": value or "—"})
    messages.info(request, _("Contact phone: %(phone)s") % {"phone": value or "—"})
    return redirect("community:request_detail", pk=pk)


# --- panels ----------------------------------------------------------------------------------
def _home_panel(request: HttpRequest, requests: Any, kind: str) -> str | None:
    rows = list(requests[:PANEL_ROWS])
    if not rows:
        return None
    context = {"kind": kind, "rows": _rows(rows), "count": requests.count()}
    return render_to_string("community/requests/_home_panel.html", context, request=request)


@panels.home(order=30)
def assigned_to_me_panel(request: HttpRequest) -> str | None:
    if not scope_of(request.user, REQUEST_MANAGE):
        return None
    return _home_panel(request, sel.assigned_to_me(request.user), "mine")


@panels.home(order=31)
def overdue_panel(request: HttpRequest) -> str | None:
    """Overdue requests, for station heads and the offices over them."""
    if not scope_of(request.user, REQUEST_OVERSEE):
        return None
    return _home_panel(request, sel.overdue_overseen(request.user), "overdue")


@panels.station(order=41)
def station_requests_panel(request: HttpRequest, station: Station) -> str | None:
    if not scope_of(request.user, REQUEST_VIEW).contains(station.region_id):
        return None
    counts = sel.station_counts(request.user, station)
    context = {"station": station, "counts": counts}
    return render_to_string("community/requests/_station_panel.html", context, request=request)


@panels.person(order=46)
def person_requests_panel(request: HttpRequest, person: Person) -> str | None:
    scope = scope_of(request.user, REQUEST_VIEW)
    if not scope:
        return None
    can_take = scope_of(request.user, REQUEST_MANAGE).contains(person.region_id)
    rows = list(sel.requests_of_person(request.user, person.pk)[:PERSON_ROWS])
    if not rows and not can_take:
        return None
    context = {"person": person, "rows": _rows(rows), "can_take": can_take}
    return render_to_string("community/requests/_person_panel.html", context, request=request)


def request_events(person: Person, user: Any) -> Iterator[timeline.TimelineEvent]:
    """The person's requests: received, and resolved or closed."""
    for r in sel.requests_of_person(user, person.pk)[:25]:
        url = reverse("community:request_detail", args=[r.pk])
        yield timeline.TimelineEvent(
            r.received_on,
            "request",
            _("Request: %(title)s") % {"title": r.title},
            str(r.get_channel_display()),
            url,
        )
        if r.resolved_on:
            yield timeline.TimelineEvent(
                r.resolved_on,
                "request",
                _("Request resolved: %(title)s") % {"title": r.title},
                r.resolution[:120],
                url,
            )
        elif r.closed_on:
            yield timeline.TimelineEvent(
                r.closed_on,
                "request",
                _("Request closed: %(title)s") % {"title": r.title},
                r.closed_reason,
                url,
            )


timeline.register(request_events)
