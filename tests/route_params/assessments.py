"""Route parameters naming an object outside every persona's jurisdiction (see test_routes)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.conftest import Outside

OBJECT_PARAMS: dict[tuple[str, str], Callable[[Outside], Any]] = {
    ("assessments:needs_new", "pk"): lambda o: o.person.pk,
    ("assessments:self_care_new", "pk"): lambda o: o.person.pk,
    ("assessments:needs_detail", "pk"): lambda o: o.needs_assessment.pk,
    ("assessments:self_care_detail", "pk"): lambda o: o.selfcare_assessment.pk,
}
API_PARAMS: dict[str, Callable[[Outside], Any]] = {
    "/api/people/{pk}/assessments": lambda o: o.person.pk,
    "/api/assessments/{pk}": lambda o: o.needs_assessment.pk,
    "/api/people/{pk}/self-care": lambda o: o.person.pk,
    "/api/self-care/{pk}": lambda o: o.selfcare_assessment.pk,
}
# Valid bodies, so that the request reaches the jurisdiction check (not a 422).
API_BODIES: dict[str, dict[str, Any]] = {
    "/api/people/{pk}/assessments": {
        "assessed_on": "2026-01-01",
        "domains": {
            d: {"level": "none"}
            for d in (
                "material",
                "care",
                "health",
                "psychological",
                "education",
                "social_support",
                "safety",
            )
        },
        "summary": "测试",
    },
    "/api/people/{pk}/self-care": {
        "assessed_on": "2026-01-01",
        "items": {
            k: True
            for k in ("eating", "dressing", "transferring", "toileting", "walking", "bathing")
        },
    },
}
