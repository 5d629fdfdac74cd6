"""Forms of the person pages. They parse input; the services validate and write."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import ModelChoiceIterator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shegong.core.forms import DivisionCodeField
from shegong.core.models import scope_of
from shegong.core.perms import PERSON_EDIT, PERSON_VIEW
from shegong.regions.forms import region_for_code
from shegong.regions.models import Level, Region
from shegong.regions.services import LANGUAGES

from . import queries, selectors
from .models import (
    Category,
    Gender,
    LegalBasis,
    LivingSituation,
    MembershipSource,
    Person,
    PersonStatus,
    Relation,
    RiskLevel,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# type=date inputs need ISO dates whatever the language (zh-hans would render 2024/03/01).
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
EMPTY = ("", "—")


def _today() -> dt.date:
    return timezone.localdate()


def _private(attrs: dict[str, str] | None = None) -> forms.TextInput:
    # Browsers must not keep ID numbers or phones in their autofill history.
    return forms.TextInput(
        attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}
        | (attrs or {})
    )


def division_choices(user: Any, perm: str) -> tuple[list[Any], bool]:
    """Grouped <select> choices of the townships and villages in the user's scope (townships
    only, ungrouped, when there are too many villages); the flag says which."""
    groups, too_many = queries.divisions_in_scope(user, perm)
    scope = scope_of(user, perm)
    if too_many:
        return [(g.township.code_str, g.township.name) for g in groups], True
    choices: list[Any] = []
    for g in groups:
        options = []
        if scope.contains(g.township.code):
            options.append(
                (g.township.code_str, _("%(name)s (whole township)") % {"name": g.township.name})
            )
        options += [(v.code_str, queries.short_name(v.name)) for v in g.villages]
        if options:
            choices.append((g.township.name, options))
    return choices, False


class PersonForm(forms.Form):
    """Registration (`person` None) and the edit form (`person` given: no division — moving is
    a handover — and empty ID number and phone fields keep the stored ones, which the form never
    shows)."""

    service_fields = {"region": "region_code"}

    confirm_duplicate = forms.BooleanField(
        label=_("Confirm: this is a different person"), required=False, widget=forms.HiddenInput
    )
    name = forms.CharField(label=_("Full name"), max_length=50)
    id_number = forms.CharField(
        label=_("ID number"),
        max_length=40,
        required=False,
        widget=_private(),
        help_text=_("Gender and birth date are read from it."),
    )
    gender = forms.ChoiceField(label=_("Gender"), required=False, choices=[EMPTY, *Gender.choices])
    birth_date = forms.DateField(label=_("Birth date"), required=False, widget=DATE)
    ethnicity = forms.CharField(label=_("Ethnicity"), max_length=20, required=False)
    phone = forms.CharField(
        label=_("Phone"),
        max_length=30,
        required=False,
        widget=_private({"inputmode": "tel", "autocapitalize": "off"}),
    )
    region_code = DivisionCodeField(
        label=_("Village or community"),
        help_text=_("Where the person lives; the township if the village is not known."),
    )
    hukou_address = forms.CharField(
        label=_("Household registration address"), max_length=200, required=False
    )
    residence_address = forms.CharField(
        label=_("Residence address"), max_length=200, required=False
    )
    living_situation = forms.ChoiceField(
        label=_("Living situation"), required=False, choices=[EMPTY, *LivingSituation.choices]
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages spoken"),
        required=False,
        choices=list(LANGUAGES.items()),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    SERVICE_FIELDS = (
        "name",
        "id_number",
        "gender",
        "birth_date",
        "ethnicity",
        "phone",
        "hukou_address",
        "residence_address",
        "living_situation",
        "languages",
        "note",
    )

    def __init__(self, *args: Any, user: Any, person: Person | None = None, **kwargs: Any):
        self.person = person
        if person is not None:
            kwargs.setdefault(
                "initial",
                {
                    "name": person.name,
                    "gender": person.gender,
                    "birth_date": person.birth_date,
                    "ethnicity": person.ethnicity,
                    "hukou_address": person.hukou_address,
                    "residence_address": person.residence_address,
                    "living_situation": person.living_situation,
                    "languages": person.languages,
                    "note": person.note,
                    "version": person.version,
                },
            )
        super().__init__(*args, **kwargs)
        self.needs_confirmation = False
        if person is None:
            del self.fields["version"]
            choices, too_many = division_choices(user, PERSON_EDIT)
            if not too_many:
                field = self.fields["region_code"]
                field.widget = forms.Select(choices=[("", "—"), *choices])
        else:
            del self.fields["region_code"]
            del self.fields["confirm_duplicate"]
            id_field, phone_field = self.fields["id_number"], self.fields["phone"]
            keep = _("Leave empty to keep %(value)s.")
            if person.id_masked:
                id_field.widget.attrs["placeholder"] = person.id_masked
                id_field.help_text = keep % {"value": person.id_masked}
                # Read from the ID number: change that instead.
                self.fields["gender"].disabled = True
                self.fields["birth_date"].disabled = True
            if person.phone_masked:
                phone_field.widget.attrs["placeholder"] = person.phone_masked
                phone_field.help_text = keep % {"value": person.phone_masked}

    def ask_confirmation(self) -> None:
        """Show the "this is a different person" checkbox (after a possible duplicate)."""
        self.needs_confirmation = True
        self.fields["confirm_duplicate"].widget = forms.CheckboxInput()

    def clean_region_code(self) -> Region | None:
        return region_for_code(self.cleaned_data.get("region_code"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.person is None and not data.get("id_number"):
            needed = _("Needed when there is no ID number.")
            for name in ("gender", "birth_date"):
                if name not in self.errors and not data.get(name):
                    self.add_error(name, needed)
        return data

    def service_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for register_person / update_person."""
        data = self.cleaned_data
        kwargs = {
            name: data[name]
            for name in self.SERVICE_FIELDS
            if name in data and not self.fields[name].disabled
        }
        kwargs["languages"] = list(data.get("languages") or [])
        if self.person is not None:
            for private in ("id_number", "phone"):
                if not kwargs.get(private):
                    kwargs.pop(private, None)  # empty: keep the stored number
        else:
            kwargs["region"] = data["region_code"]
        return kwargs


