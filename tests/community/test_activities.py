"""Activities: recording them, checking registered persons in, the headcount of others, and
counting persons served and person-times (人次) for a station or a division subtree and a
period — through the services and selectors, for the personas of the demo world."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from shegong.community import activity_selectors as selectors
from shegong.community import activity_services as services
from shegong.community import group_services, group_session_services
from shegong.community.models import Activity, Attendance
from shegong.core.models import AuditEvent
from shegong.regions.models import Organization, Region
from tests.conftest import Outside

from .activity_helpers import CHAOYANG, XURI, activity, resident, station, today

pytestmark = pytest.mark.django_db


def month() -> tuple[dt.date, dt.date]:
    return selectors.month_of(today())


def counts(user: Any, **where: Any) -> selectors.ServiceCounts:
    start, end = month()
    return selectors.service_counts(user, start=start, end=end, **where)


# --- counting -----------------------------------------------------------------------------------
def test_one_person_at_three_activities_is_three_person_times_and_one_person(
    persona: Any,
) -> None:
    worker = persona("worker")
    before = counts(worker, station=station())
    person = resident(worker)
    for title in ("义诊", "讲座", "培训"):
        a = activity(worker, title=title)
        services.check_in(actor=worker, activity=a, person=person)
    after = counts(worker, station=station())
    assert after.person_times - before.person_times == 3
    assert after.persons_served - before.persons_served == 1
    assert after.named_times - before.named_times == 3
    assert after.named_persons - before.named_persons == 1
    assert after.activities - before.activities == 3


def test_the_headcount_of_others_adds_to_person_times_and_persons_served(persona: Any) -> None:
    worker = persona("worker")
    before = counts(worker, station=station())
    a = activity(worker)
    for _i in range(3):
        services.check_in(actor=worker, activity=a, person=resident(worker))
    services.set_headcount(actor=worker, activity=a, others_count=5)
    a.refresh_from_db()
    assert (a.named_count, a.others_count, a.person_times) == (3, 5, 8)
    after = counts(worker, station=station())
    assert after.person_times - before.person_times == 8
    assert after.persons_served - before.persons_served == 8
    assert after.others - before.others == 5


def test_group_sessions_count_with_activities_one_person_three_sessions(persona: Any) -> None:
    """One person at three group sessions: three person-times, one person; together with an
    activity the same person is still one person."""
    worker = persona("worker")
    before = counts(worker, station=station())
    person = resident(worker)
    group = group_services.create_group(
        actor=worker,
        station=station(),
        name="长者互助小组",
        domain="elderly_care",
        aims="减少孤独",
        planned_sessions=6,
    )
    day = today()
    group_services.change_phase(actor=worker, group=group, to="formation", on=day)
    group_services.add_member(actor=worker, group=group, person=person, joined_on=day)
    for n in range(3):
        group_session_services.record_session(
            actor=worker, group=group, held_on=day, topic=f"第{n + 1}节", present=[person],
            others_count=1 if n == 0 else 0,
        )  # fmt: skip
    a = activity(worker)
    services.check_in(actor=worker, activity=a, person=person)
    after = counts(worker, station=station())
    assert after.sessions - before.sessions == 3
    assert after.named_times - before.named_times == 4
    assert after.named_persons - before.named_persons == 1
    assert after.person_times - before.person_times == 5  # 4 check-ins + 1 other
    assert after.persons_served - before.persons_served == 2


def test_counts_by_division_subtree_and_period(persona: Any) -> None:
    worker = persona("worker")
    district = persona("district_admin")
    old_day = today() - dt.timedelta(days=400)
    person = resident(worker)
    old = activity(worker, on=old_day)
    services.check_in(actor=worker, activity=old, person=person)
    services.set_headcount(actor=worker, activity=old, others_count=4)
    township = Region.objects.get(code=120113001000)
    around = selectors.service_counts(district, start=old_day, end=old_day, region=township)
    assert (around.person_times, around.persons_served, around.activities) == (5, 5, 1)
    # The district admin's 北辰区 subtree has it; the neighbouring township does not.
    beichen = Region.objects.get(code=120113000000)
    assert selectors.service_counts(district, start=old_day, end=old_day, region=beichen) == (
        around
    )
    jixianli = Region.objects.get(code=120113002000)
    none = selectors.service_counts(district, start=old_day, end=old_day, region=jixianli)
    assert (none.person_times, none.persons_served) == (0, 0)
    # Outside the period nothing counts.
    later = selectors.service_counts(
        district, start=old_day + dt.timedelta(days=1), end=old_day + dt.timedelta(days=30),
        region=township,
    )  # fmt: skip
    assert later.person_times == 0


def test_counts_stay_inside_the_readers_jurisdiction(persona: Any, outside: Outside) -> None:
    from .activity_outside import DAY, outside_activity

    outside_activity(outside)  # 1 check-in and 2 others in Beijing
    everywhere = selectors.count_service(start=DAY, end=DAY)
    assert everywhere.person_times >= 3
    for name in ("worker", "district_admin", "city_admin"):
        mine = selectors.service_counts(persona(name), start=DAY, end=DAY)
        assert mine.person_times == everywhere.person_times - 3


# --- bad input ------------------------------------------------------------------------------------
def test_a_negative_headcount_is_refused_and_nothing_changes(persona: Any) -> None:
    worker = persona("worker")
    a = activity(worker, others_count=2)
    with pytest.raises(ValidationError) as e:
        services.set_headcount(actor=worker, activity=a, others_count=-1)
    assert "others_count" in e.value.message_dict
    a.refresh_from_db()
    assert a.others_count == 2
    with pytest.raises(ValidationError) as e:
        activity(worker, title="负数", others_count=-3)
    assert "others_count" in e.value.message_dict
    assert not Activity.objects.filter(title="负数").exists()


def test_check_in_before_the_activity_day_is_refused(persona: Any) -> None:
    """A planned activity takes no attendance until its day: neither check-ins nor a
    headcount, and a held one with attendance cannot move into the future."""
    worker = persona("worker")
    tomorrow = today() + dt.timedelta(days=1)
    planned = activity(worker, on=tomorrow)
    person = resident(worker)
    with pytest.raises(ValidationError) as e:
        services.check_in(actor=worker, activity=planned, person=person)
    assert "person" in e.value.message_dict
    with pytest.raises(ValidationError) as e:
        services.set_headcount(actor=worker, activity=planned, others_count=3)
    assert "others_count" in e.value.message_dict
    with pytest.raises(ValidationError) as e:
        activity(worker, on=tomorrow, others_count=3)
    assert "others_count" in e.value.message_dict
    assert not Attendance.objects.filter(activity=planned).exists()
    held = activity(worker)
    services.check_in(actor=worker, activity=held, person=person)
    with pytest.raises(ValidationError) as e:
        services.update_activity(actor=worker, activity=held, held_on=tomorrow)
    assert "held_on" in e.value.message_dict
    held.refresh_from_db()
    assert held.held_on == today()


def test_the_same_person_twice_is_refused(persona: Any) -> None:
    worker = persona("worker")
    a = activity(worker)
    person = resident(worker)
    services.check_in(actor=worker, activity=a, person=person)
    with pytest.raises(ValidationError) as e:
        services.check_in(actor=worker, activity=a, person=person)
    assert "person" in e.value.message_dict
    a.refresh_from_db()
    assert a.named_count == 1
    assert Attendance.objects.filter(activity=a).count() == 1


def test_a_person_outside_the_jurisdiction_cannot_be_checked_in(
    persona: Any, outside: Outside
) -> None:
    worker = persona("worker")
    a = activity(worker)
    with pytest.raises(ValidationError) as e:
        services.check_in(actor=worker, activity=a, person=outside.person)
    assert e.value.code == "forbidden"
    assert not Attendance.objects.filter(activity=a).exists()


def test_only_the_station_that_runs_it_changes_an_activity(persona: Any) -> None:
    worker = persona("worker")
    a = activity(worker)
    for name in ("neighbour_worker", "district_admin", "supervisor"):
        with pytest.raises(ValidationError):
            services.set_headcount(actor=persona(name), activity=a, others_count=1)
        with pytest.raises(ValidationError):
            services.check_in(actor=persona(name), activity=a, person=resident(worker))
    with pytest.raises(ValidationError) as e:
        activity(persona("neighbour_worker"))
    assert "station" in e.value.message_dict


def test_required_fields_and_choices_are_checked(persona: Any) -> None:
    worker = persona("worker")
    with pytest.raises(ValidationError) as e:
        activity(worker, title=" ", place="", domain="sports", kind="party")
    assert set(e.value.message_dict) >= {"title", "place", "domain", "kind"}
    with pytest.raises(ValidationError) as e:
        activity(worker, on=today() + dt.timedelta(days=400))
    assert "held_on" in e.value.message_dict


def test_partners_must_come_from_the_stations_district_or_city(
    persona: Any, outside: Outside
) -> None:
    worker = persona("worker")
    nearby = Organization.objects.get(name="北辰区精神卫生中心")
    a = activity(worker, partners=[nearby])
    assert list(a.partners.all()) == [nearby]
    with pytest.raises(ValidationError) as e:
        activity(worker, partners=[outside.organization])
    assert "partners" in e.value.message_dict


# --- writes are audited, changes follow the attendance ---------------------------------------
def test_every_write_records_one_audit_row(persona: Any) -> None:
    worker = persona("worker")
    person = resident(worker)
    n = AuditEvent.objects.count()
    a = activity(worker)
    services.check_in(actor=worker, activity=a, person=person)
    services.set_headcount(actor=worker, activity=a, others_count=1)
    services.check_out(actor=worker, activity=a, person=person)
    actions = list(AuditEvent.objects.order_by("id").values_list("action", flat=True)[n : n + 10])
    assert actions == [
        "activity.create",
        "activity.check_in",
        "activity.headcount",
        "activity.check_out",
    ]
    a.refresh_from_db()
    assert (a.named_count, a.person_times) == (0, 1)


def test_moving_the_date_moves_the_attendance(persona: Any) -> None:
    worker = persona("worker")
    a = activity(worker)
    services.check_in(actor=worker, activity=a, person=resident(worker, region=XURI))
    earlier = today() - dt.timedelta(days=3)
    services.update_activity(actor=worker, activity=a, held_on=earlier, title="改期")
    row = Attendance.objects.get(activity=a)
    assert row.on == earlier
    assert row.region_code == a.region_code


def test_the_person_timeline_and_panel_selectors_show_attendance(persona: Any) -> None:
    from shegong.people import timeline

    worker = persona("worker")
    person = resident(worker, region=CHAOYANG)
    a = activity(worker, title="剪纸活动")
    services.check_in(actor=worker, activity=a, person=person)
    events = [e for e in timeline.events_for(person, worker) if e.kind == "activity"]
    assert [e.url for e in events] == [f"/activities/{a.pk}/"]
    assert "剪纸活动" in events[0].title
    # The neighbouring township's worker sees nothing of it.
    assert not selectors.activities_attended(persona("neighbour_worker"), person).exists()
