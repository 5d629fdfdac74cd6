"""Group work (小组工作, MZ/T 095-2017): the plan, the phases 筹备 → 形成 → 转折 → 成熟 → 结束,
members, sessions with attendance and notes, and a before-and-after evaluation on a scale.

Jurisdiction: a group belongs to its organizing station's home division (`region_code`) and to
every community it serves (`GroupPlace`): a 跨社区互助小组 is seen and run by whoever works in
the station's division or in any of its communities (`group_selectors.groups_for`).
Sessions copy the group's `region_code` and station, like attendance (activity_models).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from shegong.core.models import ScopedQuerySet
from shegong.people.models import Person
from shegong.regions.models import Region, Station

from .activity_models import ServiceDomain

__all__ = ["Group", "GroupMember", "GroupPhase", "GroupPhaseChange", "GroupPlace", "GroupSession"]

USER = settings.AUTH_USER_MODEL


class GroupPhase(models.TextChoices):
    PREPARATION = "preparation", _("preparation (筹备)")
    FORMATION = "formation", _("formation (形成)")
    TRANSITION = "transition", _("transition (转折)")
    MATURITY = "maturity", _("maturity (成熟)")
    ENDED = "ended", _("ending (结束)")


# The allowed moves: one phase forward, or ending the group from any phase (a group that does
# not form, or breaks up, ends early). Nothing goes back and nothing leaves the end.
TRANSITIONS: dict[str, frozenset[str]] = {
    GroupPhase.PREPARATION: frozenset({GroupPhase.FORMATION, GroupPhase.ENDED}),
    GroupPhase.FORMATION: frozenset({GroupPhase.TRANSITION, GroupPhase.ENDED}),
    GroupPhase.TRANSITION: frozenset({GroupPhase.MATURITY, GroupPhase.ENDED}),
    GroupPhase.MATURITY: frozenset({GroupPhase.ENDED}),
    GroupPhase.ENDED: frozenset(),
}
# Sessions are held from formation until the end.
SESSION_PHASES = frozenset({GroupPhase.FORMATION, GroupPhase.TRANSITION, GroupPhase.MATURITY})


class Group(models.Model):
    name = models.CharField(_("name"), max_length=200)
    domain = models.CharField(_("service domain"), max_length=30, choices=ServiceDomain.choices)
    station = models.ForeignKey(
        Station, on_delete=models.PROTECT, related_name="+", verbose_name=_("organizing station")
    )
    region_code = models.BigIntegerField(_("division code"))
    communities = models.ManyToManyField(
        Region,
        through="GroupPlace",
        related_name="+",
        blank=True,
        verbose_name=_("communities served"),
    )
    # The plan (小组计划书).
    aims = models.TextField(_("aims"))
    target_members = models.TextField(_("members sought"), blank=True)
    recruitment = models.TextField(_("recruitment"), blank=True)
    planned_sessions = models.PositiveSmallIntegerField(_("number of sessions"))
    starts_on = models.DateField(_("planned start"), null=True, blank=True)
    ends_on = models.DateField(_("planned end"), null=True, blank=True)
    phase = models.CharField(
        _("phase"), max_length=20, choices=GroupPhase.choices, default=GroupPhase.PREPARATION
    )
    # The before-and-after evaluation: one score per member on this scale, before and after.
    scale_name = models.CharField(_("evaluation scale"), max_length=100, blank=True)
    scale_min = models.SmallIntegerField(_("lowest score"), default=0)
    scale_max = models.SmallIntegerField(_("highest score"), default=10)
    higher_is_better = models.BooleanField(_("a higher score is better"), default=True)
    evaluation_summary = models.TextField(_("evaluation summary"), blank=True)
    created_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)

    scope_field = "region_code"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("group")
        verbose_name_plural = _("groups")
        indexes = [models.Index(fields=["region_code", "phase"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(scale_max__gt=F("scale_min")), name="group_scale_order"
            ),
            models.CheckConstraint(condition=Q(planned_sessions__gt=0), name="group_sessions"),
        ]

    def __str__(self) -> str:
        return self.name


class GroupPlace(models.Model):
    """A community (or township) the group serves."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="places")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["region", "group"])]
        constraints = [
            models.UniqueConstraint(fields=["group", "region"], name="groupplace_group_region")
        ]

    def __str__(self) -> str:
        return f"{self.group_id} {self.region_id}"


class GroupPhaseChange(models.Model):
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="phase_changes")
    from_phase = models.CharField(_("from"), max_length=20, choices=GroupPhase.choices)
    to_phase = models.CharField(_("to"), max_length=20, choices=GroupPhase.choices)
    on = models.DateField(_("date"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    changed_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["on", "id"]
        verbose_name = _("phase change")

    def __str__(self) -> str:
        return f"{self.group_id} {self.from_phase}→{self.to_phase}"


class GroupMember(models.Model):
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="members")
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="+", verbose_name=_("person")
    )
    joined_on = models.DateField(_("joined on"))
    left_on = models.DateField(_("left on"), null=True, blank=True)
    score_before = models.SmallIntegerField(_("score before"), null=True, blank=True)
    score_after = models.SmallIntegerField(_("score after"), null=True, blank=True)

    class Meta:
        ordering = ["joined_on", "id"]
        verbose_name = _("group member")
        verbose_name_plural = _("group members")
        indexes = [models.Index(fields=["person", "joined_on"])]
        constraints = [
            models.UniqueConstraint(fields=["group", "person"], name="groupmember_group_person")
        ]

    def __str__(self) -> str:
        return f"{self.group_id} {self.person_id}"

    @property
    def active(self) -> bool:
        return self.left_on is None


class GroupSession(models.Model):
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="sessions")
    number = models.PositiveSmallIntegerField(_("session"))
    held_on = models.DateField(_("date"))
    topic = models.CharField(_("topic"), max_length=200)
    notes = models.TextField(_("notes"), blank=True)
    others_count = models.PositiveIntegerField(_("others (not registered)"), default=0)
    named_count = models.PositiveIntegerField(_("members present"), default=0, editable=False)
    station = models.ForeignKey(Station, on_delete=models.PROTECT, related_name="+")
    region_code = models.BigIntegerField(_("division code"))
    recorded_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    scope_field = "region_code"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["group", "number"]
        verbose_name = _("group session")
        verbose_name_plural = _("group sessions")
        indexes = [
            models.Index(fields=["region_code", "held_on"]),
            models.Index(fields=["station", "held_on"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["group", "number"], name="groupsession_number")
        ]

    def __str__(self) -> str:
        return f"{self.group_id} #{self.number}"

    @property
    def person_times(self) -> int:
        return self.named_count + self.others_count
