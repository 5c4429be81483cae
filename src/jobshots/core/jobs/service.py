"""Jobs: creating, finding and listing them within the caller's company."""

from __future__ import annotations

import math
import uuid

from sqlalchemy import select

from jobshots.core import audit, permissions
from jobshots.core.amendments import repository as options
from jobshots.core.errors import Invalid, NotFound
from jobshots.core.evidence import held
from jobshots.core.ids import parse_uuid, storable
from jobshots.core.jobs import changes, history, lifecycle, repository
from jobshots.core.jobs.changes import JobChanges
from jobshots.core.jobs.views import JobDetail, JobView, Named, job_detail, job_view
from jobshots.core.pagination import Page, PageRequest, SliceRequest
from jobshots.core.principal import Principal
from jobshots.core.reports import tokens
from jobshots.core.text import required_text
from jobshots.core.uow import UnitOfWork
from jobshots.db.models import Company, Job, JobStatus
from jobshots.db.types import utcnow

TITLE_MAX = 200
# A photo taken this close to a property is taken to be of that property's job.
NEAR_ENOUGH_METRES = 100.0
# How callers name a job: its UUID (in any spelling) or its integer id.
JobRef = str | uuid.UUID | int


def create(uow: UnitOfWork, principal: Principal, title: str, description: str = "") -> JobView:
    """Open a new job in the caller's company with the company's defaults."""
    return present(uow, principal, open_job(uow, principal, title, description))


def open_job(uow: UnitOfWork, principal: Principal, title: str, description: str = "") -> Job:
    """Open a new job and give its row, for the services that add to it at once."""
    principal.require(permissions.JOBS_MANAGE)
    title = required_text(title, "title", TITLE_MAX)
    job = _new_job(uow, principal)
    job.title, job.description = title, description
    return _opened(uow, principal, job)


def open_with(
    uow: UnitOfWork, principal: Principal, values: JobChanges, required: frozenset[str]
) -> JobDetail:
    """Open a job with every field the caller sent; `required` names those it must send."""
    principal.require(permissions.JOBS_MANAGE)
    errors = changes.missing(values, required | {"title"})
    job = _new_job(uow, principal)
    job.description = ""
    # In the session (its sealed fields need the key ring) but not flushed while incomplete.
    with uow.session.no_autoflush:
        uow.session.add(job)
        changes.apply(uow.session, principal.company_id, job, values, errors)
    if errors:
        raise Invalid("job is invalid: " + _summary(errors), errors)
    return detail_of(uow, principal, _opened(uow, principal, job))


def change(uow: UnitOfWork, principal: Principal, ref: JobRef, values: JobChanges) -> JobDetail:
    """Change the fields the caller sent, and only those; a change of nothing is not recorded."""
    principal.require(permissions.JOBS_MANAGE)
    return detail_of(uow, principal, amend(uow, principal, get(uow, principal, ref), values))


def amend(uow: UnitOfWork, principal: Principal, job: Job, values: JobChanges) -> Job:
    """Set the given fields on a job the caller reaches, recording each change in its history
    (field, before, after) and a new status in its status history."""
    before = history.snapshot(job, values.given)
    status_before = job.status_id
    errors: changes.Errors = {}
    changes.apply(uow.session, principal.company_id, job, values, errors)
    if errors:
        raise Invalid("job is invalid: " + _summary(errors), errors)
    changed = history.changes(before, job)
    if changed:
        job.updated_at = utcnow()
        if job.status_id != status_before and job.status_id is not None:
            lifecycle.entered(uow, job, uow.session.get_one(JobStatus, job.status_id))
        audit.record(uow, principal, "job.updated", "job", job.uuid, job_id=job.id,
                     data={"changes": changed})  # fmt: skip
    uow.session.flush()
    return job


def delete(uow: UnitOfWork, principal: Principal, ref: JobRef) -> None:
    """Delete a job for good: its notes, photos, documents, and, once committed, their files."""
    principal.require(permissions.JOBS_MANAGE)
    job = get(uow, principal, ref)
    held.refuse_deletion(job)
    keys = repository.stored_keys(uow.session, job.id)
    job_uuid, data = job.uuid, {"reference": job.reference, "title": job.title, "files": len(keys)}
    repository.remove(uow.session, job.id)
    audit.record(uow, principal, "job.deleted", "job", job_uuid, data=data)
    storage = uow.storage
    for key in keys:
        uow.after_commit(lambda key=key: storage.delete(key))  # type: ignore[misc]


def detail(uow: UnitOfWork, principal: Principal, ref: JobRef) -> JobDetail:
    """Everything about one of the caller's jobs."""
    principal.require(permissions.JOBS_LIST)
    return detail_of(uow, principal, get(uow, principal, ref))


def detail_of(uow: UnitOfWork, principal: Principal, job: Job) -> JobDetail:
    """The full view of a job row the caller reaches."""
    uow.session.flush()
    loaded = repository.full(uow.session, reach_of(principal), job.id)
    tally = repository.tallies(uow.session, principal.user_id, [job.id])[job.id]
    return job_detail(loaded, tally)


