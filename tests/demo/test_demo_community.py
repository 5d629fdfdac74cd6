"""The demo's community work (demo.community, demo.volunteers, demo.resident_requests) and
resources (demo.resources), built on the test world inside each test's transaction: activities
with attendance, groups, volunteers with hours and pairings, residents' requests, donations,
stock, allocations, service lists and the community fund, made through the services by the
demo staff."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from typing import Any

import pytest
from django.db import transaction
from django.db.models import Count, Sum
from django.urls import reverse
from django.utils import timezone

from shegong.community import activity_selectors, request_selectors
from shegong.community.models import (
    Activity,
    Attendance,
    Group,
    GroupMember,
    GroupPhaseChange,
    GroupSession,
    Pairing,
    PairingContact,
    Recognition,
    ResidentRequest,
    Volunteer,
    VolunteerHours,
    VolunteerTeam,
)
from shegong.core.models import Attachment, AuditEvent
from shegong.demo.builder import GUOYUAN, JIXIANLI
from shegong.demo.community import build_community, festivals
from shegong.demo.resources import build_resources
from shegong.demo.volunteers import STAR_NAME, VOLUNTEER_LOGIN
from shegong.regions.models import Station
from shegong.resources import fund_selectors
from shegong.resources.models import (
    Allocation,
    AllocationLine,
    Donation,
    DonationLine,
    Donor,
    Fund,
    FundEntry,
    ServiceOffering,
    StockItem,
)

pytestmark = pytest.mark.django_db

DEMO_STAFF = {"demo_worker", "demo_worker2", "demo_station_head", "demo_district_admin"}


def today() -> dt.date:
    return timezone.localdate()


def build(seed: int = 2028, *, with_fund: bool = True) -> list[str]:
    said: list[str] = []
    build_community(rng=random.Random(seed), today=today(), say=said.append)
    build_resources(
        rng=random.Random(seed + 1), today=today(), with_fund=with_fund, say=said.append
    )
    return said


def stations() -> list[Station]:
    return [Station.objects.get(region_id=c, kind="township") for c in (GUOYUAN, JIXIANLI)]


def test_activities_count_persons_and_person_times(persona: Any) -> None:
    last_event = AuditEvent.objects.latest("pk").pk
    said = build()
    assert said[0].startswith("demo:") and "activities" in said[0]
    demo = Activity.objects.filter(station__in=stations())
    assert 15 <= demo.count() <= 19
    assert set(demo.values_list("domain", flat=True)) == {
        "social_assistance",
        "elderly_care",
        "child_welfare",
        "community_governance",
        "social_affairs",
    }
    kinds = set(demo.values_list("kind", flat=True))
    assert {"free_clinic", "lecture", "holiday_visit", "volunteer_service", "training"} <= kinds
    held = demo.filter(held_on__lte=today())
    assert held.filter(held_on__lt=today() - dt.timedelta(days=182)).count() == 0
    # One planned ahead, with nobody checked in yet.
    ahead = demo.get(held_on__gt=today())
    assert ahead.named_count == ahead.others_count == 0
    assert not Attendance.objects.filter(activity=ahead).exists()
    # Registered persons checked in: the kept count matches the rows; person-times add the
    # headcount; the station's counts over the half year are the sum of its activities.
    for a in held:
        assert a.named_count == Attendance.objects.filter(activity=a).count() > 0
        assert a.person_times == a.named_count + a.others_count
    guoyuan = stations()[0]
    start = today() - dt.timedelta(days=182)
    counts = activity_selectors.service_counts(
        persona("station_head"), start=start, end=today(), station=guoyuan
    )
    at_guoyuan = held.filter(station=guoyuan)
    sessions = GroupSession.objects.filter(station=guoyuan, held_on__gte=start)
    assert counts.activities == at_guoyuan.count()
    assert counts.person_times == sum(a.person_times for a in at_guoyuan) + sum(
        s.person_times for s in sessions
    )
    assert counts.persons_served < counts.person_times  # some came more than once
    # Partners, the sewing team's volunteers, photos.
    assert demo.filter(partners__name="天津辰光律师事务所").exists()
    assert demo.filter(partners__name="果园新村街道社区卫生服务中心").count() == 2
    photos = Attachment.objects.filter(owner_type="community.activity", owner_id__in=demo)
    assert photos.count() == 4 and {p.kind for p in photos} == {"photo"}
    # Holiday visits before the last festivals of the half year.
    visits = demo.filter(kind="holiday_visit")
    recent = festivals(today() - dt.timedelta(days=175), today() + dt.timedelta(days=1))[-2:]
    assert visits.count() == len(recent)
    # The audit log names the demo staff.
    rows = AuditEvent.objects.filter(pk__gt=last_event, action__startswith="activity.")
    assert rows.exists() and set(rows.values_list("user__username", flat=True)) <= DEMO_STAFF


def test_groups_in_different_phases(persona: Any) -> None:
    build()
    groups = {g.name: g for g in Group.objects.filter(station__in=stations())}
    assert len(groups) == 2
    mutual = groups["低龄助高龄跨社区互助小组"]
    assert mutual.phase == "transition"
    assert mutual.places.count() == 3  # 朝阳里, 旭日里, 新华里
    assert mutual.sessions.count() == 5
    tea = groups["独居老人“暖心茶话”支持小组"]
    assert tea.phase == "ended" and tea.evaluation_summary
    phases = list(GroupPhaseChange.objects.filter(group=tea).values_list("to_phase", flat=True))
    assert phases == ["formation", "transition", "maturity", "ended"]
    assert tea.sessions.count() == 6
    for s in GroupSession.objects.filter(group__in=groups.values()):
        assert s.named_count == Attendance.objects.filter(session=s).count()
    members = GroupMember.objects.filter(group=tea)
    assert members.exclude(score_before=None).count() == members.count()
    stayed = members.filter(left_on=None)
    left = members.exclude(left_on=None)
    assert left.count() == 1 and left.get().score_after is None
    # Lower is better on the loneliness scale: everyone who stayed scored lower after.
    assert all(m.score_after < m.score_before for m in stayed)
    # Nobody attended after leaving.
    leaver = left.get()
    assert not Attendance.objects.filter(
        session__group=tea, person=leaver.person, on__gt=leaver.left_on
    ).exists()


def test_volunteers_hours_pairings_and_the_volunteer_login(client: Any) -> None:
    build()
    volunteers = Volunteer.objects.filter(station__in=stations())
    assert volunteers.count() == 25
    teams = Counter(VolunteerTeam.objects.filter(members__in=volunteers).values_list("name"))
    assert {name for (name,) in teams} == {"针锋裁缝", "爱心扫把", "邻里串门"}
    assert volunteers.exclude(person=None).count() >= 5
    assert volunteers.filter(active=False).count() == 1
    hours = VolunteerHours.objects.filter(volunteer__in=volunteers)
    assert {"activity", "manual", "pairing"} <= set(hours.values_list("source", flat=True))
    assert hours.filter(self_reported=True).exists()
    assert not hours.filter(served_on__gt=today()).exists()
    per_day = hours.values("volunteer", "served_on").annotate(s=Sum("hours"))
    assert max(r["s"] for r in per_day) <= 24
    # The star: the leader of 针锋裁缝, over 100 hours, with the login and a pairing.
    star = volunteers.get(name=STAR_NAME)
    assert sum(h.hours for h in star.hours.all()) >= 100
    assert Recognition.objects.get(volunteer=star).stars == 1
    assert Recognition.objects.filter(volunteer__in=volunteers, kind="other").count() == 1
    pairings = Pairing.objects.filter(volunteer__in=volunteers)
    assert sorted(pairings.values_list("kind", flat=True)) == ["one_to_one", "peer"]
    contacts = PairingContact.objects.filter(pairing__in=pairings)
    assert contacts.count() >= 8
    assert contacts.filter(recorded_by=star.user).exists()
    assert star.user is not None and star.user.username == VOLUNTEER_LOGIN.username
    client.force_login(star.user)
    page = client.get(reverse("community:my_hours"))
    assert page.status_code == 200
    html = page.content.decode()
    assert STAR_NAME in html and "针锋裁缝" in html
    assert pairings.get(volunteer=star).person.name in html
    # Nothing else: the activity list is not for a volunteer.
    assert client.get(reverse("community:activity_list")).status_code == 404


def test_residents_requests_in_every_status(persona: Any) -> None:
    build()
    requests = ResidentRequest.objects.filter(station__in=stations())
    assert requests.count() == 13
    statuses = Counter(requests.values_list("status", flat=True))
    assert set(statuses) == {"new", "assigned", "in_progress", "resolved", "closed"}
    overdue = request_selectors.overdue(requests, today())
    assert overdue.count() == 2
    assert {r.status for r in overdue} <= {"assigned", "in_progress"}
    head_overdue = request_selectors.overdue_overseen(persona("station_head"))
    assert set(head_overdue.filter(pk__in=requests)) == set(overdue)
    assert requests.filter(channel="public_map", priority=None, status="new").count() == 1
    assert requests.filter(title__contains="灯泡", status="resolved").exists()
    assert requests.filter(title__contains="电动自行车", satisfaction=4).exists()
    for r in requests.exclude(assigned_to=None):
        assert r.assigned_to.stations()[0] == r.station
        assert r.priority is not None
    for r in requests.filter(status="resolved"):
        assert r.satisfaction and r.resolution and r.resolved_on <= today()
    assert requests.exclude(person=None).count() >= 4


def test_donations_stock_allocations_and_service_lists(persona: Any) -> None:
    build()
    here = stations()
    donors = Donor.objects.filter(station__in=here)
    assert set(donors.values_list("kind", flat=True)) == {
        "enterprise",
        "organization",
        "individual",
    }
    donations = Donation.objects.filter(station__in=here)
    assert set(donations.values_list("kind", flat=True)) == {"money", "goods", "service"}
    # Stock never negative and always the donated less the given.
    items = StockItem.objects.filter(station__in=here)
    assert items.count() >= 8
    for item in items:
        donated = DonationLine.objects.filter(item=item).aggregate(s=Sum("quantity"))["s"] or 0
        given = AllocationLine.objects.filter(item=item).aggregate(s=Sum("quantity"))["s"] or 0
        assert item.quantity >= 0 and item.quantity == donated - given
    allocations = Allocation.objects.filter(station__in=here)
    assert allocations.exclude(activity=None).count() == 1
    assert {"goods", "service", "money"} == set(allocations.values_list("kind", flat=True))
    children = allocations.filter(
        person__isnull=False, lines__item__category__in=["school_supplies", "books", "clothes"]
    ).filter(person__birth_date__gt=today() - dt.timedelta(days=18 * 365 + 120))
    assert children.distinct().count() >= 10  # person-times of children given things
    per_person = Counter(allocations.exclude(person=None).values_list("person_id", flat=True))
    assert max(per_person.values()) >= 3
    services = ServiceOffering.objects.filter(station__in=here)
    assert services.filter(station=here[0]).count() >= 8
    assert services.filter(station=here[1]).count() >= 5
    assert services.filter(active=False).count() == 1
    assert len(set(services.values_list("domain", flat=True))) == 5


def test_the_community_fund_balances(persona: Any) -> None:
    build()
    fund = Fund.objects.get(station=stations()[0])
    entries = FundEntry.objects.filter(fund=fund)
    check = fund_selectors.verify(fund)
    assert check.ok, check.problems
    income = entries.filter(direction="income").aggregate(s=Sum("amount"))["s"]
    expense = entries.filter(direction="expense").aggregate(s=Sum("amount"))["s"]
    assert fund_selectors.balance(fund) == income - expense > 0
    sources = set(entries.exclude(source="").values_list("source", flat=True))
    assert {"lottery_outlet", "enterprise", "residents"} <= sources
    assert entries.exclude(donation=None).count() == 2
    assert entries.exclude(reverses=None).count() == 1
    # Every expense that is not a reversal has its receipt; the ledger reads in date order.
    spent = entries.filter(direction="expense", reverses=None)
    assert spent.count() >= 4 and not spent.filter(receipt=None).exists()
    days = list(entries.order_by("seq").values_list("occurred_on", flat=True))
    assert days == sorted(days)
    assert Allocation.objects.filter(fund_entry__fund=fund, kind="money").count() == 1
    recorders = set(entries.values_list("recorded_by__username", flat=True))
    assert recorders == {"demo_worker", "demo_station_head"}


def test_without_the_fund_nothing_enters_a_ledger() -> None:
    entries = FundEntry.objects.count()
    build(with_fund=False)
    assert not Fund.objects.filter(station__in=stations()).exists()
    assert FundEntry.objects.count() == entries
    money = Donation.objects.filter(station__in=stations(), kind="money")
    assert money.count() == 3
    assert not Allocation.objects.filter(station__in=stations(), kind="money").exists()


def test_the_same_seed_builds_the_same_records() -> None:
    def signature() -> list[Any]:
        with transaction.atomic():
            build(seed=9)
            out: list[Any] = [
                list(
                    Activity.objects.filter(station__in=stations())
                    .order_by("pk")
                    .values_list("title", "held_on", "others_count", "named_count")
                ),
                list(
                    Attendance.objects.filter(station__in=stations())
                    .order_by("pk")
                    .values_list("person_id", "on")
                ),
                list(
                    VolunteerHours.objects.filter(station__in=stations())
                    .order_by("pk")
                    .values_list("volunteer__name", "served_on", "hours")
                ),
                list(
                    ResidentRequest.objects.filter(station__in=stations())
                    .order_by("pk")
                    .values_list("person_id", "status", "deadline")
                ),
                list(
                    Allocation.objects.filter(station__in=stations())
                    .order_by("pk")
                    .values_list("person_id", "allocated_on", "value")
                ),
                list(
                    FundEntry.objects.filter(fund__station__in=stations())
                    .order_by("pk")
                    .values_list("seq", "amount", "balance_after", "occurred_on")
                ),
                list(
                    StockItem.objects.filter(station__in=stations())
                    .order_by("pk")
                    .annotate(n=Count("allocation_lines"))
                    .values_list("name", "quantity", "n")
                ),
            ]
            transaction.set_rollback(True)
        return out

    first = signature()
    assert first == signature()
    assert all(first)
    assert all(quantity >= 0 for _name, quantity, _n in first[-1])
