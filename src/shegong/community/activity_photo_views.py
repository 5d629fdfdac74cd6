"""Photos of an activity (拍照留档): upload (also straight from the phone camera), the file and
its thumbnail, delete. core.attachments does the work (real type, EXIF removed, random names).

Files are served only here, through the jurisdiction check, with `Cache-Control: private,
no-store`, `X-Content-Type-Options: nosniff` and a sandboxing CSP, like the person attachments.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from shegong.core import attachments
from shegong.core.forms import attach_errors
from shegong.core.models import Attachment, scope_of
from shegong.core.perms import ACTIVITY_MANAGE, ACTIVITY_VIEW
from shegong.core.views import is_htmx, requires

from . import activity_selectors as selectors
from . import activity_services as services
from .activity_forms import PhotosForm
from .activity_models import ACTIVITY_OWNER, Activity

PHOTOS = "community/activities/_photos.html"


def photo_context(
    request: HttpRequest, activity: Activity, *, form: PhotosForm | None = None
) -> dict[str, Any]:
    """What `_photos.html` needs (the activity's page, or the htmx answers here)."""
    return {
        "activity": activity,
        "photos": list(
            attachments.list_for(
                request.user, owner_type=ACTIVITY_OWNER, owner_id=activity.pk, perm=ACTIVITY_VIEW
            )
        ),
        "photo_form": form or PhotosForm(),
        "can_add_photos": scope_of(request.user, ACTIVITY_MANAGE).contains(activity.region_code),
        "max_mb": attachments.max_bytes() // (1024 * 1024),
        "max_photos": services.MAX_PHOTOS,
    }


def _back(activity: Activity) -> str:
    return reverse("community:activity_detail", args=[activity.pk]) + "#photos"


@requires(ACTIVITY_MANAGE)
@require_POST
def activity_photos(request: HttpRequest, pk: int) -> HttpResponse:
    activity = selectors.get_activity_for(request.user, pk, ACTIVITY_MANAGE)
    form = PhotosForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.add_photos(
                actor=request.user,
                activity=activity,
                photos=form.photo_files(),
                caption=form.cleaned_data["caption"],
            )
        except ValidationError as e:
            attach_errors(form, e)
    ok = not form.errors
    if is_htmx(request):
        context = photo_context(request, activity, form=None if ok else form)
        if ok:
            context["saved"] = _("Photos added.")
        return render(request, PHOTOS, context)
    if ok:
        messages.success(request, _("Photos added."))
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
    return redirect(_back(activity))


def _get(request: HttpRequest, pk: int, perm: str) -> Attachment:
    return attachments.get_for(request.user, pk, perm, owner_type=ACTIVITY_OWNER)


@requires(ACTIVITY_VIEW)
@require_GET
def photo_file(request: HttpRequest, pk: int) -> FileResponse:
    attachment = _get(request, pk, ACTIVITY_VIEW)
    return attachments.file_response(attachment, thumbnail=False)


@requires(ACTIVITY_VIEW)
@require_GET
def photo_thumb(request: HttpRequest, pk: int) -> FileResponse:
    attachment = _get(request, pk, ACTIVITY_VIEW)
    if not attachment.thumbnail:
        raise Http404
    return attachments.file_response(attachment, thumbnail=True)


@requires(ACTIVITY_MANAGE)
@require_POST
def photo_delete(request: HttpRequest, pk: int) -> HttpResponse:
    attachment = _get(request, pk, ACTIVITY_MANAGE)
    activity = selectors.get_activity_for(request.user, attachment.owner_id, ACTIVITY_MANAGE)
    attachments.delete(actor=request.user, attachment=attachment, perm=ACTIVITY_MANAGE)
    if is_htmx(request):
        context = photo_context(request, activity)
        context["saved"] = _("Photo deleted.")
        return render(request, PHOTOS, context)
    messages.success(request, _("Photo deleted."))
    return redirect(_back(activity))
