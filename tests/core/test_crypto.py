"""Encryption at rest, key rotation and blind indexes (shegong.core.crypto, .fields, .checks)."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, models
from django.db.models import TextField, Value
from django.db.models.functions import Cast
from django.test import override_settings
from django.test.utils import isolate_apps
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shegong.core import checks, crypto
from shegong.core.crypto import DecryptionError, blind_index, blind_tail_index, decrypt, encrypt
from shegong.core.fields import EncryptedTextField


def b64(seed: int) -> str:
    return base64.b64encode(bytes((seed + i) % 256 for i in range(32))).decode()


KEY_A, KEY_B, INDEX_KEY, OTHER_INDEX_KEY = b64(1), b64(101), b64(201), b64(17)
ID_NUMBER = "11010519491231002X"
PHONE = "13800138000"


@pytest.fixture(autouse=True)
def _fresh_keys() -> Iterator[None]:
    crypto.reset_keys()
    yield
    crypto.reset_keys()


# --- Encryption ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "plaintext", [ID_NUMBER, PHONE, "张三丰，天津市北辰区果园新村街道", "a", "\0\n x", "😀" * 300]
)
def test_round_trip(plaintext: str) -> None:
    token = encrypt(plaintext)
    assert decrypt(token) == plaintext
    assert token.startswith("v1:dev:")
    assert plaintext not in token or len(plaintext) < 4


def test_token_format_is_versioned_keyed_base64url() -> None:
    with override_settings(SHEGONG_ENCRYPTION_KEYS=f"a:{KEY_A}"):
        token = encrypt(ID_NUMBER)
    version, key_id, payload = token.split(":")
    assert (version, key_id) == ("v1", "a")
    blob = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    # 96-bit nonce + ciphertext (same length as the UTF-8 plaintext) + 128-bit tag
    assert len(blob) == 12 + len(ID_NUMBER.encode()) + 16
    assert ID_NUMBER.encode() not in blob
    assert token.isascii() and "=" not in token


def test_two_encryptions_of_one_value_differ() -> None:
    tokens = {encrypt(ID_NUMBER) for _ in range(50)}
    assert len(tokens) == 50
    assert {decrypt(t) for t in tokens} == {ID_NUMBER}


def test_any_flipped_byte_is_detected() -> None:
    token = encrypt(ID_NUMBER)
    prefix, payload = token.rsplit(":", 1)
    blob = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    for i in range(len(blob)):
        for bit in (0x01, 0x80):
            changed = bytearray(blob)
            changed[i] ^= bit
            bad = f"{prefix}:{base64.urlsafe_b64encode(bytes(changed)).rstrip(b'=').decode()}"
            with pytest.raises(DecryptionError, match="changed"):
                decrypt(bad)


def test_truncated_or_malformed_tokens_fail_with_decryption_error() -> None:
    token = encrypt(PHONE)
    for bad in [
        token[:-1],
        token[:20],
        token.replace("v1:", "v2:", 1),
        token + "!",
        "v1:dev:",
        "v1::abc",
        "plaintext 13800138000",
        "",
    ]:
        with pytest.raises(DecryptionError) as info:
            decrypt(bad)
        assert PHONE not in str(info.value)


def test_key_id_is_authenticated() -> None:
    """Relabelling a token with another configured key id fails (the key id is the AAD)."""
    with override_settings(SHEGONG_ENCRYPTION_KEYS=f"a:{KEY_A},b:{KEY_A}"):
        token = encrypt(ID_NUMBER)
        assert token.startswith("v1:a:")
        with pytest.raises(DecryptionError):
            decrypt("v1:b:" + token.removeprefix("v1:a:"))


def test_rotation_old_key_still_decrypts_and_new_key_encrypts() -> None:
    with override_settings(SHEGONG_ENCRYPTION_KEYS=f"A:{KEY_A}"):
        old = encrypt(ID_NUMBER)
        assert not crypto.needs_rotation(old)
    with override_settings(SHEGONG_ENCRYPTION_KEYS=f"B:{KEY_B},A:{KEY_A}"):
        assert crypto.current_key_id() == "B"
        assert decrypt(old) == ID_NUMBER
        assert crypto.needs_rotation(old)
        new = encrypt(decrypt(old))
        assert new.startswith("v1:B:")
        assert not crypto.needs_rotation(new)
        assert decrypt(new) == ID_NUMBER
        assert not crypto.needs_rotation("")
    with override_settings(SHEGONG_ENCRYPTION_KEYS=[f"B:{KEY_B}"]):  # A retired
        assert decrypt(new) == ID_NUMBER
        with pytest.raises(DecryptionError, match=r"Unknown encryption key id 'A'"):
            decrypt(old)


def test_unknown_key_id_fails_clearly() -> None:
    with override_settings(SHEGONG_ENCRYPTION_KEYS=f"A:{KEY_A}"):
        token = encrypt(PHONE)
    with override_settings(SHEGONG_ENCRYPTION_KEYS=f"B:{KEY_B}"):
        with pytest.raises(DecryptionError) as info:
            decrypt(token)
        assert "Unknown encryption key id 'A'" in str(info.value)
        assert "SHEGONG_ENCRYPTION_KEYS" in str(info.value)
        assert crypto.needs_rotation(token)
    # The same key id with different key material: authentication fails.
    with (
        override_settings(SHEGONG_ENCRYPTION_KEYS=f"A:{KEY_B}"),
        pytest.raises(DecryptionError, match="does not authenticate"),
    ):
        decrypt(token)


def test_development_keys_derive_from_secret_key() -> None:
    token = encrypt(PHONE)
    index = blind_index(PHONE, purpose="phone")
    assert token.startswith("v1:dev:")
    crypto.reset_keys()
    assert decrypt(token) == PHONE  # deterministic derivation
    assert blind_index(PHONE, purpose="phone") == index
    with override_settings(SECRET_KEY="another-development-secret-key-0123456789-abcdef"):
        with pytest.raises(DecryptionError):
            decrypt(token)
        assert blind_index(PHONE, purpose="phone") != index
    ring = crypto.load_keys()
    assert ring.keys["dev"] != ring.blind_index_key  # distinct HKDF info strings
    assert "dev" in repr(ring) and str(ring.keys["dev"]) not in repr(ring)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("nokeyid", "keyid:base64key"),
        (f"bad id:{KEY_A}", "keyid:base64key"),
        ("a:not base64!", "not valid base64"),
        (f"a:{base64.b64encode(b'short').decode()}", "32 bytes, not 5"),
        (f"a:{KEY_A},a:{KEY_B}", "listed twice"),
    ],
)
def test_malformed_key_settings_are_refused(value: str, message: str) -> None:
    with override_settings(SHEGONG_ENCRYPTION_KEYS=value):
        with pytest.raises(ImproperlyConfigured, match=message):
            encrypt(PHONE)
        assert [m.id for m in checks.check_keys_valid()] == ["shegong.E003"]
    with override_settings(SHEGONG_BLIND_INDEX_KEY="c2hvcnQ="):
        with pytest.raises(ImproperlyConfigured, match="32 bytes"):
            blind_index(PHONE, purpose="phone")
        assert [m.id for m in checks.check_keys_valid()] == ["shegong.E003"]


def test_url_safe_base64_keys_are_accepted() -> None:
    raw = bytes(range(200, 232))
    urlsafe = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    standard = base64.b64encode(raw).decode()
    assert crypto.parse_encryption_keys(f"k:{urlsafe}") == {"k": raw}
    assert crypto.parse_encryption_keys(f" k : {standard} , ") == {"k": raw}


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text())
def test_decrypt_inverts_encrypt_for_any_text(plaintext: str) -> None:
    token = encrypt(plaintext)
    assert decrypt(token) == plaintext
    assert token.isascii()
    if len(plaintext) >= 8:
        payload = token.rsplit(":", 1)[1]
        assert plaintext not in token
        blob = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        assert plaintext.encode("utf-8", "surrogatepass") not in blob


def test_lone_surrogates_round_trip() -> None:
    assert decrypt(encrypt("a\ud800b")) == "a\ud800b"


def test_encrypt_refuses_non_text() -> None:
    with pytest.raises(TypeError, match="int"):
        encrypt(110105194912310020)  # type: ignore[arg-type]


# --- Blind indexes ---------------------------------------------------------------------------


def test_blind_index_is_deterministic_128_bit_hex() -> None:
    with override_settings(SHEGONG_BLIND_INDEX_KEY=INDEX_KEY):
        first = blind_index(ID_NUMBER, purpose="id_number")
        crypto.reset_keys()
        assert blind_index(ID_NUMBER, purpose="id_number") == first
    assert len(first) == 32 and int(first, 16) >= 0
    assert first != blind_index("110105194912310021", purpose="id_number")


def test_blind_index_is_keyed() -> None:
    with override_settings(SHEGONG_BLIND_INDEX_KEY=INDEX_KEY):
        one = blind_index(PHONE, purpose="phone")
    with override_settings(SHEGONG_BLIND_INDEX_KEY=OTHER_INDEX_KEY):
        other = blind_index(PHONE, purpose="phone")
    assert one != other
    # Not a plain (unkeyed) hash of the value.
    import hashlib

    assert one not in hashlib.sha256(f"phone\0{PHONE}".encode()).hexdigest()
    # The encryption keys do not change the blind index.
    with override_settings(SHEGONG_BLIND_INDEX_KEY=INDEX_KEY, SHEGONG_ENCRYPTION_KEYS=f"B:{KEY_B}"):
        assert blind_index(PHONE, purpose="phone") == one


def test_blind_index_is_purpose_separated() -> None:
    value = "13800138000"
    assert blind_index(value, purpose="phone") != blind_index(value, purpose="id_number")
    assert blind_tail_index(value, 4, "phone") != blind_index(value[-4:], purpose="phone")
    assert blind_tail_index(value, 4, "phone") != blind_tail_index(value, 4, "id_number")


def test_blind_tail_index_matches_on_the_last_n_characters_only() -> None:
    a, b = "11010519491231002X", "12011319800101002X"
    assert blind_tail_index(a, 4, "id_number") == blind_tail_index(b, 4, purpose="id_number")
    assert blind_tail_index(a, 6, "id_number") != blind_tail_index(b, 6, "id_number")
    assert blind_tail_index(a, 4, "id_number") != blind_tail_index(a, 6, "id_number")
    assert blind_tail_index("002X", 4, "id_number") == blind_tail_index(a, 4, "id_number")
    with pytest.raises(ValueError, match="shorter"):
        blind_tail_index("12X", 4, "id_number")
    with pytest.raises(ValueError, match="positive"):
        blind_tail_index(a, 0, "id_number")


@pytest.mark.parametrize("purpose", ["", "Phone", "id:tail4", "a\0b", "x" * 65])
def test_blind_index_refuses_ambiguous_purposes(purpose: str) -> None:
    with pytest.raises(ValueError, match="purpose"):
        blind_index(PHONE, purpose=purpose)


def test_blind_index_refuses_empty_values() -> None:
    with pytest.raises(ValueError, match="empty"):
        blind_index("", purpose="phone")


# --- The model field -------------------------------------------------------------------------


def test_field_prep_value_encrypts_and_from_db_value_decrypts() -> None:
    field = EncryptedTextField(null=True, blank=True)
    stored = field.get_prep_value(ID_NUMBER)
    assert isinstance(stored, str) and stored.startswith("v1:")
    assert ID_NUMBER not in stored
    assert field.from_db_value(stored, None, connection) == ID_NUMBER
    assert field.get_prep_value(None) is None
    assert field.get_prep_value("") == ""
    assert field.from_db_value(None, None, connection) is None
    assert field.from_db_value("", None, connection) == ""
    assert field.get_db_prep_value(PHONE, connection) != field.get_db_prep_value(PHONE, connection)
    with pytest.raises(DecryptionError):
        field.from_db_value(stored[:-2], None, connection)


def test_field_deconstructs_for_migrations() -> None:
    field = EncryptedTextField(null=True, blank=True, verbose_name="ID number")
    _name, path, args, kwargs = field.deconstruct()
    assert path == "shegong.core.fields.EncryptedTextField"
    assert args == [] and kwargs == {"null": True, "blank": True, "verbose_name": "ID number"}
    clone = EncryptedTextField(*args, **kwargs)
    assert clone.null and clone.blank


@pytest.mark.django_db
def test_field_round_trips_through_the_database() -> None:
    """A Value typed as the field goes to the database encrypted and comes back decrypted."""
    qs = ContentType.objects.order_by("pk")[:1]
    plain = qs.annotate(v=Value(ID_NUMBER, output_field=EncryptedTextField()))
    assert list(plain.values_list("v", flat=True)) == [ID_NUMBER]
    raw = qs.annotate(
        v=Cast(Value(ID_NUMBER, output_field=EncryptedTextField()), output_field=TextField())
    )
    [token] = raw.values_list("v", flat=True)
    assert token.startswith("v1:dev:") and ID_NUMBER not in token
    assert decrypt(token) == ID_NUMBER


@pytest.fixture
def vault_model() -> Iterator[Any]:
    """A throwaway model using the field (no migration; the table lives in the test's
    transaction, so it is rolled back with it)."""
    with isolate_apps("shegong.core"):

        class Vault(models.Model):
            secret = EncryptedTextField(null=True, blank=True)
            secret_index = models.CharField(max_length=32, null=True, db_index=True)

            class Meta:
                app_label = "core"
                db_table = "test_crypto_vault"

            def __str__(self) -> str:
                return f"vault {self.pk}"

        yield Vault


@pytest.mark.django_db
def test_field_on_a_real_model(vault_model: Any) -> None:
    Vault = vault_model
    sql, params = connection.schema_editor().table_sql(Vault)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
    row = Vault.objects.create(
        secret=ID_NUMBER, secret_index=blind_index(ID_NUMBER, purpose="id_number")
    )
    Vault.objects.create(secret=None)
    Vault.objects.create(secret="")
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM test_crypto_vault WHERE id = %s", [row.pk])
        [stored] = cursor.fetchone()
    assert stored.startswith("v1:dev:") and ID_NUMBER not in stored
    assert Vault.objects.get(pk=row.pk).secret == ID_NUMBER
    found = Vault.objects.get(secret_index=blind_index(ID_NUMBER, purpose="id_number"))
    assert found.secret == ID_NUMBER
    assert Vault.objects.filter(secret__isnull=True).count() == 1
    assert Vault.objects.filter(secret=None).count() == 1
    assert Vault.objects.filter(secret="").count() == 1
    assert Vault.objects.filter(secret__isnull=False).count() == 2
    for lookup in ["secret", "secret__exact", "secret__iexact", "secret__contains"]:
        with pytest.raises(TypeError, match=r"core\.Vault\.secret is encrypted"):
            Vault.objects.filter(**{lookup: ID_NUMBER})
    with pytest.raises(TypeError, match="encrypted"):
        Vault.objects.filter(secret__lower="x")
    row.secret = "13900139000"
    row.save()
    assert Vault.objects.get(pk=row.pk).secret == "13900139000"


def test_field_refuses_unique_and_index() -> None:
    with isolate_apps("shegong.core"):

        class Bad(models.Model):
            secret = EncryptedTextField(unique=True)

            class Meta:
                app_label = "core"

            def __str__(self) -> str:
                return "bad"

        assert [e.id for e in Bad._meta.get_field("secret").check()] == ["shegong.E004"]


# --- Deploy checks ---------------------------------------------------------------------------


def test_checks_report_missing_keys_and_pass_when_set() -> None:
    with override_settings(SHEGONG_ENCRYPTION_KEYS="", SHEGONG_BLIND_INDEX_KEY=""):
        assert [m.id for m in checks.check_keys_configured()] == ["shegong.E001", "shegong.E002"]
        assert checks.check_keys_valid() == []
    with override_settings(SHEGONG_ENCRYPTION_KEYS=f"k1:{KEY_A}", SHEGONG_BLIND_INDEX_KEY=""):
        assert [m.id for m in checks.check_keys_configured()] == ["shegong.E002"]
    with override_settings(
        SHEGONG_ENCRYPTION_KEYS=f"k2:{KEY_B},k1:{KEY_A}", SHEGONG_BLIND_INDEX_KEY=INDEX_KEY
    ):
        assert checks.check_keys_configured() == []
        assert checks.check_keys_valid() == []
    with override_settings(SHEGONG_ENCRYPTION_KEYS=f"k1:{KEY_A}", SHEGONG_BLIND_INDEX_KEY=KEY_A):
        assert [m.id for m in checks.check_keys_valid()] == ["shegong.W001"]


def test_check_deploy_fails_without_the_encryption_keys(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHEGONG_")}
    env |= {
        "SHEGONG_SECRET_KEY": "x" * 20 + "-production-secret-key-for-this-test-only-9f3a",
        "SHEGONG_ALLOWED_HOSTS": "shegong.example.org",
        "SHEGONG_DATA_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "-m", "shegong.cli", "manage", "check", "--deploy"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "shegong.E001" in output and "SHEGONG_ENCRYPTION_KEYS is not set" in output
    assert "shegong.E002" in output and "SHEGONG_BLIND_INDEX_KEY is not set" in output
