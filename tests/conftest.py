"""Shared fixtures: the demo jurisdiction as test data, and the fixed cast of personas.

The session database holds Beijing's and Tianjin's divisions (Tianjin with communities), the
demo (北辰区 and 南开区 stations, staff, one login per role) and a few objects in Beijing 东城区
that lie outside every persona's jurisdiction.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from shegong.accounts import services as account_services
from shegong.accounts.models import ApiToken, RoleAssignment, User
from shegong.accounts.roles import Role
from shegong.core.actors import SystemActor
from shegong.core.models import Attachment
from shegong.demo.builder import DEMO_PASSWORD, build_demo
from shegong.people import services as people_services
from shegong.people.models import (
    ATTACHMENT_OWNER,
    Category,
    CategoryMembership,
    ImportBatch,
    Person,
    RiskAssessment,
)
from shegong.regions import services as region_services
from shegong.regions.loader import load_shipped
from shegong.regions.models import Organization, OrgKind, Region, StaffMember, Station

SYSTEM = SystemActor("tests")
BEIJING_STREET = 110101001000  # 东城区东华门街道
NANKAI = 120104000000

PERSONAS = (
    "worker",
    "neighbour_worker",
    "station_head",
    "supervisor",
    "district_admin",
    "other_district_admin",
    "city_admin",
    "auditor",
)
USERNAMES = {
    "worker": "demo_worker",
    "neighbour_worker": "demo_worker2",
    "station_head": "demo_station_head",
    "supervisor": "demo_supervisor",
    "district_admin": "demo_district_admin",
    "other_district_admin": "test_nankai_admin",
    "city_admin": "demo_city_admin",
    "auditor": "demo_auditor",
}


def build_test_world() -> None:
    _restore_migration_data()
    load_shipped(provinces=["11", "12"])
    build_demo(people=300, records=False)
    account_services.create_staff_account(
        actor=SYSTEM,
        username="test_nankai_admin",
        password=DEMO_PASSWORD,
        full_name="南开管理员",
        role=Role.DISTRICT_ADMIN,
        region=Region.objects.get(code=NANKAI),
    )
    # Objects outside every persona's jurisdiction (Beijing).
    street = Region.objects.get(code=BEIJING_STREET)
    org = region_services.create_organization(
        actor=SYSTEM, region=street, name="北京外部机构", kind=OrgKind.OPERATOR
    )
    station = region_services.create_station(
        actor=SYSTEM, region=street, name="东华门街道社工站", kind="township", operator=org
    )
    outsider = account_services.create_staff_account(
        actor=SYSTEM,
        username="test_beijing_worker",
        password=DEMO_PASSWORD,
        full_name="北京社工",
        role=Role.WORKER,
        station=station,
        certificate_level="social_worker",
        certificate_date=dt.date(2020, 1, 1),
    )
    account_services.issue_api_token(actor=outsider, name="outsider device")
    beijing_person = people_services.register_person(
        actor=SYSTEM,
        name="京外人员",
        id_number="11010519491231002X",
        region=street,
        phone="13900001111",
    )
    people_services.add_membership(
        actor=SYSTEM,
        person=beijing_person,
        category=Category.objects.get(code="dibao"),
        valid_from=dt.date(2024, 1, 1),
        source="civil_affairs",
    )
    people_services.set_risk_level(
        actor=SYSTEM, person=beijing_person, level="high", reason="外部测试"
    )
    from shegong.fieldwork.services import record_visit

    record_visit(
        actor=SYSTEM,
        person=beijing_person,
        kind="home_visit",
        visited_on=dt.date(2025, 1, 10),
        notes="外部走访",
    )
    _outside_casework(outsider, beijing_person)
    ImportBatch.objects.create(
        station=station, created_by=outsider, filename="北京台账.xlsx", sha256="0" * 64
    )
    # A row only (no file written): the 404 tests never reach the storage.
    Attachment.objects.create(
        owner_type=ATTACHMENT_OWNER,
        owner_id=beijing_person.pk,
        region_code=beijing_person.region_id,
        kind="photo",
        original_name="京外照片.jpg",
        content_type="image/jpeg",
        size=1,
        sha256="0" * 64,
        file="00/outside.jpg",
        thumbnail="00/outside_t.jpg",
        uploaded_by=outsider,
    )


def _outside_casework(outsider: User, person: Person) -> None:
    """A case (with a pending transfer to a second Beijing station), a referral and a risk
    alert on the Beijing person."""
    from shegong.fieldwork import case_services, case_transfers, cases

    case = case_services.open_case(
        actor=outsider, person=person, source="outreach", problem="外部个案", notes="外部机密"
    )
    jingshan = Region.objects.get(code=110101002000)
    other = region_services.create_station(
        actor=SYSTEM, region=jingshan, name="景山街道社工站", kind="township"
    )
    case_transfers.request_station_transfer(
        actor=outsider, case=case, to_station=other, reason="外部转站", expected_version=1
    )
    cases.make_referral(
        actor=outsider,
        person=person,
        direction="out",
        service_type="legal_aid",
        reason="外部转介",
        case=case,
    )
    cases.raise_alert(actor=outsider, person=person, kind="neglect", description="外部预警")
    from shegong.fieldwork import assessment_models, assessment_services

    general = assessment_models.DOMAIN_SETS[assessment_models.DomainSet.GENERAL]
    assessment_services.record_needs_assessment(
        actor=outsider,
        person=person,
        assessed_on=dt.date(2025, 2, 1),
        domains={d: {"level": "high", "needs": "外部需求"} for d in general},
        summary="外部预估",
        case=case,
    )
    assessment_services.record_self_care_assessment(
        actor=outsider,
        person=person,
        assessed_on=dt.date(2025, 2, 1),
        items={k: False for k in assessment_models.SELF_CARE_KEYS},
        note="外部自理评估",
    )


def _restore_migration_data() -> None:
    """What data migrations install (national categories, default visit policies): a
    transactional (browser) test's flush empties those tables too. Idempotent."""
    from shegong.fieldwork.models import VisitPolicy
    from shegong.fieldwork.policy import install_defaults
    from shegong.people.categories import sync

    sync(Category)
    install_defaults(VisitPolicy, Category)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> None:
    with django_db_blocker.unblock():
        build_test_world()


