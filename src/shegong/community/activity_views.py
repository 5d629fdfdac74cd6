"""Activity pages: the list (filters: domain, kind, period, station), new and edit, and the
activity's page with its check-in (htmx: find a registered person, check them in; the headcount
of others), the person-times, and photos (activity_photo_views).

Reads go through the selectors (an activity outside the jurisdiction is an audited 404; so is
a person outside it at check-in); writes through activity_services. The search text travels in
POST bodies only (it may be an ID number). This module also registers the station-page and
person-page panels and the timeline events (imported by CommunityConfig.ready()).
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
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shegong.core import panels
from shegong.core.forms import attach_errors
from shegong.core.models import scope_of
from shegong.core.perms import ACTIVITY_MANAGE, ACTIVITY_VIEW, PERSON_VIEW, VOLUNTEER_VIEW
from shegong.core.views import is_htmx, render_page, requires
from shegong.people import selectors as people_selectors
from shegong.people import timeline
from shegong.people.models import Person
from shegong.regions.models import Station

from . import activity_selectors as selectors
from . import activity_services as services
from .activity_forms import (
    ActivityFilterForm,
    ActivityForm,
    HeadcountForm,
    PersonPickForm,
    SearchForm,
)
from .activity_models import Activity
from .activity_photo_views import photo_context

PER_PAGE = 50
DETAIL = "community/activities/detail.html"
PANEL_ROWS = 5


# --- the list -----------------------------------------------------------------------------------
@requires(ACTIVITY_VIEW)
@require_GET
@never_cache
def activity_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = ActivityFilterForm(request.GET or None, stations=selectors.listed_stations(user))
    qs = selectors.filter_activities(selectors.activities_for(user), form.to_filter())
    page = Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "can_create": bool(scope_of(user, ACTIVITY_MANAGE)),
        "today": timezone.localdate(),
    }
    return render_page(request, "community/activities/list.html", context, partial="results")


# --- new and edit -------------------------------------------------------------------------------
@requires(ACTIVITY_MANAGE)
@require_http_methods(["GET", "POST"])
def activity_new(request: HttpRequest) -> HttpResponse:
    stations = selectors.organizing_stations(request.user)
    form = ActivityForm(request.POST or None, user=request.user, stations=stations)
    if request.method == "POST" and form.is_valid():
        try:
            activity = services.create_activity(actor=request.user, **form.service_kwargs())
        except ValidationError as e:
            attach_errors(form, e)
        else:
            messages.success(request, _("Activity recorded."))
            return redirect("community:activity_detail", pk=activity.pk)
    return render_page(
        request,
        "community/activities/form.html",
        {"form": form, "activity": None},
        status=422 if form.errors else 200,
    )


@requires(ACTIVITY_MANAGE)
@require_http_methods(["GET", "POST"])
def activity_edit(request: HttpRequest, pk: int) -> HttpResponse:
    activity = selectors.get_activity_for(request.user, pk, ACTIVITY_MANAGE)
    stations = selectors.organizing_stations(request.user)
    if not stations.filter(pk=activity.station_id).exists():
        stations = Station.objects.filter(pk=activity.station_id)  # closed since: keep it
    initial = {
        "title": activity.title,
        "station": activity.station_id,
        "domain": activity.domain,
        "kind": activity.kind,
        "held_on": activity.held_on,
        "start_time": activity.start_time,
        "place": activity.place,
        "partners": list(activity.partners.values_list("pk", flat=True)),
        "volunteers_text": activity.volunteers_text,
        "description": activity.description,
    }
    form = ActivityForm(request.POST or None, user=request.user, stations=stations, initial=initial)
    del form.fields["others_count"]  # the headcount is set on the activity's page
    if request.method == "POST" and form.is_valid():
        try:
            services.update_activity(
                actor=request.user,
                activity=activity,
                **form.service_kwargs(with_headcount=False),
            )
        except ValidationError as e:
            attach_errors(form, e)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("community:activity_detail", pk=activity.pk)
    return render_page(
        request,
        "community/activities/form.html",
        {"form": form, "activity": activity},
        status=422 if form.errors else 200,
    )


# --- the activity's page ------------------------------------------------------------------------
def _attendance_context(
    request: HttpRequest, activity: Activity, **overrides: Any
) -> dict[str, Any]:
    user = request.user
    activity.refresh_from_db(fields=["named_count", "others_count"])
    rows = selectors.attendance_of(user, activity)
    return {
        "activity": activity,
        "rows": rows,
        "hidden": sum(1 for r in rows if not r.visible),
        "can_manage": scope_of(user, ACTIVITY_MANAGE).contains(activity.region_code),
        "checkin_open": activity.held_on <= timezone.localdate(),
        "headcount_form": HeadcountForm(initial={"others_count": activity.others_count}),
        "search_form": SearchForm(),
        "candidates": [],
    } | overrides


@requires(ACTIVITY_VIEW)
@require_GET
@never_cache
def activity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    activity = selectors.get_activity_for(request.user, pk)
    context = _attendance_context(request, activity)
    context |= {
        "partners": list(activity.partners.all()),
        "volunteer_hours": _volunteer_hours(request, activity),
        **photo_context(request, activity),
    }
    return render_page(request, DETAIL, context)


def _volunteer_hours(request: HttpRequest, activity: Activity) -> list[Any] | None:
    """Hours volunteers logged for the activity (the volunteers' own records, read through
    their selector), or None for a user who may not see volunteers there."""
    from .volunteer_selectors import hours_for

    if not scope_of(request.user, VOLUNTEER_VIEW).contains(activity.region_code):
        return None
    return list(hours_for(request.user).filter(activity=activity).order_by("volunteer__name"))


def _attendance_answer(
    request: HttpRequest, activity: Activity, *, q: str = "", **overrides: Any
) -> HttpResponse:
    """htmx: the attendance section, and after a check-in from the search its results again
    (out of band) so that their "checked in" marks are current. Without htmx: back to the
    page, with the outcome as a message."""
    if not is_htmx(request):
        for error in overrides.get("errors", []):
            messages.error(request, error)
        if overrides.get("saved"):
            messages.success(request, overrides["saved"])
        return redirect(reverse("community:activity_detail", args=[activity.pk]) + "#attendance")
    context = _attendance_context(request, activity, **overrides)
    html = render_to_string(f"{DETAIL}#attendance", context, request)
    if q:
        context["candidates"] = selectors.checkin_candidates(request.user, activity, q)
        context["q"] = q
        html += render_to_string(f"{DETAIL}#candidates", context | {"oob": True}, request)
    return HttpResponse(html)


@requires(ACTIVITY_MANAGE)
@require_POST
@never_cache
@sensitive_post_parameters("q")
def checkin_search(request: HttpRequest, pk: int) -> HttpResponse:
    """The check-in search (htmx, as the worker types): registered persons the user may see."""
    activity = selectors.get_activity_for(request.user, pk, ACTIVITY_MANAGE)
    form = SearchForm(request.POST)
    q = form.cleaned_data["q"] if form.is_valid() else ""
    context = _attendance_context(request, activity)
    context |= {"candidates": selectors.checkin_candidates(request.user, activity, q), "q": q}
    if not is_htmx(request):
        context |= {"partners": list(activity.partners.all()), **photo_context(request, activity)}
        return render_page(request, DETAIL, context)
    return render_page(request, DETAIL, context, partial="candidates")


def _picked(request: HttpRequest) -> tuple[Person, str]:
    """The person of a check-in form: in the user's jurisdiction, or an audited 404."""
    form = PersonPickForm(request.POST)
    pk = form.cleaned_data["person"] if form.is_valid() else 0
    q = form.cleaned_data.get("q", "") if form.is_valid() else ""
    return people_selectors.get_person_for(request.user, pk, PERSON_VIEW), q


