"""Ledger import jobs: store an upload, check it, commit it — in the request or in the worker.

The upload page, the background worker (`shegong manage db_worker`) and `shegong people import`
all end in `people.importer`; this module holds the steps around it that keep an ImportBatch's
state: `create_batch` (store the file), `save_mapping`, `start_check` / `start_commit` (run
small files at once, enqueue large ones), `run_check` / `run_commit` (the work itself, the same
code in both places).

States: uploaded → checking → checked → importing → imported, or failed. A start claims the
batch with a conditional UPDATE, so a double click or a second tab never runs a job twice.
Committing re-reads the stored file and checks it again (a check may be stale: someone may
have registered one of the people meanwhile), then commits in one transaction together with the
batch's final state. The stored file is deleted once its rows are imported.

Progress goes to the "progress" cache (FileBasedCache): the worker writes it while its commit
transaction is open, so the web process cannot read it from the database, but it can read it
from there. After checking, `ImportBatch.skipped` counts the rows already registered (they
will be skipped); after committing, every row not imported.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePath
from typing import IO, Any

from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.tasks import task
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from shegong.core import audit
from shegong.core.excel import READABLE_SUFFIXES, Table, UnreadableFile, header_key, read_table
from shegong.core.models import scope_of
from shegong.core.perms import PERSON_IMPORT
from shegong.regions.models import Station

from . import importer
from .models import ColumnMapping, ImportBatch, ImportStatus

logger = logging.getLogger(__name__)

PROGRESS_CACHE = "progress"
STALE_AFTER = 300  # seconds without progress after which a job counts as dead
PROBLEMS_KEPT = 50_000  # problems stored per batch (the counts stay exact)
DEFAULT_MAPPING = "default"

STARTABLE_CHECK = (ImportStatus.UPLOADED, ImportStatus.VALIDATED, ImportStatus.FAILED)
STARTABLE_COMMIT = (ImportStatus.VALIDATED, ImportStatus.FAILED)
RUNNING = (ImportStatus.VALIDATING, ImportStatus.COMMITTING)


def max_bytes() -> int:
    return int(getattr(settings, "SHEGONG_IMPORT_MAX_MB", 20)) * 1024 * 1024


def inline_rows() -> int:
    return int(getattr(settings, "SHEGONG_IMPORT_INLINE_ROWS", 2000))


# --- progress ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Progress:
    phase: str  # "queued", "check" or "commit"
    percent: int
    at: float  # time.time() of the last report

    @property
    def stale(self) -> bool:
        return time.time() - self.at > STALE_AFTER


def progress_key(batch: ImportBatch) -> str:
    # The creation time keeps two databases (tests, a reset demo) from sharing a key.
    return f"people-import-{batch.pk}-{batch.created_at:%Y%m%d%H%M%S%f}"


def set_progress(batch: ImportBatch, phase: str, percent: int) -> None:
    caches[PROGRESS_CACHE].set(
        progress_key(batch),
        {"phase": phase, "percent": int(percent), "at": time.time()},
        timeout=24 * 3600,
    )


def read_progress(batch: ImportBatch) -> Progress | None:
    raw = caches[PROGRESS_CACHE].get(progress_key(batch))
    if not isinstance(raw, dict):
        return None
    return Progress(str(raw["phase"]), int(raw["percent"]), float(raw["at"]))


def _reporter(
    batch: ImportBatch, phase: str, low: int = 0, high: int = 100
) -> Callable[[int], None]:
    """A progress callback for the importer, mapping its 0–100 onto [low, high]."""
    last = -1

    def report(percent: int) -> None:
        nonlocal last
        scaled = low + (high - low) * max(0, min(100, percent)) // 100
        if scaled != last:
            last = scaled
            set_progress(batch, phase, scaled)

    return report


def is_stuck(batch: ImportBatch) -> bool:
    """A running job that has reported nothing for STALE_AFTER seconds (its worker died, or the
    cache was cleared): the user may start it again."""
    if batch.status not in RUNNING:
        return False
    progress = read_progress(batch)
    return progress is None or progress.stale


# --- reading -------------------------------------------------------------------------------------
def header_hints(station: Station) -> list[str]:
    """The headers the importer knows, plus the ones this station's ledgers use."""
    remembered = [
        str(h)
        for m in ColumnMapping.objects.filter(station=station)
        for h in (m.mapping or {}).values()
    ]
    return [*importer.HEADER_HINT, *remembered]


def read_source(
    source: Any, *, filename: str, station: Station, max_rows: int | None = None
) -> Table:
    """Read a ledger (a path or a binary file) with the header found by our column names and
    the station's remembered ones. Raises UnreadableFile."""
    return read_table(
        source, filename=filename, header_hint=header_hints(station), max_rows=max_rows
    )


