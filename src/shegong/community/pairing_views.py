"""Pairing pages (一对一结对, 同伴计划): the list with the contacts due, pairing a volunteer with a
person, one pairing with its contacts; the person-page panel and the timeline events.

Reads start from VOLUNTEER_VIEW, writes need VOLUNTEER_MANAGE; a pairing or person outside it
is an audited 404.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shegong.core import panels
from shegong.core.forms import attach_errors
from shegong.core.models import scope_of
from shegong.core.perms import PERSON_VIEW, VOLUNTEER_MANAGE, VOLUNTEER_VIEW
from shegong.core.views import render_page, requires
from shegong.people import selectors as people_selectors
from shegong.people import timeline
from shegong.people.models import Person

from . import pairing_services as svc
from . import volunteer_selectors as sel
from .volunteer_forms import ContactForm, EndPairingForm, PairingForm
from .volunteer_models import Pairing, PairingContact, Volunteer

PER_PAGE = 50
TABS = ("due", "open", "ended")
DUE_LIMIT = 2000
PERSON_ROWS = 10


def _pk(raw: str | None) -> int:
    return int(raw) if raw and raw.isdigit() else 0


# --- the list --------------------------------------------------------------------------------
@requires(VOLUNTEER_VIEW)
@require_GET
@never_cache
def pairing_list(request: HttpRequest) -> HttpResponse:
    """ "Due": open pairings whose next contact is due by today, the longest waiting first;
    "open" and "ended": newest first."""
    tab = request.GET.get("tab") if request.GET.get("tab") in TABS else "due"
    today = timezone.localdate()
    qs = sel.pairings_for(request.user)
    open_ = qs.filter(ended_on__isnull=True)
    due = sorted(
        (
            (p, d)
            for p in open_.order_by("started_on", "id")[:DUE_LIMIT]
            if (d := sel.contact_due(p, today)) is not None and d <= today
        ),
        key=lambda x: (x[1], x[0].pk),
    )
    if tab == "due":
        rows: list[Any] = due
    else:
        chosen = open_ if tab == "open" else qs.filter(ended_on__isnull=False)
        rows = [(p, sel.contact_due(p, today)) for p in chosen.order_by("-started_on", "-id")]
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "tab": tab,
        "page": page,
        "today": today,
        "due_count": len(due),
        "can_manage": bool(scope_of(request.user, VOLUNTEER_MANAGE)),
    }
    return render_page(request, "community/volunteers/pairing_list.html", context)


# --- pairing a volunteer with a person -------------------------------------------------------
@requires(VOLUNTEER_MANAGE)
@require_http_methods(["GET", "POST"])
@never_cache
def pairing_new(request: HttpRequest) -> HttpResponse:
    """Started from the person's page (`?person=`); `?volunteer=` preselects the volunteer."""
    person = None
    if request.GET.get("person"):
        person = people_selectors.get_person_for(
            request.user, _pk(request.GET.get("person")), VOLUNTEER_MANAGE
        )
    initial = {"volunteer": _pk(request.GET.get("volunteer")) or None}
    form = PairingForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and person is not None and form.is_valid():
        d = form.cleaned_data
        try:
            pairing = svc.pair(
                actor=request.user,
                volunteer=form.volunteers[d["volunteer"]],
                person=person,
                kind=d["kind"],
                started_on=d["started_on"],
                contact_every_days=d["contact_every_days"],
                goals=d.get("goals") or "",
            )
        except ValidationError as e:
            attach_errors(form, e)
        else:
            messages.success(request, _("Pairing recorded."))
            return redirect("community:pairing_detail", pk=pairing.pk)
    return render_page(
        request,
        "community/volunteers/pairing_form.html",
        {"form": form, "person": person},
        status=422 if form.errors else 200,
    )


# --- one pairing -----------------------------------------------------------------------------
def _detail(
    request: HttpRequest,
    pairing: Pairing,
    *,
    contact_form: ContactForm | None = None,
    end_form: EndPairingForm | None = None,
    status: int = 200,
) -> HttpResponse:
    can_manage = svc.may_manage_pairing(request.user, pairing)
    open_ = pairing.ended_on is None
    context = {
        "pairing": pairing,
        "due": sel.contact_due(pairing, timezone.localdate()),
        "today": timezone.localdate(),
        "contacts": list(pairing.contacts.select_related("recorded_by", "logged_hours")),
        "can_see_person": scope_of(request.user, PERSON_VIEW).contains(pairing.person.region_id),
        "can_see_volunteer": scope_of(request.user, VOLUNTEER_VIEW).contains(
            pairing.volunteer.region_code
        ),
        "contact_form": contact_form or (ContactForm() if can_manage and open_ else None),
        "end_form": end_form or (EndPairingForm() if can_manage and open_ else None),
        "contact_url": reverse("community:pairing_contact", args=[pairing.pk]),
    }
    return render_page(request, "community/volunteers/pairing_detail.html", context, status=status)


