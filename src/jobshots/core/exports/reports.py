"""PDF reports asked for in the web app: drawn by a worker, stored, downloaded, then removed."""

from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from uuid import UUID

from sqlalchemy import select

from jobshots.core import permissions
from jobshots.core.context import Context
from jobshots.core.documents.views import DocumentFile
from jobshots.core.errors import CoreError, NotFound
from jobshots.core.exports import pdf
from jobshots.core.ids import parse_uuid
from jobshots.core.jobs import service as jobs
from jobshots.core.principal import Principal
from jobshots.core.tasks import Task
from jobshots.core.uow import UnitOfWork
from jobshots.core.users import service as users
from jobshots.db.models import Job, JobExport, User
from jobshots.db.types import utcnow
from jobshots.storage import keys

log = logging.getLogger(__name__)

MAKE_REPORT = "make_job_report"
KEPT_FOR = timedelta(hours=24)


@dataclass(frozen=True)
class ReportState:
    """Where a report asked for stands: `queued`, `ready` to download, or `failed`."""

    uuid: UUID
    job_uuid: UUID
    state: str
    include_locations: bool
    file_name: str
    file_size: int | None
    error: str
    created_at: datetime


def task_for(export_id: int) -> Task:
    """The background task that draws one report."""
    return Task(MAKE_REPORT, {"export_id": export_id})


def ask(
    uow: UnitOfWork, principal: Principal, job_ref: jobs.JobRef, *, include_locations: bool
) -> ReportState:
    """Ask a worker for the job's PDF report; it is drawn after this commits."""
    principal.require(permissions.PHOTOS_VIEW)
    job = jobs.get(uow, principal, job_ref)
    now = utcnow()
    export = JobExport(
        company_id=job.company_id,
        job_id=job.id,
        user_id=principal.user_id,
        include_locations=include_locations,
        state="queued",
        error="",
        created_at=now,
        expires_at=now + KEPT_FOR,
    )
    uow.session.add(export)
    uow.session.flush()
    uow.enqueue(task_for(export.id))
    return _state(export, job)


def state(uow: UnitOfWork, principal: Principal, export_ref: str) -> ReportState:
    """One of the caller's reports; another person's, or a job out of reach, is not found."""
    export, job = _find(uow, principal, export_ref)
    return _state(export, job)


def download(uow: UnitOfWork, principal: Principal, export_ref: str) -> DocumentFile:
    """A ready report's file; NotFound while it is not ready."""
    export, job = _find(uow, principal, export_ref)
    if export.state != "ready" or export.storage_key is None or export.file_size is None:
        raise NotFound("the report is not ready")
    storage, key = uow.storage, export.storage_key
    return DocumentFile(
        open=lambda: storage.open(key),
        size=export.file_size,
        mime_type="application/pdf",
        file_name=_file_name(job),
    )


def make(ctx: Context, export_id: int) -> str:
    """The worker's part: draw the report as the person who asked, store it, mark it ready."""
    try:
        return _draw(ctx, export_id)
    except CoreError as exc:  # the job went, or is no longer theirs to see
        return _failed(ctx, export_id, exc.message)


def _draw(ctx: Context, export_id: int) -> str:
    with ctx.uow() as uow:
        export = uow.session.get(JobExport, export_id)
        if export is None or export.state != "queued":
            return "nothing to do"
        asker = uow.session.get_one(User, export.user_id)
        if not asker.is_active:
            raise NotFound("the person who asked for it was deactivated")
        key = keys.export(asker.company.uuid, export.uuid, "pdf")
        with tempfile.TemporaryDirectory(dir=uow.storage.staging_dir()) as work:
            drawn = Path(work) / "report.pdf"
            with drawn.open("wb") as out:
                pdf.write_job_pdf(
                    uow, users.acting_as(asker), export.job_id, out,
                    include_locations=export.include_locations,
                )  # fmt: skip
            size = drawn.stat().st_size
            # Stored before the row says so: a retry after a crash here writes the same key.
            uow.storage.put_file(key, drawn, "application/pdf")
        export.state, export.storage_key, export.file_size = "ready", key, size
        export.finished_at = utcnow()
    return "ready"


def waiting(ctx: Context, asked_before: datetime | None, limit: int = 100) -> list[int]:
    """Reports still queued (a crash or a lost enqueue left them), oldest first."""
    query = select(JobExport.id).where(JobExport.state == "queued")
    if asked_before is not None:
        query = query.where(JobExport.created_at <= asked_before)
    with ctx.uow() as uow:
        return list(uow.session.scalars(query.order_by(JobExport.created_at).limit(limit)))


def grace_cutoff(ctx: Context) -> datetime:
    """Reports asked for before this have waited long enough to be picked up again."""
    return utcnow() - timedelta(seconds=ctx.settings.recovery_grace_seconds)


def sweep(uow: UnitOfWork) -> int:
    """Remove every company's expired reports, their files after commit; how many went."""
    expired = list(uow.session.scalars(select(JobExport).where(JobExport.expires_at <= utcnow())))
    storage = uow.storage
    for export in expired:
        if export.storage_key is not None:
            uow.after_commit(lambda key=export.storage_key: storage.delete(key))  # type: ignore[misc]
        uow.session.delete(export)
    return len(expired)


def _failed(ctx: Context, export_id: int, reason: str) -> str:
    with ctx.uow() as uow:
        export = uow.session.get_one(JobExport, export_id)
        export.state, export.error, export.finished_at = "failed", reason[:300], utcnow()
    log.info("job report %d failed: %s", export_id, reason)
    return "failed"


def _find(uow: UnitOfWork, principal: Principal, export_ref: str) -> tuple[JobExport, Job]:
    principal.require(permissions.PHOTOS_VIEW)
    export = uow.session.scalars(
        select(JobExport).where(
            JobExport.uuid == parse_uuid(export_ref, "report"),
            JobExport.company_id == principal.company_id,
            JobExport.user_id == principal.user_id,
        )
    ).first()
    if export is None or export.expires_at <= utcnow():
        raise NotFound("report not found")
    # The job first: one out of the caller's reach now (reassigned, deleted) is not found.
    return export, jobs.get(uow, principal, export.job_id)


def _state(export: JobExport, job: Job) -> ReportState:
    return ReportState(
        uuid=export.uuid,
        job_uuid=job.uuid,
        state=export.state,
        include_locations=export.include_locations,
        file_name=_file_name(job),
        file_size=export.file_size,
        error=export.error,
        created_at=export.created_at,
    )


def _file_name(job: Job) -> str:
    return f"{job.reference}-report.pdf"
