"""Forms of the volunteer, hours and pairing pages. They parse input; the services validate
(hours above all: the 24-hours-a-day cap is the service's) and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shegong.core.models import scope_of
from shegong.core.perms import VOLUNTEER_MANAGE
from shegong.people.models import Gender
from shegong.regions.models import Level, Region, Station

from . import volunteer_selectors as sel
from .volunteer_models import ContactMode, PairingKind, RecognitionKind, Volunteer, VolunteerTeam
from .volunteer_services import MAX_TEXT, station_scope

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MONTH = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")
TEXTAREA = forms.Textarea(attrs={"rows": 3})
HOURS = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})
WEEKDAY_CHOICES = [
    (1, _("Monday")),
    (2, _("Tuesday")),
    (3, _("Wednesday")),
    (4, _("Thursday")),
    (5, _("Friday")),
    (6, _("Saturday")),
    (7, _("Sunday")),
]


def today_max(field: forms.Field) -> None:
    field.widget.attrs["max"] = timezone.localdate().isoformat()


def manage_stations(user: Any) -> list[Station]:
    """Active stations where the user registers volunteers."""
    scope = scope_of(user, VOLUNTEER_MANAGE)
    mine = (
        [s for s in user.stations(VOLUNTEER_MANAGE) if s.active]
        if hasattr(user, "stations")
        else []
    )
    return mine or list(Station.objects.in_scope(scope).filter(active=True)[:200])


def communities_of(stations: list[Station]) -> Any:
    """The communities and villages the stations serve, by code."""
    cond = Q()
    for st in stations:
        cond |= station_scope(st).q("code")
    if not stations:
        return Region.objects.none()
    return Region.objects.filter(cond, level=Level.VILLAGE).order_by("code")


class StationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.name


class TeamChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.name


class CommunityChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.name


class VolunteerForm(forms.Form):
    """Registration and profile. The phone, when editing, is left empty to keep it."""

    service_fields = {"registered_on": "registered_on"}
    name = forms.CharField(label=_("Full name"), max_length=50)
    gender = forms.ChoiceField(
        label=_("Gender"), choices=[("", "—"), *Gender.choices], required=False
    )
    phone = forms.CharField(
        label=_("Phone"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    station = StationChoiceField(label=_("Station"), queryset=Station.objects.none())
    community = CommunityChoiceField(
        label=_("Community"), queryset=Region.objects.none(), required=False
    )
    teams = TeamChoiceField(
        label=_("Teams"),
        queryset=VolunteerTeam.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    skills = forms.CharField(
        label=_("Skills"),
        required=False,
        max_length=700,
        help_text=_("Separate with commas: sewing, haircuts, tutoring …"),
    )
    available_days = forms.TypedMultipleChoiceField(
        label=_("Available on"),
        choices=WEEKDAY_CHOICES,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    availability = forms.CharField(
        label=_("Availability"),
        max_length=200,
        required=False,
        help_text=_("For example: weekend mornings, after 5 pm."),
    )
    registered_on = forms.DateField(label=_("Registered on"), widget=DATE)
    note = forms.CharField(label=_("Note"), max_length=MAX_TEXT, required=False, widget=TEXTAREA)

    def __init__(self, *args: Any, user: Any, volunteer: Volunteer | None = None, **kw: Any):
        super().__init__(*args, **kw)
        self.volunteer = volunteer
        stations = [volunteer.station] if volunteer else manage_stations(user)
        station_field = self.fields["station"]
        assert isinstance(station_field, forms.ModelChoiceField)
        station_field.queryset = Station.objects.filter(pk__in=[s.pk for s in stations])
        if len(stations) == 1:
            self.initial.setdefault("station", stations[0].pk)
        community = self.fields["community"]
        assert isinstance(community, forms.ModelChoiceField)
        community.queryset = communities_of(stations)
        teams = self.fields["teams"]
        assert isinstance(teams, forms.ModelMultipleChoiceField)
        teams.queryset = VolunteerTeam.objects.filter(
            station__in=[s.pk for s in stations], active=True
        ).order_by("name")
        if volunteer is not None:
            del self.fields["station"], self.fields["registered_on"]
            self.fields["phone"].widget.attrs["placeholder"] = volunteer.phone_masked
            self.fields["phone"].help_text = _("Leave empty to keep the number on file.")
            self.fields["active"] = forms.BooleanField(label=_("Active"), required=False)
            if not self.is_bound:
                self.initial.update(
                    {
                        "name": volunteer.name,
                        "gender": volunteer.gender,
                        "community": volunteer.community_id,
                        "teams": [t.pk for t in volunteer.teams.all()],
                        "skills": volunteer.skills,
                        "available_days": volunteer.day_list,
                        "availability": volunteer.availability,
                        "note": volunteer.note,
                        "active": volunteer.active,
                    }
                )
        else:
            if not self.is_bound:
                self.initial.setdefault("registered_on", timezone.localdate())
            today_max(self.fields["registered_on"])

    def service_kwargs(self) -> dict[str, Any]:
        d = self.cleaned_data
        out = {
            "name": d["name"],
            "gender": d.get("gender") or "",
            "community": d.get("community"),
            "teams": list(d.get("teams") or []),
            "skills": [d.get("skills") or ""],  # the service splits at commas
            "available_days": d.get("available_days") or [],
            "availability": d.get("availability") or "",
            "note": d.get("note") or "",
        }
        if self.volunteer is None:
            out |= {
                "station": d["station"],
                "phone": d.get("phone") or "",
                "registered_on": d["registered_on"],
            }
        else:
            out["active"] = bool(d.get("active"))
            if d.get("phone"):
                out["phone"] = d["phone"]
        return out


class VolunteerFilterForm(forms.Form):
    q = forms.CharField(label=_("Name"), required=False, max_length=50)
    team = forms.ModelChoiceField(
        label=_("Team"), queryset=VolunteerTeam.objects.none(), required=False
    )
    skill = forms.CharField(label=_("Skill"), required=False, max_length=30)
    day = forms.TypedChoiceField(
        label=_("Available on"), choices=[("", "—"), *WEEKDAY_CHOICES], coerce=int, required=False
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("active", _("active")), ("inactive", _("inactive")), ("all", _("all"))],
        required=False,
    )

    def __init__(self, *args: Any, user: Any, **kw: Any):
        super().__init__(*args, **kw)
        team = self.fields["team"]
        assert isinstance(team, forms.ModelChoiceField)
        team.queryset = sel.teams_for(user).order_by("station__code", "name")

    def filters(self) -> dict[str, Any]:
        if not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}


class HoursForm(forms.Form):
    """Hours by hand, or for an activity or a visit of the volunteer's station."""

    served_on = forms.DateField(label=_("Date"), widget=DATE, required=False)
    hours = forms.CharField(label=_("Hours"), max_length=10, widget=HOURS)
    activity = forms.TypedChoiceField(label=_("For an activity"), coerce=int, required=False)
    visit = forms.TypedChoiceField(label=_("Or for a visit"), coerce=int, required=False)
    description = forms.CharField(label=_("What was done"), max_length=200, required=False)

    def __init__(self, *args: Any, user: Any = None, volunteer: Volunteer, **kw: Any):
        super().__init__(*args, **kw)
        if not self.is_bound:
            self.initial.setdefault("served_on", timezone.localdate())
        today_max(self.fields["served_on"])
        self.activities = {a.pk: a for a in sel.activity_choices(user, volunteer)[:100]}
        self.visits = {v.pk: v for v in sel.visit_choices(user, volunteer)[:100]}
        activity = self.fields["activity"]
        visit = self.fields["visit"]
        assert isinstance(activity, forms.ChoiceField) and isinstance(visit, forms.ChoiceField)
        activity.choices = [("", "—")] + [
            (a.pk, f"{a.held_on:%Y-%m-%d} {a.title}") for a in self.activities.values()
        ]
        visit.choices = [("", "—")] + [
            (v.pk, f"{v.visited_on:%Y-%m-%d} {v.person.name} · {v.get_kind_display()}")
            for v in self.visits.values()
        ]
        if not self.activities:
            del self.fields["activity"]
        if not self.visits:
            del self.fields["visit"]

    def service_kwargs(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "served_on": d.get("served_on"),
            "hours": d["hours"],
            "description": d.get("description") or "",
            "activity": self.activities.get(d.get("activity") or 0),
            "visit": self.visits.get(d.get("visit") or 0),
        }