@requires(ACTIVITY_MANAGE)
@require_POST
@sensitive_post_parameters("q")
def checkin(request: HttpRequest, pk: int) -> HttpResponse:
    activity = selectors.get_activity_for(request.user, pk, ACTIVITY_MANAGE)
    person, q = _picked(request)
    try:
        services.check_in(actor=request.user, activity=activity, person=person)
    except ValidationError as e:
        return _attendance_answer(request, activity, q=q, errors=e.messages)
    return _attendance_answer(
        request, activity, q=q, saved=_("%(name)s checked in.") % {"name": person.name}
    )


@requires(ACTIVITY_MANAGE)
@require_POST
def checkout(request: HttpRequest, pk: int) -> HttpResponse:
    activity = selectors.get_activity_for(request.user, pk, ACTIVITY_MANAGE)
    person, q = _picked(request)
    try:
        services.check_out(actor=request.user, activity=activity, person=person)
    except ValidationError as e:
        return _attendance_answer(request, activity, q=q, errors=e.messages)
    return _attendance_answer(
        request, activity, q=q, saved=_("%(name)s removed.") % {"name": person.name}
    )


@requires(ACTIVITY_MANAGE)
@require_POST
def headcount(request: HttpRequest, pk: int) -> HttpResponse:
    activity = selectors.get_activity_for(request.user, pk, ACTIVITY_MANAGE)
    form = HeadcountForm(request.POST)
    if form.is_valid():
        try:
            services.set_headcount(
                actor=request.user,
                activity=activity,
                others_count=form.cleaned_data["others_count"],
            )
        except ValidationError as e:
            attach_errors(form, e)
    if form.errors:
        if not is_htmx(request):
            errors = [str(e) for errs in form.errors.values() for e in errs]
            return _attendance_answer(request, activity, errors=errors)
        return _attendance_answer(request, activity, headcount_form=form)
    return _attendance_answer(request, activity, saved=_("Headcount saved."))


