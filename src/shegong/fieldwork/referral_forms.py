"""Forms of the referral and alert pages. They parse input; the services in `cases` validate and
write. An organization id outside the user's allowed list is refused at its field (and recorded
as a denied access) by `referral_selectors.pick_organization`."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .case_models import (
    AlertActionKind,
    AlertStatus,
    ReferralDirection,
    ReferralServiceType,
    ReferralStatus,
    RiskKind,
)
from .case_selectors import allowed_organizations
from .cases import MAX_TEXT, REFERRAL_NEXT
from .referral_selectors import pick_organization

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TEXTAREA = forms.Textarea(attrs={"rows": 3})


def _today_max(field: forms.Field) -> None:
    field.widget.attrs["max"] = timezone.localdate().isoformat()


class ReferralForm(forms.Form):
    """A referral out (to an allowed organization or a kind of service) or in (from an allowed
    organization or another party). The direction comes from the page (`?direction=`)."""

    direction = forms.ChoiceField(choices=ReferralDirection.choices, widget=forms.HiddenInput)
    to_organization = forms.IntegerField(label=_("To organization"), required=False)
    service_type = forms.ChoiceField(
        label=_("Or a kind of service"),
        choices=[("", "—"), *ReferralServiceType.choices],
        required=False,
    )
    from_organization = forms.IntegerField(label=_("From organization"), required=False)
    other_party = forms.CharField(
        label=_("Or another party"),
        max_length=100,
        required=False,
        help_text=_("A school, a hospital, a neighbour … when not a registered organization."),
    )
    reason = forms.CharField(label=_("Reason"), max_length=MAX_TEXT, widget=TEXTAREA)
    sent_on = forms.DateField(label=_("Date"), widget=DATE)

    def __init__(self, *args: Any, user: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.user = user
        choices = [("", "—")] + [
            (o.pk, o.name) for o in allowed_organizations(user).order_by("name").only("pk", "name")
        ]
        for name in ("to_organization", "from_organization"):
            self.fields[name].widget = forms.Select(choices=choices)
        if not self.is_bound:
            self.initial.setdefault("sent_on", timezone.localdate())
        _today_max(self.fields["sent_on"])

    def _organization(self, field: str) -> Any:
        try:
            return pick_organization(self.user, self.cleaned_data.get(field), field)
        except ValidationError as e:
            raise ValidationError(e.error_dict[field]) from e

    def clean_to_organization(self) -> Any:
        return self._organization("to_organization")

    def clean_from_organization(self) -> Any:
        return self._organization("from_organization")

    def service_kwargs(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "direction": d["direction"],
            "to_organization": d.get("to_organization"),
            "from_organization": d.get("from_organization"),
            "service_type": d.get("service_type") or "",
            "other_party": d.get("other_party") or "",
            "reason": d["reason"],
            "sent_on": d["sent_on"],
        }


class FeedbackForm(forms.Form):
    """The other side's answer: a status it may move to, feedback, and an outcome when done."""

    status = forms.ChoiceField(label=_("Status"))
    feedback = forms.CharField(label=_("Feedback"), max_length=MAX_TEXT, widget=TEXTAREA)
    outcome = forms.CharField(
        label=_("Outcome"),
        max_length=MAX_TEXT,
        required=False,
        widget=TEXTAREA,
        help_text=_("Required when the referral is done."),
    )

    def __init__(self, *args: Any, current: str, **kwargs: Any):
        super().__init__(*args, **kwargs)
        allowed = REFERRAL_NEXT.get(current, frozenset())
        field = self.fields["status"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [
            (v, label)
            for v, label in ReferralStatus.choices
            if v in allowed and v != ReferralStatus.CLOSED_NO_FEEDBACK
        ]


class CloseReferralForm(forms.Form):
    closed_reason = forms.CharField(
        label=_("Why close it without (further) feedback?"), max_length=MAX_TEXT, widget=TEXTAREA
    )


class ReferralFilterForm(forms.Form):
    """Filters of the "all referrals" tab (GET parameters)."""

    direction = forms.ChoiceField(
        label=_("Direction"), choices=[("", "—"), *ReferralDirection.choices], required=False
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", "—"), *ReferralStatus.choices], required=False
    )
    service_type = forms.ChoiceField(
        label=_("Service"), choices=[("", "—"), *ReferralServiceType.choices], required=False
    )
    start = forms.DateField(label=_("From"), required=False, widget=DATE)
    end = forms.DateField(label=_("To"), required=False, widget=DATE)

    def filters(self) -> dict[str, Any]:
        if not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}


# --- risk alerts -----------------------------------------------------------------------------
class AlertForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind of risk"), choices=RiskKind.choices, widget=forms.RadioSelect
    )
    description = forms.CharField(
        label=_("What happened"), max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 5})
    )


class AlertActionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Action"), choices=AlertActionKind.choices)
    taken_on = forms.DateField(label=_("Date"), widget=DATE)
    note = forms.CharField(label=_("Note"), max_length=MAX_TEXT, required=False, widget=TEXTAREA)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("taken_on", timezone.localdate())
        _today_max(self.fields["taken_on"])


class ResolveAlertForm(forms.Form):
    resolution = forms.CharField(
        label=_("How was it resolved?"), max_length=MAX_TEXT, widget=TEXTAREA
    )


class AlertFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", "—"), *AlertStatus.choices],
        required=False,
    )
    kind = forms.ChoiceField(
        label=_("Kind of risk"), choices=[("", "—"), *RiskKind.choices], required=False
    )

    def filters(self) -> dict[str, Any]:
        if not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}
