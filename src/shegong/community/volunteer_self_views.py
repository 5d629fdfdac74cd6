"""A volunteer's own pages ("my hours"): their hours, the activities they served at, their
pairings and recognitions; logging their own hours and recording contacts of their own
pairings.

These need VOLUNTEER_SELF, which only the volunteer role grants, and read only from the
volunteer record linked to the login (`volunteer_selectors.my_*`); everything else answers
404 to a volunteer, because the volunteer role grants no other permission.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from shegong.core import panels
from shegong.core.forms import attach_errors
from shegong.core.models import scope_of
from shegong.core.perms import VOLUNTEER_SELF
from shegong.core.views import render_page, requires

from . import hours_services as hours_svc
from . import pairing_services
from . import volunteer_selectors as sel
from .volunteer_forms import ContactForm, SelfHoursForm
from .volunteer_models import Pairing, Volunteer

ROWS = 100


def _page(
    request: HttpRequest,
    volunteer: Volunteer,
    form: SelfHoursForm | None = None,
    status: int = 200,
) -> HttpResponse:
    today = timezone.localdate()
    hours = list(sel.my_hours(volunteer)[:ROWS])
    activities = {h.activity.pk: h.activity for h in hours if h.activity is not None}
    context = {
        "volunteer": volunteer,
        "summary": sel.summary_of(volunteer, today),
        "hours": hours,
        "activities": sorted(activities.values(), key=lambda a: (a.held_on, a.pk), reverse=True),
        "pairings": [(p, sel.contact_due(p, today)) for p in sel.my_pairings(volunteer)],
        "recognitions": list(sel.my_recognitions(volunteer)),
        "teams": list(volunteer.teams.all()),
        "form": form or SelfHoursForm(),
        "today": today,
    }
    return render_page(request, "community/volunteers/my_hours.html", context, status=status)


@requires(VOLUNTEER_SELF)
@require_GET
@never_cache
def my_hours(request: HttpRequest) -> HttpResponse:
    return _page(request, sel.my_volunteer(request.user))


@requires(VOLUNTEER_SELF)
@require_POST
def my_hours_add(request: HttpRequest) -> HttpResponse:
    volunteer = sel.my_volunteer(request.user)
    form = SelfHoursForm(request.POST)
    if form.is_valid():
        try:
            hours_svc.log_hours(actor=request.user, volunteer=volunteer, **form.cleaned_data)
        except ValidationError as e:
            attach_errors(form, e)
        else:
            messages.success(request, _("Hours logged."))
            return redirect("community:my_hours")
    return _page(request, volunteer, form, status=422)


def _pairing_page(
    request: HttpRequest, pairing: Pairing, form: ContactForm | None = None, status: int = 200
) -> HttpResponse:
    context = {
        "pairing": pairing,
        "due": sel.contact_due(pairing, timezone.localdate()),
        "today": timezone.localdate(),
        "contacts": list(pairing.contacts.all()),
        "contact_form": form or ContactForm(),
    }
    return render_page(request, "community/volunteers/my_pairing.html", context, status=status)


@requires(VOLUNTEER_SELF)
@require_GET
@never_cache
def my_pairing(request: HttpRequest, pk: int) -> HttpResponse:
    return _pairing_page(request, sel.get_my_pairing(request.user, pk))


@requires(VOLUNTEER_SELF)
@require_POST
def my_pairing_contact(request: HttpRequest, pk: int) -> HttpResponse:
    pairing = sel.get_my_pairing(request.user, pk)
    form = ContactForm(request.POST)
    if form.is_valid():
        try:
            pairing_services.record_contact(
                actor=request.user, pairing=pairing, **form.cleaned_data
            )
        except ValidationError as e:
            attach_errors(form, e)
        else:
            messages.success(request, _("Contact recorded."))
            return redirect("community:my_pairing", pk=pk)
    return _pairing_page(request, pairing, form, status=422)


@panels.home(order=5)
def my_hours_panel(request: HttpRequest) -> str | None:
    """A volunteer's start page: their hours this month and the way to "my hours"."""
    user = request.user
    if not scope_of(user, VOLUNTEER_SELF) or user.pk is None:
        return None
    volunteer = Volunteer.objects.filter(user_id=user.pk, active=True).first()
    if volunteer is None:
        return None
    summary = sel.summary_of(volunteer, timezone.localdate())
    return render_to_string(
        "community/volunteers/_home_panel_self.html",
        {"volunteer": volunteer, "summary": summary},
        request=request,
    )
