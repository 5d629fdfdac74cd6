"""Writes for persons, households, categories, risk, consent and handovers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from shegong.accounts.models import as_user
from shegong.core import audit
from shegong.core.crypto import blind_index
from shegong.core.idnumber import InvalidIdNumber, mask, parse
from shegong.core.models import Attachment, scope_of
from shegong.core.normalize import CellError
from shegong.core.normalize import phone as normalize_phone
from shegong.core.perms import PERSON_EDIT, PERSON_HANDOVER, PERSON_REVEAL
from shegong.regions.models import Level, Region, ServiceArea, Station, StationKind

from . import indexing
from .models import (
    ATTACHMENT_OWNER,
    Category,
    CategoryMembership,
    Consent,
    Gender,
    Household,
    LegalBasis,
    LivingSituation,
    MembershipSource,
    Person,
    PersonStatus,
    Relation,
    Residence,
    RiskAssessment,
    RiskLevel,
    SearchTerm,
)

PERSON_FIELDS = (
    "name",
    "id_number",
    "gender",
    "birth_date",
    "ethnicity",
    "phone",
    "region",
    "station",
    "hukou_address",
    "residence_address",
    "living_situation",
    "household",
    "relation",
    "guardian",
    "guardian_relation",
    "languages",
    "status",
    "note",
)


def mask_phone(phone: str) -> str:
    if not phone:
        return ""
    return phone[:3] + "*" * max(0, len(phone) - 7) + phone[-4:] if len(phone) > 7 else "****"


def station_for(region: Region, actor: Any = None) -> Station | None:
    """The station responsible for a division: the actor's own station serving it, else the
    active township station serving its township."""
    township = region.code // 1000 * 1000
    for st in getattr(actor, "stations", lambda *_: [])(PERSON_EDIT):
        if (
            st.region_id == township
            or ServiceArea.objects.current()
            .filter(station=st, region_id__in=[township, region.code])
            .exists()
        ):
            return st
    area = (
        ServiceArea.objects.current()
        .filter(region_id=township, station__active=True, station__kind=StationKind.TOWNSHIP)
        .select_related("station")
        .first()
    )
    return area.station if area else None


def _clean(data: dict[str, Any], *, existing: Person | None) -> dict[str, Any]:
    """Normalize and derive: ID number → gender and birth date; phone → digits."""
    errors: dict[str, Any] = {}
    raw_id = (data.get("id_number") or "").strip()
    if raw_id:
        try:
            parsed = parse(raw_id)
        except InvalidIdNumber as e:
            errors["id_number"] = ValidationError(str(e), code=e.code)
        else:
            data["id_number"] = parsed.number
            if data.get("gender") and data["gender"] != parsed.gender:
                errors["gender"] = _("The gender does not match the ID number.")
            if data.get("birth_date") and data["birth_date"] != parsed.birth_date:
                errors["birth_date"] = _("The birth date does not match the ID number.")
            data["gender"], data["birth_date"] = parsed.gender, parsed.birth_date
    else:
        data["id_number"] = ""
        # Without an ID number, gender and birth date must be given: ages, categories and
        # duplicate checks depend on them.
        if not data.get("gender"):
            errors["gender"] = _("Without an ID number, give the gender.")
        if not data.get("birth_date"):
            errors["birth_date"] = _("Without an ID number, give the birth date.")
    raw_phone = (data.get("phone") or "").strip()
    if raw_phone:
        try:
            data["phone"] = normalize_phone(raw_phone)
        except CellError as e:
            errors["phone"] = str(e)
    else:
        data["phone"] = ""
    if not (data.get("name") or "").strip():
        errors["name"] = _("Enter the name.")
    else:
        data["name"] = " ".join(data["name"].split())
    birth = data.get("birth_date")
    if birth and birth > timezone.localdate():
        errors["birth_date"] = _("The birth date cannot be in the future.")
    region = data.get("region")
    if region is not None and region.level not in (Level.TOWNSHIP, Level.VILLAGE):
        errors["region"] = _("Choose the township or, better, the village or community.")
    for name, choices in (
        ("gender", Gender.values),
        ("living_situation", LivingSituation.values),
        ("relation", Relation.values),
        ("status", PersonStatus.values),
    ):
        if data.get(name) and data[name] not in choices:
            errors[name] = _("Choose one of the listed values.")
    for name in ("name", "ethnicity", "hukou_address", "residence_address", "guardian_relation"):
        limit = getattr(Person._meta.get_field(name), "max_length", None)
        if limit and len(data.get(name) or "") > limit:
            errors[name] = _("At most %(n)d characters.") % {"n": limit}
    langs = data.get("languages") or []
    if not isinstance(langs, list | tuple) or not all(isinstance(x, str) for x in langs):
        errors["languages"] = _("Give the languages as a list.")
    guardian = data.get("guardian")
    if guardian is not None and existing is not None and guardian.pk == existing.pk:
        errors["guardian"] = _("A person cannot be their own guardian.")
    if errors:
        raise ValidationError(errors)
    return data


def _check_duplicates(
    data: dict[str, Any], *, actor: Any, existing: Person | None, confirm_duplicate: bool
) -> None:
    if data["id_number"]:
        index = blind_index(data["id_number"], purpose=indexing.ID_PURPOSE)
        clash = Person.objects.filter(id_index=index)
        if existing is not None:
            clash = clash.exclude(pk=existing.pk)
        if clash.exists():
            if clash.visible_to(actor).exists():
                error = ValidationError(
                    _("A person with this ID number is already registered."), code="duplicate"
                )
            else:
                error = ValidationError(
                    _(
                        "This ID number is registered in another jurisdiction; ask the district "
                        "office to hand the person over."
                    ),
                    code="duplicate_elsewhere",
                )
            raise ValidationError({"id_number": error})
    if not confirm_duplicate and data.get("birth_date") and existing is None:
        same = Person.objects.visible_to(actor).filter(
            name=data["name"], birth_date=data["birth_date"]
        )
        if same.exists():
            raise ValidationError(
                _(
                    "%(name)s, born %(date)s, is already registered. If this is a different "
                    "person, confirm and save again."
                )
                % {"name": data["name"], "date": data["birth_date"].isoformat()},
                code="possible_duplicate",
            )


def _store_private(person: Person, data: dict[str, Any]) -> None:
    number, phone = data.pop("id_number"), data.pop("phone")
    person.id_number = number
    person.id_index = blind_index(number, purpose=indexing.ID_PURPOSE) if number else None
    person.id_masked = mask(number) if number else ""
    person.phone = phone
    person.phone_index = blind_index(phone, purpose=indexing.PHONE_PURPOSE) if phone else ""
    person.phone_masked = mask_phone(phone)


def reindex(person: Person) -> None:
    """Replace the person's search terms (inside the caller's transaction)."""
    SearchTerm.objects.filter(person=person).delete()
    terms = indexing.person_terms(name=person.name, id_number=person.id_number, phone=person.phone)
    SearchTerm.objects.bulk_create(
        SearchTerm(term=t, region_code=person.region_id, person=person) for t in sorted(terms)
    )


@transaction.atomic
def register_person(*, actor: Any, confirm_duplicate: bool = False, **fields: Any) -> Person:
    """Register a person in need in the actor's jurisdiction (服务对象建档)."""
    unknown = set(fields) - set(PERSON_FIELDS)
    if unknown:
        raise TypeError(f"unknown person fields: {sorted(unknown)}")
    region = fields.get("region")
    if region is None:
        raise ValidationError({"region": _("Choose where the person lives.")})
    if not scope_of(actor, PERSON_EDIT).contains(region.code):
        raise ValidationError(
            {"region": _("%(name)s is outside your jurisdiction.") % {"name": region.name}}
        )
    data = _clean(dict(fields), existing=None)
    _check_duplicates(data, actor=actor, existing=None, confirm_duplicate=confirm_duplicate)
    data.setdefault("station", None)
    data["station"] = data["station"] or station_for(region, actor)
    data["languages"] = list(data.get("languages") or [])
    person = Person(**{k: v for k, v in data.items() if k not in ("id_number", "phone")})
    _store_private(person, data)
    person.name_pinyin = indexing.name_pinyin(person.name)
    person.save()
    reindex(person)
    Residence.objects.create(
        person=person, region=region, station=person.station, valid_from=timezone.localdate()
    )
    audit.record(actor=actor, action="person.create", obj=person, region_code=region.code)
    return person


