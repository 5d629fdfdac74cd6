from __future__ import annotations

import re
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from shegong.core.forms import DivisionCodeField
from shegong.core.models import scope_of
from shegong.core.perms import STATION_MANAGE

from .models import Organization, Region, Station, StationKind
from .services import LANGUAGES, STATION_FIELDS


def region_for_code(code: int | None, *, required: bool = True) -> Region | None:
    if code is None:
        if required:
            raise ValidationError(_("This field is required."))
        return None
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise ValidationError(_("Unknown division code %(code)s.") % {"code": f"{code:012d}"})
    return region


class StationForm(forms.ModelForm):
    service_fields = {"region": "region_code", "served_regions": "served_codes"}
    region_code = DivisionCodeField(
        label=_("Home division code"),
        help_text=_("The division where the station is sited; its code becomes the station code."),
    )
    served_codes = forms.CharField(
        label=_("Also serves"),
        required=False,
        help_text=_(
            "Codes of further divisions this station serves (a merged office), "
            "separated by commas or spaces."
        ),
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages served"),
        required=False,
        choices=list(LANGUAGES.items()),
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Station
        fields = [f for f in STATION_FIELDS if f != "languages"]
        widgets = {
            "contract_start": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "contract_end": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        operator = cast(forms.ModelChoiceField, self.fields["operator"])
        operator.queryset = Organization.objects.visible_to(user)
        if self.instance.pk:
            self.fields["region_code"].disabled = True
            self.fields["region_code"].initial = self.instance.region.code_str
            self.fields["languages"].initial = self.instance.languages
            others = [
                r.code_str
                for r in self.instance.current_service_areas()
                if r.code != self.instance.region_id
            ]
            self.fields["served_codes"].initial = ", ".join(others)
            if not scope_of(user, STATION_MANAGE).contains(self.instance.region_id):
                self.fields["served_codes"].disabled = True

    def clean_region_code(self) -> Region | None:
        if self.instance.pk:
            return self.instance.region
        return region_for_code(self.cleaned_data.get("region_code"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("contract_start"), data.get("contract_end")
        if start and end and end < start:
            # At the field, before the model's own constraint would report it anonymously.
            self.add_error("contract_end", _("The contract cannot end before it starts."))
        return data

    def clean_served_codes(self) -> list[Region]:
        raw = self.cleaned_data.get("served_codes") or ""
        regions = []
        for token in [t for t in re.split(r"[\s,，、;；]+", raw) if t]:
            field = DivisionCodeField()
            try:
                code = field.clean(token)
            except ValidationError as e:
                raise ValidationError(
                    _("“%(value)s”: %(error)s") % {"value": token, "error": e.messages[0]}
                ) from e
            region = region_for_code(code)
            assert region is not None
            regions.append(region)
        return regions

    def service_kwargs(self) -> dict[str, Any]:
        """The cleaned data as keyword arguments for create_station / update_station."""
        data = {f: self.cleaned_data[f] for f in STATION_FIELDS if f in self.cleaned_data}
        data["languages"] = self.cleaned_data.get("languages") or []
        if self.fields["served_codes"].disabled:
            return data
        home = self.cleaned_data["region_code"]
        served = [*dict.fromkeys([home, *self.cleaned_data["served_codes"]])]
        return data | {"served_regions": served}


class OrganizationForm(forms.ModelForm):
    service_fields = {"region": "region_code"}
    region_code = DivisionCodeField(label=_("Registered in (division code)"))

    class Meta:
        model = Organization
        fields = ["name", "kind", "credit_code", "contact_person", "phone", "address"]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["region_code"].disabled = True
            self.fields["region_code"].initial = self.instance.region.code_str

    def clean_region_code(self) -> Region | None:
        if self.instance.pk:
            return self.instance.region
        return region_for_code(self.cleaned_data.get("region_code"))


class StationFilterForm(forms.Form):
    q = forms.CharField(label=_("Name"), required=False)
    kind = forms.ChoiceField(
        label=_("Kind"),
        required=False,
        choices=[("", _("All kinds")), *StationKind.choices],
    )
    understaffed = forms.BooleanField(label=_("Below the staffing rule"), required=False)
