"""Route parameters naming an object outside every persona's jurisdiction (see test_routes)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from shegong.core.models import Attachment
from tests.conftest import Outside


def outside_visit_photo(o: Outside) -> int:
    """A photo row (no file: the 404 never reaches the storage) on the Beijing visit."""
    photo, _created = Attachment.objects.get_or_create(
        owner_type="fieldwork.visit",
        owner_id=o.visit.pk,
        defaults={
            "region_code": o.visit.region_code,
            "kind": "photo",
            "original_name": "京外走访.jpg",
            "content_type": "image/jpeg",
            "size": 1,
            "sha256": "0" * 64,
            "file": "00/outside_visit.jpg",
            "thumbnail": "00/outside_visit_t.jpg",
            "uploaded_by": o.user,
        },
    )
    return photo.pk


OBJECT_PARAMS: dict[tuple[str, str], Callable[[Outside], Any]] = {
    ("fieldwork:photos_add", "pk"): lambda o: o.visit.pk,
    ("fieldwork:photo", "pk"): outside_visit_photo,
    ("fieldwork:photo_thumb", "pk"): outside_visit_photo,
    ("fieldwork:photo_delete", "pk"): outside_visit_photo,
}
API_PARAMS: dict[str, Callable[[Outside], Any]] = {
    "/api/visits/{pk}/attachments": lambda o: o.visit.pk,
    "/api/visit-attachments/{pk}": outside_visit_photo,
    # The attachment downloads for token clients (visit photos, case files, persons); the
    # other owners' 404s are in tests/fieldwork/test_attachment_api.py.
    "/api/attachments/{pk}/file": outside_visit_photo,
    "/api/attachments/{pk}/thumbnail": outside_visit_photo,
}
API_BODIES: dict[str, dict[str, Any]] = {}
