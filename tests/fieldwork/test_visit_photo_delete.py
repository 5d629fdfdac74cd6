"""Deleting a visit's photo: by whoever may record visits where the visit took place, on the
visit page (htmx or a plain form) and through the API; one audit row; the files go once the
deletion has committed; 404 (audited, nothing deleted) for the neighbouring township and for
those who only see visits."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from shegong.core import attachments
from shegong.core.models import Attachment, AuditEvent
from shegong.fieldwork import services
from shegong.fieldwork.models import Visit
from shegong.fieldwork.services import VISIT_OWNER, record_visit
from tests.fieldwork.test_visit_photos import (
    clients,
    elder_alone,
    photo,
    today,
)

pytestmark = pytest.mark.django_db


def visit_with_photos(worker: Any, n: int = 2) -> tuple[Visit, list[Attachment]]:
    visit = record_visit(
        actor=worker,
        person=elder_alone(worker),
        kind="home_visit",
        visited_on=today(),
        photos=[photo(f"{i}.jpg") for i in range(n)],
    )
    return visit, list(
        Attachment.objects.filter(owner_type=VISIT_OWNER, owner_id=visit.pk).order_by("pk")
    )


def files_of(root: Path, a: Attachment) -> list[Path]:
    return [root / str(a.file), root / str(a.thumbnail)]


def deletions(a: Attachment) -> int:
    return AuditEvent.objects.filter(action="attachment.delete", object_id=str(a.pk)).count()


def test_the_worker_deletes_a_photo_on_the_visit_page(
    login: Any, persona: Any, private_storage: Path, django_capture_on_commit_callbacks: Any
) -> None:
    worker = persona("worker")
    visit, (gone, kept) = visit_with_photos(worker)
    client = login("worker")
    page = client.get(f"/visits/{visit.pk}/").content.decode()
    assert f'action="/visit-attachments/{gone.pk}/delete/"' in page
    assert 'data-testid="delete-photo"' in page and "hx-confirm=" in page
    assert all(p.is_file() for p in files_of(private_storage, gone))

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(f"/visit-attachments/{gone.pk}/delete/")
    assert len(callbacks) == 1  # the files are removed after the commit, not before
    assert response.status_code == 302
    assert response["Location"] == f"/visits/{visit.pk}/#photos"
    assert not Attachment.objects.filter(pk=gone.pk).exists()
    assert not any(p.exists() for p in files_of(private_storage, gone))
    assert all(p.is_file() for p in files_of(private_storage, kept))
    event = AuditEvent.objects.get(action="attachment.delete", object_id=str(gone.pk))
    assert event.user == worker and event.region_code == visit.region_code
    assert event.details["owner"] == f"{VISIT_OWNER}:{visit.pk}"
    assert client.get(f"/visit-attachments/{gone.pk}/").status_code == 404
    shown = client.get(f"/visits/{visit.pk}/").content.decode()
    assert f'data-photo="{kept.pk}"' in shown and f'data-photo="{gone.pk}"' not in shown


def test_htmx_answers_the_photo_section(
    login: Any, persona: Any, django_capture_on_commit_callbacks: Any
) -> None:
    worker = persona("worker")
    _visit, (gone, kept) = visit_with_photos(worker)
    client = login("station_head")  # records visits at the station too
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/visit-attachments/{gone.pk}/delete/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="photos"' in html and 'role="status"' in html
    assert f'data-photo="{kept.pk}"' in html and f'data-photo="{gone.pk}"' not in html
    assert "<html" not in html  # only the section
    assert deletions(gone) == 1
    assert not Attachment.objects.filter(pk=gone.pk).exists()


@pytest.mark.parametrize("who", ["neighbour_worker", "supervisor", "auditor", "district_admin"])
def test_who_may_not_record_visits_there_gets_404_and_nothing_is_deleted(
    login: Any, persona: Any, private_storage: Path, who: str
) -> None:
    worker = persona("worker")
    visit, (a, _b) = visit_with_photos(worker)
    client = login(who)
    if who != "neighbour_worker":  # they see the visit and its photos, without delete buttons
        page = client.get(f"/visits/{visit.pk}/").content.decode()
        assert f'data-photo="{a.pk}"' in page and "delete-photo" not in page
    denied = AuditEvent.objects.filter(action="access.denied")
    before = denied.count()
    assert client.post(f"/visit-attachments/{a.pk}/delete/").status_code == 404
    assert denied.count() == before + 1
    _session, token = clients(persona(who))
    before = denied.count()
    assert token.delete(f"/api/visit-attachments/{a.pk}").status_code == 404
    assert denied.count() == before + 1
    assert Attachment.objects.filter(pk=a.pk).exists() and deletions(a) == 0
    assert all(p.is_file() for p in files_of(private_storage, a))


def test_other_attachments_are_not_deleted_through_the_visit_routes(
    login: Any, persona: Any
) -> None:
    worker = persona("worker")
    _visit, (a, _b) = visit_with_photos(worker)
    own = attachments.store(
        actor=worker,
        owner_type="people.person",
        owner_id=a.owner_id,  # any id: it is the owner type that must not match
        region_code=a.region_code,
        upload=photo(),
        perm="person.edit",
    )
    client = login("worker")
    assert client.post(f"/visit-attachments/{own.pk}/delete/").status_code == 404
    _session, token = clients(worker)
    assert token.delete(f"/api/visit-attachments/{own.pk}").status_code == 404
    assert Attachment.objects.filter(pk=own.pk).exists()
    assert client.get(f"/visit-attachments/{a.pk}/delete/").status_code == 405  # POST only


def test_the_service_refuses_a_photo_of_another_visit(persona: Any) -> None:
    from django.core.exceptions import ValidationError

    worker = persona("worker")
    visit, (a, _b) = visit_with_photos(worker)
    other, _photos = visit_with_photos(worker, n=0)
    with pytest.raises(ValidationError) as e:
        services.delete_visit_photo(actor=worker, visit=other, photo=a)
    assert "photo" in e.value.message_dict
    with pytest.raises(ValidationError) as e:
        services.delete_visit_photo(actor=persona("supervisor"), visit=visit, photo=a)
    assert e.value.code == "forbidden"
    assert Attachment.objects.filter(pk=a.pk).exists() and deletions(a) == 0


def test_the_api_deletes_a_photo(
    persona: Any, private_storage: Path, django_capture_on_commit_callbacks: Any
) -> None:
    worker = persona("worker")
    visit, (a, b) = visit_with_photos(worker)
    _session, token = clients(worker)
    with django_capture_on_commit_callbacks(execute=True):
        response = token.delete(f"/api/visit-attachments/{a.pk}")
    assert response.status_code == 204, response.content
    assert not Attachment.objects.filter(pk=a.pk).exists() and deletions(a) == 1
    assert not any(p.exists() for p in files_of(private_storage, a))
    listed = token.get(f"/api/visits/{visit.pk}/attachments").json()
    assert [p["id"] for p in listed] == [b.pk]
    assert token.delete(f"/api/visit-attachments/{a.pk}").status_code == 404  # already gone
