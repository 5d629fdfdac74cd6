"""Walk the whole URL configuration and the whole API.

1. No route is reachable without a declared permission (or an explicit public marker).
2. Anonymous visitors reach only the public routes.
3. For every persona, every route that names an object answers 404 (not 403) for an object
   outside the persona's jurisdiction, and writes an audit row for the attempt.

A new route with an object parameter must be added to OBJECT_PARAMS below, or test 3 fails.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from shegong.api import api
from shegong.core.models import AuditEvent
from tests import route_params
from tests.conftest import PERSONAS, Outside

# Routes anyone may open: the login page, the health check, the language switch.
PUBLIC = {"accounts:login", "healthz", "set_language", "javascript-catalog"}
# ninja's own documentation views: any logged-in user (they describe, never return data).
API_DOCS = {"api:openapi-json", "api:openapi-view"}


@dataclass(frozen=True)
class Route:
    name: str
    pattern: str
    view: Callable[..., Any]
    params: tuple[str, ...]


def _walk(patterns: list[Any], prefix: str = "", ns: str = "") -> Iterator[Route]:
    for p in patterns:
        if isinstance(p, URLResolver):
            sub_ns = f"{ns}{p.namespace}:" if p.namespace else ns
            yield from _walk(p.url_patterns, prefix + str(p.pattern), sub_ns)
        elif isinstance(p, URLPattern):
            pattern = prefix + str(p.pattern)
            params = tuple(re.findall(r"<(?:\w+:)?(\w+)>", pattern))
            yield Route(f"{ns}{p.name}", pattern, p.callback, params)


def web_routes() -> list[Route]:
    return [r for r in _walk(get_resolver().url_patterns) if not r.pattern.startswith("api/")]


def _all_routers() -> Iterator[tuple[str, Any]]:
    """Every router with its full prefix, nested routers (router.add_router) included."""

    def walk(prefix: str, router: Any) -> Iterator[tuple[str, Any]]:
        yield prefix, router
        for sub_prefix, child, *_rest in router._routers:
            yield from walk(prefix.rstrip("/") + "/" + sub_prefix.lstrip("/"), child)

    for prefix, router in api._routers:
        yield from walk(prefix, router)


def api_operations() -> list[tuple[str, str, Any]]:
    out = []
    for prefix, router in _all_routers():
        for path, view in router.path_operations.items():
            for op in view.operations:
                for method in op.methods:
                    out.append(
                        (
                            method,
                            "/api"
                            + (prefix.rstrip("/") + "/" + path.lstrip("/")).replace("//", "/"),
                            op.view_func,
                        )
                    )
    return out


# How to name an object outside the persona's jurisdiction, per route parameter.
OBJECT_PARAMS: dict[tuple[str, str], Callable[[Outside], Any]] = {
    ("regions:region", "code"): lambda o: o.region.code,
    ("regions:station", "code"): lambda o: o.station.code,
    ("regions:station_edit", "code"): lambda o: o.station.code,
    ("regions:organization", "pk"): lambda o: o.organization.pk,
    ("regions:organization_edit", "pk"): lambda o: o.organization.pk,
    ("accounts:staff", "pk"): lambda o: o.staff.pk,
    ("accounts:staff_edit", "pk"): lambda o: o.staff.pk,
    ("accounts:role_grant", "pk"): lambda o: o.staff.pk,
    ("accounts:role_revoke", "pk"): lambda o: o.assignment.pk,
    ("accounts:account_active", "pk"): lambda o: o.user.pk,
    ("accounts:token_revoke", "pk"): lambda o: o.token.pk,
    ("people_import:batch", "pk"): lambda o: o.import_batch.pk,
    ("people_import:check", "pk"): lambda o: o.import_batch.pk,
    ("people_import:commit", "pk"): lambda o: o.import_batch.pk,
    ("people_import:problems", "pk"): lambda o: o.import_batch.pk,
    ("people:detail", "pk"): lambda o: o.person.pk,
    ("people:edit", "pk"): lambda o: o.person.pk,
    ("people:reveal", "pk"): lambda o: o.person.pk,
    ("people:category_add", "pk"): lambda o: o.person.pk,
    ("people:membership_end", "pk"): lambda o: o.membership.pk,
    ("people:risk", "pk"): lambda o: o.person.pk,
    ("people:consent_add", "pk"): lambda o: o.person.pk,
    ("people:status", "pk"): lambda o: o.person.pk,
    ("people:household", "pk"): lambda o: o.person.pk,
    ("people:guardian", "pk"): lambda o: o.person.pk,
    ("people:handover", "pk"): lambda o: o.person.pk,
    ("fieldwork:detail", "pk"): lambda o: o.visit.pk,
    ("people_attachments:list", "pk"): lambda o: o.person.pk,
    ("people_attachments:file", "pk"): lambda o: o.attachment.pk,
    ("people_attachments:thumb", "pk"): lambda o: o.attachment.pk,
    ("people_attachments:delete", "pk"): lambda o: o.attachment.pk,
}
API_PARAMS: dict[str, Callable[[Outside], Any]] = {
    "/api/regions/{code}": lambda o: o.region.code,
    "/api/stations/{code}": lambda o: o.station.code,
    "/api/organizations/{pk}": lambda o: o.organization.pk,
    "/api/staff/{pk}": lambda o: o.staff.pk,
    "/api/staff/{pk}/roles": lambda o: o.staff.pk,
    "/api/roles/{pk}/revoke": lambda o: o.assignment.pk,
    "/api/users/{pk}/active": lambda o: o.user.pk,
    "/api/tokens/{pk}/revoke": lambda o: o.token.pk,
    "/api/people/{pk}": lambda o: o.person.pk,
    "/api/people/{pk}/reveal": lambda o: o.person.pk,
    "/api/people/{pk}/status": lambda o: o.person.pk,
    "/api/people/{pk}/handover": lambda o: o.person.pk,
    "/api/people/{pk}/categories": lambda o: o.person.pk,
    "/api/people/{pk}/risk": lambda o: o.person.pk,
    "/api/people/{pk}/consents": lambda o: o.person.pk,
    "/api/people/{pk}/household": lambda o: o.person.pk,
    "/api/memberships/{pk}/end": lambda o: o.membership.pk,
    "/api/categories/{code}/members": lambda o: _outside_category(o),
    "/api/visits/{pk}": lambda o: o.visit.pk,
}
API_BODIES = {
    "/api/staff/{pk}/roles": {"role": "worker"},
    "/api/users/{pk}/active": {"active": False},
    # Valid bodies, so that the request reaches the jurisdiction check (not a 422).
    "/api/people/{pk}/reveal": {"what": "id_number"},
    "/api/people/{pk}/status": {"status": "archived"},
    "/api/people/{pk}/handover": {"to_region": "120113001001"},
    "/api/people/{pk}/categories": {
        "category": "temp_relief",
        "valid_from": "2026-01-01",
        "source": "referral",
    },
    "/api/people/{pk}/risk": {"level": "low", "reason": "测试"},
    "/api/people/{pk}/consents": {"basis": "legal_duty", "given_on": "2026-01-01"},
    "/api/memberships/{pk}/end": {"valid_to": "2026-01-01"},
}

# Areas built later add their routes in tests/route_params/.
OBJECT_PARAMS.update(route_params.merged("OBJECT_PARAMS"))
API_PARAMS.update(route_params.merged("API_PARAMS"))
API_BODIES.update(route_params.merged("API_BODIES"))


def _outside_category(o: Outside) -> str:
    """A local category of the Beijing street: outside every persona's places."""
    from shegong.people.models import Category

    category, _created = Category.objects.get_or_create(
        code="test_beijing_local", defaults={"name": "北京本地类别", "region": o.region}
    )
    return category.code


