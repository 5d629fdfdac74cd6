"""Writes for a station's list of services offered (服务清单).

The list describes the station, so whoever may edit the station (STATION_EDIT: its head, the
district office) edits it. It is not a ledger: lines are changed and removed in place.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from shegong.community.models import ServiceDomain
from shegong.core import audit
from shegong.core.models import scope_of
from shegong.core.perms import STATION_EDIT
from shegong.regions.models import Station

from . import checks
from .models import ServiceOffering

FIELDS = ("name", "domain", "description", "target_group", "schedule", "active", "order")


def _require(actor: Any, region_code: int) -> None:
    if not scope_of(actor, STATION_EDIT).contains(region_code):
        raise checks.forbidden(_("You may not change this station's list of services."))


def _clean(errors: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    order = data.get("order", 100)
    if not isinstance(order, int) or not 0 <= order <= 32767:
        errors["order"] = _("Enter a whole number from 0 to 32767.")
        order = 100
    return {
        "name": checks.text(errors, "name", data.get("name"), required=True, max_length=100),
        "domain": checks.choice(errors, "domain", data.get("domain"), ServiceDomain),
        "description": checks.text(errors, "description", data.get("description")),
        "target_group": checks.text(
            errors, "target_group", data.get("target_group"), max_length=200
        ),
        "schedule": checks.text(errors, "schedule", data.get("schedule"), max_length=200),
        "active": bool(data.get("active", True)),
        "order": order,
    }


def _unique(errors: dict[str, Any], station: Station, name: str, pk: int | None) -> None:
    clash = ServiceOffering.objects.filter(station=station, name=name)
    if pk is not None:
        clash = clash.exclude(pk=pk)
    if name and clash.exists():
        errors["name"] = ValidationError(
            _("The list already has a service of this name."), code="duplicate"
        )


@transaction.atomic
def add_service(*, actor: Any, station: Station, **data: Any) -> ServiceOffering:
    """Add a line: name, domain, description, for whom, when (schedule), order, offered now."""
    _require(actor, station.region_id)
    errors: dict[str, Any] = {}
    fields = _clean(errors, data)
    _unique(errors, station, fields["name"], None)
    checks.raise_if(errors)
    offering = ServiceOffering.objects.create(
        station=station, region_code=station.region_id, **fields
    )
    audit.record(
        actor=actor, action="service_list.add", obj=offering, region_code=offering.region_code
    )
    return offering


@transaction.atomic
def update_service(*, actor: Any, offering: ServiceOffering, **data: Any) -> ServiceOffering:
    _require(actor, offering.region_code)
    errors: dict[str, Any] = {}
    current = {f: getattr(offering, f) for f in FIELDS}
    fields = _clean(errors, {**current, **data})
    _unique(errors, offering.station, fields["name"], offering.pk)
    checks.raise_if(errors)
    for key, value in fields.items():
        setattr(offering, key, value)
    offering.save()
    audit.record(
        actor=actor, action="service_list.update", obj=offering, region_code=offering.region_code
    )
    return offering


@transaction.atomic
def remove_service(*, actor: Any, offering: ServiceOffering) -> None:
    _require(actor, offering.region_code)
    audit.record(
        actor=actor, action="service_list.remove", obj=offering, region_code=offering.region_code
    )
    ServiceOffering.objects.filter(pk=offering.pk).delete()
