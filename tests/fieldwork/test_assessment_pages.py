"""The assessment pages: recording a needs or self-care assessment, each assessment's page, the
person-page panel and the timeline, for the personas of the demo world; the content (health
data) only for those who serve the person."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import NoReverseMatch, reverse
from django.utils import translation

from shegong.core.models import AuditEvent
from shegong.fieldwork import case_services
from shegong.fieldwork.assessment_models import (
    NeedsAssessment,
    SelfCareAssessment,
    SelfCareLevel,
)
from tests.fieldwork.test_assessments import (
    CHILD,
    GENERAL,
    all_domains,
    needs,
    resident,
    self_care,
    today,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(client: Any) -> Any:
    """Pages and messages are checked in their English source form."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


def needs_form(**change: Any) -> dict[str, Any]:
    data = {f"level_{d}": "none" for d in GENERAL} | {
        "assessed_on": today().isoformat(),
        "level_care": "high",
        "needs_care": "需要每日送餐",
        "level_health": "medium",
        "needs_health": "高血压需定期测量",
        "strengths": "邻居常来看望",
        "summary": "独居，子女在外地，行动不便",
    }
    return data | change


def care_form(**change: Any) -> dict[str, Any]:
    return {
        "assessed_on": today().isoformat(),
        "eating": "yes",
        "dressing": "yes",
        "transferring": "yes",
        "toileting": "no",
        "walking": "yes",
        "bathing": "no",
        "note": "需要助浴",
    } | change


# --- recording ------------------------------------------------------------------------------
def test_a_worker_records_a_needs_assessment_on_a_phone(login: Any, persona: Any) -> None:
    worker = persona("worker")
    person = resident(worker)
    client = login("worker")
    url = f"/people/{person.pk}/assessments/new/"
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    for domain in GENERAL:
        assert f'data-domain="{domain}"' in html
    assert f'value="{today().isoformat()}"' in html  # the date defaults to today
    assert 'name="viewport"' in html and "style=" not in html  # phone-ready, CSP-clean
    response = client.post(url, needs_form())
    a = NeedsAssessment.objects.get(person=person)
    assert response.status_code == 302
    assert response["Location"] == f"/assessments/{a.pk}/"
    assert a.domains["care"] == {"level": "high", "needs": "需要每日送餐"}
    assert a.summary == "独居，子女在外地，行动不便"
    assert a.strengths == "邻居常来看望"
    detail = client.get(response["Location"]).content.decode()
    assert "需要每日送餐" in detail and 'data-level="high"' in detail
    assert "独居，子女在外地，行动不便" in detail


def test_a_child_gets_the_childrens_domains(login: Any, persona: Any) -> None:
    child = resident(persona("worker"), born=today().replace(year=today().year - 9, day=1))
    html = login("worker").get(f"/people/{child.pk}/assessments/new/").content.decode()
    for domain in CHILD:
        assert f'data-domain="{domain}"' in html
    assert 'data-domain="material"' not in html


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"needs_care": ""}, "needs_care", "Say what is needed."),
        ({"level_safety": ""}, "level_safety", "Choose a level."),
        ({"level_safety": "extreme"}, "level_safety", None),
        ({"summary": ""}, "summary", "This field is required."),
        (
            {"assessed_on": (today() + dt.timedelta(days=1)).isoformat()},
            "assessed_on",
            "An assessment cannot be dated in the future.",
        ),
    ],
)
def test_bad_needs_input_shows_at_its_field_and_saves_nothing(
    login: Any, persona: Any, change: dict[str, Any], field: str, message: str | None
) -> None:
    person = resident(persona("worker"))
    response = login("worker").post(f"/people/{person.pk}/assessments/new/", needs_form(**change))
    assert response.status_code == 422
    html = response.content.decode()
    assert f'data-field-error="{field}"' in html
    if message:
        assert message in html
    assert "需要每日送餐" in html or field == "needs_care"  # what was typed is kept
    assert not NeedsAssessment.objects.filter(person=person).exists()