# --- panels and the timeline --------------------------------------------------------------------
@panels.station(order=40)
def station_activities_panel(request: HttpRequest, station: Station) -> str | None:
    """The station's recent activities and this month's persons served and person-times."""
    user = request.user
    if not scope_of(user, ACTIVITY_VIEW).contains(station.region_id):
        return None
    today = timezone.localdate()
    start, end = selectors.month_of(today)
    recent = list(selectors.activities_for(user).filter(station=station)[:PANEL_ROWS])
    counts = selectors.service_counts(user, start=start, end=end, station=station)
    context = {
        "station": station,
        "recent": recent,
        "counts": counts,
        "can_create": scope_of(user, ACTIVITY_MANAGE).contains(station.region_id),
    }
    return render_to_string("community/activities/_station_panel.html", context, request=request)


@panels.person(order=60)
def person_activities_panel(request: HttpRequest, person: Person) -> str | None:
    """Activities the person attended and the groups they belong to."""
    from .group_selectors import memberships_of

    user = request.user
    if not scope_of(user, ACTIVITY_VIEW):
        return None
    attended = list(selectors.activities_attended(user, person)[:10])
    groups = list(memberships_of(user, person)[:10])
    if not attended and not groups:
        return None
    context = {"person": person, "attended": attended, "groups": groups}
    return render_to_string("community/activities/_person_panel.html", context, request=request)


def activity_events(person: Person, user: Any) -> Iterator[timeline.TimelineEvent]:
    """Activities the person attended, among those the user may see."""
    for a in selectors.activities_attended(user, person)[:50]:
        activity = a.activity
        assert activity is not None
        yield timeline.TimelineEvent(
            a.on,
            "activity",
            _("Took part in: %(title)s") % {"title": activity.title},
            f"{activity.get_kind_display()} · {a.station.name}",
            reverse("community:activity_detail", args=[activity.pk]),
        )


def session_events(person: Person, user: Any) -> Iterator[timeline.TimelineEvent]:
    """Group sessions the person attended, among the groups the user may see."""
    from .group_selectors import sessions_attended

    for a in sessions_attended(user, person)[:50]:
        session = a.session
        assert session is not None
        yield timeline.TimelineEvent(
            a.on,
            "group",
            _("Group session: %(group)s") % {"group": session.group.name},
            _("Session %(n)d: %(topic)s") % {"n": session.number, "topic": session.topic},
            reverse("community:session_detail", args=[session.pk]),
        )


timeline.register(activity_events)
timeline.register(session_events)
