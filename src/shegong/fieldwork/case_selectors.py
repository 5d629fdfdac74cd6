"""Reads for cases, referrals and risk alerts; every list starts from the user's jurisdiction.

Case notes are confidential (MZ/T 094 保密): CASE_VIEW shows that a case exists, its stage and
worker; the notes go only to the assigned worker, the station head of the case's station and
the supervisors over it (`case_notes_for`). Lists defer the notes column.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from shegong.core import audit
from shegong.core.models import Outcome, scope_of
from shegong.core.perms import (
    ALERT_HANDLE,
    CASE_NOTES,
    CASE_SUPERVISE,
    CASE_VIEW,
    CASE_WORK,
    REFERRAL_MANAGE,
)
from shegong.core.scoping import LEVEL_DIGITS, ancestor_code
from shegong.people.models import Person
from shegong.regions.models import Organization, OrgKind, Station

from .case_models import (
    AlertStatus,
    Case,
    CaseClosure,
    CaseEvaluation,
    CaseIntake,
    CasePlan,
    CaseService,
    CaseStage,
    CaseTransfer,
    ClosureStatus,
    Referral,
    ReferralDirection,
    ReferralStatus,
    RiskAlert,
    TransferStatus,
)

# Kept here rather than imported from `cases`, which reads `allowed_organizations` from us.
OPEN_STAGES = (CaseStage.INTAKE, CaseStage.ASSESSMENT, CaseStage.PLAN, CaseStage.INTERVENTION,
               CaseStage.EVALUATION)  # fmt: skip


def cases_for(user: Any, perm: str = CASE_VIEW) -> QuerySet[Case]:
    """Cases in the user's jurisdiction for `perm`, newest first, without their notes."""
    return (
        Case.objects.visible_to(user, perm)
        .defer("notes")
        .select_related("person", "station", "assigned_worker")
    )


def get_case_for(user: Any, pk: int, perm: str = CASE_VIEW) -> Case:
    """The case if in the user's jurisdiction; otherwise an audited 404 to raise."""
    case = cases_for(user, perm).filter(pk=pk).first()
    if case is None:
        raise audit.not_found(user, what="case", key=pk)
    return case


def cases_of(user: Any, person: Person) -> QuerySet[Case]:
    return cases_for(user).filter(person=person)


def my_open_cases(user: Any) -> QuerySet[Case]:
    """The cases assigned to the user that are still open."""
    return cases_for(user).filter(assigned_worker_id=user.pk, stage__in=OPEN_STAGES)


def may_read_notes(user: Any, case: Case) -> bool:
    """The assigned worker (while still working over the case), the station head of the case's
    station and the supervisors over it (both through CASE_NOTES); nobody else."""
    if scope_of(user, CASE_NOTES).contains(case.region_code):
        return True
    assigned = getattr(user, "pk", None) is not None and user.pk == case.assigned_worker_id
    return assigned and scope_of(user, CASE_VIEW).contains(case.region_code)


def case_notes_for(user: Any, case: Case) -> str:
    """The confidential notes, for those who may read them (the read is audited); everyone
    else gets PermissionDenied and an audited denial."""
    if not may_read_notes(user, case):
        audit.record(
            actor=user,
            action="case.notes.denied",
            obj=case,
            region_code=case.region_code,
            outcome=Outcome.DENIED,
        )
        raise PermissionDenied
    notes = Case.objects.filter(pk=case.pk).values_list("notes", flat=True).first() or ""
    audit.record(actor=user, action="case.notes.read", obj=case, region_code=case.region_code)
    return notes


def may_supervise(user: Any, case: Case) -> bool:
    """A supervisor over the case's station who is not its assigned worker (signs closures)."""
    if getattr(user, "pk", None) is not None and user.pk == case.assigned_worker_id:
        return False
    return scope_of(user, CASE_SUPERVISE).contains(case.region_code)


def pending_closure(case: Case) -> CaseClosure | None:
    """The closure report waiting for sign-off, if any (at most one: a constraint)."""
    return (
        case.closures.filter(status=ClosureStatus.REQUESTED).select_related("requested_by").first()
    )


def pending_transfer(case: Case) -> CaseTransfer | None:
    return (
        case.transfers.filter(status=TransferStatus.PENDING)
        .select_related("to_station", "requested_by")
        .first()
    )


def case_workers(station: Any, region_code: int) -> list[Any]:
    """Active logins with a current role at `station` that may work on cases in `region_code`
    (the choices for an assigned or receiving worker), by name."""
    from shegong.accounts.models import RoleAssignment, User

    if station is None:
        return []
    current = RoleAssignment.objects.current().filter(station=station)
    users = User.objects.filter(is_active=True, assignments__in=current).distinct()
    return sorted(
        (u for u in users if scope_of(u, CASE_WORK).contains(region_code)),
        key=lambda u: (u.full_name or u.username, u.pk),
    )


def transfer_stations(case: Case) -> QuerySet[Station]:
    """Active stations of the case's city (prefecture) a case may be handed to, by code."""
    lo = case.station.region_id // 10**8 * 10**8
    return (
        Station.objects.filter(active=True, region_id__gte=lo, region_id__lt=lo + 10**8)
        .exclude(pk=case.station_id)
        .order_by("code")
    )


