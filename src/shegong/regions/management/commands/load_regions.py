"""`load_regions`: load the division codes into the database (safe to run again).

load_regions                              all shipped provinces … townships and villages
load_regions --province 12 --province 13  only those provinces
load_regions --villages villages.csv --province 54
                                          one province's villages from a national file
                                          (china-division's villages.csv, or ours)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from shegong.regions.loader import load_shipped, load_villages_file


class Command(BaseCommand):
    help = (
        "Load division codes: the shipped provinces, cities, counties, townships and villages, "
        "or one province's villages from a national villages file. Safe to run again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--province",
            action="append",
            metavar="NN",
            help="2-digit province code (repeatable). Default: every shipped province.",
        )
        parser.add_argument(
            "--villages",
            type=Path,
            metavar="PATH",
            help="Load villages of the one --province from this national villages file "
            "(.csv or .csv.gz, china-division's format or ours).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        provinces: list[str] | None = options["province"]
        villages: Path | None = options["villages"]
        try:
            if villages is not None:
                if not provinces or len(provinces) != 1:
                    raise CommandError(_("--villages needs exactly one --province."))
                result = load_villages_file(
                    path=villages, province=provinces[0], stdout=self.stdout
                )
            else:
                result = load_shipped(provinces=provinces, stdout=self.stdout)
        except FileNotFoundError as exc:
            raise CommandError(_("File not found: %(path)s") % {"path": exc.filename}) from exc
        except (OSError, ValueError) as exc:
            raise CommandError(_("Could not load divisions: %(error)s") % {"error": exc}) from exc
        if result.skipped:
            self.stderr.write(
                ngettext(
                    "%(n)d row was skipped; see the lines above.",
                    "%(n)d rows were skipped; see the lines above.",
                    result.skipped,
                )
                % {"n": result.skipped}
            )
