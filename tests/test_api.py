"""The JSON API: two authentications, one answer; the same services and the same scoping."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from shegong.accounts import services
from shegong.accounts.models import ApiToken
from shegong.regions.models import Station

pytestmark = pytest.mark.django_db


def bearer(secret: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


@pytest.mark.parametrize(
    "path",
    [
        "/api/me",
        "/api/stations",
        "/api/regions/120113000000",
        "/api/staff",
        "/api/organizations",
        "/api/audit",
        "/api/stations/120113001000",
        "/api/regions",
    ],
)
def test_session_and_token_give_identical_answers(persona: Any, path: str) -> None:
    admin = persona("district_admin")
    _token, secret = services.issue_api_token(actor=admin, name="laptop")
    by_session = Client()
    by_session.force_login(admin)
    a = by_session.get(path)
    b = Client().get(path, **bearer(secret))
    assert a.status_code == b.status_code == 200
    if path == "/api/audit":  # reading the log may itself add rows between the two calls
        assert a.json()["count"] <= b.json()["count"]
    else:
        assert a.json() == b.json()


def test_a_worker_lists_only_their_own_stations_through_the_api(login: Any) -> None:
    items = login("worker").get("/api/stations").json()["items"]
    assert items and all(item["code"].startswith("120113001") for item in items)


def test_revoked_expired_and_disabled_tokens_are_refused(persona: Any) -> None:
    worker = persona("worker")
    token, secret = services.issue_api_token(actor=worker, name="phone")
    assert Client().get("/api/me", **bearer(secret)).status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(1))
    assert Client().get("/api/me", **bearer(secret)).status_code == 401
    token2, secret2 = services.issue_api_token(actor=worker, name="tablet")
    services.revoke_api_token(actor=worker, token=token2)
    assert Client().get("/api/me", **bearer(secret2)).status_code == 401
    _t3, secret3 = services.issue_api_token(actor=worker, name="desk")
    services.set_active(actor=persona("district_admin"), user=worker, active=False)
    assert Client().get("/api/me", **bearer(secret3)).status_code == 401
    assert Client().get("/api/me", **bearer("sg_not-a-token")).status_code == 401


def test_the_secret_is_not_stored(persona: Any) -> None:
    token, secret = services.issue_api_token(actor=persona("worker"), name="phone")
    assert secret not in {token.digest, token.prefix}
    assert not ApiToken.objects.filter(digest=secret).exists()


def test_session_writes_need_the_csrf_token_but_bearer_writes_do_not(persona: Any) -> None:
    admin = persona("district_admin")
    session = Client(enforce_csrf_checks=True)
    session.force_login(admin)
    body = {"name": "集贤里第二社工室", "kind": "community_room", "region": "120113002001"}
    refused = session.post("/api/stations", body, content_type="application/json")
    assert refused.status_code == 403
    _t, secret = services.issue_api_token(actor=admin, name="script")
    created = Client(enforce_csrf_checks=True).post(
        "/api/stations", body, content_type="application/json", **bearer(secret)
    )
    assert created.status_code == 201, created.content
    assert created.json()["code"] == "120113002001"
    assert Station.objects.filter(code="120113002001").exists()


def test_bad_input_gets_422_with_the_field_named(login: Any) -> None:
    client = login("district_admin")
    for body, field in [
        ({"name": "x", "kind": "township", "region": "12345"}, "region"),
        (
            {
                "name": "x",
                "kind": "township",
                "region": "120113005000",
                "contract_start": "2026-05-01",
                "contract_end": "2026-01-01",
            },
            "contract_end",
        ),
        (
            {"name": "x", "kind": "township", "region": "120113005000", "served": ["120104001000"]},
            "served_regions",
        ),
    ]:
        response = client.post("/api/stations", body, content_type="application/json")
        assert response.status_code == 422, (body, response.content)
        assert field in response.json()["errors"], response.json()


def test_patch_a_station_then_read_it_back(login: Any) -> None:
    client = login("station_head")
    response = client.patch(
        "/api/stations/120113001000",
        {"opening_hours": "周六 9:00–12:00"},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert client.get("/api/stations/120113001000").json()["opening_hours"] == "周六 9:00–12:00"


def test_openapi_schema_and_docs_are_served(login: Any) -> None:
    client = login("worker")
    schema = client.get("/api/openapi.json").json()
    assert "/api/stations" in schema["paths"] and "/api/staff" in schema["paths"]
    docs = client.get("/api/docs")
    assert docs.status_code == 200 and b"swagger" in docs.content.lower()
