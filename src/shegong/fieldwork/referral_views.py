"""Referral (转介) pages: the action list (outgoing referrals waiting for feedback, incoming
ones to answer, all), making a referral for a person, and one referral with its feedback and
closing forms; the start-page and person-page panels and the timeline provider.

A referral without feedback stays on the sender's list until it is answered or closed with a
reason. Reads start from the user's REFERRAL_MANAGE jurisdiction; a referral, person or case
outside it is an audited 404; writes go through `cases` (make_referral,
record_referral_feedback, close_referral).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shegong.core import audit, panels
from shegong.core.forms import attach_errors
from shegong.core.models import scope_of
from shegong.core.perms import PERSON_VIEW, REFERRAL_MANAGE
from shegong.core.views import render_page, requires
from shegong.people import selectors as people_selectors
from shegong.people import timeline
from shegong.people.models import Person

from . import case_selectors, cases
from .case_models import Case, Referral, ReferralDirection, ReferralStatus
from .referral_forms import CloseReferralForm, FeedbackForm, ReferralFilterForm, ReferralForm
from .referral_selectors import days_waiting, get_referral_for, referrals_of
from .referral_timeline import referral_events, referral_party

PER_PAGE = 50
PANEL_ROWS = 5
PERSON_ROWS = 10
FINAL = frozenset({ReferralStatus.DONE, ReferralStatus.CLOSED_NO_FEEDBACK})
TABS = ("awaiting", "incoming", "all")
OUT_FIELDS = ("to_organization", "service_type")
IN_FIELDS = ("from_organization", "other_party")

timeline.register(referral_events)


def _pk(raw: str | None) -> int:
    return int(raw) if raw and raw.isdigit() else 0


def _rows(referrals: Any) -> list[tuple[Referral, str, int | None]]:
    today = timezone.localdate()
    return [(r, referral_party(r), days_waiting(r, today)) for r in referrals]


# --- the action list ------------------------------------------------------------------------
@requires(REFERRAL_MANAGE)
@require_GET
@never_cache
def referral_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    tab = request.GET.get("tab") if request.GET.get("tab") in TABS else "awaiting"
    awaiting = case_selectors.referrals_awaiting_feedback(user)
    incoming = case_selectors.incoming_referrals_to_answer(user)
    form = ReferralFilterForm(request.GET if tab == "all" else None)
    if tab == "awaiting":
        referrals = awaiting
    elif tab == "incoming":
        referrals = incoming
    else:
        f = form.filters()
        referrals = case_selectors.referrals_for(user)
        for key, lookup in (
            ("direction", "direction"),
            ("status", "status"),
            ("service_type", "service_type"),
            ("start", "sent_on__gte"),
            ("end", "sent_on__lte"),
        ):
            if key in f:
                referrals = referrals.filter(**{lookup: f[key]})
    page = Paginator(referrals, PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "tab": tab,
        "form": form,
        "page": page,
        "rows": _rows(page.object_list),
        "counts": {"awaiting": awaiting.count(), "incoming": incoming.count()},
    }
    return render_page(request, "fieldwork/referrals/list.html", context, partial="results")


# --- making a referral ----------------------------------------------------------------------
def _person(request: HttpRequest) -> Person:
    return people_selectors.get_person_for(
        request.user, _pk(request.GET.get("person")), REFERRAL_MANAGE
    )


def _case(request: HttpRequest, person: Person) -> Case | None:
    """The case of `?case=`: one of the person's, in the user's jurisdiction (else 404)."""
    raw = request.GET.get("case")
    if not raw:
        return None
    case = case_selectors.get_case_for(request.user, _pk(raw))
    if case.person_id != person.pk:
        raise audit.deny(request, what="case", object_id=case.pk)
    return case


@requires(REFERRAL_MANAGE)
@require_http_methods(["GET", "POST"])
@never_cache
def referral_new(request: HttpRequest) -> HttpResponse:
    if "person" not in request.GET:
        return redirect("referrals:list")
    person = _person(request)
    case = _case(request, person)
    direction = request.GET.get("direction")
    if direction not in ReferralDirection.values:
        direction = ReferralDirection.OUT
    form = ReferralForm(request.POST or None, user=request.user, initial={"direction": direction})
    if request.method == "POST":
        direction = request.POST.get("direction", direction)
        if form.is_valid():
            try:
                referral = cases.make_referral(
                    actor=request.user, person=person, case=case, **form.service_kwargs()
                )
            except ValidationError as e:
                attach_errors(form, e)
            else:
                messages.success(request, _("Referral recorded."))
                return redirect("referrals:detail", pk=referral.pk)
    # Errors at the fields of the other direction (only a forged post has them) stay visible.
    hidden = IN_FIELDS if direction == ReferralDirection.OUT else OUT_FIELDS
    other_errors = [e for name in (*hidden, "direction") for e in form.errors.get(name, [])]
    context = {
        "form": form,
        "person": person,
        "case": case,
        "direction": direction,
        "other_errors": other_errors,
    }
    return render_page(
        request,
        "fieldwork/referrals/form.html",
        context,
        status=422 if form.errors else 200,
    )


# --- one referral ---------------------------------------------------------------------------
def _detail(
    request: HttpRequest,
    referral: Referral,
    *,
    feedback_form: FeedbackForm | None = None,
    close_form: CloseReferralForm | None = None,
) -> HttpResponse:
    open_ = referral.status not in FINAL
    context = {
        "referral": referral,
        "party": referral_party(referral),
        "days_waiting": days_waiting(referral, timezone.localdate()),
        "can_see_person": scope_of(request.user, PERSON_VIEW).contains(referral.person.region_id),
        "feedback_form": feedback_form
        or (FeedbackForm(current=referral.status) if open_ else None),
        "close_form": close_form or (CloseReferralForm() if open_ else None),
    }
    invalid = (feedback_form and feedback_form.errors) or (close_form and close_form.errors)
    return render_page(
        request, "fieldwork/referrals/detail.html", context, status=422 if invalid else 200
    )


@requires(REFERRAL_MANAGE)
@require_GET
@never_cache
def referral_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, get_referral_for(request.user, pk))


@requires(REFERRAL_MANAGE)
@require_POST
def referral_feedback(request: HttpRequest, pk: int) -> HttpResponse:
    referral = get_referral_for(request.user, pk)
    form = FeedbackForm(request.POST, current=referral.status)
    if form.is_valid():
        try:
            cases.record_referral_feedback(
                actor=request.user, referral=referral, **form.cleaned_data
            )
        except ValidationError as e:
            attach_errors(form, e)
        else:
            messages.success(request, _("Feedback recorded."))
            return redirect("referrals:detail", pk=pk)
    return _detail(request, referral, feedback_form=form)


@requires(REFERRAL_MANAGE)
@require_POST
def referral_close(request: HttpRequest, pk: int) -> HttpResponse:
    referral = get_referral_for(request.user, pk)
    form = CloseReferralForm(request.POST)
    if form.is_valid():
        try:
            cases.close_referral(
                actor=request.user,
                referral=referral,
                closed_reason=form.cleaned_data["closed_reason"],
            )
        except ValidationError as e:
            attach_errors(form, e)
        else:
            messages.success(request, _("Referral closed."))
            return redirect("referrals:detail", pk=pk)
    return _detail(request, referral, close_form=form)


# --- panels ---------------------------------------------------------------------------------
def _list_panel(request: HttpRequest, referrals: Any, kind: str) -> str | None:
    rows = list(referrals[:PANEL_ROWS])
    if not rows:
        return None
    context = {"kind": kind, "rows": _rows(rows), "count": referrals.count()}
    return render_to_string("fieldwork/referrals/_home_panel.html", context, request=request)


@panels.home(order=20)
def awaiting_feedback_panel(request: HttpRequest) -> str | None:
    """Outgoing referrals nobody has answered yet: the sender's to-do, oldest first."""
    if not scope_of(request.user, REFERRAL_MANAGE):
        return None
    return _list_panel(
        request, case_selectors.referrals_awaiting_feedback(request.user), "awaiting"
    )


@panels.home(order=21)
def incoming_panel(request: HttpRequest) -> str | None:
    if not scope_of(request.user, REFERRAL_MANAGE):
        return None
    return _list_panel(
        request, case_selectors.incoming_referrals_to_answer(request.user), "incoming"
    )


@panels.person(order=30)
def person_referrals_panel(request: HttpRequest, person: Person) -> str | None:
    """The person's referrals, with "make a referral" where the user may make one."""
    scope = scope_of(request.user, REFERRAL_MANAGE)
    if not scope:
        return None
    can_refer = scope.contains(person.region_id)
    rows = list(referrals_of(request.user, person.pk)[:PERSON_ROWS])
    if not rows and not can_refer:
        return None
    context: dict[str, Any] = {"person": person, "rows": _rows(rows), "can_refer": can_refer}
    return render_to_string("fieldwork/referrals/_person_panel.html", context, request=request)
