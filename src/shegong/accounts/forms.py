from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from shegong.core.forms import DivisionCodeField
from shegong.core.models import scope_of
from shegong.core.perms import STAFF_MANAGE
from shegong.core.request import client_ip
from shegong.regions.forms import region_for_code
from shegong.regions.models import CertificateLevel, StaffMember, Station

from .roles import RANK, Role
from .security import is_locked

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class LoginForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "locked": _(
            "Too many failed attempts. This account or address is locked for %(minutes)d minutes."
        ),
    }

    def clean(self) -> dict[str, Any]:
        from django.conf import settings

        username = self.cleaned_data.get("username") or ""
        if is_locked(username=username, ip=client_ip(self.request)):
            # Go through authenticate() anyway so the attempt is audited; the backend refuses.
            with contextlib.suppress(ValidationError):
                super().clean()
            raise ValidationError(
                self.error_messages["locked"],
                code="locked",
                params={"minutes": settings.SHEGONG_LOCKOUT_MINUTES},
            )
        return super().clean()


def grantable_roles(user: Any) -> list[tuple[str, StrOrPromise]]:
    top = max((RANK[a.role] for a in user.active_assignments()), default=0)
    if user.is_superuser:
        top = 99
    # Volunteer logins are made from the volunteer's record (community), never here.
    return [(r.value, r.label) for r in Role if RANK[r] <= top and r != Role.VOLUNTEER]


class PlaceFields(forms.Form):
    service_fields = {"region": "region_code"}
    role = forms.ChoiceField(label=_("Role"))
    station = forms.ModelChoiceField(
        label=_("Station"),
        queryset=Station.objects.none(),
        required=False,
        help_text=_("For workers and station heads."),
    )
    region_code = DivisionCodeField(
        label=_("Division code"),
        required=False,
        help_text=_("For supervisors, administrators and auditors: the division they oversee."),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["role"]).choices = grantable_roles(user)
        station = cast(forms.ModelChoiceField, self.fields["station"])
        station.queryset = Station.objects.in_scope(scope_of(user, STAFF_MANAGE)).filter(
            active=True
        )

    def clean_region_code(self) -> Any:
        return region_for_code(self.cleaned_data.get("region_code"), required=False)


class StaffAccountForm(PlaceFields):
    username = forms.CharField(label=_("Username"), max_length=150)
    full_name = forms.CharField(label=_("Full name"), max_length=50)
    password1 = forms.CharField(label=_("Password"), widget=forms.PasswordInput, strip=False)
    password2 = forms.CharField(label=_("Password again"), widget=forms.PasswordInput, strip=False)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    certificate_level = forms.ChoiceField(
        label=_("Certificate"), required=False, choices=CertificateLevel.choices
    )
    certificate_number = forms.CharField(
        label=_("Certificate number"), max_length=40, required=False
    )
    certificate_date = forms.DateField(label=_("Certified on"), required=False, widget=DATE)
    joined_on = forms.DateField(label=_("Started on"), required=False, widget=DATE)

    field_order = [
        "username",
        "full_name",
        "password1",
        "password2",
        "role",
        "station",
        "region_code",
        "phone",
        "certificate_level",
        "certificate_number",
        "certificate_date",
        "joined_on",
    ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        return data


class StaffEditForm(forms.ModelForm):
    class Meta:
        model = StaffMember
        fields = [
            "full_name",
            "phone",
            "certificate_level",
            "certificate_number",
            "certificate_date",
        ]
        widgets = {"certificate_date": DATE}


class GrantRoleForm(PlaceFields):
    pass


class PasswordForm(forms.Form):
    old_password = forms.CharField(
        label=_("Current password"), widget=forms.PasswordInput, strip=False
    )
    new_password1 = forms.CharField(
        label=_("New password"), widget=forms.PasswordInput, strip=False
    )
    new_password2 = forms.CharField(
        label=_("New password again"), widget=forms.PasswordInput, strip=False
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_old_password(self) -> str:
        value: str = self.cleaned_data["old_password"]
        if not self.user.check_password(value):
            raise ValidationError(_("Your current password was entered incorrectly."))
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("new_password1") != data.get("new_password2"):
            self.add_error("new_password2", _("The two passwords differ."))
        return data


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=100, help_text=_("e.g. the device or script that uses it")
    )
    days = forms.IntegerField(label=_("Valid for (days)"), min_value=1, max_value=365, initial=90)


class AuditFilterForm(forms.Form):
    action = forms.CharField(label=_("Action"), required=False)
    username = forms.CharField(label=_("User"), required=False)
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        required=False,
        choices=[
            ("", _("Any outcome")),
            ("ok", _("succeeded")),
            ("denied", _("denied")),
            ("failed", _("failed")),
        ],
    )
    since = forms.DateField(label=_("From"), required=False, widget=DATE)
    until = forms.DateField(label=_("Until"), required=False, widget=DATE)
