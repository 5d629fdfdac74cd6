"""`{{ amount|yuan }}`: Decimal yuan as 1,234.50, cheaply (a ledger page shows a hundred)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import template

register = template.Library()


@register.filter
def yuan(value: Any) -> str:
    """Thousands with commas and two decimals, as Chinese and English both write money."""
    if value is None or value == "":
        return ""
    try:
        return f"{Decimal(value):,.2f}"
    except (InvalidOperation, ValueError, TypeError):
        return ""


@register.filter
def yuan_raw(value: Any) -> str:
    """Two decimals without separators, for data attributes (tests, scripts)."""
    try:
        return f"{Decimal(value or 0):.2f}"
    except (InvalidOperation, ValueError, TypeError):
        return ""
