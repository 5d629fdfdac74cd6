"""Forms of the resources pages. They parse input; the services validate and write, and
`core.forms.attach_errors` puts the services' errors on these fields. Choices come from the
user's jurisdiction; a station, donor, item or fund outside it is simply not a choice."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shegong.community.models import ServiceDomain
from shegong.regions.models import Organization, Station

from .fund_models import EntryDirection, FundKind, IncomeSource
from .models import DonationKind, DonorKind, ItemCategory

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TEXTAREA = forms.Textarea(attrs={"rows": 3})
AMOUNT = forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01", "min": "0"})
BLANK = [("", "—")]


def _max_today(field: forms.Field) -> None:
    field.widget.attrs["max"] = timezone.localdate().isoformat()


class StationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class StationForm(forms.Form):
    """A form whose first field is the station, chosen among those the user acts for."""

    station = StationChoiceField(label=_("Station"), queryset=Station.objects.none())

    def __init__(self, *args: Any, stations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["station"]
        field.queryset = stations  # type: ignore[attr-defined]
        if not self.is_bound and "station" not in self.initial:
            first = stations.first()
            if first is not None:
                self.initial["station"] = first.pk


# --- donors --------------------------------------------------------------------------------
class DonorForm(StationForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=DonorKind.choices)
    name = forms.CharField(label=_("Name"), max_length=200)
    organization = forms.ModelChoiceField(
        label=_("Registered organization"),
        queryset=Organization.objects.none(),
        required=False,
        help_text=_("If the donor is an organization already registered in the system."),
    )
    contact_person = forms.CharField(label=_("Contact person"), max_length=50, required=False)
    phone = forms.CharField(
        label=_("Phone"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
        help_text=_("Stored encrypted; lists show it masked."),
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False, widget=TEXTAREA)

    def __init__(self, *args: Any, organizations: Any, editing: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations  # type: ignore[attr-defined]
        if editing:
            del self.fields["station"]
            self.fields["phone"].help_text = _("Leave empty to keep the stored phone.")

    def service_kwargs(self) -> dict[str, Any]:
        d = self.cleaned_data
        out = {k: d[k] for k in ("kind", "name", "organization", "contact_person", "note")}
        out["phone"] = d["phone"]
        return out


# --- donations -----------------------------------------------------------------------------
class DonationForm(StationForm):
    kind = forms.ChoiceField(
        label=_("Kind"), choices=DonationKind.choices, widget=forms.RadioSelect
    )
    donor = forms.IntegerField(label=_("Donor"), required=False)
    received_on = forms.DateField(label=_("Received on"), widget=DATE)
    value = forms.DecimalField(
        label=_("Value (yuan)"),
        max_digits=14,
        decimal_places=2,
        widget=AMOUNT,
        help_text=_("The amount of money, or the estimated value of goods or a service."),
    )
    description = forms.CharField(label=_("Description"), required=False, widget=TEXTAREA)
    fund = forms.IntegerField(label=_("Pay into fund"), required=False)
    fund_source = forms.ChoiceField(
        label=_("Source in the fund's ledger"),
        choices=BLANK + list(IncomeSource.choices),
        required=False,
        help_text=_("Left empty: from the kind of donor."),
    )

    def __init__(self, *args: Any, donors: Any, funds: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["donor"].widget = forms.Select(
            choices=[("", _("anonymous"))]
            + [(d.pk, f"{d.name} · {d.station.name}") for d in donors]
        )
        self.fields["fund"].widget = forms.Select(
            choices=BLANK + [(f.pk, f"{f.name} · {f.station.name}") for f in funds]
        )
        self.donors = {d.pk: d for d in donors}
        self.funds = {f.pk: f for f in funds}
        if not self.is_bound:
            self.initial.setdefault("received_on", timezone.localdate())
            self.initial.setdefault("kind", DonationKind.GOODS)
        _max_today(self.fields["received_on"])

    def clean_donor(self) -> Any:
        pk = self.cleaned_data.get("donor")
        if pk is None:
            return None
        if pk not in self.donors:
            raise forms.ValidationError(_("Choose a donor from the list."))
        return self.donors[pk]

    def clean_fund(self) -> Any:
        pk = self.cleaned_data.get("fund")
        if pk is None:
            return None
        if pk not in self.funds:
            raise forms.ValidationError(_("Choose a fund from the list."))
        return self.funds[pk]


class GoodsLineForm(forms.Form):
    name = forms.CharField(label=_("Item"), max_length=100, required=False)
    quantity = forms.DecimalField(
        label=_("Quantity"),
        max_digits=12,
        decimal_places=2,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "any", "min": "0"}),
    )
    unit = forms.CharField(
        label=_("Unit"), max_length=20, required=False, widget=forms.TextInput(attrs={"size": 4})
    )
    category = forms.ChoiceField(label=_("Category"), choices=ItemCategory.choices, required=False)

    def is_blank(self) -> bool:
        d = getattr(self, "cleaned_data", {})
        return not d.get("name") and d.get("quantity") is None and not d.get("unit")


GoodsLines = forms.formset_factory(GoodsLineForm, extra=3, max_num=50, absolute_max=60)


# --- allocations ---------------------------------------------------------------------------
class AllocationForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What is given"), choices=DonationKind.choices, widget=forms.RadioSelect
    )
    allocated_on = forms.DateField(label=_("Date"), widget=DATE)
    fund = forms.IntegerField(label=_("Paid from fund"), required=False)
    amount = forms.DecimalField(
        label=_("Amount (yuan)"), max_digits=14, decimal_places=2, required=False, widget=AMOUNT
    )
    value = forms.DecimalField(
        label=_("Estimated value (yuan)"),
        max_digits=14,
        decimal_places=2,
        required=False,
        widget=AMOUNT,
    )
    description = forms.CharField(label=_("Description"), required=False, widget=TEXTAREA)
    receipt = forms.FileField(label=_("Receipt (photo or PDF)"), required=False)
    camera = forms.FileField(label=_("Or take a photo of it"), required=False)

    def __init__(self, *args: Any, funds: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.funds = {f.pk: f for f in funds}
        self.fields["fund"].widget = forms.Select(
            choices=BLANK + [(f.pk, f"{f.name} ({f.balance:,.2f})") for f in funds]
        )
        if not self.is_bound:
            self.initial.setdefault("allocated_on", timezone.localdate())
            self.initial.setdefault("kind", DonationKind.GOODS)
        _max_today(self.fields["allocated_on"])

    def clean_fund(self) -> Any:
        pk = self.cleaned_data.get("fund")
        if pk is None:
            return None
        if pk not in self.funds:
            raise forms.ValidationError(_("Choose a fund from the list."))
        return self.funds[pk]

    def receipt_upload(self) -> Any:
        return self.cleaned_data.get("camera") or self.cleaned_data.get("receipt")


class ItemLineForm(forms.Form):
    item = forms.IntegerField(label=_("Item"), required=False)
    quantity = forms.DecimalField(
        label=_("Quantity"),
        max_digits=12,
        decimal_places=2,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "any", "min": "0"}),
    )

    def __init__(self, *args: Any, items: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["item"].widget = forms.Select(
            choices=BLANK
            + [(i.pk, f"{i.name} · {i.quantity.normalize():f} {i.unit}") for i in items]
        )

    def is_blank(self) -> bool:
        d = getattr(self, "cleaned_data", {})
        return d.get("item") is None and d.get("quantity") is None


ItemLines = forms.formset_factory(ItemLineForm, extra=3, max_num=50, absolute_max=60)


class CountsForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=DATE, required=False)
    end = forms.DateField(label=_("Until"), widget=DATE, required=False)


# --- funds ---------------------------------------------------------------------------------
class FundForm(StationForm):
    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=FundKind.choices)
    community = forms.IntegerField(label=_("Community"), required=False)
    receipt_required = forms.BooleanField(
        label=_("Expenses need a receipt"), required=False, initial=True
    )
    allow_negative = forms.BooleanField(label=_("May go below zero"), required=False)
    opened_on = forms.DateField(label=_("Opened on"), widget=DATE)
    note = forms.CharField(label=_("Note"), max_length=500, required=False, widget=TEXTAREA)

    def __init__(self, *args: Any, communities: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.communities = {c.code: c for c in communities}
        self.fields["community"].widget = forms.Select(
            choices=[("", _("the station's own fund"))] + [(c.code, c.name) for c in communities]
        )
        if not self.is_bound:
            self.initial.setdefault("opened_on", timezone.localdate())
        _max_today(self.fields["opened_on"])

    def clean_community(self) -> Any:
        code = self.cleaned_data.get("community")
        if code is None:
            return None
        if code not in self.communities:
            raise forms.ValidationError(_("Choose a community from the list."))
        return self.communities[code]


class EntryForm(forms.Form):
    direction = forms.ChoiceField(choices=EntryDirection.choices, widget=forms.HiddenInput)
    amount = forms.DecimalField(
        label=_("Amount (yuan)"), max_digits=14, decimal_places=2, widget=AMOUNT
    )
    occurred_on = forms.DateField(label=_("Date"), widget=DATE)
    source = forms.ChoiceField(
        label=_("Source"), choices=BLANK + list(IncomeSource.choices), required=False
    )
    purpose = forms.CharField(
        label=_("Purpose"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)
    receipt = forms.FileField(label=_("Receipt (photo or PDF)"), required=False)
    camera = forms.FileField(label=_("Or take a photo of it"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("occurred_on", timezone.localdate())
        _max_today(self.fields["occurred_on"])

    def service_kwargs(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "direction": d["direction"],
            "amount": d["amount"],
            "occurred_on": d["occurred_on"],
            "source": d.get("source") or "",
            "purpose": d.get("purpose") or "",
            "note": d.get("note") or "",
            "receipt_upload": d.get("camera") or d.get("receipt"),
        }


class ReversalForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is this entry wrong?"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    occurred_on = forms.DateField(label=_("Date of the correction"), widget=DATE)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("occurred_on", timezone.localdate())
        _max_today(self.fields["occurred_on"])


# --- the service list ----------------------------------------------------------------------
class ServiceOfferingForm(forms.Form):
    name = forms.CharField(label=_("Service"), max_length=100)
    domain = forms.ChoiceField(label=_("Service domain"), choices=ServiceDomain.choices)
    target_group = forms.CharField(label=_("For whom"), max_length=200, required=False)
    schedule = forms.CharField(
        label=_("When"),
        max_length=200,
        required=False,
        help_text=_("e.g. every Tuesday afternoon; by appointment"),
    )
    description = forms.CharField(label=_("Description"), required=False, widget=TEXTAREA)
    order = forms.IntegerField(label=_("Order in the list"), min_value=0, max_value=32767)
    active = forms.BooleanField(label=_("Offered now"), required=False, initial=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial.setdefault("order", 100)