class CategoryForm(forms.Form):
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.none())
    subtype = forms.ChoiceField(
        label=_("Type"), required=False, help_text=_("For categories that have types.")
    )
    grade = forms.TypedChoiceField(
        label=_("Grade"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[EMPTY, *((str(g), str(g)) for g in range(1, 5))],
    )
    valid_from = forms.DateField(label=_("From"), widget=DATE, initial=_today)
    valid_to = forms.DateField(label=_("Until"), widget=DATE, required=False)
    source = forms.ChoiceField(label=_("Source"), choices=MembershipSource.choices)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        categories = selectors.categories_for(user).filter(derived=False)
        cast(forms.ModelChoiceField, self.fields["category"]).queryset = categories
        grouped: list[Any] = [EMPTY]
        for c in categories:
            if c.subtypes:
                grouped.append((c.label, [(s, s) for s in c.subtypes]))
        cast(forms.ChoiceField, self.fields["subtype"]).choices = grouped


class EndMembershipForm(forms.Form):
    valid_to = forms.DateField(label=_("Last day"), widget=DATE, initial=_today)


class RiskForm(forms.Form):
    level = forms.ChoiceField(label=_("Risk level"), choices=RiskLevel.choices)
    reason = forms.CharField(label=_("Reason"), max_length=300)
    assessed_on = forms.DateField(label=_("Assessed on"), widget=DATE, initial=_today)


class ConsentForm(forms.Form):
    basis = forms.ChoiceField(label=_("Legal basis"), choices=LegalBasis.choices)
    given_on = forms.DateField(label=_("Date"), widget=DATE, initial=_today)
    given_by = forms.CharField(
        label=_("Given by"),
        max_length=50,
        required=False,
        help_text=_("The person, or the guardian for a child under 14."),
    )
    given_by_guardian = forms.BooleanField(label=_("Given by the guardian"), required=False)
    scope = forms.CharField(label=_("Scope"), max_length=200, required=False)


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=PersonStatus.choices)


class _FirstCandidates(ModelChoiceIterator):
    def __iter__(self) -> Iterator[Any]:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset[: queries.MAX_CANDIDATES]:
            yield self.choice(obj)

    def __len__(self) -> int:
        return min(self.queryset.count(), queries.MAX_CANDIDATES) + (
            1 if self.field.empty_label is not None else 0
        )


class CandidateField(forms.ModelChoiceField):
    """A person among `queries.neighbours`: the picker lists the first few hundred by pinyin,
    any of them is accepted."""

    iterator = _FirstCandidates

    def label_from_instance(self, obj: Any) -> str:
        return candidate_label(obj)


def candidate_label(p: Person) -> str:
    born = p.birth_date.isoformat() if p.birth_date else ""
    household = (
        _("household %(address)s") % {"address": p.household}
        if p.household_id and p.household is not None
        else ""
    )
    return " · ".join(str(x) for x in (p.name, born, household) if x)


