"""Assessments (预估): the structured needs assessment and the self-care assessment.

Needs assessment (需求评估, step 2 of casework, MZ/T 094-2017; domestic reference §1 row 15
and the 预估表 fields of §2.1): a level per domain and the needs found there, strengths and an
overall summary (预估摘要). The domains are those of DESIGN §2: material, care, health,
psychological, education, social support, safety; for a child (under 18 on the day): body,
study, living conditions, guardianship, schooling.

Self-care assessment (生活自理能力, reference §2.8 [S33]): six daily-living items (eat, dress,
get in and out of bed, use the toilet, walk indoors, bathe), each "can" or "cannot" unaided;
the derived level (`self_care_level`) drives the care standard of 特困人员 and is used for the
elderly.

Both are immutable once recorded: a later assessment supersedes an earlier one (the newest by
date is the person's current one). The ORM refuses update and delete, like the audit log.

Jurisdiction: each row stores the division the person lived in on the day (`region_code`), so a
later handover does not move past assessments out of the old station's records. The content is
health data (PIPL art. 28): read it through `assessment_selectors.may_read_content`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shegong.core.models import ScopedQuerySet
from shegong.people.models import Person
from shegong.regions.models import Station

from .case_models import Case

__all__ = [
    "CHILD_AGE",
    "DOMAIN_SETS",
    "SELF_CARE_ITEMS",
    "SELF_CARE_KEYS",
    "DomainSet",
    "NeedDomain",
    "NeedLevel",
    "NeedsAssessment",
    "SelfCareAssessment",
    "SelfCareLevel",
    "self_care_level",
]


class NeedDomain(models.TextChoices):
    """DESIGN §2 (预估 / 需求评估)."""

    MATERIAL = "material", _("material living")
    CARE = "care", _("daily care")
    HEALTH = "health", _("health")
    PSYCHOLOGICAL = "psychological", _("psychological")
    EDUCATION = "education", _("education")
    SOCIAL_SUPPORT = "social_support", _("social support")
    SAFETY = "safety", _("safety")
    # Children (as in the Yuzhong survey)
    BODY = "body", _("body")
    STUDY = "study", _("study")
    LIVING = "living", _("living conditions")
    GUARDIANSHIP = "guardianship", _("guardianship")
    SCHOOLING = "schooling", _("schooling")


class DomainSet(models.TextChoices):
    GENERAL = "general", _("general")
    CHILD = "child", _("child")


D = NeedDomain
DOMAIN_SETS: dict[str, tuple[str, ...]] = {
    DomainSet.GENERAL: (
        D.MATERIAL,
        D.CARE,
        D.HEALTH,
        D.PSYCHOLOGICAL,
        D.EDUCATION,
        D.SOCIAL_SUPPORT,
        D.SAFETY,
    ),
    DomainSet.CHILD: (D.BODY, D.STUDY, D.LIVING, D.GUARDIANSHIP, D.SCHOOLING),
}
# A person under this age on the day is assessed over the children's domains.
CHILD_AGE = 18


class NeedLevel(models.TextChoices):
    NONE = "none", _("no need")
    LOW = "low", _("low")
    MEDIUM = "medium", _("medium")
    HIGH = "high", _("high")


class SelfCareLevel(models.TextChoices):
    """Reference §2.8 [S33]: all six items = self-care; 1–3 failed = partially lost;
    4–6 failed = fully lost."""

    ABLE = "able", _("can care for themselves")
    PARTIAL = "partial", _("partly lost self-care")
    LOST = "lost", _("fully lost self-care")


# The six daily-living items of reference §2.8 [S33], in its order: (field, label).
SELF_CARE_ITEMS: tuple[tuple[str, Any], ...] = (
    ("eating", _("eating")),
    ("dressing", _("dressing")),
    ("transferring", _("getting in and out of bed")),
    ("toileting", _("using the toilet")),
    ("walking", _("walking indoors")),
    ("bathing", _("bathing")),
)
SELF_CARE_KEYS = tuple(k for k, _label in SELF_CARE_ITEMS)


def self_care_level(items: Mapping[str, bool]) -> str:
    """The self-care level from the six items (True: can do it unaided), by reference §2.8
    [S33]: none failed → ABLE; 1–3 failed → PARTIAL; 4–6 failed → LOST.

    Raises ValueError when an item is missing or is not a bool (the service reports that at
    the item's field before calling this)."""
    values = []
    for key in SELF_CARE_KEYS:
        value = items.get(key)
        if not isinstance(value, bool):
            raise ValueError(f"self-care item {key!r} must be True or False, not {value!r}")
        values.append(value)
    failed = values.count(False)
    if failed == 0:
        return SelfCareLevel.ABLE
    if failed <= 3:
        return SelfCareLevel.PARTIAL
    return SelfCareLevel.LOST


class ImmutableQuerySet(ScopedQuerySet):
    """Assessments are never changed or deleted: a new one supersedes."""

    scope_field = "region_code"

    def update(self, **kwargs: Any) -> int:
        raise PermissionError("assessments are immutable: record a new one")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("assessments are immutable: record a new one")


class _Assessment(models.Model):
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="+", verbose_name=_("person")
    )
    assessed_on = models.DateField(_("date"))
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assessor"),
    )
    region_code = models.BigIntegerField(_("division code"))
    station = models.ForeignKey(
        Station,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("station"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    scope_field = "region_code"
    objects = ImmutableQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise PermissionError("assessments are immutable: record a new one")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise PermissionError("assessments are immutable: record a new one")


class NeedsAssessment(_Assessment):
    """`domains` is `{domain: {"level": NeedLevel, "needs": str}}` over every domain of
    `DOMAIN_SETS[domain_set]`, in that order."""

    case = models.ForeignKey(
        Case,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="needs_assessments",
        verbose_name=_("case"),
    )
    domain_set = models.CharField(_("domains"), max_length=10, choices=DomainSet.choices)
    domains = models.JSONField(_("levels and needs"), default=dict)
    strengths = models.TextField(_("strengths"), blank=True)
    summary = models.TextField(_("summary"))

    class Meta:
        ordering = ["-assessed_on", "-id"]
        verbose_name = _("needs assessment")
        verbose_name_plural = _("needs assessments")
        indexes = [
            models.Index(fields=["person", "assessed_on"]),
            models.Index(fields=["region_code", "assessed_on"]),
        ]

    def __str__(self) -> str:
        return f"needs assessment {self.pk} of {self.person_id} on {self.assessed_on}"


class SelfCareAssessment(_Assessment):
    """Six items, True when the person can do it unaided; `level` is `self_care_level` of
    them, stored so that lists and reports need not recompute it."""

    eating = models.BooleanField(_("eating"))
    dressing = models.BooleanField(_("dressing"))
    transferring = models.BooleanField(_("getting in and out of bed"))
    toileting = models.BooleanField(_("using the toilet"))
    walking = models.BooleanField(_("walking indoors"))
    bathing = models.BooleanField(_("bathing"))
    level = models.CharField(_("self-care level"), max_length=10, choices=SelfCareLevel.choices)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["-assessed_on", "-id"]
        verbose_name = _("self-care assessment")
        verbose_name_plural = _("self-care assessments")
        indexes = [
            models.Index(fields=["person", "assessed_on"]),
            models.Index(fields=["region_code", "assessed_on"]),
        ]

    def __str__(self) -> str:
        return f"self-care assessment {self.pk} of {self.person_id} on {self.assessed_on}"

    @property
    def items(self) -> dict[str, bool]:
        return {key: getattr(self, key) for key in SELF_CARE_KEYS}
