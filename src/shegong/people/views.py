"""Person pages: the list and its search, registration, the person page and its small forms
(categories, risk, consent, status, household, guardian), editing, revealing an ID number or
phone, and handover to another township.

Privacy: the search text travels in POST bodies only (an ID number must never be in a URL or
an access log), error reports drop ID numbers and phones (`sensitive_post_parameters`), person
pages are never cached, and every page that shows a person is audited by the selector.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_http_methods, require_POST

from shegong.core import audit, panels
from shegong.core.forms import attach_errors
from shegong.core.models import scope_of
from shegong.core.perms import (
    PERSON_EDIT,
    PERSON_EXPORT,
    PERSON_HANDOVER,
    PERSON_IMPORT,
    PERSON_REVEAL,
    PERSON_VIEW,
)
from shegong.core.views import is_htmx, render_page, requires
from shegong.regions.services import LANGUAGES

from . import queries, selectors, services, timeline
from .forms import (
    CategoryForm,
    ConsentForm,
    EndMembershipForm,
    GuardianForm,
    HandoverForm,
    HouseholdForm,
    PersonFilterForm,
    PersonForm,
    RiskForm,
    StatusForm,
)
from .models import Category, Person, Relation

PER_PAGE = 50
DETAIL = "people/person_detail.html"


# --- the list -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Row:
    person: Person
    age: int | None
    categories: list[str]
    village: str


def _rows(persons: list[Person], user: Any, today: dt.date) -> list[Row]:
    # One query for the page's categories; sensitive ones only where the user may see them.
    categories = selectors.current_categories_of(persons, user, today)
    return [
        Row(
            p,
            p.age_on(today),
            [c.label for c in categories[p.pk]],
            queries.short_name(p.region.name),
        )
        for p in persons
    ]


@requires(PERSON_VIEW)
@require_http_methods(["GET", "POST"])
@never_cache
@sensitive_post_parameters("q")
def person_list(request: HttpRequest) -> HttpResponse:
    """Filters come as GET parameters (linkable); a search comes as a POST of the search text
    with the filters (htmx posts it as the worker types). A POST here reads, never writes."""
    searching = request.method == "POST"
    data = (request.POST if searching else request.GET).copy()
    if not searching:
        data.pop("q", None)  # a search text never comes from a URL
    form = PersonFilterForm(data, user=request.user)
    f = form.to_filter()
    today = timezone.localdate()
    page = Paginator(selectors.persons_for(request.user, f), PER_PAGE).get_page(data.get("page"))
    page.object_list = persons = list(page.object_list)  # evaluated once
    params = form.filter_params()
    context = {
        "form": form,
        "page": page,
        "rows": _rows(persons, request.user, today),
        "searching": bool(f.q),
        "params": params,
        "query": urlencode(params),
        "can_register": bool(scope_of(request.user, PERSON_EDIT)),
        "can_import": bool(scope_of(request.user, PERSON_IMPORT)),
        "can_export": bool(scope_of(request.user, PERSON_EXPORT)),
        "can_reveal": bool(scope_of(request.user, PERSON_REVEAL)),
    }
    response = render_page(request, "people/person_list.html", context, partial="results")
    if is_htmx(request):
        if f.q:
            response["HX-Push-Url"] = "false"
        else:
            shown = params | ({"page": str(page.number)} if page.number > 1 else {})
            url = reverse("people:list")
            response["HX-Push-Url"] = f"{url}?{urlencode(shown)}" if shown else url
    return response


# --- registering and editing ----------------------------------------------------------------------
@requires(PERSON_EDIT)
@require_http_methods(["GET", "POST"])
@sensitive_post_parameters("id_number", "phone")
def person_new(request: HttpRequest) -> HttpResponse:
    form = PersonForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        confirmed = bool(form.cleaned_data.get("confirm_duplicate"))
        if confirmed:
            form.ask_confirmation()  # keep the ticked box in view
        try:
            person = services.register_person(
                actor=request.user, confirm_duplicate=confirmed, **form.service_kwargs()
            )
        except ValidationError as e:
            attach_errors(form, e)
            if getattr(e, "code", None) == "possible_duplicate":
                form.ask_confirmation()
        else:
            messages.success(request, _("%(name)s is registered.") % {"name": person.name})
            return redirect("people:detail", pk=person.pk)
    return render_page(
        request, "people/person_form.html", {"form": form}, status=422 if form.errors else 200
    )


@requires(PERSON_EDIT)
@require_http_methods(["GET", "POST"])
@never_cache
@sensitive_post_parameters("id_number", "phone")
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.get_person_for(
        request.user, pk, PERSON_EDIT, record_read=request.method == "GET"
    )
    form = PersonForm(request.POST or None, user=request.user, person=person)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_person(
                actor=request.user,
                person=person,
                expected_version=form.cleaned_data.get("version"),
                **form.service_kwargs(),
            )
        except ValidationError as e:
            attach_errors(form, e)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("people:detail", pk=person.pk)
    return render_page(
        request,
        "people/person_form.html",
        {"form": form, "person": person},
        status=422 if form.errors else 200,
    )


# --- the person page ------------------------------------------------------------------------------
def _detail_context(request: HttpRequest, person: Person, **overrides: Any) -> dict[str, Any]:
    user = request.user
    today = timezone.localdate()
    age = person.age_on(today)
    history = list(selectors.category_history(person, user))
    current = [m for m in history if m.valid_from <= today and (m.valid_to or today) >= today]
    current_names = [m.category.label for m in current]
    if age is not None and age >= selectors.OLDEST_OLD_AGE:
        oldest = Category.objects.filter(code="oldest_old").first()
        if oldest is not None:
            current_names.append(oldest.label)
    view_scope = scope_of(user, PERSON_VIEW)
    guardian = person.guardian
    can_edit = scope_of(user, PERSON_EDIT).contains(person.region_id)
    context: dict[str, Any] = {
        "person": person,
        "age": age,
        "today": today,
        "region_short": queries.short_name(person.region.name),
        "history": history,
        "current_ids": {m.pk for m in current},
        "current_names": current_names,
        "risks": list(person.risk_history.all()[:20]),
        "consents": list(person.consents.all()),
        "residences": list(person.residences.select_related("region", "station")),
        "members": list(queries.household_members(user, person)),
        "guardian": guardian if guardian and view_scope.contains(guardian.region_id) else None,
        "guardian_hidden": guardian is not None and not view_scope.contains(guardian.region_id),
        "wards": list(queries.wards(user, person)),
        "spoken": [str(LANGUAGES.get(c, c)) for c in person.languages],
        "events": timeline.events_for(person, user),
        # Called by the template only where it shows them (not for the small forms' partials).
        "panels": lambda: panels.person_panels(request, person),
        "can_edit": can_edit,
        "can_reveal": scope_of(user, PERSON_REVEAL).contains(person.region_id),
        "can_handover": scope_of(user, PERSON_HANDOVER).contains(person.region_id),
    }
    if can_edit:
        context |= {
            "category_form": CategoryForm(user=user),
            "end_form": EndMembershipForm(),
            "risk_form": RiskForm(),
            "consent_form": ConsentForm(),
            "status_form": StatusForm(initial={"status": person.status}),
            "household_form": HouseholdForm(user=user, person=person),
            "guardian_form": GuardianForm(
                user=user,
                person=person,
                initial={
                    "guardian": person.guardian_id,
                    "guardian_relation": person.guardian_relation,
                },
            ),
        }
    return context | overrides


@requires(PERSON_VIEW)
@require_http_methods(["GET"])
@never_cache
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.get_person_for(request.user, pk, record_read=True)
    return render(request, DETAIL, _detail_context(request, person))


@requires(PERSON_REVEAL)
@require_POST
@never_cache
@sensitive_variables("value")
def person_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """The full ID number (or phone, `?what=phone`): an htmx fragment, or the person page with
    it shown. The service writes the audit row."""
    what = "phone" if request.GET.get("what") == "phone" else "id"
    person = selectors.get_person_for(
        request.user, pk, PERSON_REVEAL, record_read=not is_htmx(request)
    )
    reveal = services.reveal_phone if what == "phone" else services.reveal_id_number
    try:
        value = reveal(actor=request.user, person=person)
    except ValidationError:
        raise audit.deny(request, what="person.reveal", object_id=pk) from None
    if is_htmx(request):
        return render(request, f"{DETAIL}#revealed", {"value": value, "what": what})
    return render(request, DETAIL, _detail_context(request, person, **{f"revealed_{what}": value}))


# --- the small forms on the person page ------------------------------------------------------
def _small_form(
    request: HttpRequest,
    person: Person,
    *,
    form: forms.Form,
    form_name: str,
    section: str,
    save: Callable[[dict[str, Any]], object],
    done: str,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    """Validate and save one small form of the person page.

    htmx: answer the page section again (fresh on success, with the errors at their fields
    otherwise: status 200, so htmx swaps it in), plus the summary and the timeline out of band.
    Without htmx: back to the page, with the outcome as a message.
    """
    if form.is_valid():
        try:
            save(form.cleaned_data)
        except ValidationError as e:
            attach_errors(form, e)
    ok = not form.errors
    if not is_htmx(request):
        if ok:
            messages.success(request, done)
        else:
            for name, errors in form.errors.items():
                label = form.fields[name].label if name in form.fields else None
                for error in errors:
                    messages.error(request, f"{label}: {error}" if label else str(error))
        return redirect(reverse("people:detail", args=[person.pk]) + f"#section-{section}")
    # Fresh from the database: the service may have changed the person in another query.
    person = selectors.get_person_for(request.user, person.pk)
    overrides = {"saved": done} if ok else {form_name: form, **(extra or {})}
    context = _detail_context(request, person, **overrides)
    html = render_to_string(f"{DETAIL}#{section}", context, request)
    for oob in ("summary", "timeline"):
        if oob != section:
            html += render_to_string(f"{DETAIL}#{oob}", context | {"oob": True}, request)
    return HttpResponse(html)


@requires(PERSON_EDIT)
@require_POST
def category_add(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.get_person_for(request.user, pk, PERSON_EDIT)
    form = CategoryForm(request.POST, user=request.user)

    def save(d: dict[str, Any]) -> object:
        return services.add_membership(
            actor=request.user,
            person=person,
            category=d["category"],
            subtype=d["subtype"],
            grade=d["grade"],
            valid_from=d["valid_from"],
            valid_to=d["valid_to"],
            source=d["source"],
            note=d["note"],
        )

    return _small_form(
        request,
        person,
        form=form,
        form_name="category_form",
        section="categories",
        save=save,
        done=_("Category added."),
    )


@requires(PERSON_EDIT)
@require_POST
def membership_end(request: HttpRequest, pk: int) -> HttpResponse:
    membership = queries.get_membership_for(request.user, pk, PERSON_EDIT)
    form = EndMembershipForm(request.POST)
    return _small_form(
        request,
        membership.person,
        form=form,
        form_name="end_form",
        section="categories",
        save=lambda d: services.end_membership(
            actor=request.user, membership=membership, valid_to=d["valid_to"]
        ),
        done=_("Membership ended."),
        extra={"end_form_for": membership.pk},
    )


@requires(PERSON_EDIT)
@require_POST
def risk_set(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.get_person_for(request.user, pk, PERSON_EDIT)
    return _small_form(
        request,
        person,
        form=RiskForm(request.POST),
        form_name="risk_form",
        section="risk",
        save=lambda d: services.set_risk_level(actor=request.user, person=person, **d),
        done=_("Risk level recorded."),
    )


@requires(PERSON_EDIT)
@require_POST
def consent_add(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.get_person_for(request.user, pk, PERSON_EDIT)
    return _small_form(
        request,
        person,
        form=ConsentForm(request.POST),
        form_name="consent_form",
        section="consents",
        save=lambda d: services.record_consent(actor=request.user, person=person, **d),
        done=_("Legal basis recorded."),
    )


@requires(PERSON_EDIT)
@require_POST
def status_set(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.get_person_for(request.user, pk, PERSON_EDIT)
    return _small_form(
        request,
        person,
        form=StatusForm(request.POST),
        form_name="status_form",
        section="profile",
        save=lambda d: services.set_status(actor=request.user, person=person, status=d["status"]),
        done=_("Status changed."),
    )


@requires(PERSON_EDIT)
@require_POST
def household_set(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.get_person_for(request.user, pk, PERSON_EDIT)
    form = HouseholdForm(request.POST, user=request.user, person=person)
    actor = request.user

    def save(d: dict[str, Any]) -> object:
        if d["action"] == HouseholdForm.NEW:
            return services.create_household(
                actor=actor,
                region=person.region,
                address=d["address"] or person.residence_address,
                members=[(person, Relation.HEAD)],
            )
        if d["action"] == HouseholdForm.LEAVE:
            return services.update_person(actor=actor, person=person, household=None, relation="")
        other: Person = d["other"]
        if other.household is None:
            # The other person has no household yet: start one with them as its head.
            return services.create_household(
                actor=actor,
                region=other.region,
                address=other.residence_address,
                members=[(other, Relation.HEAD), (person, d["relation"])],
            )
        return services.update_person(
            actor=actor, person=person, household=other.household, relation=d["relation"]
        )

    return _small_form(
        request,
        person,
        form=form,
        form_name="household_form",
        section="household",
        save=save,
        done=_("Household saved."),
    )


@requires(PERSON_EDIT)
@require_POST
def guardian_set(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.get_person_for(request.user, pk, PERSON_EDIT)
    return _small_form(
        request,
        person,
        form=GuardianForm(request.POST, user=request.user, person=person),
        form_name="guardian_form",
        section="household",
        save=lambda d: services.update_person(
            actor=request.user,
            person=person,
            guardian=d["guardian"],
            guardian_relation=d["guardian_relation"] if d["guardian"] else "",
        ),
        done=_("Guardian saved."),
    )


# --- handover -------------------------------------------------------------------------------------
@requires(PERSON_HANDOVER)
@require_http_methods(["GET", "POST"])
def person_handover(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.get_person_for(request.user, pk, PERSON_HANDOVER)
    form = HandoverForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        to_region = form.cleaned_data["to_code"]
        try:
            services.hand_over(
                actor=request.user, person=person, to_region=to_region, on=form.cleaned_data["on"]
            )
        except ValidationError as e:
            attach_errors(form, e)
        else:
            messages.success(
                request,
                _("%(name)s is handed over to %(place)s.")
                % {"name": person.name, "place": to_region.name},
            )
            if scope_of(request.user, PERSON_VIEW).contains(person.region_id):
                return redirect("people:detail", pk=person.pk)
            return redirect("people:list")
    target = getattr(form, "cleaned_data", {}).get("to_code")  # shown for confirmation
    return render_page(
        request,
        "people/person_handover.html",
        {
            "form": form,
            "person": person,
            "target": target,
            "target_path": queries.place_path(target) if target else [],
            "suggestions": queries.nearby_divisions(person),
        },
        status=422 if form.errors else 200,
    )
