"""Persons, households, categories over time, risk, consent and handovers as JSON.

The same services and selectors as the person pages: lists start from the reader's
jurisdiction, a person outside it is 404 (with an `access.denied` audit row), a read of a
person record and every reveal are audited. Searches are POSTed so that ID and phone numbers
never appear in URLs or access logs.
"""
# No `from __future__ import annotations` here: django-ninja resolves the annotations of the
# decorated view functions at import time.

import datetime as dt
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import Field, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from shegong.core.api import api_requires, validation_payload
from shegong.core.audit import deny
from shegong.core.forms import DivisionCodeField
from shegong.core.models import scope_of
from shegong.core.perms import PERSON_EDIT, PERSON_HANDOVER, PERSON_REVEAL, PERSON_VIEW
from shegong.regions import selectors as region_selectors
from shegong.regions.forms import region_for_code
from shegong.regions.models import Level, Region, Station

from . import queries, selectors, services, timeline
from .models import (
    CategoryMembership,
    Household,
    MembershipSource,
    Person,
    PersonStatus,
    Relation,
    RiskLevel,
)

router = Router(tags=["people"])

# ---------------------------------------------------------------------------------------------
# Output


class PersonItem(Schema):
    id: int
    name: str
    name_pinyin: str
    gender: str
    birth_date: dt.date | None
    age: int | None
    id_masked: str
    phone_masked: str
    region: str
    region_name: str
    station: str | None
    living_situation: str
    status: str
    risk_level: str
    categories: list[str]  # codes of the categories held today (高龄 derived from the age)


class MembershipOut(Schema):
    id: int
    category: str
    category_name: str
    subtype: str
    grade: int | None
    valid_from: dt.date
    valid_to: dt.date | None
    source: str
    note: str


class RiskOut(Schema):
    id: int
    level: str
    reason: str
    assessed_on: dt.date


class ConsentOut(Schema):
    id: int
    basis: str
    given_on: dt.date
    given_by: str
    given_by_guardian: bool
    scope: str
    withdrawn_on: dt.date | None


class ResidenceOut(Schema):
    region: str
    region_name: str
    station: str | None
    valid_from: dt.date
    valid_to: dt.date | None


class MemberOut(Schema):
    id: int
    name: str
    relation: str
    gender: str
    age: int | None


class HouseholdOut(Schema):
    id: int
    region: str
    address: str
    members: list[MemberOut]  # only those the reader may see


class GuardianOut(Schema):
    id: int | None  # None when the guardian lives outside the reader's jurisdiction
    name: str
    relation: str


class WardOut(Schema):
    id: int
    name: str


class EventOut(Schema):
    date: dt.date
    kind: str
    title: str
    detail: str
    url: str


class PersonDetail(PersonItem):
    ethnicity: str
    station_name: str | None
    hukou_address: str
    residence_address: str
    relation: str
    languages: list[str]
    note: str
    household: HouseholdOut | None
    guardian: GuardianOut | None
    wards: list[WardOut]  # whom this person is the guardian of (those the reader may see)
    category_history: list[MembershipOut]
    risk_history: list[RiskOut]
    consents: list[ConsentOut]
    residences: list[ResidenceOut]
    timeline: list[EventOut]  # the newest 50 events from every app, newest first
    version: int


class ErrorOut(Schema):
    detail: str
    errors: dict[str, list[str]]
    codes: dict[str, list[str | None]] = {}


class CategoryOut(Schema):
    code: str
    name: str
    subtypes: list[str]
    graded: bool
    derived: bool
    sensitive: bool


def _code(region_id: int) -> str:
    return f"{region_id:012d}"


def _items(persons: list[Person], user: Any) -> list[PersonItem]:
    today = timezone.localdate()
    held = selectors.current_categories_of(persons, user, today)
    codes = {pk: list(dict.fromkeys(c.code for c in cats)) for pk, cats in held.items()}
    return [
        PersonItem(
            id=p.pk,
            name=p.name,
            name_pinyin=p.name_pinyin,
            gender=p.gender,
            birth_date=p.birth_date,
            age=p.age_on(today),
            id_masked=p.id_masked,
            phone_masked=p.phone_masked,
            region=_code(p.region_id),
            region_name=p.region.name,
            station=p.station.code if p.station else None,
            living_situation=p.living_situation,
            status=p.status,
            risk_level=p.risk_level,
            categories=codes[p.pk],
        )
        for p in persons
    ]


