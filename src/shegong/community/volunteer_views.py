"""Volunteer pages for staff: the list, registering and editing a volunteer, one volunteer with
hours, pairings and recognitions, logging hours, the hours log, teams, revealing the phone and
creating the volunteer's own login; the station-page panel.

Reads start from VOLUNTEER_VIEW (writes VOLUNTEER_MANAGE); a volunteer outside it is an audited
404. A volunteer's own login has none of these: its pages are in `volunteer_self_views`.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shegong.core import audit, panels
from shegong.core.forms import attach_errors
from shegong.core.models import scope_of
from shegong.core.perms import (
    PERSON_VIEW,
    STAFF_MANAGE,
    VOLUNTEER_MANAGE,
    VOLUNTEER_VIEW,
)
from shegong.core.views import render_page, requires
from shegong.people import selectors as people_selectors
from shegong.regions.models import Station

from . import hours_services as hours_svc
from . import volunteer_selectors as sel
from . import volunteer_services as svc
from .activity_selectors import month_of
from .volunteer_forms import (
    HoursFilterForm,
    HoursForm,
    LoginForm,
    RecognitionForm,
    TeamForm,
    VolunteerFilterForm,
    VolunteerForm,
)
from .volunteer_models import Volunteer

PER_PAGE = 50
DETAIL = "community/volunteers/detail.html"


def _pk(raw: str | None) -> int:
    return int(raw) if raw and raw.isdigit() else 0


# --- the list --------------------------------------------------------------------------------
@requires(VOLUNTEER_VIEW)
@require_GET
@never_cache
def volunteer_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = VolunteerFilterForm(request.GET or None, user=user)
    f = form.filters()
    qs = sel.volunteers_for(user).prefetch_related("teams")
    status = f.get("status", "active")
    if status != "all":
        qs = qs.filter(active=status == "active")
    if "q" in f:
        qs = qs.filter(name__contains=f["q"].strip())
    if "team" in f:
        qs = qs.filter(teams=f["team"])
    if "skill" in f:
        qs = qs.filter(skills__contains=f["skill"].strip())
    if "day" in f:
        qs = qs.filter(available_days__contains=str(f["day"]))
    page = Paginator(qs.order_by("name", "id"), PER_PAGE).get_page(request.GET.get("page"))
    totals = dict(
        sel.hours_for(user)
        .filter(volunteer__in=[v.pk for v in page.object_list])
        .values_list("volunteer")
        .annotate(s=Sum("hours"))
    )
    context = {
        "form": form,
        "page": page,
        "rows": [(v, totals.get(v.pk) or 0) for v in page.object_list],
        "can_manage": bool(scope_of(user, VOLUNTEER_MANAGE)),
    }
    return render_page(request, "community/volunteers/list.html", context, partial="results")


# --- registering and editing -----------------------------------------------------------------
@requires(VOLUNTEER_MANAGE)
@require_http_methods(["GET", "POST"])
@never_cache
def volunteer_new(request: HttpRequest) -> HttpResponse:
    person = None
    if request.GET.get("person"):
        person = people_selectors.get_person_for(
            request.user, _pk(request.GET.get("person")), PERSON_VIEW
        )
    initial = {"name": person.name, "gender": person.gender} if person else {}
    form = VolunteerForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            volunteer = svc.register_volunteer(
                actor=request.user, person=person, **form.service_kwargs()
            )
        except ValidationError as e:
            attach_errors(form, e)
        else:
            messages.success(request, _("Volunteer registered."))
            return redirect("community:volunteer_detail", pk=volunteer.pk)
    return render_page(
        request,
        "community/volunteers/form.html",
        {"form": form, "person": person, "volunteer": None},
        status=422 if form.errors else 200,
    )


@requires(VOLUNTEER_MANAGE)
@require_http_methods(["GET", "POST"])
@never_cache
def volunteer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    volunteer = sel.get_volunteer_for(request.user, pk, VOLUNTEER_MANAGE)
    form = VolunteerForm(request.POST or None, user=request.user, volunteer=volunteer)
    if request.method == "POST" and form.is_valid():
        try:
            svc.update_volunteer(actor=request.user, volunteer=volunteer, **form.service_kwargs())
        except ValidationError as e:
            attach_errors(form, e)
        else:
            messages.success(request, _("Volunteer saved."))
            return redirect("community:volunteer_detail", pk=pk)
    return render_page(
        request,
        "community/volunteers/form.html",
        {"form": form, "person": volunteer.person, "volunteer": volunteer},
        status=422 if form.errors else 200,
    )


# --- one volunteer ---------------------------------------------------------------------------
def _detail(
    request: HttpRequest,
    volunteer: Volunteer,
    *,
    hours_form: HoursForm | None = None,
    recognition_form: RecognitionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    can_manage = svc.may_manage(user, volunteer)
    summary = sel.summary_of(volunteer)
    pairings = (
        sel.pairings_for(user).filter(volunteer=volunteer).order_by("ended_on", "-started_on")
    )
    today = timezone.localdate()
    context = {
        "volunteer": volunteer,
        "summary": summary,
        "stars_due": sel.stars_due(volunteer, summary) if can_manage else [],
        "hours": list(sel.hours_for(user).filter(volunteer=volunteer)[:30]),
        "pairings": [(p, sel.contact_due(p, today)) for p in pairings],
        "recognitions": list(volunteer.recognitions.all()),
        "teams": list(volunteer.teams.all()),
        "today": today,
        "can_manage": can_manage,
        "can_see_person": volunteer.person is not None
        and scope_of(user, PERSON_VIEW).contains(volunteer.person.region_id),
        "can_create_login": can_manage
        and volunteer.user_id is None
        and volunteer.active
        and scope_of(user, STAFF_MANAGE).contains(volunteer.station.region_id),
        "hours_form": hours_form
        or (HoursForm(user=user, volunteer=volunteer) if can_manage and volunteer.active else None),
        "recognition_form": recognition_form or (RecognitionForm() if can_manage else None),
    }
    return render_page(request, DETAIL, context, status=status)


@requires(VOLUNTEER_VIEW)
@require_GET
@never_cache
def volunteer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, sel.get_volunteer_for(request.user, pk))


@requires(VOLUNTEER_MANAGE)
@require_POST
def volunteer_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """The full phone number, audited (htmx swaps it in; without htmx, the page again)."""
    volunteer = sel.get_volunteer_for(request.user, pk, VOLUNTEER_MANAGE)
    try:
        phone = svc.reveal_phone(actor=request.user, volunteer=volunteer)
    except ValidationError:
        raise audit.deny(request, what="volunteer.reveal", object_id=pk) from None
    context = {"value": phone or "—"}
    if request.headers.get("HX-Request") == "true":
        return render(request, f"{DETAIL}#revealed", context)
    messages.info(request, _("Phone: %(phone)s") % {"phone": context["value"]})
    return redirect("community:volunteer_detail", pk=pk)


@requires(VOLUNTEER_MANAGE)
@require_http_methods(["GET", "POST"])
@never_cache
def hours_add(request: HttpRequest, pk: int) -> HttpResponse:
    volunteer = sel.get_volunteer_for(request.user, pk, VOLUNTEER_MANAGE)
    form = HoursForm(request.POST or None, user=request.user, volunteer=volunteer)
    if request.method == "POST" and form.is_valid():
        try:
            hours_svc.log_hours(actor=request.user, volunteer=volunteer, **form.service_kwargs())
        except ValidationError as e:
            attach_errors(form, e)
        else:
            messages.success(request, _("Hours logged."))
            return redirect("community:volunteer_detail", pk=pk)
    if request.method == "GET":
        return render_page(
            request, "community/volunteers/hours_form.html", {"form": form, "volunteer": volunteer}
        )
    return _detail(request, volunteer, hours_form=form, status=422)


@requires(VOLUNTEER_MANAGE)
@require_POST
def hours_delete(request: HttpRequest, pk: int) -> HttpResponse:
    entry = sel.get_hours_for(request.user, pk)
    volunteer_pk = entry.volunteer_id
    try:
        hours_svc.delete_hours(actor=request.user, entry=entry)
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
    else:
        messages.success(request, _("Entry removed."))
    return redirect("community:volunteer_detail", pk=volunteer_pk)


@requires(VOLUNTEER_MANAGE)
@require_POST
def recognize(request: HttpRequest, pk: int) -> HttpResponse:
    volunteer = sel.get_volunteer_for(request.user, pk, VOLUNTEER_MANAGE)
    form = RecognitionForm(request.POST)
    if form.is_valid():
        try:
            hours_svc.recognize(actor=request.user, volunteer=volunteer, **form.cleaned_data)
        except ValidationError as e:
            attach_errors(form, e)
        else:
            messages.success(request, _("Recognition recorded."))
            return redirect("community:volunteer_detail", pk=pk)
    return _detail(request, volunteer, recognition_form=form, status=422)


@requires(STAFF_MANAGE)
@require_http_methods(["GET", "POST"])
@never_cache
def volunteer_login(request: HttpRequest, pk: int) -> HttpResponse:
    """Create the volunteer's own login (the limited volunteer role at their station)."""
    volunteer = sel.get_volunteer_for(request.user, pk, VOLUNTEER_MANAGE)
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            svc.create_login(actor=request.user, volunteer=volunteer, **form.cleaned_data)
        except ValidationError as e:
            attach_errors(form, e)
        else:
            messages.success(request, _("Login created. Give the volunteer the password."))
            return redirect("community:volunteer_detail", pk=pk)
    return render_page(
        request,
        "community/volunteers/login_form.html",
        {"form": form, "volunteer": volunteer},
        status=422 if form.errors else 200,
    )


