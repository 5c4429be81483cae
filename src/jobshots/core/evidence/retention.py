"""Retention: the files of photos deleted longer ago than the company keeps them are purged."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Select, select

from jobshots.core import audit, permissions
from jobshots.core.errors import Invalid
from jobshots.core.principal import Principal
from jobshots.core.uow import UnitOfWork
from jobshots.db.models import Company, Job, Photo
from jobshots.db.types import utcnow

# A period of up to a hundred years; none (blank) keeps deleted photos' files forever.
DAYS_MAX = 36500
# Photos purged per sweep: the sweeper runs often, so a backlog drains a batch at a time.
BATCH = 100


def period(uow: UnitOfWork, principal: Principal) -> int | None:
    """How many days the caller's company keeps a deleted photo's files; None: forever."""
    return uow.session.get_one(Company, principal.company_id).retention_days


def set_period(uow: UnitOfWork, principal: Principal, days: str | int | None) -> int | None:
    """Set the company's retention period in days (blank: forever), recorded in the history."""
    principal.require(permissions.EVIDENCE_SETTINGS)
    chosen = _days(days)
    company = uow.session.get_one(Company, principal.company_id)
    if chosen != company.retention_days:
        data = {"before": company.retention_days, "after": chosen}
        company.retention_days = chosen
        audit.record(
            uow, principal, "company.retention_changed", "company", company.uuid, data=data
        )
    return chosen


def sweep(uow: UnitOfWork, now: datetime | None = None, batch: int = BATCH) -> int:
    """Purge up to `batch` expired deleted photos, never one of a held job; how many went."""
    now = now or utcnow()
    candidates: list[int] = []
    for company_id, days in uow.session.execute(
        select(Company.id, Company.retention_days)
        .where(Company.retention_days.is_not(None))
        .order_by(Company.id)
    ):
        cutoff = now - timedelta(days=days or 0)
        candidates += uow.session.scalars(
            _expired(company_id, cutoff).limit(batch - len(candidates))
        )
        if len(candidates) >= batch:
            break
    return sum(_purge(uow, photo) for photo in _locked(uow, candidates))


def _days(value: str | int | None) -> int | None:
    text = str(value).strip() if value is not None else ""
    if not text:
        return None
    if not text.isdigit() or not 1 <= int(text) <= DAYS_MAX:
        raise Invalid.field(
            "retention_days", f"must be a whole number of days from 1 to {DAYS_MAX}"
        )
    return int(text)


def _expired(company_id: int, cutoff: datetime) -> Select[int]:
    return (
        select(Photo.id)
        .outerjoin(Job, Photo.job_id == Job.id)
        .where(
            Photo.company_id == company_id,
            Photo.deleted_at.is_not(None),
            Photo.deleted_at <= cutoff,
            Photo.purged_at.is_(None),
            Job.legal_hold_at.is_(None),
        )
        .order_by(Photo.deleted_at, Photo.id)
    )


def _locked(uow: UnitOfWork, photo_ids: list[int]) -> list[Photo]:
    """The photos still purgeable once their jobs and rows are locked: a hold placed or a
    restore committed meanwhile wins."""
    if not photo_ids:
        return []
    # Their jobs first, as placing a hold and deleting a job lock those rows first.
    job_ids = select(Photo.job_id).where(Photo.id.in_(photo_ids), Photo.job_id.is_not(None))
    uow.session.scalars(
        select(Job).where(Job.id.in_(job_ids)).order_by(Job.id).with_for_update()
        .execution_options(populate_existing=True)
    ).all()  # fmt: skip
    photos = uow.session.scalars(
        select(Photo)
        .where(Photo.id.in_(photo_ids), Photo.deleted_at.is_not(None), Photo.purged_at.is_(None))
        .order_by(Photo.id)
        .with_for_update(of=Photo)
        .execution_options(populate_existing=True)
    ).unique()
    return [photo for photo in photos if photo.job is None or photo.job.legal_hold_at is None]


def _purge(uow: UnitOfWork, photo: Photo) -> int:
    """Remove the photo's files once this commits; its row stays, deleted, as the evidence."""
    keys = [photo.storage_key, *(rendition.storage_key for rendition in photo.renditions)]
    data = {
        "sha256": photo.checksum_sha256,
        "size": photo.file_size,
        "renditions": sorted(rendition.kind for rendition in photo.renditions),
        "deleted_at": photo.deleted_at.isoformat() if photo.deleted_at else None,
    }
    photo.renditions.clear()
    photo.purged_at = utcnow()
    audit.record(
        uow, None, "photo.purged", "photo", photo.uuid,
        company_id=photo.company_id, job_id=photo.job_id, data=data,
    )  # fmt: skip
    storage = uow.storage
    for key in keys:
        uow.after_commit(lambda key=key: storage.delete(key))  # type: ignore[misc]
    return 1
