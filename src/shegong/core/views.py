"""View helpers shared by every app: declared permissions, htmx partials, client IP."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render

from .audit import deny

ViewFunc = Callable[..., HttpResponseBase]


def requires(perm: str) -> Callable[[ViewFunc], ViewFunc]:
    """Declare the permission a view needs. A user holding it nowhere gets 404, not 403:
    we do not confirm that a page exists to someone who may not see it.

    The route-walking test reads `shegong_perm` to prove every route declares one.
    """

    def decorate(view: ViewFunc) -> ViewFunc:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            user = request.user
            if not user.is_authenticated or not user.jurisdiction(perm):
                raise deny(
                    request,
                    what=request.resolver_match.view_name
                    if request.resolver_match
                    else request.path,
                )
            return view(request, *args, **kwargs)

        wrapper.shegong_perm = perm  # type: ignore[attr-defined]
        return wrapper

    return decorate


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def render_page(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    *,
    partial: str | None = None,
    status: int = 200,
) -> HttpResponse:
    """Render a page, or only its named partial (`template#partial`) for an htmx request."""
    name = f"{template}#{partial}" if partial and is_htmx(request) else template
    return render(request, name, context, status=status)


@login_not_required
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness and database check for load balancers; no login, no personal data."""
    from django.db import connection

    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")
