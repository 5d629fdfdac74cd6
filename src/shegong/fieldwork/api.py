"""Visits as JSON: the list and one visit, recording a visit, the worklist and "nobody
forgotten", and a visit's photos (listed in each visit; uploaded as multipart/form-data to
/api/visits/{pk}/attachments, deleted at /api/visit-attachments/{pk}, downloaded from
/api/attachments/{pk}/file — see attachment_api, mounted here). The same services and
selectors as the visit pages; a visit or person outside the reader's jurisdiction is 404 with
an `access.denied` audit row.
"""
# No `from __future__ import annotations` here: django-ninja resolves the annotations of the
# decorated view functions at import time.

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Query, Router, Schema, Status, UploadedFile
from ninja.pagination import PageNumberPagination, paginate

from shegong.core.api import api_requires
from shegong.core.audit import deny
from shegong.core.models import Attachment, scope_of
from shegong.core.perms import FIELDWORK_OVERSIGHT, PERSON_VIEW, VISIT_RECORD, VISIT_VIEW
from shegong.people import selectors as people_selectors
from shegong.regions import selectors as region_selectors

from . import selectors, services
from .models import Visit, VisitKind

router = Router(tags=["visits"])


class CheckOut(Schema):
    status: str
    note: str


class PhotoOut(Schema):
    id: int
    url: str  # the cleaned photo, no EXIF (/api/attachments/{id}/file: token or session)
    thumbnail_url: str
    content_type: str
    size: int
    width: int | None
    height: int | None
    original_name: str
    uploaded_by: int | None
    uploaded_at: dt.datetime


class VisitOut(Schema):
    id: int
    person: int
    person_name: str
    kind: str
    visited_on: dt.date
    region: str
    station: str | None
    workers: list[int]
    volunteers_text: str
    checklist: dict[str, CheckOut]
    needs_found: str
    notes: str
    next_due: dt.date | None
    household: int | None  # set when the whole household was visited
    recorded_by: int | None
    recorded_at: dt.datetime
    photos: list[PhotoOut]


class VisitIn(Schema):
    person: int
    kind: str
    visited_on: dt.date | None = None  # default today
    workers: list[int] = []  # user ids; default: the caller
    volunteers_text: str = ""
    checklist: dict[str, Any] = {}  # {item: "ok" | "concern" | ""} or {item: {status, note}}
    needs_found: str = ""
    notes: str = ""
    next_due: dt.date | None = None
    whole_household: bool = False  # also record the visit for the household's other members


class VisitQuery(Schema):
    station: str = ""  # station code
    kind: str = ""
    start: dt.date | None = None
    end: dt.date | None = None
    person: int | None = None


class WorkItemOut(Schema):
    person: int
    person_name: str
    region: str
    contact: str  # "any" (a call will do) or "visit" (a home visit)
    due: dt.date
    reason: str  # "category:<id>" or "risk:<level>"


class WorklistOut(Schema):
    on: dt.date
    overdue: list[WorkItemOut]
    due_today: list[WorkItemOut]
    due_this_week: list[WorkItemOut]


class StationCount(Schema):
    station: str | None
    station_name: str | None
    persons: int


class OverdueItem(Schema):
    person: int
    person_name: str
    contact: str
    due: dt.date
    days_overdue: int
    station: str | None


class OverdueOut(Schema):
    on: dt.date
    counts: list[StationCount]
    rows: list[OverdueItem]


def _code(region_id: int) -> str:
    return f"{region_id:012d}"


def _photo_out(a: Attachment) -> PhotoOut:
    return PhotoOut(
        id=a.pk,
        url=reverse("api:attachment_file", args=[a.pk]),
        thumbnail_url=reverse("api:attachment_thumbnail", args=[a.pk]) if a.thumbnail else "",
        content_type=a.content_type,
        size=a.size,
        width=a.width,
        height=a.height,
        original_name=a.original_name,
        uploaded_by=a.uploaded_by_id,
        uploaded_at=a.uploaded_at,
    )