@transaction.atomic
def update_person(
    *, actor: Any, person: Person, expected_version: int | None = None, **fields: Any
) -> Person:
    """Change a person's record. `expected_version` (the version the editor loaded) refuses a
    save over someone else's newer change instead of silently overwriting it."""
    unknown = set(fields) - set(PERSON_FIELDS) - {"region"}
    if unknown:
        raise TypeError(f"unknown person fields: {sorted(unknown)}")
    if "region" in fields and fields["region"].code != person.region_id:
        raise ValidationError({"region": _("Use a handover to move a person to another division.")})
    if not scope_of(actor, PERSON_EDIT).contains(person.region_id):
        raise ValidationError(_("You may not edit this person."))
    locked = Person.objects.select_for_update().get(pk=person.pk)
    if expected_version is not None and locked.version != expected_version:
        raise ValidationError(
            _(
                "Someone else saved this record after you opened it. Reload "
                "the page to see their changes, then make yours again."
            ),
            code="stale",
        )
    current = {f: getattr(locked, f) for f in PERSON_FIELDS}
    data = _clean(current | fields, existing=locked)
    _check_duplicates(data, actor=actor, existing=locked, confirm_duplicate=True)
    changed = sorted(f for f in fields if current.get(f) != data.get(f))
    _store_private(locked, data)
    for f, v in data.items():
        setattr(locked, f, v)
    locked.name_pinyin = indexing.name_pinyin(locked.name)
    locked.version += 1
    locked.save()
    if {"name", "id_number", "phone"} & set(changed):
        reindex(locked)
    audit.record(
        actor=actor,
        action="person.update",
        obj=locked,
        region_code=locked.region_id,
        details={"fields": changed},
    )
    person.refresh_from_db()
    return locked


