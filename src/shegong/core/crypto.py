"""Field-level encryption and keyed blind indexes for personal data (ID numbers, phones).

Encryption: AES-256-GCM, a fresh random 96-bit nonce per value, the key id as associated data.
A token is text: ``v1:<keyid>:<base64url(nonce + ciphertext + tag)>`` (no padding).

Keys come from settings (environment variables of the same name, docs/operations.md):

``SHEGONG_ENCRYPTION_KEYS``
    ``keyid:base64key,keyid:base64key,...``; every key is 32 bytes. The FIRST key encrypts;
    any listed key decrypts the tokens that name its key id. Rotation: put a new key first,
    re-save every record (``needs_rotation`` tells which), then drop the old key.
``SHEGONG_BLIND_INDEX_KEY``
    base64, 32 bytes; the HMAC key of the blind indexes. Changing it invalidates every stored
    index (they must be recomputed from the decrypted values).

When a setting is empty (development, tests) its key is derived from SECRET_KEY with HKDF and
the encryption key id is ``dev``; ``check --deploy`` reports that as shegong.E001 / shegong.E002.

Blind indexes are HMAC-SHA256 over ``purpose + "\\0" + value``, 128 bits as 32 hex characters:
equal values give equal indexes (exact search, duplicate detection) without storing the value.
The purpose keeps the index of an ID number apart from the index of a phone number. Callers
normalise values (e.g. upper-case the final X of an ID number, strip spaces) before indexing.

Nothing here puts a plaintext value into an exception message.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
import threading
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver

__all__ = [
    "DEV_KEY_ID",
    "DecryptionError",
    "blind_index",
    "blind_tail_index",
    "current_key_id",
    "decrypt",
    "encrypt",
    "is_token",
    "key_id_of",
    "needs_rotation",
    "reset_keys",
]

VERSION = "v1"
DEV_KEY_ID = "dev"
KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16
INDEX_HEX_CHARS = 32  # 128 bits

ENCRYPTION_KEYS_SETTING = "SHEGONG_ENCRYPTION_KEYS"
BLIND_INDEX_KEY_SETTING = "SHEGONG_BLIND_INDEX_KEY"
_WATCHED_SETTINGS = frozenset({ENCRYPTION_KEYS_SETTING, BLIND_INDEX_KEY_SETTING, "SECRET_KEY"})

_HKDF_SALT = b"shegong.core.crypto"
_HKDF_INFO_ENCRYPTION = b"shegong personal-data encryption key v1"
_HKDF_INFO_BLIND_INDEX = b"shegong blind-index key v1"

_KEY_ID = re.compile(r"[A-Za-z0-9_-]{1,32}")
_PURPOSE = re.compile(r"[a-z0-9][a-z0-9_.-]{0,63}")


class DecryptionError(ValueError):
    """A token is malformed, was tampered with, or names a key id that is not configured."""


# --- Keys ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KeyRing:
    current_id: str
    keys: dict[str, bytes]
    blind_index_key: bytes
    derived: frozenset[str] = frozenset()  # which settings fell back to SECRET_KEY
    _ciphers: dict[str, AESGCM] = field(default_factory=dict, repr=False, compare=False)

    def cipher(self, key_id: str) -> AESGCM:
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            cipher = self._ciphers[key_id] = AESGCM(self.keys[key_id])
        return cipher

    def __repr__(self) -> str:  # never show key material
        return f"KeyRing(current_id={self.current_id!r}, key_ids={list(self.keys)!r})"


def _b64decode_key(raw: str, what: str) -> bytes:
    text = raw.strip()
    try:
        # Accept standard and URL-safe alphabets, with or without padding.
        key = base64.b64decode(
            text.replace("-", "+").replace("_", "/") + "=" * (-len(text) % 4), validate=True
        )
    except (binascii.Error, ValueError):
        raise ImproperlyConfigured(f"{what} is not valid base64.") from None
    if len(key) != KEY_BYTES:
        raise ImproperlyConfigured(
            f"{what} must decode to {KEY_BYTES} bytes, not {len(key)} "
            f"(generate one with: openssl rand -base64 {KEY_BYTES})."
        )
    return key


def _entries(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        items = value.split(",")
    elif isinstance(value, list | tuple):
        items = [str(item) for item in value]
    else:
        raise ImproperlyConfigured(
            f"{ENCRYPTION_KEYS_SETTING} must be a string 'keyid:base64key,...' or a list of "
            "such entries."
        )
    return [item.strip() for item in items if item.strip()]


def parse_encryption_keys(value: Any) -> dict[str, bytes]:
    """``"k2:base64,k1:base64"`` (or a list of entries) → {key id: key}, first entry first."""
    keys: dict[str, bytes] = {}
    for position, entry in enumerate(_entries(value), start=1):
        key_id, sep, encoded = entry.partition(":")
        key_id = key_id.strip()
        where = f"{ENCRYPTION_KEYS_SETTING} entry {position}"
        if not sep or not _KEY_ID.fullmatch(key_id):
            raise ImproperlyConfigured(
                f"{where} must look like 'keyid:base64key' with a key id of 1-32 letters, "
                "digits, '-' or '_'."
            )
        if key_id in keys:
            raise ImproperlyConfigured(f"{where}: key id {key_id!r} is listed twice.")
        keys[key_id] = _b64decode_key(encoded, f"{where} ({key_id!r})")
    return keys


def parse_blind_index_key(value: Any) -> bytes | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise ImproperlyConfigured(f"{BLIND_INDEX_KEY_SETTING} must be a base64 string.")
    return _b64decode_key(value, BLIND_INDEX_KEY_SETTING)


def _derive(info: bytes) -> bytes:
    secret = str(settings.SECRET_KEY).encode("utf-8")
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=_HKDF_SALT, info=info).derive(
        secret
    )


def load_keys() -> KeyRing:
    """Parse the settings (no caching; `_keyring` caches). Raises ImproperlyConfigured."""
    derived: set[str] = set()
    keys = parse_encryption_keys(getattr(settings, ENCRYPTION_KEYS_SETTING, ""))
    if not keys:
        keys = {DEV_KEY_ID: _derive(_HKDF_INFO_ENCRYPTION)}
        derived.add(ENCRYPTION_KEYS_SETTING)
    index_key = parse_blind_index_key(getattr(settings, BLIND_INDEX_KEY_SETTING, ""))
    if index_key is None:
        index_key = _derive(_HKDF_INFO_BLIND_INDEX)
        derived.add(BLIND_INDEX_KEY_SETTING)
    return KeyRing(
        current_id=next(iter(keys)),
        keys=keys,
        blind_index_key=index_key,
        derived=frozenset(derived),
    )


_lock = threading.Lock()
_cached: KeyRing | None = None


def _keyring() -> KeyRing:
    global _cached
    ring = _cached
    if ring is None:
        with _lock:
            ring = _cached
            if ring is None:
                ring = _cached = load_keys()
    return ring


def reset_keys() -> None:
    """Forget the parsed keys; the next call reads the settings again."""
    global _cached
    with _lock:
        _cached = None


@receiver(setting_changed, dispatch_uid="shegong.core.crypto.reset_keys")
def _on_setting_changed(*, setting: str, **kwargs: Any) -> None:
    if setting in _WATCHED_SETTINGS:
        reset_keys()


def current_key_id() -> str:
    return _keyring().current_id


# --- Encryption ------------------------------------------------------------------------------


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64url(text: str) -> bytes:
    if not re.fullmatch(r"[A-Za-z0-9_-]*", text):
        raise DecryptionError("The token's payload is not base64url.")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise DecryptionError("The token's payload is not base64url.") from None


def encrypt(plaintext: str) -> str:
    """AES-256-GCM under the current key → ``v1:<keyid>:<base64url(nonce+ciphertext)>``."""
    if not isinstance(plaintext, str):
        raise TypeError(f"encrypt() takes a str, not {type(plaintext).__name__}.")
    ring = _keyring()
    key_id = ring.current_id
    nonce = os.urandom(NONCE_BYTES)
    # surrogatepass: any Python str round-trips, even one holding a lone surrogate.
    data = plaintext.encode("utf-8", "surrogatepass")
    sealed = ring.cipher(key_id).encrypt(nonce, data, key_id.encode("ascii"))
    return f"{VERSION}:{key_id}:{_b64url(nonce + sealed)}"


def _split(token: str) -> tuple[str, str]:
    if not isinstance(token, str):
        raise DecryptionError(f"A token is a str, not {type(token).__name__}.")
    version, sep1, rest = token.partition(":")
    key_id, sep2, payload = rest.partition(":")
    if not (sep1 and sep2) or version != VERSION:
        raise DecryptionError(f"Not a {VERSION} encrypted token.")
    if not _KEY_ID.fullmatch(key_id):
        raise DecryptionError("The token's key id is malformed.")
    return key_id, payload


def is_token(value: str) -> bool:
    """True when `value` has the shape of a token (it may still fail to decrypt)."""
    try:
        _split(value)
    except DecryptionError:
        return False
    return True


def key_id_of(token: str) -> str:
    """The key id a token was encrypted with. Raises DecryptionError for a malformed token."""
    return _split(token)[0]


def decrypt(token: str) -> str:
    """The plaintext of `token`. Raises DecryptionError when the token is malformed, was
    changed, or names a key id that is not in SHEGONG_ENCRYPTION_KEYS."""
    key_id, payload = _split(token)
    ring = _keyring()
    if key_id not in ring.keys:
        raise DecryptionError(
            f"Unknown encryption key id {key_id!r}: it is not in {ENCRYPTION_KEYS_SETTING} "
            f"(configured: {', '.join(ring.keys)})."
        )
    blob = _unb64url(payload)
    if len(blob) < NONCE_BYTES + TAG_BYTES:
        raise DecryptionError("The token is too short.")
    nonce, sealed = blob[:NONCE_BYTES], blob[NONCE_BYTES:]
    try:
        data = ring.cipher(key_id).decrypt(nonce, sealed, key_id.encode("ascii"))
    except InvalidTag:
        raise DecryptionError(
            f"The token does not authenticate under key {key_id!r}: it was changed or "
            "encrypted with a different key."
        ) from None
    return data.decode("utf-8", "surrogatepass")


def needs_rotation(token: str) -> bool:
    """True when `token` was not encrypted with the current (first) key. An empty value has
    nothing to rotate. Raises DecryptionError for a malformed token."""
    if token == "":
        return False
    return key_id_of(token) != _keyring().current_id


# --- Blind indexes ---------------------------------------------------------------------------


def _index(purpose: str, value: str) -> str:
    message = f"{purpose}\0{value}".encode("utf-8", "surrogatepass")
    digest = hmac.new(_keyring().blind_index_key, message, hashlib.sha256).hexdigest()
    return digest[:INDEX_HEX_CHARS]


def _check(value: str, purpose: str) -> None:
    if not isinstance(value, str):
        raise TypeError(f"A blind index is computed over a str, not {type(value).__name__}.")
    if not value:
        # An index of "" would make every blank record a duplicate of every other.
        raise ValueError("No blind index for an empty value; store NULL instead.")
    if not isinstance(purpose, str) or not _PURPOSE.fullmatch(purpose):
        raise ValueError(
            f"Blind-index purpose {purpose!r} must be 1-64 of a-z, 0-9, '_', '.', '-'."
        )


def blind_index(value: str, *, purpose: str) -> str:
    """HMAC-SHA256(blind-index key, purpose + "\\0" + value), 32 hex characters.

    Deterministic for a given key, so equal values (after the caller's normalisation) give
    equal indexes; different purposes (e.g. "id_number", "phone") never collide."""
    _check(value, purpose)
    return _index(purpose, value)


def blind_tail_index(value: str, n: int, purpose: str) -> str:
    """The blind index of the last `n` characters of `value` under purpose ``f"{purpose}:tail{n}"``,
    for "last n digits" search of an ID number without storing the digits in clear.

    A short tail has few possible values: its index groups records but is no secret from
    anyone who holds the blind-index key."""
    _check(value, purpose)
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ValueError("The tail length n must be a positive integer.")
    if len(value) < n:
        raise ValueError(f"The value is shorter than the tail length {n}.")
    return _index(f"{purpose}:tail{n}", value[-n:])
