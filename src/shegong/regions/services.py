"""Writes for stations and organizations. Views, the API and the demo all call these."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shegong.core import audit
from shegong.core.models import scope_of
from shegong.core.perms import ORG_MANAGE, STATION_EDIT, STATION_MANAGE

from .models import Level, Organization, Region, ServiceArea, Station, StationKind

LANGUAGES = {
    "zh": gettext_lazy("Chinese"),
    "bo": gettext_lazy("Tibetan"),
    "ug": gettext_lazy("Uyghur"),
    "mn": gettext_lazy("Mongolian"),
    "kk": gettext_lazy("Kazakh"),
    "ii": gettext_lazy("Yi"),
    "za": gettext_lazy("Zhuang"),
    "ko": gettext_lazy("Korean"),
    "sign": gettext_lazy("sign language"),
}

STATION_FIELDS = (
    "name",
    "kind",
    "specialty",
    "brand_name",
    "address",
    "latitude",
    "longitude",
    "opening_hours",
    "phone",
    "activity_area_m2",
    "office_area_m2",
    "operator",
    "contract_start",
    "contract_end",
    "languages",
    "active",
)

# Which division level a station of each kind is normally sited at and serves.
KIND_LEVELS: dict[str, tuple[int, ...]] = {
    StationKind.CITY_CENTRE: (Level.PROVINCE, Level.CITY),
    StationKind.COUNTY_CENTRE: (Level.COUNTY,),
    StationKind.TOWNSHIP: (Level.TOWNSHIP,),
    StationKind.COMMUNITY_ROOM: (Level.VILLAGE,),
    StationKind.SPECIALTY: (Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE),
}


def _require(actor: Any, perm: str, region: Region, field: str = "region") -> None:
    if not scope_of(actor, perm).covers(region.range):
        raise ValidationError(
            {
                field: _("%(name)s (%(code)s) is outside your jurisdiction.")
                % {"name": region.name, "code": region.code_str}
            }
        )


def _validate_station(data: dict[str, Any], region: Region, served: list[Region]) -> None:
    errors: dict[str, str] = {}
    kind = data.get("kind")
    if kind in KIND_LEVELS and region.level not in KIND_LEVELS[kind]:
        errors["region"] = _("A %(kind)s cannot be sited at a %(level)s.") % {
            "kind": StationKind(kind).label,
            "level": Level(region.level).label,
        }
    start, end = data.get("contract_start"), data.get("contract_end")
    if start and end and end < start:
        errors["contract_end"] = _("The contract cannot end before it starts.")
    lat, lon = data.get("latitude"), data.get("longitude")
    if (lat is None) != (lon is None):
        errors["longitude"] = _("Give both latitude and longitude, or neither.")
    if lat is not None and not Decimal(-90) <= Decimal(lat) <= Decimal(90):
        errors["latitude"] = _("Latitude must be between -90 and 90.")
    if lon is not None and not Decimal(-180) <= Decimal(lon) <= Decimal(180):
        errors["longitude"] = _("Longitude must be between -180 and 180.")
    for field in ("activity_area_m2", "office_area_m2"):
        if data.get(field) is not None and Decimal(data[field]) < 0:
            errors[field] = _("An area cannot be negative.")
    unknown = [lang for lang in data.get("languages") or [] if lang not in LANGUAGES]
    if unknown:
        errors["languages"] = _("Unknown language: %(codes)s.") % {"codes": ", ".join(unknown)}
    if not served:
        errors["served_regions"] = _("A station serves at least one division.")
    if errors:
        raise ValidationError(errors)


def next_station_code(region: Region) -> str:
    """The home division's 12-digit code; a second station there gets -2, then -3 …"""
    base = region.code_str
    taken = set(Station.objects.filter(code__startswith=base).values_list("code", flat=True))
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


@transaction.atomic
def create_station(
    *,
    actor: Any,
    region: Region,
    served_regions: list[Region] | None = None,
    code: str | None = None,
    **fields: Any,
) -> Station:
    served = served_regions if served_regions is not None else [region]
    _require(actor, STATION_MANAGE, region)
    for r in served:
        _require(actor, STATION_MANAGE, r, "served_regions")
    unknown = set(fields) - set(STATION_FIELDS)
    if unknown:
        raise TypeError(f"unknown station fields: {sorted(unknown)}")
    _validate_station(fields, region, served)
    code = code or next_station_code(region)
    if Station.objects.filter(code=code).exists():
        raise ValidationError(
            {"code": _("Station code %(code)s is already used.") % {"code": code}}
        )
    station = Station.objects.create(code=code, region=region, **fields)
    start = fields.get("contract_start") or timezone.localdate()
    ServiceArea.objects.bulk_create(
        ServiceArea(station=station, region=r, valid_from=min(start, timezone.localdate()))
        for r in served
    )
    audit.record(
        actor=actor,
        action="station.create",
        obj=station,
        region_code=region.code,
        details={"served": [r.code for r in served]},
    )
    return station


