"""Referrals (转介) and risk alerts, on the demo world."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from shegong.core.idnumber import make
from shegong.fieldwork import case_selectors as sel
from shegong.fieldwork import cases
from shegong.fieldwork.models import AlertStatus, Referral, ReferralStatus, RiskAlert
from shegong.people import services as people
from shegong.people.models import Person
from shegong.regions.models import Organization, Region

pytestmark = pytest.mark.django_db

CHAOYANG = 120113001009
_seq = itertools.count(1)


def register(actor: Any) -> Person:
    seq = next(_seq)
    return people.register_person(
        actor=actor,
        name=f"转介{seq}",
        id_number=make("120113", dt.date(1985, 1, 1) + dt.timedelta(days=seq), 302, "M"),
        region=Region.objects.get(code=CHAOYANG),
    )


def refer(worker: Any, **kw: Any) -> Referral:
    kw.setdefault("to_organization", Organization.objects.get(name="北辰区精神卫生中心"))
    return cases.make_referral(
        actor=worker, person=register(worker), direction="out", reason="情绪低落", **kw
    )


def test_referral_to_a_partner_in_the_district_is_allowed(persona: Any) -> None:
    referral = refer(persona("worker"))
    assert referral.status == ReferralStatus.SENT
    names = set(sel.allowed_organizations(persona("worker")).values_list("name", flat=True))
    assert {"北辰区精神卫生中心", "天津辰光律师事务所"} <= names
    assert "北辰区阳光社会工作服务中心" not in names  # an operator, not a partner


@pytest.mark.parametrize(
    "org", ["outside", "北辰区阳光社会工作服务中心", "南开区同心社会工作服务中心"]
)
def test_referral_outside_the_allowed_list_is_refused(persona: Any, outside: Any, org: str) -> None:
    target = outside.organization if org == "outside" else Organization.objects.get(name=org)
    worker = persona("worker")
    before = Referral.objects.count()
    with pytest.raises(ValidationError) as e:
        refer(worker, to_organization=target)
    assert "to_organization" in e.value.error_dict
    assert Referral.objects.count() == before


def test_referral_to_a_service_type_needs_no_organization(persona: Any) -> None:
    referral = refer(persona("worker"), to_organization=None, service_type="judicial_aid")
    assert referral.service_type == "judicial_aid"
    with pytest.raises(ValidationError) as e:
        refer(persona("worker"), to_organization=None)
    assert "to_organization" in e.value.error_dict


def test_referral_stays_on_the_action_list_until_answered(persona: Any) -> None:
    worker, head = persona("worker"), persona("station_head")
    referral = refer(worker)
    assert referral in sel.referrals_awaiting_feedback(worker)
    assert referral in sel.referrals_awaiting_feedback(head)
    assert referral not in sel.referrals_awaiting_feedback(persona("neighbour_worker"))
    with pytest.raises(ValidationError):
        cases.record_referral_feedback(actor=worker, referral=referral, status="accepted")
    assert referral in sel.referrals_awaiting_feedback(worker)
    cases.record_referral_feedback(
        actor=worker, referral=referral, status="accepted", feedback="已接收，下周面谈"
    )
    assert referral not in sel.referrals_awaiting_feedback(worker)
    cases.record_referral_feedback(
        actor=worker, referral=referral, status="done", feedback="已结束", outcome="情绪稳定"
    )
    with pytest.raises(ValidationError) as e:
        cases.record_referral_feedback(
            actor=worker, referral=referral, status="accepted", feedback="x"
        )
    assert e.value.error_dict["status"][0].code == "transition"


def test_referral_closed_without_feedback_needs_a_reason(persona: Any) -> None:
    worker = persona("worker")
    referral = refer(worker)
    with pytest.raises(ValidationError) as e:
        cases.close_referral(actor=worker, referral=referral, closed_reason="  ")
    assert "closed_reason" in e.value.error_dict
    assert referral in sel.referrals_awaiting_feedback(worker)
    cases.close_referral(
        actor=worker, referral=referral, closed_reason="三次催问未回复，案主已自行就医"
    )
    assert referral not in sel.referrals_awaiting_feedback(worker)
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.CLOSED_NO_FEEDBACK


def test_referral_for_another_township_is_refused(persona: Any, outside: Any) -> None:
    with pytest.raises(ValidationError) as e:
        cases.make_referral(
            actor=persona("worker"), person=outside.person, direction="out", reason="x",
            service_type="hospital",
        )  # fmt: skip
    assert e.value.code == "forbidden"


def test_incoming_referral(persona: Any) -> None:
    worker = persona("worker")
    referral = cases.make_referral(
        actor=worker,
        person=register(worker),
        direction="in",
        reason="学校发现",
        other_party="果园小学",
    )
    assert referral in sel.incoming_referrals_to_answer(worker)
    assert referral not in sel.referrals_awaiting_feedback(worker)


def raise_alert(worker: Any) -> RiskAlert:
    return cases.raise_alert(
        actor=worker, person=register(worker), kind="self_harm", description="自述有轻生念头"
    )


@pytest.mark.parametrize(
    ("who", "sees"),
    [("station_head", True), ("district_admin", True), ("worker", False),
     ("neighbour_worker", False), ("other_district_admin", False), ("supervisor", False)],
)  # fmt: skip
def test_open_alerts_reach_the_station_head_and_district(
    persona: Any, who: str, sees: bool
) -> None:
    alert = raise_alert(persona("worker"))
    assert (alert in sel.open_alerts(persona(who))) is sees


def test_resolving_an_alert_needs_an_action(persona: Any) -> None:
    worker, head = persona("worker"), persona("station_head")
    alert = raise_alert(worker)
    with pytest.raises(ValidationError) as e:
        cases.resolve_alert(actor=head, alert=alert, resolution="已处理")
    assert "actions" in e.value.error_dict
    assert alert in sel.open_alerts(head)
    with pytest.raises(ValidationError) as e:
        cases.resolve_alert(actor=worker, alert=alert, resolution="已处理")
    assert e.value.code == "forbidden"
    cases.record_alert_action(
        actor=worker, alert=alert, kind="placement", taken_on=timezone.localdate(),
        note="当日安置至儿童福利机构",
    )  # fmt: skip
    cases.resolve_alert(actor=head, alert=alert, resolution="已安置，转介心理咨询")
    alert.refresh_from_db()
    assert alert.status == AlertStatus.RESOLVED and alert.resolved_by == head
    assert alert not in sel.open_alerts(head)
    assert alert not in sel.open_alerts(persona("district_admin"))


def test_alert_for_another_township_is_refused(persona: Any, outside: Any) -> None:
    with pytest.raises(ValidationError) as e:
        cases.raise_alert(
            actor=persona("worker"), person=outside.person, kind="neglect", description="x"
        )
    assert e.value.code == "forbidden"


@pytest.mark.dbless
@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        ("孩子昨晚割腕，已送医", ["self_harm"]),
        ("邻居说他常被父亲殴打，母亲也遭家暴", ["abuse_domestic_violence"]),
        ("老人无人照料，家里上周发生火灾", ["no_caregiver", "disaster"]),
        ("在学校被同学霸凌", ["bullying"]),
        ("曾有轻生念头", ["self_harm"]),
        ("今天精神不错，饮食正常", []),
        ("", []),
    ],
)
def test_suggests_alert(text: str, kinds: list[str]) -> None:
    assert cases.suggests_alert(text) == kinds
