"""Transfers of a case: to another worker at once, or to another station that must accept it
first (the person moves with the case). Same version checks and audit rows as case_services."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shegong.accounts.models import as_user
from shegong.core.actors import SystemActor
from shegong.core.models import Attachment, scope_of
from shegong.core.perms import CASE_NOTES, CASE_WORK, PERSON_EDIT, PERSON_HANDOVER
from shegong.people import services as people_services
from shegong.people.models import Person
from shegong.regions.models import ServiceArea, Station

from . import cases
from .case_models import Case, CaseTransfer, TransferStatus
from .case_services import CASE_OWNER_TYPE, _audit, _bump, _check_may_work, _forbidden, _fresh
from .cases import _error, _text


@transaction.atomic
def transfer_to_worker(*, actor: Any, case: Case, to_worker: Any, expected_version: int) -> Case:
    """Hand the case to another worker of the same station (the new worker reads the notes,
    the old one no longer does)."""
    _check_may_work(actor, case)
    current = _fresh(case, expected_version)
    if current.stage in cases.ENDED:
        raise _error("to_worker", _("An ended case cannot be transferred."), "transition")
    if to_worker is None or not scope_of(to_worker, CASE_WORK).contains(current.region_code):
        raise _error("to_worker", _("The new worker must work at this case's station."))
    if to_worker.pk == current.assigned_worker_id:
        raise _error("to_worker", _("The case is already assigned to this worker."))
    _bump(case, expected_version, assigned_worker=to_worker)
    _audit(actor, "case.transfer.worker", case, to=to_worker.pk)
    return case


@transaction.atomic
def request_station_transfer(
    *, actor: Any, case: Case, to_station: Station, reason: str, expected_version: int
) -> CaseTransfer:
    """Ask another station to take the case over; it moves when that station accepts."""
    _check_may_work(actor, case)
    current = _fresh(case, expected_version)
    errors: dict[str, Any] = {}
    if current.stage in cases.ENDED:
        raise _error("to_station", _("An ended case cannot be transferred."), "transition")
    if not to_station.active or to_station.pk == current.station_id:
        errors["to_station"] = _("Choose another, active station.")
    elif current.transfers.filter(status=TransferStatus.PENDING).exists():
        errors["to_station"] = _("A transfer of this case is already waiting for an answer.")
    reason = _text(errors, "reason", reason, required=True)
    if errors:
        raise ValidationError(errors)
    transfer = CaseTransfer.objects.create(
        case=current,
        from_station_id=current.station_id,
        to_station=to_station,
        reason=reason,
        requested_by=as_user(actor),
    )
    _bump(case, expected_version)
    _audit(actor, "case.transfer.request", case, to_station=to_station.pk)
    return transfer


@transaction.atomic
def answer_station_transfer(
    *, actor: Any, transfer: CaseTransfer, accept: bool, to_worker: Any = None, note: str = ""
) -> CaseTransfer:
    """The receiving station's head accepts (naming the worker who takes the case; the case,
    its jurisdiction and its notes move) or rejects with a reason."""
    transfer = (
        CaseTransfer.objects.select_for_update().select_related("to_station").get(pk=transfer.pk)
    )
    station = transfer.to_station
    if station not in (getattr(actor, "stations", lambda _p: [])(CASE_NOTES)):
        raise _forbidden(_("Only the head of the receiving station may answer this transfer."))
    if transfer.status != TransferStatus.PENDING:
        raise _error("status", _("This transfer has already been answered."), "transition")
    errors: dict[str, Any] = {}
    note = _text(errors, "answer_note", note, required=not accept)
    if accept and (
        to_worker is None or not scope_of(to_worker, CASE_WORK).contains(station.region_id)
    ):
        errors["to_worker"] = _("Name a worker of the receiving station.")
    if errors:
        raise ValidationError(errors)
    transfer.status = TransferStatus.ACCEPTED if accept else TransferStatus.REJECTED
    transfer.answered_by = as_user(actor)
    transfer.answered_at = timezone.now()
    transfer.answer_note = note
    transfer.save()
    case = Case.objects.select_for_update().select_related("person").get(pk=transfer.case_id)
    changes: dict[str, Any] = {}
    moved = ""
    if accept:
        changes = {
            "station": station,
            "region_code": station.region_id,
            "assigned_worker": to_worker,
        }
        moved = _move_person(actor, case.person, station, transfer)
        # The case file's photos and documents move with the case's jurisdiction.
        Attachment.objects.filter(owner_type=CASE_OWNER_TYPE, owner_id=case.pk).update(
            region_code=station.region_id
        )
    _bump(case, case.version, **changes)
    _audit(
        actor,
        "case.transfer.answer",
        case,
        accepted=accept,
        transfer=transfer.pk,
        person_move=moved,
    )
    return transfer


def _move_person(actor: Any, person: Person, station: Station, transfer: CaseTransfer) -> str:
    """The person follows the accepted case: to the receiving station when it serves where the
    person lives ("station"), otherwise handed over to the station's own division ("handover");
    "" when the person is already that station's. The sending station agreed by asking and the
    receiving one by accepting, so the move is made by the transfer (audited as such) unless
    the answering head may make it themselves."""
    if person.station_id == station.pk:
        return ""
    township = person.region_id // 1000 * 1000
    serves = (
        ServiceArea.objects.current()
        .filter(station=station, region_id__in=[township, person.region_id])
        .exists()
    )
    by: Any = SystemActor(f"case transfer {transfer.pk}")
    if serves:
        if scope_of(actor, PERSON_EDIT).contains(person.region_id):
            by = actor
        people_services.update_person(actor=by, person=person, station=station)
        return "station"
    if scope_of(actor, PERSON_HANDOVER).contains(person.region_id):
        by = actor
    people_services.hand_over(actor=by, person=person, to_region=station.region, to_station=station)
    return "handover"
