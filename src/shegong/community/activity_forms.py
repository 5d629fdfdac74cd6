"""Forms of the activity pages. They parse input; activity_services validates and writes."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from shegong.core.perms import ACTIVITY_MANAGE
from shegong.regions.models import Organization, Station, StationKind

from .activity_models import ActivityKind, ServiceDomain
from .activity_selectors import ActivityFilter, partners_for_stations
from .activity_services import MAX_PLACE, MAX_TITLE, MAX_VOLUNTEERS_TEXT

# type=date inputs need ISO dates whatever the language.
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class StationField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


def default_station(user: Any, stations: list[Station]) -> int | None:
    """The station the user works at (their station role), else the only one offered."""
    offered = {s.pk for s in stations}
    own = getattr(user, "stations", None)
    for s in own(ACTIVITY_MANAGE) if own else []:
        if s.pk in offered:
            return int(s.pk)
    return stations[0].pk if len(stations) == 1 else None


class ActivityForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=MAX_TITLE)
    station = StationField(label=_("Organizing station"), queryset=Station.objects.none())
    domain = forms.ChoiceField(label=_("Service domain"), choices=ServiceDomain.choices)
    kind = forms.ChoiceField(label=_("Kind of activity"), choices=ActivityKind.choices)
    held_on = forms.DateField(label=_("Date"), widget=DATE)
    start_time = forms.TimeField(label=_("Starts at"), required=False, widget=TIME)
    place = forms.CharField(label=_("Place"), max_length=MAX_PLACE)
    partners = forms.ModelMultipleChoiceField(
        label=_("Partner organizations"),
        queryset=Organization.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    volunteers_text = forms.CharField(
        label=_("Volunteers"),
        max_length=MAX_VOLUNTEERS_TEXT,
        required=False,
        help_text=_("Names or teams, e.g. 针锋裁缝志愿服务队."),
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    others_count = forms.IntegerField(
        label=_("Others present (not registered)"),
        required=False,
        help_text=_("A headcount; registered persons are checked in on the activity's page."),
    )

    def __init__(self, *args: Any, user: Any, stations: QuerySet[Station], **kwargs: Any):
        super().__init__(*args, **kwargs)
        station_list = list(stations)
        field = self.fields["station"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = stations
        partners = self.fields["partners"]
        assert isinstance(partners, forms.ModelMultipleChoiceField)
        partners.queryset = partners_for_stations(user, station_list)
        if not self.is_bound:
            self.initial.setdefault("station", default_station(user, station_list))
        if not self.is_bound:
            self.initial.setdefault("held_on", timezone.localdate())

    def service_kwargs(self, *, with_headcount: bool = True) -> dict[str, Any]:
        d = self.cleaned_data
        out = {
            "station": d["station"],
            "title": d["title"],
            "domain": d["domain"],
            "kind": d["kind"],
            "held_on": d["held_on"],
            "start_time": d.get("start_time"),
            "place": d["place"],
            "partners": list(d.get("partners") or []),
            "volunteers_text": d.get("volunteers_text") or "",
            "description": d.get("description") or "",
        }
        if with_headcount:
            out["others_count"] = d.get("others_count") or 0
        return out


class ActivityFilterForm(forms.Form):
    """Filters of the activity list (GET parameters)."""

    domain = forms.ChoiceField(
        label=_("Service domain"), choices=[("", "—"), *ServiceDomain.choices], required=False
    )
    kind = forms.ChoiceField(
        label=_("Kind of activity"), choices=[("", "—"), *ActivityKind.choices], required=False
    )
    station = StationField(
        label=_("Station"), queryset=Station.objects.none(), required=False, to_field_name="code"
    )
    start = forms.DateField(label=_("From"), required=False, widget=DATE)
    end = forms.DateField(label=_("To"), required=False, widget=DATE)

    def __init__(self, *args: Any, stations: QuerySet[Station], **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["station"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = self.stations = stations

    @cached_property
    def options(self) -> dict[str, list[tuple[str, str, bool]]]:
        """(value, label, selected) of each select, for a template that writes the options
        itself: Django's widget templates take ~0.1 ms an option, and a city has thousands
        of stations. The station filter offers every station but the community rooms (which
        stay reachable by their code in the URL, and are offered when chosen)."""
        raw = self.data if self.is_bound else {}
        chosen = {name: str(raw.get(name, "")) for name in ("domain", "kind", "station")}
        out: dict[str, list[tuple[str, str, bool]]] = {}
        for name, choices in (("domain", ServiceDomain.choices), ("kind", ActivityKind.choices)):
            out[name] = [("", "—", not chosen[name])] + [
                (str(v), str(label), str(v) == chosen[name]) for v, label in choices
            ]
        rows = (
            self.stations.filter(~Q(kind=StationKind.COMMUNITY_ROOM) | Q(code=chosen["station"]))
            .order_by("code")
            .values_list("code", "name")
        )
        out["station"] = [("", "—", not chosen["station"])] + [
            (code, name, code == chosen["station"]) for code, name in rows
        ]
        return out

    def to_filter(self) -> ActivityFilter:
        if not self.is_valid():
            return ActivityFilter()
        d = self.cleaned_data
        return ActivityFilter(
            domain=d.get("domain") or "",
            kind=d.get("kind") or "",
            station=d.get("station"),
            start=d.get("start"),
            end=d.get("end"),
        )


class HeadcountForm(forms.Form):
    others_count = forms.IntegerField(label=_("Others present (not registered)"))


class PersonPickForm(forms.Form):
    """A person chosen from the check-in search; `q` carries the search along."""

    person = forms.IntegerField(min_value=1)
    q = forms.CharField(required=False, max_length=50)


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Find a registered person"),
        required=False,
        max_length=50,
        help_text=_("Name, pinyin, initials or the last digits of the ID number."),
    )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files under one name; cleans to a list."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        files = data if isinstance(data, list | tuple) else [data]
        return [single(f, initial) for f in files if f]


class PhotosForm(forms.Form):
    camera = MultipleFileField(label=_("Take photos"))
    photos = MultipleFileField(label=_("Or choose photos"))
    caption = forms.CharField(label=_("Caption"), max_length=200, required=False)

    def photo_files(self) -> list[Any]:
        d = self.cleaned_data
        return [*(d.get("camera") or []), *(d.get("photos") or [])]
