"""Sharing a job's public report from the web app: where its link stands, and changing it."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from jobshots.core import audit, links, permissions
from jobshots.core.jobs import service as jobs
from jobshots.core.principal import Principal
from jobshots.core.reports import service as reports
from jobshots.core.reports import tokens
from jobshots.core.uow import UnitOfWork
from jobshots.db.models import Company, Job


@dataclass(frozen=True)
class Sharing:
    """A job's report link as the caller sees it: the link or None, whether the company's
    reports add-on lets it open, and whether the caller may change it."""

    job_uuid: UUID
    link: str | None
    reports_on: bool
    may_change: bool


def sharing(uow: UnitOfWork, principal: Principal, job_uuid: str) -> Sharing:
    """Where the job's report link stands."""
    principal.require(permissions.JOBS_LIST)
    return _state(uow, principal, jobs.get(uow, principal, job_uuid))


def create_link(uow: UnitOfWork, principal: Principal, job_uuid: str) -> Sharing:
    """Give the job a report link if it has none; a link it has already is kept."""
    principal.require(permissions.JOBS_MANAGE)
    job = jobs.get(uow, principal, job_uuid)
    if job.report_token is None:
        tokens.ensure_issued(uow, [job])
        audit.record(uow, principal, "report.created", "job", job.uuid, job_id=job.id)
    return _state(uow, principal, job)


def revoke_link(uow: UnitOfWork, principal: Principal, job_uuid: str) -> Sharing:
    """End the job's report link: it answers 404 from now on."""
    reports.revoke(uow, principal, job_uuid)
    return sharing(uow, principal, job_uuid)


def reissue_link(uow: UnitOfWork, principal: Principal, job_uuid: str) -> Sharing:
    """Replace the job's report link with a new one; the old one answers 404."""
    reports.reissue(uow, principal, job_uuid)
    return sharing(uow, principal, job_uuid)


def _state(uow: UnitOfWork, principal: Principal, job: Job) -> Sharing:
    company = uow.session.get_one(Company, principal.company_id)
    token = job.report_token
    return Sharing(
        job_uuid=job.uuid,
        link=links.report_url(uow.settings.base_url, token) if token else None,
        reports_on=reports.ADDON in (company.addons or []),
        may_change=permissions.JOBS_MANAGE in principal.permissions,
    )
