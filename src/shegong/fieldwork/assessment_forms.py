"""Forms of the assessment pages. They parse input; `assessment_services` validates and writes
(so a level left out is reported by the service, at its field)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shegong.people.models import Person

from .assessment_models import DOMAIN_SETS, SELF_CARE_ITEMS, NeedDomain, NeedLevel
from .assessment_services import MAX_NEEDS, MAX_TEXT, domain_set_for

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
CAN = "yes"
CANNOT = "no"
CAN_CHOICES = [(CAN, _("can do it")), (CANNOT, _("needs help"))]


class _DatedForm(forms.Form):
    assessed_on = forms.DateField(label=_("Date"), widget=DATE)

    def __init__(self, *args: Any, on: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("assessed_on", on)
        self.fields["assessed_on"].widget.attrs["max"] = timezone.localdate().isoformat()


class NeedsAssessmentForm(_DatedForm):
    """A level (`level_<domain>`) and the needs found (`needs_<domain>`) for each domain of the
    person's set on the day, then strengths and the summary."""

    strengths = forms.CharField(
        label=_("Strengths"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What the person, family and neighbours can do themselves."),
    )
    summary = forms.CharField(
        label=_("Summary"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "The assessment summary (预估摘要): the person, the family, the social system."
        ),
    )

    def __init__(self, *args: Any, person: Person, on: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, on=on, **kwargs)
        self.domain_set = domain_set_for(person, on)
        self.domains = DOMAIN_SETS[self.domain_set]
        for domain in self.domains:
            self.fields[f"level_{domain}"] = forms.ChoiceField(
                label=NeedDomain(domain).label,
                choices=NeedLevel.choices,
                required=False,
                widget=forms.RadioSelect,
            )
            self.fields[f"needs_{domain}"] = forms.CharField(
                label=_("Needs found"),
                required=False,
                max_length=MAX_NEEDS,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def domain_rows(self) -> list[tuple[str, str, forms.BoundField, forms.BoundField]]:
        """(domain, label, level field, needs field) in the set's order, for the template."""
        return [
            (
                str(d),
                str(NeedDomain(d).label),
                self[f"level_{d}"],
                self[f"needs_{d}"],
            )
            for d in self.domains
        ]

    def service_kwargs(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "assessed_on": d["assessed_on"],
            "domains": {
                domain: {"level": d.get(f"level_{domain}", ""), "needs": d.get(f"needs_{domain}")}
                for domain in self.domains
            },
            "strengths": d.get("strengths", ""),
            "summary": d.get("summary", ""),
        }


class SelfCareForm(_DatedForm):
    """The six daily-living items, each "can do it" or "needs help", and a note."""

    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, on: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, on=on, **kwargs)
        for key, label in SELF_CARE_ITEMS:
            self.fields[key] = forms.ChoiceField(
                label=label, choices=CAN_CHOICES, required=False, widget=forms.RadioSelect
            )

    def item_rows(self) -> list[tuple[str, forms.BoundField]]:
        return [(key, self[key]) for key, _label in SELF_CARE_ITEMS]

    def service_kwargs(self) -> dict[str, Any]:
        d = self.cleaned_data
        answers = {CAN: True, CANNOT: False}
        return {
            "assessed_on": d["assessed_on"],
            "items": {key: answers.get(d.get(key, "")) for key, _label in SELF_CARE_ITEMS},
            "note": d.get("note", ""),
        }
