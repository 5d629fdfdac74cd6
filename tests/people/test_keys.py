"""Key rotation: after a new key is put first, `rotate_keys` re-encrypts every stored ID number
and phone with it, and the old key can then be removed."""

from __future__ import annotations

import base64
import io
import os
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from shegong.core.crypto import key_id_of, load_keys
from shegong.people.models import Person

pytestmark = pytest.mark.django_db


def _raw(pk: int) -> tuple[str, str]:
    with connection.cursor() as cur:
        cur.execute("SELECT id_number, phone FROM people_person WHERE id = %s", [pk])
        row = cur.fetchone()
    return row[0], row[1]


def test_rotation_reencrypts_with_the_new_key_and_the_old_can_go(persona: Any) -> None:
    person = Person.objects.exclude(id_number="").exclude(phone="").first()
    assert person is not None
    number, phone = person.id_number, person.phone
    old_id = load_keys().current_id
    old_keys = ",".join(
        f"{kid}:{base64.b64encode(key).decode()}" for kid, key in load_keys().keys.items()
    )
    new = "k2026:" + base64.b64encode(os.urandom(32)).decode()
    with override_settings(SHEGONG_ENCRYPTION_KEYS=f"{new},{old_keys}"):
        assert key_id_of(_raw(person.pk)[0]) == old_id
        out = io.StringIO()
        call_command("rotate_keys", stdout=out)
        assert "people_person: re-encrypted" in out.getvalue()
        assert all(key_id_of(t) == "k2026" for t in _raw(person.pk))
    with override_settings(SHEGONG_ENCRYPTION_KEYS=new):
        fresh = Person.objects.get(pk=person.pk)
        assert (fresh.id_number, fresh.phone) == (number, phone)


def test_key_rotation_finds_every_encrypted_column() -> None:
    from shegong.people.management.commands.rotate_keys import encrypted_columns

    assert dict(encrypted_columns()) == {
        "people_person": ("id_number", "phone"),
        "community_volunteer": ("phone",),
        "community_residentrequest": ("contact",),
        "resources_donor": ("phone",),
    }
