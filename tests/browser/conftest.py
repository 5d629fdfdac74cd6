"""Browser tests: Debian's chromium, driven by Playwright, against pytest-django's live server.

`playwright install` is neither needed nor possible here: the launch uses the system chromium
(apt package `chromium`; `fonts-noto-cjk` draws the Chinese in screenshots). Tests are skipped,
with a reason, only when no `chromium` is on PATH.

`live_server` tests are transactional: the database is flushed after each one, which wipes the
session test world built by tests/conftest.py. The `world` fixture rebuilds it when it is missing.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    ViewportSize,
    sync_playwright,
)

from shegong.accounts.models import User
from tests.conftest import USERNAMES, build_test_world

# Playwright's sync API runs an event loop in the test thread; Django's ORM refuses to run in a
# thread with a running loop unless told otherwise (DESIGN §6).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
PHONE: ViewportSize = {"width": 360, "height": 740}


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    executable = shutil.which("chromium")
    if executable is None:
        pytest.skip("no `chromium` on PATH: install Debian's chromium and fonts-noto-cjk")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def world(transactional_db: None) -> None:
    """The demo jurisdiction and personas, rebuilt if an earlier transactional test flushed it."""
    if not User.objects.filter(username=USERNAMES["district_admin"]).exists():
        build_test_world()


@pytest.fixture
def site(live_server: Any, world: None) -> str:
    """The live server's base URL, with the test world in its database."""
    return str(live_server.url)


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


class Pages:
    """Fresh pages (each with its own cookies) in a Chinese-language desktop or phone browser.

    Collects page errors and console errors (CSP violations among them) in `problems`.
    """

    def __init__(self, browser: Browser) -> None:
        self.browser = browser
        self.contexts: list[BrowserContext] = []
        self.problems: list[str] = []

    def open(self, viewport: ViewportSize) -> Page:
        context = self.browser.new_context(
            viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai"
        )
        context.set_default_timeout(10_000)
        self.contexts.append(context)
        page = context.new_page()
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        return page

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.problems.append(f"console error: {message.text} at {message.location['url']}")

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def pages(chromium: Browser) -> Iterator[Pages]:
    pages = Pages(chromium)
    yield pages
    pages.close()