@dataclass(frozen=True)
class CaseFile:
    """The records of a case, oldest first: what the detail page and the API show to those
    who may read the case file (`may_read_notes`)."""

    intakes: list[CaseIntake]
    plans: list[CasePlan]
    services: list[CaseService]
    evaluations: list[CaseEvaluation]
    closures: list[CaseClosure]
    transfers: list[CaseTransfer]

    @property
    def plan(self) -> CasePlan | None:
        """The plan in force (the newest)."""
        return self.plans[-1] if self.plans else None


def case_file(case: Case) -> CaseFile:
    return CaseFile(
        intakes=list(case.intakes.select_related("decided_by").order_by("decided_on", "id")),
        plans=list(case.plans.select_related("created_by").order_by("created_at", "id")),
        services=list(case.services.select_related("recorded_by").order_by("served_on", "id")),
        evaluations=list(
            case.evaluations.select_related("evaluated_by").order_by("evaluated_on", "id")
        ),
        closures=list(
            case.closures.select_related("requested_by", "supervisor_signed_by").order_by(
                "requested_at", "id"
            )
        ),
        transfers=list(
            case.transfers.select_related(
                "from_station", "to_station", "requested_by", "answered_by"
            ).order_by("requested_at", "id")
        ),
    )


def get_transfer_for(user: Any, pk: int) -> CaseTransfer:
    """A transfer the user may see: one to a station the user heads (before it is accepted
    the case is outside their jurisdiction), or of a case in their CASE_VIEW jurisdiction;
    otherwise an audited 404 to raise."""
    heads = [s.pk for s in user.stations(CASE_NOTES)] if hasattr(user, "stations") else []
    visible = Case.objects.visible_to(user, CASE_VIEW).values("pk")
    transfer = (
        CaseTransfer.objects.filter(Q(to_station_id__in=heads) | Q(case__in=visible), pk=pk)
        .select_related("case__person", "case__assigned_worker", "from_station", "to_station")
        .first()
    )
    if transfer is None:
        raise audit.not_found(user, what="case transfer", key=pk)
    return transfer


def may_answer(user: Any, transfer: CaseTransfer) -> bool:
    heads = user.stations(CASE_NOTES) if hasattr(user, "stations") else []
    return transfer.status == TransferStatus.PENDING and any(
        s.pk == transfer.to_station_id for s in heads
    )


def closures_awaiting_sign_off(user: Any) -> QuerySet[CaseClosure]:
    """Closure reports waiting for a supervisor over their station, oldest first."""
    cases = Case.objects.visible_to(user, CASE_SUPERVISE).values("pk")
    return (
        CaseClosure.objects.filter(case__in=cases, status=ClosureStatus.REQUESTED)
        .select_related("case", "case__person")
        .order_by("requested_at", "id")
    )


def transfers_to_answer(user: Any) -> QuerySet[CaseTransfer]:
    """Pending transfers to the stations the user heads."""
    stations = [s.pk for s in user.stations(CASE_NOTES)] if hasattr(user, "stations") else []
    return (
        CaseTransfer.objects.filter(to_station_id__in=stations, status=TransferStatus.PENDING)
        .select_related("case", "case__person", "from_station")
        .order_by("requested_at", "id")
    )


# --- referrals -------------------------------------------------------------------------------
def allowed_organizations(user: Any) -> QuerySet[Organization]:
    """Partners and government departments one may refer to: those registered inside the user's
    REFERRAL_MANAGE jurisdiction, or in a division containing it (a district hospital serves
    every township of the district)."""
    scope = scope_of(user, REFERRAL_MANAGE)
    kinds = [OrgKind.PARTNER, OrgKind.GOVERNMENT]
    if scope.everything:
        return Organization.objects.filter(kind__in=kinds)
    if not scope:
        return Organization.objects.none()
    enclosing = {
        ancestor_code(r.lo, level) for r in scope.ranges for level in LEVEL_DIGITS if level < 5
    }
    return Organization.objects.filter(
        Q(kind__in=kinds) & (scope.q("region_id") | Q(region_id__in=sorted(enclosing)))
    )


def referrals_for(user: Any) -> QuerySet[Referral]:
    return Referral.objects.visible_to(user, REFERRAL_MANAGE).select_related(
        "person", "to_organization", "from_organization"
    )


def referrals_awaiting_feedback(user: Any) -> QuerySet[Referral]:
    """Outgoing referrals nobody has answered: on the sender's action list, oldest first,
    until feedback is recorded or they are closed with a reason."""
    return (
        referrals_for(user)
        .filter(direction=ReferralDirection.OUT, status=ReferralStatus.SENT)
        .order_by("sent_on", "id")
    )


def incoming_referrals_to_answer(user: Any) -> QuerySet[Referral]:
    return (
        referrals_for(user)
        .filter(direction=ReferralDirection.IN, status=ReferralStatus.SENT)
        .order_by("sent_on", "id")
    )


# --- risk alerts -----------------------------------------------------------------------------
def open_alerts(user: Any) -> QuerySet[RiskAlert]:
    """Unresolved alerts in the user's ALERT_HANDLE jurisdiction (station heads, district
    admins), oldest first: they stay on the dashboard until resolved."""
    return (
        RiskAlert.objects.visible_to(user, ALERT_HANDLE)
        .filter(status=AlertStatus.OPEN)
        .select_related("person", "station", "raised_by")
        .order_by("raised_at", "id")
    )
