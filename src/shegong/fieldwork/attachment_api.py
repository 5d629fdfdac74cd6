"""Attachment files for API clients: `GET /api/attachments/{pk}/file` and `…/thumbnail`.

The web routes that serve files (/attachments/…, /visit-attachments/…, /case-attachments/…)
need a session login, so a client holding only a bearer token could list attachments but not
download them. These two operations serve the same files with the same safe headers
(`core.attachments.file_response`) to token and session clients alike, authorized exactly as
the web route of the attachment's owner does it:

- a visit's photo: VISIT_VIEW where the visit took place (`selectors.get_photo_for`);
- a case file's attachment: whoever may read the case file (`case_attachments.get_attachment_for`);
- a person's attachment: PERSON_VIEW over the person (`people.attachment_views.get_attachment_for`).

Anything else (an attachment of another app, a missing or forbidden one) is 404 with one
`access.denied` audit row, like everywhere. Reading a file (not a thumbnail) is audited.
"""
# No `from __future__ import annotations` here: django-ninja resolves the annotations of the
# decorated view functions at import time.

from typing import Any

from django.http import FileResponse, Http404, HttpRequest
from ninja import Router

from shegong.core import attachments, audit
from shegong.core.api import api_requires
from shegong.core.models import Attachment
from shegong.core.perms import PERSON_VIEW, VISIT_VIEW
from shegong.people import attachment_views as person_files

from . import case_attachments, selectors

router = Router(tags=["attachments"])


def _authorized(request: HttpRequest, pk: int) -> tuple[Attachment, dict[str, Any]]:
    """The attachment, authorized by its owner's rule, and the details for the audit row."""
    user = request.user
    owner_type = Attachment.objects.filter(pk=pk).values_list("owner_type", flat=True).first()
    if owner_type == selectors.VISIT_OWNER:
        return selectors.get_photo_for(user, pk, VISIT_VIEW), {}
    if owner_type == case_attachments.OWNER_TYPE:
        attachment, case = case_attachments.get_attachment_for(user, pk)
        return attachment, {"case": case.pk}
    if owner_type == person_files.OWNER_TYPE:
        return person_files.get_attachment_for(user, pk, PERSON_VIEW), {}
    raise audit.deny(request, what="api:attachment", object_id=pk)


# Every role that may see visits or cases may see persons too: PERSON_VIEW is the declared
# gate; the owner's own rule above decides.
@router.get(
    "/attachments/{pk}/file",
    summary="Download an attachment",
    response={200: None},
    url_name="attachment_file",
)
@api_requires(PERSON_VIEW)
def attachment_file(request: HttpRequest, pk: int) -> FileResponse:
    """The cleaned file (photos without EXIF/GPS), inline, `Cache-Control: private, no-store`.
    For a visit's photo, a case file's attachment or a person's attachment that you may see
    on the web; 404 otherwise."""
    attachment, details = _authorized(request, pk)
    audit.record(
        actor=request.user,
        action="attachment.view",
        obj=attachment,
        region_code=attachment.region_code,
        request=request,
        details=details,
    )
    return attachments.file_response(attachment)


@router.get(
    "/attachments/{pk}/thumbnail",
    summary="An attachment's thumbnail",
    response={200: None},
    url_name="attachment_thumbnail",
)
@api_requires(PERSON_VIEW)
def attachment_thumbnail(request: HttpRequest, pk: int) -> FileResponse:
    """A JPEG of at most 320 px; 404 for a PDF (it has none)."""
    attachment, _details = _authorized(request, pk)
    if not attachment.thumbnail:
        raise Http404
    return attachments.file_response(attachment, thumbnail=True)
