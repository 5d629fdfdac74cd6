"""Staff accounts and roles: nobody acts beyond their own subtree and powers."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from shegong.accounts import services
from shegong.accounts.models import RoleAssignment, User
from shegong.accounts.roles import Role
from shegong.regions.models import Region, Station

pytestmark = pytest.mark.django_db
PASSWORD = "Lantern-Harbor-2026"


def station(code: str) -> Station:
    return Station.objects.get(code=code)


def new_account(actor: Any, username: str = "new_worker", **kw: Any) -> User:
    args: dict[str, Any] = {"role": Role.WORKER, "station": station("120113001000")} | kw
    return services.create_staff_account(
        actor=actor, username=username, password=PASSWORD, full_name="新社工", **args
    )


def test_a_district_admin_creates_a_worker_who_sees_only_their_township(persona: Any) -> None:
    user = new_account(persona("district_admin"))
    scope = user.jurisdiction()
    assert scope.contains(120113001009)  # 朝阳里
    assert not scope.contains(120113002001)  # the neighbouring street's community
    assert user.staff_member.posts.get().station.code == "120113001000"


def test_duplicate_username_is_refused_whatever_its_case(persona: Any) -> None:
    with pytest.raises(ValidationError) as e:
        new_account(persona("district_admin"), username="Demo_Worker")
    assert "username" in e.value.error_dict


def test_certificate_dated_in_the_future_is_refused(persona: Any) -> None:
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as e:
        new_account(
            persona("district_admin"),
            certificate_level="assistant",
            certificate_number="X1",
            certificate_date=tomorrow,
        )
    assert "certificate_date" in e.value.error_dict
    assert not User.objects.filter(username="new_worker").exists()


@pytest.mark.parametrize(
    ("actor", "kwargs"),
    [
        # another district's station
        ("district_admin", {"station": "120104001000"}),
        # a station head outside their own station
        ("station_head", {"station": "120113002000"}),
    ],
)
def test_nobody_creates_accounts_outside_their_subtree(
    persona: Any, actor: str, kwargs: dict[str, str]
) -> None:
    with pytest.raises(ValidationError) as e:
        new_account(persona(actor), station=station(kwargs["station"]))
    assert "station" in e.value.error_dict
    assert not User.objects.filter(username="new_worker").exists()


@pytest.mark.parametrize(
    ("actor", "role", "region"),
    [
        ("station_head", Role.DISTRICT_ADMIN, 120113000000),
        ("district_admin", Role.CITY_ADMIN, 120113000000),
        ("district_admin", Role.DISTRICT_ADMIN, 120000000000),
        ("worker", Role.WORKER, None),
    ],
)
def test_nobody_grants_a_role_beyond_their_powers(
    persona: Any, actor: str, role: str, region: int | None
) -> None:
    with pytest.raises(ValidationError):
        new_account(
            persona(actor),
            role=role,
            station=station("120113001000") if region is None else None,
            region=Region.objects.get(code=region) if region else None,
        )


def test_a_station_head_creates_a_worker_for_their_own_station(persona: Any) -> None:
    user = new_account(persona("station_head"))
    assert RoleAssignment.objects.current().get(user=user).role == Role.WORKER


def test_grant_and_revoke_are_effective_dated(persona: Any) -> None:
    admin = persona("district_admin")
    user = new_account(admin)
    extra = services.grant_role(
        actor=admin, user=user, role=Role.WORKER, station=station("120113002000")
    )
    user.forget_jurisdiction()
    assert user.jurisdiction().contains(120113002001)
    services.revoke_role(actor=admin, assignment=extra)
    fresh = User.objects.get(pk=user.pk)
    assert not fresh.jurisdiction().contains(120113002001)
    assert RoleAssignment.objects.filter(pk=extra.pk).exists()  # history stays


def test_nobody_changes_their_own_roles(persona: Any) -> None:
    admin = persona("district_admin")
    with pytest.raises(ValidationError):
        services.grant_role(
            actor=admin,
            user=admin,
            role=Role.CITY_ADMIN,
            region=Region.objects.get(code=120113000000),
        )


def test_staff_form_reports_errors_at_fields(login: Any) -> None:
    client = login("district_admin")
    response = client.post(
        "/staff/new/",
        {
            "username": "demo_worker",
            "full_name": "重复",
            "password1": "short",
            "password2": "different",
            "role": "worker",
            "station": station("120113001000").pk,
        },
    )
    assert response.status_code == 422
    errors = response.context["form"].errors
    assert "password2" in errors
    response = client.post(
        "/staff/new/",
        {
            "username": "demo_worker",
            "full_name": "重复",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "role": "worker",
            "station": station("120113001000").pk,
        },
    )
    assert "username" in response.context["form"].errors


def test_the_staff_form_offers_only_stations_and_roles_in_reach(login: Any) -> None:
    response = login("station_head").get("/staff/new/")
    form = response.context["form"]
    # Their own station and the community rooms inside its township, nothing next door.
    codes = [s.code for s in form.fields["station"].queryset]
    assert "120113001000" in codes and len(codes) >= 4
    assert all(c.startswith("120113001") for c in codes)
    assert {value for value, _ in form.fields["role"].choices} == {
        "worker",
        "supervisor",
        "auditor",
        "station_head",
    }


def test_creating_through_the_api_gives_the_same_result_as_the_form(login: Any) -> None:
    client = login("district_admin")
    response = client.post(
        "/api/staff",
        {
            "username": "api_worker",
            "password": PASSWORD,
            "full_name": "接口社工",
            "role": "worker",
            "station": "120113001000",
            "certificate_level": "assistant",
            "certificate_number": "T-1",
            "certificate_date": "2024-05-01",
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["username"] == "api_worker"
    assert body["posts"][0]["station"] == "120113001000"
    assert body["roles"][0]["role"] == "worker"
    bad = client.post(
        "/api/staff",
        {
            "username": "api_worker2",
            "password": PASSWORD,
            "full_name": "x",
            "role": "worker",
            "station": "120113001000",
            "certificate_level": "assistant",
            "certificate_date": "2999-01-01",
        },
        content_type="application/json",
    )
    assert bad.status_code == 422
    assert "certificate_date" in bad.json()["errors"]
