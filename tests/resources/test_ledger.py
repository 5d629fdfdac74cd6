"""Fund ledgers: the invariants under any sequence of operations (hypothesis), and the refusals.

After every operation, accepted or refused: the balance (the newest entry's running balance)
equals the sum of all entries; entries are numbered 1…n; no entry ever changed; a fund that may
not go below zero never did; every reversal mirrors the entry it reverses, once.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shegong.core.models import AuditEvent
from shegong.resources import fund_selectors, fund_services
from shegong.resources.models import FundEntry
from tests.resources.conftest import new_fund, receipt_file

pytestmark = pytest.mark.django_db

AMOUNTS = st.decimals(
    min_value=Decimal("-50.00"), max_value=Decimal("5000.00"), places=2, allow_nan=False
)
OPERATION = st.one_of(
    st.tuples(st.just("income"), AMOUNTS),
    st.tuples(st.just("expense"), AMOUNTS),
    st.tuples(st.just("reverse"), st.integers(min_value=0, max_value=40)),
)


def _snapshot(fund: Any) -> dict[int, tuple[Any, ...]]:
    return {
        row[0]: row
        for row in FundEntry.objects.filter(fund=fund).values_list(
            "pk", "seq", "direction", "amount", "balance_after", "occurred_on", "reverses_id"
        )
    }


def _apply(head: Any, fund: Any, op: tuple[str, Any]) -> bool:
    kind, arg = op
    try:
        if kind == "income":
            fund_services.record_income(actor=head, fund=fund, amount=arg, source="residents")
        elif kind == "expense":
            fund_services.record_expense(
                actor=head, fund=fund, amount=arg, purpose="购买慰问品", receipt_upload=None
            )
        else:
            entries = list(FundEntry.objects.filter(fund=fund).order_by("seq"))
            if not entries:
                return False
            fund_services.reverse_entry(
                actor=head, entry=entries[arg % len(entries)], reason="录入错误"
            )
    except ValidationError:
        return False
    return True


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=st.lists(OPERATION, min_size=1, max_size=25), negative=st.booleans())
def test_ledger_invariants_under_any_sequence(
    head: Any, station: Any, ops: list[tuple[str, Any]], negative: bool
) -> None:
    # receipt_required=False so that expenses need no file; the receipt rule is tested below.
    fund = new_fund(head, station, receipt_required=False, allow_negative=negative)
    before = _snapshot(fund)
    for op in ops:
        accepted = _apply(head, fund, op)
        after = _snapshot(fund)
        # Nothing that existed changed; at most one entry was added.
        assert {pk: after[pk] for pk in before} == before
        assert len(after) == len(before) + (1 if accepted else 0)
        check = fund_selectors.verify(fund)
        assert check.ok, check.problems
        total = sum((e[3] if e[2] == "income" else -e[3] for e in after.values()), start=Decimal(0))
        assert fund_selectors.balance(fund) == total == check.total
        if not negative:
            assert all(e[4] >= 0 for e in after.values())
        before = after
    # Each entry is reversed at most once, by its mirror image.
    reversals = FundEntry.objects.filter(fund=fund, reverses__isnull=False)
    assert reversals.count() == len({r.reverses_id for r in reversals})
    for r in reversals.select_related("reverses"):
        assert r.amount == r.reverses.amount and r.direction != r.reverses.direction


def test_zero_and_negative_amounts_are_refused_and_nothing_saved(head: Any, fund: Any) -> None:
    for amount in ("0", "0.00", "-5", "-0.01"):
        with pytest.raises(ValidationError) as e:
            fund_services.record_income(actor=head, fund=fund, amount=amount, source="residents")
        assert e.value.error_dict["amount"][0].code == "not_positive"
    with pytest.raises(ValidationError) as e:
        fund_services.record_income(actor=head, fund=fund, amount="1.005", source="residents")
    assert e.value.error_dict["amount"][0].code == "precision"
    with pytest.raises(ValidationError) as e:
        fund_services.record_income(actor=head, fund=fund, amount="abc", source="residents")
    assert "amount" in e.value.error_dict
    assert not FundEntry.objects.filter(fund=fund).exists()


def test_an_expense_beyond_the_balance_is_refused(head: Any, fund: Any) -> None:
    fund_services.record_income(actor=head, fund=fund, amount="100.00", source="lottery_outlet")
    audit_rows = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as e:
        fund_services.record_expense(
            actor=head, fund=fund, amount="100.01", purpose="慰问", receipt_upload=receipt_file()
        )
    assert e.value.error_dict["amount"][0].code == "insufficient"
    assert FundEntry.objects.filter(fund=fund).count() == 1
    assert AuditEvent.objects.count() == audit_rows
    assert fund_selectors.balance(fund) == Decimal("100.00")


def test_an_expense_without_receipt_is_refused_where_the_fund_requires_one(
    head: Any, fund: Any
) -> None:
    fund_services.record_income(actor=head, fund=fund, amount="500", source="enterprise")
    with pytest.raises(ValidationError) as e:
        fund_services.record_expense(actor=head, fund=fund, amount="50", purpose="买灯泡")
    assert e.value.error_dict["receipt"][0].code == "required"
    assert FundEntry.objects.filter(fund=fund).count() == 1
    entry = fund_services.record_expense(
        actor=head, fund=fund, amount="50", purpose="买灯泡", receipt_upload=receipt_file()
    )
    assert entry.receipt is not None
    assert entry.receipt.owner_type == "resources.fund" and entry.receipt.owner_id == fund.pk
    assert entry.balance_after == Decimal("450.00")


def test_a_receipt_that_is_not_a_photo_or_pdf_is_refused(head: Any, fund: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    fund_services.record_income(actor=head, fund=fund, amount="500", source="enterprise")
    bad = SimpleUploadedFile("r.jpg", b"not an image", content_type="image/jpeg")
    with pytest.raises(ValidationError) as e:
        fund_services.record_expense(
            actor=head, fund=fund, amount="50", purpose="买灯泡", receipt_upload=bad
        )
    assert "receipt" in e.value.error_dict
    assert FundEntry.objects.filter(fund=fund).count() == 1


def test_a_receipt_serves_one_entry_only(head: Any, fund: Any) -> None:
    fund_services.record_income(actor=head, fund=fund, amount="500", source="enterprise")
    receipt = fund_services.upload_receipt(actor=head, fund=fund, upload=receipt_file())
    fund_services.record_expense(actor=head, fund=fund, amount="10", purpose="一", receipt=receipt)
    with pytest.raises(ValidationError) as e:
        fund_services.record_expense(
            actor=head, fund=fund, amount="10", purpose="二", receipt=receipt
        )
    assert "receipt" in e.value.error_dict


def test_reversals(head: Any, fund: Any) -> None:
    income = fund_services.record_income(actor=head, fund=fund, amount="300", source="residents")
    reversal = fund_services.reverse_entry(actor=head, entry=income, reason="金额录错")
    assert reversal.direction == "expense" and reversal.amount == Decimal("300.00")
    assert reversal.reverses_id == income.pk and reversal.seq == 2
    assert fund_selectors.balance(fund) == 0
    with pytest.raises(ValidationError) as e:
        fund_services.reverse_entry(actor=head, entry=income, reason="again")
    assert e.value.error_dict["entry"][0].code == "already_reversed"
    with pytest.raises(ValidationError) as e:
        fund_services.reverse_entry(actor=head, entry=reversal, reason="undo")
    assert e.value.error_dict["entry"][0].code == "is_reversal"
    with pytest.raises(ValidationError) as e:
        fund_services.reverse_entry(actor=head, entry=income, reason="")
    assert "reason" in e.value.error_dict
    income.refresh_from_db()
    assert income.amount == Decimal("300.00")  # the original stays as it was


def test_reversing_income_already_spent_is_refused_where_the_fund_may_not_go_below_zero(
    head: Any, station: Any
) -> None:
    fund = new_fund(head, station, receipt_required=False)
    income = fund_services.record_income(actor=head, fund=fund, amount="100", source="residents")
    fund_services.record_expense(actor=head, fund=fund, amount="80", purpose="慰问")
    with pytest.raises(ValidationError) as e:
        fund_services.reverse_entry(actor=head, entry=income, reason="退回")
    assert e.value.error_dict["entry"][0].code == "insufficient"
    assert fund_selectors.balance(fund) == Decimal("20.00")


def test_entries_cannot_be_changed_or_deleted_through_the_orm(head: Any, fund: Any) -> None:
    entry = fund_services.record_income(actor=head, fund=fund, amount="10", source="residents")
    entry.amount = Decimal("1000")
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        FundEntry.objects.filter(pk=entry.pk).update(amount=Decimal("1000"))
    with pytest.raises(PermissionError):
        FundEntry.objects.filter(pk=entry.pk).delete()
    assert FundEntry.objects.get(pk=entry.pk).amount == Decimal("10.00")


def test_the_database_refuses_update_and_delete_of_entries(head: Any, fund: Any) -> None:
    entry = fund_services.record_income(actor=head, fund=fund, amount="10", source="residents")
    for sql in (
        "UPDATE resources_fundentry SET amount = 1000 WHERE id = %s",
        "DELETE FROM resources_fundentry WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [entry.pk])
    assert FundEntry.objects.get(pk=entry.pk).amount == Decimal("10.00")


def test_who_may_do_what(persona: Any, head: Any, fund: Any, station: Any) -> None:
    worker = persona("worker")
    # A worker records income; only the station head spends or corrects.
    income = fund_services.record_income(actor=worker, fund=fund, amount="50", source="residents")
    with pytest.raises(ValidationError) as e:
        fund_services.record_expense(
            actor=worker, fund=fund, amount="5", purpose="x", receipt_upload=receipt_file()
        )
    assert e.value.code == "forbidden"
    with pytest.raises(ValidationError):
        fund_services.reverse_entry(actor=worker, entry=income, reason="x")
    with pytest.raises(ValidationError):
        fund_services.open_fund(actor=worker, station=station, name="工人基金", kind="community")
    for name in ("neighbour_worker", "district_admin", "auditor"):
        with pytest.raises(ValidationError):
            fund_services.record_income(
                actor=persona(name), fund=fund, amount="5", source="residents"
            )
    assert FundEntry.objects.filter(fund=fund).count() == 1


def test_dates_and_sources(head: Any, fund: Any) -> None:
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as e:
        fund_services.record_income(
            actor=head, fund=fund, amount="5", source="residents", occurred_on=tomorrow
        )
    assert e.value.error_dict["occurred_on"][0].code == "future"
    with pytest.raises(ValidationError) as e:
        fund_services.record_income(actor=head, fund=fund, amount="5", source="bank robbery")
    assert "source" in e.value.error_dict
    assert not FundEntry.objects.filter(fund=fund).exists()


def test_a_fund_of_a_community_the_station_serves(head: Any, station: Any) -> None:
    from shegong.regions.models import Level, Region

    inside = Region.objects.filter(
        level=Level.VILLAGE, code__gte=station.region_id, code__lt=station.region_id + 1000
    ).first()
    assert inside is not None
    fund = new_fund(head, station, community=inside)
    assert fund.region_code == inside.code
    elsewhere = Region.objects.filter(  # a community of 集贤里, the neighbouring township
        level=Level.VILLAGE, code__gte=120113002000, code__lt=120113003000
    ).first()
    assert elsewhere is not None
    with pytest.raises(ValidationError) as e:
        new_fund(head, station, community=elsewhere)
    assert e.value.code == "forbidden"  # outside the station head's places
