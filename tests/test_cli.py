"""The README's first command, end to end: `shegong run` on a fresh SQLite database serves the
product with demo data. (Run once, in the SQLite pass of the suite.)"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> tuple[int, str]:
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Location", "")


@pytest.mark.skipif(
    "postgres" in os.environ.get("SHEGONG_DATABASE_URL", ""),
    reason="`shegong run` uses its own SQLite file; checked in the SQLite pass",
)
def test_shegong_run_serves_the_demo_on_a_fresh_database(tmp_path: Path) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SHEGONG_", "DJANGO_"))}
    env["SHEGONG_DATA_DIR"] = str(tmp_path)
    proc = subprocess.Popen(
        [sys.executable, "-m", "shegong.cli", "run", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        status = 0
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                status, _ = _get(f"http://127.0.0.1:{port}/healthz")
            except OSError:
                status = 0
            if status == 200:
                break
            time.sleep(0.5)
        assert status == 200, "shegong run did not come up"
        status, location = _get(f"http://127.0.0.1:{port}/")
        assert (status, location) == (302, "/accounts/login/?next=/")
        status, page = _get(f"http://127.0.0.1:{port}/accounts/login/")
        assert status == 200 and 'lang="zh-hans"' in page
        status, _ = _get(f"http://127.0.0.1:{port}/static/vendor/htmx/htmx.min.js")
        assert status == 200
    finally:
        proc.terminate()
        output, _ = proc.communicate(timeout=20)
    assert "demo_district_admin" in output  # the demo was built and its logins printed
    assert (tmp_path / "shegong.sqlite3").exists()
