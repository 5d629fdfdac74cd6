"""Closing a referral without (further) feedback: `closed_on` is the day it left the action list,
`answered_on` stays the day an answer came; the timeline, the page and the API date the close
by `closed_on`."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from shegong.fieldwork import cases
from shegong.fieldwork.models import Referral, ReferralStatus
from shegong.fieldwork.referral_timeline import referral_events
from tests.fieldwork.test_case_api import by_token
from tests.fieldwork.test_referrals_alerts import refer

pytestmark = pytest.mark.django_db


def today() -> dt.date:
    return timezone.localdate()


def events(referral: Referral, user: Any) -> list[tuple[dt.date, str, str]]:
    with translation.override("en"):
        return [(e.date, e.title, e.detail) for e in referral_events(referral.person, user)]


def test_closing_an_unanswered_referral_dates_the_close(persona: Any) -> None:
    worker = persona("worker")
    referral = refer(worker)
    Referral.objects.filter(pk=referral.pk).update(sent_on=today() - dt.timedelta(days=40))
    closed = cases.close_referral(actor=worker, referral=referral, closed_reason="三次催问未回复")
    assert closed.status == ReferralStatus.CLOSED_NO_FEEDBACK
    assert closed.closed_on == today() and closed.answered_on is None
    stored = Referral.objects.get(pk=referral.pk)
    assert (stored.closed_on, stored.answered_on) == (today(), None)
    assert events(referral, worker) == [
        (today() - dt.timedelta(days=40), "Referred to 北辰区精神卫生中心", "情绪低落"),
        (today(), "Referral closed without feedback", "三次催问未回复"),
    ]


def test_an_answered_referral_closed_later_keeps_both_days(persona: Any) -> None:
    worker = persona("worker")
    referral = refer(worker)
    cases.record_referral_feedback(
        actor=worker, referral=referral, status="accepted", feedback="已接收，待排期"
    )
    answered = today() - dt.timedelta(days=9)
    Referral.objects.filter(pk=referral.pk).update(
        sent_on=today() - dt.timedelta(days=12), answered_on=answered
    )
    cases.close_referral(actor=worker, referral=referral, closed_reason="机构停止服务")
    stored = Referral.objects.get(pk=referral.pk)
    assert (stored.answered_on, stored.closed_on) == (answered, today())
    dated = {title: (day, detail) for day, title, detail in events(referral, worker)}
    assert dated["Referral answered"] == (answered, "已接收，待排期")
    assert dated["Referral closed without feedback"] == (today(), "机构停止服务")
    # A second close is refused and keeps the first day.
    with pytest.raises(ValidationError) as e:
        cases.close_referral(actor=worker, referral=referral, closed_reason="again")
    assert e.value.error_dict["status"][0].code == "transition"
    assert Referral.objects.get(pk=referral.pk).closed_on == today()


def test_a_done_referral_has_no_closing_day(persona: Any) -> None:
    worker = persona("worker")
    referral = refer(worker)
    cases.record_referral_feedback(
        actor=worker, referral=referral, status="done", feedback="面谈三次", outcome="情绪稳定"
    )
    stored = Referral.objects.get(pk=referral.pk)
    assert stored.answered_on == today() and stored.closed_on is None
    titles = [t for _d, t, _x in events(referral, worker)]
    assert "Referral answered: done" in titles
    assert "Referral closed without feedback" not in titles


def test_the_page_and_the_api_show_the_closing_day(persona: Any, login: Any) -> None:
    worker = persona("worker")
    referral = refer(worker)
    client = login("worker")
    response = client.post(f"/referrals/{referral.pk}/close/", {"closed_reason": "当事人放弃"})
    assert response.status_code == 302
    html = client.get(f"/referrals/{referral.pk}/").content.decode()
    assert f'data-testid="closed-on">{today().isoformat()}<' in html
    assert 'data-testid="answered-on"' not in html
    body = by_token(worker).get(f"/api/referrals/{referral.pk}").json()
    assert body["closed_on"] == today().isoformat() and body["answered_on"] is None

    other = refer(worker)
    api = by_token(worker)
    closed = api.post(
        f"/api/referrals/{other.pk}/close",
        data=json.dumps({"closed_reason": "无法联系"}),
        content_type="application/json",
    )
    assert closed.status_code == 200, closed.content
    assert closed.json()["closed_on"] == today().isoformat()
    assert closed.json()["answered_on"] is None
