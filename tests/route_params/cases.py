"""Route parameters naming an object outside every persona's jurisdiction (see test_routes):
the Beijing case (`outside.case`), its pending transfer (`outside.transfer`) and a photo of its
case file."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.conftest import Outside


def _case_attachment(o: Outside) -> int:
    """A row only (no file written): the 404 tests never reach the storage."""
    from shegong.core.models import Attachment

    attachment, _created = Attachment.objects.get_or_create(
        owner_type="fieldwork.case",
        owner_id=o.case.pk,
        defaults={
            "region_code": o.case.region_code,
            "kind": "photo",
            "original_name": "京外个案照片.jpg",
            "content_type": "image/jpeg",
            "size": 1,
            "sha256": "1" * 64,
            "file": "00/outside_case.jpg",
            "thumbnail": "00/outside_case_t.jpg",
            "uploaded_by": o.user,
        },
    )
    return attachment.pk


_CASE_ROUTES = (
    "detail",
    "advance",
    "services",
    "notes",
    "closure",
    "sign_off",
    "reopen",
    "transfer_worker",
    "transfer_station",
    "attachments",
)
OBJECT_PARAMS: dict[tuple[str, str], Callable[[Outside], Any]] = {
    **{(f"cases:{name}", "pk"): (lambda o: o.case.pk) for name in _CASE_ROUTES},
    ("cases:attachment_file", "pk"): _case_attachment,
    ("cases:attachment_thumb", "pk"): _case_attachment,
    ("cases:attachment_delete", "pk"): _case_attachment,
    ("cases:answer_transfer", "pk"): lambda o: o.transfer.pk,
}
_CASE_PATHS = (
    "",
    "/advance",
    "/services",
    "/notes",
    "/closure",
    "/closure/sign-off",
    "/reopen",
    "/transfer-worker",
    "/transfer-station",
    "/attachments",
)
API_PARAMS: dict[str, Callable[[Outside], Any]] = {
    **{f"/api/cases/{{pk}}{tail}": (lambda o: o.case.pk) for tail in _CASE_PATHS},
    "/api/case-transfers/{pk}/answer": lambda o: o.transfer.pk,
}
# Valid bodies, so that the request reaches the jurisdiction check (not a 422).
API_BODIES: dict[str, dict[str, Any]] = {
    "/api/cases/{pk}/advance": {"expected_version": 1, "to_stage": "assessment"},
    "/api/cases/{pk}/services": {
        "served_on": "2026-01-05",
        "mode": "home",
        "duration_minutes": 30,
        "content": "入户",
    },
    "/api/cases/{pk}/notes": {"expected_version": 1, "notes": "伪造"},
    "/api/cases/{pk}/closure": {"expected_version": 1, "reason": "迁出", "summary": "伪造"},
    "/api/cases/{pk}/closure/sign-off": {"approve": True},
    "/api/cases/{pk}/reopen": {"expected_version": 1, "reason": "伪造"},
    "/api/cases/{pk}/transfer-worker": {"expected_version": 1, "to_worker": 1},
    "/api/cases/{pk}/transfer-station": {
        "expected_version": 1,
        "to_station": "120113001000",
        "reason": "伪造",
    },
    "/api/case-transfers/{pk}/answer": {"accept": False, "note": "伪造"},
}
