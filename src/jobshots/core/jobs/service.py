"""Jobs: creating, finding and listing them within the caller's company."""

from __future__ import annotations

import math
import uuid

from sqlalchemy import select

from jobshots.core import audit, permissions
from jobshots.core.errors import NotFound
from jobshots.core.ids import parse_uuid
from jobshots.core.jobs import repository
from jobshots.core.pagination import Page
from jobshots.core.principal import Principal
from jobshots.core.text import required_text
from jobshots.core.uow import UnitOfWork
from jobshots.db.models import Company, Job, JobStatus

TITLE_MAX = 200
# A photo taken this close to a property is taken to be of that property's job.
NEAR_ENOUGH_METRES = 100.0


def create(uow: UnitOfWork, principal: Principal, title: str, description: str = "") -> Job:
    """Open a new job in the caller's company with the company's defaults."""
    principal.require(permissions.JOBS_MANAGE)
    title = required_text(title, "title", TITLE_MAX)
    company = uow.session.get_one(Company, principal.company_id)
    job = Job(
        company_id=company.id,
        title=title,
        description=description,
        reference=f"tmp-{uuid.uuid4().hex}",
        vat_rate=company.vat_rate,
        status_id=_initial_status_id(uow, company.id),
        created_by_id=principal.user_id,
    )
    uow.session.add(job)
    uow.session.flush()
    # The integer id is unique already; the reference only makes it readable.
    job.reference = f"J{job.id:06d}"
    audit.record(uow, principal, "job.created", "job", job.uuid, job_id=job.id)
    return job


def get(uow: UnitOfWork, principal: Principal, job_uuid: str | uuid.UUID) -> Job:
    """The caller's job; another company's job is NotFound, exactly like a missing one."""
    job = repository.by_uuid(uow.session, principal.company_id, parse_uuid(job_uuid, "job"))
    if job is None:
        raise NotFound("job not found")
    return job


def get_by_id(uow: UnitOfWork, principal: Principal, job_id: int) -> Job:
    """The caller's job by integer id; another company's is NotFound like a missing one."""
    job = repository.by_id(uow.session, principal.company_id, job_id)
    if job is None:
        raise NotFound("job not found")
    return job


def nearest_to(
    uow: UnitOfWork, principal: Principal, latitude: float, longitude: float
) -> Job | None:
    """The latest job at the company's address nearest a point, if one lies within reach."""
    # 0.002 degrees is ~220 m of latitude: a cheap box before the exact distance.
    candidates = repository.addresses_near(
        uow.session, principal.company_id, latitude, longitude, 0.002
    )
    placed = [
        (metres_between(latitude, longitude, float(a.latitude), float(a.longitude)), a.id)
        for a in candidates
        if a.latitude is not None and a.longitude is not None
    ]
    within = sorted(p for p in placed if p[0] <= NEAR_ENOUGH_METRES)
    for _, address_id in within:
        job = repository.latest_at_address(uow.session, principal.company_id, address_id)
        if job is not None:
            return job
    return None


def metres_between(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine) in metres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(h))


def list_page(uow: UnitOfWork, principal: Principal, page: int, per_page: int) -> Page[Job]:
    """A page of the caller's jobs, newest first."""
    principal.require(permissions.JOBS_LIST)
    items, total = repository.page(
        uow.session, principal.company_id, (page - 1) * per_page, per_page
    )
    return Page(items=items, page=page, per_page=per_page, total=total)


def _initial_status_id(uow: UnitOfWork, company_id: int) -> int | None:
    query = (
        select(JobStatus.id)
        .where(JobStatus.company_id == company_id)
        .order_by(JobStatus.sort_order)
        .limit(1)
    )
    return uow.session.scalar(query)
