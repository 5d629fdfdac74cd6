"""Forms of the group pages. They parse input; group_services validates and writes."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shegong.core.models import scope_of
from shegong.core.perms import ACTIVITY_MANAGE, PERSON_VIEW
from shegong.core.scoping import Scope
from shegong.people.models import Person
from shegong.regions.models import Level, Region, Station

from .activity_forms import DATE, StationField, default_station
from .activity_models import ServiceDomain
from .group_models import Group, GroupMember, GroupPhase

MAX_COMMUNITY_CHOICES = 600


class PlaceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


def community_choices(user: Any, group: Group | None = None) -> QuerySet[Region]:
    """Townships, villages and communities in the user's ACTIVITY_MANAGE jurisdiction (the
    first MAX_COMMUNITY_CHOICES by code), plus those the group serves already."""
    in_scope = (
        Region.objects.in_scope(scope_of(user, ACTIVITY_MANAGE))
        .filter(level__in=(Level.TOWNSHIP, Level.VILLAGE))
        .order_by("code")
        .values_list("code", flat=True)[:MAX_COMMUNITY_CHOICES]
    )
    codes = set(in_scope)
    if group is not None:
        codes |= set(group.places.values_list("region_id", flat=True))
    return Region.objects.filter(code__in=codes).order_by("code")


class GroupForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    station = StationField(label=_("Organizing station"), queryset=Station.objects.none())
    domain = forms.ChoiceField(label=_("Service domain"), choices=ServiceDomain.choices)
    communities = PlaceField(
        label=_("Communities served"),
        queryset=Region.objects.none(),
        required=False,
        help_text=_("Several for a cross-community mutual-aid group (跨社区互助小组)."),
    )
    aims = forms.CharField(label=_("Aims"), widget=forms.Textarea(attrs={"rows": 3}))
    target_members = forms.CharField(
        label=_("Members sought"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    recruitment = forms.CharField(
        label=_("Recruitment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    planned_sessions = forms.IntegerField(label=_("Number of sessions"), initial=6)
    starts_on = forms.DateField(label=_("Planned start"), required=False, widget=DATE)
    ends_on = forms.DateField(label=_("Planned end"), required=False, widget=DATE)
    scale_name = forms.CharField(
        label=_("Evaluation scale"),
        max_length=100,
        required=False,
        help_text=_("What members are scored on before and after, e.g. loneliness."),
    )
    scale_min = forms.IntegerField(label=_("Lowest score"), initial=0)
    scale_max = forms.IntegerField(label=_("Highest score"), initial=10)
    higher_is_better = forms.BooleanField(
        label=_("A higher score is better"), required=False, initial=True
    )
    evaluation_summary = forms.CharField(
        label=_("Evaluation summary"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(
        self,
        *args: Any,
        user: Any,
        stations: QuerySet[Station],
        group: Group | None = None,
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        station = self.fields["station"]
        assert isinstance(station, forms.ModelChoiceField)
        station.queryset = stations
        communities = self.fields["communities"]
        assert isinstance(communities, forms.ModelMultipleChoiceField)
        communities.queryset = community_choices(user, group)
        if group is None:
            del self.fields["evaluation_summary"]
            if not self.is_bound:
                self.initial.setdefault("station", default_station(user, list(stations)))
        else:
            del self.fields["station"]  # a group stays with the station that runs it

    def service_kwargs(self) -> dict[str, Any]:
        d = self.cleaned_data
        out = {
            name: d.get(name)
            for name in (
                "name",
                "domain",
                "aims",
                "target_members",
                "recruitment",
                "planned_sessions",
                "starts_on",
                "ends_on",
                "scale_name",
                "scale_min",
                "scale_max",
                "higher_is_better",
            )
        }
        for name in ("target_members", "recruitment", "scale_name"):
            out[name] = out[name] or ""
        out["communities"] = list(d.get("communities") or [])
        if "station" in self.fields:
            out["station"] = d["station"]
        if "evaluation_summary" in self.fields:
            out["evaluation_summary"] = d.get("evaluation_summary") or ""
        return out


class PhaseForm(forms.Form):
    service_fields = {"phase": "to"}

    to = forms.ChoiceField(label=_("Move to"), choices=GroupPhase.choices)
    on = forms.DateField(label=_("Date"), widget=DATE)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args: Any, allowed: list[str], **kwargs: Any):
        super().__init__(*args, **kwargs)
        labels = dict(GroupPhase.choices)
        field = self.fields["to"]
        assert isinstance(field, forms.ChoiceField)
        if not self.is_bound:
            field.choices = [(p, labels[p]) for p in allowed]
        self.fields["on"].widget.attrs["max"] = timezone.localdate().isoformat()
        if not self.is_bound:
            self.initial.setdefault("on", timezone.localdate())


OUTSIDE = _("a registered person outside your area")


class PersonField(forms.ModelMultipleChoiceField):
    """Members by name; a member the user may not see (PERSON_VIEW) without it."""

    scope: Scope | None = None

    def label_from_instance(self, obj: Any) -> str:
        if self.scope is not None and not self.scope.contains(obj.region_id):
            return str(OUTSIDE)
        return str(obj.name)


class SessionForm(forms.Form):
    held_on = forms.DateField(label=_("Date"), widget=DATE)
    topic = forms.CharField(label=_("Topic"), max_length=200)
    present = PersonField(
        label=_("Members present"),
        queryset=Person.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    others_count = forms.IntegerField(label=_("Others present (not registered)"), initial=0)
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args: Any, user: Any, group: Group, **kwargs: Any):
        super().__init__(*args, **kwargs)
        members = GroupMember.objects.filter(group=group).values("person_id")
        field = self.fields["present"]
        assert isinstance(field, PersonField)
        field.scope = scope_of(user, PERSON_VIEW)
        field.queryset = Person.objects.filter(pk__in=members).order_by("name_pinyin", "pk")
        self.fields["held_on"].widget.attrs["max"] = timezone.localdate().isoformat()
        if not self.is_bound:
            self.initial.setdefault("held_on", timezone.localdate())

    def service_kwargs(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "held_on": d["held_on"],
            "topic": d["topic"],
            "notes": d.get("notes") or "",
            "present": list(d.get("present") or []),
            "others_count": d.get("others_count") or 0,
        }


class MemberForm(forms.Form):
    person = forms.IntegerField(min_value=1)
    q = forms.CharField(required=False, max_length=50)


class ScoresForm(forms.Form):
    """`before_<person>` and `after_<person>` for each member."""

    def __init__(self, *args: Any, user: Any, members: list[GroupMember], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.members = members
        self.scope = scope_of(user, PERSON_VIEW)
        for m in members:
            self.fields[f"before_{m.person_id}"] = forms.IntegerField(
                label=_("Before"), required=False, initial=m.score_before
            )
            self.fields[f"after_{m.person_id}"] = forms.IntegerField(
                label=_("After"), required=False, initial=m.score_after
            )

    def rows(self) -> list[tuple[GroupMember, bool, forms.BoundField, forms.BoundField]]:
        """Each member, whether the user may see the person, and the two fields."""
        return [
            (
                m,
                self.scope.contains(m.person.region_id),
                self[f"before_{m.person_id}"],
                self[f"after_{m.person_id}"],
            )
            for m in self.members
        ]

    def scores(self) -> dict[int, tuple[int | None, int | None]]:
        d = self.cleaned_data
        return {
            m.person_id: (d.get(f"before_{m.person_id}"), d.get(f"after_{m.person_id}"))
            for m in self.members
        }
