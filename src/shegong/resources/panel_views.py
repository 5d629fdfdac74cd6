"""What the resources app adds to other apps' pages (registered at import; ResourcesConfig.ready
imports this module): the person page's "received" panel and timeline events, and the station
page's panel with its stock, funds and list of services.

Each provider starts from the viewer's jurisdiction and answers None when it has nothing the
viewer may see.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import Count, Sum
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from shegong.core import panels
from shegong.core.models import scope_of
from shegong.core.perms import FUND_VIEW, RESOURCE_MANAGE, RESOURCE_VIEW, STATION_EDIT
from shegong.people import timeline
from shegong.people.models import Person
from shegong.regions.models import Station

from . import fund_selectors, selectors
from .models import Allocation, DonationKind

PERSON_ROWS = 10
STOCK_ROWS = 8
TIMELINE_LIMIT = 50


def describe(allocation: Allocation) -> str:
    """One line saying what was given: "校服 × 2 件, 书包 × 1 个", "500.00 yuan", a service."""
    if allocation.kind == DonationKind.GOODS:
        return ", ".join(
            f"{line.item.name} × {line.quantity.normalize():f} {line.item.unit}"
            for line in allocation.lines.all()
        )
    if allocation.kind == DonationKind.MONEY:
        return _("%(amount)s yuan") % {"amount": f"{allocation.value:,.2f}"}
    return allocation.description[:120]


@panels.person(order=60)
def received_panel(request: HttpRequest, person: Person) -> str | None:
    """What the person (and their household) received, with "Give" where the user may."""
    scope = scope_of(request.user, RESOURCE_VIEW)
    if not scope:
        return None
    can_give = scope_of(request.user, RESOURCE_MANAGE).contains(person.region_id)
    allocations = selectors.allocations_to(request.user, person)
    rows = [(a, describe(a)) for a in allocations[:PERSON_ROWS]]
    if not rows and not can_give:
        return None
    totals = allocations.filter(person=person).aggregate(n=Count("id"), value=Sum("value"))
    context = {
        "person": person,
        "rows": rows,
        "count": totals["n"],
        "value": totals["value"] or 0,
        "can_give": can_give,
    }
    return render_to_string("resources/_person_panel.html", context, request=request)


@panels.station(order=60)
def station_panel(request: HttpRequest, station: Station) -> str | None:
    """The station's stock (largest quantities first), funds with balances, services offered."""
    user = request.user
    can_see_stock = scope_of(user, RESOURCE_VIEW).contains(station.region_id)
    can_see_funds = scope_of(user, FUND_VIEW).contains(station.region_id)
    stock = selectors.stock_of(user, station) if can_see_stock else None
    context = {
        "station": station,
        "can_see_stock": can_see_stock,
        "stock": list(stock.order_by("-quantity", "name")[:STOCK_ROWS])
        if stock is not None
        else [],
        "stock_count": stock.count() if stock is not None else 0,
        "can_see_funds": can_see_funds,
        "funds": list(fund_selectors.funds_for(user).filter(station=station))
        if can_see_funds
        else [],
        "offerings": selectors.services_of(user, station),
        "can_edit_services": scope_of(user, STATION_EDIT).contains(station.region_id),
    }
    if not (can_see_stock or can_see_funds or context["offerings"]):
        return None
    return render_to_string("resources/_station_panel.html", context, request=request)


def allocation_events(person: Person, user: Any) -> Iterator[timeline.TimelineEvent]:
    """Allocations to the person (their household's are on the panel, not the timeline)."""
    rows = (
        selectors.allocations_for(user)
        .filter(person=person)
        .prefetch_related("lines__item")[:TIMELINE_LIMIT]
    )
    for a in rows:
        yield timeline.TimelineEvent(
            a.allocated_on,
            "allocation",
            _("Received from %(station)s") % {"station": a.station.name},
            describe(a),
            reverse("resources:allocation", args=[a.pk]),
        )


timeline.register(allocation_events)