def _is_post_only(view: Any) -> bool:
    # require_POST / require_http_methods wrap the view; its closure lists the methods.
    for cell in getattr(view, "__closure__", None) or ():
        value = cell.cell_contents
        if isinstance(value, list | tuple) and value and all(isinstance(v, str) for v in value):
            return list(value) == ["POST"]
    wrapped = getattr(view, "__wrapped__", None)
    return _is_post_only(wrapped) if wrapped else False


def test_every_web_route_declares_a_permission_or_is_public() -> None:
    undeclared = []
    for route in web_routes():
        view = route.view
        if route.name in PUBLIC:
            assert getattr(view, "login_required", True) is False, route.name
            continue
        if not getattr(view, "shegong_perm", None):
            undeclared.append(route.name)
    assert undeclared == []


def test_every_api_operation_declares_a_permission() -> None:
    ops = api_operations()
    assert len(ops) >= 20
    assert [(m, p) for m, p, f in ops if not getattr(f, "shegong_perm", None)] == []


@pytest.mark.django_db
def test_anonymous_reaches_only_public_routes(client: Any, outside: Outside) -> None:
    for route in web_routes():
        if route.name in PUBLIC:
            continue
        url = "/" + route.pattern
        for param in route.params:
            url = re.sub(
                rf"<(?:\w+:)?{param}>", str(OBJECT_PARAMS[(route.name, param)](outside)), url
            )
        response = client.post(url) if _is_post_only(route.view) else client.get(url)
        assert response.status_code == 302, (route.name, response.status_code)
        assert response["Location"].startswith("/accounts/login/")
    for method, path, _f in api_operations():
        url = path
        for key in re.findall(r"{(\w+)}", path):
            url = url.replace(f"{{{key}}}", str(API_PARAMS[path](outside)))
        response = client.generic(method, url, data="{}", content_type="application/json")
        assert response.status_code in (401, 302), (method, path, response.status_code)
    assert client.get("/healthz").status_code == 200
    assert client.get("/accounts/login/").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("name", PERSONAS)
