"""Photos on visits (拍照留档): taken with the visit from the phone camera or chosen from files,
checked before anything is saved, stored without EXIF, shown as thumbnails on the visit page,
served only inside the jurisdiction; added later on the page and through the API."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import itertools
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image

from shegong.accounts import services as account_services
from shegong.core import attachments
from shegong.core.idnumber import make
from shegong.core.models import Attachment, AuditEvent
from shegong.fieldwork import services
from shegong.fieldwork.models import Visit
from shegong.fieldwork.services import VISIT_OWNER, record_visit
from shegong.people import services as people
from shegong.people.models import Category, LivingSituation, Person
from shegong.regions.models import Region
from tests.core.test_attachments import PDF, jpeg_with_gps, png

pytestmark = pytest.mark.django_db

CHAOYANG = 120113001009  # 朝阳里社区, 果园新村街道
_seq = itertools.count(101)


def stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def today() -> dt.date:
    return timezone.localdate()


def elder_alone(actor: Any) -> Person:
    seq = next(_seq)
    person = people.register_person(
        actor=actor,
        name=f"拍照{seq}",
        id_number=make("120113", dt.date(1948, 2, 3), seq, "M"),
        region=Region.objects.get(code=CHAOYANG),
        living_situation=LivingSituation.ALONE,
    )
    people.add_membership(
        actor=actor,
        person=person,
        category=Category.objects.get(code="elderly_alone"),
        valid_from=today() - dt.timedelta(days=100),
        source="civil_affairs",
    )
    return person


def photo(name: str = "门口.jpg", content: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, jpeg_with_gps() if content is None else content, "image/jpeg")


def form_data(worker: Any, **change: Any) -> dict[str, Any]:
    return {
        "kind": "home_visit",
        "visited_on": today().isoformat(),
        "check_health": "ok",
        "needs_found": "需要助浴",
        "notes": "家中整洁",
        "workers": [worker.pk],
    } | change


def body(response: Any) -> bytes:
    return b"".join(response.streaming_content)


# --- recording a visit with photos ----------------------------------------------------------
def test_photos_from_camera_and_files_are_stored_with_the_visit(
    login: Any, persona: Any, private_storage: Path
) -> None:
    worker = persona("worker")
    elder = elder_alone(worker)
    client = login("worker")
    response = client.post(
        f"/visits/new/?person={elder.pk}",
        form_data(
            worker,
            camera=[photo("IMG_0001.jpg"), photo("IMG_0002.jpg")],
            photos=[photo("厨房.png", png())],
        ),
    )
    assert response.status_code == 302
    visit = Visit.objects.get(person=elder)
    assert response["Location"] == f"/visits/{visit.pk}/"
    photos = list(Attachment.objects.filter(owner_type=VISIT_OWNER, owner_id=visit.pk))
    assert sorted(a.original_name for a in photos) == ["IMG_0001.jpg", "IMG_0002.jpg", "厨房.png"]
    assert {a.region_code for a in photos} == {elder.region_id}
    assert {a.uploaded_by_id for a in photos} == {worker.pk}
    assert len(stored_files(private_storage)) == 6  # each photo and its thumbnail
    event = AuditEvent.objects.get(action="visit.record", object_id=str(visit.pk))
    assert sorted(event.details["photos"]) == sorted(a.pk for a in photos)

    page = client.get(f"/visits/{visit.pk}/").content.decode()
    assert 'data-testid="visit-photos"' in page
    for a in photos:
        assert f'src="/visit-attachments/{a.pk}/thumb/"' in page
        assert f'href="/visit-attachments/{a.pk}/"' in page

    jpeg = next(a for a in photos if a.original_name == "IMG_0001.jpg")
    served = client.get(f"/visit-attachments/{jpeg.pk}/")
    assert served.status_code == 200
    assert served["Content-Type"] == "image/jpeg"
    assert served["Content-Disposition"].startswith("inline")
    assert served["X-Content-Type-Options"] == "nosniff"
    assert served["Cache-Control"] == "private, no-store"
    assert served["Content-Security-Policy"] == "default-src 'none'; sandbox"
    image = Image.open(io.BytesIO(body(served)))
    assert len(image.getexif()) == 0 and "exif" not in image.info
    assert image.size == (20, 40)  # turned upright by the EXIF orientation, then stripped
    assert AuditEvent.objects.filter(action="attachment.view", object_id=str(jpeg.pk)).exists()
    thumb = client.get(f"/visit-attachments/{jpeg.pk}/thumb/")
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/jpeg"
    assert thumb["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (
            lambda: photo("大图.jpg", b"\xff\xd8\xff" + bytes(30 * 1024 * 1024)),
            "too large: attachments may be at most 20 MB",
        ),
        (lambda: photo("假照片.jpg", b"this is text, not a photo"), "cannot be attached"),
        (lambda: SimpleUploadedFile("病历.pdf", PDF, "application/pdf"), "not a photo"),
    ],
    ids=["30MB", "text", "pdf"],
)
def test_a_bad_photo_saves_nothing_and_keeps_the_typed_input(
    login: Any, persona: Any, private_storage: Path, upload: Any, message: str
) -> None:
    worker = persona("worker")
    elder = elder_alone(worker)
    before = (Attachment.objects.count(), AuditEvent.objects.filter(action="visit.record").count())
    response = login("worker").post(
        f"/visits/new/?person={elder.pk}",
        form_data(worker, notes="老人说腿疼", camera=[photo(), upload()]),
        HTTP_ACCEPT_LANGUAGE="en",  # messages asserted in their English source form
    )
    assert response.status_code == 422
    html = response.content.decode()
    error = html.split('data-field-error="photos"', 1)[1].split("</div>", 1)[0]
    assert message in error
    assert upload().name in error  # the message names the bad file
    assert "老人说腿疼" in html  # what was typed is shown again
    assert 'value="home_visit" autocomplete="off" checked' in html
    assert 'data-testid="photos-again"' in html
    assert not Visit.objects.filter(person=elder).exists()
    after = (Attachment.objects.count(), AuditEvent.objects.filter(action="visit.record").count())
    assert after == before
    assert stored_files(private_storage) == []


def test_too_many_photos_are_refused(persona: Any) -> None:
    worker = persona("worker")
    elder = elder_alone(worker)
    with pytest.raises(ValidationError) as e:
        record_visit(
            actor=worker,
            person=elder,
            kind="home_visit",
            visited_on=today(),
            photos=[photo(f"{i}.jpg") for i in range(services.MAX_PHOTOS + 1)],
        )
    assert "photos" in e.value.message_dict
    assert not Visit.objects.filter(person=elder).exists()


def test_a_failure_while_storing_leaves_no_file_and_no_visit(
    persona: Any, private_storage: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    worker = persona("worker")
    elder = elder_alone(worker)
    real_store = attachments.store
    calls = []

    def store_then_fail(**kw: Any) -> Attachment:
        calls.append(kw)
        if len(calls) == 2:
            raise OSError("disk full")
        return real_store(**kw)

    monkeypatch.setattr(attachments, "store", store_then_fail)
    with pytest.raises(OSError):
        record_visit(
            actor=worker,
            person=elder,
            kind="home_visit",
            visited_on=today(),
            photos=[photo("1.jpg"), photo("2.jpg")],
        )
    assert len(calls) == 2
    assert not Visit.objects.filter(person=elder).exists()
    assert not Attachment.objects.filter(owner_type=VISIT_OWNER).filter(
        original_name__in=["1.jpg", "2.jpg"]
    )
    assert stored_files(private_storage) == []


def test_each_photo_is_decoded_once_and_stored_as_prepared(
    persona: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """record_visit checks each photo with attachments.prepare and stores that very result:
    no second decode and re-encode in attachments.store."""
    worker = persona("worker")
    elder = elder_alone(worker)
    real_prepare = attachments.prepare
    made: list[attachments.Prepared] = []

    def counting_prepare(upload: Any) -> attachments.Prepared:
        made.append(real_prepare(upload))
        return made[-1]

    monkeypatch.setattr(attachments, "prepare", counting_prepare)
    visit = record_visit(
        actor=worker,
        person=elder,
        kind="home_visit",
        visited_on=today(),
        photos=[photo("1.jpg"), photo("2.png", png())],
    )
    assert len(made) == 2  # once per photo, by the check
    stored = list(
        Attachment.objects.filter(owner_type=VISIT_OWNER, owner_id=visit.pk).order_by("pk")
    )
    assert [a.original_name for a in stored] == ["1.jpg", "2.png"]
    for a, prepared in zip(stored, made, strict=True):
        with attachments.storage().open(a.file.name, "rb") as f:
            content = f.read()
        assert content == prepared.content
        assert a.sha256 == hashlib.sha256(prepared.content).hexdigest()
        image = Image.open(io.BytesIO(content))
        assert len(image.getexif()) == 0 and "exif" not in image.info
    assert Image.open(io.BytesIO(made[0].content)).size == (20, 40)  # turned upright


# --- serving and adding later ---------------------------------------------------------------
def test_photos_are_404_outside_the_jurisdiction_and_for_other_owners(
    login: Any, persona: Any
) -> None:
    worker = persona("worker")
    elder = elder_alone(worker)
    visit = record_visit(
        actor=worker, person=elder, kind="home_visit", visited_on=today(), photos=[photo()]
    )
    a = Attachment.objects.get(owner_type=VISIT_OWNER, owner_id=visit.pk)
    neighbour = login("neighbour_worker")
    for url in (f"/visit-attachments/{a.pk}/", f"/visit-attachments/{a.pk}/thumb/"):
        before = AuditEvent.objects.filter(action="access.denied").count()
        assert neighbour.get(url).status_code == 404
        assert AuditEvent.objects.filter(action="access.denied").count() == before + 1
    assert neighbour.post(f"/visits/{visit.pk}/photos/", {"camera": photo()}).status_code == 404
    # The supervisor sees the visit and its photos but records no visits, so adds none.
    supervisor = login("supervisor")
    assert supervisor.get(f"/visit-attachments/{a.pk}/thumb/").status_code == 200
    page = supervisor.get(f"/visits/{visit.pk}/").content.decode()
    assert f"/visit-attachments/{a.pk}/thumb/" in page
    assert 'data-testid="add-photos"' not in page
    assert supervisor.post(f"/visits/{visit.pk}/photos/", {"camera": photo()}).status_code == 404
    assert Attachment.objects.filter(owner_type=VISIT_OWNER, owner_id=visit.pk).count() == 1
    # A person's attachment is not served through the visit routes (nor the reverse).
    own = attachments.store(
        actor=worker,
        owner_type="people.person",
        owner_id=elder.pk,
        region_code=elder.region_id,
        upload=photo(),
        perm="person.edit",
    )
    client = login("worker")
    assert client.get(f"/visit-attachments/{own.pk}/").status_code == 404
    assert client.get(f"/attachments/{a.pk}/").status_code == 404


def test_photos_are_added_to_a_recorded_visit(login: Any, persona: Any) -> None:
    worker = persona("worker")
    elder = elder_alone(worker)
    visit = record_visit(actor=worker, person=elder, kind="home_visit", visited_on=today())
    client = login("station_head")
    page = client.get(f"/visits/{visit.pk}/").content.decode()
    assert 'data-testid="add-photos"' in page and 'capture="environment"' in page
    response = client.post(
        f"/visits/{visit.pk}/photos/", {"camera": [photo("a.jpg"), photo("b.jpg")]}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/visits/{visit.pk}/#photos"
    added = Attachment.objects.filter(owner_type=VISIT_OWNER, owner_id=visit.pk)
    assert sorted(added.values_list("original_name", flat=True)) == ["a.jpg", "b.jpg"]
    assert {a.uploaded_by_id for a in added} == {persona("station_head").pk}

    bad = client.post(f"/visits/{visit.pk}/photos/", {"photos": photo("x.jpg", b"nope")})
    assert bad.status_code == 302
    shown = client.get(f"/visits/{visit.pk}/").content.decode()
    assert "x.jpg" in shown.split('class="alert alert-danger"', 1)[1]
    empty = client.post(f"/visits/{visit.pk}/photos/", {})
    assert empty.status_code == 302
    assert added.count() == 2


# --- the API --------------------------------------------------------------------------------
def clients(user: Any) -> tuple[Client, Client]:
    _token, secret = account_services.issue_api_token(actor=user, name="phone")
    by_session = Client()
    by_session.force_login(user)
    return by_session, Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def test_the_api_lists_and_uploads_photos(persona: Any) -> None:
    worker = persona("worker")
    elder = elder_alone(worker)
    visit = record_visit(
        actor=worker, person=elder, kind="home_visit", visited_on=today(), photos=[photo("1.jpg")]
    )
    by_session, by_token = clients(worker)
    listed = by_token.get(f"/api/visits/{visit.pk}/attachments")
    assert listed.status_code == 200
    [first] = listed.json()
    assert first["original_name"] == "1.jpg" and first["content_type"] == "image/jpeg"
    # The links work with the token alone (the web routes need a session login).
    assert first["url"] == f"/api/attachments/{first['id']}/file"
    assert first["thumbnail_url"] == f"/api/attachments/{first['id']}/thumbnail"
    served = by_token.get(first["url"])
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    assert by_token.get(first["thumbnail_url"]).status_code == 200
    one = by_token.get(f"/api/visits/{visit.pk}").json()
    assert [p["id"] for p in one["photos"]] == [first["id"]]
    assert one["household"] is None
    page = by_token.get(f"/api/visits?person={elder.pk}").json()["items"]
    assert [p["id"] for p in page[0]["photos"]] == [first["id"]]

    added = by_token.post(
        f"/api/visits/{visit.pk}/attachments", {"files": [photo("2.jpg"), photo("3.jpg")]}
    )
    assert added.status_code == 201, added.content
    assert [p["original_name"] for p in added.json()] == ["2.jpg", "3.jpg"]
    assert (
        by_session.get(f"/api/visits/{visit.pk}/attachments").json()
        == by_token.get(f"/api/visits/{visit.pk}/attachments").json()
    )

    before = Attachment.objects.count()
    bad = by_token.post(
        f"/api/visits/{visit.pk}/attachments",
        {"files": [photo("4.jpg"), photo("大.jpg", b"\xff\xd8\xff" + bytes(30 * 1024 * 1024))]},
    )
    assert bad.status_code == 422
    assert "大.jpg" in json.dumps(bad.json()["errors"]["photos"], ensure_ascii=False)
    empty = by_token.post(f"/api/visits/{visit.pk}/attachments", {})
    assert empty.status_code == 422 and "photos" in empty.json()["errors"]
    assert Attachment.objects.count() == before


def test_the_api_is_404_outside_the_jurisdiction(persona: Any) -> None:
    worker = persona("worker")
    elder = elder_alone(worker)
    visit = record_visit(actor=worker, person=elder, kind="home_visit", visited_on=today())
    _s, neighbour = clients(persona("neighbour_worker"))
    assert neighbour.get(f"/api/visits/{visit.pk}/attachments").status_code == 404
    posted = neighbour.post(f"/api/visits/{visit.pk}/attachments", {"files": [photo()]})
    assert posted.status_code == 404
    _s, auditor = clients(persona("auditor"))
    assert auditor.get(f"/api/visits/{visit.pk}/attachments").status_code == 200
    assert (
        auditor.post(f"/api/visits/{visit.pk}/attachments", {"files": [photo()]}).status_code == 404
    )
    assert not Attachment.objects.filter(owner_type=VISIT_OWNER, owner_id=visit.pk).exists()