@transaction.atomic
def update_station(
    *, actor: Any, station: Station, served_regions: list[Region] | None = None, **fields: Any
) -> Station:
    """Change a station's details; a change of service area ends old areas today and starts new
    ones today, so reports for past months still see the areas of their time."""
    if not (
        scope_of(actor, STATION_MANAGE).contains(station.region_id)
        or scope_of(actor, STATION_EDIT).contains(station.region_id)
    ):
        raise ValidationError(_("You may not edit this station."))
    unknown = set(fields) - set(STATION_FIELDS)
    if unknown:
        raise TypeError(f"unknown station fields: {sorted(unknown)}")
    current = {a.region_id: a for a in ServiceArea.objects.current().filter(station=station)}
    served = (
        served_regions
        if served_regions is not None
        else list(Region.objects.filter(code__in=current))
    )
    if served_regions is not None and {r.code for r in served} != set(current):
        # Changing what a station serves is an administrator's act, not a station head's.
        for r in served:
            _require(actor, STATION_MANAGE, r, "served_regions")
    merged = {f: getattr(station, f) for f in STATION_FIELDS} | fields
    _validate_station(merged, station.region, served)
    changed = {f: str(v) for f, v in fields.items() if getattr(station, f) != v}
    for f, v in fields.items():
        setattr(station, f, v)
    station.save()
    today = timezone.localdate()
    new_codes = {r.code for r in served}
    for code, area in current.items():
        if code not in new_codes:
            area.valid_to = today - dt.timedelta(days=1) if area.valid_from < today else today
            area.save(update_fields=["valid_to"])
    ServiceArea.objects.bulk_create(
        ServiceArea(station=station, region=r, valid_from=today)
        for r in served
        if r.code not in current
    )
    if served_regions is not None and new_codes != set(current):
        changed["served_regions"] = ",".join(str(c) for c in sorted(new_codes))
    audit.record(
        actor=actor,
        action="station.update",
        obj=station,
        region_code=station.region_id,
        details={"changed": changed},
    )
    return station


ORG_FIELDS = ("name", "kind", "credit_code", "contact_person", "phone", "address")


def _validate_credit_code(code: str) -> None:
    """GB 32100-2015 unified social credit code: 18 characters with a mod-31 check character."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    code = code.upper()
    if len(code) != 18 or any(c not in alphabet for c in code):
        raise ValidationError(
            {
                "credit_code": _(
                    "A unified social credit code has 18 characters "
                    "(digits and capital letters except I, O, S, V, Z)."
                )
            }
        )
    total = sum(alphabet.index(c) * w for c, w in zip(code[:17], weights, strict=True))
    if alphabet[(31 - total % 31) % 31] != code[17]:
        raise ValidationError(
            {"credit_code": _("The check character of this unified social credit code is wrong.")}
        )


@transaction.atomic
def create_organization(*, actor: Any, region: Region, **fields: Any) -> Organization:
    _require(actor, ORG_MANAGE, region)
    if fields.get("credit_code"):
        fields["credit_code"] = fields["credit_code"].strip().upper()
        _validate_credit_code(fields["credit_code"])
    org = Organization.objects.create(region=region, **fields)
    audit.record(actor=actor, action="organization.create", obj=org, region_code=region.code)
    return org


@transaction.atomic
def update_organization(*, actor: Any, organization: Organization, **fields: Any) -> Organization:
    _require(actor, ORG_MANAGE, organization.region)
    if fields.get("credit_code"):
        fields["credit_code"] = fields["credit_code"].strip().upper()
        _validate_credit_code(fields["credit_code"])
    for f, v in fields.items():
        setattr(organization, f, v)
    organization.save()
    audit.record(
        actor=actor,
        action="organization.update",
        obj=organization,
        region_code=organization.region_id,
        details={"fields": sorted(fields)},
    )
    return organization
