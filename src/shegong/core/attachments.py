"""Attachments: photos and documents on records of any app (DESIGN §4.3, issue 4).

`store` checks the actor's jurisdiction, the size and the real type of the file (read from its
content, never from its name or the browser's claim), re-encodes photos through Pillow so that
nothing of the original's metadata survives (EXIF with GPS, XMP, comments, ICC), turns them
upright first, caps their size, makes a thumbnail, and stores both under random names through
the "attachments" storage (a caller that checked the file first with `prepare` passes the
result, so the photo is decoded once). `get_for` fetches one attachment and authorizes it in
one step (404 and an audit row otherwise); `file_response` answers its file with the safe
headers; `delete` removes the row and, once committed, the files.

The owner is named by `owner_type` ("people.person") and `owner_id`; the calling app has already
authorized the owner and passes its division code, so core stays domain-free.
"""

from __future__ import annotations

import hashlib
import io
import secrets
import warnings
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages
from django.db import models, transaction
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from . import audit
from .models import Attachment, AttachmentKind, scope_of

THUMBNAIL_PX = 320
JPEG_QUALITY = 85
# Refuse images whose pixel count alone would take hundreds of megabytes to decode.
MAX_SOURCE_PIXELS = 60_000_000
# What Pillow calls the formats we accept, and the type we store them as.
IMAGE_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
PDF_MAGIC = b"%PDF-"


def max_bytes() -> int:
    return int(getattr(settings, "SHEGONG_ATTACHMENT_MAX_MB", 20)) * 1024 * 1024


def allowed_types() -> set[str]:
    return set(
        getattr(
            settings,
            "SHEGONG_ATTACHMENT_TYPES",
            ["image/jpeg", "image/png", "image/webp", "application/pdf"],
        )
    )


def max_side() -> int:
    return int(getattr(settings, "SHEGONG_ATTACHMENT_MAX_PIXELS", 2560))


@dataclass(frozen=True)
class Prepared:
    """A checked and cleaned file, ready to store."""

    kind: str
    content_type: str
    extension: str
    content: bytes
    thumbnail: bytes | None = None
    width: int | None = None
    height: int | None = None


def _refuse(message: str) -> ValidationError:
    return ValidationError({"upload": message})


def _not_allowed() -> ValidationError:
    return _refuse(
        _("This kind of file cannot be attached. Attach a photo (JPEG, PNG, WebP) or a PDF.")
    )


def _read(upload: IO[bytes] | Any) -> bytes:
    """The whole upload, refusing it as soon as it passes the limit (the declared size may lie)."""
    limit = max_bytes()
    declared = getattr(upload, "size", None)
    if declared is not None and declared > limit:
        raise _too_large(limit)
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise _too_large(limit)
    if not data:
        raise _refuse(_("The file is empty."))
    return data


