"""Forms of the residents' request pages. They parse input; `request_services` validates (the
assignee's station above all) and writes. The assignee is a user id: a worker of another
station posted by hand reaches the service, which refuses it at `assigned_to`."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shegong.core.models import scope_of
from shegong.core.perms import REQUEST_MANAGE
from shegong.regions.models import Region, Station

from .request_models import (
    Importance,
    Priority,
    RequestChannel,
    RequestStatus,
    RequestTopic,
    Urgency,
)
from .request_rules import STAFF_CHANNELS, eligible_assignees
from .request_services import MAX_TEXT
from .volunteer_forms import (
    DATE,
    TEXTAREA,
    CommunityChoiceField,
    StationChoiceField,
    communities_of,
    today_max,
)

SATISFACTION_CHOICES = [(n, str(n)) for n in range(1, 6)]


def request_stations(user: Any) -> list[Station]:
    """Active stations where the user takes requests."""
    if hasattr(user, "stations"):
        mine = [s for s in user.stations(REQUEST_MANAGE) if s.active]
        if mine:
            return mine
    scope = scope_of(user, REQUEST_MANAGE)
    return list(Station.objects.in_scope(scope).filter(active=True)[:200])


def assignee_choices(stations: list[Station]) -> list[tuple[Any, str]]:
    seen: dict[int, str] = {}
    for st in stations:
        for u in eligible_assignees(st):
            seen.setdefault(u.pk, str(u))
    return [("", "—"), *seen.items()]


def pick_user(pk: int | None) -> Any:
    """The active login `pk` (the service checks where they work), or None."""
    from shegong.accounts.models import User

    if not pk:
        return None
    return User.objects.filter(pk=pk, is_active=True).first()


class TriageFields(forms.Form):
    urgency = forms.ChoiceField(
        label=_("How urgent (缓急)"),
        choices=Urgency.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    importance = forms.ChoiceField(
        label=_("How serious (轻重)"),
        choices=Importance.choices,
        widget=forms.RadioSelect,
        required=False,
    )


class RequestForm(TriageFields):
    """Intake at the station (walk-in, phone, grid worker). Triage and an assignee are
    optional here; `?person=` links a registered person (the view resolves it)."""

    station = StationChoiceField(label=_("Station"), queryset=Station.objects.none())
    channel = forms.ChoiceField(
        label=_("Received by"),
        choices=[(c.value, c.label) for c in STAFF_CHANNELS],
        widget=forms.RadioSelect,
        initial=RequestChannel.WALK_IN,
    )
    resident_name = forms.CharField(label=_("Resident"), max_length=50)
    contact = forms.CharField(
        label=_("Contact phone"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    community = CommunityChoiceField(
        label=_("Community"), queryset=Region.objects.none(), required=False
    )
    address = forms.CharField(label=_("Where"), max_length=200, required=False)
    topic = forms.ChoiceField(label=_("Topic"), choices=RequestTopic.choices)
    title = forms.CharField(
        label=_("What is needed"),
        max_length=100,
        help_text=_("In a few words, e.g. an elderly resident needs a lamp changed."),
    )
    description = forms.CharField(
        label=_("Details"), max_length=MAX_TEXT, required=False, widget=TEXTAREA
    )
    received_on = forms.DateField(label=_("Received on"), widget=DATE)
    # An id, not a choice: a forged id of another station's worker gets the service's message.
    assigned_to = forms.IntegerField(label=_("Assign to"), required=False, widget=forms.Select)

    field_order = [
        "station",
        "channel",
        "resident_name",
        "contact",
        "community",
        "address",
        "topic",
        "title",
        "description",
        "received_on",
        "urgency",
        "importance",
        "assigned_to",
    ]

    def __init__(self, *args: Any, user: Any, **kw: Any):
        super().__init__(*args, **kw)
        stations = request_stations(user)
        station = self.fields["station"]
        assert isinstance(station, forms.ModelChoiceField)
        station.queryset = Station.objects.filter(pk__in=[s.pk for s in stations])
        if len(stations) == 1:
            self.initial.setdefault("station", stations[0].pk)
        community = self.fields["community"]
        assert isinstance(community, forms.ModelChoiceField)
        community.queryset = communities_of(stations)
        assignee = self.fields["assigned_to"].widget
        assert isinstance(assignee, forms.Select)
        assignee.choices = assignee_choices(stations)
        if not self.is_bound:
            self.initial.setdefault("received_on", timezone.localdate())
        today_max(self.fields["received_on"])

    def clean_assigned_to(self) -> Any:
        raw = self.cleaned_data.get("assigned_to")
        user = pick_user(raw)
        if raw and user is None:
            raise forms.ValidationError(_("Choose a worker of the station."))
        return user

    def service_kwargs(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "station": d["station"],
            "channel": d["channel"],
            "resident_name": d["resident_name"],
            "contact": d.get("contact") or "",
            "community": d.get("community"),
            "address": d.get("address") or "",
            "topic": d["topic"],
            "title": d["title"],
            "description": d.get("description") or "",
            "received_on": d["received_on"],
            "urgency": d.get("urgency") or "",
            "importance": d.get("importance") or "",
            "assigned_to": d.get("assigned_to"),
        }


class TriageForm(TriageFields):
    deadline = forms.DateField(
        label=_("Deadline"),
        required=False,
        widget=DATE,
        help_text=_("Leave empty for the usual time for this priority."),
    )

    def __init__(self, *args: Any, **kw: Any):
        super().__init__(*args, **kw)
        self.fields["urgency"].required = True
        self.fields["importance"].required = True
        self.fields["deadline"].widget.attrs["min"] = timezone.localdate().isoformat()


class AssignForm(forms.Form):
    assigned_to = forms.IntegerField(label=_("Assign to"), widget=forms.Select)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args: Any, station: Station, **kw: Any):
        super().__init__(*args, **kw)
        widget = self.fields["assigned_to"].widget
        assert isinstance(widget, forms.Select)
        widget.choices = assignee_choices([station])

    def clean_assigned_to(self) -> Any:
        user = pick_user(self.cleaned_data.get("assigned_to"))
        if user is None:
            raise forms.ValidationError(_("Choose a worker of the station."))
        return user


class SatisfactionFields(forms.Form):
    satisfaction = forms.TypedChoiceField(
        label=_("Resident's satisfaction (1–5)"),
        choices=SATISFACTION_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        required=False,
    )
    satisfaction_note = forms.CharField(
        label=_("What the resident said"), max_length=300, required=False
    )


class ResolveForm(SatisfactionFields):
    resolution = forms.CharField(label=_("What was done"), max_length=MAX_TEXT, widget=TEXTAREA)
    resolved_on = forms.DateField(label=_("Resolved on"), widget=DATE)
    field_order = ["resolution", "resolved_on", "satisfaction", "satisfaction_note"]

    def __init__(self, *args: Any, **kw: Any):
        super().__init__(*args, **kw)
        if not self.is_bound:
            self.initial.setdefault("resolved_on", timezone.localdate())
        today_max(self.fields["resolved_on"])


class SatisfactionForm(SatisfactionFields):
    service_fields = {"note": "satisfaction_note"}

    def __init__(self, *args: Any, **kw: Any):
        super().__init__(*args, **kw)
        self.fields["satisfaction"].required = True


class CloseForm(forms.Form):
    reason = forms.CharField(
        label=_("Why close it without resolving it?"),
        max_length=300,
        widget=TEXTAREA,
        help_text=_("A duplicate, withdrawn by the resident, for another department …"),
    )


class RequestFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=50, required=False)
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", "—"), *RequestStatus.choices], required=False
    )
    priority = forms.TypedChoiceField(
        label=_("Priority"),
        choices=[("", "—"), *Priority.choices, (0, _("not triaged"))],
        coerce=int,
        required=False,
    )
    topic = forms.ChoiceField(
        label=_("Topic"), choices=[("", "—"), *RequestTopic.choices], required=False
    )
    channel = forms.ChoiceField(
        label=_("Received by"), choices=[("", "—"), *RequestChannel.choices], required=False
    )
    start = forms.DateField(label=_("From"), required=False, widget=DATE)
    end = forms.DateField(label=_("To"), required=False, widget=DATE)

    def filters(self) -> dict[str, Any]:
        if not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}