def search(
    uow: UnitOfWork,
    principal: Principal,
    query: repository.JobQuery,
    paging: SliceRequest,
    *,
    pinned_first: bool = False,
) -> tuple[list[JobDetail], int]:
    """A slice of the caller's jobs matching `query`, newest first (the caller's pinned jobs
    first when asked), and how many match."""
    principal.require(permissions.JOBS_LIST)
    offset, limit = paging.checked()
    if not query.storable():
        return [], 0
    pinned_by = principal.user_id if pinned_first else None
    rows, total = repository.search(
        uow.session, reach_of(principal), query, offset, limit, pinned_by
    )
    tallies = repository.tallies(uow.session, principal.user_id, [job.id for job in rows])
    return [job_detail(job, tallies[job.id]) for job in rows], total


def _new_job(uow: UnitOfWork, principal: Principal) -> Job:
    company = uow.session.get_one(Company, principal.company_id)
    return Job(
        company_id=company.id,
        reference=f"tmp-{uuid.uuid4().hex}",
        vat_rate=company.vat_rate,
        status_id=_initial_status_id(uow, company.id),
        created_by_id=principal.user_id,
    )


def _opened(uow: UnitOfWork, principal: Principal, job: Job) -> Job:
    uow.session.add(job)
    uow.session.flush()
    # The integer id is unique already; the reference only makes it readable.
    job.reference = f"J{job.id:06d}"
    if job.status_id is not None:
        lifecycle.entered(uow, job, uow.session.get_one(JobStatus, job.status_id), job.created_at)
    audit.record(uow, principal, "job.created", "job", job.uuid, job_id=job.id)
    return job


def _summary(errors: changes.Errors) -> str:
    return "; ".join(
        f"{name} {message}" for name, messages in errors.items() for message in messages
    )


def assignees(uow: UnitOfWork, principal: Principal) -> list[Named]:
    """The company's contractors, to filter jobs by; none for those who reach only their own."""
    principal.require(permissions.JOBS_LIST)
    if reach_of(principal).restricted:
        return []
    return options.options(uow.session, principal.company_id, "contractor_id") or []


def reach_of(principal: Principal) -> repository.Reach:
    """The jobs a caller reaches: a contractor only those assigned to them, an agent only
    those they are the agent of, everyone else all of the company's."""
    return repository.Reach(
        company_id=principal.company_id,
        contractor_id=principal.user_id if principal.role == "contractor" else None,
        agent_id=principal.user_id if principal.role == "agent" else None,
    )


def find(uow: UnitOfWork, principal: Principal, ref: JobRef) -> Job | None:
    """The caller's live job by UUID or integer id; None for one out of the caller's reach."""
    reach = reach_of(principal)
    if isinstance(ref, int):
        return repository.by_id(uow.session, reach, ref) if storable(ref) else None
    try:
        job_uuid = parse_uuid(ref, "job")
    except NotFound:
        return None
    return repository.by_uuid(uow.session, reach, job_uuid)


def get(uow: UnitOfWork, principal: Principal, ref: JobRef) -> Job:
    """The caller's job; another company's job is NotFound, exactly like a missing one."""
    job = find(uow, principal, ref)
    if job is None:
        raise NotFound("job not found")
    return job


def view(uow: UnitOfWork, principal: Principal, ref: JobRef) -> JobView:
    """One of the caller's jobs."""
    principal.require(permissions.JOBS_LIST)
    return present(uow, principal, get(uow, principal, ref))


def present(
    uow: UnitOfWork, principal: Principal, job: Job, *, report_link: bool = False
) -> JobView:
    """The view of one job, issuing its report link first when asked for it."""
    if report_link:
        tokens.ensure_issued(uow, [job])
    return job_view(uow.settings.base_url, principal.company_uuid, job, report=report_link)


def page(
    uow: UnitOfWork, principal: Principal, paging: PageRequest, *, report_links: bool = False
) -> Page[JobView]:
    """A page of the caller's jobs, newest first, each with its report link when asked."""
    principal.require(permissions.JOBS_LIST)
    window = paging.window()
    items, total = repository.page(uow.session, reach_of(principal), window.offset, window.limit)
    if report_links:
        tokens.ensure_issued(uow, items)
    base = uow.settings.base_url
    views = [job_view(base, principal.company_uuid, job, report=report_links) for job in items]
    return window.page_of(views, total)


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
        job = repository.latest_at_address(uow.session, reach_of(principal), address_id)
        if job is not None:
            return job
    return None


def metres_between(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine) in metres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(h))


def _initial_status_id(uow: UnitOfWork, company_id: int) -> int | None:
    query = (
        select(JobStatus.id)
        .where(JobStatus.company_id == company_id)
        .order_by(JobStatus.sort_order)
        .limit(1)
    )
    return uow.session.scalar(query)