def _too_large(limit: int) -> ValidationError:
    return _refuse(
        _("The file is too large: attachments may be at most %(mb)d MB.")
        % {"mb": limit // (1024 * 1024)}
    )


def prepare(upload: IO[bytes] | Any) -> Prepared:
    """Check an upload and clean it; raises ValidationError (keyed "upload") on bad input."""
    data = _read(upload)
    allowed = allowed_types()
    if data.startswith(PDF_MAGIC):
        if "application/pdf" not in allowed:
            raise _not_allowed()
        return Prepared(
            kind=AttachmentKind.DOCUMENT,
            content_type="application/pdf",
            extension="pdf",
            content=data,
        )
    return _prepare_image(data, allowed)


def _prepare_image(data: bytes, allowed: set[str]) -> Prepared:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            source = Image.open(io.BytesIO(data), formats=list(IMAGE_FORMATS))
            if source.format not in IMAGE_FORMATS or IMAGE_FORMATS[source.format] not in allowed:
                raise _not_allowed()
            if source.width * source.height > MAX_SOURCE_PIXELS:
                raise _refuse(_("The photo has too many pixels."))
            source.load()
            upright = ImageOps.exif_transpose(source)
    except ValidationError:
        raise
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        OSError,
        SyntaxError,
        ValueError,
    ) as e:
        raise _not_allowed() from e

    keep_png = source.format == "PNG"
    has_alpha = upright.mode in ("RGBA", "LA", "PA") or (
        upright.mode == "P" and "transparency" in upright.info
    )
    if keep_png:
        working = upright.convert("RGBA" if has_alpha else "RGB")
    else:
        working = _flatten(upright) if has_alpha else upright.convert("RGB")
    cap = max_side()
    working.thumbnail((cap, cap), Image.Resampling.LANCZOS)
    # A fresh image carries pixels only: no EXIF (GPS), XMP, comments, ICC profile or text.
    clean = Image.new(working.mode, working.size)
    clean.paste(working)

    out = io.BytesIO()
    if keep_png:
        clean.save(out, format="PNG", optimize=True)
        content_type, extension = "image/png", "png"
    else:
        clean.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
        content_type, extension = "image/jpeg", "jpg"

    thumb = _flatten(clean) if clean.mode == "RGBA" else clean.copy()
    thumb.thumbnail((THUMBNAIL_PX, THUMBNAIL_PX), Image.Resampling.LANCZOS)
    thumb_out = io.BytesIO()
    thumb.save(thumb_out, format="JPEG", quality=80)
    return Prepared(
        kind=AttachmentKind.PHOTO,
        content_type=content_type,
        extension=extension,
        content=out.getvalue(),
        thumbnail=thumb_out.getvalue(),
        width=clean.width,
        height=clean.height,
    )


def _flatten(image: Image.Image) -> Image.Image:
    """RGB on white, for formats without transparency."""
    rgba = image.convert("RGBA")
    background = Image.new("RGB", rgba.size, (255, 255, 255))
    background.paste(rgba, mask=rgba.getchannel("A"))
    return background


def storage() -> Storage:
    """The configured "attachments" storage, looked up on each use (so a changed STORAGES
    setting applies at once); read and write files through it, not through the field."""
    return storages["attachments"]


def open_file(attachment: Attachment, *, thumbnail: bool = False) -> IO[bytes]:
    name = attachment.thumbnail.name if thumbnail else attachment.file.name
    if not name:
        raise FileNotFoundError(attachment.pk)
    return storage().open(name, "rb")


def file_response(attachment: Attachment, *, thumbnail: bool = False) -> FileResponse:
    """The file (or its JPEG thumbnail) of an attachment the caller has already authorized,
    shown inline: the user's file name is a download hint only, `nosniff`, `private, no-store`
    and a sandboxing CSP (a PDF or image opened directly runs nothing). 404 when the file is
    gone (the row outlived it)."""
    try:
        handle = open_file(attachment, thumbnail=thumbnail)
    except OSError:  # FileNotFoundError among them
        raise Http404 from None
    response = FileResponse(
        handle,
        content_type="image/jpeg" if thumbnail else attachment.content_type,
        as_attachment=False,
        filename=attachment.original_name,
    )
    if not attachment.original_name:
        response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def viewed_file_response(
    request: Any, attachment: Attachment, *, details: dict[str, Any] | None = None
) -> FileResponse:
    """`file_response` for the file itself, with the `attachment.view` audit row every read of
    a file (not of a thumbnail) writes."""
    audit.record(
        actor=request.user,
        action="attachment.view",
        obj=attachment,
        region_code=attachment.region_code,
        request=request,
        details=details,
    )
    return file_response(attachment)


