"""System checks for the personal-data keys (registered in CoreConfig.ready).

shegong.E001  deploy: SHEGONG_ENCRYPTION_KEYS is not set (keys derived from SECRET_KEY)
shegong.E002  deploy: SHEGONG_BLIND_INDEX_KEY is not set (key derived from SECRET_KEY)
shegong.E003  always: a key setting is set but cannot be parsed
shegong.W001  always: the blind-index key is also an encryption key
(shegong.E004 is EncryptedTextField's own model check.)
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from . import crypto

_GENERATE = "openssl rand -base64 32"


def _is_set(name: str) -> bool:
    value = getattr(settings, name, "")
    if isinstance(value, str):
        return bool(value.strip())
    return bool(value)


def check_keys_configured(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Deploy check: production must bring its own keys, not ones derived from SECRET_KEY."""
    errors: list[checks.CheckMessage] = []
    if not _is_set(crypto.ENCRYPTION_KEYS_SETTING):
        errors.append(
            checks.Error(
                "SHEGONG_ENCRYPTION_KEYS is not set: ID numbers and phone numbers would be "
                "encrypted with a key derived from SECRET_KEY.",
                hint=(
                    "Set SHEGONG_ENCRYPTION_KEYS=<keyid>:<base64 32-byte key> (generate with "
                    f"`{_GENERATE}`); see docs/operations.md, Key rotation."
                ),
                id="shegong.E001",
            )
        )
    if not _is_set(crypto.BLIND_INDEX_KEY_SETTING):
        errors.append(
            checks.Error(
                "SHEGONG_BLIND_INDEX_KEY is not set: blind indexes of ID numbers and phone "
                "numbers would use a key derived from SECRET_KEY.",
                hint=f"Set SHEGONG_BLIND_INDEX_KEY=<base64 32-byte key> (`{_GENERATE}`).",
                id="shegong.E002",
            )
        )
    return errors


def check_keys_valid(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Always: a key setting that is set must parse (caught at start-up, not at first save)."""
    messages: list[checks.CheckMessage] = []
    keys: dict[str, bytes] = {}
    index_key: bytes | None = None
    try:
        keys = crypto.parse_encryption_keys(getattr(settings, crypto.ENCRYPTION_KEYS_SETTING, ""))
    except ImproperlyConfigured as exc:
        messages.append(checks.Error(str(exc), id="shegong.E003"))
    try:
        index_key = crypto.parse_blind_index_key(
            getattr(settings, crypto.BLIND_INDEX_KEY_SETTING, "")
        )
    except ImproperlyConfigured as exc:
        messages.append(checks.Error(str(exc), id="shegong.E003"))
    if index_key is not None and index_key in keys.values():
        messages.append(
            checks.Warning(
                "SHEGONG_BLIND_INDEX_KEY is also one of the SHEGONG_ENCRYPTION_KEYS.",
                hint="Use independent keys for encryption and for blind indexes.",
                id="shegong.W001",
            )
        )
    return messages
