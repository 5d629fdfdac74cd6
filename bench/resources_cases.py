"""The funds' "Speed" target (issue 5): the balance of a fund with 100,000 ledger entries.

Registered in run.py's CASES through `resources_cases()`; every name starts with "resources",
so `scripts/bench resources` runs them. run.py imports this module, so the cases here implement
run.Case's interface (name, target_ms, runs, warmups; setup, run, check) without subclassing it,
like people_cases.py.

Setup (not timed): Tianjin's divisions and the demo if missing, then a fund of the demo's
果园新村 station opened through the service, and 100,000 entries appended with COPY (income
from the five sources and expenses, the running balance never below zero, numbered 1…100,000),
as 100,000 calls of the service would leave them; then VACUUM ANALYZE. The balance is the
newest entry's `balance_after`: one read of the unique (fund, seq) index. After the runs each
case checks the answer against SUM over the 100,000 rows (resources.fund_selectors.verify).
"""

from __future__ import annotations

import datetime as dt
import io
import random
import time
from decimal import Decimal
from typing import Any

from people_cases import Case, elapsed_ms

ENTRIES = 100_000
TARGET_MS = 20.0
PAGE_TARGET_MS = 50.0
RUNS, WARMUPS = 200, 20
STATION_HEAD = "demo_station_head"  # 果园新村街道社会工作服务站
FUND_NAME = "基准测试社区基金"
SOURCES = ("lottery_outlet", "enterprise", "residents", "organization", "government")


class Ledger:
    """The fund with 100,000 entries; built once per process, reused by every case."""

    def __init__(self) -> None:
        self.fund: Any = None
        self.seconds = 0.0

    def ensure(self) -> Any:
        if self.fund is None:
            start = time.perf_counter()
            self.fund = build()
            self.seconds = time.perf_counter() - start
        return self.fund


LEDGER = Ledger()


def build() -> Any:
    from django.db import connection, transaction

    from shegong.accounts.models import User
    from shegong.core.perms import FUND_MANAGE
    from shegong.demo.builder import build_demo, demo_exists
    from shegong.regions.loader import load_shipped
    from shegong.regions.models import Region
    from shegong.resources import fund_services
    from shegong.resources.models import Fund, FundEntry

    if not Region.objects.filter(code=120113001001).exists():
        load_shipped(provinces=["12"])
    if not demo_exists():
        build_demo()
    head = User.objects.get(username=STATION_HEAD)
    station = head.stations(FUND_MANAGE)[0]
    fund = Fund.objects.filter(station=station, name=FUND_NAME).first()
    if fund is not None and FundEntry.objects.filter(fund=fund).count() == ENTRIES:
        return fund
    with transaction.atomic():
        fund = fund_services.open_fund(
            actor=head,
            station=station,
            name=FUND_NAME,
            kind="community",
            receipt_required=False,
            opened_on=dt.date(2015, 1, 1),
        )
        rows = entry_rows(fund, head.pk)
        if connection.vendor == "postgresql":
            copy(rows)
        else:
            FundEntry.objects.bulk_create([FundEntry(**row) for row in rows], batch_size=5_000)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE resources_fundentry")
    return fund


def entry_rows(fund: Any, user_id: int) -> list[dict[str, Any]]:
    """100,000 entries over ten years: income and expenses, never below zero."""
    from django.utils import timezone

    rng = random.Random(5)
    balance = income_total = Decimal(0)
    start = dt.date(2015, 1, 1)
    now = timezone.now()
    rows = []
    for seq in range(1, ENTRIES + 1):
        day = start + dt.timedelta(days=seq * 3650 // ENTRIES)
        amount = Decimal(rng.randint(100, 500_000)) / 100
        income = balance < amount or rng.random() < 0.55
        balance += amount if income else -amount
        income_total += amount if income else 0
        rows.append(
            {
                "fund_id": fund.pk,
                "region_code": fund.region_code,
                "seq": seq,
                "direction": "income" if income else "expense",
                "amount": amount,
                "balance_after": balance,
                "income_to_date": income_total,
                "occurred_on": day,
                "source": rng.choice(SOURCES) if income else "",
                "purpose": "" if income else "慰问困难群众",
                "note": "",
                "recorded_by_id": user_id,
                "recorded_at": now,
            }
        )
    return rows


def copy(rows: list[dict[str, Any]]) -> None:
    """PostgreSQL COPY of the rows (tab-separated text; no value contains a tab or newline)."""
    from django.db import connection

    columns = list(rows[0])
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join(str(row[c]) for c in columns) + "\n")
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's own cursor, for COPY
        with raw.copy(f"COPY resources_fundentry ({', '.join(columns)}) FROM STDIN") as out:
            out.write(buffer.getvalue())


