"""Each job's public report: its unguessable link, revoking and re-issuing it, and what it shows."""

from __future__ import annotations

from dataclasses import dataclass

from jobshots.core import audit, links, permissions
from jobshots.core.errors import NotFound
from jobshots.core.ids import parse_uuid
from jobshots.core.jobs import service as jobs
from jobshots.core.messages import service as messages
from jobshots.core.messages.service import TimelineEntry
from jobshots.core.principal import Principal
from jobshots.core.reports import repository, tokens
from jobshots.core.uow import UnitOfWork
from jobshots.core.users import service as users
from jobshots.db.models import PHOTO_TYPES, Company

ADDON = "reports"


@dataclass(frozen=True)
class ReportPhoto:
    """A photo as the public sees it: metadata-free renditions only."""

    thumbnail_url: str
    large_url: str


@dataclass(frozen=True)
class PhotoGroup:
    """The job's photos of one type (before, during, after, other)."""

    photo_type: str
    photos: list[ReportPhoto]


@dataclass(frozen=True)
class PublicReport:
    """What anyone holding a job's report link may see; nothing else."""

    company_name: str
    job_title: str
    groups: list[PhotoGroup]
    timeline: list[TimelineEntry]

    @property
    def photo_count(self) -> int:
        """How many photos the report shows."""
        return sum(len(group.photos) for group in self.groups)


def revoke(uow: UnitOfWork, principal: Principal, job_uuid: str) -> None:
    """End the job's current report link: it answers 404 from now on."""
    principal.require(permissions.JOBS_MANAGE)
    job = jobs.get(uow, principal, job_uuid)
    if job.report_token is not None:
        job.report_token = None
        audit.record(uow, principal, "report.revoked", "job", job.uuid, job_id=job.id)


def reissue(uow: UnitOfWork, principal: Principal, job_uuid: str) -> str:
    """Replace the job's report link with a new one and give its address; the old one 404s."""
    principal.require(permissions.JOBS_MANAGE)
    job = jobs.get(uow, principal, job_uuid)
    job.report_token = tokens.new()
    audit.record(uow, principal, "report.reissued", "job", job.uuid, job_id=job.id)
    return links.report_url(uow.settings.base_url, job.report_token)


def acting_owner(uow: UnitOfWork, job_uuid: str) -> Principal:
    """The owner of the job's company, acting for an operator's command (the CLI)."""
    company_id = repository.company_of_job(uow.session, parse_uuid(job_uuid, "job"))
    if company_id is None:
        raise NotFound("job not found")
    return users.acting_as(users.owner_of(uow, company_id))


def public_report(uow: UnitOfWork, token: str) -> PublicReport:
    """The report behind a link, recording the view in the job's activity."""
    job = repository.live_job_by_token(uow.session, token) if token else None
    if job is None:
        raise NotFound("report not found")
    company = uow.session.get_one(Company, job.company_id)
    if ADDON not in (company.addons or []):
        raise NotFound("report not found")
    timeline = messages.entries(uow, job, public=True)
    audit.record(
        uow, None, "report.viewed", "job", job.uuid, company_id=job.company_id, job_id=job.id
    )
    return PublicReport(
        company_name=company.name,
        job_title=job.title,
        groups=_grouped(timeline),
        timeline=timeline,
    )


def _grouped(timeline: list[TimelineEntry]) -> list[PhotoGroup]:
    groups = [
        PhotoGroup(
            photo_type=photo_type,
            photos=[
                ReportPhoto(thumbnail_url=entry.thumbnail_url, large_url=entry.image_url)
                for entry in timeline
                if entry.photo_type == photo_type and entry.thumbnail_url and entry.image_url
            ],
        )
        for photo_type in PHOTO_TYPES
    ]
    return [group for group in groups if group.photos]
