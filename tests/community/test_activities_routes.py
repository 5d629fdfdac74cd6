"""The 404 walk of tests/test_routes.py over the activity and group routes only (web and
API), so that they are checked even while other areas' routes are being built: every persona
gets 404, with one audit row, for the Beijing activity, photo, group and session."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from shegong.core.models import AuditEvent
from tests.conftest import PERSONAS, Outside
from tests.route_params import community
from tests.test_routes import _is_post_only, api_operations, web_routes

MINE = re.compile(r"^community:(activit|checkin|checkout|headcount|group|member|session)")
API_MINE = re.compile(r"^/api/(activities|groups|group-sessions)")


def my_routes() -> list[Any]:
    return [r for r in web_routes() if MINE.match(r.name)]


def test_every_route_declares_a_permission_and_is_listed() -> None:
    routes = my_routes()
    assert len(routes) == 24
    for r in routes:
        assert getattr(r.view, "shegong_perm", None), r.name
        for param in r.params:
            assert (r.name, param) in community.OBJECT_PARAMS, r.name
    ops = [(m, p, f) for m, p, f in api_operations() if API_MINE.match(p)]
    assert len(ops) >= 24
    for _m, path, func in ops:
        assert getattr(func, "shegong_perm", None), path
        if "{" in path:
            assert path in community.API_PARAMS, path


@pytest.mark.parametrize("name", PERSONAS)
def test_outside_objects_are_404_for_every_persona(name: str, login: Any, outside: Outside) -> None:
    client = login(name)
    for route in my_routes():
        if not route.params:
            continue
        url = "/" + route.pattern
        for param in route.params:
            value = community.OBJECT_PARAMS[(route.name, param)](outside)
            url = re.sub(rf"<(?:\w+:)?{param}>", str(value), url)
        before = AuditEvent.objects.filter(action="access.denied").count()
        response = client.post(url) if _is_post_only(route.view) else client.get(url)
        assert response.status_code == 404, (name, route.name, response.status_code)
        after = AuditEvent.objects.filter(action="access.denied").count()
        assert after == before + 1, (name, route.name)
    for method, path, _f in api_operations():
        keys = re.findall(r"{(\w+)}", path)
        if not keys or not API_MINE.match(path):
            continue
        url = path.replace(f"{{{keys[0]}}}", str(community.API_PARAMS[path](outside)))
        body = json.dumps(community.API_BODIES.get(path, {}))
        response = client.generic(method, url, data=body, content_type="application/json")
        assert response.status_code == 404, (name, method, path, response.status_code)
