"""Stock: donations of goods add to it, allocations take from it; it never goes negative, and
allocating more than is in stock is refused with nothing saved (hypothesis for sequences)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shegong.core.models import AuditEvent
from shegong.resources import services
from shegong.resources.models import Allocation, AllocationLine, DonationLine, StockItem
from tests.resources.conftest import stock_up

pytestmark = pytest.mark.django_db


def _sums(item: StockItem) -> Decimal:
    given_in = DonationLine.objects.filter(item=item).aggregate(s=Sum("quantity"))["s"] or 0
    given_out = AllocationLine.objects.filter(item=item).aggregate(s=Sum("quantity"))["s"] or 0
    return Decimal(given_in) - Decimal(given_out)


def test_a_donation_of_goods_goes_into_stock(worker: Any, station: Any) -> None:
    donation = services.record_donation(
        actor=worker,
        station=station,
        kind="goods",
        value="800",
        lines=[
            services.GoodsIn(name="冬衣", unit="件", quantity="20", category="clothes"),
            services.GoodsIn(name="书包", unit="个", quantity="12", category="school_supplies"),
            services.GoodsIn(name="冬衣", unit="件", quantity="5", category="clothes"),
        ],
    )
    coats = StockItem.objects.get(station=station, name="冬衣", unit="件")
    bags = StockItem.objects.get(station=station, name="书包", unit="个")
    assert coats.quantity == Decimal("25") and bags.quantity == Decimal("12")
    assert donation.lines.count() == 3
    assert bags.region_code == station.region_id


def test_over_allocation_is_refused_and_nothing_is_saved(
    worker: Any, station: Any, person: Any
) -> None:
    coats = stock_up(worker, station, "羽绒服", "3")
    books = stock_up(worker, station, "课外书", "10", unit="本")
    before = (
        Allocation.objects.count(),
        AllocationLine.objects.count(),
        AuditEvent.objects.count(),
    )
    with pytest.raises(ValidationError) as e:
        services.allocate(
            actor=worker,
            station=station,
            kind="goods",
            person=person,
            lines=[services.ItemOut(books, "2"), services.ItemOut(coats, "4")],
        )
    error = e.value.error_dict["lines"][0]
    assert error.code == "insufficient"
    assert "羽绒服" in " ".join(e.value.messages)
    after = (Allocation.objects.count(), AllocationLine.objects.count(), AuditEvent.objects.count())
    assert after == before
    coats.refresh_from_db()
    books.refresh_from_db()
    assert coats.quantity == 3 and books.quantity == 10


def test_two_lines_of_one_item_count_together(worker: Any, station: Any, person: Any) -> None:
    coats = stock_up(worker, station, "棉鞋", "3", unit="双")
    with pytest.raises(ValidationError) as e:
        services.allocate(
            actor=worker,
            station=station,
            kind="goods",
            person=person,
            lines=[services.ItemOut(coats, "2"), services.ItemOut(coats, "2")],
        )
    assert e.value.error_dict["lines"][0].code == "insufficient"
    services.allocate(
        actor=worker,
        station=station,
        kind="goods",
        person=person,
        lines=[services.ItemOut(coats, "1"), services.ItemOut(coats, "2")],
    )
    coats.refresh_from_db()
    assert coats.quantity == 0


@pytest.mark.parametrize("quantity", ["0", "-1", "-0.5", "abc", "1.234"])
def test_bad_quantities_are_refused(worker: Any, station: Any, person: Any, quantity: str) -> None:
    item = stock_up(worker, station, "大米", "10", unit="kg")
    with pytest.raises(ValidationError) as e:
        services.allocate(
            actor=worker,
            station=station,
            kind="goods",
            person=person,
            lines=[services.ItemOut(item, quantity)],
        )
    assert "lines" in e.value.error_dict
    with pytest.raises(ValidationError) as e:
        services.record_donation(
            actor=worker,
            station=station,
            kind="goods",
            value="0",
            lines=[services.GoodsIn(name="大米", unit="kg", quantity=quantity)],
        )
    assert "lines" in e.value.error_dict
    item.refresh_from_db()
    assert item.quantity == 10 and not Allocation.objects.filter(person=person).exists()


def test_an_item_of_another_station_is_refused(
    worker: Any, persona: Any, station: Any, neighbour_station: Any, person: Any
) -> None:
    theirs = stock_up(persona("neighbour_worker"), neighbour_station, "毛毯", "5", unit="条")
    with pytest.raises(ValidationError) as e:
        services.allocate(
            actor=worker,
            station=station,
            kind="goods",
            person=person,
            lines=[services.ItemOut(theirs, "1")],
        )
    assert "lines" in e.value.error_dict
    theirs.refresh_from_db()
    assert theirs.quantity == 5


def test_a_neighbour_may_not_give_from_our_stock_or_to_our_people(
    persona: Any, worker: Any, station: Any, neighbour_station: Any, person: Any
) -> None:
    ours = stock_up(worker, station, "围巾", "5", unit="条")
    neighbour = persona("neighbour_worker")
    with pytest.raises(ValidationError) as e:
        services.allocate(
            actor=neighbour,
            station=station,
            kind="goods",
            person=person,
            lines=[services.ItemOut(ours, "1")],
        )
    assert e.value.code == "forbidden"
    with pytest.raises(ValidationError) as e:
        services.allocate(
            actor=neighbour,
            station=neighbour_station,
            kind="service",
            person=person,
            description="理发",
        )
    assert e.value.code == "forbidden"
    with pytest.raises(ValidationError):
        services.record_donation(
            actor=persona("district_admin"), station=station, kind="service", value="0",
            description="义诊",
        )  # fmt: skip


def test_one_recipient_exactly(worker: Any, station: Any, people: list[Any]) -> None:
    for kwargs in ({}, {"person": people[0], "household": people[1].household}):
        if "household" in kwargs and kwargs["household"] is None:
            continue
        with pytest.raises(ValidationError) as e:
            services.allocate(
                actor=worker, station=station, kind="service", description="理发", **kwargs
            )
        assert "recipient" in e.value.error_dict


def test_the_last_of_a_fractional_stock_can_be_given(
    worker: Any, station: Any, person: Any
) -> None:
    """0.3 − 0.1 − 0.2 is exactly 0 in Decimal but below 0 in floating point (SQLite's
    arithmetic for `F("quantity") - x`): the stock is computed in Python, never refused or
    left negative."""
    item = stock_up(worker, station, "毛线", "0.3", unit="千克")
    for qty in ("0.1", "0.2"):
        services.allocate(
            actor=worker,
            station=station,
            kind="goods",
            person=person,
            lines=[services.ItemOut(StockItem.objects.get(pk=item.pk), qty)],
        )
    item.refresh_from_db()
    assert item.quantity == Decimal("0")


OPS = st.lists(
    st.tuples(
        st.sampled_from(["donate", "allocate"]),
        st.sampled_from(["A", "B"]),
        st.decimals(min_value=Decimal("-3"), max_value=Decimal("20"), places=1),
    ),
    min_size=1,
    max_size=20,
)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=OPS, tag=st.integers(min_value=0, max_value=10**9))
def test_stock_invariants_under_any_sequence(
    worker: Any, station: Any, person: Any, ops: list[tuple[str, str, Decimal]], tag: int
) -> None:
    names = {"A": f"物资A{tag}", "B": f"物资B{tag}"}
    for op, which, qty in ops:
        item = StockItem.objects.filter(station=station, name=names[which]).first()
        before = item.quantity if item else Decimal(0)
        try:
            if op == "donate":
                services.record_donation(
                    actor=worker,
                    station=station,
                    kind="goods",
                    value="0",
                    lines=[services.GoodsIn(name=names[which], unit="件", quantity=qty)],
                )
            elif item is not None:
                services.allocate(
                    actor=worker,
                    station=station,
                    kind="goods",
                    person=person,
                    lines=[services.ItemOut(item, qty)],
                )
            else:
                continue
            ok = True
        except ValidationError:
            ok = False
        item = StockItem.objects.filter(station=station, name=names[which]).first()
        after = item.quantity if item else Decimal(0)
        if not ok:
            assert after == before  # refused: nothing moved
        else:
            assert after == before + (qty if op == "donate" else -qty)
        assert after >= 0
        if op == "allocate" and qty > before:
            assert not ok
        if item is not None:
            assert item.quantity == _sums(item)


def test_goods_for_an_activity(worker: Any, station: Any, neighbour_station: Any) -> None:
    from django.utils import timezone

    from shegong.community.models import Activity

    activity = Activity.objects.create(
        title="重阳节慰问",
        domain="elderly_care",
        kind="holiday_visit",
        held_on=timezone.localdate(),
        place="社区活动室",
        station=station,
        region_code=station.region_id,
    )
    cakes = stock_up(worker, station, "月饼", "40", unit="盒")
    allocation = services.allocate(
        actor=worker,
        station=station,
        kind="goods",
        activity=activity,
        lines=[services.ItemOut(cakes, "30")],
    )
    assert allocation.recipient_kind == "activity"
    assert allocation.region_code == station.region_id
    cakes.refresh_from_db()
    assert cakes.quantity == 10
    with pytest.raises(ValidationError) as e:  # an activity of another station
        services.allocate(
            actor=worker,
            station=neighbour_station,
            kind="service",
            activity=activity,
            description="x",
        )
    assert e.value.code == "forbidden" or "recipient" in e.value.error_dict
