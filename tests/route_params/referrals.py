"""Route parameters naming an object outside every persona's jurisdiction (see test_routes):
the referral and the risk alert of the Beijing person."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.conftest import Outside

OBJECT_PARAMS: dict[tuple[str, str], Callable[[Outside], Any]] = {
    ("referrals:detail", "pk"): lambda o: o.referral.pk,
    ("referrals:feedback", "pk"): lambda o: o.referral.pk,
    ("referrals:close", "pk"): lambda o: o.referral.pk,
    ("alerts:detail", "pk"): lambda o: o.alert.pk,
    ("alerts:action", "pk"): lambda o: o.alert.pk,
    ("alerts:resolve", "pk"): lambda o: o.alert.pk,
}
API_PARAMS: dict[str, Callable[[Outside], Any]] = {
    "/api/referrals/{pk}": lambda o: o.referral.pk,
    "/api/referrals/{pk}/feedback": lambda o: o.referral.pk,
    "/api/referrals/{pk}/close": lambda o: o.referral.pk,
    "/api/alerts/{pk}": lambda o: o.alert.pk,
    "/api/alerts/{pk}/actions": lambda o: o.alert.pk,
    "/api/alerts/{pk}/resolve": lambda o: o.alert.pk,
}
# Valid bodies, so that the request reaches the jurisdiction check (not a 422).
API_BODIES: dict[str, dict[str, Any]] = {
    "/api/referrals/{pk}/feedback": {"status": "accepted", "feedback": "已接收"},
    "/api/referrals/{pk}/close": {"closed_reason": "无回复"},
    "/api/alerts/{pk}/actions": {"kind": "police", "taken_on": "2026-01-01"},
    "/api/alerts/{pk}/resolve": {"resolution": "已处理"},
}