@transaction.atomic
def store(
    *,
    actor: Any,
    owner_type: str,
    owner_id: int,
    region_code: int,
    upload: IO[bytes] | Any,
    caption: str = "",
    perm: str,
    prepared: Prepared | None = None,
) -> Attachment:
    """Attach a file to the owner `owner_type:owner_id` in division `region_code`.

    The caller has fetched the owner through its own selector; this checks once more that the
    actor holds `perm` over `region_code`. `prepared`: what `prepare(upload)` gave for this very
    upload, when the caller has checked it already (it is stored as it is; `upload` then only
    names the file). Files are written under random names; if the row cannot be written they
    are removed again.
    """
    if not scope_of(actor, perm).contains(region_code):
        raise ValidationError(_("You may not add attachments here."))
    if prepared is None:
        prepared = prepare(upload)
    elif not isinstance(prepared, Prepared):
        raise TypeError("prepared must be what attachments.prepare returned")
    caption = (caption or "").strip()
    if len(caption) > 200:
        raise ValidationError({"caption": _("The caption may be at most 200 characters.")})
    original = (getattr(upload, "name", "") or "").replace("\\", "/").rsplit("/", 1)[-1]
    files = storage()
    token = secrets.token_hex(16)
    base = f"{token[:2]}/{token}"
    saved: list[str] = []
    try:
        name = files.save(f"{base}.{prepared.extension}", ContentFile(prepared.content))
        saved.append(name)
        thumb_name = ""
        if prepared.thumbnail is not None:
            thumb_name = files.save(f"{base}_t.jpg", ContentFile(prepared.thumbnail))
            saved.append(thumb_name)
        attachment = Attachment.objects.create(
            owner_type=owner_type,
            owner_id=owner_id,
            region_code=region_code,
            kind=prepared.kind,
            original_name=original[:255],
            content_type=prepared.content_type,
            size=len(prepared.content),
            sha256=hashlib.sha256(prepared.content).hexdigest(),
            file=name,
            thumbnail=thumb_name,
            width=prepared.width,
            height=prepared.height,
            caption=caption,
            uploaded_by=actor if isinstance(actor, models.Model) else None,  # type: ignore[misc]
        )
        audit.record(
            actor=actor,
            action="attachment.add",
            obj=attachment,
            region_code=region_code,
            details={
                "owner": f"{owner_type}:{owner_id}",
                "kind": prepared.kind,
                "size": attachment.size,
                "sha256": attachment.sha256,
            },
        )
    except BaseException:
        for stored in saved:
            files.delete(stored)
        raise
    return attachment


def get_for(user: Any, pk: int, perm: str, *, owner_type: str | None = None) -> Attachment:
    """The attachment, if its division is in the user's scope for `perm` (and, given
    `owner_type`, it belongs to that kind of owner); otherwise 404 and an `access.denied` audit
    row (a missing, a forbidden and another app's attachment look the same)."""
    rows = Attachment.objects.visible_to(user, perm).filter(pk=pk)
    if owner_type is not None:
        rows = rows.filter(owner_type=owner_type)
    attachment = rows.first()
    if attachment is None:
        raise audit.not_found(user, what="attachment", key=pk)
    return attachment


def list_for(
    user: Any, *, owner_type: str, owner_id: int, perm: str
) -> models.QuerySet[Attachment]:
    return Attachment.objects.visible_to(user, perm).filter(
        owner_type=owner_type, owner_id=owner_id
    )


@transaction.atomic
def delete(*, actor: Any, attachment: Attachment, perm: str) -> None:
    """Delete the row now and its files once the deletion has committed."""
    if not scope_of(actor, perm).contains(attachment.region_code):
        raise ValidationError(_("You may not delete this attachment."))
    names = [n for n in (attachment.file.name, attachment.thumbnail.name) if n]
    audit.record(
        actor=actor,
        action="attachment.delete",
        obj=attachment,
        region_code=attachment.region_code,
        details={
            "owner": f"{attachment.owner_type}:{attachment.owner_id}",
            "sha256": attachment.sha256,
        },
    )
    Attachment.objects.filter(pk=attachment.pk).delete()
    files = storage()

    def remove_files() -> None:
        for name in names:
            files.delete(name)

    transaction.on_commit(remove_files)
