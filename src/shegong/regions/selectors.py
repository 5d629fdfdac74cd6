"""Reads that cross the jurisdiction boundary: fetch and authorize in one step (404 otherwise)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Count, Min, Prefetch, QuerySet
from django.utils import timezone

from shegong.core import audit
from shegong.core.models import scope_of
from shegong.core.perms import VIEW
from shegong.core.scoping import level_width

from .models import (
    Level,
    Organization,
    Post,
    Region,
    ServiceArea,
    StaffMember,
    Station,
    StationKind,
)


def get_region_for(user: Any, code: int, perm: str | None = VIEW) -> Region:
    scope = scope_of(user, perm)
    region = Region.objects.filter(code=code).select_related("parent").first()
    if region is None or not scope.covers(region.range):
        raise audit.not_found(user, what="region", key=code)
    return region


def scope_roots(user: Any, perm: str | None = VIEW) -> list[Region]:
    """The highest divisions wholly inside the user's scope: where their tree starts."""
    scope = scope_of(user, perm)
    if scope.everything:
        return list(Region.objects.filter(level=Level.PROVINCE))
    roots: list[Region] = []
    for r in scope.ranges:
        for level in Level.values:
            found = [
                c
                for c in Region.objects.filter(level=level, code__gte=r.lo, code__lt=r.hi)
                if scope.covers(c.range)
            ]
            if found:
                roots.extend(found)
                break
    return roots


def get_station_for(user: Any, code: str, perm: str | None = VIEW) -> Station:
    station = (
        Station.objects.visible_to(user, perm)
        .filter(code=code)
        .select_related("region", "operator")
        .first()
    )
    if station is None:
        raise audit.not_found(user, what="station", key=code)
    return station


def get_organization_for(user: Any, pk: int, perm: str | None = VIEW) -> Organization:
    org = Organization.objects.visible_to(user, perm).filter(pk=pk).select_related("region").first()
    if org is None:
        raise audit.not_found(user, what="organization", key=pk)
    return org


def stations_for(
    user: Any, *, region: Region | None = None, kind: str = "", q: str = ""
) -> QuerySet[Station]:
    qs = (
        Station.objects.visible_to(user)
        .select_related("region", "operator")
        .prefetch_related(
            Prefetch(
                "service_areas", to_attr="current_areas", queryset=ServiceArea.objects.current()
            )
        )
    )
    if region is not None:
        qs = qs.filter(region_id__gte=region.range.lo, region_id__lt=region.range.hi)
    if kind:
        qs = qs.filter(kind=kind)
    if q:
        qs = qs.filter(name__icontains=q)
    return qs


# --- coverage ---------------------------------------------------------------------------------
@dataclass
class CoverageRow:
    region: Region
    townships: int = 0
    townships_covered: int = 0
    communities: int = 0
    communities_with_room: int = 0
    stations: int = 0
    children: list[CoverageRow] = field(default_factory=list)

    @property
    def township_pct(self) -> float | None:
        return 100 * self.townships_covered / self.townships if self.townships else None

    @property
    def community_pct(self) -> float | None:
        return 100 * self.communities_with_room / self.communities if self.communities else None


# 北京, 天津, 上海, 重庆: provinces whose city level is only the nominal 市辖区 / 县.
MUNICIPALITIES = frozenset({110000000000, 120000000000, 310000000000, 500000000000})


