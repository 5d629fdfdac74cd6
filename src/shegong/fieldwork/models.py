"""Visits (入户探访, 走访摸排, 电话回访, 陪同就医) and the visit policy that says how often each
person must be contacted.

Jurisdiction: a visit stores the code of the division the person lived in on the day
(`region_code`), so a later handover does not move past visits out of the old station's
records; `visible_to(user, perm)` is a range filter on it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shegong.core.models import ScopedQuerySet
from shegong.people.models import Category, Household, Person, RiskLevel
from shegong.regions.models import Region, Station


class VisitKind(models.TextChoices):
    HOME_VISIT = "home_visit", _("home visit (入户探访)")
    SCREENING = "screening", _("screening round (走访摸排)")
    PHONE_CALL = "phone_call", _("phone call (电话回访)")
    ESCORT = "escort", _("escort to hospital (陪同就医)")
    OTHER = "other", _("other contact")


# Kinds that count as an in-person home visit for a "visit" requirement; every kind counts
# for an "any contact" requirement.
IN_PERSON_KINDS = frozenset({VisitKind.HOME_VISIT, VisitKind.ESCORT})


class CheckStatus(models.TextChoices):
    OK = "ok", _("fine")
    CONCERN = "concern", _("concern")
    UNCHECKED = "", _("not checked")


class Visit(models.Model):
    """One contact with a person. The checklist is `{item: {"status": "ok" | "concern" | "",
    "note": str}}` with the items `policy.checklist_for(person, visited_on)` offers."""

    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="visits", verbose_name=_("person")
    )
    household = models.ForeignKey(
        Household,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("household"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=VisitKind.choices)
    visited_on = models.DateField(_("date"))
    region_code = models.BigIntegerField(_("division code"))
    station = models.ForeignKey(
        Station,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("station"),
    )
    workers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("who went")
    )
    volunteers_text = models.CharField(_("volunteers"), max_length=200, blank=True)
    checklist = models.JSONField(_("checklist"), default=dict, blank=True)
    needs_found = models.TextField(_("needs found"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    next_due = models.DateField(_("next visit by"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    scope_field = "region_code"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-visited_on", "-id"]
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        indexes = [
            models.Index(fields=["region_code", "visited_on"]),
            models.Index(fields=["person", "visited_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.kind} {self.visited_on}"


class ContactKind(models.TextChoices):
    ANY = "any", _("any contact (a call will do)")
    VISIT = "visit", _("home visit required")


class VisitPolicy(models.Model):
    """How often persons of a category (or at a risk level) must be contacted.

    A row with neither `station` nor `region` is the national default; a `region` row overrides
    it inside that division's subtree (a city or district deployment), a `station` row for the
    persons of that station. The most specific row for the same (category, also_category,
    risk_level, contact_kind) wins, and an inactive override switches the requirement off there.
    `also_category` narrows a row to persons holding both categories (高龄 + 独居).
    `interval_months` > 0 means calendar months (same day, clamped to the month end) and takes
    precedence over `interval_days`.
    """

    category = models.ForeignKey(
        Category,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("category"),
    )
    also_category = models.ForeignKey(
        Category,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("and also category"),
    )
    risk_level = models.CharField(
        _("risk level"), max_length=10, choices=RiskLevel.choices, blank=True
    )
    contact_kind = models.CharField(
        _("contact"), max_length=10, choices=ContactKind.choices, default=ContactKind.ANY
    )
    interval_days = models.PositiveSmallIntegerField(_("every (days)"), default=30)
    interval_months = models.PositiveSmallIntegerField(_("every (months)"), default=0)
    station = models.ForeignKey(
        Station,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("station"),
    )
    region = models.ForeignKey(
        Region,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("division"),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("visit policy")
        verbose_name_plural = _("visit policies")
        constraints = [
            models.CheckConstraint(
                condition=Q(category__isnull=False) | ~Q(risk_level=""),
                name="visitpolicy_category_or_risk",
            ),
            models.CheckConstraint(
                condition=Q(interval_days__gt=0) | Q(interval_months__gt=0),
                name="visitpolicy_interval_positive",
            ),
        ]

    def __str__(self) -> str:
        what = self.category_id or self.risk_level
        return f"{what} {self.contact_kind} {self.interval_months or self.interval_days}"


from .assessment_models import *  # noqa: E402, F403
from .case_models import *  # noqa: E402, F403
