"""Photos on a visit (拍照留档): adding them to a recorded visit, and serving a photo and its
thumbnail (core.attachments does the checking, cleaning and storing).

A photo is served only to users with VISIT_VIEW where the visit took place (the attachment
carries the visit's division code); anything else, including another app's attachment, is 404
with an `access.denied` audit row. Answers carry the same safe headers as a person's
attachments: `Cache-Control: private, no-store`, `X-Content-Type-Options: nosniff`, a sandboxing
CSP, inline with the user's file name as a hint only. Photos taken with the visit itself are
stored by `services.record_visit`.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from shegong.core import attachments, audit
from shegong.core.models import Attachment, scope_of
from shegong.core.perms import VISIT_RECORD, VISIT_VIEW
from shegong.core.views import requires

from . import selectors, services
from .forms import PhotosForm
from .models import Visit


def photo_context(
    request: HttpRequest, visit: Visit, *, form: PhotosForm | None = None
) -> dict[str, Any]:
    """What the photo section of the visit page needs."""
    return {
        "photos": list(selectors.photos_of(request.user, visit)),
        "photo_form": form or PhotosForm(),
        "can_add_photos": scope_of(request.user, VISIT_RECORD).contains(visit.region_code),
        "max_mb": attachments.max_bytes() // (1024 * 1024),
        "max_photos": services.MAX_PHOTOS,
    }


@requires(VISIT_RECORD)
@require_POST
def visit_photos_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Add photos to a recorded visit: whoever may record visits where it took place."""
    visit = selectors.visits_for(request.user).filter(pk=pk).first()
    if visit is None or not scope_of(request.user, VISIT_RECORD).contains(visit.region_code):
        raise audit.deny(request, what="visit", object_id=pk)
    form = PhotosForm(request.POST, request.FILES)
    problems: list[str] = []
    if form.is_valid():
        try:
            added = services.add_visit_photos(
                actor=request.user, visit=visit, photos=form.photo_files()
            )
        except ValidationError as e:
            problems = [str(m) for m in e.messages]
        else:
            messages.success(request, _n_added(len(added)))
    else:
        problems = [str(m) for errors in form.errors.values() for m in errors]
    for problem in problems:
        messages.error(request, problem)
    return redirect(reverse("fieldwork:detail", args=[visit.pk]) + "#photos")


def _n_added(n: int) -> str:
    return ngettext("%(n)d photo added.", "%(n)d photos added.", n) % {"n": n}


def _get(request: HttpRequest, pk: int) -> Attachment:
    attachment = attachments.get_for(request.user, pk, VISIT_VIEW)
    if attachment.owner_type != selectors.VISIT_OWNER:
        # A person's or a case's attachments have their own rules and routes.
        raise audit.not_found(request.user, what="attachment", key=pk)
    return attachment


def _serve(attachment: Attachment, *, thumbnail: bool) -> FileResponse:
    try:
        handle = attachments.open_file(attachment, thumbnail=thumbnail)
    except OSError:  # FileNotFoundError among them: the row outlived its file
        raise Http404 from None
    response = FileResponse(
        handle,
        content_type="image/jpeg" if thumbnail else attachment.content_type,
        as_attachment=False,
        filename=attachment.original_name,
    )
    if not attachment.original_name:
        response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@requires(VISIT_VIEW)
@require_GET
def visit_photo(request: HttpRequest, pk: int) -> FileResponse:
    attachment = _get(request, pk)
    audit.record(
        actor=request.user,
        action="attachment.view",
        obj=attachment,
        region_code=attachment.region_code,
        request=request,
    )
    return _serve(attachment, thumbnail=False)


@requires(VISIT_VIEW)
@require_GET
def visit_photo_thumb(request: HttpRequest, pk: int) -> FileResponse:
    attachment = _get(request, pk)
    if not attachment.thumbnail:
        raise Http404
    return _serve(attachment, thumbnail=True)
