"""Attachments on a person: the list with thumbnails, upload (also straight from the phone
camera), the file and its thumbnail, and delete (core.attachments does the work).

Files are served only here, through the jurisdiction check: never from MEDIA_URL or static.
Answers (`core.attachments.file_response`) carry `Cache-Control: private, no-store` and
`X-Content-Type-Options: nosniff`, and show inline; the stored name is random and the user's
file name is only a download hint.

The person page includes `people/attachments/_list.html` with `attachment_context(request,
person)` merged into its context, or loads it with htmx from `people_attachments:list`.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from shegong.core import attachments
from shegong.core.forms import attach_errors
from shegong.core.models import Attachment, scope_of
from shegong.core.perms import PERSON_EDIT, PERSON_VIEW
from shegong.core.views import is_htmx, requires

from . import selectors
from .models import ATTACHMENT_OWNER, Person

OWNER_TYPE = ATTACHMENT_OWNER
LIST = "people/attachments/_list.html"


class AttachmentForm(forms.Form):
    """A file chosen (`upload`) or a photo taken with the phone camera (`camera`)."""

    upload = forms.FileField(label=gettext_lazy("Photo or PDF"), required=False)
    camera = forms.FileField(label=gettext_lazy("Or take a photo"), required=False)
    caption = forms.CharField(label=gettext_lazy("Caption"), max_length=200, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["upload"] = data.get("camera") or data.get("upload")
        if not data["upload"] and not self.has_error("upload"):
            self.add_error("upload", _("Choose a file or take a photo."))
        return data


def attachment_context(
    request: HttpRequest, person: Person, *, form: AttachmentForm | None = None
) -> dict[str, Any]:
    """What `_list.html` needs, for the person page or the htmx answers here."""
    return {
        "person": person,
        "attachments": list(
            attachments.list_for(
                request.user, owner_type=OWNER_TYPE, owner_id=person.pk, perm=PERSON_VIEW
            )
        ),
        "attachment_form": form or AttachmentForm(),
        "can_attach": scope_of(request.user, PERSON_EDIT).contains(person.region_id),
        "max_mb": attachments.max_bytes() // (1024 * 1024),
    }


@requires(PERSON_VIEW)
@require_http_methods(["GET", "POST"])
@never_cache
def person_attachments(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the list (an htmx fragment). POST: attach a file (needs PERSON_EDIT there)."""
    if request.method == "POST":
        return _upload(request, pk)  # type: ignore[return-value]
    person = selectors.get_person_for(request.user, pk, PERSON_VIEW)
    return render(request, LIST, attachment_context(request, person))


@requires(PERSON_EDIT)
def _upload(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.get_person_for(request.user, pk, PERSON_EDIT)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            attachments.store(
                actor=request.user,
                owner_type=OWNER_TYPE,
                owner_id=person.pk,
                region_code=person.region_id,
                upload=form.cleaned_data["upload"],
                caption=form.cleaned_data["caption"],
                perm=PERSON_EDIT,
            )
        except ValidationError as e:
            attach_errors(form, e)
    ok = not form.errors
    if is_htmx(request):
        context = attachment_context(request, person, form=None if ok else form)
        if ok:
            context["saved"] = _("Attachment added.")
        return render(request, LIST, context)
    if ok:
        messages.success(request, _("Attachment added."))
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
    return redirect(_back(person.pk))


def _back(person_pk: int) -> str:
    return reverse("people:detail", args=[person_pk]) + "#section-attachments"


def get_attachment_for(user: Any, pk: int, perm: str) -> Attachment:
    """A person's attachment, if its division is in the user's scope for `perm`; anything else
    (outside, missing, another app's attachment) is an audited 404 to raise."""
    # Other apps' attachments (case notes …) have their own rules and routes.
    return attachments.get_for(user, pk, perm, owner_type=OWNER_TYPE)


@requires(PERSON_VIEW)
@require_http_methods(["GET"])
def attachment_file(request: HttpRequest, pk: int) -> FileResponse:
    attachment = get_attachment_for(request.user, pk, PERSON_VIEW)
    return attachments.viewed_file_response(request, attachment)


@requires(PERSON_VIEW)
@require_http_methods(["GET"])
def attachment_thumb(request: HttpRequest, pk: int) -> FileResponse:
    attachment = get_attachment_for(request.user, pk, PERSON_VIEW)
    if not attachment.thumbnail:
        raise Http404
    return attachments.file_response(attachment, thumbnail=True)


@requires(PERSON_EDIT)
@require_POST
def attachment_delete(request: HttpRequest, pk: int) -> HttpResponse:
    attachment = get_attachment_for(request.user, pk, PERSON_EDIT)
    person = selectors.get_person_for(request.user, attachment.owner_id, PERSON_EDIT)
    attachments.delete(actor=request.user, attachment=attachment, perm=PERSON_EDIT)
    if is_htmx(request):
        context = attachment_context(request, person)
        context["saved"] = _("Attachment deleted.")
        return render(request, LIST, context)
    messages.success(request, _("Attachment deleted."))
    return redirect(_back(person.pk))