class SelfHoursForm(forms.Form):
    served_on = forms.DateField(label=_("Date"), widget=DATE)
    hours = forms.CharField(label=_("Hours"), max_length=10, widget=HOURS)
    description = forms.CharField(label=_("What was done"), max_length=200, required=False)

    def __init__(self, *args: Any, **kw: Any):
        super().__init__(*args, **kw)
        if not self.is_bound:
            self.initial.setdefault("served_on", timezone.localdate())
        today_max(self.fields["served_on"])


class HoursFilterForm(forms.Form):
    month = forms.DateField(label=_("Month"), required=False, input_formats=["%Y-%m"], widget=MONTH)
    team = forms.ModelChoiceField(
        label=_("Team"), queryset=VolunteerTeam.objects.none(), required=False
    )

    def __init__(self, *args: Any, user: Any, **kw: Any):
        super().__init__(*args, **kw)
        team = self.fields["team"]
        assert isinstance(team, forms.ModelChoiceField)
        team.queryset = sel.teams_for(user).order_by("station__code", "name")


class RecognitionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=RecognitionKind.choices)
    stars = forms.TypedChoiceField(
        label=_("Stars"),
        choices=[("", "—"), *((n, "★" * n) for n in range(1, 6))],
        coerce=int,
        required=False,
    )
    hours_milestone = forms.IntegerField(label=_("Hours reached"), required=False, min_value=1)
    title = forms.CharField(label=_("Title"), max_length=100, required=False)
    awarded_on = forms.DateField(label=_("Date"), widget=DATE)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args: Any, **kw: Any):
        super().__init__(*args, **kw)
        if not self.is_bound:
            self.initial.setdefault("awarded_on", timezone.localdate())
        today_max(self.fields["awarded_on"])


class LoginForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


class TeamForm(forms.Form):
    station = StationChoiceField(label=_("Station"), queryset=Station.objects.none())
    name = forms.CharField(label=_("Name"), max_length=60)
    description = forms.CharField(label=_("What the team does"), max_length=300, required=False)

    def __init__(self, *args: Any, user: Any, **kw: Any):
        super().__init__(*args, **kw)
        stations = manage_stations(user)
        field = self.fields["station"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Station.objects.filter(pk__in=[s.pk for s in stations])
        if len(stations) == 1:
            self.initial.setdefault("station", stations[0].pk)


# --- pairings --------------------------------------------------------------------------------
class PairingForm(forms.Form):
    volunteer = forms.TypedChoiceField(label=_("Volunteer"), coerce=int)
    kind = forms.ChoiceField(label=_("Kind"), choices=PairingKind.choices, widget=forms.RadioSelect)
    started_on = forms.DateField(label=_("Started on"), widget=DATE)
    contact_every_days = forms.IntegerField(
        label=_("Contact every (days)"), initial=30, min_value=1, max_value=365
    )
    goals = forms.CharField(label=_("Goals"), max_length=MAX_TEXT, required=False, widget=TEXTAREA)

    def __init__(self, *args: Any, user: Any, **kw: Any):
        super().__init__(*args, **kw)
        self.volunteers = {
            v.pk: v for v in sel.volunteers_for(user, VOLUNTEER_MANAGE).filter(active=True)[:500]
        }
        field = self.fields["volunteer"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "—")] + [
            (v.pk, f"{v.name} · {v.station.name}") for v in self.volunteers.values()
        ]
        if not self.is_bound:
            self.initial.setdefault("started_on", timezone.localdate())
        today_max(self.fields["started_on"])


class ContactForm(forms.Form):
    contacted_on = forms.DateField(label=_("Date"), widget=DATE)
    mode = forms.ChoiceField(label=_("How"), choices=ContactMode.choices, widget=forms.RadioSelect)
    notes = forms.CharField(
        label=_("What happened"), max_length=MAX_TEXT, required=False, widget=TEXTAREA
    )
    hours = forms.CharField(
        label=_("Hours to log (optional)"), max_length=10, required=False, widget=HOURS
    )

    def __init__(self, *args: Any, **kw: Any):
        super().__init__(*args, **kw)
        if not self.is_bound:
            self.initial.setdefault("contacted_on", timezone.localdate())
        today_max(self.fields["contacted_on"])


class EndPairingForm(forms.Form):
    ended_on = forms.DateField(label=_("Ended on"), widget=DATE)
    reason = forms.CharField(label=_("Why it ends"), max_length=300, widget=TEXTAREA)

    def __init__(self, *args: Any, **kw: Any):
        super().__init__(*args, **kw)
        if not self.is_bound:
            self.initial.setdefault("ended_on", timezone.localdate())
        today_max(self.fields["ended_on"])
