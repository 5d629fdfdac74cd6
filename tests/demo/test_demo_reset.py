"""`shegong demo --reset`: the demo is removed completely and built again."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management.base import CommandError
from django.db import connection

from shegong.accounts.models import User
from shegong.core.models import AuditEvent
from shegong.demo.builder import build_demo, demo_exists, reset_demo
from shegong.fieldwork.models import Case, Visit, VisitPolicy
from shegong.people.models import Category, Person
from shegong.regions.models import Region, Station

pytestmark = pytest.mark.django_db


def test_reset_removes_the_demo_and_it_builds_again(outside: Any) -> None:
    regions = Region.objects.count()
    audit_rows = AuditEvent.objects.count()
    national = Category.objects.filter(region__isnull=True).count()
    defaults = VisitPolicy.objects.filter(station__isnull=True).count()
    assert Person.objects.exists() and Case.objects.exists()

    reset_demo()
    connection.check_constraints()  # what the commit would check: no dangling foreign key

    assert not demo_exists()
    assert Person.objects.count() == 0
    assert Station.objects.count() == 0
    assert Visit.objects.count() == 0 and Case.objects.count() == 0
    assert User.objects.filter(is_superuser=False).count() == 0
    assert Region.objects.count() == regions
    assert AuditEvent.objects.count() == audit_rows
    assert Category.objects.filter(region__isnull=True).count() == national
    assert VisitPolicy.objects.filter(station__isnull=True).count() == defaults

    build_demo(people=60, records=True)
    connection.check_constraints()
    assert demo_exists()
    assert Person.objects.count() >= 60
    assert Visit.objects.exists() and Case.objects.exists()


def test_reset_refuses_when_a_fund_ledger_has_entries(persona: Any) -> None:
    from shegong.resources import fund_services
    from shegong.resources.fund_models import FundEntry

    head = persona("station_head")
    station = head.stations()[0]
    fund = fund_services.open_fund(actor=head, station=station, name="测试基金", kind="community")
    fund_services.record_income(actor=head, fund=fund, amount="10.00", source="residents")
    assert FundEntry.objects.exists()
    with pytest.raises(CommandError):
        reset_demo()
    assert Person.objects.exists()
