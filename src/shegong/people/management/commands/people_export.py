"""`shegong people export --station CODE FILE.xlsx`: the web export, from the command line."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from shegong.accounts.models import User
from shegong.core.actors import SystemActor
from shegong.people.exports import ExportRefused, export_persons
from shegong.people.models import Person
from shegong.regions.models import Station


class Command(BaseCommand):
    help = (
        "Export a station's persons to .xlsx with the same masking and audit as the web "
        "export. Runs as --user USERNAME (their jurisdiction and permissions apply) or, "
        "without it, as the operator account 'cli' (masked only)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--station", required=True, help="station code, e.g. 120113001000")
        parser.add_argument("--user", help="username whose jurisdiction applies")
        parser.add_argument(
            "--reveal",
            action="store_true",
            help="full ID numbers and phones (needs --user with that right)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        station = Station.objects.filter(code=options["station"]).first()
        if station is None:
            self.stderr.write(f"unknown station: {options['station']}")
            sys.exit(2)
        actor: Any = SystemActor("cli")
        if options["user"]:
            actor = User.objects.filter(username=options["user"], is_active=True).first()
            if actor is None:
                self.stderr.write(f"unknown or disabled user: {options['user']}")
                sys.exit(2)
        elif options["reveal"]:
            self.stderr.write("--reveal needs --user")
            sys.exit(2)
        persons = Person.objects.filter(station=station)
        try:
            with options["file"].open("wb") as target:
                count = export_persons(
                    actor=actor,
                    persons=persons,
                    target=target,
                    reveal=options["reveal"],
                    description=f"{station.code} {station.name}",
                )
        except ExportRefused as e:
            options["file"].unlink(missing_ok=True)
            self.stderr.write(str(e))
            sys.exit(2)
        self.stdout.write(f"exported: {count}")
