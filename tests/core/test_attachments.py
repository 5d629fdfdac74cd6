"""core.attachments: type and size checks, metadata stripping, thumbnails, random names, scope,
audit (issue 4)."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from shegong.core import attachments
from shegong.core.models import Attachment, AuditEvent
from shegong.core.perms import PERSON_EDIT, PERSON_VIEW
from shegong.people.models import Person

pytestmark = pytest.mark.django_db


def jpeg_with_gps(size: tuple[int, int] = (40, 20)) -> bytes:
    """Left half red, right half blue; EXIF orientation 6 (turn 90° clockwise) and a GPS fix."""
    image = Image.new("RGB", size, (255, 0, 0))
    image.paste((0, 0, 255), (size[0] // 2, 0, size[0], size[1]))
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[34853] = {1: "N", 2: (39.0, 54.0, 12.0), 3: "E", 4: (116.0, 23.0, 5.0)}
    exif[0x010F] = "PhoneMaker"
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif, comment=b"home of the client")
    return out.getvalue()


def png(size: tuple[int, int] = (30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", size, (0, 128, 0, 128)).save(out, format="PNG")
    return out.getvalue()


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="image/jpeg")


def own_person(user: Any) -> Person:
    person = Person.objects.visible_to(user, PERSON_EDIT).order_by("pk").first()
    assert person is not None
    return person


def store(user: Any, person: Person, file: SimpleUploadedFile, **kw: Any) -> Attachment:
    return attachments.store(
        actor=user,
        owner_type="people.person",
        owner_id=person.pk,
        region_code=person.region_id,
        upload=file,
        perm=PERSON_EDIT,
        **kw,
    )


def read(name: str) -> bytes:
    with attachments.storage().open(name, "rb") as f:
        return bytes(f.read())


def test_photo_loses_all_metadata_and_is_turned_upright(persona: Any) -> None:
    worker = persona("worker")
    person = own_person(worker)
    source = jpeg_with_gps()
    assert Image.open(io.BytesIO(source)).getexif().get_ifd(0x8825)  # the fixture has GPS
    a = store(worker, person, upload("门口.jpg", source), caption="门口")

    assert a.kind == "photo" and a.content_type == "image/jpeg"
    stored = Image.open(io.BytesIO(read(str(a.file))))
    assert stored.format == "JPEG"
    assert len(stored.getexif()) == 0
    assert stored.getexif().get_ifd(0x8825) == {}
    assert "exif" not in stored.info and "comment" not in stored.info
    assert "xmp" not in stored.info and "icc_profile" not in stored.info
    assert b"PhoneMaker" not in read(str(a.file))
    # Orientation 6 applied: 40×20 becomes 20×40, the red left half now on top.
    assert stored.size == (20, 40) == (a.width, a.height)
    rgb = stored.convert("RGB")
    top, bottom = rgb.getpixel((10, 5)), rgb.getpixel((10, 35))
    assert isinstance(top, tuple) and isinstance(bottom, tuple)
    assert top[0] > 200 and top[2] < 60
    assert bottom[2] > 200 and bottom[0] < 60
    # A thumbnail, also without metadata.
    assert a.thumbnail.name
    thumb = Image.open(io.BytesIO(read(str(a.thumbnail))))
    assert thumb.format == "JPEG" and len(thumb.getexif()) == 0
    assert a.sha256 and a.size == len(read(str(a.file)))


def test_large_photos_are_capped_and_thumbnails_small(persona: Any) -> None:
    worker = persona("worker")
    out = io.BytesIO()
    Image.new("RGB", (3000, 200), (10, 20, 30)).save(out, format="JPEG")
    a = store(worker, own_person(worker), upload("wide.jpg", out.getvalue()))
    assert (a.width, a.height) == (2560, 171)
    thumb = Image.open(io.BytesIO(read(str(a.thumbnail))))
    assert max(thumb.size) == attachments.THUMBNAIL_PX


def test_png_stays_png(persona: Any) -> None:
    worker = persona("worker")
    a = store(worker, own_person(worker), upload("scan.png", png()))
    assert a.content_type == "image/png" and str(a.file).endswith(".png")
    assert Image.open(io.BytesIO(read(str(a.file)))).format == "PNG"


def test_pdf_is_accepted_without_thumbnail(persona: Any) -> None:
    worker = persona("worker")
    a = store(worker, own_person(worker), upload("低保证明.pdf", PDF))
    assert a.kind == "document" and a.content_type == "application/pdf"
    assert not a.thumbnail and read(str(a.file)) == PDF


def test_the_stored_path_never_contains_the_users_file_name(
    persona: Any, private_storage: Path
) -> None:
    worker = persona("worker")
    a = store(worker, own_person(worker), upload("张三家门口 photo.jpg", jpeg_with_gps()))
    assert a.original_name == "张三家门口 photo.jpg"
    for name in (str(a.file), str(a.thumbnail)):
        assert "张三" not in name and "photo" not in name and "门口" not in name
        assert (private_storage / name).is_file()
    assert not any("张三" in p.name for p in private_storage.rglob("*"))


def test_a_30_mb_upload_is_refused_naming_the_limit(persona: Any) -> None:
    worker = persona("worker")
    before = Attachment.objects.count()
    big = upload("big.jpg", b"\xff\xd8\xff" + bytes(30 * 1024 * 1024))
    with pytest.raises(ValidationError) as e:
        store(worker, own_person(worker), big)
    assert "20 MB" in str(e.value.message_dict["upload"])
    assert Attachment.objects.count() == before


def test_the_limit_follows_the_setting(persona: Any, settings: Any) -> None:
    settings.SHEGONG_ATTACHMENT_MAX_MB = 1
    worker = persona("worker")
    with pytest.raises(ValidationError) as e:
        store(worker, own_person(worker), upload("x.pdf", PDF + bytes(1024 * 1024)))
    assert "1 MB" in str(e.value.message_dict["upload"])


@pytest.mark.parametrize(
    "name, content",
    [
        ("photo.jpg", b"just some text pretending to be a photo\n"),
        ("photo.jpg", b"\xff\xd8\xff\xe0 truncated jpeg"),
        ("page.html", b"<html><script>alert(1)</script></html>"),
        ("anim.gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"),
        ("empty.jpg", b""),
    ],
)
def test_non_images_and_other_types_are_refused(persona: Any, name: str, content: bytes) -> None:
    worker = persona("worker")
    before = Attachment.objects.count()
    with pytest.raises(ValidationError) as e:
        store(worker, own_person(worker), upload(name, content))
    assert "upload" in e.value.message_dict
    assert Attachment.objects.count() == before


def test_outside_the_jurisdiction_nothing_is_stored(persona: Any, private_storage: Path) -> None:
    worker, neighbour = persona("worker"), persona("neighbour_worker")
    person = own_person(worker)
    assert not Person.objects.visible_to(neighbour, PERSON_EDIT).filter(pk=person.pk).exists()
    with pytest.raises(ValidationError):
        store(neighbour, person, upload("x.jpg", jpeg_with_gps()))
    assert not private_storage.exists() or not any(private_storage.rglob("*.jpg"))


def test_get_for_answers_404_and_audits_outside(persona: Any) -> None:
    from django.http import Http404

    worker = persona("worker")
    a = store(worker, own_person(worker), upload("x.pdf", PDF))
    assert attachments.get_for(worker, a.pk, PERSON_VIEW) == a
    before = AuditEvent.objects.filter(action="access.denied").count()
    with pytest.raises(Http404):
        attachments.get_for(persona("neighbour_worker"), a.pk, PERSON_VIEW)
    assert AuditEvent.objects.filter(action="access.denied").count() == before + 1


def test_add_and_delete_are_audited_and_delete_removes_the_files(
    persona: Any, private_storage: Path, django_capture_on_commit_callbacks: Any
) -> None:
    worker = persona("worker")
    a = store(worker, own_person(worker), upload("x.jpg", jpeg_with_gps()))
    added = AuditEvent.objects.filter(action="attachment.add", object_id=str(a.pk))
    assert added.count() == 1
    assert added.get().region_code == a.region_code and added.get().user == worker
    files = [private_storage / str(a.file), private_storage / str(a.thumbnail)]
    with pytest.raises(ValidationError):
        attachments.delete(actor=persona("neighbour_worker"), attachment=a, perm=PERSON_EDIT)
    with django_capture_on_commit_callbacks(execute=True):
        attachments.delete(actor=worker, attachment=a, perm=PERSON_EDIT)
    assert not Attachment.objects.filter(pk=a.pk).exists()
    assert not any(f.exists() for f in files)
    deleted = AuditEvent.objects.filter(action="attachment.delete", object_id=str(a.pk))
    assert deleted.count() == 1


def test_the_private_storage_is_outside_media_and_static() -> None:
    from shegong import settings as project  # the configured default, not the test override

    options: dict[str, Any] = project.STORAGES["attachments"].get("OPTIONS", {})  # type: ignore[assignment]
    location = Path(options["location"]).resolve()
    for public in (project.STATIC_ROOT, project.MEDIA_ROOT):
        assert not location.is_relative_to(Path(public).resolve())
    assert "base_url" not in options


# --- storing a file prepared beforehand; answering a file ------------------------------------
def test_store_keeps_a_prepared_file_as_it_is_without_decoding_again(
    persona: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    worker = persona("worker")
    file = upload("门口.jpg", jpeg_with_gps())
    prepared = attachments.prepare(file)

    def no_second_decode(_upload: Any) -> attachments.Prepared:
        raise AssertionError("prepare() called again")

    monkeypatch.setattr(attachments, "prepare", no_second_decode)
    a = store(worker, own_person(worker), file, prepared=prepared)
    assert read(a.file.name) == prepared.content
    assert read(a.thumbnail.name) == prepared.thumbnail
    assert a.sha256 == hashlib.sha256(prepared.content).hexdigest()
    assert a.original_name == "门口.jpg" and a.size == len(prepared.content)
    stored = Image.open(io.BytesIO(read(a.file.name)))
    assert len(stored.getexif()) == 0 and "exif" not in stored.info


def test_store_refuses_anything_but_a_prepared_file(persona: Any, private_storage: Path) -> None:
    worker = persona("worker")
    before = Attachment.objects.count()
    with pytest.raises(TypeError):
        store(worker, own_person(worker), upload("x.jpg", jpeg_with_gps()), prepared=b"raw")
    assert Attachment.objects.count() == before
    assert not private_storage.exists() or not any(private_storage.rglob("*.jpg"))


def test_file_response_headers_and_a_missing_file(persona: Any) -> None:
    from django.http import Http404

    worker = persona("worker")
    a = store(worker, own_person(worker), upload("门口.jpg", jpeg_with_gps()))
    response = attachments.file_response(a)
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert b"".join(response.streaming_content) == read(a.file.name)
    thumb = attachments.file_response(a, thumbnail=True)
    assert thumb["Content-Type"] == "image/jpeg"
    assert b"".join(thumb.streaming_content) == read(a.thumbnail.name)
    a.original_name = ""
    assert attachments.file_response(a)["Content-Disposition"] == "inline"
    attachments.storage().delete(a.file.name)
    with pytest.raises(Http404):
        attachments.file_response(a)
