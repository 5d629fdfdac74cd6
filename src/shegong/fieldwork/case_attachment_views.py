"""Photos and documents of a case file: the list (an htmx section of the case page), upload
(also straight from the phone camera), the file, its thumbnail and delete.

Confidential like the notes: served only to those who may read the case file, with the same
safe headers as every attachment (`core.attachments.file_response`); anyone else gets 404
and an `access.denied` audit row.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from shegong.core import attachments, audit
from shegong.core.forms import attach_errors
from shegong.core.perms import CASE_VIEW, CASE_WORK
from shegong.core.views import is_htmx, requires
from shegong.people.attachment_views import AttachmentForm

from . import case_attachments as files
from . import case_selectors as sel
from . import case_services as svc
from .case_models import Case

LIST = "fieldwork/cases/_attachments.html"


def attachment_context(
    request: HttpRequest, case: Case, *, form: AttachmentForm | None = None
) -> dict[str, Any]:
    return {
        "case": case,
        "attachments": list(files.attachments_of(request.user, case)),
        "attachment_form": form or AttachmentForm(),
        "can_attach": svc.may_work_on(request.user, case),
        "max_mb": attachments.max_bytes() // (1024 * 1024),
    }


def _readable_case(request: HttpRequest, pk: int) -> Case:
    """The case, if the user may read its file; otherwise one audited 404."""
    user = request.user
    case = sel.cases_for(user).filter(pk=pk).first()
    if case is None or not sel.may_read_notes(user, case):
        raise audit.not_found(user, what="case attachments", key=pk)
    return case


def _back(case_pk: int) -> str:
    return reverse("cases:detail", args=[case_pk]) + "#section-attachments"


@requires(CASE_VIEW)
@require_http_methods(["GET", "POST"])
@never_cache
def case_attachments(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the list (an htmx fragment). POST: attach a file (assigned worker, station head)."""
    case = _readable_case(request, pk)
    if request.method == "GET":
        return render(request, LIST, attachment_context(request, case))
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            files.add_attachment(
                actor=request.user,
                case=case,
                upload=form.cleaned_data["upload"],
                caption=form.cleaned_data["caption"],
            )
        except ValidationError as e:
            attach_errors(form, e)
    ok = not form.errors
    if is_htmx(request):
        context = attachment_context(request, case, form=None if ok else form)
        if ok:
            context["saved"] = _("Attachment added.")
        return render(request, LIST, context)  # 200 either way: htmx swaps only 2xx
    if ok:
        messages.success(request, _("Attachment added."))
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
    return redirect(_back(case.pk))


@requires(CASE_VIEW)
@require_http_methods(["GET"])
def attachment_file(request: HttpRequest, pk: int) -> FileResponse:
    attachment, case = files.get_attachment_for(request.user, pk)
    audit.record(
        actor=request.user,
        action="attachment.view",
        obj=attachment,
        region_code=attachment.region_code,
        request=request,
        details={"case": case.pk},
    )
    return attachments.file_response(attachment)


@requires(CASE_VIEW)
@require_http_methods(["GET"])
def attachment_thumb(request: HttpRequest, pk: int) -> FileResponse:
    attachment, _case = files.get_attachment_for(request.user, pk)
    if not attachment.thumbnail:
        raise Http404
    return attachments.file_response(attachment, thumbnail=True)


@requires(CASE_WORK)
@require_POST
def attachment_delete(request: HttpRequest, pk: int) -> HttpResponse:
    attachment, case = files.get_attachment_for(request.user, pk)
    try:
        files.delete_attachment(actor=request.user, case=case, attachment=attachment)
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
        return redirect(_back(case.pk))
    if is_htmx(request):
        context = attachment_context(request, case)
        context["saved"] = _("Attachment deleted.")
        return render(request, LIST, context)
    messages.success(request, _("Attachment deleted."))
    return redirect(_back(case.pk))