def checked(fund: Any, answer: Decimal) -> str:
    from shegong.resources import fund_selectors

    start = time.perf_counter()
    result = fund_selectors.verify(fund)
    verify_ms = elapsed_ms(start)
    assert result.entries == ENTRIES, f"{result.entries:,} entries"
    assert result.ok, result.problems[:3]
    assert answer == result.total, f"balance {answer} but SUM {result.total}"
    return (
        f"balance {answer:,.2f} yuan = SUM of {result.entries:,} entries "
        f"(the full check with SUM took {verify_ms:.0f} ms; ledger built in "
        f"{LEDGER.seconds:.1f} s)"
    )


class FundBalance(Case):
    name = "resources: fund balance, 100,000 ledger entries (selector)"
    target_ms = TARGET_MS
    runs = RUNS
    warmups = WARMUPS

    def setup(self) -> None:
        self.fund = LEDGER.ensure()
        self.answer = Decimal(0)

    def run(self) -> float:
        from shegong.resources import fund_selectors

        start = time.perf_counter()
        self.answer = fund_selectors.balance(self.fund)
        return elapsed_ms(start)

    def check(self) -> str:
        return checked(self.fund, self.answer)


class FundBalanceApi(Case):
    """The same through the API, as a phone asks for it: GET /api/resources/funds/{pk} by the
    station head, through Django's test client (middleware, session, jurisdiction, JSON)."""

    name = "resources: GET /api/resources/funds/{pk}, 100,000 ledger entries"
    target_ms = TARGET_MS
    runs = RUNS
    warmups = WARMUPS

    def setup(self) -> None:
        from django.test import Client

        from shegong.accounts.models import User

        self.fund = LEDGER.ensure()
        self.client = Client()
        self.client.force_login(User.objects.get(username=STATION_HEAD))
        self.url = f"/api/resources/funds/{self.fund.pk}"
        self.answer = Decimal(0)

    def run(self) -> float:
        start = time.perf_counter()
        response = self.client.get(self.url)
        ms = elapsed_ms(start)
        if response.status_code != 200:
            raise AssertionError(f"GET {self.url} answered {response.status_code}")
        self.answer = Decimal(response.json()["balance"])
        return ms

    def check(self) -> str:
        return checked(self.fund, self.answer)


class FundPage(Case):
    """The fund's page on a phone: balance, totals and the newest 50 entries of the ledger
    (no issue target of its own; held to the station page's 50 ms)."""

    name = "resources: GET /resources/funds/{pk}/ (ledger page), 100,000 ledger entries"
    target_ms = PAGE_TARGET_MS
    runs = 50
    warmups = 5

    def setup(self) -> None:
        from django.test import Client

        from shegong.accounts.models import User

        self.fund = LEDGER.ensure()
        self.client = Client()
        self.client.force_login(User.objects.get(username=STATION_HEAD))
        self.url = f"/resources/funds/{self.fund.pk}/"
        self.body = ""

    def run(self) -> float:
        start = time.perf_counter()
        response = self.client.get(self.url)
        ms = elapsed_ms(start)
        if response.status_code != 200:
            raise AssertionError(f"GET {self.url} answered {response.status_code}")
        self.body = response.content.decode()
        return ms

    def check(self) -> str:
        from shegong.resources import fund_selectors

        balance = fund_selectors.balance(self.fund)
        shown = f'data-balance="{balance:.2f}"'
        assert shown in self.body, f"{shown} not on the page"
        assert f'data-entry="{ENTRIES}"' in self.body, "the newest entry is not on the page"
        return f"page shows the balance {balance:,.2f} and entries {ENTRIES:,}…{ENTRIES - 49:,}"


def resources_cases() -> list[Case]:
    return [FundBalance(), FundBalanceApi(), FundPage()]
