"""A person's timeline: what happened to them, newest first, from every app that knows.

Apps above `people` (visits, cases, activities, donations) add their events without `people`
importing them: each registers a provider once, usually in its AppConfig.ready():

    from shegong.people import timeline

    def visits(person, user):
        for v in Visit.objects.visible_to(user).filter(person=person):
            yield timeline.TimelineEvent(v.visited_on, "visit", _("Home visit"), v.summary, url)

    timeline.register(visits)

A provider is called with the person and the viewing user, and answers only what that user may
see (the person page has already checked that the user may see the person). This module's own
providers cover category memberships, risk levels, consent records and residences/handovers.
"""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.translation import gettext as _

from .selectors import category_history

if TYPE_CHECKING:
    from .models import Person


@dataclass(frozen=True)
class TimelineEvent:
    """One dated event. `kind` is a short machine word ("category", "visit"…) the page uses
    for styling; `title` and `detail` are shown as they are (translate them); `url` links to
    the record behind the event, if the viewer may open it."""

    date: dt.date
    kind: str
    title: str
    detail: str = ""
    url: str = ""

    def __post_init__(self) -> None:
        # A datetime is a date too, but the two do not compare: keep the day only.
        if isinstance(self.date, dt.datetime):
            day = timezone.localtime(self.date) if timezone.is_aware(self.date) else self.date
            object.__setattr__(self, "date", day.date())


Provider = Callable[["Person", Any], Iterable[TimelineEvent]]

_providers: list[Provider] = []


def register(provider: Provider) -> Provider:
    """Add a provider (idempotent); returns it, so it can be used as a decorator."""
    if provider not in _providers:
        _providers.append(provider)
    return provider


def unregister(provider: Provider) -> None:
    """Remove a provider (tests; a no-op when it is not registered)."""
    if provider in _providers:
        _providers.remove(provider)


def providers() -> tuple[Provider, ...]:
    return tuple(_providers)


def events_for(person: Person, user: Any, limit: int = 50) -> list[TimelineEvent]:
    """The newest `limit` events of every provider, newest first. Events of the same day keep
    the order of registration (this app's first), then the order their provider gave them."""
    streams = (provider(person, user) for provider in list(_providers))
    # nlargest is stable for ties: among equal dates the earlier-seen event ranks first.
    return heapq.nlargest(limit, itertools.chain.from_iterable(streams), key=lambda e: e.date)


# --- this app's own events ------------------------------------------------------------------------
def _category_events(person: Person, user: Any) -> Iterator[TimelineEvent]:
    today = timezone.localdate()
    # Through the selector: sensitive categories only for those who may see them.
    for m in category_history(person, user):
        detail = " · ".join(
            str(x)
            for x in (
                m.subtype,
                _("grade %(grade)s") % {"grade": m.grade} if m.grade else "",
                m.get_source_display(),
                m.note,
            )
            if x
        )
        yield TimelineEvent(
            m.valid_from,
            "category",
            _("Joined category: %(category)s") % {"category": m.category.label},
            detail,
        )
        if m.valid_to and m.valid_to <= today:
            yield TimelineEvent(
                m.valid_to,
                "category",
                _("Left category: %(category)s") % {"category": m.category.label},
            )


def _risk_events(person: Person, user: Any) -> Iterator[TimelineEvent]:
    for r in person.risk_history.all():
        yield TimelineEvent(
            r.assessed_on,
            "risk",
            _("Risk level: %(level)s") % {"level": r.get_level_display()},
            r.reason,
        )


def _consent_events(person: Person, user: Any) -> Iterator[TimelineEvent]:
    for c in person.consents.all():
        who = c.given_by
        if who and c.given_by_guardian:
            who = _("%(name)s (guardian)") % {"name": who}
        yield TimelineEvent(
            c.given_on,
            "consent",
            _("Legal basis recorded: %(basis)s") % {"basis": c.get_basis_display()},
            " · ".join(x for x in (who, c.scope) if x),
        )
        if c.withdrawn_on:
            yield TimelineEvent(c.withdrawn_on, "consent", _("Consent withdrawn"))


def _residence_events(person: Person, user: Any) -> Iterator[TimelineEvent]:
    rows = list(person.residences.select_related("region", "station").order_by("valid_from", "id"))
    for i, r in enumerate(rows):
        title = _("Registered in %(place)s") if i == 0 else _("Handed over to %(place)s")
        station = r.station.name if r.station is not None else ""
        yield TimelineEvent(r.valid_from, "residence", title % {"place": r.region.name}, station)


for _builtin in (_category_events, _risk_events, _consent_events, _residence_events):
    register(_builtin)
