"""Excel export of a filtered list of persons: masked unless the exporter may reveal and asks
to, always audited, named after the exporter and the time, formula-safe."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from shegong.core import audit
from shegong.core.excel import write_xlsx
from shegong.core.models import scope_of
from shegong.core.perms import PERSON_EXPORT, PERSON_REVEAL, PERSON_SENSITIVE
from shegong.core.scoping import Scope

from .models import CategoryMembership, Person


class ExportRefused(PermissionError):
    pass


def headers(*, revealed: bool) -> list[str]:
    return [
        _("Full name"),
        _("ID number") + ("" if revealed else _(" (masked)")),
        _("Gender"),
        _("Birth date"),
        _("Ethnicity"),
        _("Phone") + ("" if revealed else _(" (masked)")),
        _("Village or community"),
        _("Division code"),
        _("Station"),
        _("Residence address"),
        _("Living situation"),
        _("Categories"),
        _("Risk level"),
        _("Status"),
    ]


def _rows(persons: QuerySet[Person], *, revealed: bool, sensitive: Scope) -> Iterator[list[Any]]:
    today = timezone.localdate()
    current = CategoryMembership.objects.on(today).select_related("category")
    qs = persons.select_related("region", "station").prefetch_related(
        Prefetch("memberships", queryset=current, to_attr="current_memberships")
    )
    for p in qs.iterator(chunk_size=2000):
        yield [
            p.name,
            p.id_number if revealed else p.id_masked,
            p.get_gender_display(),
            p.birth_date,
            p.ethnicity,
            p.phone if revealed else p.phone_masked,
            p.region.name,
            f"{p.region_id:012d}",
            p.station.name if p.station else "",
            p.residence_address,
            p.get_living_situation_display(),
            "、".join(
                m.category.label
                for m in p.current_memberships
                if not m.category.sensitive or sensitive.contains(p.region_id)
            ),
            p.get_risk_level_display(),
            p.get_status_display(),
        ]


def export_persons(
    *,
    actor: Any,
    persons: QuerySet[Person],
    target: IO[bytes],
    reveal: bool = False,
    description: str = "",
) -> int:
    """Write `persons` (already filtered from the actor's jurisdiction) as .xlsx to `target`.
    Full ID numbers and phones only with `reveal` and the reveal permission; every export is
    audited with its row count."""
    if not scope_of(actor, PERSON_EXPORT):
        raise ExportRefused(_("You may not export lists of persons."))
    if reveal and not scope_of(actor, PERSON_REVEAL):
        raise ExportRefused(_("You may not export full ID numbers and phone numbers."))
    # Rows the actor may export: the export scope, and the reveal scope when revealing.
    persons = persons.filter(scope_of(actor, PERSON_EXPORT).q("region_id"))
    if reveal:
        persons = persons.filter(scope_of(actor, PERSON_REVEAL).q("region_id"))
    name = getattr(actor, "full_name", "") or actor.get_username()
    now = timezone.localtime()
    note = _("Exported by %(name)s at %(time)s · %(what)s") % {
        "name": name,
        "time": now.strftime("%Y-%m-%d %H:%M"),
        "what": description or _("persons"),
    }
    count = write_xlsx(
        target,
        sheet_title=_("Persons"),
        headers=headers(revealed=reveal),
        rows=_rows(
            persons.order_by("name_pinyin", "pk"),
            revealed=reveal,
            sensitive=scope_of(actor, PERSON_SENSITIVE),
        ),
        note=note,
    )
    audit.record(
        actor=actor,
        action="person.export",
        object_type="people.person",
        object_repr=description[:200],
        region_code=getattr(actor, "home_region_id", None),
        details={"rows": count, "revealed": reveal},
    )
    return count


def filename_for(actor: Any) -> str:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return f"shegong-persons-{actor.get_username()}-{stamp}.xlsx"
