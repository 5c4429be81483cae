"""PDF reports asked for in the web app: queued for a worker, drawn as the person who asked,
failed with a reason when they may no longer see the job, found again after a crash, and
removed with their files once expired."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from jobshots.core.companies import service as companies
from jobshots.core.context import Context
from jobshots.core.errors import NotFound
from jobshots.core.exports import reports
from jobshots.core.jobs import service as jobs
from jobshots.core.principal import Principal
from jobshots.core.users import service as users
from jobshots.db.models import JobExport, User
from jobshots.db.types import utcnow


def _asked(ctx: Context) -> tuple[Principal, str, str]:
    """A company's owner, a job, and a report of it asked for (not yet drawn)."""
    with ctx.uow() as uow:
        made = companies.create(uow, "Acme", "owner@acme.example", "Olive Owner")
        owner = users.acting_as(made.owner)
        job = jobs.create(uow, owner, "Gutter clearance")
        asked = reports.ask(uow, owner, job.uuid, include_locations=False)
    return owner, str(job.uuid), str(asked.uuid)


def _export(ctx: Context, report: str) -> JobExport:
    with ctx.uow() as uow:
        found = uow.session.scalars(select(JobExport)).all()
        uow.session.expunge_all()
    [export] = [row for row in found if str(row.uuid) == report]
    return export


def test_a_report_is_queued_then_drawn_and_stored(ctx: Context) -> None:
    owner, _, report = _asked(ctx)
    with ctx.uow() as uow:
        assert reports.state(uow, owner, report).state == "queued"
        with pytest.raises(NotFound):
            reports.download(uow, owner, report)
    assert reports.waiting(ctx, None) == [_export(ctx, report).id]
    assert reports.make(ctx, _export(ctx, report).id) == "ready"
    with ctx.uow() as uow:
        ready = reports.state(uow, owner, report)
        file = reports.download(uow, owner, report)
        with file.open() as stream:
            data = stream.read()
    assert ready.state == "ready"
    assert data.startswith(b"%PDF-")
    assert file.size == len(data) == ready.file_size
    assert reports.waiting(ctx, None) == []
    # Drawn once: the task found again does nothing more.
    assert reports.make(ctx, _export(ctx, report).id) == "nothing to do"


def test_a_report_of_someone_deactivated_fails_with_its_reason(ctx: Context) -> None:
    owner, _, report = _asked(ctx)
    with ctx.uow() as uow:
        uow.session.execute(update(User).where(User.id == owner.user_id).values(is_active=False))
    assert reports.make(ctx, _export(ctx, report).id) == "failed"
    export = _export(ctx, report)
    assert export.state == "failed"
    assert "deactivated" in export.error
    assert export.storage_key is None


def test_another_persons_report_is_not_found(ctx: Context) -> None:
    owner, _, report = _asked(ctx)
    with ctx.uow() as uow:
        company = companies.get(uow, str(owner.company_id))
        colleague = users.acting_as(users.create(uow, company, "m@acme.example", role="manager"))
        with pytest.raises(NotFound):
            reports.state(uow, colleague, report)
        with pytest.raises(NotFound):
            reports.state(uow, owner, "not-a-uuid")


def test_expired_reports_go_with_their_files(ctx: Context) -> None:
    owner, _, report = _asked(ctx)
    reports.make(ctx, _export(ctx, report).id)
    key = _export(ctx, report).storage_key
    assert key is not None
    assert ctx.storage.size(key)
    with ctx.uow() as uow:
        assert reports.sweep(uow) == 0
        uow.session.execute(update(JobExport).values(expires_at=utcnow() - timedelta(seconds=1)))
    with ctx.uow() as uow:
        with pytest.raises(NotFound):
            reports.state(uow, owner, report)
        assert reports.sweep(uow) == 1
    assert ctx.storage.size(key) is None
    with ctx.uow() as uow:
        assert uow.session.scalars(select(JobExport)).all() == []