def _household(user: Any, person: Person) -> HouseholdOut | None:
    """The person's household with the members the user may see (the person first)."""
    household = person.household
    if household is None:
        return None
    today = timezone.localdate()
    members = [person, *queries.household_members(user, person)]
    return HouseholdOut(
        id=household.pk,
        region=_code(household.region_id),
        address=household.address,
        members=[
            MemberOut(
                id=m.pk, name=m.name, relation=m.relation, gender=m.gender, age=m.age_on(today)
            )
            for m in members
        ],
    )


def _detail(user: Any, person: Person) -> PersonDetail:
    [item] = _items([person], user)
    guardian = None
    if person.guardian is not None:
        visible = scope_of(user, PERSON_VIEW).contains(person.guardian.region_id)
        guardian = GuardianOut(
            id=person.guardian.pk if visible else None,
            name=person.guardian.name,
            relation=person.guardian_relation,
        )
    return PersonDetail(
        **item.model_dump(),
        ethnicity=person.ethnicity,
        station_name=person.station.name if person.station else None,
        hukou_address=person.hukou_address,
        residence_address=person.residence_address,
        relation=person.relation,
        languages=list(person.languages or []),
        note=person.note,
        household=_household(user, person),
        guardian=guardian,
        wards=[WardOut(id=w.pk, name=w.name) for w in queries.wards(user, person)],
        category_history=[_membership(m) for m in selectors.category_history(person, user)],
        risk_history=[RiskOut.from_orm(r) for r in person.risk_history.all()],
        consents=[ConsentOut.from_orm(c) for c in person.consents.all()],
        residences=[
            ResidenceOut(
                region=_code(r.region_id),
                region_name=r.region.name,
                station=r.station.code if r.station else None,
                valid_from=r.valid_from,
                valid_to=r.valid_to,
            )
            for r in person.residences.select_related("region", "station")
        ],
        timeline=[
            EventOut(date=e.date, kind=e.kind, title=e.title, detail=e.detail, url=e.url)
            for e in timeline.events_for(person, user)
        ],
        version=person.version,
    )


def _membership(m: CategoryMembership) -> MembershipOut:
    return MembershipOut(
        id=m.pk,
        category=m.category.code,
        category_name=m.category.label,
        subtype=m.subtype,
        grade=m.grade,
        valid_from=m.valid_from,
        valid_to=m.valid_to,
        source=m.source,
        note=m.note,
    )


class PersonPages(PageNumberPagination):
    """50 a page, sliced in the database; each page's category codes come in one query."""

    def paginate_queryset(
        self,
        queryset: QuerySet,
        pagination: PageNumberPagination.Input,
        request: HttpRequest,
        **params: Any,
    ) -> Any:
        result = super().paginate_queryset(queryset, pagination, request, **params)
        result["items"] = _items(list(result["items"]), request.user)
        return result


# ---------------------------------------------------------------------------------------------
# Input parsing: codes and ids to objects, choices and lengths checked at their field


def _region(code: str | None, field: str) -> Region | None:
    if not code:
        return None
    try:
        return region_for_code(DivisionCodeField().clean(code))
    except ValidationError as e:
        raise ValidationError({field: e.messages}) from e


def _station(request: HttpRequest, code: str | None) -> Station | None:
    return region_selectors.get_station_for(request.user, code) if code else None


def _household_for(request: HttpRequest, pk: int | None) -> Household | None:
    if pk is None:
        return None
    household = Household.objects.visible_to(request.user, PERSON_EDIT).filter(pk=pk).first()
    if household is None:
        raise deny(request, what="household", object_id=pk)
    return household


def _check_fields(data: dict[str, Any]) -> None:
    """Choices and maximum lengths of plain person fields, as a model form would check them
    (the services derive and cross-check; they do not re-validate choices or lengths)."""
    errors: dict[str, list[str]] = {}
    for field, value in data.items():
        try:
            model_field = Person._meta.get_field(field)
        except FieldDoesNotExist:
            continue
        if not isinstance(model_field, Field) or model_field.is_relation or not value:
            continue
        if field in ("id_number", "phone"):
            continue  # the services normalize these and name what is missing
        try:
            model_field.clean(value, None)
        except ValidationError as e:
            errors[field] = e.messages
    if errors:
        raise ValidationError(errors)


def _choice(field: str, value: str, values: list[str]) -> None:
    if value not in values:
        raise ValidationError(
            {field: _("Choose one of: %(values)s.") % {"values": ", ".join(values)}}
        )


def _person_fields(request: HttpRequest, data: dict[str, Any]) -> dict[str, Any]:
    """Body fields → service keyword arguments (codes and ids become objects)."""
    _check_fields(data)
    if "region" in data:
        data["region"] = _region(data["region"], "region")
    if "station" in data:
        data["station"] = _station(request, data["station"])
    if "guardian" in data:
        pk = data["guardian"]
        data["guardian"] = selectors.get_person_for(request.user, pk) if pk else None
    if "household" in data:
        data["household"] = _household_for(request, data["household"])
    return data


