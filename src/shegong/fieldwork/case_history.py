"""The dated stage history of a case (`CaseStageChange`): written by every service that
changes a case's stage (case_services), inside its transaction; read by the case page, the API
and the person timeline.

Everyone who may see a case sees when it went from which stage to which; the note (a reason
or the supervisor's comment) belongs to the confidential case file.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from .case_models import Case, CaseStageChange


def record(
    *,
    case: Case,
    from_stage: str,
    to_stage: str,
    by: Any,
    note: str = "",
    on: dt.date | None = None,
) -> CaseStageChange:
    """One change of stage (`from_stage` "" for the opening), dated today unless `on`."""
    return CaseStageChange.objects.create(
        case=case,
        from_stage=from_stage,
        to_stage=to_stage,
        changed_on=on or timezone.localdate(),
        changed_by=by,
        note=note,
    )


def stage_history(case: Case) -> list[CaseStageChange]:
    """The case's changes of stage, oldest first."""
    return list(case.stage_changes.select_related("changed_by").order_by("changed_at", "id"))
