"""Visits on the person page's timeline (registered in FieldworkConfig.ready())."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from shegong.people.models import Person
from shegong.people.timeline import TimelineEvent

from .selectors import visits_of

# The timeline shows the newest 50 events; more visits than that cannot make the cut.
LIMIT = 50


def visit_events(person: Person, user: Any) -> Iterator[TimelineEvent]:
    """The person's visits the user may see (VISIT_VIEW where each visit took place); a
    household visit says so."""
    # Only the columns shown: no joins, no person or station rows (measured at city scale).
    rows = (
        visits_of(user, person)
        .select_related(None)
        .only("id", "visited_on", "kind", "household_id", "needs_found", "notes")
    )
    for v in rows[:LIMIT]:
        detail = v.needs_found or v.notes
        title = str(v.get_kind_display())
        if v.household_id is not None:
            title = _("%(kind)s (whole household)") % {"kind": title}
        yield TimelineEvent(
            v.visited_on,
            "visit",
            title,
            detail[:120],
            reverse("fieldwork:detail", args=[v.pk]),
        )
