"""Attachment downloads for API clients (`/api/attachments/{pk}/file` and `/thumbnail`): a bearer
token suffices; each owner's own rule decides — a visit's photo for VISIT_VIEW where the visit
took place, a case file's attachment for those who read the case file, a person's for
PERSON_VIEW — and anything else is 404 with one `access.denied` audit row."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from shegong.core import attachments
from shegong.core.models import Attachment, AuditEvent
from shegong.core.perms import PERSON_EDIT
from shegong.fieldwork import case_attachments
from shegong.fieldwork.services import VISIT_OWNER, record_visit
from tests.core.test_attachments import PDF, jpeg_with_gps
from tests.fieldwork.test_case_api import by_token
from tests.fieldwork.test_case_pages import open_case
from tests.fieldwork.test_visit_photos import elder_alone, photo, today

pytestmark = pytest.mark.django_db


def visit_photo(worker: Any) -> Attachment:
    visit = record_visit(
        actor=worker,
        person=elder_alone(worker),
        kind="home_visit",
        visited_on=today(),
        photos=[photo("走访.jpg")],
    )
    return Attachment.objects.get(owner_type=VISIT_OWNER, owner_id=visit.pk)


def case_photo(worker: Any) -> Attachment:
    return case_attachments.add_attachment(
        actor=worker, case=open_case(worker), upload=photo("个案.jpg"), caption="家中"
    )


def person_pdf(worker: Any) -> Attachment:
    person = elder_alone(worker)
    return attachments.store(
        actor=worker,
        owner_type="people.person",
        owner_id=person.pk,
        region_code=person.region_id,
        upload=SimpleUploadedFile("低保证明.pdf", PDF, "application/pdf"),
        perm=PERSON_EDIT,
    )


def body(response: Any) -> bytes:
    return b"".join(response.streaming_content)


def denied() -> int:
    return AuditEvent.objects.filter(action="access.denied").count()


def viewed(a: Attachment) -> Any:
    return AuditEvent.objects.filter(action="attachment.view", object_id=str(a.pk))


@pytest.mark.parametrize("owner", ["visit", "case"])
def test_a_token_client_downloads_photos_with_the_safe_headers(persona: Any, owner: str) -> None:
    worker = persona("worker")
    a = visit_photo(worker) if owner == "visit" else case_photo(worker)
    api = by_token(worker)
    served = api.get(f"/api/attachments/{a.pk}/file")
    assert served.status_code == 200
    assert served["Content-Type"] == "image/jpeg"
    assert served["Content-Disposition"].startswith("inline")
    assert served["X-Content-Type-Options"] == "nosniff"
    assert served["Cache-Control"] == "private, no-store"
    assert served["Content-Security-Policy"] == "default-src 'none'; sandbox"
    content = body(served)
    with attachments.storage().open(a.file.name, "rb") as f:
        assert content == f.read()
    assert len(Image.open(io.BytesIO(content)).getexif()) == 0
    [event] = viewed(a)
    assert event.user == worker and event.region_code == a.region_code
    if owner == "case":
        assert event.details["case"] == a.owner_id
    thumb = api.get(f"/api/attachments/{a.pk}/thumbnail")
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/jpeg"
    assert thumb["Cache-Control"] == "private, no-store"
    assert viewed(a).count() == 1  # a thumbnail is not a reading of the file
    # The session answers the same bytes as the token.
    session = Client()
    session.force_login(worker)
    assert body(session.get(f"/api/attachments/{a.pk}/file")) == content


def test_a_persons_document_for_person_view(persona: Any) -> None:
    worker = persona("worker")
    a = person_pdf(worker)
    served = by_token(persona("district_admin")).get(f"/api/attachments/{a.pk}/file")
    assert served.status_code == 200 and served["Content-Type"] == "application/pdf"
    assert body(served) == PDF
    assert served["Content-Security-Policy"] == "default-src 'none'; sandbox"
    # A PDF has no thumbnail.
    assert by_token(worker).get(f"/api/attachments/{a.pk}/thumbnail").status_code == 404


@pytest.mark.parametrize("owner", ["visit", "case", "person"])
@pytest.mark.parametrize("path", ["file", "thumbnail"])
def test_the_neighbouring_township_gets_an_audited_404(persona: Any, owner: str, path: str) -> None:
    worker = persona("worker")
    a = {"visit": visit_photo, "case": case_photo, "person": person_pdf}[owner](worker)
    before = denied()
    response = by_token(persona("neighbour_worker")).get(f"/api/attachments/{a.pk}/{path}")
    assert response.status_code == 404
    assert denied() == before + 1
    assert not viewed(a).exists()


@pytest.mark.parametrize(
    ("who", "status"),
    [("supervisor", 200), ("station_head", 200), ("district_admin", 404), ("auditor", 404)],
)
def test_a_case_file_is_served_only_to_those_who_read_it(
    persona: Any, who: str, status: int
) -> None:
    a = case_photo(persona("worker"))
    before = denied()
    response = by_token(persona(who)).get(f"/api/attachments/{a.pk}/file")
    assert response.status_code == status
    assert denied() == before + (status == 404)


def test_other_owners_and_missing_attachments_are_404(persona: Any) -> None:
    worker = persona("worker")
    a = visit_photo(worker)
    foreign = Attachment.objects.create(
        owner_type="community.activity",  # an owner this route does not know
        owner_id=1,
        region_code=a.region_code,
        kind="photo",
        original_name="活动.jpg",
        content_type="image/jpeg",
        size=a.size,
        sha256=a.sha256,
        file=a.file.name,
        thumbnail=a.thumbnail.name,
        uploaded_by=worker,
    )
    api = by_token(worker)
    for pk in (foreign.pk, foreign.pk + 1000):
        before = denied()
        assert api.get(f"/api/attachments/{pk}/file").status_code == 404
        assert denied() == before + 1


def test_the_api_links_lead_to_the_files(persona: Any) -> None:
    worker = persona("worker")
    a = visit_photo(worker)
    api = by_token(worker)
    [listed] = api.get(f"/api/visits/{a.owner_id}/attachments").json()
    assert api.get(listed["url"]).status_code == 200
    assert api.get(listed["thumbnail_url"]).status_code == 200


def test_an_upload_then_download_round_trip_keeps_no_gps(persona: Any) -> None:
    worker = persona("worker")
    case = open_case(worker)
    api = by_token(worker)
    upload = io.BytesIO(jpeg_with_gps())
    upload.name = "门口.jpg"
    created = api.post(f"/api/cases/{case.pk}/attachments", {"upload": upload})
    assert created.status_code == 201, created.content
    served = api.get(created.json()["url"])
    image = Image.open(io.BytesIO(body(served)))
    assert len(image.getexif()) == 0 and "exif" not in image.info
