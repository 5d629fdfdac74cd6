"""Volunteers as JSON: the list and one volunteer, registering and changing one, hours (logging
and removing), recognitions, teams, the volunteer's login, and a volunteer's own record ("me").
Pairings are in pairing_api, mounted on this router.

The same selectors and services as the pages: a volunteer outside the caller's jurisdiction is
404 with an `access.denied` audit row; bad input (30 hours in a day, negative hours …) is 422
keyed by field. Hours are decimal strings ("2.50").
"""
# No `from __future__ import annotations` here: django-ninja resolves the annotations of the
# decorated view functions at import time.

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from shegong.core.api import api_requires
from shegong.core.perms import (
    PERSON_VIEW,
    STAFF_MANAGE,
    VISIT_VIEW,
    VOLUNTEER_MANAGE,
    VOLUNTEER_SELF,
    VOLUNTEER_VIEW,
)
from shegong.people import selectors as people_selectors
from shegong.regions import selectors as region_selectors
from shegong.regions.models import Region

from . import hours_services as hours_svc
from . import volunteer_selectors as sel
from . import volunteer_services as svc
from .volunteer_models import Volunteer, VolunteerHours, VolunteerTeam

router = Router(tags=["volunteers"])


class HoursOut(Schema):
    id: int
    volunteer: int
    served_on: dt.date
    hours: Decimal
    source: str
    activity: int | None
    visit: int | None
    description: str
    self_reported: bool
    recorded_at: dt.datetime


class RecognitionOut(Schema):
    id: int
    kind: str
    stars: int | None
    hours_milestone: int | None
    title: str
    awarded_on: dt.date
    note: str


class VolunteerOut(Schema):
    id: int
    name: str
    gender: str
    phone_masked: str
    person: int | None
    station: str
    station_name: str
    community: str | None
    teams: list[int]
    skills: list[str]
    available_days: list[int]
    availability: str
    registered_on: dt.date
    active: bool
    has_login: bool
    total_hours: Decimal | None = None
    stars: int | None = None


class VolunteerIn(Schema):
    station: str  # station code
    name: str
    phone: str = ""
    gender: str = ""
    person: int | None = None
    community: str | None = None  # 12-digit code of a community the station serves
    teams: list[int] = []
    skills: list[str] = []
    available_days: list[int] = []  # ISO weekdays, Monday = 1
    availability: str = ""
    registered_on: dt.date | None = None
    note: str = ""


class VolunteerPatch(Schema):
    name: str | None = None
    phone: str | None = None
    gender: str | None = None
    community: str | None = None  # "" to clear
    teams: list[int] | None = None
    skills: list[str] | None = None
    available_days: list[int] | None = None
    availability: str | None = None
    note: str | None = None
    active: bool | None = None


class VolunteerQuery(Schema):
    q: str = ""
    team: int | None = None
    active: bool | None = True


class HoursIn(Schema):
    hours: Decimal
    served_on: dt.date | None = None
    description: str = ""
    activity: int | None = None  # its date is the day served
    visit: int | None = None


class SelfHoursIn(Schema):
    hours: Decimal
    served_on: dt.date
    description: str = ""


class RecognitionIn(Schema):
    kind: str  # star | milestone | other
    stars: int | None = None
    hours_milestone: int | None = None
    title: str = ""
    awarded_on: dt.date | None = None
    note: str = ""


class LoginIn(Schema):
    username: str
    password: str


class TeamOut(Schema):
    id: int
    name: str
    description: str
    station: str
    active: bool


class TeamIn(Schema):
    station: str
    name: str
    description: str = ""


class MeOut(Schema):
    volunteer: VolunteerOut
    this_month: Decimal
    hours: list[HoursOut]
    recognitions: list[RecognitionOut]
    pairings: list[dict[str, Any]]


def hours_out(h: VolunteerHours) -> HoursOut:
    return HoursOut(
        id=h.pk,
        volunteer=h.volunteer_id,
        served_on=h.served_on,
        hours=h.hours,
        source=h.source,
        activity=h.activity_id,
        visit=h.visit_id,
        description=h.description,
        self_reported=h.self_reported,
        recorded_at=h.recorded_at,
    )


def volunteer_out(v: Volunteer, *, summary: bool = False) -> VolunteerOut:
    out = VolunteerOut(
        id=v.pk,
        name=v.name,
        gender=v.gender,
        phone_masked=v.phone_masked,
        person=v.person_id,
        station=v.station.code,
        station_name=v.station.name,
        community=f"{v.community_id:012d}" if v.community_id else None,
        teams=sorted(t.pk for t in v.teams.all()),
        skills=v.skill_list,
        available_days=v.day_list,
        availability=v.availability,
        registered_on=v.registered_on,
        active=v.active,
        has_login=v.user_id is not None,
    )
    if summary:
        s = sel.summary_of(v)
        out.total_hours, out.stars = s.total, s.stars
    return out


def _recognition_out(r: Any) -> RecognitionOut:
    return RecognitionOut(
        id=r.pk,
        kind=r.kind,
        stars=r.stars,
        hours_milestone=r.hours_milestone,
        title=r.title,
        awarded_on=r.awarded_on,
        note=r.note,
    )