def _visit_out(v: Visit, photos: list[Attachment]) -> VisitOut:
    return VisitOut(
        id=v.pk,
        person=v.person_id,
        person_name=v.person.name,
        kind=v.kind,
        visited_on=v.visited_on,
        region=_code(v.region_code),
        station=v.station.code if v.station else None,
        workers=sorted(w.pk for w in v.workers.all()),
        volunteers_text=v.volunteers_text,
        checklist={k: CheckOut(**e) for k, e in v.checklist.items()},
        needs_found=v.needs_found,
        notes=v.notes,
        next_due=v.next_due,
        household=v.household_id,
        recorded_by=v.recorded_by_id,
        recorded_at=v.recorded_at,
        photos=[_photo_out(a) for a in photos],
    )


def _visits_out(request: HttpRequest, visits: list[Visit]) -> list[VisitOut]:
    photos = selectors.photos_by_visit(request.user, [v.pk for v in visits])
    return [_visit_out(v, photos.get(v.pk, [])) for v in visits]


class VisitPages(PageNumberPagination):
    def paginate_queryset(
        self,
        queryset: QuerySet,
        pagination: PageNumberPagination.Input,
        request: HttpRequest,
        **params: Any,
    ) -> Any:
        result = super().paginate_queryset(queryset, pagination, request, **params)
        result["items"] = _visits_out(request, list(result["items"]))
        return result


def _visits(request: HttpRequest) -> QuerySet[Visit]:
    return selectors.visits_for(request.user).prefetch_related("workers")


@router.get("/visits", response=list[VisitOut], summary="Visits in my jurisdiction")
@api_requires(VISIT_VIEW)
@paginate(VisitPages, page_size=50)
def visit_list(request: HttpRequest, filters: Query[VisitQuery]) -> QuerySet[Visit]:
    """Newest first. `station` is a station code; `start`/`end` bound the visit date."""
    qs = _visits(request)
    if filters.station:
        qs = qs.filter(station=region_selectors.get_station_for(request.user, filters.station))
    if filters.kind:
        if filters.kind not in VisitKind.values:
            raise ValidationError(
                {"kind": _("Choose one of: %(values)s.") % {"values": ", ".join(VisitKind.values)}}
            )
        qs = qs.filter(kind=filters.kind)
    if filters.start:
        qs = qs.filter(visited_on__gte=filters.start)
    if filters.end:
        qs = qs.filter(visited_on__lte=filters.end)
    if filters.person is not None:
        qs = qs.filter(person_id=filters.person)
    return qs


@router.get("/visits/worklist", response=WorklistOut, summary="My worklist")
@api_requires(VISIT_RECORD)
def worklist(request: HttpRequest) -> WorklistOut:
    """Contacts due by the end of this week (Monday to Sunday) for the persons I may visit."""
    today = timezone.localdate()
    work = selectors.worklist(request.user, today)

    def items(rows: list[selectors.WorkItem]) -> list[WorkItemOut]:
        return [
            WorkItemOut(
                person=i.person.pk,
                person_name=i.person.name,
                region=_code(i.person.region_id),
                contact=i.kind,
                due=i.due,
                reason=i.reason,
            )
            for i in rows
        ]

    return WorklistOut(
        on=today,
        overdue=items(work.overdue),
        due_today=items(work.due_today),
        due_this_week=items(work.due_this_week),
    )


@router.get("/visits/overdue", response=OverdueOut, summary="Nobody forgotten")
@api_requires(FIELDWORK_OVERSIGHT)
def overdue(request: HttpRequest, station: str = "") -> OverdueOut:
    """Everyone not contacted within the required interval, most overdue first, with counts
    per station (always over the whole jurisdiction); `station` narrows the rows."""
    today = timezone.localdate()
    rows = selectors.nobody_forgotten(request.user, today)
    counts = selectors.counts_per_station(rows)
    if station:
        chosen = region_selectors.get_station_for(request.user, station)
        rows = [r for r in rows if r.station is not None and r.station.pk == chosen.pk]
    return OverdueOut(
        on=today,
        counts=[
            StationCount(
                station=s.code if s else None, station_name=s.name if s else None, persons=n
            )
            for s, n in counts
        ],
        rows=[
            OverdueItem(
                person=r.person.pk,
                person_name=r.person.name,
                contact=r.kind,
                due=r.due,
                days_overdue=r.days_overdue,
                station=r.station.code if r.station else None,
            )
            for r in rows
        ],
    )


