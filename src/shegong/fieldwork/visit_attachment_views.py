"""Photos on a visit (拍照留档): adding them to a recorded visit, serving a photo and its
thumbnail, and deleting one (core.attachments does the checking, cleaning and storing).

A photo is served only to users with VISIT_VIEW where the visit took place (the attachment
carries the visit's division code); anything else, including another app's attachment, is 404
with an `access.denied` audit row. Answers carry the safe headers of every attachment
(`core.attachments.file_response`): `Cache-Control: private, no-store`, `nosniff`, a
sandboxing CSP, inline with the user's file name as a hint only. Photos are added and deleted
by whoever may record visits there (VISIT_RECORD). Photos taken with the visit itself are
stored by `services.record_visit`.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from shegong.core import attachments, audit
from shegong.core.models import scope_of
from shegong.core.perms import VISIT_RECORD, VISIT_VIEW
from shegong.core.views import is_htmx, requires

from . import selectors, services
from .forms import PhotosForm
from .models import Visit

PHOTOS = "fieldwork/_visit_photos.html"


def photo_context(
    request: HttpRequest, visit: Visit, *, form: PhotosForm | None = None
) -> dict[str, Any]:
    """What the photo section of the visit page (`_visit_photos.html`) needs."""
    return {
        "visit": visit,
        "photos": list(selectors.photos_of(request.user, visit)),
        "photo_form": form or PhotosForm(),
        "can_add_photos": scope_of(request.user, VISIT_RECORD).contains(visit.region_code),
        "max_mb": attachments.max_bytes() // (1024 * 1024),
        "max_photos": services.MAX_PHOTOS,
    }


def _back(visit: Visit) -> str:
    return reverse("fieldwork:detail", args=[visit.pk]) + "#photos"


@requires(VISIT_RECORD)
@require_POST
def visit_photos_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Add photos to a recorded visit: whoever may record visits where it took place."""
    visit = selectors.visits_for(request.user, VISIT_RECORD).filter(pk=pk).first()
    if visit is None:
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
    return redirect(_back(visit))


def _n_added(n: int) -> str:
    return ngettext("%(n)d photo added.", "%(n)d photos added.", n) % {"n": n}


@requires(VISIT_RECORD)
@require_POST
def visit_photo_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Delete a photo (whoever may record visits where the visit took place). htmx gets the
    photo section again; a plain form goes back to the visit page."""
    user = request.user
    photo = selectors.get_photo_for(user, pk, VISIT_RECORD)
    visit = selectors.visits_for(user, VISIT_RECORD).filter(pk=photo.owner_id).first()
    if visit is None:
        raise audit.not_found(user, what="visit photo", key=pk)
    services.delete_visit_photo(actor=user, visit=visit, photo=photo)
    if is_htmx(request):
        context = photo_context(request, visit)
        context["saved"] = _("Photo deleted.")
        return render(request, PHOTOS, context)
    messages.success(request, _("Photo deleted."))
    return redirect(_back(visit))


@requires(VISIT_VIEW)
@require_GET
def visit_photo(request: HttpRequest, pk: int) -> FileResponse:
    attachment = selectors.get_photo_for(request.user, pk, VISIT_VIEW)
    return attachments.viewed_file_response(request, attachment)


@requires(VISIT_VIEW)
@require_GET
def visit_photo_thumb(request: HttpRequest, pk: int) -> FileResponse:
    attachment = selectors.get_photo_for(request.user, pk, VISIT_VIEW)
    if not attachment.thumbnail:
        raise Http404
    return attachments.file_response(attachment, thumbnail=True)
