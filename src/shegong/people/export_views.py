"""The Excel export of the person list (same filters as the list, POSTed so that a search for an
ID number never lands in a URL)."""

from __future__ import annotations

import io

from django.contrib import messages
from django.http import FileResponse, HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from shegong.core.perms import PERSON_EXPORT
from shegong.core.views import requires

from . import selectors
from .exports import ExportRefused, export_persons, filename_for


def filter_from(data: dict[str, str]) -> selectors.PersonFilter:
    region = data.get("region", "").strip()
    return selectors.PersonFilter(
        q=data.get("q", "").strip(),
        category=data.get("category", ""),
        region=int(region) if region.isdigit() else None,
        station=data.get("station", ""),
        risk=data.get("risk", ""),
        age_band=data.get("age_band", ""),
        status=data.get("status", ""),
    )


@requires(PERSON_EXPORT)
@require_POST
def export(request: HttpRequest) -> HttpResponseBase:
    f = filter_from(request.POST.dict())
    buffer = io.BytesIO()
    try:
        export_persons(
            actor=request.user,
            persons=selectors.persons_for(request.user, f),
            target=buffer,
            reveal=request.POST.get("reveal") == "1",
            description=", ".join(f"{k}={v}" for k, v in vars(f).items() if v and k != "q"),
        )
    except ExportRefused as e:
        messages.error(request, str(e))
        return redirect("people:list")
    buffer.seek(0)
    return FileResponse(
        buffer,
        as_attachment=True,
        filename=filename_for(request.user),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
