"""The legal hold rule: a held job's evidence cannot be deleted or purged."""

from __future__ import annotations

from jobshots.core.errors import Conflict
from jobshots.db.models import Job


class OnLegalHold(Conflict):
    """The job is on legal hold, so nothing of it may be deleted."""

    code = "legal_hold"


def refuse_deletion(job: Job | None) -> None:
    """Raise OnLegalHold, saying why, when `job` is held; a photo of no job is never held."""
    if job is not None and job.legal_hold_at is not None:
        raise OnLegalHold(f"job {job.reference} is on legal hold: {job.legal_hold_reason}")
