"""Referrals and risk alerts on the person page's timeline (registered at import of
referral_views and alert_views). Each provider answers only what the viewer may see: referrals
in their REFERRAL_MANAGE jurisdiction, alerts where they raise or handle them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from shegong.people.models import Person
from shegong.people.timeline import TimelineEvent

from .case_models import AlertStatus, ReferralDirection, ReferralStatus
from .referral_selectors import alerts_of, referrals_of

# The timeline shows the newest 50 events; each record gives at most three.
LIMIT = 50
DETAIL = 120


def referral_party(referral: Any) -> str:
    """Who the referral went to or came from, as the pages show it."""
    org = referral.to_organization or referral.from_organization
    if org is not None:
        return str(org.name)
    if referral.service_type:
        return str(referral.get_service_type_display())
    return str(referral.other_party)


def referral_events(person: Person, user: Any) -> Iterator[TimelineEvent]:
    rows = referrals_of(user, person.pk).order_by("-sent_on", "-id")[:LIMIT]
    for r in rows:
        url = reverse("referrals:detail", args=[r.pk])
        party = referral_party(r)
        if r.direction == ReferralDirection.OUT:
            title = _("Referred to %(party)s") % {"party": party}
        else:
            title = _("Referred here by %(party)s") % {"party": party}
        yield TimelineEvent(r.sent_on, "referral", title, r.reason[:DETAIL], url)
        if r.answered_on is not None:
            if r.status == ReferralStatus.CLOSED_NO_FEEDBACK:
                # Answered once, then closed: the answer's status is not kept.
                answered = _("Referral answered")
            else:
                answered = _("Referral answered: %(status)s") % {"status": r.get_status_display()}
            yield TimelineEvent(
                r.answered_on, "referral", answered, (r.outcome or r.feedback)[:DETAIL], url
            )
        if r.closed_on is not None:
            yield TimelineEvent(
                r.closed_on,
                "referral",
                _("Referral closed without feedback"),
                r.closed_reason[:DETAIL],
                url,
            )


def alert_events(person: Person, user: Any) -> Iterator[TimelineEvent]:
    rows = alerts_of(user, person.pk).prefetch_related("actions").order_by("-raised_at", "-id")
    for a in rows[:LIMIT]:
        url = reverse("alerts:detail", args=[a.pk])
        yield TimelineEvent(
            a.raised_at,
            "alert",
            _("Risk alert: %(kind)s") % {"kind": a.get_kind_display()},
            a.description[:DETAIL],
            url,
        )
        for action in a.actions.all():
            yield TimelineEvent(
                action.taken_on,
                "alert",
                _("Alert action: %(action)s") % {"action": action.get_kind_display()},
                action.note[:DETAIL],
                url,
            )
        if a.status == AlertStatus.RESOLVED and a.resolved_at is not None:
            yield TimelineEvent(
                a.resolved_at, "alert", _("Risk alert resolved"), a.resolution[:DETAIL], url
            )
