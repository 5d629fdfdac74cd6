"""Panels that apps above `regions`/`people` add to the start page and the person page.

The start page (regions.views.home) and the person page (people.views.person_detail) cannot
import the apps above them. Those apps register a provider once (at import of their views
module, loaded by their AppConfig.ready()):

    from shegong.core import panels

    @panels.home(order=10)
    def open_alerts(request):
        rows = ...                      # only what request.user may see
        if not rows:
            return None                 # nothing to show: no panel
        return render_to_string("fieldwork/alerts/_home_panel.html", {...}, request=request)

    @panels.person(order=20)
    def cases(request, person):
        ...

    @panels.station(order=20)
    def activities(request, station):   # the station page (regions.views.station_detail)
        ...

A provider answers safe HTML (a rendered template) or None. Providers run in `order`, then in
registration order; each starts from the viewer's jurisdiction like every other query.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.safestring import SafeString, mark_safe

HomeProvider = Callable[[Any], str | None]
PersonProvider = Callable[[Any, Any], str | None]
StationProvider = Callable[[Any, Any], str | None]

_home: list[tuple[int, HomeProvider]] = []
_person: list[tuple[int, PersonProvider]] = []
_station: list[tuple[int, StationProvider]] = []


def _register[P: Callable[..., str | None]](
    registry: list[tuple[int, P]], order: int
) -> Callable[[P], P]:
    def deco(provider: P) -> P:
        if all(p is not provider for _o, p in registry):
            registry.append((order, provider))
            registry.sort(key=lambda x: x[0])
        return provider

    return deco


def _render(registry: list[tuple[int, Any]], *args: Any) -> list[SafeString]:
    """The providers' panels in order; providers with nothing to say are left out."""
    out = []
    for _order, provider in list(registry):
        html = provider(*args)
        if html:
            out.append(mark_safe(html))  # noqa: S308 - providers return rendered templates
    return out


def home(order: int = 50) -> Callable[[HomeProvider], HomeProvider]:
    """Register a start-page panel provider: `provider(request) -> html | None`."""
    return _register(_home, order)


def person(order: int = 50) -> Callable[[PersonProvider], PersonProvider]:
    """Register a person-page panel provider: `provider(request, person) -> html | None`."""
    return _register(_person, order)


def station(order: int = 50) -> Callable[[StationProvider], StationProvider]:
    """Register a station-page panel provider: `provider(request, station) -> html | None`."""
    return _register(_station, order)


def home_panels(request: Any) -> list[SafeString]:
    """The start page's panels for this request, in order."""
    return _render(_home, request)


def person_panels(request: Any, person: Any) -> list[SafeString]:
    return _render(_person, request, person)


def station_panels(request: Any, station: Any) -> list[SafeString]:
    return _render(_station, request, station)
