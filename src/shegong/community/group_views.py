"""Group pages (小组工作): the list, planning and editing a group, its page (plan, phase and its
history, members with the member search, sessions, the before-and-after evaluation), moving it
to the next phase, scores, and recording and correcting sessions.

A group outside the jurisdiction (its station's division and every community it serves) is an
audited 404, like a person outside it when adding a member.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shegong.core.forms import attach_errors
from shegong.core.perms import ACTIVITY_MANAGE, ACTIVITY_VIEW, PERSON_VIEW
from shegong.core.views import render_page, requires
from shegong.people import selectors as people_selectors
from shegong.people.selectors import PersonFilter, persons_for

from . import activity_selectors
from . import group_selectors as selectors
from . import group_services as services
from . import group_session_services as session_services
from .activity_forms import SearchForm, StationField
from .activity_models import ServiceDomain
from .group_forms import GroupForm, MemberForm, PhaseForm, ScoresForm, SessionForm
from .group_models import SESSION_PHASES, Group, GroupMember, GroupPhase

PER_PAGE = 50
DETAIL = "community/groups/detail.html"


class GroupFilterForm(forms.Form):
    phase = forms.ChoiceField(choices=[("", "—"), *GroupPhase.choices], required=False)
    domain = forms.ChoiceField(choices=[("", "—"), *ServiceDomain.choices], required=False)
    station = StationField(queryset=None, required=False, to_field_name="code")

    def __init__(self, *args: Any, stations: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["phase"].label = _("Phase")
        self.fields["domain"].label = _("Service domain")
        field = self.fields["station"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = stations
        field.label = _("Station")


@requires(ACTIVITY_VIEW)
@require_GET
@never_cache
def group_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = GroupFilterForm(request.GET or None, stations=activity_selectors.listed_stations(user))
    groups = selectors.groups_for(user).order_by("phase", "-created_at", "-id")
    if form.is_valid():
        d = form.cleaned_data
        if d.get("phase"):
            groups = groups.filter(phase=d["phase"])
        if d.get("domain"):
            groups = groups.filter(domain=d["domain"])
        if d.get("station") is not None:
            groups = groups.filter(station=d["station"])
    page = Paginator(groups, PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "can_create": bool(activity_selectors.organizing_stations(user).exists()),
    }
    return render_page(request, "community/groups/list.html", context, partial="results")


@requires(ACTIVITY_MANAGE)
@require_http_methods(["GET", "POST"])
def group_new(request: HttpRequest) -> HttpResponse:
    stations = activity_selectors.organizing_stations(request.user)
    form = GroupForm(request.POST or None, user=request.user, stations=stations)
    if request.method == "POST" and form.is_valid():
        try:
            group = services.create_group(actor=request.user, **form.service_kwargs())
        except ValidationError as e:
            attach_errors(form, e)
        else:
            messages.success(request, _("Group planned."))
            return redirect("community:group_detail", pk=group.pk)
    return render_page(
        request,
        "community/groups/form.html",
        {"form": form, "group": None},
        status=422 if form.errors else 200,
    )


@requires(ACTIVITY_MANAGE)
@require_http_methods(["GET", "POST"])
def group_edit(request: HttpRequest, pk: int) -> HttpResponse:
    group = selectors.get_group_for(request.user, pk, ACTIVITY_MANAGE)
    initial = {name: getattr(group, name) for name in services.PLAN_FIELDS} | {
        "communities": selectors.place_codes(group)
    }
    form = GroupForm(
        request.POST or None,
        user=request.user,
        stations=activity_selectors.organizing_stations(request.user),
        group=group,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_group(actor=request.user, group=group, **form.service_kwargs())
        except ValidationError as e:
            attach_errors(form, e)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("community:group_detail", pk=group.pk)
    return render_page(
        request,
        "community/groups/form.html",
        {"form": form, "group": group},
        status=422 if form.errors else 200,
    )


def _detail_context(request: HttpRequest, group: Group, **overrides: Any) -> dict[str, Any]:
    user = request.user
    can_manage = selectors.may_run(user, group, ACTIVITY_MANAGE)
    allowed = services.allowed_phases(group)
    return {
        "group": group,
        "places": list(group.communities.order_by("code")),
        "members": selectors.members_of(user, group),
        "sessions": list(group.sessions.order_by("number")),
        "changes": list(group.phase_changes.select_related("changed_by")),
        "evaluation": selectors.evaluation_of(group),
        "can_manage": can_manage,
        "phase_form": PhaseForm(allowed=allowed) if can_manage and allowed else None,
        "search_form": SearchForm(),
        "candidates": [],
        "can_hold_sessions": can_manage and group.phase in SESSION_PHASES,
    } | overrides


@requires(ACTIVITY_VIEW)
@require_GET
@never_cache
def group_detail(request: HttpRequest, pk: int) -> HttpResponse:
    group = selectors.get_group_for(request.user, pk)
    return render_page(request, DETAIL, _detail_context(request, group))


@requires(ACTIVITY_MANAGE)
@require_POST
def group_phase(request: HttpRequest, pk: int) -> HttpResponse:
    group = selectors.get_group_for(request.user, pk, ACTIVITY_MANAGE)
    form = PhaseForm(request.POST, allowed=services.allowed_phases(group))
    if form.is_valid():
        try:
            services.change_phase(
                actor=request.user,
                group=group,
                to=form.cleaned_data["to"],
                on=form.cleaned_data["on"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as e:
            attach_errors(form, e)
    if form.errors:
        group.refresh_from_db()
        context = _detail_context(request, group, phase_form=form)
        return render_page(request, DETAIL, context, status=422)
    messages.success(request, _("Phase changed."))
    return redirect("community:group_detail", pk=group.pk)


def _candidates(request: HttpRequest, group: Group, q: str) -> list[tuple[Any, bool]]:
    q = (q or "").strip()
    if not q:
        return []
    found = list(persons_for(request.user, PersonFilter(q=q))[:10])
    members = set(
        GroupMember.objects.filter(group=group, left_on=None, person__in=found).values_list(
            "person_id", flat=True
        )
    )
    return [(p, p.pk in members) for p in found]


@requires(ACTIVITY_MANAGE)
@require_POST
@never_cache
@sensitive_post_parameters("q")
def member_search(request: HttpRequest, pk: int) -> HttpResponse:
    group = selectors.get_group_for(request.user, pk, ACTIVITY_MANAGE)
    form = SearchForm(request.POST)
    q = form.cleaned_data["q"] if form.is_valid() else ""
    context = _detail_context(request, group, candidates=_candidates(request, group, q), q=q)
    return render_page(request, DETAIL, context, partial="candidates")


def _member_answer(
    request: HttpRequest, group: Group, *, ok: str = "", error: list[str] | None = None
) -> HttpResponse:
    for e in error or []:
        messages.error(request, e)
    if ok:
        messages.success(request, ok)
    return redirect(reverse("community:group_detail", args=[group.pk]) + "#members")


@requires(ACTIVITY_MANAGE)
@require_POST
@sensitive_post_parameters("q")
def member_add(request: HttpRequest, pk: int) -> HttpResponse:
    group = selectors.get_group_for(request.user, pk, ACTIVITY_MANAGE)
    form = MemberForm(request.POST)
    person_pk = form.cleaned_data["person"] if form.is_valid() else 0
    person = people_selectors.get_person_for(request.user, person_pk, PERSON_VIEW)
    try:
        services.add_member(actor=request.user, group=group, person=person)
    except ValidationError as e:
        return _member_answer(request, group, error=e.messages)
    return _member_answer(request, group, ok=_("%(name)s joined.") % {"name": person.name})


@requires(ACTIVITY_MANAGE)
@require_POST
def member_remove(request: HttpRequest, pk: int) -> HttpResponse:
    group = selectors.get_group_for(request.user, pk, ACTIVITY_MANAGE)
    form = MemberForm(request.POST)
    person_pk = form.cleaned_data["person"] if form.is_valid() else 0
    member = GroupMember.objects.filter(group=group, person_id=person_pk).first()
    if member is None:
        return _member_answer(request, group, error=[_("Not a member of this group.")])
    try:
        services.remove_member(actor=request.user, group=group, person=member.person)
    except ValidationError as e:
        return _member_answer(request, group, error=e.messages)
    return _member_answer(request, group, ok=_("%(name)s left.") % {"name": member.person.name})


@requires(ACTIVITY_MANAGE)
@require_http_methods(["GET", "POST"])
def group_scores(request: HttpRequest, pk: int) -> HttpResponse:
    group = selectors.get_group_for(request.user, pk, ACTIVITY_MANAGE)
    members = list(
        GroupMember.objects.filter(group=group).select_related("person").order_by("joined_on")
    )
    form = ScoresForm(request.POST or None, user=request.user, members=members)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_scores(actor=request.user, group=group, scores=form.scores())
        except ValidationError as e:
            attach_errors(form, e)
        else:
            messages.success(request, _("Scores saved."))
            return redirect(reverse("community:group_detail", args=[group.pk]) + "#evaluation")
    return render_page(
        request,
        "community/groups/scores.html",
        {"form": form, "group": group},
        status=422 if form.errors else 200,
    )


# --- sessions -----------------------------------------------------------------------------------
@requires(ACTIVITY_MANAGE)
@require_http_methods(["GET", "POST"])
def session_new(request: HttpRequest, pk: int) -> HttpResponse:
    group = selectors.get_group_for(request.user, pk, ACTIVITY_MANAGE)
    form = SessionForm(request.POST or None, user=request.user, group=group)
    if request.method == "POST" and form.is_valid():
        try:
            session = session_services.record_session(
                actor=request.user, group=group, **form.service_kwargs()
            )
        except ValidationError as e:
            attach_errors(form, e)
        else:
            messages.success(request, _("Session %(n)d recorded.") % {"n": session.number})
            return redirect("community:session_detail", pk=session.pk)
    return render_page(
        request,
        "community/groups/session_form.html",
        {"form": form, "group": group, "session": None},
        status=422 if form.errors else 200,
    )


@requires(ACTIVITY_VIEW)
@require_GET
@never_cache
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.get_session_for(request.user, pk)
    present = selectors.present_at(session)
    members = selectors.members_of(request.user, session.group)
    context = {
        "session": session,
        "group": session.group,
        "rows": [(r, r.member.person_id in present) for r in members],
        "can_manage": selectors.may_run(request.user, session.group, ACTIVITY_MANAGE),
    }
    return render_page(request, "community/groups/session_detail.html", context)


@requires(ACTIVITY_MANAGE)
@require_http_methods(["GET", "POST"])
def session_edit(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.get_session_for(request.user, pk, ACTIVITY_MANAGE)
    initial = {
        "held_on": session.held_on,
        "topic": session.topic,
        "notes": session.notes,
        "others_count": session.others_count,
        "present": sorted(selectors.present_at(session)),
    }
    form = SessionForm(
        request.POST or None, user=request.user, group=session.group, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            session_services.update_session(
                actor=request.user, session=session, **form.service_kwargs()
            )
        except ValidationError as e:
            attach_errors(form, e)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("community:session_detail", pk=session.pk)
    return render_page(
        request,
        "community/groups/session_form.html",
        {"form": form, "group": session.group, "session": session},
        status=422 if form.errors else 200,
    )
