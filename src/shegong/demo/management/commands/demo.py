from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from shegong.accounts.models import User
from shegong.demo.builder import DEMO_PASSWORD, LOGINS, build_demo, demo_exists, reset_demo
from shegong.demo.volunteers import VOLUNTEER_LOGIN


class Command(BaseCommand):
    help = "Build the demo jurisdiction (Tianjin 北辰区 and 南开区) with one login per role."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Remove the existing demo data first and build it again.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["reset"]:
            self._reset()
        if demo_exists():
            self.stdout.write("demo: already present (use --reset to rebuild)")
        else:
            build_demo(records=True, say=self.stdout.write)
        self.stdout.write(f"\nDemo logins (password: {DEMO_PASSWORD})")
        logins = list(LOGINS)
        if User.objects.filter(username=VOLUNTEER_LOGIN.username).exists():
            logins.append(VOLUNTEER_LOGIN)
        for login in logins:
            self.stdout.write(f"  {login.username:<22} {login.full_name}  {login.where}")

    def _reset(self) -> None:
        try:
            reset_demo()
        except CommandError:
            # Fund ledgers are append-only: their rows can never be deleted. A SQLite demo
            # database is started afresh instead; any other database is left to its owner.
            if connection.vendor != "sqlite":
                raise
            path = Path(str(connection.settings_dict["NAME"]))
            connection.close()
            for leftover in (
                path,
                path.with_name(path.name + "-wal"),
                path.with_name(path.name + "-shm"),
            ):
                leftover.unlink(missing_ok=True)
            call_command("migrate", verbosity=0)
            self.stdout.write("demo: the demo database holds fund ledgers; started a new one")
        else:
            self.stdout.write("demo: previous demo data removed")
