"""Reads for needs and self-care assessments (being written: see suggested_goals)."""

from __future__ import annotations

from typing import Any


def suggested_goals(user: Any, person: Any, case: Any = None) -> list[dict[str, str]]:
    """Case-plan goals suggested by the person's latest needs assessment the user may see:
    a list of {"goal": str, "target": str, "due": "YYYY-MM-DD" or ""}. (Filled in with the
    assessments; until then no suggestions.)"""
    return []