class HouseholdForm(forms.Form):
    NEW, JOIN, LEAVE = "new", "join", "leave"
    ACTIONS = (
        (NEW, _("Start a household with this person as its head")),
        (JOIN, _("Join another person's household")),
        (LEAVE, _("Leave the household")),
    )
    action = forms.ChoiceField(
        label=_("Household"),
        choices=[],
        initial=NEW,
        widget=forms.RadioSelect,
    )
    address = forms.CharField(
        label=_("Household address"),
        max_length=200,
        required=False,
        help_text=_("For a new household; the residence address if left empty."),
    )
    other = CandidateField(
        label=_("Household of"),
        queryset=Person.objects.none(),
        required=False,
        help_text=_("People of the same village or community."),
    )
    relation = forms.ChoiceField(
        label=_("Relation to the head of household"),
        choices=[c for c in Relation.choices if c[0] != Relation.HEAD],
        required=False,
    )

    def __init__(self, *args: Any, user: Any, person: Person, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Leaving makes sense only for someone in a household.
        cast(forms.ChoiceField, self.fields["action"]).choices = [
            (value, label)
            for value, label in self.ACTIONS
            if value != self.LEAVE or person.household_id is not None
        ]
        other = cast(forms.ModelChoiceField, self.fields["other"])
        other.queryset = queries.neighbours(user, person, PERSON_EDIT)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("action") == self.JOIN:
            if not data.get("other"):
                self.add_error("other", _("Choose whose household to join."))
            if not data.get("relation"):
                self.add_error("relation", _("Choose the relation to the head of household."))
        return data


class GuardianForm(forms.Form):
    guardian = CandidateField(
        label=_("Guardian"),
        queryset=Person.objects.none(),
        required=False,
        help_text=_("People of the same village or community; empty: no guardian recorded."),
    )
    guardian_relation = forms.CharField(
        label=_("Guardian's relation"), max_length=30, required=False
    )

    def __init__(self, *args: Any, user: Any, person: Person, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["guardian"])
        field.queryset = queries.neighbours(user, person, PERSON_VIEW)


class HandoverForm(forms.Form):
    service_fields = {"to_region": "to_code"}
    to_code = DivisionCodeField(
        label=_("Moves to (division code)"),
        help_text=_("The 12-digit code of the new village or community, or of the township."),
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "list": "handover-places"}
        ),
    )
    on = forms.DateField(label=_("Handover date"), widget=DATE, initial=_today)
    confirm = forms.BooleanField(
        label=_(
            "I confirm: from this date the new place's station is responsible, and this "
            "station no longer sees the person."
        )
    )

    def clean_to_code(self) -> Region | None:
        region = region_for_code(self.cleaned_data.get("to_code"))
        if region is not None and region.level not in (Level.TOWNSHIP, Level.VILLAGE):
            raise ValidationError(_("Choose the township or the village/community."))
        return region


def age_band_label(band: str) -> StrOrPromise:
    lo, hi = selectors.AGE_BANDS[band]
    if hi is None:
        return _("%(lo)s and over") % {"lo": lo}
    return _("%(lo)s–%(hi)s") % {"lo": lo, "hi": hi}


class PersonFilterForm(forms.Form):
    """The list's filters (GET parameters) and the search box (POST only: it may hold an ID
    number, which must not appear in a URL)."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=40,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "autocomplete": "off",
                "spellcheck": "false",
                "placeholder": _("Name, pinyin, initials, ID or phone digits"),
            }
        ),
    )
    category = forms.ChoiceField(label=_("Category"), required=False)
    region = forms.ChoiceField(label=_("Village or township"), required=False)
    risk = forms.ChoiceField(
        label=_("Risk"), required=False, choices=[("", _("Any risk")), *RiskLevel.choices]
    )
    age = forms.ChoiceField(label=_("Age"), required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status")), *PersonStatus.choices],
    )
    station = forms.ChoiceField(label=_("Station"), required=False)

    FILTERS = ("category", "region", "risk", "age", "status", "station")

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields = {k: cast(forms.ChoiceField, f) for k, f in self.fields.items()}
        fields["category"].choices = [
            ("", _("Any category")),
            *((c.code, c.label) for c in selectors.categories_for(user)),
        ]
        fields["age"].choices = [
            ("", _("Any age")),
            *((band, age_band_label(band)) for band in selectors.AGE_BANDS),
        ]
        regions, _too_many = division_choices(user, PERSON_VIEW)
        wanted = self.data.get("region") if self.is_bound else None
        known = {
            value
            for choice in regions
            for value, _label in (choice[1] if isinstance(choice[1], list) else [choice])
        }
        if wanted and wanted not in known and wanted.isdigit():
            # A village of a large scope (listed by township only), linked from elsewhere.
            extra = Region.objects.visible_to(user, PERSON_VIEW).filter(
                code=int(wanted), level__in=(Level.TOWNSHIP, Level.VILLAGE)
            )
            regions += [(r.code_str, r.name) for r in extra]
        fields["region"].choices = [("", _("Everywhere")), *regions]
        stations = list(queries.stations_in_scope(user)[:500])
        fields["station"].choices = [("", _("Any station")), *((s.code, s.name) for s in stations)]
        self.show_station = len(stations) > 1

    def to_filter(self) -> selectors.PersonFilter:
        """The valid filters (an invalid one is ignored, not an error)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        region = data.get("region")
        return selectors.PersonFilter(
            q=(data.get("q") or "").strip(),
            category=data.get("category") or "",
            region=int(region) if region else None,
            station=data.get("station") or "",
            risk=data.get("risk") or "",
            age_band=data.get("age") or "",
            status=data.get("status") or "",
        )

    def filter_params(self) -> dict[str, str]:
        """The valid, non-empty filters as GET parameters (never the search text)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {k: str(data[k]) for k in self.FILTERS if data.get(k)}