@requires(VOLUNTEER_VIEW)
@require_GET
@never_cache
def pairing_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, sel.get_pairing_for(request.user, pk))


@requires(VOLUNTEER_MANAGE)
@require_POST
def pairing_contact(request: HttpRequest, pk: int) -> HttpResponse:
    pairing = sel.get_pairing_for(request.user, pk, VOLUNTEER_MANAGE)
    form = ContactForm(request.POST)
    if form.is_valid():
        try:
            svc.record_contact(actor=request.user, pairing=pairing, **form.cleaned_data)
        except ValidationError as e:
            attach_errors(form, e)
        else:
            messages.success(request, _("Contact recorded."))
            return redirect("community:pairing_detail", pk=pk)
    return _detail(request, pairing, contact_form=form, status=422)


@requires(VOLUNTEER_MANAGE)
@require_POST
def pairing_end(request: HttpRequest, pk: int) -> HttpResponse:
    pairing = sel.get_pairing_for(request.user, pk, VOLUNTEER_MANAGE)
    form = EndPairingForm(request.POST)
    if form.is_valid():
        try:
            svc.end_pairing(actor=request.user, pairing=pairing, **form.cleaned_data)
        except ValidationError as e:
            attach_errors(form, e)
        else:
            messages.success(request, _("Pairing ended."))
            return redirect("community:pairing_detail", pk=pk)
    return _detail(request, pairing, end_form=form, status=422)


# --- the person page -------------------------------------------------------------------------
@panels.person(order=45)
def person_volunteers_panel(request: HttpRequest, person: Person) -> str | None:
    """The person's pairings with volunteers, and their own volunteer record if they are one."""
    user = request.user
    scope = scope_of(user, VOLUNTEER_VIEW)
    if not scope:
        return None
    can_manage = scope_of(user, VOLUNTEER_MANAGE).contains(person.region_id)
    rows = list(sel.pairings_of_person(user, person.pk).order_by("ended_on", "-started_on"))
    own = sel.volunteers_for(user).filter(person=person).first()
    if not rows and own is None and not can_manage:
        return None
    today = timezone.localdate()
    context = {
        "person": person,
        "rows": [(p, sel.contact_due(p, today)) for p in rows[:PERSON_ROWS]],
        "own": own,
        "can_manage": can_manage,
        "may_register": can_manage
        and own is None
        and not Volunteer.objects.filter(person=person).exists(),
        "today": today,
    }
    return render_to_string("community/volunteers/_person_panel.html", context, request=request)


def pairing_events(person: Person, user: Any) -> Iterator[timeline.TimelineEvent]:
    """Pairings starting and ending, and their contacts (what the user may see)."""
    pairings = list(sel.pairings_of_person(user, person.pk)[:20])
    for p in pairings:
        url = reverse("community:pairing_detail", args=[p.pk])
        yield timeline.TimelineEvent(
            p.started_on,
            "pairing",
            _("Paired with volunteer %(name)s") % {"name": p.volunteer.name},
            str(p.get_kind_display()),
            url,
        )
        if p.ended_on:
            yield timeline.TimelineEvent(
                p.ended_on,
                "pairing",
                _("Pairing with %(name)s ended") % {"name": p.volunteer.name},
                p.end_reason,
                url,
            )
    contacts = (
        PairingContact.objects.filter(pairing__in=[p.pk for p in pairings])
        .select_related("pairing__volunteer")
        .order_by("-contacted_on", "-id")[:50]
    )
    for c in contacts:
        yield timeline.TimelineEvent(
            c.contacted_on,
            "pairing",
            _("Volunteer %(name)s: %(mode)s")
            % {"name": c.pairing.volunteer.name, "mode": c.get_mode_display()},
            c.notes[:120],
            reverse("community:pairing_detail", args=[c.pairing_id]),
        )


timeline.register(pairing_events)
