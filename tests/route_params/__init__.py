"""Per-area additions to tests/test_routes.py's tables, so that areas built side by side do not
edit one file: each module defines OBJECT_PARAMS, API_PARAMS and API_BODIES like test_routes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import assessments, cases, community, referrals, resources, visits

MODULES = (visits, cases, referrals, assessments, community, resources)


def merged(name: str) -> dict[Any, Any]:
    out: dict[Any, Any] = {}
    for m in MODULES:
        out.update(getattr(m, name))
    return out


__all__ = ["Callable", "merged"]
