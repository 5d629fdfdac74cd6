"""The referral pages: the life of a referral from the person page to feedback or closing, the
sender's action list, the allowed-organization rule and the panels, for the demo personas."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from typing import Any

import pytest
from django.utils import timezone

from shegong.core.idnumber import make
from shegong.core.models import AuditEvent
from shegong.fieldwork import cases
from shegong.fieldwork.models import Referral, ReferralStatus
from shegong.people import services as people
from shegong.people.models import Person
from shegong.regions.models import Organization, Region

pytestmark = pytest.mark.django_db

CHAOYANG = 120113001009  # 朝阳里社区, 果园新村街道 (the worker's station)
MENTAL = "北辰区精神卫生中心"
_seq = itertools.count(501)


def today() -> dt.date:
    return timezone.localdate()


def register(actor: Any) -> Person:
    seq = next(_seq)
    return people.register_person(
        actor=actor,
        name=f"转介页{seq}",
        id_number=make("120113", dt.date(1986, 1, 1) + dt.timedelta(days=seq), 17, "F"),
        region=Region.objects.get(code=CHAOYANG),
    )


def org(name: str) -> Organization:
    return Organization.objects.get(name=name)


def out_data(**change: Any) -> dict[str, Any]:
    return {
        "direction": "out",
        "to_organization": org(MENTAL).pk,
        "service_type": "",
        "reason": "情绪低落，需要心理评估",
        "sent_on": today().isoformat(),
    } | change


def listed(client: Any, url: str, pk: int, attr: str = "referral") -> bool:
    return f'data-{attr}="{pk}"' in client.get(url).content.decode()


def field_error(html: str, field: str) -> str:
    m = re.search(rf'data-field-error="{field}">([^<]*)<', html)
    return m.group(1) if m else ""


def test_the_life_of_a_referral_on_the_pages(login: Any, persona: Any) -> None:
    worker = persona("worker")
    person = register(worker)
    client = login("worker")

    form = client.get(f"/referrals/new/?person={person.pk}")
    assert form.status_code == 200
    html = form.content.decode()
    assert MENTAL in html and "天津辰光律师事务所" in html
    assert "北辰区阳光社会工作服务中心" not in html  # an operator: not on the list
    assert f'value="{today().isoformat()}"' in html  # the date defaults to today

    response = client.post(f"/referrals/new/?person={person.pk}", out_data())
    assert response.status_code == 302
    referral = Referral.objects.get(person=person)
    assert response["Location"] == f"/referrals/{referral.pk}/"
    assert referral.direction == "out" and referral.to_organization == org(MENTAL)
    assert referral.created_by == worker and referral.status == ReferralStatus.SENT

    # On the sender's action list (and the station head's), not on the neighbour's.
    assert listed(client, "/referrals/", referral.pk)
    assert listed(client, "/", referral.pk)  # the start page's panel
    assert listed(login("station_head"), "/referrals/", referral.pk)
    assert listed(login("district_admin"), "/referrals/", referral.pk)
    neighbour = login("neighbour_worker")
    assert not listed(neighbour, "/referrals/", referral.pk)
    assert neighbour.get(f"/referrals/{referral.pk}/").status_code == 404

    # Feedback without text: refused at the field, still waiting.
    client = login("worker")
    page = client.post(f"/referrals/{referral.pk}/feedback/", {"status": "accepted"})
    assert page.status_code == 422
    assert field_error(page.content.decode(), "feedback")
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SENT
    assert listed(client, "/referrals/", referral.pk)

    # Accepted: off the action list, the feedback on the referral's page.
    response = client.post(
        f"/referrals/{referral.pk}/feedback/",
        {"status": "accepted", "feedback": "已接收，下周面谈"},
    )
    assert response.status_code == 302
    assert not listed(client, "/referrals/", referral.pk)
    assert not listed(client, "/", referral.pk)
    detail = client.get(f"/referrals/{referral.pk}/").content.decode()
    assert "已接收，下周面谈" in detail and 'data-status="accepted"' in detail
    assert listed(client, "/referrals/?tab=all", referral.pk)

    # Done needs an outcome; then the forms are gone.
    page = client.post(
        f"/referrals/{referral.pk}/feedback/", {"status": "done", "feedback": "已结束"}
    )
    assert page.status_code == 422 and field_error(page.content.decode(), "outcome")
    client.post(
        f"/referrals/{referral.pk}/feedback/",
        {"status": "done", "feedback": "面谈三次", "outcome": "情绪稳定"},
    )
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.DONE and referral.outcome == "情绪稳定"
    detail = client.get(f"/referrals/{referral.pk}/").content.decode()
    assert 'data-testid="feedback-form"' not in detail
    assert 'data-testid="close-form"' not in detail
    # A status that no longer follows is refused.
    page = client.post(
        f"/referrals/{referral.pk}/feedback/", {"status": "accepted", "feedback": "x"}
    )
    assert page.status_code == 422
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.DONE


def test_a_referral_closed_with_a_reason_leaves_the_list(login: Any, persona: Any) -> None:
    worker = persona("worker")
    referral = cases.make_referral(
        actor=worker,
        person=register(worker),
        direction="out",
        service_type="legal_aid",
        reason="欠薪",
    )
    client = login("worker")
    page = client.post(f"/referrals/{referral.pk}/close/", {"closed_reason": "  "})
    assert page.status_code == 422
    assert field_error(page.content.decode(), "closed_reason")
    assert listed(client, "/referrals/", referral.pk)

    response = client.post(
        f"/referrals/{referral.pk}/close/", {"closed_reason": "三次催问未回复，案主已自行就医"}
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.CLOSED_NO_FEEDBACK
    assert referral.closed_on == today() and referral.answered_on is None  # nobody answered
    assert not listed(client, "/referrals/", referral.pk)
    detail = client.get(f"/referrals/{referral.pk}/").content.decode()
    assert "三次催问未回复" in detail


def test_the_action_list_is_oldest_first_with_days_waiting(login: Any, persona: Any) -> None:
    worker = persona("worker")
    old, new = (
        cases.make_referral(
            actor=worker,
            person=register(worker),
            direction="out",
            service_type="hospital",
            reason="复诊",
            sent_on=today() - dt.timedelta(days=days),
        )
        for days in (20, 3)
    )
    html = login("worker").get("/referrals/").content.decode()
    assert html.index(f'data-referral="{old.pk}"') < html.index(f'data-referral="{new.pk}"')
    row = html[html.index(f'data-referral="{old.pk}"') :]
    waiting = row[row.index('data-testid="days-waiting"') :][:200]
    assert "20" in waiting


@pytest.mark.parametrize("which", ["outside", "operator", "other district"])
def test_an_organization_outside_the_allowed_list_is_refused(
    login: Any, persona: Any, outside: Any, which: str
) -> None:
    target = {
        "outside": lambda: outside.organization,
        "operator": lambda: org("北辰区阳光社会工作服务中心"),
        "other district": lambda: org("南开区同心社会工作服务中心"),
    }[which]()
    person = register(persona("worker"))
    client = login("worker")
    denied = AuditEvent.objects.filter(action="access.denied", object_type="regions.organization")
    before = denied.count()
    page = client.post(
        f"/referrals/new/?person={person.pk}",
        out_data(to_organization=target.pk),
        HTTP_ACCEPT_LANGUAGE="en",  # the message asserted in its English source form
    )
    assert page.status_code == 422
    assert "Refer only to partner organizations" in field_error(
        page.content.decode(), "to_organization"
    )
    assert not Referral.objects.filter(person=person).exists()
    assert denied.count() == before + 1
    last = denied.first()
    assert last is not None and last.object_id == str(target.pk)


def test_referral_to_a_kind_of_service_and_missing_receiver(login: Any, persona: Any) -> None:
    person = register(persona("worker"))
    client = login("worker")
    url = f"/referrals/new/?person={person.pk}"
    page = client.post(url, out_data(to_organization=""))
    assert page.status_code == 422
    assert field_error(page.content.decode(), "to_organization")
    assert not Referral.objects.filter(person=person).exists()
    future = (today() + dt.timedelta(days=1)).isoformat()
    page = client.post(url, out_data(sent_on=future))
    assert page.status_code == 422 and field_error(page.content.decode(), "sent_on")
    assert not Referral.objects.filter(person=person).exists()

    assert (
        client.post(url, out_data(to_organization="", service_type="judicial_aid")).status_code
        == 302
    )
    assert Referral.objects.get(person=person).service_type == "judicial_aid"


def test_an_incoming_referral(login: Any, persona: Any) -> None:
    person = register(persona("worker"))
    client = login("worker")
    url = f"/referrals/new/?person={person.pk}&direction=in"
    html = client.get(url).content.decode()
    assert 'name="from_organization"' in html and 'name="to_organization"' not in html
    response = client.post(
        url,
        {"direction": "in", "other_party": "果园小学", "reason": "学校发现孩子常饿肚子",
         "sent_on": today().isoformat()},
    )  # fmt: skip
    assert response.status_code == 302
    referral = Referral.objects.get(person=person)
    assert referral.direction == "in" and referral.other_party == "果园小学"
    assert listed(client, "/referrals/?tab=incoming", referral.pk)
    assert not listed(client, "/referrals/", referral.pk)  # not the sender's to-do
    home = client.get("/").content.decode()
    assert 'data-testid="panel-referrals-incoming"' in home
    assert f'data-referral="{referral.pk}"' in home
    client.post(f"/referrals/{referral.pk}/feedback/", {"status": "accepted", "feedback": "已接案"})
    assert not listed(client, "/referrals/?tab=incoming", referral.pk)


def test_a_referral_for_a_case(login: Any, persona: Any) -> None:
    from shegong.fieldwork import case_services

    worker = persona("worker")
    person, other = register(worker), register(worker)
    case = case_services.open_case(actor=worker, person=person, source="outreach", problem="失业")
    client = login("worker")
    url = f"/referrals/new/?person={person.pk}&case={case.pk}"
    assert client.post(url, out_data()).status_code == 302
    assert Referral.objects.get(person=person).case == case
    # Another person's case in the address: 404, nothing saved.
    assert client.get(f"/referrals/new/?person={other.pk}&case={case.pk}").status_code == 404


def test_a_forged_person_is_404_with_an_audit_row(login: Any, outside: Any) -> None:
    client = login("worker")
    before = AuditEvent.objects.filter(action="access.denied").count()
    assert client.get(f"/referrals/new/?person={outside.person.pk}").status_code == 404
    response = client.post(f"/referrals/new/?person={outside.person.pk}", out_data())
    assert response.status_code == 404
    assert AuditEvent.objects.filter(action="access.denied").count() == before + 2
    assert not Referral.objects.filter(person=outside.person).exclude(reason="外部转介").exists()
    assert client.get(f"/referrals/new/?person=1&case={outside.case.pk}").status_code == 404


def test_the_all_tab_filters(login: Any, persona: Any) -> None:
    worker = persona("worker")
    done = cases.make_referral(
        actor=worker, person=register(worker), direction="out", service_type="school", reason="x"
    )
    cases.record_referral_feedback(
        actor=worker, referral=done, status="done", feedback="好", outcome="复学"
    )
    waiting = cases.make_referral(
        actor=worker, person=register(worker), direction="out", service_type="school", reason="y"
    )
    client = login("worker")
    url = "/referrals/?tab=all&status=done&service_type=school"
    assert listed(client, url, done.pk) and not listed(client, url, waiting.pk)
    partial = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial and f'data-referral="{done.pk}"' in partial


def test_person_page_panel_and_timeline(login: Any, persona: Any) -> None:
    worker = persona("worker")
    person = register(worker)
    referral = cases.make_referral(
        actor=worker, person=person, direction="out", service_type="legal_aid", reason="讨薪"
    )
    cases.close_referral(actor=worker, referral=referral, closed_reason="当事人放弃")
    html = login("worker").get(f"/people/{person.pk}/").content.decode()
    assert 'data-testid="panel-person-referrals"' in html
    assert f'href="/referrals/new/?person={person.pk}"' in html
    assert f'data-referral="{referral.pk}"' in html
    timeline = html[html.index('id="section-timeline"') :]
    assert timeline.count('data-kind="referral"') == 2  # sent, closed
    assert "当事人放弃" in timeline
    # The auditor sees the person but not referrals.
    html = login("auditor").get(f"/people/{person.pk}/").content.decode()
    assert 'data-testid="panel-person-referrals"' not in html
    assert 'data-kind="referral"' not in html