# ---------------------------------------------------------------------------------------------
# Lists and search


class PersonQuery(Schema):
    category: str = ""
    region: str = ""  # a division code (12 digits); its whole subtree
    station: str = ""
    risk: str = ""
    age_band: str = ""
    status: str = ""
    on: dt.date | None = None  # category membership and age band on this day (default today)


class SearchIn(PersonQuery):
    q: str


def _people(request: HttpRequest, query: PersonQuery, q: str = "") -> QuerySet[Person]:
    user = request.user
    if query.category and not selectors.categories_for(user).filter(code=query.category).exists():
        raise ValidationError({"category": _("Unknown category.")})
    if query.risk:
        _choice("risk", query.risk, RiskLevel.values)
    if query.status:
        _choice("status", query.status, PersonStatus.values)
    if query.age_band:
        _choice("age_band", query.age_band, list(selectors.AGE_BANDS))
    region = _region(query.region, "region")
    if region is not None:
        region = region_selectors.get_region_for(user, region.code, PERSON_VIEW)
    # persons_for filters a township or a village; a larger division is its code range.
    exact = region is not None and region.level in (Level.TOWNSHIP, Level.VILLAGE)
    f = selectors.PersonFilter(
        q=q,
        category=query.category,
        region=region.code if region is not None and exact else None,
        station=query.station,
        risk=query.risk,
        age_band=query.age_band,
        status=query.status,
        on=query.on,
    )
    qs = selectors.persons_for(user, f)
    if region is not None and not exact:
        qs = qs.filter(region_id__gte=region.range.lo, region_id__lt=region.range.hi)
    return qs


@router.get("/people", response=list[PersonItem], summary="Persons in my jurisdiction")
@api_requires(PERSON_VIEW)
@paginate(PersonPages, page_size=50)
def person_list(request: HttpRequest, filters: Query[PersonQuery]) -> QuerySet[Person]:
    """Sorted by pinyin. `category` with `on` answers who was in a category on that day."""
    return _people(request, filters)


@router.post("/people/search", response=list[PersonItem], summary="Search as workers type")
@api_requires(PERSON_VIEW)
@paginate(PersonPages, page_size=50)
def person_search(request: HttpRequest, payload: SearchIn) -> QuerySet[Person]:
    """`q`: part of a name (two characters are enough), full pinyin, initials, the last four or
    more digits of an ID number, a whole ID number or a phone number; plus the list filters."""
    return _people(request, payload, q=payload.q)


@router.get("/categories", response=list[CategoryOut], summary="Categories I can use")
@api_requires(PERSON_VIEW)
def category_list(request: HttpRequest) -> list[CategoryOut]:
    return [
        CategoryOut(
            code=c.code,
            name=c.label,
            subtypes=list(c.subtypes),
            graded=c.graded,
            derived=c.derived,
            sensitive=c.sensitive,
        )
        for c in selectors.categories_for(request.user)
    ]


@router.get(
    "/categories/{code}/members",
    response=list[PersonItem],
    summary="Who was in a category at any time in a period",
)
@api_requires(PERSON_VIEW)
@paginate(PersonPages, page_size=50)
def category_members(
    request: HttpRequest, code: str, start: dt.date | None = None, end: dt.date | None = None
) -> QuerySet[Person]:
    """Members on at least one day of [start, end] (default: start today, end = start)."""
    category = selectors.categories_for(request.user).filter(code=code).first()
    if category is None:
        raise deny(request, what="category", object_id=code)
    start = start or timezone.localdate()
    end = end or start
    if end < start:
        raise ValidationError({"end": _("The end date cannot be before the start date.")})
    return selectors.members_during(selectors.persons_for(request.user), code, start, end)


# ---------------------------------------------------------------------------------------------
# One person


class PersonIn(Schema):
    name: str = ""
    id_number: str = ""
    gender: str = ""
    birth_date: dt.date | None = None
    ethnicity: str = ""
    phone: str = ""
    region: str | None = None  # division code of the village/community (or township)
    station: str | None = None  # station code; default: the station serving the region
    hukou_address: str = ""
    residence_address: str = ""
    living_situation: str = ""
    household: int | None = None
    relation: str = ""
    guardian: int | None = None  # the guardian's person id
    guardian_relation: str = ""
    languages: list[str] = []
    status: str = PersonStatus.ACTIVE.value
    note: str = ""
    confirm_duplicate: bool = False


