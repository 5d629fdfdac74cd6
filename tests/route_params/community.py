"""Route parameters naming an object outside every persona's jurisdiction (see test_routes)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.conftest import Outside

OBJECT_PARAMS: dict[tuple[str, str], Callable[[Outside], Any]] = {}
API_PARAMS: dict[str, Callable[[Outside], Any]] = {}
API_BODIES: dict[str, dict[str, Any]] = {}

# --- activities and groups (tests/community/activity_outside.py makes the Beijing objects) ---
from tests.community.activity_outside import (  # noqa: E402
    outside_activity,
    outside_group,
    outside_photo,
    outside_session,
)

OBJECT_PARAMS |= {
    **{
        ("community:" + name, "pk"): lambda o: outside_activity(o).pk
        for name in (
            "activity_detail",
            "activity_edit",
            "checkin_search",
            "checkin",
            "checkout",
            "headcount",
            "activity_photos",
        )
    },
    **{
        ("community:" + name, "pk"): lambda o: outside_photo(o).pk
        for name in ("activity_photo", "activity_photo_thumb", "activity_photo_delete")
    },
    **{
        ("community:" + name, "pk"): lambda o: outside_group(o).pk
        for name in (
            "group_detail",
            "group_edit",
            "group_phase",
            "member_search",
            "member_add",
            "member_remove",
            "group_scores",
            "session_new",
        )
    },
    ("community:session_detail", "pk"): lambda o: outside_session(o).pk,
    ("community:session_edit", "pk"): lambda o: outside_session(o).pk,
}
API_PARAMS |= {
    **{
        f"/api/activities/{{pk}}{tail}": lambda o: outside_activity(o).pk
        for tail in ("", "/attendance", "/checkout", "/headcount")
    },
    **{
        f"/api/groups/{{pk}}{tail}": lambda o: outside_group(o).pk
        for tail in ("", "/phase", "/members", "/members/remove", "/scores", "/sessions")
    },
    "/api/group-sessions/{pk}": lambda o: outside_session(o).pk,
}
API_BODIES |= {
    "/api/activities/{pk}/attendance": {"person": 1},
    "/api/activities/{pk}/checkout": {"person": 1},
    "/api/activities/{pk}/headcount": {"others_count": 1},
    "/api/groups/{pk}/phase": {"to": "formation"},
    "/api/groups/{pk}/members": {"person": 1},
    "/api/groups/{pk}/members/remove": {"person": 1},
    "/api/groups/{pk}/scores": {"scores": []},
    "/api/groups/{pk}/sessions": {"held_on": "2025-01-10", "topic": "测试"},
    "/api/group-sessions/{pk}": {"held_on": "2025-01-10", "topic": "测试"},
}

# --- volunteers, pairings and residents' requests (tests/community/volunteer_outside.py) -------
from tests.community.volunteer_outside import (  # noqa: E402
    outside_hours,
    outside_pairing,
    outside_request,
    outside_volunteer,
)

OBJECT_PARAMS |= {
    **{
        ("community:" + name, "pk"): lambda o: outside_volunteer(o).pk
        for name in (
            "volunteer_detail",
            "volunteer_edit",
            "volunteer_reveal",
            "hours_add",
            "recognize",
            "volunteer_login",
        )
    },
    ("community:hours_delete", "pk"): lambda o: outside_hours(o).pk,
    **{
        ("community:" + name, "pk"): lambda o: outside_pairing(o).pk
        for name in (
            "pairing_detail",
            "pairing_contact",
            "pairing_end",
            "my_pairing",
            "my_pairing_contact",
        )
    },
    **{
        ("community:" + name, "pk"): lambda o: outside_request(o).pk
        for name in (
            "request_detail",
            "request_triage",
            "request_assign",
            "request_start",
            "request_resolve",
            "request_satisfaction",
            "request_close",
            "request_reveal",
        )
    },
}
API_PARAMS |= {
    **{
        f"/api/volunteers/{{pk}}{tail}": lambda o: outside_volunteer(o).pk
        for tail in ("", "/hours", "/recognitions", "/login", "/reveal")
    },
    "/api/volunteer-hours/{pk}": lambda o: outside_hours(o).pk,
    **{
        f"/api/pairings/{{pk}}{tail}": lambda o: outside_pairing(o).pk
        for tail in ("", "/contacts", "/end")
    },
    "/api/me/volunteer/pairings/{pk}/contacts": lambda o: outside_pairing(o).pk,
    **{
        f"/api/resident-requests/{{pk}}{tail}": lambda o: outside_request(o).pk
        for tail in (
            "",
            "/triage",
            "/assign",
            "/start",
            "/resolve",
            "/satisfaction",
            "/close",
            "/reveal",
        )
    },
}
API_BODIES |= {
    "/api/volunteers/{pk}/hours": {"hours": "2", "served_on": "2025-01-10"},
    "/api/volunteers/{pk}/recognitions": {"kind": "other", "title": "优秀志愿者"},
    "/api/volunteers/{pk}/login": {"username": "walk_volunteer", "password": "Lantern-2026-x"},
    "/api/pairings/{pk}/contacts": {"contacted_on": "2025-01-11", "mode": "phone"},
    "/api/pairings/{pk}/end": {"reason": "测试"},
    "/api/me/volunteer/pairings/{pk}/contacts": {"contacted_on": "2025-01-11", "mode": "phone"},
    "/api/resident-requests/{pk}/triage": {"urgency": "high", "importance": "low"},
    "/api/resident-requests/{pk}/assign": {"assigned_to": 1},
    "/api/resident-requests/{pk}/resolve": {"resolution": "测试"},
    "/api/resident-requests/{pk}/satisfaction": {"satisfaction": 5},
    "/api/resident-requests/{pk}/close": {"reason": "测试"},
}
