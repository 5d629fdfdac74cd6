"""Route parameters naming an object outside every persona's jurisdiction (see test_routes)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.conftest import Outside

OBJECT_PARAMS: dict[tuple[str, str], Callable[[Outside], Any]] = {}
API_PARAMS: dict[str, Callable[[Outside], Any]] = {}
API_BODIES: dict[str, dict[str, Any]] = {}
