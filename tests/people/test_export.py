"""Excel export: masked by default, full numbers only with the reveal permission, audited,
named after the exporter, formula-safe; the same from the command line."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from shegong.core.idnumber import make
from shegong.core.models import AuditEvent
from shegong.people import services
from shegong.people.exports import ExportRefused, export_persons
from shegong.people.models import Person
from shegong.regions.models import Region

pytestmark = pytest.mark.django_db


def _person(actor: Any) -> Person:
    return services.register_person(
        actor=actor,
        name='=HYPERLINK("http://x")',
        id_number=make("120113", dt.date(1944, 2, 3), 21, "F"),
        phone="13900139000",
        region=Region.objects.get(code=120113001009),
    )


def _sheet(data: bytes) -> list[tuple[Any, ...]]:
    return list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))


def test_export_is_masked_named_audited_and_formula_safe(persona: Any) -> None:
    head = persona("station_head")
    person = _person(head)
    buffer = io.BytesIO()
    before = AuditEvent.objects.filter(action="person.export").count()
    count = export_persons(
        actor=head, persons=Person.objects.filter(pk=person.pk), target=buffer, description="test"
    )
    assert count == 1
    rows = _sheet(buffer.getvalue())
    assert "刘芳" in str(rows[0][0])  # the note names the exporter
    values = [str(v) for v in rows[-1]]
    assert person.id_number not in values and person.id_masked in values
    assert "13900139000" not in values
    assert values[0].startswith("'=")  # a spreadsheet will not run it
    event = AuditEvent.objects.filter(action="person.export").order_by("-id").first()
    assert AuditEvent.objects.filter(action="person.export").count() == before + 1
    assert event is not None and event.details == {"rows": 1, "revealed": False}


def test_reveal_needs_the_permission(persona: Any) -> None:
    head = persona("station_head")
    person = _person(head)
    buffer = io.BytesIO()
    export_persons(
        actor=head, persons=Person.objects.filter(pk=person.pk), target=buffer, reveal=True
    )
    assert person.id_number in [str(v) for v in _sheet(buffer.getvalue())[-1]]
    with pytest.raises(ExportRefused):
        export_persons(
            actor=persona("district_admin"),
            persons=Person.objects.all(),
            target=io.BytesIO(),
            reveal=True,
        )
    with pytest.raises(ExportRefused):
        export_persons(actor=persona("worker"), persons=Person.objects.all(), target=io.BytesIO())


def test_an_export_never_leaves_the_jurisdiction(persona: Any, outside: Any) -> None:
    buffer = io.BytesIO()
    count = export_persons(
        actor=persona("district_admin"), persons=Person.objects.all(), target=buffer
    )
    rows = _sheet(buffer.getvalue())[2:]
    in_beichen = Person.objects.filter(region_id__gte=120113000000, region_id__lt=120114000000)
    assert count == len(rows) == in_beichen.count() > 0
    assert outside.person.name not in [row[0] for row in rows]
    assert {row[7] for row in rows} <= {
        f"{c:012d}" for c in in_beichen.values_list("region_id", flat=True)
    }


def test_the_web_export_posts_the_filters(login: Any) -> None:
    client = login("station_head")
    response = client.post("/people/export/", {"category": "", "q": ""})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="shegong-persons-')
    rows = _sheet(b"".join(response.streaming_content))
    assert len(rows) > 2


def test_the_command_line_export(persona: Any, tmp_path: Path) -> None:
    target = tmp_path / "out.xlsx"
    out = io.StringIO()
    call_command("people_export", str(target), station="120113001000", stdout=out)
    assert out.getvalue().startswith("exported: ")
    rows = _sheet(target.read_bytes())
    assert all("*" in str(r[1]) for r in rows[2:] if r[1])
    with pytest.raises(SystemExit) as e:
        call_command(
            "people_export", str(target), station="999", stdout=io.StringIO(), stderr=io.StringIO()
        )
    assert e.value.code == 2


def test_the_list_offers_export_with_its_filters_and_import(login: Any) -> None:
    page = login("station_head").get("/people/?category=dibao").content.decode()
    assert 'data-testid="export-form"' in page
    assert 'name="category" value="dibao"' in page
    assert "/people/import/" in page
    worker_page = login("worker").get("/people/").content.decode()
    assert 'data-testid="export-form"' not in worker_page  # workers do not export lists