def reveal_id_number(*, actor: Any, person: Person) -> str:
    """The full ID number, for a user holding the reveal permission here; always audited."""
    if not scope_of(actor, PERSON_REVEAL).contains(person.region_id):
        raise ValidationError(_("You may not see full ID numbers here."))
    audit.record(actor=actor, action="person.reveal_id", obj=person, region_code=person.region_id)
    return person.id_number


def reveal_phone(*, actor: Any, person: Person) -> str:
    if not scope_of(actor, PERSON_REVEAL).contains(person.region_id):
        raise ValidationError(_("You may not see full phone numbers here."))
    audit.record(
        actor=actor, action="person.reveal_phone", obj=person, region_code=person.region_id
    )
    return person.phone


def _require_edit(actor: Any, person: Person) -> None:
    if not scope_of(actor, PERSON_EDIT).contains(person.region_id):
        raise ValidationError(_("You may not edit this person."))


@transaction.atomic
def add_membership(
    *,
    actor: Any,
    person: Person,
    category: Category,
    valid_from: dt.date,
    source: str,
    valid_to: dt.date | None = None,
    subtype: str = "",
    grade: int | None = None,
    note: str = "",
) -> CategoryMembership:
    """Put a person in a category from a date (and until a date). Periods of the same category
    may not overlap: end the current one first."""
    _require_edit(actor, person)
    errors: dict[str, str] = {}
    if category.derived:
        errors["category"] = _("This category is computed from the birth date.")
    if not category.active:
        errors["category"] = _("This category is no longer in use.")
    if category.subtypes and subtype not in category.subtypes:
        errors["subtype"] = _("Choose one of: %(values)s.") % {
            "values": "、".join(category.subtypes)
        }
    if category.graded and grade not in (1, 2, 3, 4):
        errors["grade"] = _("Choose a grade from 1 to 4.")
    if valid_to and valid_to < valid_from:
        errors["valid_to"] = _("The end date cannot be before the start date.")
    if source not in MembershipSource.values:
        errors["source"] = _("Choose one of the listed values.")
    if len(note) > 200:
        errors["note"] = _("At most %(n)d characters.") % {"n": 200}
    if valid_from > timezone.localdate() + dt.timedelta(days=31):
        errors["valid_from"] = _("The start date is too far in the future.")
    if person.birth_date and valid_from < person.birth_date:
        errors["valid_from"] = _("The start date is before the person was born.")
    if errors:
        raise ValidationError(errors)
    overlap = CategoryMembership.objects.filter(person=person, category=category).during(
        valid_from, valid_to or dt.date.max
    )
    if overlap.exists():
        raise ValidationError(
            {
                "valid_from": _(
                    "%(name)s is already in this category for part of that period; end that "
                    "membership first."
                )
                % {"name": person.name}
            }
        )
    membership = CategoryMembership.objects.create(
        person=person,
        category=category,
        subtype=subtype,
        grade=grade,
        valid_from=valid_from,
        valid_to=valid_to,
        source=source,
        note=note,
        recorded_by=as_user(actor),
    )
    audit.record(
        actor=actor,
        action="person.category.add",
        obj=person,
        region_code=person.region_id,
        details={"category": category.code, "from": valid_from.isoformat()},
    )
    return membership


