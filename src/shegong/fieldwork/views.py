"""Visit pages: the worker's worklist, recording a visit on a phone, the visit list and a
visit's page, and "nobody forgotten" for station heads and district offices.

Every read goes through the selectors (jurisdiction by division code); a visit or person
outside it is 404 with an `access.denied` audit row. The only write here is `record_visit`
(with its photos); adding photos later and serving them is in visit_attachment_views.

After a visit is saved the worker lands on its page: the photos, the household's other visits,
and, when the notes mention a risk (`cases.suggests_alert`), a button per kind of alert.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from shegong.core import attachments, audit
from shegong.core.forms import attach_errors
from shegong.core.models import scope_of
from shegong.core.perms import (
    ALERT_RAISE,
    FIELDWORK_OVERSIGHT,
    PERSON_VIEW,
    VISIT_RECORD,
    VISIT_VIEW,
)
from shegong.core.views import render_page, requires
from shegong.people import selectors as people_selectors
from shegong.people.models import Person, RiskLevel
from shegong.regions import selectors as region_selectors

from . import selectors, services
from .case_models import RiskKind
from .forms import OverdueFilterForm, VisitFilterForm, VisitForm
from .models import ContactKind, Visit, VisitKind
from .policy import CHECK_ITEMS
from .visit_attachment_views import photo_context

PER_PAGE = 50
OVERDUE_PER_PAGE = 100


@dataclass(frozen=True)
class WorkRow:
    item: selectors.WorkItem
    contact: str  # what kind of contact is due, translated
    reason: str  # why (a category or a risk level), or "" when the user may not see it


def reason_labels(user: Any) -> dict[str, str]:
    """`Requirement.reason` ("category:<id>", "risk:<level>") → a label the user may read
    (sensitive categories only for those who may see them)."""
    out = {f"risk:{v}": _("risk: %(level)s") % {"level": label} for v, label in RiskLevel.choices}
    for category in people_selectors.categories_for(user).only("pk", "name", "name_en"):
        out[f"category:{category.pk}"] = category.label
    return out


def _get_visit(request: HttpRequest, pk: int) -> Visit:
    visit = (
        selectors.visits_for(request.user)
        .filter(pk=pk)
        .select_related("person__region", "recorded_by")
        .prefetch_related("workers")
        .first()
    )
    if visit is None:
        raise audit.deny(request, what="visit", object_id=pk)
    return visit


def _person_to_visit(request: HttpRequest, raw: str | None) -> Person:
    """The person of `?person=`: visible to the user and in their VISIT_RECORD jurisdiction."""
    pk = int(raw) if raw and raw.isdigit() else 0
    person = people_selectors.get_person_for(request.user, pk, PERSON_VIEW)
    if not scope_of(request.user, VISIT_RECORD).contains(person.region_id):
        raise audit.deny(request, what="person", object_id=pk)
    return person


# --- the worklist ---------------------------------------------------------------------------
@requires(VISIT_RECORD)
@require_GET
@never_cache
def worklist(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    work = selectors.worklist(request.user, today)
    reasons = reason_labels(request.user)
    contacts = dict(ContactKind.choices)

    def rows(items: list[selectors.WorkItem]) -> list[WorkRow]:
        return [WorkRow(i, str(contacts[i.kind]), reasons.get(i.reason, "")) for i in items]

    sections = [
        ("overdue", _("Overdue"), rows(work.overdue)),
        ("today", _("Due today"), rows(work.due_today)),
        ("week", _("Due this week"), rows(work.due_this_week)),
    ]
    context = {
        "today": today,
        "sections": sections,
        "total": sum(len(items) for _k, _t, items in sections),
    }
    return render_page(request, "fieldwork/worklist.html", context)


# --- recording a visit ----------------------------------------------------------------------
@requires(VISIT_RECORD)
@require_http_methods(["GET", "POST"])
@never_cache
def visit_new(request: HttpRequest) -> HttpResponse:
    if "person" not in request.GET:
        return redirect("fieldwork:worklist")
    person = _person_to_visit(request, request.GET.get("person"))
    today = timezone.localdate()
    initial: dict[str, Any] = {}
    if request.GET.get("kind") in VisitKind.values:
        initial["kind"] = request.GET["kind"]
    form = VisitForm(
        request.POST or None,
        request.FILES or None,
        user=request.user,
        person=person,
        on=today,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        try:
            visit = services.record_visit(
                actor=request.user, person=person, **form.service_kwargs()
            )
        except ValidationError as e:
            attach_errors(form, e)
        else:
            messages.success(request, _("Visit to %(name)s recorded.") % {"name": person.name})
            return redirect("fieldwork:detail", pk=visit.pk)
    context = {
        "form": form,
        "person": person,
        "age": person.age_on(today),
        "files_dropped": bool(request.FILES) and bool(form.errors),
        "max_mb": attachments.max_bytes() // (1024 * 1024),
        "max_photos": services.MAX_PHOTOS,
    }
    return render_page(
        request, "fieldwork/visit_form.html", context, status=422 if form.errors else 200
    )


# --- the visit list and one visit -----------------------------------------------------------
@requires(VISIT_VIEW)
@require_GET
@never_cache
def visit_list(request: HttpRequest) -> HttpResponse:
    form = VisitFilterForm(
        request.GET or None, stations=region_selectors.stations_for(request.user)
    )
    f = form.filters()
    visits = selectors.visits_for(request.user)
    if "station" in f:
        visits = visits.filter(station=f["station"])
    if "kind" in f:
        visits = visits.filter(kind=f["kind"])
    if "start" in f:
        visits = visits.filter(visited_on__gte=f["start"])
    if "end" in f:
        visits = visits.filter(visited_on__lte=f["end"])
    page = Paginator(visits, PER_PAGE).get_page(request.GET.get("page"))
    return render_page(
        request, "fieldwork/visit_list.html", {"form": form, "page": page}, partial="results"
    )


@requires(VISIT_VIEW)
@require_GET
@never_cache
def visit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    visit = _get_visit(request, pk)
    labels = dict(CHECK_ITEMS)
    checklist = [
        (labels.get(key, key), entry.get("status", ""), entry.get("note", ""))
        for key, entry in visit.checklist.items()
    ]
    alerts = alert_suggestions(request.user, visit)
    context = {
        "visit": visit,
        "checklist": checklist,
        "workers": list(visit.workers.all()),
        "can_see_person": scope_of(request.user, PERSON_VIEW).contains(visit.person.region_id),
        "group": selectors.household_group(request.user, visit),
        "alerts": alerts,
        "alert_kinds": "、".join(a.label for a in alerts),
        "has_worklist": bool(scope_of(request.user, VISIT_RECORD)),
        **photo_context(request, visit),
    }
    return render_page(request, "fieldwork/visit_detail.html", context)


@dataclass(frozen=True)
class AlertSuggestion:
    kind: str
    label: str
    url: str  # raising it, or "" when an alert of this kind is already open
    already_open: bool


def alert_suggestions(user: Any, visit: Visit) -> list[AlertSuggestion]:
    """The risk alerts the visit's notes suggest raising, for a user who may raise alerts for
    the person (ALERT_RAISE where the person lives); kinds already open are marked."""
    person = visit.person
    if not scope_of(user, ALERT_RAISE).contains(person.region_id):
        return []
    kinds = selectors.suggested_alerts(visit)
    if not kinds:
        return []
    base = reverse("alerts:new")
    already = selectors.open_alert_kinds(person, kinds)
    labels = dict(RiskKind.choices)
    return [
        AlertSuggestion(
            kind=k,
            label=str(labels.get(k, k)),
            url="" if k in already else f"{base}?person={person.pk}&kind={k}&visit={visit.pk}",
            already_open=k in already,
        )
        for k in kinds
    ]


# --- nobody forgotten -----------------------------------------------------------------------
@requires(FIELDWORK_OVERSIGHT)
@require_GET
@never_cache
def overdue(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    contacts = dict(ContactKind.choices)
    form = OverdueFilterForm(
        request.GET or None, stations=region_selectors.stations_for(request.user)
    )
    station = form.cleaned_data.get("station") if form.is_valid() else None
    found = selectors.nobody_forgotten(request.user, today)
    counts = selectors.counts_per_station(found)
    if station is not None:
        found = [r for r in found if r.station is not None and r.station.pk == station.pk]
    labelled = [(r, str(contacts[r.kind])) for r in found]
    page = Paginator(labelled, OVERDUE_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "today": today,
        "page": page,
        "shown": len(found),
        "counts": counts,
        "total_persons": sum(n for _s, n in counts),
        "station": station,
        "can_record": bool(scope_of(request.user, VISIT_RECORD)),
    }
    return render_page(request, "fieldwork/overdue.html", context, partial="results")
