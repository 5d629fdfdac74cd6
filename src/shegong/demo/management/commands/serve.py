"""`shegong run`: prepare the database and serve the product with its background worker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from shegong.demo.builder import demo_exists
from shegong.regions.models import Region


class Command(BaseCommand):
    help = "Migrate, load division codes and demo data if missing, then serve with a worker."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("SHEGONG_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("SHEGONG_PORT", "8000")))
        parser.add_argument("--workers", type=int, default=1)
        parser.add_argument("--no-demo", action="store_true")
        parser.add_argument("--no-worker", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("database: migrated")
        if not Region.objects.exists():
            call_command("load_regions", stdout=self.stdout)
        if not options["no_demo"] and not demo_exists():
            call_command("demo", stdout=self.stdout)
        call_command("collectstatic", interactive=False, verbosity=0)
        procs: list[subprocess.Popen[bytes]] = []
        manage = [sys.executable, "-m", "shegong.cli", "manage"]
        if not options["no_worker"]:
            procs.append(subprocess.Popen([*manage, "db_worker"]))  # noqa: S603
        server = [
            sys.executable,
            "-m",
            "granian",
            "--interface",
            "wsgi",
            "--host",
            options["host"],
            "--port",
            str(options["port"]),
            "--workers",
            str(options["workers"]),
            # One blocking thread per worker: more makes Django's tail latency explode.
            "--blocking-threads",
            "1",
            "shegong.wsgi:application",
        ]
        procs.append(subprocess.Popen(server))  # noqa: S603
        self.stdout.write(
            f"Shegong is serving at http://{options['host']}:{options['port']}/ (Ctrl-C stops it)"
        )

        def stop(*_: object) -> None:
            for p in procs:
                p.terminate()

        signal.signal(signal.SIGTERM, stop)
        try:
            procs[-1].wait()
        except KeyboardInterrupt:
            pass
        finally:
            stop()
            for p in procs:
                p.wait(timeout=10)
