"""Lockout, session limits, sessions ended on logout / disable / password change, CSRF."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from shegong.accounts import services
from shegong.accounts.models import LoginFailure
from shegong.core.models import AuditEvent
from shegong.demo.builder import DEMO_PASSWORD

pytestmark = pytest.mark.django_db
LOGIN = "/accounts/login/"


def _try(client: Client, username: str, password: str, ip: str = "10.0.0.1") -> Any:
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_login_with_the_demo_password_lands_on_home(client: Client) -> None:
    response = _try(client, "demo_worker", DEMO_PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200
    assert AuditEvent.objects.filter(action="login", username="demo_worker").count() == 1


def test_five_failures_lock_the_account_even_for_the_right_password(client: Client) -> None:
    for _ in range(5):
        assert _try(client, "demo_worker", "wrong-password").status_code == 200
    response = _try(client, "demo_worker", DEMO_PASSWORD, ip="10.0.0.2")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert (
        response.context["form"]
        .errors["__all__"][0]
        .startswith(("Too many failed attempts", "登录失败次数过多"))
    )
    assert AuditEvent.objects.filter(action="login.lockout", username="demo_worker").count() == 1
    assert AuditEvent.objects.filter(action="login.failed", username="demo_worker").count() == 6


def test_the_lock_lifts_after_thirty_minutes(client: Client) -> None:
    for _ in range(5):
        _try(client, "demo_worker", "wrong-password")
    LoginFailure.objects.update(at=timezone.now() - dt.timedelta(minutes=31))
    assert _try(client, "demo_worker", DEMO_PASSWORD).status_code == 302


def test_five_failures_from_one_ip_lock_that_ip_for_other_accounts(client: Client) -> None:
    for name in ("nobody1", "nobody2", "nobody3", "nobody4", "nobody5"):
        _try(client, name, "x", ip="192.0.2.9")
    assert _try(client, "demo_station_head", DEMO_PASSWORD, ip="192.0.2.9").status_code == 200
    assert _try(client, "demo_station_head", DEMO_PASSWORD, ip="192.0.2.10").status_code == 302


def test_idle_session_ends_after_thirty_minutes(client: Client, persona: Any) -> None:
    client.force_login(persona("worker"))
    assert client.get("/").status_code == 200
    session = client.session
    session["shegong_seen_at"] = timezone.now().timestamp() - 31 * 60
    session.save()
    assert client.get("/").status_code == 302
    assert AuditEvent.objects.filter(action="session.expired").count() == 1


def test_session_ends_after_twelve_hours_even_when_busy(client: Client, persona: Any) -> None:
    client.force_login(persona("worker"))
    client.get("/")
    session = client.session
    session["shegong_login_at"] = timezone.now().timestamp() - 12 * 3600 - 60
    session.save()
    assert client.get("/").status_code == 302


def test_logout_ends_every_session_of_the_user(persona: Any) -> None:
    phone, desk = Client(), Client()
    for c in (phone, desk):
        assert _try(c, "demo_worker", DEMO_PASSWORD).status_code == 302
    assert desk.get("/").status_code == 200
    phone.post("/accounts/logout/")
    assert phone.get("/").status_code == 302
    assert desk.get("/").status_code == 302


def test_disabling_an_account_ends_its_sessions(persona: Any, client: Client) -> None:
    worker = Client()
    _try(worker, "demo_worker", DEMO_PASSWORD)
    assert worker.get("/").status_code == 200
    services.set_active(actor=persona("district_admin"), user=persona("worker"), active=False)
    assert worker.get("/").status_code == 302
    assert _try(worker, "demo_worker", DEMO_PASSWORD).status_code == 200  # cannot log in


def test_password_change_keeps_this_session_and_ends_the_others(persona: Any) -> None:
    here, elsewhere = Client(), Client()
    for c in (here, elsewhere):
        _try(c, "demo_worker", DEMO_PASSWORD)
    response = here.post(
        "/accounts/password/",
        {
            "old_password": DEMO_PASSWORD,
            "new_password1": "Lantern-Harbor-2026",
            "new_password2": "Lantern-Harbor-2026",
        },
    )
    assert response.status_code == 302
    assert here.get("/").status_code == 200
    assert elsewhere.get("/").status_code == 302


def test_weak_new_password_is_refused_at_its_field(login: Any) -> None:
    client = login("worker")
    response = client.post(
        "/accounts/password/",
        {"old_password": DEMO_PASSWORD, "new_password1": "12345678", "new_password2": "12345678"},
    )
    assert response.status_code == 422
    assert response.context["form"].errors["new_password1"]


def test_writes_without_a_csrf_token_are_refused_and_htmx_header_is_accepted(
    persona: Any,
) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(persona("district_admin"))
    page = client.get("/stations/")
    assert b'hx-headers=\'{"X-CSRFToken": "' in page.content
    token = page.context["csrf_token"]
    assert client.post("/accounts/tokens/", {"name": "x", "days": 5}).status_code == 403
    ok = client.post(
        "/accounts/tokens/",
        {"name": "phone", "days": 5},
        HTTP_X_CSRFTOKEN=str(token),
        HTTP_HX_REQUEST="true",
    )
    assert ok.status_code == 200
    assert b"sg_" in ok.content


def test_activity_keeps_the_session_alive_with_one_write_a_minute(
    client: Client, persona: Any
) -> None:
    client.force_login(persona("worker"))
    client.get("/")
    session = client.session
    stamp = timezone.now().timestamp() - 29 * 60  # last seen 29 minutes ago: still alive
    session["shegong_seen_at"] = stamp
    session.save()
    assert client.get("/").status_code == 200
    refreshed = client.session["shegong_seen_at"]
    assert refreshed > stamp + 28 * 60  # the request counted as activity
    assert client.get("/").status_code == 200
    assert client.session["shegong_seen_at"] == refreshed  # no write within the minute