class PersonPatch(Schema):
    name: str | None = None
    id_number: str | None = None
    gender: str | None = None
    birth_date: dt.date | None = None
    ethnicity: str | None = None
    phone: str | None = None
    region: str | None = None
    station: str | None = None
    hukou_address: str | None = None
    residence_address: str | None = None
    living_situation: str | None = None
    household: int | None = None
    relation: str | None = None
    guardian: int | None = None
    guardian_relation: str | None = None
    languages: list[str] | None = None
    note: str | None = None
    expected_version: int | None = None  # the version you read; a newer one answers 409


@router.post("/people", response={201: PersonDetail}, summary="Register a person")
@api_requires(PERSON_EDIT)
def person_create(request: HttpRequest, payload: PersonIn) -> Status[PersonDetail]:
    """A possible duplicate (same name and birth date) answers 422 with the code
    `possible_duplicate`; send again with `confirm_duplicate: true` if it is someone else."""
    data = _person_fields(request, payload.dict(exclude={"confirm_duplicate"}))
    person = services.register_person(
        actor=request.user, confirm_duplicate=payload.confirm_duplicate, **data
    )
    return Status(201, _detail(request.user, person))


@router.get("/people/{pk}", response=PersonDetail, summary="A person's record (audited)")
@api_requires(PERSON_VIEW)
def person_detail(request: HttpRequest, response: HttpResponse, pk: int) -> PersonDetail:
    person = selectors.get_person_for(request.user, pk, record_read=True)
    response["Cache-Control"] = "no-store"
    return _detail(request.user, person)


@router.patch("/people/{pk}", response={200: PersonDetail, 409: ErrorOut})
@api_requires(PERSON_EDIT)
def person_update(request: HttpRequest, pk: int, payload: PersonPatch) -> Any:
    """Change fields; send `expected_version` (from the record you read) so that a save over
    someone else's newer change answers 409 instead of overwriting it."""
    person = selectors.get_person_for(request.user, pk, PERSON_EDIT)
    data = payload.dict(exclude_unset=True)
    expected = data.pop("expected_version", None)
    # null clears a reference or a date; for a text field it means "unchanged" ("" clears).
    nullable = {"birth_date", "station", "household", "guardian"}
    data = {k: v for k, v in data.items() if v is not None or k in nullable}
    fields = _person_fields(request, data)
    try:
        person = services.update_person(
            actor=request.user, person=person, expected_version=expected, **fields
        )
    except ValidationError as e:
        if getattr(e, "code", None) == "stale":
            return Status(409, validation_payload(e))
        raise
    return _detail(request.user, person)


class RevealIn(Schema):
    what: str  # "id_number" or "phone"


class RevealOut(Schema):
    what: str
    value: str


@router.post("/people/{pk}/reveal", response=RevealOut, summary="The full ID number or phone")
@api_requires(PERSON_REVEAL)
def person_reveal(
    request: HttpRequest, response: HttpResponse, pk: int, payload: RevealIn
) -> RevealOut:
    """Audited; answered with `Cache-Control: no-store`."""
    person = selectors.get_person_for(request.user, pk, PERSON_REVEAL)
    _choice("what", payload.what, ["id_number", "phone"])
    reveal = services.reveal_id_number if payload.what == "id_number" else services.reveal_phone
    value = reveal(actor=request.user, person=person)
    response["Cache-Control"] = "no-store"
    return RevealOut(what=payload.what, value=value)


class StatusIn(Schema):
    status: str


@router.post("/people/{pk}/status", response=PersonDetail, summary="Registered, moved, …")
@api_requires(PERSON_EDIT)
def person_status(request: HttpRequest, pk: int, payload: StatusIn) -> PersonDetail:
    person = selectors.get_person_for(request.user, pk, PERSON_EDIT)
    services.set_status(actor=request.user, person=person, status=payload.status)
    return _detail(request.user, person)


class HandoverIn(Schema):
    to_region: str
    on: dt.date | None = None
    to_station: str | None = None


@router.post("/people/{pk}/handover", response=PersonItem, summary="Move to another township")
@api_requires(PERSON_HANDOVER)
def person_handover(request: HttpRequest, pk: int, payload: HandoverIn) -> PersonItem:
    """From `on` the old station loses access and the new one gains it."""
    person = selectors.get_person_for(request.user, pk, PERSON_HANDOVER)
    to_region = _region(payload.to_region, "to_region")
    if to_region is None:
        raise ValidationError({"to_region": _("This field is required.")})
    to_station = None
    if payload.to_station:
        # The receiving station usually lies outside the sender's jurisdiction: station
        # codes and names are public (the service map); nothing else of it is read here.
        to_station = Station.objects.filter(code=payload.to_station, active=True).first()
        if to_station is None:
            raise ValidationError({"to_station": _("Unknown station.")})
    services.hand_over(
        actor=request.user, person=person, to_region=to_region, on=payload.on, to_station=to_station
    )
    [item] = _items([person], request.user)
    return item


