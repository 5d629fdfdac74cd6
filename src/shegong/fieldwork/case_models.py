"""Cases (个案) with their stage records, station transfers, referrals (转介) and risk alerts.

Jurisdiction: each row stores the division code it belongs to (`region_code`: for a case the
division of its station's work, for referrals and alerts the person's division on the day), so
`visible_to(user, perm)` is one range filter. A case's `notes` are confidential; read them only
through `case_selectors.case_notes_for`.

Concurrency: `Case.version` is bumped by every write through a guarded
`UPDATE … WHERE version = expected` (case_services), which works on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shegong.core.models import ScopedQuerySet
from shegong.people.models import Person
from shegong.regions.models import Organization, Station

__all__ = [
    "AlertAction",
    "AlertActionKind",
    "AlertStatus",
    "Case",
    "CaseClosure",
    "CaseEvaluation",
    "CaseIntake",
    "CasePlan",
    "CaseService",
    "CaseSource",
    "CaseStage",
    "CaseStageChange",
    "CaseTransfer",
    "ClosureStatus",
    "IntakeDecision",
    "Referral",
    "ReferralDirection",
    "ReferralServiceType",
    "ReferralStatus",
    "RiskAlert",
    "RiskKind",
    "ServiceMode",
    "TransferStatus",
]

USER = settings.AUTH_USER_MODEL


def _user_fk(verbose: Any, *, null: bool = False) -> models.ForeignKey:
    return models.ForeignKey(
        USER,
        on_delete=models.SET_NULL if null else models.PROTECT,
        null=null,
        blank=null,
        related_name="+",
        verbose_name=verbose,
    )


class CaseStage(models.TextChoices):
    INTAKE = "intake", _("intake (接案)")
    ASSESSMENT = "assessment", _("assessment (预估)")
    PLAN = "plan", _("plan (计划)")
    INTERVENTION = "intervention", _("intervention (介入)")
    EVALUATION = "evaluation", _("evaluation (评估)")
    CLOSED = "closed", _("closed (结案)")
    DECLINED = "declined", _("declined at intake")
    REFERRED_OUT = "referred_out", _("referred out at intake")


class RiskKind(models.TextChoices):
    SELF_HARM = "self_harm", _("self-harm or suicide risk")
    ABUSE = "abuse_domestic_violence", _("abuse or domestic violence")
    NEGLECT = "neglect", _("neglect")
    NO_CAREGIVER = "no_caregiver", _("no caregiver")
    BULLYING = "bullying", _("bullying")
    DISASTER = "disaster", _("disaster or accident")
    OTHER = "other", _("other risk")


class CaseSource(models.TextChoices):
    SELF = "self", _("came by themselves")
    OUTREACH = "outreach", _("found by outreach")
    REFERRAL = "referral", _("referred by others")


class Case(models.Model):
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="cases", verbose_name=_("person")
    )
    station = models.ForeignKey(
        Station, on_delete=models.PROTECT, related_name="+", verbose_name=_("station")
    )
    region_code = models.BigIntegerField(_("division code"))
    assigned_worker = _user_fk(_("assigned worker"))
    supervisor = _user_fk(_("supervisor"), null=True)
    stage = models.CharField(
        _("stage"), max_length=20, choices=CaseStage.choices, default=CaseStage.INTAKE
    )
    source = models.CharField(_("source"), max_length=10, choices=CaseSource.choices)
    referrer = models.CharField(_("referred by"), max_length=100, blank=True)
    problem = models.TextField(_("presenting problem"), blank=True)
    assessment_summary = models.TextField(_("assessment summary"), blank=True)
    opened_on = models.DateField(_("opened on"))
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    notes = models.TextField(_("confidential notes"), blank=True)
    created_by = _user_fk(_("opened by"), null=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    scope_field = "region_code"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_on", "-id"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [
            models.Index(fields=["region_code", "stage"]),
            models.Index(fields=["assigned_worker", "stage"]),
        ]

    def __str__(self) -> str:
        return f"case {self.pk} {self.stage}"


class CaseStageChange(models.Model):
    """One step of a case from stage to stage (the opening is the step from "" to intake),
    written by the service that makes it, in the same transaction: the dated history of the
    case. `note` is the reason given (an intake decision's, a reopening's, the supervisor's
    comment at sign-off); it belongs to the confidential case file."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="stage_changes", verbose_name=_("case")
    )
    from_stage = models.CharField(
        _("from stage"), max_length=20, choices=CaseStage.choices, blank=True
    )
    to_stage = models.CharField(_("to stage"), max_length=20, choices=CaseStage.choices)
    changed_on = models.DateField(_("changed on"))
    changed_at = models.DateTimeField(_("changed at"), auto_now_add=True)
    changed_by = _user_fk(_("changed by"), null=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["changed_at", "id"]
        verbose_name = _("case stage change")
        verbose_name_plural = _("case stage changes")
        indexes = [models.Index(fields=["case", "changed_at"])]

    def __str__(self) -> str:
        return f"{self.case_id} {self.from_stage or '-'} → {self.to_stage} {self.changed_on}"


class IntakeDecision(models.TextChoices):
    ACCEPT = "accept", _("accept")
    REFER = "refer", _("refer elsewhere")
    DECLINE = "decline", _("decline")


class CaseIntake(models.Model):
    """The intake decision (接案登记). One per pass through intake (a reopened case has more)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="intakes")
    consent_given = models.BooleanField(_("consent given"), default=False)
    decision = models.CharField(_("decision"), max_length=10, choices=IntakeDecision.choices)
    reason = models.TextField(_("reason"), blank=True)
    decided_on = models.DateField(_("decided on"))
    decided_by = _user_fk(_("decided by"), null=True)

    class Meta:
        ordering = ["-decided_on", "-id"]
        verbose_name = _("case intake")
        verbose_name_plural = _("case intakes")

    def __str__(self) -> str:
        return f"{self.case_id} {self.decision}"


class CasePlan(models.Model):
    """A service plan (服务计划书); a revised plan is a new row, the newest one is in force.
    `goals` is `[{"goal": str, "target": str, "due": "YYYY-MM-DD"}]`."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="plans")
    goals = models.JSONField(_("goals"), default=list)
    tasks = models.TextField(_("tasks and responsible people"), blank=True)
    agreed_by_client = models.BooleanField(_("agreed by the client"), default=False)
    agreed_by_guardian = models.BooleanField(_("agreed by the guardian"), default=False)
    agreed_on = models.DateField(_("agreed on"), null=True, blank=True)
    created_by = _user_fk(_("written by"), null=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("case plan")
        verbose_name_plural = _("case plans")

    def __str__(self) -> str:
        return f"{self.case_id} plan {self.pk}"


class ServiceMode(models.TextChoices):
    HOME = "home", _("home visit")
    OFFICE = "office", _("at the station")
    PHONE = "phone", _("phone")
    ONLINE = "online", _("online")
    ESCORT = "escort", _("escort")


class CaseService(models.Model):
    """One act of service in the intervention (个案服务记录): an event that feeds indicators."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="services")
    served_on = models.DateField(_("date"))
    mode = models.CharField(_("mode"), max_length=10, choices=ServiceMode.choices)
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"))
    content = models.TextField(_("content"))
    resources = models.TextField(_("resources linked"), blank=True)
    region_code = models.BigIntegerField(_("division code"))
    station = models.ForeignKey(Station, on_delete=models.PROTECT, related_name="+")
    recorded_by = _user_fk(_("recorded by"), null=True)
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    scope_field = "region_code"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-served_on", "-id"]
        verbose_name = _("case service")
        verbose_name_plural = _("case services")
        indexes = [models.Index(fields=["region_code", "served_on"])]

    def __str__(self) -> str:
        return f"{self.case_id} {self.served_on}"


class CaseEvaluation(models.Model):
    """Goal attainment (评估): `attainment` is `[{"goal": str, "attained": "yes|partly|no"}]`."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="evaluations")
    attainment = models.JSONField(_("goal attainment"), default=list)
    satisfaction = models.PositiveSmallIntegerField(_("client satisfaction (1–5)"))
    changes = models.TextField(_("changes observed"), blank=True)
    evaluated_on = models.DateField(_("evaluated on"))
    evaluated_by = _user_fk(_("evaluated by"), null=True)

    class Meta:
        ordering = ["-evaluated_on", "-id"]
        verbose_name = _("case evaluation")
        verbose_name_plural = _("case evaluations")
        constraints = [
            models.CheckConstraint(
                condition=Q(satisfaction__gte=1, satisfaction__lte=5),
                name="caseevaluation_satisfaction_1_5",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} evaluation {self.evaluated_on}"


class ClosureStatus(models.TextChoices):
    REQUESTED = "requested", _("awaiting sign-off")
    SIGNED = "signed", _("signed off")
    RETURNED = "returned", _("returned to the worker")


class CaseClosure(models.Model):
    """A closure report (结案报告). The case closes only when a supervisor signs it off."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="closures")
    reason = models.CharField(_("reason"), max_length=200)
    summary = models.TextField(_("summary"))
    follow_up_on = models.DateField(_("follow up on"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ClosureStatus.choices, default=ClosureStatus.REQUESTED
    )
    requested_by = _user_fk(_("requested by"), null=True)
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    supervisor_signed_by = _user_fk(_("signed off by"), null=True)
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    supervisor_comment = models.TextField(_("supervisor's comment"), blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("case closure")
        verbose_name_plural = _("case closures")
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(status="requested"),
                name="caseclosure_one_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} closure {self.status}"


class TransferStatus(models.TextChoices):
    PENDING = "pending", _("waiting for the receiving station")
    ACCEPTED = "accepted", _("accepted")
    REJECTED = "rejected", _("rejected")


class CaseTransfer(models.Model):
    """A case handed to another station; it moves only when that station accepts."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="transfers")
    from_station = models.ForeignKey(Station, on_delete=models.PROTECT, related_name="+")
    to_station = models.ForeignKey(Station, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("reason"))
    status = models.CharField(
        _("status"), max_length=10, choices=TransferStatus.choices, default=TransferStatus.PENDING
    )
    requested_by = _user_fk(_("requested by"), null=True)
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    answered_by = _user_fk(_("answered by"), null=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answer_note = models.TextField(_("answer"), blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("case transfer")
        verbose_name_plural = _("case transfers")
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=Q(status="pending"), name="casetransfer_one_pending"
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} → {self.to_station_id} {self.status}"


class ReferralDirection(models.TextChoices):
    OUT = "out", _("outgoing")
    IN = "in", _("incoming")


class ReferralServiceType(models.TextChoices):
    MENTAL_HEALTH = "mental_health", _("mental-health centre")
    LEGAL_AID = "legal_aid", _("legal aid")
    JUDICIAL_AID = "judicial_aid", _("judicial assistance (司法救助)")
    HOSPITAL = "hospital", _("hospital")
    SCHOOL = "school", _("school")
    DISABLED_FEDERATION = "disabled_federation", _("disabled persons' federation")


class ReferralStatus(models.TextChoices):
    SENT = "sent", _("sent, no answer yet")
    ACCEPTED = "accepted", _("accepted")
    IN_PROGRESS = "in_progress", _("in progress")
    DONE = "done", _("done")
    CLOSED_NO_FEEDBACK = "closed_no_feedback", _("closed without feedback")


class Referral(models.Model):
    """A referral (转介) out to a partner or a service, or in from one. `to_organization` is the
    receiver of an outgoing referral, `from_organization` the sender of an incoming one;
    `other_party` names a receiver or sender that is not a registered organization."""

    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="referrals", verbose_name=_("person")
    )
    case = models.ForeignKey(
        Case,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="referrals",
        verbose_name=_("case"),
    )
    direction = models.CharField(_("direction"), max_length=3, choices=ReferralDirection.choices)
    to_organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("to organization"),
    )
    from_organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("from organization"),
    )
    service_type = models.CharField(
        _("service"), max_length=20, choices=ReferralServiceType.choices, blank=True
    )
    other_party = models.CharField(_("other party"), max_length=100, blank=True)
    reason = models.TextField(_("reason"))
    status = models.CharField(
        _("status"), max_length=20, choices=ReferralStatus.choices, default=ReferralStatus.SENT
    )
    feedback = models.TextField(_("feedback"), blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    closed_reason = models.TextField(_("why closed without feedback"), blank=True)
    sent_on = models.DateField(_("sent on"))
    answered_on = models.DateField(_("answered on"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    region_code = models.BigIntegerField(_("division code"))
    station = models.ForeignKey(
        Station, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by = _user_fk(_("made by"), null=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    scope_field = "region_code"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-sent_on", "-id"]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        indexes = [models.Index(fields=["region_code", "status"])]

    def __str__(self) -> str:
        return f"referral {self.pk} {self.direction} {self.status}"


class AlertStatus(models.TextChoices):
    OPEN = "open", _("open")
    RESOLVED = "resolved", _("resolved")


class RiskAlert(models.Model):
    """A risk alert: on the station head's and district admin's dashboards until resolved."""

    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="risk_alerts", verbose_name=_("person")
    )
    case = models.ForeignKey(
        Case, on_delete=models.SET_NULL, null=True, blank=True, related_name="alerts"
    )
    kind = models.CharField(_("kind"), max_length=30, choices=RiskKind.choices)
    description = models.TextField(_("description"))
    status = models.CharField(
        _("status"), max_length=10, choices=AlertStatus.choices, default=AlertStatus.OPEN
    )
    raised_by = _user_fk(_("raised by"), null=True)
    raised_at = models.DateTimeField(_("raised at"), auto_now_add=True)
    resolved_by = _user_fk(_("resolved by"), null=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolution = models.TextField(_("resolution"), blank=True)
    region_code = models.BigIntegerField(_("division code"))
    station = models.ForeignKey(
        Station, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    scope_field = "region_code"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-raised_at", "-id"]
        verbose_name = _("risk alert")
        verbose_name_plural = _("risk alerts")
        indexes = [models.Index(fields=["region_code", "status"])]

    def __str__(self) -> str:
        return f"alert {self.pk} {self.kind} {self.status}"


class AlertActionKind(models.TextChoices):
    PLACEMENT = "placement", _("placement (安置)")
    REFERRAL = "referral", _("referral")
    POLICE = "police", _("police called")
    HOSPITAL = "hospital", _("taken to hospital")
    OTHER = "other", _("other action")


class AlertAction(models.Model):
    alert = models.ForeignKey(RiskAlert, on_delete=models.CASCADE, related_name="actions")
    kind = models.CharField(_("action"), max_length=20, choices=AlertActionKind.choices)
    taken_on = models.DateField(_("taken on"))
    note = models.TextField(_("note"), blank=True)
    by = _user_fk(_("by"), null=True)
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["taken_on", "id"]
        verbose_name = _("alert action")
        verbose_name_plural = _("alert actions")

    def __str__(self) -> str:
        return f"{self.alert_id} {self.kind} {self.taken_on}"