@router.get("/visits/{pk}", response=VisitOut, summary="One visit")
@api_requires(VISIT_VIEW)
def visit_detail(request: HttpRequest, pk: int) -> VisitOut:
    return _visits_out(request, [_get_visit(request, pk)])[0]


def _get_visit(request: HttpRequest, pk: int) -> Visit:
    visit = _visits(request).filter(pk=pk).first()
    if visit is None:
        raise deny(request, what="api:visit", object_id=pk)
    return visit


@router.get("/visits/{pk}/attachments", response=list[PhotoOut], summary="A visit's photos")
@api_requires(VISIT_VIEW)
def visit_photos(request: HttpRequest, pk: int) -> list[PhotoOut]:
    """Oldest first. The files come from `url` and `thumbnail_url` with a session login."""
    visit = _get_visit(request, pk)
    return [_photo_out(a) for a in selectors.photos_of(request.user, visit)]


@router.post(
    "/visits/{pk}/attachments",
    response={201: list[PhotoOut]},
    summary="Add photos to a visit",
)
@api_requires(VISIT_RECORD)
def visit_photos_add(
    request: HttpRequest, pk: int, files: File[list[UploadedFile] | None] = None
) -> Status[list[PhotoOut]]:
    """multipart/form-data with one or more `files` (JPEG, PNG or WebP). Each is checked before
    any is stored: a file that is not a photo or is too large answers 422 at `photos`, naming
    the file, and nothing is stored. EXIF (GPS included) is removed."""
    visit = selectors.visits_for(request.user, VISIT_RECORD).filter(pk=pk).first()
    if visit is None:
        raise deny(request, what="api:visit", object_id=pk)
    added = services.add_visit_photos(actor=request.user, visit=visit, photos=files or [])
    return Status(201, [_photo_out(a) for a in added])


@router.delete("/visit-attachments/{pk}", response={204: None}, summary="Delete a visit's photo")
@api_requires(VISIT_RECORD)
def visit_photo_delete(request: HttpRequest, pk: int) -> Status[None]:
    """Whoever may record visits where the visit took place; the files are removed once the
    deletion has committed. A photo outside that jurisdiction is 404."""
    photo = selectors.get_photo_for(request.user, pk, VISIT_RECORD)
    visit = selectors.visits_for(request.user, VISIT_RECORD).filter(pk=photo.owner_id).first()
    if visit is None:
        raise deny(request, what="api:visit photo", object_id=pk)
    services.delete_visit_photo(actor=request.user, visit=visit, photo=photo)
    return Status(204, None)


@router.post("/visits", response={201: VisitOut}, summary="Record a visit")
@api_requires(VISIT_RECORD)
def visit_create(request: HttpRequest, payload: VisitIn) -> Status[VisitOut]:
    """A date in the future, a kind not listed, an item not on the person's checklist or a
    worker who does not work where the person lives answer 422 at that field."""
    from shegong.accounts.models import User

    person = people_selectors.get_person_for(request.user, payload.person, PERSON_VIEW)
    if not scope_of(request.user, VISIT_RECORD).contains(person.region_id):
        raise deny(request, what="api:person", object_id=payload.person)
    workers = list(User.objects.filter(pk__in=payload.workers, is_active=True))
    if len(workers) != len(set(payload.workers)):
        raise ValidationError({"workers": _("Everyone who went must work where the person lives.")})
    visit = services.record_visit(
        actor=request.user,
        person=person,
        kind=payload.kind,
        visited_on=payload.visited_on or timezone.localdate(),
        workers=workers,
        volunteers_text=payload.volunteers_text,
        checklist=payload.checklist,
        needs_found=payload.needs_found,
        notes=payload.notes,
        next_due=payload.next_due,
        whole_household=payload.whole_household,
    )
    return Status(201, _visits_out(request, [_visits(request).get(pk=visit.pk)])[0])


# Attachment downloads for token clients (visit photos, case files, persons) on this router.
from .attachment_api import router as attachment_router  # noqa: E402

router.add_router("", attachment_router)