def test_a_worker_records_a_self_care_assessment(login: Any, persona: Any) -> None:
    person = resident(persona("worker"))
    client = login("worker")
    url = f"/people/{person.pk}/self-care/new/"
    html = client.get(url).content.decode()
    for item in ("eating", "dressing", "transferring", "toileting", "walking", "bathing"):
        assert f'data-item="{item}"' in html
    response = client.post(url, care_form())
    s = SelfCareAssessment.objects.get(person=person)
    assert response["Location"] == f"/self-care/{s.pk}/"
    assert s.level == SelfCareLevel.PARTIAL
    assert (s.toileting, s.bathing, s.eating) == (False, False, True)
    detail = client.get(response["Location"]).content.decode()
    assert 'data-care-level="partial"' in detail
    assert detail.count('data-can="no"') == 2 and "需要助浴" in detail


def test_a_self_care_item_left_out_is_shown_at_the_item(login: Any, persona: Any) -> None:
    person = resident(persona("worker"))
    response = login("worker").post(f"/people/{person.pk}/self-care/new/", care_form(walking=""))
    assert response.status_code == 422
    html = response.content.decode()
    assert 'data-field-error="walking"' in html
    assert "Say whether the person can do this without help." in html
    assert not SelfCareAssessment.objects.filter(person=person).exists()


@pytest.mark.parametrize("who", ["supervisor", "district_admin", "city_admin", "auditor"])
def test_those_who_only_view_cannot_open_the_forms(login: Any, persona: Any, who: str) -> None:
    person = resident(persona("worker"))
    client = login(who)
    assert client.get(f"/people/{person.pk}/assessments/new/").status_code == 404
    assert client.post(f"/people/{person.pk}/self-care/new/", care_form()).status_code == 404
    assert not SelfCareAssessment.objects.filter(person=person).exists()


