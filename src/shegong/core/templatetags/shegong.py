"""Template helpers: Bootstrap classes on form widgets, masked codes, percentages."""

from __future__ import annotations

from django import forms, template
from django.utils.formats import number_format
from django.utils.safestring import SafeString

register = template.Library()


@register.filter
def bs(field: forms.BoundField) -> SafeString:
    """Render a form field's widget with the Bootstrap class its type needs."""
    widget = field.field.widget
    css = "form-select" if isinstance(widget, forms.Select) else "form-control"
    if field.errors:
        css += " is-invalid"
    attrs: dict[str, str | bool] = {"class": css}
    if field.errors:
        attrs["aria-invalid"] = "true"
    return field.as_widget(attrs=attrs)


@register.filter
def pct(value: float | None, digits: int = 1) -> str:
    """A percentage as civil servants write it: 26.9%; a dash when undefined."""
    if value is None:
        return "—"
    return f"{number_format(round(value, digits), digits)}%"


@register.filter
def code12(value: int | None) -> str:
    return "" if value is None else f"{value:012d}"
