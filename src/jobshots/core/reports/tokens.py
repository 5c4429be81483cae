"""Issuing the unguessable tokens of job report links."""

from __future__ import annotations

import secrets

from jobshots.core.reports import repository
from jobshots.core.uow import UnitOfWork
from jobshots.db.models import Job

TOKEN_BYTES = 24


def ensure_issued(uow: UnitOfWork, jobs: list[Job]) -> None:
    """Give each job without a report token one; jobs that have one keep theirs."""
    for job in jobs:
        if job.report_token is None and repository.claim_token(uow.session, job, new()) is None:
            raise RuntimeError(f"job {job.id} has no report token after issuing one")


def new() -> str:
    """A fresh token."""
    return secrets.token_urlsafe(TOKEN_BYTES)