def test_the_neighbouring_township_gets_404_everywhere(login: Any, persona: Any) -> None:
    worker = persona("worker")
    person = resident(worker)
    a, s = needs(worker, person), self_care(worker, person)
    client = login("neighbour_worker")
    before = AuditEvent.objects.filter(action="access.denied").count()
    for url in (
        f"/people/{person.pk}/assessments/new/",
        f"/people/{person.pk}/self-care/new/",
        f"/assessments/{a.pk}/",
        f"/self-care/{s.pk}/",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/people/{person.pk}/assessments/new/", needs_form()).status_code == 404
    assert AuditEvent.objects.filter(action="access.denied").count() == before + 5
    assert NeedsAssessment.objects.filter(person=person).count() == 1


# --- tied to a case -------------------------------------------------------------------------
def test_an_assessment_for_a_case_is_tied_to_it_and_links_back(login: Any, persona: Any) -> None:
    worker = persona("worker")
    person = resident(worker)
    case = case_services.open_case(actor=worker, person=person, source="outreach")
    client = login("worker")
    url = f"/people/{person.pk}/assessments/new/?case={case.pk}"
    form = client.get(url).content.decode()
    assert 'data-testid="for-case"' in form
    assert f'action="{url}"' in form
    response = client.post(url, needs_form())
    a = NeedsAssessment.objects.get(person=person)
    assert a.case_id == case.pk
    detail = client.get(response["Location"]).content.decode()
    assert 'data-testid="case"' in detail
    try:
        case_url = reverse("cases:detail", args=[case.pk])
    except NoReverseMatch:  # the case pages are not there yet: no link, no failure
        case_url = ""
    if case_url:
        assert f'href="{case_url}"' in detail


def test_another_persons_case_is_404(login: Any, persona: Any) -> None:
    worker = persona("worker")
    person, other = resident(worker), resident(worker)
    case = case_services.open_case(actor=worker, person=other, source="outreach")
    client = login("worker")
    url = f"/people/{person.pk}/assessments/new/?case={case.pk}"
    assert client.get(url).status_code == 404
    assert client.post(url, needs_form()).status_code == 404
    assert client.get(f"/people/{person.pk}/assessments/new/?case=x").status_code == 404
    assert not NeedsAssessment.objects.filter(person=person).exists()


# --- one assessment: who reads what ---------------------------------------------------------
@pytest.mark.parametrize(
    ("who", "reads"),
    [
        ("worker", True),
        ("station_head", True),
        ("supervisor", True),
        ("district_admin", False),
        ("city_admin", False),
        ("auditor", False),
    ],
)
def test_the_content_is_health_data(login: Any, persona: Any, who: str, reads: bool) -> None:
    worker = persona("worker")
    person = resident(worker)
    a = needs(
        worker,
        person,
        domains=all_domains() | {"psychological": {"level": "high", "needs": "抑郁倾向需疏导"}},
        summary="丧偶后情绪低落",
    )
    s = self_care(worker, person, items=dict.fromkeys(("eating",), False) | care_items())
    client = login(who)
    reads_before = AuditEvent.objects.filter(action__endswith=".read").count()
    page = client.get(f"/assessments/{a.pk}/")
    care = client.get(f"/self-care/{s.pk}/")
    assert page.status_code == care.status_code == 200
    html, care_html = page.content.decode(), care.content.decode()
    assert a.assessed_on.isoformat() in html  # everyone who may see it sees that it exists
    assert ("抑郁倾向需疏导" in html) is reads
    assert ("丧偶后情绪低落" in html) is reads
    assert ('data-care-level="partial"' in care_html) is reads
    assert ('data-testid="self-care-items"' in care_html) is reads
    assert ('data-testid="content-withheld"' in html) is not reads
    reads_after = AuditEvent.objects.filter(action__endswith=".read").count()
    assert reads_after == reads_before + (2 if reads else 0)  # every read of the content


def care_items() -> dict[str, bool]:
    return {k: True for k in ("dressing", "transferring", "toileting", "walking", "bathing")}


def test_an_older_assessment_points_to_the_newer_one(login: Any, persona: Any) -> None:
    worker = persona("worker")
    person = resident(worker)
    old = needs(worker, person, assessed_on=today() - dt.timedelta(days=90))
    new = needs(worker, person)
    client = login("worker")
    html = client.get(f"/assessments/{old.pk}/").content.decode()
    assert 'data-testid="superseded"' in html and f"/assessments/{new.pk}/" in html
    assert 'data-testid="superseded"' not in client.get(f"/assessments/{new.pk}/").content.decode()


# --- the person page ------------------------------------------------------------------------
def test_the_person_page_shows_the_latest_assessments_with_buttons(
    login: Any, persona: Any
) -> None:
    worker = persona("worker")
    person = resident(worker)
    a = needs(worker, person, domains=all_domains() | {"care": {"level": "high", "needs": "送餐"}})
    four_fail = care_items() | dict.fromkeys(("eating", "bathing", "walking", "toileting"), False)
    s = self_care(worker, person, items=four_fail)
    html = login("worker").get(f"/people/{person.pk}/").content.decode()
    assert 'data-testid="assessments-panel"' in html
    assert f'data-needs-assessment="{a.pk}"' in html
    assert f'data-self-care-assessment="{s.pk}"' in html
    assert 'data-care-level="lost"' in html
    assert "daily care: high" in html
    assert f'href="/people/{person.pk}/assessments/new/"' in html
    assert f'href="/people/{person.pk}/self-care/new/"' in html
    # The timeline has both, linking to them.
    assert 'data-kind="assessment"' in html
    assert f'href="/assessments/{a.pk}/"' in html and f'href="/self-care/{s.pk}/"' in html


def test_an_office_sees_that_assessments_exist_but_not_what_they_found(
    login: Any, persona: Any
) -> None:
    worker = persona("worker")
    person = resident(worker)
    a = needs(
        worker, person, domains=all_domains() | {"health": {"level": "high", "needs": "透析"}}
    )
    s = self_care(worker, person, items=care_items() | {"eating": False})
    html = login("district_admin").get(f"/people/{person.pk}/").content.decode()
    assert f'data-needs-assessment="{a.pk}"' in html
    assert f'data-self-care-assessment="{s.pk}"' in html
    assert "health: high" not in html and "透析" not in html
    assert "data-care-level=" not in html
    assert "/assessments/new/" not in html and "/self-care/new/" not in html
    assert 'data-kind="assessment"' in html  # on the timeline, without the findings


def test_a_person_without_assessments_shows_the_buttons_to_whoever_may_record(
    login: Any, persona: Any
) -> None:
    person = resident(persona("worker"))
    html = login("station_head").get(f"/people/{person.pk}/").content.decode()
    assert "No needs assessment yet." in html
    assert 'data-testid="new-self-care-assessment"' in html
    office = login("city_admin").get(f"/people/{person.pk}/").content.decode()
    assert 'data-testid="assessments-panel"' not in office  # nothing to show, nothing to do
