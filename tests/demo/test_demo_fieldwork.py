"""The demo's field work (demo.fieldwork and demo.casework), built on the test world inside each
test's transaction: visits following the visit policy, cases in every stage, assessments,
referrals and risk alerts, made through the services by the demo staff."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from typing import Any

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from shegong.core.models import AuditEvent
from shegong.demo.builder import GUOYUAN, JIXIANLI
from shegong.demo.fieldwork import build_fieldwork
from shegong.fieldwork import case_selectors, selectors
from shegong.fieldwork.models import (
    AlertActionKind,
    AlertStatus,
    Case,
    CaseClosure,
    CaseStageChange,
    ClosureStatus,
    NeedsAssessment,
    Referral,
    ReferralStatus,
    RiskAlert,
    SelfCareAssessment,
    Visit,
)
from shegong.people.models import CategoryMembership
from shegong.regions.models import Station

pytestmark = pytest.mark.django_db

DEMO_STAFF = {"demo_worker", "demo_worker2", "demo_station_head", "demo_supervisor"}


def today() -> dt.date:
    return timezone.localdate()


def build(seed: int = 2027) -> list[str]:
    said: list[str] = []
    build_fieldwork(rng=random.Random(seed), today=today(), say=said.append)
    return said


def station(code: int) -> Station:
    return Station.objects.get(region_id=code, kind="township")


def test_visits_follow_the_policy_and_name_the_staff(persona: Any) -> None:
    beijing_before = Visit.objects.filter(region_code__lt=120000000000).count()
    last_event = AuditEvent.objects.latest("pk").pk
    said = build()
    assert said and "visits" in said[0]
    demo = Visit.objects.filter(station__in=[station(GUOYUAN), station(JIXIANLI)])
    assert demo.count() > 100
    # Half a year back, nothing in the future.
    assert demo.filter(visited_on__gt=today()).count() == 0
    assert demo.filter(visited_on__lt=today() - dt.timedelta(days=183)).count() == 0
    kinds = Counter(demo.values_list("kind", flat=True))
    assert {"home_visit", "phone_call", "screening", "escort"} <= set(kinds)
    # Recorded by the demo workers (or the station head), who went themselves.
    assert set(demo.values_list("recorded_by__username", flat=True)) <= DEMO_STAFF
    assert not demo.filter(workers=None).exists()
    assert demo.exclude(checklist={}).exists()
    concerns = [
        v.checklist
        for v in demo.exclude(checklist={})
        if any(e["status"] == "concern" for e in v.checklist.values())
    ]
    assert concerns
    assert demo.exclude(needs_found="").exists()
    # Households visited as a whole: one visit per member, same day and kind.
    grouped = Counter(
        demo.exclude(household=None).values_list("household_id", "visited_on", "kind")
    )
    assert grouped and all(n >= 2 for n in grouped.values())
    # One audit row per recorded visit (a household's visit is one), naming the demo staff
    # at their stations and the demo's system actor for the paper ledgers elsewhere.
    rows = AuditEvent.objects.filter(pk__gt=last_event, action="visit.record")
    households = len(grouped)
    assert (
        rows.count()
        == Visit.objects.filter(region_code__gte=120000000000, household=None).count() + households
    )
    staff = rows.filter(object_id__in=[str(pk) for pk in demo.values_list("pk", flat=True)])
    assert staff.exists() and set(staff.values_list("user__username", flat=True)) <= DEMO_STAFF
    assert set(rows.exclude(pk__in=staff).values_list("username", flat=True)) == {"demo"}
    # The other Tianjin stations' contacts come from their paper ledgers; Beijing is untouched.
    ledger = Visit.objects.filter(region_code__gte=120000000000).exclude(
        station__in=[station(GUOYUAN), station(JIXIANLI)]
    )
    assert ledger.exists() and set(ledger.values_list("recorded_by", flat=True)) == {None}
    assert Visit.objects.filter(region_code__lt=120000000000).count() == beijing_before


def test_worklist_and_nobody_forgotten_show_something_but_not_everyone(persona: Any) -> None:
    admin = persona("district_admin")
    forgotten_before = {r.person.pk for r in selectors.nobody_forgotten(admin, today())}
    build()
    worklist = selectors.worklist(persona("worker"), today())
    assert worklist.overdue
    assert worklist.due_today
    if selectors.end_of_week(today()) > today():  # on a Sunday the week has no days left
        assert worklist.due_this_week
    forgotten = {r.person.pk for r in selectors.nobody_forgotten(admin, today())}
    assert forgotten and forgotten < forgotten_before
    assert len(forgotten) <= len(forgotten_before) // 2
    head = selectors.nobody_forgotten(persona("station_head"), today())
    assert head and {r.station for r in head} == {station(GUOYUAN)}


def test_cases_in_every_stage(persona: Any) -> None:
    last_event = AuditEvent.objects.latest("pk").pk
    build()
    cases = Case.objects.filter(region_code__gte=120000000000)
    stages = Counter(cases.values_list("stage", flat=True))
    assert stages == {
        "intake": 2,
        "assessment": 2,  # one of them reopened after its closure
        "plan": 1,
        "intervention": 3,
        "evaluation": 2,  # one with its closure report awaiting the supervisor
        "closed": 1,
        "referred_out": 1,
    }
    workers = set(cases.values_list("assigned_worker__username", flat=True))
    assert workers == {"demo_worker", "demo_worker2"}
    assert not cases.filter(notes="").exists()
    assert cases.filter(opened_on__lt=today() - dt.timedelta(days=100)).exists()
    pending = CaseClosure.objects.get(case__in=cases, status=ClosureStatus.REQUESTED)
    assert pending.case.stage == "evaluation"
    signed = CaseClosure.objects.filter(case__in=cases, status=ClosureStatus.SIGNED)
    assert signed.count() == 2
    assert {c.supervisor_signed_by.username for c in signed} == {"demo_supervisor"}
    reopened = CaseStageChange.objects.get(case__in=cases, from_stage="closed")
    assert reopened.to_stage == "assessment" and reopened.case.stage == "assessment"
    with_plan = cases.filter(stage__in=["intervention", "evaluation", "closed"])
    assert all(c.plans.exists() and c.services.exists() for c in with_plan)
    assert all(g["target"] for c in with_plan for g in c.plans.first().goals)
    # The audit log names the people who did it.
    case_rows = AuditEvent.objects.filter(pk__gt=last_event, action__startswith="case.")
    assert case_rows.count() >= 12
    assert set(case_rows.values_list("user__username", flat=True)) <= DEMO_STAFF


def test_assessments_referrals_and_alerts(persona: Any, login: Any) -> None:
    build()
    cases = Case.objects.filter(region_code__gte=120000000000)
    assessed = cases.exclude(stage__in=["intake", "referred_out"])
    assert NeedsAssessment.objects.filter(case__in=assessed).count() == assessed.count()
    selfcare = SelfCareAssessment.objects.filter(region_code__gte=120000000000)
    assert selfcare.count() >= 5
    for a in selfcare.select_related("person"):
        tekun = CategoryMembership.objects.on(a.assessed_on).filter(
            person=a.person, category__code="tekun"
        )
        assert (a.person.age_on(today()) or 0) >= 75 or tekun.exists()

    referrals = Referral.objects.filter(region_code__gte=120000000000)
    assert referrals.count() == 3
    answered = referrals.get(to_organization__name="北辰区精神卫生中心")
    assert answered.status == ReferralStatus.DONE and answered.feedback and answered.outcome
    waiting = referrals.get(to_organization__name="天津辰光律师事务所")
    assert waiting.service_type == "legal_aid" and waiting.status == ReferralStatus.SENT
    assert waiting.sent_on == today() - dt.timedelta(days=20)
    assert waiting in case_selectors.referrals_awaiting_feedback(persona("worker"))
    incoming = referrals.get(direction="in")
    assert any(
        incoming in case_selectors.incoming_referrals_to_answer(persona(p))
        for p in ("worker", "neighbour_worker")
    )

    youth = RiskAlert.objects.get(kind="self_harm", region_code__gte=120000000000)
    assert youth.status == AlertStatus.RESOLVED and youth.case is not None
    assert (youth.person.age_on(today()) or 99) < 18
    assert youth.person.risk_level == "crisis"
    placement = youth.actions.get(kind=AlertActionKind.PLACEMENT)
    assert placement.taken_on == timezone.localtime(youth.raised_at).date()
    assert youth.resolved_by.username == "demo_station_head"
    neglect = RiskAlert.objects.get(kind="neglect", region_code__gte=120000000000)
    assert neglect.status == AlertStatus.OPEN
    assert (neglect.person.age_on(today()) or 0) >= 60
    assert neglect.person.living_situation == "alone"

    # The open alert is on the station head's and the district admin's start pages.
    for who in ("station_head", "district_admin"):
        html = login(who).get(reverse("home")).content.decode()
        assert 'data-testid="panel-open-alerts"' in html
        assert neglect.person.name in html
    # The worker's worklist page lists the overdue.
    page = login("worker").get(reverse("fieldwork:worklist")).content.decode()
    assert 'data-testid="record-visit"' in page


def test_the_same_seed_builds_the_same_field_work() -> None:
    def signature() -> tuple[list[Any], list[Any]]:
        with transaction.atomic():
            build(seed=5)
            visits = list(
                Visit.objects.filter(region_code__gte=120000000000)
                .order_by("pk")
                .values_list("person_id", "kind", "visited_on", "checklist", "notes")
            )
            cases = list(
                Case.objects.filter(region_code__gte=120000000000)
                .order_by("pk")
                .values_list("person_id", "stage", "opened_on")
            )
            transaction.set_rollback(True)
        return visits, cases

    assert signature() == signature()
