"""Small factories for the activity and group tests: registered persons in 果园新村 (the demo
worker's township) and activities of its station, made through the services."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from django.utils import timezone

from shegong.community import activity_services
from shegong.community.models import Activity
from shegong.core.idnumber import make
from shegong.people import services as people
from shegong.people.models import Person
from shegong.regions.models import Region, Station

GUOYUAN_STATION = "120113001000"  # 果园新村街道社会工作服务站
JIXIANLI_STATION = "120113002000"  # 集贤里街道: the neighbouring township
CHAOYANG = 120113001009  # 朝阳里社区, 果园新村街道
XURI = 120113001014  # 旭日里社区, 果园新村街道
JIXIANLI_COMMUNITY = 120113002001
_seq = itertools.count(420)


def today() -> dt.date:
    return timezone.localdate()


def station(code: str = GUOYUAN_STATION) -> Station:
    return Station.objects.get(code=code)


def resident(actor: Any, name: str = "", *, region: int = CHAOYANG) -> Person:
    """A newly registered person (a unique, checksum-valid ID number each time)."""
    seq = next(_seq)
    return people.register_person(
        actor=actor,
        name=name or f"活动{seq}",
        id_number=make(str(region)[:6], dt.date(1947, 2, 3), seq, "F"),
        region=Region.objects.get(code=region),
    )


def activity(actor: Any, *, on: dt.date | None = None, **change: Any) -> Activity:
    fields: dict[str, Any] = {
        "station": station(),
        "title": "重阳节敬老活动",
        "domain": "elderly_care",
        "kind": "holiday_visit",
        "held_on": on or today(),
        "place": "朝阳里社区活动室",
    } | change
    return activity_services.create_activity(actor=actor, **fields)
