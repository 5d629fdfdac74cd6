"""Person attachments through the web: upload (also from the phone camera), serve, thumbnail,
delete; 404 for the neighbouring township; nothing reachable outside the checked views."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from shegong.core.models import Attachment, AuditEvent
from shegong.core.perms import PERSON_EDIT
from shegong.people.models import Person
from tests.core.test_attachments import PDF, jpeg_with_gps

pytestmark = pytest.mark.django_db


def file(name: str, content: bytes) -> io.BytesIO:
    f = io.BytesIO(content)
    f.name = name
    return f


def worker_person(persona: Any) -> Person:
    person = Person.objects.visible_to(persona("worker"), PERSON_EDIT).order_by("pk").first()
    assert person is not None
    return person


def upload_photo(client: Any, person: Person, *, field: str = "upload", **headers: Any) -> Any:
    return client.post(
        f"/people/{person.pk}/attachments/",
        {field: file("门口.jpg", jpeg_with_gps()), "caption": "门口"},
        **headers,
    )


def test_worker_uploads_a_camera_photo_and_sees_it(login: Any, persona: Any) -> None:
    client = login("worker")
    person = worker_person(persona)
    response = upload_photo(client, person, field="camera")
    assert response.status_code == 302
    assert response["Location"].endswith(f"/people/{person.pk}/#section-attachments")
    a = Attachment.objects.get(owner_type="people.person", owner_id=person.pk)
    assert a.region_code == person.region_id and a.caption == "门口"
    assert AuditEvent.objects.filter(action="attachment.add", object_id=str(a.pk)).count() == 1

    served = client.get(f"/attachments/{a.pk}/")
    assert served.status_code == 200
    assert served["Content-Type"] == "image/jpeg"
    assert served["Content-Disposition"].startswith("inline")
    assert served["X-Content-Type-Options"] == "nosniff"
    assert served["Cache-Control"] == "private, no-store"
    assert served["Content-Security-Policy"] == "default-src 'none'; sandbox"
    body = b"".join(served.streaming_content)
    assert len(Image.open(io.BytesIO(body)).getexif()) == 0
    assert AuditEvent.objects.filter(action="attachment.view", object_id=str(a.pk)).exists()

    thumb = client.get(f"/attachments/{a.pk}/thumb/")
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/jpeg"
    assert thumb["Cache-Control"] == "private, no-store"

    listing = client.get(f"/people/{person.pk}/attachments/")
    assert listing.status_code == 200
    html = listing.content.decode()
    assert f"/attachments/{a.pk}/thumb/" in html
    assert 'capture="environment"' in html


def test_htmx_upload_answers_the_section_with_errors_in_place(login: Any, persona: Any) -> None:
    client = login("worker")
    person = worker_person(persona)
    before = Attachment.objects.count()
    response = client.post(
        f"/people/{person.pk}/attachments/",
        {"upload": file("photo.jpg", b"this is text, not a photo")},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="section-attachments"' in html and 'data-field-error="upload"' in html
    assert Attachment.objects.count() == before
    ok = upload_photo(client, person, HTTP_HX_REQUEST="true")
    assert ok.status_code == 200 and Attachment.objects.count() == before + 1


def test_pdf_upload_and_missing_file(login: Any, persona: Any) -> None:
    client = login("worker")
    person = worker_person(persona)
    assert (
        client.post(f"/people/{person.pk}/attachments/", {"upload": file("a.pdf", PDF)}).status_code
        == 302
    )
    a = Attachment.objects.get(owner_id=person.pk, owner_type="people.person")
    assert client.get(f"/attachments/{a.pk}/")["Content-Type"] == "application/pdf"
    assert client.get(f"/attachments/{a.pk}/thumb/").status_code == 404
    before = Attachment.objects.count()
    assert client.post(f"/people/{person.pk}/attachments/", {}).status_code == 302
    assert Attachment.objects.count() == before


def test_the_neighbouring_township_gets_404_everywhere(login: Any, persona: Any) -> None:
    worker = login("worker")
    person = worker_person(persona)
    upload_photo(worker, person)
    a = Attachment.objects.get(owner_type="people.person", owner_id=person.pk)
    neighbour = login("neighbour_worker")
    denied = AuditEvent.objects.filter(action="access.denied")
    for method, url in [
        ("get", f"/attachments/{a.pk}/"),
        ("get", f"/attachments/{a.pk}/thumb/"),
        ("post", f"/attachments/{a.pk}/delete/"),
        ("get", f"/people/{person.pk}/attachments/"),
    ]:
        before = denied.count()
        assert getattr(neighbour, method)(url).status_code == 404, url
        assert denied.count() == before + 1, url
    before = Attachment.objects.count()
    forged = upload_photo(neighbour, person)
    assert forged.status_code == 404
    assert Attachment.objects.count() == before
    assert Attachment.objects.filter(pk=a.pk).exists()


def test_delete_removes_row_and_files_and_is_audited(
    login: Any, persona: Any, private_storage: Path, django_capture_on_commit_callbacks: Any
) -> None:
    client = login("worker")
    person = worker_person(persona)
    upload_photo(client, person)
    a = Attachment.objects.get(owner_type="people.person", owner_id=person.pk)
    paths = [private_storage / str(a.file), private_storage / str(a.thumbnail)]
    assert all(p.is_file() for p in paths)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/attachments/{a.pk}/delete/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert not Attachment.objects.filter(pk=a.pk).exists()
    assert not any(p.exists() for p in paths)
    assert AuditEvent.objects.filter(action="attachment.delete", object_id=str(a.pk)).count() == 1


def test_files_are_not_reachable_under_media_or_static(
    login: Any, persona: Any, settings: Any
) -> None:
    client = login("worker")
    person = worker_person(persona)
    upload_photo(client, person)
    a = Attachment.objects.get(owner_type="people.person", owner_id=person.pk)
    for prefix in (settings.MEDIA_URL or "/media/", "/media/", settings.STATIC_URL, "/private/"):
        url = "/" + f"{prefix}/{a.file}".strip("/")
        assert client.get(url).status_code == 404, url
    assert client.get(f"/attachments/{a.pk}/").status_code == 200
