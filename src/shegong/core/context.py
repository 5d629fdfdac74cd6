from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def shegong(request: HttpRequest) -> dict[str, Any]:
    return {"SHEGONG_DEBUG": settings.DEBUG}