@transaction.atomic
def end_membership(
    *, actor: Any, membership: CategoryMembership, valid_to: dt.date
) -> CategoryMembership:
    _require_edit(actor, membership.person)
    if valid_to < membership.valid_from:
        raise ValidationError({"valid_to": _("The end date cannot be before the start date.")})
    later = (
        CategoryMembership.objects.filter(person=membership.person, category=membership.category)
        .exclude(pk=membership.pk)
        .during(membership.valid_from, valid_to)
    )
    if later.exists():
        raise ValidationError(
            {"valid_to": _("That would overlap another period of the same category.")}
        )
    membership.valid_to = valid_to
    membership.save(update_fields=["valid_to"])
    audit.record(
        actor=actor,
        action="person.category.end",
        obj=membership.person,
        region_code=membership.person.region_id,
        details={"category": membership.category.code, "to": valid_to.isoformat()},
    )
    return membership


@transaction.atomic
def set_risk_level(
    *, actor: Any, person: Person, level: str, reason: str, assessed_on: dt.date | None = None
) -> RiskAssessment:
    _require_edit(actor, person)
    day = assessed_on or timezone.localdate()
    errors = {}
    if level not in RiskLevel.values:
        errors["level"] = _("Unknown risk level.")
    if not reason.strip():
        errors["reason"] = _("Say why the risk level is what it is.")
    if day > timezone.localdate():
        errors["assessed_on"] = _("The date cannot be in the future.")
    if errors:
        raise ValidationError(errors)
    row = RiskAssessment.objects.create(
        person=person,
        level=level,
        reason=reason.strip(),
        assessed_on=day,
        recorded_by=as_user(actor),
    )
    latest = RiskAssessment.objects.filter(person=person).first()
    Person.objects.filter(pk=person.pk).update(
        risk_level=latest.level if latest else level, version=F("version") + 1
    )
    person.risk_level = latest.level if latest else level
    audit.record(
        actor=actor,
        action="person.risk",
        obj=person,
        region_code=person.region_id,
        details={"level": level},
    )
    return row


@transaction.atomic
def record_consent(
    *,
    actor: Any,
    person: Person,
    basis: str,
    given_on: dt.date,
    given_by: str = "",
    given_by_guardian: bool = False,
    scope: str = "",
) -> Consent:
    """Record the legal basis for processing. A child under 14 consents through a guardian
    (PIPL art. 31)."""
    _require_edit(actor, person)
    errors = {}
    if basis not in LegalBasis.values:
        errors["basis"] = _("Unknown legal basis.")
    if given_on > timezone.localdate():
        errors["given_on"] = _("The date cannot be in the future.")
    age = person.age_on(given_on)
    if basis == LegalBasis.CONSENT and age is not None and age < 14 and not given_by_guardian:
        errors["given_by_guardian"] = _("For a child under 14 the guardian gives consent.")
    if basis == LegalBasis.CONSENT and not given_by.strip():
        errors["given_by"] = _("Name who gave consent.")
    if errors:
        raise ValidationError(errors)
    consent = Consent.objects.create(
        person=person,
        basis=basis,
        given_on=given_on,
        given_by=given_by.strip(),
        given_by_guardian=given_by_guardian,
        scope=scope,
        recorded_by=as_user(actor),
    )
    audit.record(
        actor=actor,
        action="person.consent",
        obj=person,
        region_code=person.region_id,
        details={"basis": basis},
    )
    return consent


