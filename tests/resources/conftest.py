"""Fixtures of the resources tests: the worker's station (果园新村), persons there, a fund, a
private attachment storage in a temporary directory, and small valid receipt files."""

from __future__ import annotations

import io
import itertools
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from shegong.core.perms import RESOURCE_MANAGE
from shegong.people.models import Person, PersonStatus
from shegong.regions.models import Station
from shegong.resources import fund_services, services
from shegong.resources.models import Fund, StockItem

_names = itertools.count(1)


@pytest.fixture
def worker(persona: Any) -> Any:
    return persona("worker")


@pytest.fixture
def head(persona: Any) -> Any:
    return persona("station_head")


@pytest.fixture
def station(worker: Any) -> Station:
    """果园新村街道社会工作服务站: the worker's and the station head's."""
    return worker.stations(RESOURCE_MANAGE)[0]


@pytest.fixture
def neighbour_station(persona: Any) -> Station:
    return persona("neighbour_worker").stations(RESOURCE_MANAGE)[0]


@pytest.fixture
def people(worker: Any) -> list[Person]:
    """Registered persons the worker may give to."""
    rows = list(
        Person.objects.visible_to(worker, RESOURCE_MANAGE)
        .filter(status=PersonStatus.ACTIVE)
        .order_by("pk")[:5]
    )
    assert len(rows) == 5
    return rows


@pytest.fixture
def person(people: list[Person]) -> Person:
    return people[0]


def new_fund(actor: Any, station: Station, **kw: Any) -> Fund:
    kw.setdefault("name", f"测试基金{next(_names)}")
    kw.setdefault("kind", "community")
    return fund_services.open_fund(actor=actor, station=station, **kw)


@pytest.fixture
def fund(head: Any, station: Station) -> Fund:
    """A fund of the station that needs receipts and may not go below zero."""
    return new_fund(head, station)


def stock_up(actor: Any, station: Station, name: str, quantity: str, unit: str = "件") -> StockItem:
    """Donate `quantity` of an item to the station; its stock item."""
    services.record_donation(
        actor=actor,
        station=station,
        kind="goods",
        value=Decimal("0"),
        lines=[services.GoodsIn(name=name, unit=unit, quantity=quantity, category="clothes")],
    )
    return StockItem.objects.get(station=station, name=name, unit=unit)


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def receipt_file(name: str = "receipt.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes(), content_type="image/png")


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
