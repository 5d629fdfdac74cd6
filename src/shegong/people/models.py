"""Persons in need (服务对象), households, categories over time, risk, consent.

Jurisdiction: a person belongs to the division where they live (`region`: the village or
community when known, else the township); `visible_to(user)` is a range filter on it. ID
numbers and phones are stored encrypted with keyed blind indexes (core.crypto); the masked form
is kept beside them so lists never decrypt.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shegong.core.fields import EncryptedTextField
from shegong.core.models import EffectiveQuerySet, ScopedQuerySet, TimeStamped
from shegong.regions.models import Region, Station


class Gender(models.TextChoices):
    MALE = "M", _("male")
    FEMALE = "F", _("female")


class LivingSituation(models.TextChoices):
    ALONE = "alone", _("lives alone")
    EMPTY_NEST = "empty_nest", _("empty-nest (elderly couple)")
    WITH_CHILDREN = "with_children", _("lives with children")
    WITH_RELATIVES = "with_relatives", _("lives with other relatives")
    WITH_GUARDIAN = "with_guardian", _("lives with an entrusted guardian")
    INSTITUTION = "institution", _("lives in an institution")
    OTHER = "other", _("other")


class PersonStatus(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("person status", "registered")
    MOVED_AWAY = "moved_away", _("moved away")
    DECEASED = "deceased", _("deceased")
    ARCHIVED = "archived", _("archived")


class RiskLevel(models.TextChoices):
    LOW = "low", _("low")
    MEDIUM = "medium", _("medium")
    HIGH = "high", _("high")
    CRISIS = "crisis", _("crisis")


# A person's photos and documents: `core.Attachment.owner_type`; the owner id is the person's pk.
ATTACHMENT_OWNER = "people.person"


class Household(TimeStamped):
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("division")
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")

    def __str__(self) -> str:
        return self.address or f"#{self.pk}"


class Relation(models.TextChoices):
    HEAD = "head", _("head of household")
    SPOUSE = "spouse", _("spouse")
    CHILD = "child", _("child")
    PARENT = "parent", pgettext_lazy("family relation", "parent")
    GRANDCHILD = "grandchild", _("grandchild")
    GRANDPARENT = "grandparent", _("grandparent")
    SIBLING = "sibling", _("sibling")
    OTHER = "other", _("other relative")


class Person(TimeStamped):
    name = models.CharField(_("full name"), max_length=50)
    name_pinyin = models.CharField(max_length=120, db_index=True, editable=False)
    id_number = EncryptedTextField(_("ID number"), blank=True)
    id_index = models.CharField(max_length=32, null=True, blank=True, unique=True, editable=False)
    id_masked = models.CharField(_("ID number"), max_length=18, blank=True, editable=False)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    ethnicity = models.CharField(_("ethnicity"), max_length=20, blank=True)
    phone = EncryptedTextField(_("phone"), blank=True)
    phone_index = models.CharField(max_length=32, blank=True, db_index=True, editable=False)
    phone_masked = models.CharField(_("phone"), max_length=20, blank=True, editable=False)
    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("lives in"),
        help_text=_("The village or community where the person lives, or the township."),
    )
    station = models.ForeignKey(
        Station,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("responsible station"),
    )
    hukou_address = models.CharField(
        _("household registration address"), max_length=200, blank=True
    )
    residence_address = models.CharField(_("residence address"), max_length=200, blank=True)
    living_situation = models.CharField(
        _("living situation"), max_length=20, choices=LivingSituation.choices, blank=True
    )
    household = models.ForeignKey(
        Household,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("household"),
    )
    relation = models.CharField(
        _("relation to the head of household"), max_length=20, choices=Relation.choices, blank=True
    )
    guardian = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="wards",
        verbose_name=_("guardian"),
    )
    guardian_relation = models.CharField(_("guardian's relation"), max_length=30, blank=True)
    languages = models.JSONField(_("languages spoken"), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=PersonStatus.choices, default=PersonStatus.ACTIVE
    )
    risk_level = models.CharField(
        _("risk level"), max_length=10, choices=RiskLevel.choices, blank=True
    )
    note = models.TextField(_("note"), blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        indexes = [
            models.Index(fields=["region", "name_pinyin"]),
            models.Index(fields=["station", "name_pinyin"]),
            models.Index(fields=["name", "birth_date"]),
        ]

    def __str__(self) -> str:
        return self.name

    def age_on(self, day: dt.date) -> int | None:
        if self.birth_date is None:
            return None
        b = self.birth_date
        return day.year - b.year - ((day.month, day.day) < (b.month, b.day))

    @property
    def township_code(self) -> int:
        return self.region_id // 1000 * 1000


class SearchTerm(models.Model):
    """What workers type, indexed: name bigrams and single characters, full pinyin, initials,
    blind indexes of the ID number (whole and its last 4–8 digits) and phone. Carries the
    person's division code so a search is one index range scan inside the user's scope."""

    term = models.CharField(max_length=64)
    region_code = models.BigIntegerField()
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["term", "region_code"])]
        constraints = [
            models.UniqueConstraint(fields=["person", "term"], name="searchterm_person_term")
        ]

    def __str__(self) -> str:
        return self.term


class Category(models.Model):
    """A category of people in need: national ones ship with the product; a city adds local
    ones (`region` set: visible in that subtree only)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=50)
    name_en = models.CharField(_("English name"), max_length=80, blank=True)
    subtypes = models.JSONField(_("subtypes"), default=list, blank=True)
    graded = models.BooleanField(_("has grades 1–4"), default=False)
    sensitive = models.BooleanField(
        _("sensitive"),
        default=False,
        help_text=_(
            "Health or minors' data (PIPL art. 28): shown only to those who serve the person."
        ),
    )
    derived = models.BooleanField(
        _("derived"),
        default=False,
        help_text=_("Computed from other data (e.g. aged 80 and over), not recorded by hand."),
    )
    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("local to"),
    )
    order = models.PositiveSmallIntegerField(default=100)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The name in the user's language (Chinese unless the interface is English)."""
        from django.utils.translation import get_language

        if self.name_en and (get_language() or "").startswith("en"):
            return self.name_en
        return self.name


