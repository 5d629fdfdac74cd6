"""Volunteers: registration, the 24-hours-a-day cap on hours, hours from activities and visits,
pairings with contacts, recognitions, and the volunteer's own login with its limits."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import Http404
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shegong.accounts.roles import Role
from shegong.community import hours_services as hours_svc
from shegong.community import pairing_services as pairs
from shegong.community import volunteer_selectors as sel
from shegong.community import volunteer_services as svc
from shegong.community.volunteer_models import (
    Pairing,
    PairingContact,
    Recognition,
    Volunteer,
    VolunteerHours,
)
from shegong.core.idnumber import make
from shegong.core.models import AuditEvent
from shegong.people import services as people
from shegong.people.models import Person
from shegong.regions.models import Region, Station

pytestmark = pytest.mark.django_db

GUOYUAN = 120113001000  # 果园新村街道: the worker's and the station head's station
CHAOYANG = 120113001009  # 朝阳里社区, 果园新村街道
JIXIANLI = 120113002000  # 集贤里街道: the neighbour worker's station
PASSWORD = "Lantern-Harbor-2026"
_seq = itertools.count(1)


def today() -> dt.date:
    return timezone.localdate()


def station(code: int = GUOYUAN) -> Station:
    return Station.objects.get(region_id=code, kind="township")


def resident(actor: Any, region: int = CHAOYANG) -> Person:
    seq = next(_seq)
    return people.register_person(
        actor=actor,
        name=f"结对{seq}",
        id_number=make(str(region)[:6], dt.date(1948, 2, 1) + dt.timedelta(days=seq), 411, "M"),
        region=Region.objects.get(code=region),
    )


def volunteer(actor: Any, name: str = "志愿者甲", code: int = GUOYUAN, **extra: Any) -> Volunteer:
    return svc.register_volunteer(actor=actor, name=name, station=station(code), **extra)


def volunteer_login(persona: Any, vol: Volunteer, username: str = "vol_login") -> Any:
    return svc.create_login(
        actor=persona("station_head"), volunteer=vol, username=username, password=PASSWORD
    )


# --- registration ----------------------------------------------------------------------------
def test_registration_keeps_the_phone_encrypted_and_masked(persona: Any) -> None:
    worker = persona("worker")
    team = svc.create_team(actor=worker, station=station(), name="针锋裁缝", description="缝补")
    vol = volunteer(
        worker,
        phone="139-0000-1234",
        community=Region.objects.get(code=CHAOYANG),
        teams=[team],
        skills=["缝纫", "缝纫", " 理发 "],
        available_days=[6, 7],
    )
    vol.refresh_from_db()
    assert vol.phone == "13900001234"
    assert vol.phone_masked == "139****1234"
    assert vol.region_code == CHAOYANG
    assert vol.skill_list == ["缝纫", "理发"] and vol.day_list == [6, 7]
    assert list(vol.teams.all()) == [team]
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM community_volunteer WHERE id = %s", [vol.pk])
        raw = cursor.fetchone()[0]
    assert raw.startswith("v1:") and "13900001234" not in raw  # stored as a token
    assert AuditEvent.objects.filter(action="volunteer.register", object_id=str(vol.pk)).exists()


def test_registration_refuses_bad_input_and_saves_nothing(persona: Any) -> None:
    worker = persona("worker")
    other_team = svc.create_team(
        actor=persona("neighbour_worker"), station=station(JIXIANLI), name="爱心扫把"
    )
    before = Volunteer.objects.count()
    with pytest.raises(ValidationError) as e:
        volunteer(
            worker,
            name=" ",
            phone="12",
            community=Region.objects.get(code=120113002001),  # a community of 集贤里
            teams=[other_team],
            available_days=[9],
            registered_on=today() + dt.timedelta(days=1),
        )
    assert set(e.value.message_dict) >= {
        "name",
        "phone",
        "community",
        "teams",
        "available_days",
        "registered_on",
    }
    assert Volunteer.objects.count() == before


def test_a_worker_cannot_register_volunteers_of_the_next_station(persona: Any) -> None:
    with pytest.raises(ValidationError) as e:
        volunteer(persona("worker"), code=JIXIANLI)
    assert "station" in e.value.message_dict


def test_a_person_is_registered_as_a_volunteer_once(persona: Any) -> None:
    worker = persona("worker")
    person = resident(worker)
    volunteer(worker, person=person)
    with pytest.raises(ValidationError) as e:
        volunteer(worker, name="又一次", person=person)
    assert "person" in e.value.message_dict


def test_team_names_are_unique_per_station(persona: Any) -> None:
    worker = persona("worker")
    svc.create_team(actor=worker, station=station(), name="爱心扫把")
    with pytest.raises(ValidationError) as e:
        svc.create_team(actor=worker, station=station(), name=" 爱心扫把 ")
    assert "name" in e.value.message_dict


# --- hours -----------------------------------------------------------------------------------
def test_thirty_hours_in_one_day_are_refused_and_nothing_is_saved(persona: Any) -> None:
    worker = persona("worker")
    vol = volunteer(worker)
    with pytest.raises(ValidationError) as e:
        hours_svc.log_hours(actor=worker, volunteer=vol, hours=30, served_on=today())
    assert "hours" in e.value.message_dict
    assert not VolunteerHours.objects.filter(volunteer=vol).exists()


def test_the_cap_is_24_hours_a_day_across_entries(persona: Any) -> None:
    worker = persona("worker")
    vol = volunteer(worker)
    day = today() - dt.timedelta(days=1)
    hours_svc.log_hours(actor=worker, volunteer=vol, hours=Decimal("20"), served_on=day)
    with pytest.raises(ValidationError) as e:
        hours_svc.log_hours(actor=worker, volunteer=vol, hours="4.5", served_on=day)
    assert "hours" in e.value.message_dict
    hours_svc.log_hours(actor=worker, volunteer=vol, hours="4", served_on=day)  # exactly 24
    hours_svc.log_hours(actor=worker, volunteer=vol, hours="8", served_on=today())  # another day
    assert hours_svc.hours_on(vol, day) == Decimal(24)
    assert VolunteerHours.objects.filter(volunteer=vol).count() == 3


@pytest.mark.parametrize("bad", ["-2", "0", "abc", "NaN", "24.01"])
def test_negative_zero_and_nonsense_hours_are_refused(persona: Any, bad: str) -> None:
    worker = persona("worker")
    vol = volunteer(worker)
    with pytest.raises(ValidationError) as e:
        hours_svc.log_hours(actor=worker, volunteer=vol, hours=bad, served_on=today())
    assert "hours" in e.value.message_dict
    assert not VolunteerHours.objects.filter(volunteer=vol).exists()


def test_hours_cannot_be_logged_for_a_future_day(persona: Any) -> None:
    worker = persona("worker")
    vol = volunteer(worker)
    with pytest.raises(ValidationError) as e:
        hours_svc.log_hours(
            actor=worker, volunteer=vol, hours=2, served_on=today() + dt.timedelta(1)
        )
    assert "served_on" in e.value.message_dict


def test_hours_from_a_visit_take_its_date_and_count_once(persona: Any) -> None:
    from shegong.fieldwork.services import record_visit

    worker = persona("worker")
    vol = volunteer(worker)
    visit = record_visit(
        actor=worker,
        person=resident(worker),
        kind="home_visit",
        visited_on=today() - dt.timedelta(days=3),
        volunteers_text=vol.name,
    )
    entry = hours_svc.log_hours(actor=worker, volunteer=vol, hours=2, visit=visit)
    assert (entry.source, entry.served_on) == ("visit", visit.visited_on)
    with pytest.raises(ValidationError) as e:
        hours_svc.log_hours(actor=worker, volunteer=vol, hours=1, visit=visit)
    assert "visit" in e.value.message_dict


def test_hours_from_an_activity_take_its_date(persona: Any) -> None:
    from shegong.community.activity_models import Activity

    worker = persona("worker")
    vol = volunteer(worker)
    st = station()
    activity = Activity.objects.create(
        title="重阳节敬老活动",
        domain="elderly_care",
        kind="holiday_visit",
        held_on=today() - dt.timedelta(days=2),
        place="朝阳里社区活动室",
        station=st,
        region_code=st.region_id,
    )
    entry = hours_svc.log_hours(actor=worker, volunteer=vol, hours="3.5", activity=activity)
    assert (entry.source, entry.served_on, entry.hours) == (
        "activity",
        activity.held_on,
        Decimal("3.50"),
    )
    assert list(sel.activity_choices(worker, vol)) == [activity]


def test_the_next_station_cannot_log_hours_for_our_volunteer(persona: Any) -> None:
    vol = volunteer(persona("worker"))
    with pytest.raises(ValidationError):
        hours_svc.log_hours(
            actor=persona("neighbour_worker"), volunteer=vol, hours=1, served_on=today()
        )
    assert not VolunteerHours.objects.filter(volunteer=vol).exists()


# --- pairings --------------------------------------------------------------------------------
def test_pairing_with_regular_contacts_and_hours(persona: Any) -> None:
    worker = persona("worker")
    vol = volunteer(worker)
    elder = resident(worker)
    started = today() - dt.timedelta(days=40)
    pairing = pairs.pair(
        actor=worker,
        volunteer=vol,
        person=elder,
        kind="one_to_one",
        started_on=started,
        contact_every_days=14,
    )
    assert pairing.region_code == elder.region_id
    assert pairs.next_contact_due(pairing) == started + dt.timedelta(days=14)
    contact = pairs.record_contact(
        actor=worker,
        pairing=pairing,
        contacted_on=today() - dt.timedelta(days=1),
        mode="home_visit",
        notes="帮忙打扫卫生",
        hours="2",
    )
    assert contact.logged_hours.hours == Decimal("2.00")
    assert contact.logged_hours.source == "pairing"
    assert pairs.next_contact_due(pairing) == today() + dt.timedelta(days=13)
    with pytest.raises(ValidationError) as e:  # the same pair twice
        pairs.pair(actor=worker, volunteer=vol, person=elder, kind="peer")
    assert "person" in e.value.message_dict
    pairs.end_pairing(actor=worker, pairing=pairing, reason="老人搬去女儿家")
    with pytest.raises(ValidationError) as e:
        pairs.record_contact(actor=worker, pairing=pairing, contacted_on=today(), mode="phone")
    assert "contacted_on" in e.value.message_dict


def test_a_contact_with_too_many_hours_saves_neither(persona: Any) -> None:
    worker = persona("worker")
    vol = volunteer(worker)
    pairing = pairs.pair(actor=worker, volunteer=vol, person=resident(worker), kind="peer")
    hours_svc.log_hours(actor=worker, volunteer=vol, hours=20, served_on=today())
    with pytest.raises(ValidationError) as e:
        pairs.record_contact(
            actor=worker, pairing=pairing, contacted_on=today(), mode="phone", hours=5
        )
    assert "hours" in e.value.message_dict
    assert not PairingContact.objects.filter(pairing=pairing).exists()


def test_pairing_refuses_a_person_of_the_next_station(persona: Any) -> None:
    worker = persona("worker")
    stranger = resident(persona("neighbour_worker"), region=120113002001)
    with pytest.raises(ValidationError) as e:
        pairs.pair(actor=worker, volunteer=volunteer(worker), person=stranger, kind="peer")
    assert "person" in e.value.message_dict
    assert not Pairing.objects.filter(person=stranger).exists()


# --- recognitions ----------------------------------------------------------------------------
@pytest.mark.dbless
@pytest.mark.parametrize(
    ("hours", "stars"),
    [
        (0, 0),
        (99, 0),
        (100, 1),
        (299.5, 1),
        (300, 2),
        (600, 3),
        (999, 3),
        (1000, 4),
        (1500, 5),
        (9000, 5),
    ],
)
def test_star_levels(hours: float, stars: int) -> None:
    assert hours_svc.stars_for(Decimal(str(hours))) == stars


def test_stars_are_given_only_when_the_hours_are_there(persona: Any) -> None:
    worker = persona("worker")
    vol = volunteer(worker)
    for days_ago in range(1, 5):
        hours_svc.log_hours(
            actor=worker, volunteer=vol, hours=20, served_on=today() - dt.timedelta(days=days_ago)
        )
    with pytest.raises(ValidationError) as e:  # 80 hours: no star yet
        hours_svc.recognize(actor=worker, volunteer=vol, kind="star", stars=1)
    assert "stars" in e.value.message_dict
    with pytest.raises(ValidationError) as e:
        hours_svc.recognize(actor=worker, volunteer=vol, kind="milestone", hours_milestone=100)
    assert "hours_milestone" in e.value.message_dict
    hours_svc.log_hours(actor=worker, volunteer=vol, hours=20, served_on=today())
    hours_svc.recognize(actor=worker, volunteer=vol, kind="milestone", hours_milestone=100)
    summary = sel.summary_of(vol)
    assert summary.total == Decimal(100)
    assert sel.stars_due(vol, summary) == [1]
    star = hours_svc.recognize(actor=worker, volunteer=vol, kind="star", stars=1)
    assert star.title and sel.stars_due(vol, sel.summary_of(vol)) == []
    with pytest.raises(ValidationError) as e:
        hours_svc.recognize(actor=worker, volunteer=vol, kind="star", stars=1)
    assert "stars" in e.value.message_dict
    other = hours_svc.recognize(actor=worker, volunteer=vol, kind="other", title="优秀志愿者")
    assert Recognition.objects.filter(volunteer=vol).count() == 3 and other.stars is None


# --- the volunteer's own login ---------------------------------------------------------------
def test_only_the_station_head_creates_a_volunteer_login(persona: Any) -> None:
    vol = volunteer(persona("worker"))
    with pytest.raises(ValidationError):
        svc.create_login(actor=persona("worker"), volunteer=vol, username="v1", password=PASSWORD)
    user = volunteer_login(persona, vol)
    assert [a.role for a in user.active_assignments()] == [Role.VOLUNTEER]
    assert user.jurisdiction("volunteer.self")
    assert not user.jurisdiction("person.view") and not user.jurisdiction("view")
    with pytest.raises(ValidationError) as e:
        volunteer_login(persona, vol, username="v2")
    assert "username" in e.value.message_dict


def test_a_volunteer_logs_own_hours_and_contacts_but_nobody_elses(persona: Any) -> None:
    worker = persona("worker")
    me, other = volunteer(worker), volunteer(worker, name="志愿者乙")
    user = volunteer_login(persona, me)
    entry = hours_svc.log_hours(actor=user, volunteer=me, hours=2, served_on=today())
    assert entry.self_reported and entry.source == "manual"
    with pytest.raises(ValidationError):
        hours_svc.log_hours(actor=user, volunteer=other, hours=2, served_on=today())
    mine = pairs.pair(actor=worker, volunteer=me, person=resident(worker), kind="peer")
    theirs = pairs.pair(actor=worker, volunteer=other, person=resident(worker), kind="peer")
    pairs.record_contact(actor=user, pairing=mine, contacted_on=today(), mode="phone")
    with pytest.raises(ValidationError):
        pairs.record_contact(actor=user, pairing=theirs, contacted_on=today(), mode="phone")
    with pytest.raises(ValidationError):
        pairs.end_pairing(actor=user, pairing=mine, reason="不想做了")
    assert sel.get_my_pairing(user, mine.pk) == mine
    with pytest.raises(Http404):
        sel.get_my_pairing(user, theirs.pk)
    assert list(sel.volunteers_for(user)) == []
    assert list(sel.pairings_for(user)) == []


def test_deactivating_a_volunteer_disables_the_login(persona: Any) -> None:
    vol = volunteer(persona("worker"))
    user = volunteer_login(persona, vol)
    svc.update_volunteer(actor=persona("worker"), volunteer=vol, active=False)
    user.refresh_from_db()
    assert not user.is_active
    with pytest.raises(Http404):
        sel.my_volunteer(user)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    entries=st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=2),
            st.decimals(min_value=-5, max_value=30, places=2, allow_nan=False),
        ),
        max_size=12,
    )
)
def test_no_sequence_of_entries_passes_24_hours_a_day(persona: Any, entries: list[Any]) -> None:
    """Whatever is logged in whatever order, every day stays within 24 hours, and a refused
    entry leaves nothing behind."""
    worker = persona("worker")
    vol = volunteer(worker, name=f"属性{next(_seq)}")
    expected: dict[dt.date, Decimal] = {}
    for days_ago, hours in entries:
        day = today() - dt.timedelta(days=days_ago)
        before = VolunteerHours.objects.filter(volunteer=vol).count()
        ok = Decimal(0) < hours <= 24 and expected.get(day, Decimal(0)) + hours <= 24
        try:
            hours_svc.log_hours(actor=worker, volunteer=vol, hours=hours, served_on=day)
        except ValidationError as e:
            assert not ok and "hours" in e.message_dict
            assert VolunteerHours.objects.filter(volunteer=vol).count() == before
        else:
            assert ok
            expected[day] = expected.get(day, Decimal(0)) + hours
    for day, total in expected.items():
        assert hours_svc.hours_on(vol, day) == total <= 24