def test_every_object_route_gives_404_outside_the_jurisdiction(
    name: str, login: Any, outside: Outside
) -> None:
    client = login(name)
    checked = 0
    for route in web_routes():
        if not route.params:
            continue
        url = "/" + route.pattern
        for param in route.params:
            assert (route.name, param) in OBJECT_PARAMS, f"add {route.name}:{param}"
            url = re.sub(
                rf"<(?:\w+:)?{param}>", str(OBJECT_PARAMS[(route.name, param)](outside)), url
            )
        before = AuditEvent.objects.filter(action="access.denied").count()
        response = client.post(url) if _is_post_only(route.view) else client.get(url)
        assert response.status_code == 404, (name, route.name, response.status_code)
        after = AuditEvent.objects.filter(action="access.denied").count()
        assert after == before + 1, (name, route.name, "no audit row for the denied access")
        checked += 1
    for method, path, _f in api_operations():
        keys = re.findall(r"{(\w+)}", path)
        if not keys:
            continue
        assert path in API_PARAMS, f"add {path} to API_PARAMS"
        url = path.replace(f"{{{keys[0]}}}", str(API_PARAMS[path](outside)))
        body = API_BODIES.get(path, {})
        response = client.generic(
            method, url, data=__import__("json").dumps(body), content_type="application/json"
        )
        assert response.status_code == 404, (name, method, path, response.status_code)
        checked += 1
    assert checked >= 19


@pytest.mark.django_db
def test_the_neighbouring_township_is_404_for_a_worker(login: Any) -> None:
    """The everyday case: 果园新村's worker and 集贤里's station next door."""
    client = login("worker")
    assert client.get("/stations/120113001000/").status_code == 200
    assert client.get("/stations/120113002000/").status_code == 404
    assert client.get("/api/stations/120113002000").status_code == 404
    assert client.get("/regions/120113002000/").status_code == 404
    neighbour = login("neighbour_worker")
    assert neighbour.get("/stations/120113001000/").status_code == 404
    assert neighbour.get("/stations/120113002000/").status_code == 200
