"""`shegong people import FILE --station CODE [--mapping NAME] [--commit] [--valid-only]
[--user USERNAME]`: the web page's importer, from the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shegong.core.actors import SystemActor
from shegong.core.excel import UnreadableFile
from shegong.core.models import scope_of
from shegong.core.perms import PERSON_IMPORT
from shegong.people import importer, tasks
from shegong.regions.models import Station

UNREADABLE = 2  # exit code when the file (or the station, user or mapping) cannot be used


class Command(BaseCommand):
    help = (
        "Check a ledger (.xlsx, .xls, .ods, .csv) of persons for a station, and with --commit "
        "import it: all rows or none, or with --valid-only the rows without problems; people "
        "already registered are skipped. Without --commit nothing is changed. Prints every "
        "problem as 'row 7, 出生日期: <reason>' and ends with 'rows: N, valid: V, invalid: I' "
        "(with --commit: 'imported: K, skipped: S'). Exit code 0 when the file was read, even "
        "with problems; 2 when the file, station, user or mapping cannot be used. "
        "The import runs as --user USERNAME, an account whose jurisdiction for importing covers "
        "the station; without --user it runs as the system actor 'cli', which may import for "
        "any station (the audit log records it as 'cli'). Either way a person's village or "
        "community must be one the station serves."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="the ledger file")
        parser.add_argument("--station", required=True, help="station code, e.g. 120113001000")
        parser.add_argument(
            "--mapping",
            metavar="NAME",
            help="use the station's remembered column mapping of this name (saved on the web "
            "page); default: the remembered mapping that fits the headers best",
        )
        parser.add_argument("--commit", action="store_true", help="import (default: only check)")
        parser.add_argument(
            "--valid-only",
            action="store_true",
            help="with --commit: import the rows without problems and skip the others",
        )
        parser.add_argument(
            "--user",
            metavar="USERNAME",
            help="import as this account (default: the system actor 'cli')",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["valid_only"] and not options["commit"]:
            raise CommandError("--valid-only needs --commit", returncode=UNREADABLE)
        station = Station.objects.filter(code=options["station"]).select_related("region").first()
        if station is None:
            raise CommandError(f"unknown station: {options['station']}", returncode=UNREADABLE)
        actor = self._actor(options["user"], station)
        path: Path = options["file"]
        try:
            table = tasks.read_source(path, filename=path.name, station=station)
        except UnreadableFile as e:
            raise CommandError(f"{path}: {e}", returncode=UNREADABLE) from e
        except OSError as e:
            raise CommandError(f"{path}: {e.strerror or e}", returncode=UNREADABLE) from e
        try:
            mapping, saved = tasks.initial_mapping(station, table.headers, options["mapping"])
        except LookupError as e:
            raise CommandError(
                f"station {station.code} has no column mapping named {options['mapping']!r}",
                returncode=UNREADABLE,
            ) from e
        verbose = options["verbosity"] >= 2
        if verbose:
            self.stderr.write(
                f"header in row {table.header_row}; mapping: "
                + (saved.name if saved else "(suggested)")
            )
            for f in importer.FIELDS:
                column = table.headers[mapping[f.key]] if f.key in mapping else "-"
                self.stderr.write(f"  {f.key}: {column}")

        report = importer.check(table, mapping, actor=actor, station=station)
        for p in sorted(report.problems, key=lambda p: p.row):
            where = f"row {p.row}" if p.row else "file"
            self.stdout.write(
                f"{where}, {p.column}: {p.message}" if p.column else f"{where}: {p.message}"
            )
        if report.already:
            self.stdout.write(f"already registered: {len(report.already)}")
        self.stdout.write(
            f"rows: {report.total}, valid: {report.valid}, invalid: {report.invalid_rows}"
        )
        if not options["commit"]:
            return
        if report.problems and not options["valid_only"]:
            self.stderr.write(
                f"nothing imported: {report.invalid_rows} rows have problems; fix them, "
                "or import the others with --valid-only"
            )
            self.stdout.write(f"imported: 0, skipped: {report.total}")
            return

        def progress(percent: int) -> None:
            if verbose:
                self.stderr.write(f"importing: {percent}%")

        created = importer.commit(
            report,
            actor=actor,
            station=station,
            valid_only=options["valid_only"],
            source_name=path.name,
            progress=progress,
        )
        self.stdout.write(f"imported: {created}, skipped: {report.total - created}")

    def _actor(self, username: str | None, station: Station) -> Any:
        if not username:
            return SystemActor("cli")
        from shegong.accounts.models import User

        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"unknown or disabled user: {username}", returncode=UNREADABLE)
        if not scope_of(user, PERSON_IMPORT).contains(station.region_id):
            raise CommandError(
                f"{username} may not import for station {station.code}", returncode=UNREADABLE
            )
        return user
