"""The JSON API: one NinjaAPI, routers from each app, session or bearer-token authentication.

Both authentications yield the same `request.user`, so answers are identical; the same
services and selectors enforce the same jurisdiction as the web pages.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import NinjaAPI
from ninja.security import APIKeyCookie, HttpBearer

from shegong.accounts.api import router as accounts_router
from shegong.accounts.models import ApiToken
from shegong.community.api import router as community_router
from shegong.core.api import validation_payload
from shegong.fieldwork.api import router as fieldwork_router
from shegong.fieldwork.assessment_api import router as assessment_router
from shegong.fieldwork.case_api import router as case_router
from shegong.fieldwork.referral_api import router as referral_router
from shegong.people.api import router as people_router
from shegong.regions.api import router as regions_router
from shegong.resources.api import router as resources_router


class SessionAuth(APIKeyCookie):
    """Django's session cookie, with CSRF enforced on unsafe methods (ninja's default)."""

    param_name = "sessionid"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        return request.user if request.user.is_authenticated else None


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        now = timezone.now()
        row = (
            ApiToken.objects.select_related("user")
            .filter(digest=ApiToken.digest_of(token), revoked_at__isnull=True)
            .first()
        )
        if row is None or not row.user.is_active or (row.expires_at and row.expires_at <= now):
            return None
        if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        request.user = row.user
        return row.user


api = NinjaAPI(
    title="Shegong API",
    version="1",
    description="Everything the Shegong web pages do, as JSON. Authenticate with the session "
    "cookie (plus X-CSRFToken on writes) or with `Authorization: Bearer <token>` "
    "(tokens: /accounts/tokens/).",
    auth=[TokenAuth(), SessionAuth()],
    urls_namespace="api",
    docs_url="/docs",
    docs_decorator=login_required,
    openapi_url="/openapi.json",
)


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return api.create_response(request, validation_payload(exc), status=422)


api.add_router("/", accounts_router)
api.add_router("/", regions_router)
api.add_router("/", people_router)
api.add_router("/", fieldwork_router)
api.add_router("/", case_router)
api.add_router("/", referral_router)
api.add_router("/", assessment_router)
api.add_router("/", community_router)
api.add_router("/", resources_router)


def api_urls() -> Any:
    """The API's URL patterns, exempt from LoginRequiredMiddleware: the API authenticates
    every call itself (session or token) and answers 401, never a redirect to a login page."""
    patterns, app_name, namespace = api.urls
    for pattern in patterns:
        pattern.callback.login_required = False  # type: ignore[union-attr]
    return patterns, app_name, namespace
