"""Photos and documents of a case file (owner type "fieldwork.case"), through core.attachments.

A case file is confidential like its notes: attachments are listed and served only to those
who may read the notes (`case_selectors.may_read_notes`); added and deleted by those who may
work on the case (`case_services.may_work_on`). Everyone else gets a 404 with an
`access.denied` audit row, exactly as for an attachment outside their jurisdiction. The
attachments' division follows the case when another station accepts it.
"""

from __future__ import annotations

from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from shegong.core import attachments, audit
from shegong.core.models import Attachment
from shegong.core.perms import CASE_VIEW, CASE_WORK

from .case_models import Case
from .case_selectors import cases_for, may_read_notes
from .case_services import CASE_OWNER_TYPE, may_work_on

OWNER_TYPE = CASE_OWNER_TYPE


def attachments_of(user: Any, case: Case) -> models.QuerySet[Attachment]:
    """The case file's attachments, for a user who may read it (none for anyone else)."""
    if not may_read_notes(user, case):
        return Attachment.objects.none()
    return attachments.list_for(user, owner_type=OWNER_TYPE, owner_id=case.pk, perm=CASE_VIEW)


def get_attachment_for(user: Any, pk: int) -> tuple[Attachment, Case]:
    """The attachment and its case, if the user may read that case file; otherwise an audited
    404 to raise (one `access.denied` row, whatever the reason)."""
    attachment = attachments.get_for(user, pk, CASE_VIEW)  # raises the audited 404 itself
    case = None
    if attachment.owner_type == OWNER_TYPE:
        case = cases_for(user).filter(pk=attachment.owner_id).first()
    if case is None or not may_read_notes(user, case):
        raise audit.not_found(user, what="case attachment", key=pk)
    return attachment, case


@transaction.atomic
def add_attachment(
    *, actor: Any, case: Case, upload: IO[bytes] | Any, caption: str = ""
) -> Attachment:
    """Attach a photo or PDF to the case file (assigned worker or station head)."""
    if not may_work_on(actor, case):
        raise ValidationError(
            _("Only the assigned worker or the station head may add to this case file."),
            code="forbidden",
        )
    return attachments.store(
        actor=actor,
        owner_type=OWNER_TYPE,
        owner_id=case.pk,
        region_code=case.region_code,
        upload=upload,
        caption=caption,
        perm=CASE_WORK,
    )


@transaction.atomic
def delete_attachment(*, actor: Any, case: Case, attachment: Attachment) -> None:
    if attachment.owner_type != OWNER_TYPE or attachment.owner_id != case.pk:
        raise ValidationError(_("This attachment is not part of the case file."))
    if not may_work_on(actor, case):
        raise ValidationError(
            _("Only the assigned worker or the station head may change this case file."),
            code="forbidden",
        )
    attachments.delete(actor=actor, attachment=attachment, perm=CASE_WORK)