def _community(raw: str | None) -> Region | None:
    if not raw:
        return None
    region = Region.objects.filter(code=int(raw)).first() if raw.isdigit() else None
    if region is None:
        raise ValidationError({"community": _("Unknown division code.")})
    return region


def _teams(request: HttpRequest, ids: list[int]) -> list[VolunteerTeam]:
    teams = list(sel.teams_for(request.user, VOLUNTEER_MANAGE).filter(pk__in=ids))
    if len(teams) != len(set(ids)):
        raise ValidationError({"teams": _("Choose teams of the volunteer's station.")})
    return teams


class VolunteerPages(PageNumberPagination):
    def paginate_queryset(
        self,
        queryset: QuerySet,
        pagination: PageNumberPagination.Input,
        request: HttpRequest,
        **params: Any,
    ) -> Any:
        result = super().paginate_queryset(queryset, pagination, request, **params)
        result["items"] = [volunteer_out(v) for v in result["items"]]
        return result


@router.get("/volunteers", response=list[VolunteerOut], summary="Volunteers in my jurisdiction")
@api_requires(VOLUNTEER_VIEW)
@paginate(VolunteerPages, page_size=50)
def volunteer_list(request: HttpRequest, filters: Query[VolunteerQuery]) -> QuerySet[Volunteer]:
    qs = sel.volunteers_for(request.user).prefetch_related("teams").order_by("name", "id")
    if filters.active is not None:
        qs = qs.filter(active=filters.active)
    if filters.q:
        qs = qs.filter(name__contains=filters.q.strip())
    if filters.team is not None:
        qs = qs.filter(teams=filters.team)
    return qs


@router.get("/volunteers/{pk}", response=VolunteerOut, summary="One volunteer")
@api_requires(VOLUNTEER_VIEW)
def volunteer_detail(request: HttpRequest, pk: int) -> VolunteerOut:
    return volunteer_out(sel.get_volunteer_for(request.user, pk), summary=True)


@router.post("/volunteers", response={201: VolunteerOut}, summary="Register a volunteer")
@api_requires(VOLUNTEER_MANAGE)
def volunteer_create(request: HttpRequest, payload: VolunteerIn) -> Status[VolunteerOut]:
    station = region_selectors.get_station_for(request.user, payload.station, VOLUNTEER_MANAGE)
    person = (
        people_selectors.get_person_for(request.user, payload.person, PERSON_VIEW)
        if payload.person is not None
        else None
    )
    volunteer = svc.register_volunteer(
        actor=request.user,
        station=station,
        person=person,
        community=_community(payload.community),
        teams=_teams(request, payload.teams),
        **payload.dict(
            include={
                "name",
                "phone",
                "gender",
                "skills",
                "available_days",
                "availability",
                "registered_on",
                "note",
            }
        ),
    )
    return Status(201, volunteer_out(volunteer, summary=True))


@router.patch("/volunteers/{pk}", response=VolunteerOut, summary="Change a volunteer")
@api_requires(VOLUNTEER_MANAGE)
def volunteer_update(request: HttpRequest, pk: int, payload: VolunteerPatch) -> VolunteerOut:
    volunteer = sel.get_volunteer_for(request.user, pk, VOLUNTEER_MANAGE)
    fields = payload.dict(exclude_unset=True)
    if "community" in fields:
        fields["community"] = _community(fields["community"])
    if "teams" in fields:
        fields["teams"] = _teams(request, fields["teams"] or [])
    svc.update_volunteer(actor=request.user, volunteer=volunteer, **fields)
    return volunteer_out(sel.get_volunteer_for(request.user, pk), summary=True)


@router.post(
    "/volunteers/{pk}/reveal", response=dict[str, str], summary="The volunteer's phone (audited)"
)
@api_requires(VOLUNTEER_MANAGE)
def volunteer_reveal(request: HttpRequest, pk: int) -> dict[str, str]:
    volunteer = sel.get_volunteer_for(request.user, pk, VOLUNTEER_MANAGE)
    return {"phone": svc.reveal_phone(actor=request.user, volunteer=volunteer)}


@router.get("/volunteers/{pk}/hours", response=list[HoursOut], summary="A volunteer's hours")
@api_requires(VOLUNTEER_VIEW)
def hours_list(
    request: HttpRequest, pk: int, start: dt.date | None = None, end: dt.date | None = None
) -> list[HoursOut]:
    volunteer = sel.get_volunteer_for(request.user, pk)
    qs = sel.hours_for(request.user).filter(volunteer=volunteer)
    if start:
        qs = qs.filter(served_on__gte=start)
    if end:
        qs = qs.filter(served_on__lte=end)
    return [hours_out(h) for h in qs[:1000]]