@dataclass(frozen=True)
class Outside:
    """Objects in Beijing: outside the jurisdiction of every persona."""

    region: Region
    station: Station
    organization: Organization
    staff: StaffMember
    user: User
    assignment: RoleAssignment
    token: ApiToken
    person: Person
    membership: CategoryMembership
    risk: RiskAssessment
    import_batch: ImportBatch
    visit: Any  # fieldwork.Visit
    attachment: Attachment
    case: Any  # fieldwork.Case
    transfer: Any  # fieldwork.CaseTransfer (pending, to 景山街道社工站)
    referral: Any  # fieldwork.Referral
    alert: Any  # fieldwork.RiskAlert
    needs_assessment: Any  # fieldwork.NeedsAssessment (tied to the case)
    selfcare_assessment: Any  # fieldwork.SelfCareAssessment


def _outside_visit(person: Person) -> Any:
    from shegong.fieldwork.models import Visit

    return Visit.objects.get(person=person, notes="外部走访")


@pytest.fixture
def outside(db: Any) -> Outside:
    station = Station.objects.get(region_id=BEIJING_STREET)
    user = User.objects.get(username="test_beijing_worker")
    person = Person.objects.get(name="京外人员")
    return Outside(
        region=Region.objects.get(code=BEIJING_STREET),
        station=station,
        organization=Organization.objects.get(name="北京外部机构"),
        staff=StaffMember.objects.get(user=user),
        user=user,
        assignment=RoleAssignment.objects.get(user=user),
        token=ApiToken.objects.get(user=user),
        person=person,
        membership=CategoryMembership.objects.get(person=person),
        risk=RiskAssessment.objects.get(person=person),
        import_batch=ImportBatch.objects.get(station=station),
        visit=_outside_visit(person),
        attachment=Attachment.objects.get(owner_type=ATTACHMENT_OWNER, owner_id=person.pk),
        **_outside_casework_objects(person),
    )


def _outside_casework_objects(person: Person) -> dict[str, Any]:
    from shegong.fieldwork.models import (
        Case,
        CaseTransfer,
        NeedsAssessment,
        Referral,
        RiskAlert,
        SelfCareAssessment,
    )

    case = Case.objects.get(person=person)
    return {
        "case": case,
        "transfer": CaseTransfer.objects.get(case=case),
        "referral": Referral.objects.get(person=person),
        "alert": RiskAlert.objects.get(person=person),
        "needs_assessment": NeedsAssessment.objects.get(person=person),
        "selfcare_assessment": SelfCareAssessment.objects.get(person=person),
    }


@pytest.fixture(autouse=True)
def default_language() -> None:
    """Every test starts in the default language (zh-hans): a test that rendered English, or a
    live server thread, must not decide the language of the next one."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def private_storage(settings: Any, tmp_path: Path) -> Path:
    """Every test's attachments (photos, receipts …) go to its own temporary directory, never
    to the data directory; the fixture's value is that directory."""
    root = tmp_path / "private"
    settings.STORAGES = {
        **settings.STORAGES,
        "attachments": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root)},
        },
    }
    return root


@pytest.fixture
def persona(db: Any) -> Any:
    """persona("worker") → that demo User."""

    def get(name: str) -> User:
        return User.objects.get(username=USERNAMES[name])

    return get


@pytest.fixture
def login(client: Client, persona: Any) -> Any:
    """login("district_admin") → the test client, logged in as that persona."""

    def do(name: str) -> Client:
        client.force_login(persona(name))
        return client

    return do


@pytest.fixture
def system() -> SystemActor:
    return SYSTEM


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    """Tests marked `dbless` (pure functions: ID numbers, normalizers, scoping) give the same
    answer on every database, so they run once, in the SQLite pass of `make test`."""
    if "postgres" not in os.environ.get("SHEGONG_DATABASE_URL", ""):
        return
    skip = pytest.mark.skip(reason="database-independent; runs in the SQLite pass")
    for item in items:
        if item.get_closest_marker("dbless"):
            item.add_marker(skip)