def read_batch(batch: ImportBatch, *, max_rows: int | None = None) -> Table:
    """The stored upload of a batch. Raises UnreadableFile (also when the file is gone)."""
    if not batch.file:
        raise UnreadableFile(_("The uploaded file is no longer stored; upload it again."))
    try:
        with batch.file.open("rb") as f:
            return read_source(f, filename=batch.filename, station=batch.station, max_rows=max_rows)
    except OSError as e:
        raise UnreadableFile(_("The uploaded file is no longer stored; upload it again.")) from e


# --- column mappings -----------------------------------------------------------------------------
def _matches(saved: dict[str, str], headers: list[str]) -> int:
    keys = {header_key(h) for h in headers}
    return sum(1 for h in saved.values() if header_key(h) in keys)


def initial_mapping(
    station: Station, headers: list[str], name: str | None = None
) -> tuple[dict[str, int], ColumnMapping | None]:
    """The column of each field for a file with these headers: the station's remembered mapping
    called `name` (LookupError when it has none of that name), else the remembered mapping that
    fits these headers best, then the usual header names."""
    saved = list(ColumnMapping.objects.filter(station=station).order_by("-updated_at"))
    if name is not None:
        saved = [m for m in saved if m.name == name]
        if not saved:
            raise LookupError(name)
    best = max(saved, key=lambda m: _matches(m.mapping or {}, headers), default=None)
    remembered = {k: str(v) for k, v in (best.mapping or {}).items()} if best else None
    return importer.suggest_mapping(headers, remembered), best


def batch_mapping(batch: ImportBatch, headers: list[str]) -> dict[str, int]:
    """The mapping chosen on the batch page, or the suggestion when none was saved."""
    stored = batch.mapping or {}
    # In the importer's field order (jsonb keeps keys in its own order), so that a row's
    # problems are listed in the same order on both databases.
    saved = {
        f.key: stored[f.key]
        for f in importer.FIELDS
        if isinstance(stored.get(f.key), int) and 0 <= stored[f.key] < len(headers)
    }
    if saved:
        return saved
    return initial_mapping(batch.station, headers)[0]


def _check_mapping(mapping: dict[str, int], headers: list[str]) -> None:
    errors: dict[str, list[str]] = {}
    used: dict[int, str] = {}
    for key, index in mapping.items():
        if not 0 <= index < len(headers):
            errors.setdefault(key, []).append(_("The file has no such column."))
        elif index in used:
            errors.setdefault(key, []).append(
                _("This column is already chosen for “%(field)s”.")
                % {"field": importer.FIELD_BY_KEY[used[index]].label}
            )
        else:
            used[index] = key
    for f in importer.FIELDS:
        if f.required and f.key not in mapping:
            errors.setdefault(f.key, []).append(
                _("Choose the column that holds “%(field)s”.") % {"field": f.label}
            )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def save_mapping(
    *,
    actor: Any,
    batch: ImportBatch,
    mapping: dict[str, int],
    headers: list[str],
    name: str = DEFAULT_MAPPING,
) -> ColumnMapping:
    """Use `mapping` (field → column index) for this batch and remember it for the station
    under `name` (as field → header text, so the next ledger with the same headers maps itself).
    Raises ValidationError keyed by field."""
    _require_station(actor, batch.station)
    _check_mapping(mapping, headers)
    name = (name or DEFAULT_MAPPING).strip()[:50] or DEFAULT_MAPPING
    batch.mapping = dict(mapping)
    batch.save(update_fields=["mapping"])
    remembered, _created = ColumnMapping.objects.update_or_create(
        station=batch.station,
        name=name,
        defaults={"mapping": {k: headers[i] for k, i in mapping.items() if headers[i]}},
    )
    audit.record(
        actor=actor,
        action="person.import.mapping",
        obj=remembered,
        object_repr=name,
        region_code=batch.station.region_id,
        details={"batch": batch.pk, "fields": sorted(mapping)},
    )
    return remembered


# --- uploads -------------------------------------------------------------------------------------
def _require_station(actor: Any, station: Station) -> None:
    if not scope_of(actor, PERSON_IMPORT).contains(station.region_id):
        raise ValidationError({"station": _("You may not import for this station.")})


def _sha256(f: IO[bytes]) -> str:
    digest = hashlib.sha256()
    f.seek(0)
    for chunk in iter(lambda: f.read(1 << 20), b""):
        digest.update(chunk)
    f.seek(0)
    return digest.hexdigest()