# --- the hours log ---------------------------------------------------------------------------
def _month(form: HoursFilterForm) -> dt.date:
    if form.is_valid() and form.cleaned_data.get("month"):
        month: dt.date = form.cleaned_data["month"]
        return month.replace(day=1)
    return timezone.localdate().replace(day=1)


@requires(VOLUNTEER_VIEW)
@require_GET
@never_cache
def hours_list(request: HttpRequest) -> HttpResponse:
    """Hours logged in a month (this month by default), newest first, with the total."""
    form = HoursFilterForm(request.GET or None, user=request.user)
    start, end = month_of(_month(form))
    qs = sel.hours_for(request.user).filter(served_on__gte=start, served_on__lte=end)
    if form.is_valid() and form.cleaned_data.get("team"):
        qs = qs.filter(volunteer__teams=form.cleaned_data["team"])
    agg = qs.aggregate(s=Sum("hours"), v=Count("volunteer", distinct=True))
    page = Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "month": start,
        "total": agg["s"] or 0,
        "volunteers": agg["v"],
    }
    return render_page(request, "community/volunteers/hours_list.html", context, partial="results")


# --- teams -----------------------------------------------------------------------------------
def _teams_page(request: HttpRequest, form: TeamForm | None, status: int = 200) -> HttpResponse:
    teams = sel.teams_for(request.user).annotate(n=Count("members", filter=Q(members__active=True)))
    rows = list(teams.order_by("station__code", "name")[:200])
    return render_page(
        request,
        "community/volunteers/teams.html",
        {"teams": rows, "form": form},
        status=status,
    )