class MembershipSource(models.TextChoices):
    CIVIL_AFFAIRS = "civil_affairs", _("civil-affairs list")
    SCREENING = "screening", _("screening (摸底)")
    REFERRAL = "referral", _("referral")
    SELF_REPORT = "self_report", _("self-reported")
    IMPORT = "import", _("ledger import")


class MembershipQuerySet(EffectiveQuerySet):
    def on(self, day: dt.date) -> MembershipQuerySet:
        return self.current(day)


class CategoryMembership(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="memberships")
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="+", verbose_name=_("category")
    )
    subtype = models.CharField(_("subtype"), max_length=30, blank=True)
    grade = models.PositiveSmallIntegerField(_("grade"), null=True, blank=True)
    valid_from = models.DateField(_("from"))
    valid_to = models.DateField(_("until"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=20, choices=MembershipSource.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["-valid_from"]
        verbose_name = _("category membership")
        indexes = [
            models.Index(fields=["category", "valid_from"]),
            models.Index(fields=["person", "valid_from"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="membership_period_order",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.category_id} {self.valid_from}"


class RiskAssessment(models.Model):
    """Each change of a person's risk level, with reason and date (the history)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="risk_history")
    level = models.CharField(_("risk level"), max_length=10, choices=RiskLevel.choices)
    reason = models.CharField(_("reason"), max_length=300)
    assessed_on = models.DateField(_("assessed on"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-assessed_on", "-id"]
        verbose_name = _("risk assessment")

    def __str__(self) -> str:
        return f"{self.person_id} {self.level} {self.assessed_on}"


class LegalBasis(models.TextChoices):
    CONSENT = "consent", _("consent")
    LEGAL_DUTY = "legal_duty", _("statutory duty (法定职责)")
    VITAL_INTEREST = "vital_interest", _("protecting life, health or property in an emergency")


class Consent(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="consents")
    basis = models.CharField(_("legal basis"), max_length=20, choices=LegalBasis.choices)
    given_on = models.DateField(_("date"))
    given_by = models.CharField(
        _("given by"),
        max_length=50,
        blank=True,
        help_text=_("The person, or the guardian for a child under 14."),
    )
    given_by_guardian = models.BooleanField(_("given by the guardian"), default=False)
    scope = models.CharField(_("scope"), max_length=200, blank=True)
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-given_on", "-id"]
        verbose_name = _("consent record")

    def __str__(self) -> str:
        return f"{self.person_id} {self.basis} {self.given_on}"


class Residence(models.Model):
    """Where a person lived over time; a handover to another township ends one row and starts
    the next, so history stays with the person while access moves with them."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="residences")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    station = models.ForeignKey(
        Station, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-valid_from", "-id"]

    def __str__(self) -> str:
        return f"{self.person_id} {self.region_id} {self.valid_from}"


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", _("uploaded")
    VALIDATING = "validating", _("checking")
    VALIDATED = "validated", _("checked")
    COMMITTING = "committing", _("importing")
    COMMITTED = "committed", _("imported")
    FAILED = "failed", _("failed")


class ImportBatch(models.Model):
    """One uploaded ledger file: checked first (problems per row), then committed all-or-
    nothing. Large files are processed by the background worker; `progress` drives the bar."""

    station = models.ForeignKey(Station, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    filename = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64, db_index=True)
    file = models.FileField(upload_to="imports/%Y/%m/", blank=True)
    status = models.CharField(
        max_length=20, choices=ImportStatus.choices, default=ImportStatus.UPLOADED
    )
    mapping = models.JSONField(default=dict, blank=True)
    valid_only = models.BooleanField(default=False)
    total_rows = models.PositiveIntegerField(default=0)
    valid_rows = models.PositiveIntegerField(default=0)
    invalid_rows = models.PositiveIntegerField(default=0)
    imported = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    progress = models.PositiveSmallIntegerField(default=0)
    problems = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)

    scope_field = "station__region_id"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.filename


class ColumnMapping(models.Model):
    """How one station's ledgers name our columns, remembered for the next upload."""

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=50, default="default")
    mapping = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["station", "name"], name="columnmapping_station_name")
        ]

    def __str__(self) -> str:
        return f"{self.station_id} {self.name}"
