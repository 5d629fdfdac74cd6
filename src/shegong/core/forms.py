"""Form helpers: service ValidationErrors land on the fields they name."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

# Django 6.1's zh-Hans catalogue lacks this one; marking it here puts it in ours.
gettext_noop("- Select an option -")


def attach_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Put a service's ValidationError on the form: on named fields when they exist on the
    form, otherwise as a non-field error (never lost). A form whose field names differ from the
    service's arguments maps them in `service_fields` (service name → form field)."""
    aliases: dict[str, str] = getattr(form, "service_fields", {})
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            field = aliases.get(name, name)
            target = field if field in form.fields else None
            for e in errors:
                form.add_error(target, e)
    else:
        form.add_error(None, error)


class DivisionCodeField(forms.CharField):
    """A 12-digit division code typed or picked by the user; cleans to an int."""

    default_error_messages = {
        "invalid": _("A division code has 12 digits, e.g. 120113001000."),
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 12)
        kwargs.setdefault("min_length", 0)
        super().__init__(**kwargs)

    def clean(self, value: object) -> int | None:
        raw = super().clean(value)
        if raw in (None, ""):
            return None
        raw = str(raw).strip().translate(str.maketrans("０１２３４５６７８９", "0123456789"))
        if not raw.isdigit() or len(raw) not in (2, 4, 6, 9, 12):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return int(raw.ljust(12, "0"))
