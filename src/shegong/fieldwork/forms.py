"""Forms of the visit pages. They parse input; `services.record_visit` validates and writes
(photos included: the forms only collect the uploaded files)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shegong.accounts.models import User
from shegong.people.models import Person
from shegong.regions.models import Station

from . import policy
from .models import CheckStatus, VisitKind
from .selectors import colleagues_for, household_members, suggested_next_due
from .services import MAX_NOTE, MAX_VOLUNTEERS_TEXT

# type=date inputs need ISO dates whatever the language.
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
CHECK_CHOICES = [
    (CheckStatus.OK.value, CheckStatus.OK.label),
    (CheckStatus.CONCERN.value, CheckStatus.CONCERN.label),
    (CheckStatus.UNCHECKED.value, CheckStatus.UNCHECKED.label),
]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files under one name (`<input type=file multiple>`); cleans to a list."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        files = data if isinstance(data, list | tuple) else [data]
        return [single(f, initial) for f in files if f]


class PhotosForm(forms.Form):
    """Photos taken with the phone camera (`camera`) or chosen from files (`photos`); both
    lists go to the service as `photos`, which checks each file."""

    camera = MultipleFileField(label=_("Take photos"))
    photos = MultipleFileField(label=_("Or choose photos"))

    def photo_files(self) -> list[Any]:
        d = self.cleaned_data
        return [*(d.get("camera") or []), *(d.get("photos") or [])]


class WorkerChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj)  # the full name, or the username when there is none


class VisitForm(PhotosForm):
    """One visit. The checklist items come from the policy for the person on the day; each
    is a `check_<key>` (fine / concern / not checked) with a `note_<key>`. `whole_household`
    is offered when the person's household has other members the user may visit."""

    kind = forms.ChoiceField(
        label=_("Kind of contact"), choices=VisitKind.choices, widget=forms.RadioSelect
    )
    visited_on = forms.DateField(label=_("Date"), widget=DATE)
    needs_found = forms.CharField(
        label=_("Needs found"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    next_due = forms.DateField(
        label=_("Next visit by"),
        required=False,
        widget=DATE,
        help_text=_("Suggested from the visit policy; change it if needed."),
    )
    workers = WorkerChoiceField(
        label=_("Who went"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    volunteers_text = forms.CharField(
        label=_("Volunteers"), max_length=MAX_VOLUNTEERS_TEXT, required=False
    )
    whole_household = forms.BooleanField(label=_("The whole household was visited"), required=False)

    def __init__(self, *args: Any, user: Any, person: Person, on: dt.date, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.person = person
        self.members = household_members(user, person)
        if not self.members:
            del self.fields["whole_household"]
        self.items = policy.checklist_for(person, on)
        colleagues = colleagues_for(user, person)
        workers = self.fields["workers"]
        assert isinstance(workers, forms.ModelMultipleChoiceField)
        workers.queryset = User.objects.filter(pk__in=[u.pk for u in colleagues])
        if not self.is_bound:
            self.initial.setdefault("visited_on", on)
            self.initial.setdefault("kind", VisitKind.HOME_VISIT.value)
            self.initial.setdefault("workers", [user.pk])
            self.initial.setdefault("next_due", suggested_next_due(person, on))
        self.fields["visited_on"].widget.attrs["max"] = timezone.localdate().isoformat()
        for key, label in self.items:
            self.fields[f"check_{key}"] = forms.ChoiceField(
                label=label, choices=CHECK_CHOICES, required=False, widget=forms.RadioSelect
            )
            self.fields[f"note_{key}"] = forms.CharField(
                label=_("Note"), max_length=MAX_NOTE, required=False
            )

    def checklist_rows(self) -> list[tuple[str, Any, forms.BoundField, forms.BoundField]]:
        """(key, label, status field, note field) for the template."""
        return [(k, label, self[f"check_{k}"], self[f"note_{k}"]) for k, label in self.items]

    def service_kwargs(self) -> dict[str, Any]:
        d = self.cleaned_data
        checklist = {
            k: {"status": d.get(f"check_{k}") or "", "note": d.get(f"note_{k}") or ""}
            for k, _label in self.items
            if d.get(f"check_{k}") or d.get(f"note_{k}")
        }
        return {
            "kind": d["kind"],
            "visited_on": d["visited_on"],
            "workers": list(d.get("workers") or []),
            "volunteers_text": d.get("volunteers_text") or "",
            "checklist": checklist,
            "needs_found": d.get("needs_found") or "",
            "notes": d.get("notes") or "",
            "next_due": d.get("next_due"),
            "whole_household": bool(d.get("whole_household")),
            "photos": self.photo_files(),
        }


class VisitFilterForm(forms.Form):
    """Filters of the visit list (GET parameters)."""

    station = forms.ModelChoiceField(
        label=_("Station"), queryset=Station.objects.none(), required=False, to_field_name="code"
    )
    kind = forms.ChoiceField(
        label=_("Kind of contact"), choices=[("", "—"), *VisitKind.choices], required=False
    )
    start = forms.DateField(label=_("From"), required=False, widget=DATE)
    end = forms.DateField(label=_("To"), required=False, widget=DATE)

    def __init__(self, *args: Any, stations: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["station"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = stations

    def filters(self) -> dict[str, Any]:
        if not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}


class OverdueFilterForm(forms.Form):
    station = forms.ModelChoiceField(
        label=_("Station"), queryset=Station.objects.none(), required=False, to_field_name="code"
    )

    def __init__(self, *args: Any, stations: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["station"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = stations
        field.widget.attrs["data-autosubmit"] = ""