@router.post("/volunteers/{pk}/hours", response={201: HoursOut}, summary="Log hours")
@api_requires(VOLUNTEER_MANAGE)
def hours_create(request: HttpRequest, pk: int, payload: HoursIn) -> Status[HoursOut]:
    """By hand (`served_on`), or for an activity or a visit (their date). More than 24 hours
    in one day across entries, zero or negative hours, or a future day: 422 at that field."""
    from shegong.fieldwork.models import Visit

    from .activity_models import Activity

    volunteer = sel.get_volunteer_for(request.user, pk, VOLUNTEER_MANAGE)
    activity = visit = None
    if payload.activity is not None:
        activity = (
            Activity.objects.visible_to(request.user, VOLUNTEER_MANAGE)
            .filter(pk=payload.activity)
            .first()
        )
        if activity is None:
            raise ValidationError({"activity": _("Choose an activity of your station.")})
    if payload.visit is not None:
        visit = Visit.objects.visible_to(request.user, VISIT_VIEW).filter(pk=payload.visit).first()
        if visit is None:
            raise ValidationError({"visit": _("Choose a visit in your jurisdiction.")})
    entry = hours_svc.log_hours(
        actor=request.user,
        volunteer=volunteer,
        hours=payload.hours,
        served_on=payload.served_on,
        description=payload.description,
        activity=activity,
        visit=visit,
    )
    return Status(201, hours_out(entry))


@router.delete("/volunteer-hours/{pk}", response={204: None}, summary="Remove an hours entry")
@api_requires(VOLUNTEER_MANAGE)
def hours_delete(request: HttpRequest, pk: int) -> HttpResponse:
    hours_svc.delete_hours(actor=request.user, entry=sel.get_hours_for(request.user, pk))
    return HttpResponse(status=204)


@router.post("/volunteers/{pk}/recognitions", response={201: RecognitionOut}, summary="Recognize")
@api_requires(VOLUNTEER_MANAGE)
def recognition_create(
    request: HttpRequest, pk: int, payload: RecognitionIn
) -> Status[RecognitionOut]:
    volunteer = sel.get_volunteer_for(request.user, pk, VOLUNTEER_MANAGE)
    rec = hours_svc.recognize(actor=request.user, volunteer=volunteer, **payload.dict())
    return Status(201, _recognition_out(rec))


@router.post("/volunteers/{pk}/login", response={201: dict[str, Any]}, summary="Create a login")
@api_requires(STAFF_MANAGE)
def login_create(request: HttpRequest, pk: int, payload: LoginIn) -> Status[dict[str, Any]]:
    """A login with the limited volunteer role (station heads)."""
    volunteer = sel.get_volunteer_for(request.user, pk, VOLUNTEER_MANAGE)
    user = svc.create_login(
        actor=request.user,
        volunteer=volunteer,
        username=payload.username,
        password=payload.password,
    )
    return Status(201, {"user": user.pk, "username": user.username})


@router.get("/volunteer-teams", response=list[TeamOut], summary="Volunteer teams")
@api_requires(VOLUNTEER_VIEW)
def team_list(request: HttpRequest) -> list[TeamOut]:
    return [
        TeamOut(
            id=t.pk, name=t.name, description=t.description, station=t.station.code, active=t.active
        )
        for t in sel.teams_for(request.user).order_by("station__code", "name")[:500]
    ]


@router.post("/volunteer-teams", response={201: TeamOut}, summary="Create a team")
@api_requires(VOLUNTEER_MANAGE)
def team_create(request: HttpRequest, payload: TeamIn) -> Status[TeamOut]:
    station = region_selectors.get_station_for(request.user, payload.station, VOLUNTEER_MANAGE)
    t = svc.create_team(
        actor=request.user, station=station, name=payload.name, description=payload.description
    )
    return Status(
        201,
        TeamOut(id=t.pk, name=t.name, description=t.description, station=station.code, active=True),
    )


# --- a volunteer's own record ----------------------------------------------------------------
@router.get("/me/volunteer", response=MeOut, summary="My volunteer record (volunteers)")
@api_requires(VOLUNTEER_SELF)
def me(request: HttpRequest) -> MeOut:
    volunteer = sel.my_volunteer(request.user)
    summary = sel.summary_of(volunteer)
    return MeOut(
        volunteer=volunteer_out(volunteer, summary=True),
        this_month=summary.this_month,
        hours=[hours_out(h) for h in sel.my_hours(volunteer)[:200]],
        recognitions=[_recognition_out(r) for r in sel.my_recognitions(volunteer)],
        pairings=[
            {
                "id": p.pk,
                "person_name": p.person.name,
                "kind": p.kind,
                "started_on": p.started_on,
                "ended_on": p.ended_on,
                "next_contact_due": sel.contact_due(p, timezone.localdate()),
            }
            for p in sel.my_pairings(volunteer)
        ],
    )


@router.post("/me/volunteer/hours", response={201: HoursOut}, summary="Log my hours")
@api_requires(VOLUNTEER_SELF)
def me_hours(request: HttpRequest, payload: SelfHoursIn) -> Status[HoursOut]:
    volunteer = sel.my_volunteer(request.user)
    entry = hours_svc.log_hours(actor=request.user, volunteer=volunteer, **payload.dict())
    return Status(201, hours_out(entry))
