"""Model fields for personal data encrypted at rest (shegong.core.crypto)."""

from __future__ import annotations

from typing import Any

from django.core import checks
from django.db import models
from django.db.models.lookups import Exact, IsNull

from . import crypto


class EncryptedTextField(models.TextField):
    """Text that the database holds only as an AES-GCM token (``v1:<keyid>:...``).

    In Python the value is the plaintext str (or None / ""); ``get_prep_value`` encrypts,
    ``from_db_value`` decrypts. None stays NULL and "" stays "" (neither is secret).

    Every encryption uses a fresh nonce, so the database cannot compare values: only
    ``__isnull`` and ``== ""`` / ``== None`` work in queries; any other lookup raises TypeError.
    Search and duplicate detection go through a separate blind-index column
    (``crypto.blind_index``), which the model keeps in step with this field.
    """

    description = "Text encrypted at rest (AES-256-GCM)"

    def _label(self) -> str:
        model = getattr(self, "model", None)
        if model is not None and getattr(self, "name", None):
            return f"{model._meta.label}.{self.name}"
        return type(self).__name__

    # --- Python <-> database --------------------------------------------------------------

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return crypto.decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return crypto.encrypt(value)

    # --- Queries ---------------------------------------------------------------------------

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name == "isnull":
            return IsNull
        if lookup_name == "exact":
            return _EmptyOnlyExact
        raise TypeError(self._unsearchable(lookup_name))

    def get_transform(self, lookup_name: str) -> Any:
        raise TypeError(self._unsearchable(lookup_name))

    def _unsearchable(self, lookup_name: str) -> str:
        return (
            f"{self._label()} is encrypted and cannot be searched with {lookup_name!r}: "
            "only __isnull and == '' work. Search the blind-index column instead "
            "(shegong.core.crypto.blind_index)."
        )

    # --- Model checks ----------------------------------------------------------------------

    def check(self, **kwargs: Any) -> list[checks.CheckMessage]:
        errors = super().check(**kwargs)
        if self.primary_key or self.unique or getattr(self, "db_index", False):
            errors.append(
                checks.Error(
                    "An EncryptedTextField cannot be a primary key, unique or indexed: every "
                    "encryption differs, so the database cannot compare the values.",
                    hint="Put unique=True / db_index=True on the blind-index column instead.",
                    obj=self,
                    id="shegong.E004",
                )
            )
        return errors


class _EmptyOnlyExact(Exact):
    """``field == ""`` only (``field == None`` passes through here and Django turns it into
    __isnull)."""

    def get_prep_lookup(self) -> Any:
        if not (self.rhs is None or (isinstance(self.rhs, str) and self.rhs == "")):
            field = self.lhs.output_field
            label = field._label() if isinstance(field, EncryptedTextField) else "The field"
            raise TypeError(
                f"{label} is encrypted and cannot be compared with a value: only __isnull and "
                "== '' work. Search the blind-index column instead "
                "(shegong.core.crypto.blind_index)."
            )
        return super().get_prep_lookup()
