"""The audit log (exactly one row per write, append-only) and the security headers."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction

from shegong.accounts import services as accounts
from shegong.accounts.roles import Role
from shegong.core.models import AuditEvent
from shegong.regions import services as regions
from shegong.regions.models import Region, Station

pytestmark = pytest.mark.django_db


def test_n_writes_give_exactly_n_audit_rows(persona: Any) -> None:
    admin = persona("district_admin")
    guoyuan = Region.objects.get(code=120113001000)
    station = Station.objects.get(code="120113001000")
    before = AuditEvent.objects.count()
    org = regions.create_organization(
        actor=admin, region=guoyuan, name="果园新村助老服务社", kind="community_group"
    )
    regions.update_organization(actor=admin, organization=org, phone="022-26391234")
    room = regions.create_station(
        actor=admin,
        region=Region.objects.get(code=120113001003),
        name="果园里社区社会工作室",
        kind="community_room",
    )
    regions.update_station(actor=admin, station=room, opening_hours="周二、周四 9:00–11:30")
    user = accounts.create_staff_account(
        actor=admin,
        username="audit_worker",
        password="Lantern-Harbor-2026",
        full_name="审计测试",
        role=Role.WORKER,
        station=station,
    )
    accounts.update_staff(actor=admin, staff=user.staff_member, phone="13800000000")
    assignment = accounts.grant_role(actor=admin, user=user, role=Role.WORKER, station=room)
    accounts.revoke_role(actor=admin, assignment=assignment)
    accounts.set_active(actor=admin, user=user, active=False)
    writes = 9
    rows = list(AuditEvent.objects.order_by("id")[before:])
    assert len(rows) == writes
    assert [r.action for r in rows] == [
        "organization.create",
        "organization.update",
        "station.create",
        "station.update",
        "staff.create",
        "staff.update",
        "role.grant",
        "role.revoke",
        "user.disable",
    ]
    assert {r.username for r in rows} == {"demo_district_admin"}
    assert all(
        r.region_code is not None and 120113000000 <= r.region_code < 120114000000 for r in rows
    )


def test_a_refused_write_leaves_no_row_and_no_object(persona: Any) -> None:
    admin = persona("district_admin")
    before = (AuditEvent.objects.count(), Station.objects.count())
    with pytest.raises(ValidationError, match="不在您的管辖范围内"):
        regions.create_station(
            actor=admin,
            region=Region.objects.get(code=120104001000),
            name="越权站",
            kind="township",
        )
    assert (AuditEvent.objects.count(), Station.objects.count()) == before


def test_audit_rows_cannot_be_changed_or_deleted() -> None:
    row = AuditEvent.objects.first()
    assert row is not None
    row.action = "tampered"
    with pytest.raises(PermissionError):
        row.save()
    with pytest.raises(PermissionError):
        row.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=row.pk).update(action="tampered")
    # Even raw SQL is refused by the database trigger.
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
        cur.execute("UPDATE core_auditevent SET action = 'tampered' WHERE id = %s", [row.pk])


def test_admins_see_the_audit_rows_of_their_jurisdiction_only(login: Any) -> None:
    beichen = login("district_admin").get("/api/audit?page=1").json()
    assert beichen["count"] > 0
    assert all(120113000000 <= item["region_code"] < 120114000000 for item in beichen["items"])
    nankai = login("other_district_admin").get("/api/audit").json()
    assert all(120104000000 <= item["region_code"] < 120105000000 for item in nankai["items"])
    assert login("worker").get("/audit/").status_code == 404


def test_html_responses_carry_csp_hsts_nosniff_and_referrer_policy(login: Any) -> None:
    client = login("district_admin")
    response = client.get("/stations/", secure=True)
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "script-src 'self' 'nonce-" in csp and "unsafe-inline" not in csp
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_check_deploy_reports_no_issues_on_the_production_profile(tmp_path: Path) -> None:
    # No SHEGONG_ settings of the test run, and no DJANGO_ALLOW_ASYNC_UNSAFE (which the browser
    # tests need and which check --deploy rightly warns about).
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SHEGONG_", "DJANGO_"))}
    env |= {
        "SHEGONG_SECRET_KEY": "x" * 20 + "-production-secret-key-for-this-test-only-9f3a",
        "SHEGONG_ALLOWED_HOSTS": "shegong.example.org",
        "SHEGONG_DATA_DIR": str(tmp_path),
        "SHEGONG_ENCRYPTION_KEYS": "k1:" + base64.b64encode(os.urandom(32)).decode(),
        "SHEGONG_BLIND_INDEX_KEY": base64.b64encode(os.urandom(32)).decode(),
    }
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "shegong.cli",
            "manage",
            "check",
            "--deploy",
            "--fail-level",
            "WARNING",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_healthz_answers_without_login(client: Any) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200 and response.content == b"ok\n"
