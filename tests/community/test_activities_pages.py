"""The activity pages: the list and its filters, new and edit, the activity's page with the
htmx check-in and headcount, photos, and the station-page and person-page panels."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest

from shegong.community import activity_services as services
from shegong.community.models import Activity, Attendance
from shegong.core.models import Attachment, AuditEvent
from tests.conftest import Outside
from tests.core.test_attachments import PDF, jpeg_with_gps

from .activity_helpers import GUOYUAN_STATION, activity, resident, station, today

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def form_data(**change: Any) -> dict[str, Any]:
    return {
        "title": "义诊进社区",
        "station": station().pk,
        "domain": "elderly_care",
        "kind": "free_clinic",
        "held_on": today().isoformat(),
        "start_time": "09:30",
        "place": "朝阳里社区广场",
        "volunteers_text": "针锋裁缝志愿服务队",
        "description": "量血压、测血糖",
        "others_count": "12",
    } | change


def denied() -> int:
    return AuditEvent.objects.filter(action="access.denied").count()


# --- list, new, edit ----------------------------------------------------------------------------
def test_a_worker_records_an_activity_and_finds_it_in_the_list(login: Any) -> None:
    client = login("worker")
    page = client.get("/activities/new/")
    assert page.status_code == 200
    assert 'data-testid="activity-form"' in page.content.decode()
    response = client.post("/activities/new/", form_data())
    assert response.status_code == 302
    a = Activity.objects.get(title="义诊进社区")
    assert response["Location"] == f"/activities/{a.pk}/"
    assert (a.others_count, a.person_times, a.start_time) == (12, 12, dt.time(9, 30))
    assert a.region_code == station().region_id
    listing = client.get("/activities/").content.decode()
    assert f'data-activity="{a.pk}"' in listing
    filtered = client.get(f"/activities/?domain=child_welfare&station={GUOYUAN_STATION}")
    assert f'data-activity="{a.pk}"' not in filtered.content.decode()
    period = client.get(f"/activities/?start={today().isoformat()}&end={today().isoformat()}")
    assert f'data-activity="{a.pk}"' in period.content.decode()
    htmx = client.get("/activities/?domain=elderly_care", **HTMX)
    assert htmx.status_code == 200
    assert "<html" not in htmx.content.decode()  # the results partial only


def test_a_negative_headcount_on_the_form_is_refused_at_the_field(login: Any) -> None:
    client = login("worker")
    response = client.post("/activities/new/", form_data(others_count="-4", title="负数活动"))
    assert response.status_code == 422
    assert 'data-field-error="others_count"' in response.content.decode()
    assert not Activity.objects.filter(title="负数活动").exists()


def test_the_neighbour_does_not_see_the_activity(login: Any, persona: Any) -> None:
    a = activity(persona("worker"))
    client = login("neighbour_worker")
    assert f'data-activity="{a.pk}"' not in client.get("/activities/").content.decode()
    before = denied()
    assert client.get(f"/activities/{a.pk}/").status_code == 404
    assert denied() == before + 1
    assert login("district_admin").get(f"/activities/{a.pk}/").status_code == 200


def test_editing_an_activity(login: Any, persona: Any) -> None:
    a = activity(persona("worker"))
    client = login("worker")
    page = client.get(f"/activities/{a.pk}/edit/")
    assert page.status_code == 200
    assert 'name="others_count"' not in page.content.decode()
    response = client.post(f"/activities/{a.pk}/edit/", form_data(title="改名活动"))
    assert response.status_code == 302
    a.refresh_from_db()
    assert a.title == "改名活动"
    assert a.others_count == 0  # the headcount is not part of the edit form
    # An office that may see it may not edit it.
    assert login("district_admin").get(f"/activities/{a.pk}/edit/").status_code == 404


# --- check-in -----------------------------------------------------------------------------------
def test_htmx_check_in_three_persons_and_five_others_gives_eight(login: Any, persona: Any) -> None:
    worker = persona("worker")
    a = activity(worker)
    people = [resident(worker, name=n) for n in ("签到甲", "签到乙", "签到丙")]
    client = login("worker")
    page = client.get(f"/activities/{a.pk}/").content.decode()
    assert 'data-testid="checkin"' in page
    found = client.post(f"/activities/{a.pk}/search/", {"q": "签到"}, **HTMX).content.decode()
    for p in people:
        assert f'data-person="{p.pk}"' in found
    for p in people:
        answer = client.post(f"/activities/{a.pk}/checkin/", {"person": p.pk, "q": "签到"}, **HTMX)
        assert answer.status_code == 200
        html = answer.content.decode()
        assert 'id="attendance"' in html
        assert 'hx-swap-oob="true"' in html  # the search results again, marked
    html = client.post(f"/activities/{a.pk}/headcount/", {"others_count": "5"}, **HTMX)
    assert 'data-testid="person-times">8<' in html.content.decode()
    a.refresh_from_db()
    assert (a.named_count, a.others_count, a.person_times) == (3, 5, 8)
    again = client.post(f"/activities/{a.pk}/search/", {"q": "签到"}, **HTMX).content.decode()
    assert again.count('data-testid="checked-in"') == 3


def test_check_in_errors_come_back_in_the_section(login: Any, persona: Any) -> None:
    worker = persona("worker")
    a = activity(worker)
    p = resident(worker)
    client = login("worker")
    client.post(f"/activities/{a.pk}/checkin/", {"person": p.pk}, **HTMX)
    twice = client.post(f"/activities/{a.pk}/checkin/", {"person": p.pk}, **HTMX)
    assert 'data-testid="attendance-error"' in twice.content.decode()
    negative = client.post(f"/activities/{a.pk}/headcount/", {"others_count": "-1"}, **HTMX)
    assert 'data-field-error="others_count"' in negative.content.decode()
    a.refresh_from_db()
    assert (a.named_count, a.others_count) == (1, 0)
    # Without htmx: back to the page.
    response = client.post(f"/activities/{a.pk}/checkout/", {"person": p.pk})
    assert response.status_code == 302
    assert not Attendance.objects.filter(activity=a).exists()


def test_a_person_outside_the_jurisdiction_is_404_with_an_audit_row(
    login: Any, persona: Any, outside: Outside
) -> None:
    a = activity(persona("worker"))
    client = login("worker")
    before = denied()
    response = client.post(f"/activities/{a.pk}/checkin/", {"person": outside.person.pk}, **HTMX)
    assert response.status_code == 404
    assert denied() == before + 1
    event = AuditEvent.objects.filter(action="access.denied").order_by("-id").first()
    assert event is not None
    assert (event.object_type, event.object_id) == ("person", str(outside.person.pk))
    assert not Attendance.objects.filter(activity=a).exists()
    # The search never offers persons outside it.
    found = client.post(f"/activities/{a.pk}/search/", {"q": "京外"}, **HTMX).content.decode()
    assert f'data-person="{outside.person.pk}"' not in found


def test_a_planned_activity_has_no_check_in_yet(login: Any, persona: Any) -> None:
    a = activity(persona("worker"), on=today() + dt.timedelta(days=7))
    page = login("worker").get(f"/activities/{a.pk}/").content.decode()
    assert 'data-testid="checkin"' not in page
    assert 'data-testid="headcount-form"' not in page


# --- photos -------------------------------------------------------------------------------------
def photo(name: str, content: bytes) -> io.BytesIO:
    f = io.BytesIO(content)
    f.name = name
    return f


def test_photos_upload_serve_and_delete(login: Any, persona: Any) -> None:
    a = activity(persona("worker"))
    client = login("worker")
    response = client.post(
        f"/activities/{a.pk}/photos/",
        {"camera": photo("现场.jpg", jpeg_with_gps()), "caption": "合影"},
    )
    assert response.status_code == 302
    shot = Attachment.objects.get(owner_type="community.activity", owner_id=a.pk)
    assert shot.region_code == a.region_code
    served = client.get(f"/activities/photos/{shot.pk}/")
    assert served.status_code == 200
    assert served["Cache-Control"] == "private, no-store"
    assert served["X-Content-Type-Options"] == "nosniff"
    assert client.get(f"/activities/photos/{shot.pk}/thumb/").status_code == 200
    assert login("neighbour_worker").get(f"/activities/photos/{shot.pk}/").status_code == 404
    client = login("worker")
    bad = client.post(f"/activities/{a.pk}/photos/", {"photos": photo("x.pdf", PDF)}, **HTMX)
    assert 'data-field-error="photos"' in bad.content.decode()
    assert Attachment.objects.filter(owner_type="community.activity", owner_id=a.pk).count() == 1
    gone = client.post(f"/activities/photos/{shot.pk}/delete/", **HTMX)
    assert gone.status_code == 200
    assert not Attachment.objects.filter(pk=shot.pk).exists()


def test_person_attachment_routes_do_not_serve_activity_photos(login: Any, persona: Any) -> None:
    a = activity(persona("worker"))
    client = login("worker")
    client.post(f"/activities/{a.pk}/photos/", {"photos": photo("a.jpg", jpeg_with_gps())})
    shot = Attachment.objects.get(owner_type="community.activity", owner_id=a.pk)
    assert client.get(f"/attachments/{shot.pk}/").status_code == 404


# --- panels -------------------------------------------------------------------------------------
def test_the_station_page_shows_this_months_persons_served_and_person_times(
    login: Any, persona: Any
) -> None:
    worker = persona("worker")
    a = activity(worker, title="本月活动")
    for _i in range(2):
        services.check_in(actor=worker, activity=a, person=resident(worker))
    services.set_headcount(actor=worker, activity=a, others_count=3)
    page = login("station_head").get(f"/stations/{GUOYUAN_STATION}/").content.decode()
    assert 'data-testid="panel-station-activities"' in page
    assert "本月活动" in page
    for testid in ("month-persons-served", "month-person-times"):
        value = page.split(f'data-testid="{testid}">')[1].split("<")[0]
        assert int(value) >= 5


def test_the_person_page_shows_activities_attended(login: Any, persona: Any) -> None:
    worker = persona("worker")
    p = resident(worker)
    a = activity(worker, title="剪纸小课堂")
    services.check_in(actor=worker, activity=a, person=p)
    page = login("worker").get(f"/people/{p.pk}/").content.decode()
    assert 'data-testid="panel-person-activities"' in page
    assert f'href="/activities/{a.pk}/"' in page


def test_volunteer_hours_logged_for_the_activity_show_on_its_page(login: Any, persona: Any) -> None:
    from shegong.community import hours_services, volunteer_services

    worker = persona("worker")
    a = activity(worker)
    volunteer = volunteer_services.register_volunteer(
        actor=worker, name="王志愿", station=station()
    )
    hours_services.log_hours(actor=worker, volunteer=volunteer, hours="2.5", activity=a)
    page = login("worker").get(f"/activities/{a.pk}/").content.decode()
    assert 'data-testid="activity-volunteer-hours"' in page
    assert "王志愿" in page
    auditor_page = login("auditor").get(f"/activities/{a.pk}/").content.decode()
    assert "王志愿" in auditor_page  # the auditor sees volunteers (VOLUNTEER_VIEW) too
