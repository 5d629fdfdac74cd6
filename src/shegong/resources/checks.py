"""Validation helpers shared by the resources services: money, quantities, text, dates.

They collect messages in an `errors` dict keyed by field (the services raise one
ValidationError with all of them), so a form shows every problem at once.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

MAX_MONEY = Decimal("999999999999.99")  # max_digits 14, 2 places
MAX_TOTAL = Decimal("99999999999999.99")  # a fund's income over its life: max_digits 16
MAX_QUANTITY = Decimal("9999999999.99")  # max_digits 12, 2 places
MAX_TEXT = 5000


def error(field: str, message: str, code: str = "invalid") -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


def forbidden(message: str) -> ValidationError:
    return ValidationError(message, code="forbidden")


def raise_if(errors: dict[str, Any]) -> None:
    if errors:
        raise ValidationError(errors)


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        d = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return d if d.is_finite() else None


def money(errors: dict[str, Any], field: str, value: Any, *, positive: bool = True) -> Decimal:
    """An amount of yuan: a number with at most 2 decimals, above 0 (or at least 0)."""
    d = _decimal(value)
    if d is None:
        errors[field] = ValidationError(_("Enter an amount in yuan, e.g. 200.50."), code="invalid")
        return Decimal(0)
    if positive and d <= 0:
        errors[field] = ValidationError(_("The amount must be more than 0."), code="not_positive")
    elif d < 0:
        errors[field] = ValidationError(_("The value cannot be negative."), code="negative")
    elif d.as_tuple().exponent < -2:  # type: ignore[operator]
        errors[field] = ValidationError(_("Yuan have at most 2 decimals (fen)."), code="precision")
    elif d > MAX_MONEY:
        errors[field] = ValidationError(_("The amount is too large."), code="too_large")
    return d


def quantity(errors: dict[str, Any], field: str, value: Any) -> Decimal:
    """A quantity of goods: above 0, at most 2 decimals (12.5 kg)."""
    d = _decimal(value)
    if d is None:
        errors[field] = ValidationError(_("Enter a quantity, e.g. 3."), code="invalid")
        return Decimal(0)
    if d <= 0:
        errors[field] = ValidationError(_("The quantity must be more than 0."), code="not_positive")
    elif d.as_tuple().exponent < -2:  # type: ignore[operator]
        errors[field] = ValidationError(_("At most 2 decimals."), code="precision")
    elif d > MAX_QUANTITY:
        errors[field] = ValidationError(_("The quantity is too large."), code="too_large")
    return d


def text(
    errors: dict[str, Any],
    field: str,
    value: Any,
    *,
    required: bool = False,
    max_length: int = MAX_TEXT,
) -> str:
    value = " ".join(str(value or "").split()) if max_length <= 500 else str(value or "").strip()
    if required and not value:
        errors[field] = ValidationError(_("This field is required."), code="required")
    elif len(value) > max_length:
        errors[field] = ValidationError(
            _("At most %(n)d characters.") % {"n": max_length}, code="max_length"
        )
    return value


def day(
    errors: dict[str, Any], field: str, value: dt.date | None, *, not_before: dt.date | None = None
) -> dt.date:
    """A date of something that happened: today by default, never in the future."""
    today = timezone.localdate()
    value = value or today
    if value > today:
        errors[field] = ValidationError(_("The date cannot be in the future."), code="future")
    elif not_before is not None and value < not_before:
        errors[field] = ValidationError(
            _("The date cannot be before %(day)s.") % {"day": not_before.isoformat()},
            code="too_early",
        )
    return value


def choice(errors: dict[str, Any], field: str, value: Any, choices: Any) -> str:
    if value not in choices.values:
        errors[field] = ValidationError(
            _("Choose one of: %(values)s.") % {"values": ", ".join(choices.values)},
            code="invalid_choice",
        )
    return str(value or "")