def coverage_tree(region: Region, *, depth: int = 2, on: dt.date | None = None) -> CoverageRow:
    """Coverage of `region` and its descendants `depth` levels down, in five queries.

    A township counts as covered when an active township station serves it on `on`; a community
    when an active community room serves it.
    """
    day = on or timezone.localdate()
    rng = region.range
    in_range = {"code__gte": rng.lo, "code__lt": rng.hi}
    municipality = region.code in MUNICIPALITIES
    if municipality:
        depth += 1  # its city level (市辖区) is nominal; it is skipped below
    last_level = min(region.level + depth, Level.TOWNSHIP)
    nodes = list(Region.objects.filter(level__gt=region.level, level__lte=last_level, **in_range))
    root = CoverageRow(region)
    rows: dict[int, CoverageRow] = {region.code: root}
    for node in sorted(nodes, key=lambda n: (n.level, n.code)):
        row = CoverageRow(node)
        rows[node.code] = row
        parent = rows.get(node.parent_id or 0)
        (parent or root).children.append(row)

    def add(code: int, attr: str, n: int) -> None:
        for level in range(region.level, last_level + 1):
            width = level_width(level)
            key = code // width * width
            if key in rows:
                setattr(rows[key], attr, getattr(rows[key], attr) + n)

    townships = Region.objects.filter(level=Level.TOWNSHIP, **in_range).values_list(
        "code", flat=True
    )
    for code in townships:
        add(code, "townships", 1)
    community_counts = (
        Region.objects.filter(level=Level.VILLAGE, **in_range)
        .values("parent_id")
        .annotate(n=Count("code"))
    )
    for count in community_counts:
        add(count["parent_id"], "communities", count["n"])
    areas = ServiceArea.objects.current(day).filter(
        station__active=True, region_id__gte=rng.lo, region_id__lt=rng.hi
    )
    for code in set(
        areas.filter(station__kind=StationKind.TOWNSHIP, region__level=Level.TOWNSHIP).values_list(
            "region_id", flat=True
        )
    ):
        add(code, "townships_covered", 1)
    for code in set(
        areas.filter(
            station__kind=StationKind.COMMUNITY_ROOM, region__level=Level.VILLAGE
        ).values_list("region_id", flat=True)
    ):
        add(code, "communities_with_room", 1)
    for code in Station.objects.filter(
        active=True, region_id__gte=rng.lo, region_id__lt=rng.hi
    ).values_list("region_id", flat=True):
        add(code, "stations", 1)
    if municipality:
        root.children = [grandchild for child in root.children for grandchild in child.children]
    return root


# --- staffing ---------------------------------------------------------------------------------
@dataclass
class Staffing:
    resident: int
    certified: int
    overdue: list[StaffMember]  # uncertified longer than the allowed period
    staff: list[tuple[StaffMember, Post]]

    @property
    def problems(self) -> list[str]:
        from django.utils.translation import gettext as _
        from django.utils.translation import ngettext

        out = []
        if self.resident < settings.SHEGONG_STAFFING_MIN_RESIDENT:
            out.append(
                ngettext(
                    "%(n)d resident worker; at least %(min)d required.",
                    "%(n)d resident workers; at least %(min)d required.",
                    self.resident,
                )
                % {"n": self.resident, "min": settings.SHEGONG_STAFFING_MIN_RESIDENT}
            )
        if self.certified < settings.SHEGONG_STAFFING_MIN_CERTIFIED:
            out.append(
                ngettext(
                    "%(n)d certified resident worker; at least %(min)d required.",
                    "%(n)d certified resident workers; at least %(min)d required.",
                    self.certified,
                )
                % {"n": self.certified, "min": settings.SHEGONG_STAFFING_MIN_CERTIFIED}
            )
        for s in self.overdue:
            out.append(
                _("%(name)s is not yet certified %(days)d days after joining.")
                % {"name": s.full_name, "days": settings.SHEGONG_STAFFING_CERTIFY_WITHIN_DAYS}
            )
        return out

    @property
    def ok(self) -> bool:
        return not self.problems


def staffing_for(stations: list[Station], *, on: dt.date | None = None) -> dict[int, Staffing]:
    """Staffing of several stations in one query (for lists and the station page)."""
    day = on or timezone.localdate()
    limit = dt.timedelta(days=settings.SHEGONG_STAFFING_CERTIFY_WITHIN_DAYS)
    out = {s.pk: Staffing(0, 0, [], []) for s in stations}
    posts = Post.objects.current(day).filter(station__in=stations).select_related("staff")
    first_start: dict[int, dt.date] = {
        row["staff_id"]: row["first"]
        for row in Post.objects.filter(staff__in=[p.staff_id for p in posts])
        .values("staff_id")
        .annotate(first=Min("valid_from"))
    }
    for post in posts:
        st = out[post.station_id]
        st.staff.append((post.staff, post))
        if not post.resident:
            continue
        st.resident += 1
        certified = post.staff.certified and (
            post.staff.certificate_date is None or post.staff.certificate_date <= day
        )
        if certified:
            st.certified += 1
        elif day - first_start.get(post.staff_id, post.valid_from) > limit:
            st.overdue.append(post.staff)
    return out