@requires(VOLUNTEER_VIEW)
@require_GET
@never_cache
def team_list(request: HttpRequest) -> HttpResponse:
    can_manage = bool(scope_of(request.user, VOLUNTEER_MANAGE))
    return _teams_page(request, TeamForm(user=request.user) if can_manage else None)


@requires(VOLUNTEER_MANAGE)
@require_POST
def team_new(request: HttpRequest) -> HttpResponse:
    form = TeamForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            svc.create_team(actor=request.user, **form.cleaned_data)
        except ValidationError as e:
            attach_errors(form, e)
        else:
            messages.success(request, _("Team created."))
            return redirect("community:team_list")
    return _teams_page(request, form, status=422)


# --- the station page ------------------------------------------------------------------------
@panels.station(order=40)
def station_volunteers_panel(request: HttpRequest, station: Station) -> str | None:
    """Volunteers of the station and their hours this month."""
    if not scope_of(request.user, VOLUNTEER_VIEW).contains(station.region_id):
        return None
    month = sel.station_month(request.user, station)
    if not month.volunteers and not month.hours:
        return None
    top = (
        sel.hours_for(request.user)
        .filter(station=station, served_on__gte=sel.month_start(timezone.localdate()))
        .values("volunteer", "volunteer__name")
        .annotate(s=Sum("hours"))
        .order_by("-s", "volunteer__name")[:5]
    )
    context = {"station": station, "month": month, "top": list(top)}
    return render_to_string("community/volunteers/_station_panel.html", context, request=request)