def create_batch(*, actor: Any, station: Station, upload: Any, filename: str) -> ImportBatch:
    """Store an uploaded ledger as a new batch once it reads as a table with data rows.
    `upload` is a Django File (an UploadedFile from a form). Raises ValidationError on
    `file` (too large, unreadable, empty) or `station` (outside the actor's jurisdiction).
    The file is read before the transaction begins (SQLite would hold its write lock while a
    large file is read)."""
    _require_station(actor, station)
    name = PurePath(filename).name
    suffix = PurePath(name).suffix.lower()
    if suffix not in READABLE_SUFFIXES:
        raise ValidationError(
            {
                "file": _("Upload an .xlsx, .xls, .ods or .csv file; “%(name)s” is none of them.")
                % {"name": name[:80]}
            }
        )
    size = upload.size or 0
    if size > max_bytes():
        raise ValidationError(
            {
                "file": _(
                    "The file has %(size).1f MB; files up to %(max)d MB are accepted. Split it "
                    "into several files, or save it as .xlsx (smaller than .xls or .csv)."
                )
                % {"size": size / 1024 / 1024, "max": max_bytes() // 1024 // 1024}
            }
        )
    sha256 = _sha256(upload)
    try:
        table = read_source(upload, filename=name, station=station)
    except UnreadableFile as e:
        raise ValidationError({"file": str(e)}) from e
    if not table.rows:
        raise ValidationError({"file": _("The sheet has a header row but no rows below it.")})
    upload.seek(0)
    batch = ImportBatch(
        station=station,
        created_by=actor if getattr(actor, "_meta", None) is not None else None,
        filename=name[:200],
        sha256=sha256,
        total_rows=len(table.rows),
    )
    del table
    # The stored name carries no personal names that a ledger's filename may hold.
    batch.file.save(f"{sha256[:24]}{suffix}", upload, save=False)
    with transaction.atomic():
        batch.save()
        audit.record(
            actor=actor,
            action="person.import.upload",
            obj=batch,
            region_code=station.region_id,
            details={"rows": batch.total_rows, "station": station.code, "sha256": sha256},
        )
    return batch


# --- running -------------------------------------------------------------------------------------
def _claim(batch: ImportBatch, allowed: tuple[str, ...], status: str) -> bool:
    """Move the batch into a running state if it is in one of `allowed` (or stuck): one
    conditional UPDATE, so of two simultaneous starts only one wins."""
    allowed_now = list(allowed) + ([batch.status] if is_stuck(batch) else [])
    won = ImportBatch.objects.filter(pk=batch.pk, status__in=allowed_now).update(
        status=status, progress=0, error="", finished_at=None
    )
    if won:
        batch.status, batch.progress, batch.error, batch.finished_at = status, 0, "", None
        set_progress(batch, "queued", 0)
    return bool(won)


def _store_report(batch: ImportBatch, report: importer.Report) -> None:
    batch.total_rows = report.total
    batch.valid_rows = report.valid
    batch.invalid_rows = report.invalid_rows
    batch.skipped = len(report.already)
    problems = sorted(report.problems, key=lambda p: p.row)  # database checks come last
    batch.problems = [p.as_dict() for p in problems[:PROBLEMS_KEPT]]


def _fail(batch: ImportBatch, message: str) -> None:
    batch.status = ImportStatus.FAILED
    batch.error = message
    batch.finished_at = timezone.now()
    batch.save(update_fields=["status", "error", "finished_at"])
    set_progress(batch, "failed", batch.progress)


def _actor(actor_id: int | None) -> Any:
    from shegong.accounts.models import User
    from shegong.core.actors import SystemActor

    if actor_id is None:
        return SystemActor("worker")
    return User.objects.filter(pk=actor_id).first()


def start_check(*, actor: Any, batch: ImportBatch) -> bool:
    """Check the batch now (small files) or in the worker (large ones). Returns False when it
    is already running or was imported (nothing started)."""
    _require_station(actor, batch.station)
    if not _claim(batch, STARTABLE_CHECK, ImportStatus.VALIDATING):
        return False
    if batch.total_rows <= inline_rows():
        run_check(batch=batch, actor=actor)
    else:
        check_batch.enqueue(batch.pk, actor.pk, translation.get_language() or "")
    return True


def start_commit(*, actor: Any, batch: ImportBatch, valid_only: bool) -> bool:
    """Re-check and commit the batch now (small files) or in the worker (large ones)."""
    _require_station(actor, batch.station)
    if not _claim(batch, STARTABLE_COMMIT, ImportStatus.COMMITTING):
        return False
    batch.valid_only = valid_only
    batch.save(update_fields=["valid_only"])
    if batch.total_rows <= inline_rows():
        run_commit(batch=batch, actor=actor)
    else:
        commit_batch.enqueue(batch.pk, actor.pk, translation.get_language() or "")
    return True


def run_check(*, batch: ImportBatch, actor: Any) -> importer.Report | None:
    """Read and check the stored file; store counts and problems on the batch."""
    try:
        table = read_batch(batch)
        mapping = batch_mapping(batch, table.headers)
        report = importer.check(
            table, mapping, actor=actor, station=batch.station, progress=_reporter(batch, "check")
        )
    except UnreadableFile as e:
        _fail(batch, str(e))
        return None
    except Exception:
        logger.exception("checking import batch %s failed", batch.pk)
        _fail(batch, _("Checking the file failed unexpectedly; try again, or tell your admin."))
        raise
    _store_report(batch, report)
    batch.status = ImportStatus.VALIDATED
    batch.progress = 100
    batch.finished_at = timezone.now()
    batch.save()
    set_progress(batch, "check", 100)
    return report


def run_commit(*, batch: ImportBatch, actor: Any) -> int | None:
    """Read the stored file again, check it again, and commit: all rows, or the valid ones when
    `batch.valid_only`. The persons and the batch's final state are written in one transaction.
    Returns how many persons were created (None when nothing was imported)."""
    try:
        table = read_batch(batch)
        mapping = batch_mapping(batch, table.headers)
        report = importer.check(
            table,
            mapping,
            actor=actor,
            station=batch.station,
            progress=_reporter(batch, "commit", 0, 30),
        )
        if report.problems and not batch.valid_only:
            _store_report(batch, report)
            batch.status = ImportStatus.VALIDATED
            batch.error = _(
                "Nothing was imported: the file has %(n)d rows with problems. Fix them and "
                "upload the file again, or import only the valid rows."
            ) % {"n": report.invalid_rows}
            batch.finished_at = timezone.now()
            batch.save()
            set_progress(batch, "check", 100)
            return None
        with transaction.atomic():
            created = importer.commit(
                report,
                actor=actor,
                station=batch.station,
                valid_only=batch.valid_only,
                source_name=batch.filename,
                progress=_reporter(batch, "commit", 30, 100),
            )
            _store_report(batch, report)
            stored = batch.file.name
            batch.imported = created
            batch.skipped = report.total - created
            batch.status = ImportStatus.COMMITTED
            batch.progress = 100
            batch.error = ""
            batch.finished_at = timezone.now()
            batch.file = ""
            batch.save()
            if stored:
                # The ledger holds ID numbers in clear: keep it no longer than needed.
                storage = batch.file.storage
                transaction.on_commit(lambda: storage.delete(stored))
    except UnreadableFile as e:
        _fail(batch, str(e))
        return None
    except ValueError as e:  # the importer refused (no longer allowed for the station)
        _fail(batch, str(e))
        return None
    except IntegrityError:
        # Someone registered one of these people between the check and the commit.
        _fail(
            batch,
            _(
                "Someone registered some of these people meanwhile; nothing was imported. Check "
                "the file again."
            ),
        )
        return None
    except Exception:
        logger.exception("importing batch %s failed", batch.pk)
        _fail(
            batch,
            _(
                "The import failed unexpectedly; nothing was imported. Try again, or "
                "tell your admin."
            ),
        )
        raise
    set_progress(batch, "commit", 100)
    return created


# --- background tasks ----------------------------------------------------------------------------
def _load(batch_id: int) -> ImportBatch:
    return ImportBatch.objects.select_related("station__region").get(pk=batch_id)


@task()
def check_batch(batch_id: int, actor_id: int | None = None, language: str = "") -> dict[str, Any]:
    """Background twin of `start_check` for large files."""
    batch = _load(batch_id)
    if batch.status != ImportStatus.VALIDATING:
        return {"skipped": batch.status}  # restarted or finished meanwhile
    with translation.override(language or settings.LANGUAGE_CODE):
        actor = _actor(actor_id)
        if actor is None:
            _fail(batch, _("The account that started this job no longer exists."))
        else:
            run_check(batch=batch, actor=actor)
    return {"status": batch.status, "rows": batch.total_rows, "invalid": batch.invalid_rows}


@task()
def commit_batch(batch_id: int, actor_id: int | None = None, language: str = "") -> dict[str, Any]:
    """Background twin of `start_commit` for large files."""
    batch = _load(batch_id)
    if batch.status != ImportStatus.COMMITTING:
        return {"skipped": batch.status}
    with translation.override(language or settings.LANGUAGE_CODE):
        actor = _actor(actor_id)
        if actor is None:
            _fail(batch, _("The account that started this job no longer exists."))
        else:
            run_commit(batch=batch, actor=actor)
    return {"status": batch.status, "imported": batch.imported, "skipped": batch.skipped}