@transaction.atomic
def create_household(
    *, actor: Any, region: Region, address: str = "", members: Iterable[tuple[Person, str]] = ()
) -> Household:
    if not scope_of(actor, PERSON_EDIT).contains(region.code):
        raise ValidationError(
            {"region": _("%(name)s is outside your jurisdiction.") % {"name": region.name}}
        )
    members = list(members)
    for person, relation in members:
        _require_edit(actor, person)
        if person.household_id is not None:
            raise ValidationError(
                _("%(name)s already belongs to a household; remove them from it first.")
                % {"name": person.name}
            )
        if relation and relation not in Relation.values:
            raise ValidationError({"relation": _("Choose one of the listed values.")})
    household = Household.objects.create(region=region, address=address)
    for person, relation in members:
        Person.objects.filter(pk=person.pk).update(
            household=household, relation=relation, version=F("version") + 1
        )
    audit.record(actor=actor, action="household.create", obj=household, region_code=region.code)
    return household


@transaction.atomic
def hand_over(
    *,
    actor: Any,
    person: Person,
    to_region: Region,
    on: dt.date | None = None,
    to_station: Station | None = None,
) -> Person:
    """Move a person to another division: from `on` the old station loses access and the new
    one gains it; visits, cases and history stay with the person."""
    day = on or timezone.localdate()
    if not scope_of(actor, PERSON_HANDOVER).contains(person.region_id):
        raise ValidationError(_("You may not hand this person over."))
    if to_region.level not in (Level.TOWNSHIP, Level.VILLAGE):
        raise ValidationError({"to_region": _("Choose the township or the village/community.")})
    if to_region.code == person.region_id:
        raise ValidationError({"to_region": _("The person already lives there.")})
    if day > timezone.localdate():
        raise ValidationError({"on": _("A handover takes effect today or on a past date.")})
    if to_station is not None:
        township = to_region.code // 1000 * 1000
        serves = (
            ServiceArea.objects.current(day)
            .filter(station=to_station, region_id__in=[township, to_region.code])
            .exists()
        )
        if not serves or not to_station.active:
            raise ValidationError(
                {
                    "to_station": _("That station does not serve %(name)s.")
                    % {"name": to_region.name}
                }
            )
    old_region = person.region_id
    Residence.objects.filter(person=person, valid_to__isnull=True).update(
        valid_to=day - dt.timedelta(days=1)
    )
    station = to_station or station_for(to_region)
    Residence.objects.create(person=person, region=to_region, station=station, valid_from=day)
    person.region = to_region
    person.station = station
    person.version += 1
    person.save(update_fields=["region", "station", "version", "updated_at"])
    SearchTerm.objects.filter(person=person).update(region_code=to_region.code)
    # Photos and documents follow the person to the new jurisdiction.
    Attachment.objects.filter(owner_type=ATTACHMENT_OWNER, owner_id=person.pk).update(
        region_code=to_region.code
    )
    details = {"from": old_region, "to": to_region.code, "on": day.isoformat()}
    # Both jurisdictions see the handover in their audit log: the one that gave the person up
    # and the one that received them.
    audit.record(
        actor=actor, action="person.handover", obj=person, region_code=old_region, details=details
    )
    audit.record(
        actor=actor,
        action="person.handover.received",
        obj=person,
        region_code=to_region.code,
        details=details,
    )
    return person


@transaction.atomic
def set_status(*, actor: Any, person: Person, status: str) -> Person:
    _require_edit(actor, person)
    if status not in PersonStatus.values:
        raise ValidationError({"status": _("Unknown status.")})
    person.status = status
    person.version += 1
    person.save(update_fields=["status", "version", "updated_at"])
    audit.record(
        actor=actor,
        action="person.status",
        obj=person,
        region_code=person.region_id,
        details={"status": status},
    )
    return person