# ---------------------------------------------------------------------------------------------
# Categories, risk, consent, household


class MembershipIn(Schema):
    category: str
    valid_from: dt.date
    source: str
    valid_to: dt.date | None = None
    subtype: str = ""
    grade: int | None = None
    note: str = ""


@router.post("/people/{pk}/categories", response={201: MembershipOut}, summary="Add a category")
@api_requires(PERSON_EDIT)
def membership_add(request: HttpRequest, pk: int, payload: MembershipIn) -> Status[MembershipOut]:
    person = selectors.get_person_for(request.user, pk, PERSON_EDIT)
    category = selectors.categories_for(request.user).filter(code=payload.category).first()
    if category is None:
        raise ValidationError({"category": _("Unknown category.")})
    _choice("source", payload.source, MembershipSource.values)
    membership = services.add_membership(
        actor=request.user,
        person=person,
        category=category,
        **payload.dict(exclude={"category"}),
    )
    return Status(201, _membership(membership))


class EndIn(Schema):
    valid_to: dt.date


@router.post("/memberships/{pk}/end", response=MembershipOut, summary="End a category")
@api_requires(PERSON_EDIT)
def membership_end(request: HttpRequest, pk: int, payload: EndIn) -> MembershipOut:
    membership = queries.get_membership_for(request.user, pk, PERSON_EDIT)
    ended = services.end_membership(
        actor=request.user, membership=membership, valid_to=payload.valid_to
    )
    return _membership(ended)


class RiskIn(Schema):
    level: str
    reason: str = ""
    assessed_on: dt.date | None = None


@router.post("/people/{pk}/risk", response={201: RiskOut}, summary="Set the risk level")
@api_requires(PERSON_EDIT)
def risk_set(request: HttpRequest, pk: int, payload: RiskIn) -> Status[RiskOut]:
    person = selectors.get_person_for(request.user, pk, PERSON_EDIT)
    row = services.set_risk_level(actor=request.user, person=person, **payload.dict())
    return Status(201, RiskOut.from_orm(row))


class ConsentIn(Schema):
    basis: str
    given_on: dt.date
    given_by: str = ""
    given_by_guardian: bool = False
    scope: str = ""


@router.post("/people/{pk}/consents", response={201: ConsentOut}, summary="Record consent")
@api_requires(PERSON_EDIT)
def consent_record(request: HttpRequest, pk: int, payload: ConsentIn) -> Status[ConsentOut]:
    person = selectors.get_person_for(request.user, pk, PERSON_EDIT)
    consent = services.record_consent(actor=request.user, person=person, **payload.dict())
    return Status(201, ConsentOut.from_orm(consent))


class HouseholdIn(Schema):
    join: int | None = None  # join this person's household (started if they have none)
    relation: str = ""  # relation to the head of the household joined
    address: str = ""  # for a new household; default: the head's residence address


@router.post(
    "/people/{pk}/household",
    response={200: HouseholdOut, 201: HouseholdOut},
    summary="Start a household with this person as head, or join another person's",
)
@api_requires(PERSON_EDIT)
def household_set(request: HttpRequest, pk: int, payload: HouseholdIn) -> Status[HouseholdOut]:
    """To leave a household: PATCH the person with `{"household": null, "relation": ""}`."""
    user = request.user
    person = selectors.get_person_for(user, pk, PERSON_EDIT)
    status = 201
    if payload.join is None:
        services.create_household(
            actor=user,
            region=person.region,
            address=payload.address or person.residence_address,
            members=[(person, Relation.HEAD)],
        )
    else:
        if payload.join == person.pk:
            raise ValidationError({"join": _("Choose another person's household.")})
        _choice("relation", payload.relation, [r for r in Relation.values if r != Relation.HEAD])
        other = selectors.get_person_for(user, payload.join, PERSON_EDIT)
        if other.household is None:  # as on the person page: start one with them as head
            services.create_household(
                actor=user,
                region=other.region,
                address=payload.address or other.residence_address,
                members=[(other, Relation.HEAD), (person, payload.relation)],
            )
        else:
            services.update_person(
                actor=user, person=person, household=other.household, relation=payload.relation
            )
            status = 200
    person.refresh_from_db(fields=["household", "relation"])
    household = _household(user, person)
    assert household is not None
    return Status(status, household)
