"""Retention: a deleted photo's original and renditions leave storage after the company's
period, never a held job's; the row stays, purged, and the history records each purge."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from jobshots.core.companies import service as companies
from jobshots.core.context import Context
from jobshots.core.errors import Conflict
from jobshots.core.evidence import holds, retention
from jobshots.core.jobs import service as jobs
from jobshots.core.photos import processing
from jobshots.core.photos import service as photos
from jobshots.core.principal import Principal
from jobshots.core.users import service as users
from jobshots.db.models import AuditEvent, Company, Photo, Rendition
from jobshots.db.types import utcnow
from jobshots.media.incoming import IncomingFile, Spool
from jobshots.media.pipeline import decode
from tests.support import images


def _incoming(ctx: Context, data: bytes) -> IncomingFile:
    spool = Spool(ctx.storage.staging_dir(), len(data), "site.jpg")
    spool.write(data)
    return spool.finish()


def _company(ctx: Context, name: str, retention_days: int | None) -> Principal:
    with ctx.uow() as uow:
        made = companies.create(uow, name, f"owner@{name.lower()}.example")
        uow.session.get_one(Company, made.company.id).retention_days = retention_days
        return users.acting_as(made.owner)


def _deleted_photo(ctx: Context, owner: Principal, job: str, colour: str, days_ago: int) -> int:
    """A processed photo of the job (original and renditions stored), deleted `days_ago`."""
    with ctx.uow() as uow:
        [shown] = photos.upload_to_job(
            uow, owner, job, [_incoming(ctx, images.jpeg(colour=colour))], photos.PhotoDetails()
        )
    assert processing.process_photo(ctx, shown.id, decode) == "processed"
    with ctx.uow() as uow:
        photos.delete(uow, owner, photos.PhotoRef(id=shown.id))
    with ctx.uow() as uow:
        photo = uow.session.get_one(Photo, shown.id)
        assert photo.deleted_at is not None
        photo.deleted_at -= timedelta(days=days_ago)
    return shown.id


def _stored(ctx: Context, photo_id: int) -> list[Path]:
    """The photo's files as they are on disk, read from storage itself, not the database."""
    with ctx.uow() as uow:
        photo = uow.session.get_one(Photo, photo_id)
        folder = (
            Path(ctx.settings.storage_url.removeprefix("file://")) / Path(photo.storage_key).parent
        )
    return sorted(folder.iterdir()) if folder.exists() else []


def _job(ctx: Context, owner: Principal, title: str) -> str:
    with ctx.uow() as uow:
        return str(jobs.create(uow, owner, title).uuid)


def _sweep(ctx: Context) -> int:
    with ctx.uow() as uow:
        return retention.sweep(uow)


def test_after_the_period_a_deleted_photos_files_are_gone_but_a_held_jobs_stay(
    ctx: Context,
) -> None:
    owner = _company(ctx, "Acme", retention_days=30)
    free, held = _job(ctx, owner, "Free"), _job(ctx, owner, "Held")
    expired = _deleted_photo(ctx, owner, free, "red", days_ago=31)
    recent = _deleted_photo(ctx, owner, free, "blue", days_ago=29)
    kept = _deleted_photo(ctx, owner, held, "green", days_ago=400)
    with ctx.uow() as uow:
        holds.place(uow, owner, held, "Claim 4471")
    assert len(_stored(ctx, expired)) >= 3  # the original, its thumbnail and large rendition
    with ctx.uow() as uow:
        sha256 = uow.session.get_one(Photo, expired).checksum_sha256

    assert _sweep(ctx) == 1

    assert _stored(ctx, expired) == []
    assert len(_stored(ctx, recent)) >= 3
    assert len(_stored(ctx, kept)) >= 3
    with ctx.uow() as uow:
        purged = uow.session.get_one(Photo, expired)
        assert purged.purged_at is not None
        assert purged.deleted_at is not None
        assert (
            uow.session.scalars(select(Rendition).where(Rendition.photo_id == expired)).all() == []
        )
        assert uow.session.get_one(Photo, kept).purged_at is None
        [event] = uow.session.scalars(select(AuditEvent).where(AuditEvent.action == "photo.purged"))
    assert event.entity_uuid == str(purged.uuid)
    assert event.job_uuid == free
    assert event.data["sha256"] == sha256
    assert event.data["renditions"] == ["large", "thumbnail"]
    assert _sweep(ctx) == 0


def test_after_release_the_held_photo_is_purged_too(ctx: Context) -> None:
    owner = _company(ctx, "Acme", retention_days=1)
    job = _job(ctx, owner, "Held")
    photo = _deleted_photo(ctx, owner, job, "red", days_ago=2)
    with ctx.uow() as uow:
        holds.place(uow, owner, job, "Dispute")
    assert _sweep(ctx) == 0
    with ctx.uow() as uow:
        holds.lift(uow, owner, job)
    assert _sweep(ctx) == 1
    assert _stored(ctx, photo) == []


def test_a_company_that_keeps_forever_is_never_purged(ctx: Context) -> None:
    forever = _company(ctx, "Forever", retention_days=None)
    photo = _deleted_photo(ctx, forever, _job(ctx, forever, "Old"), "red", days_ago=3650)
    assert _sweep(ctx) == 0
    assert len(_stored(ctx, photo)) >= 3


def test_a_live_photo_is_never_purged(ctx: Context) -> None:
    owner = _company(ctx, "Acme", retention_days=1)
    job = _job(ctx, owner, "Live")
    with ctx.uow() as uow:
        [shown] = photos.upload_to_job(
            uow, owner, job, [_incoming(ctx, images.jpeg())], photos.PhotoDetails()
        )
        uow.session.get_one(Photo, shown.id).created_at = utcnow() - timedelta(days=100)
    assert _sweep(ctx) == 0
    assert len(_stored(ctx, shown.id)) == 1


def test_a_sweep_purges_a_bounded_batch_and_the_next_takes_the_rest(ctx: Context) -> None:
    owner = _company(ctx, "Acme", retention_days=1)
    job = _job(ctx, owner, "Many")
    ids = [_deleted_photo(ctx, owner, job, c, days_ago=5) for c in ("red", "blue", "green")]
    with ctx.uow() as uow:
        assert retention.sweep(uow, batch=2) == 2
    with ctx.uow() as uow:
        assert retention.sweep(uow, batch=2) == 1
    assert all(_stored(ctx, photo) == [] for photo in ids)


def test_a_purged_photo_cannot_be_restored(ctx: Context) -> None:
    owner = _company(ctx, "Acme", retention_days=1)
    photo = _deleted_photo(ctx, owner, _job(ctx, owner, "Gone"), "red", days_ago=2)
    assert _sweep(ctx) == 1
    with ctx.uow() as uow, pytest.raises(Conflict, match="purged"):
        photos.restore(uow, owner, photos.PhotoRef(id=photo))
    with ctx.uow() as uow:
        assert uow.session.get_one(Photo, photo).deleted_at is not None
        restored = select(AuditEvent).where(AuditEvent.action == "photo.restored")
        assert uow.session.scalars(restored).all() == []


def test_files_stay_when_the_purge_does_not_commit(ctx: Context) -> None:
    owner = _company(ctx, "Acme", retention_days=1)
    photo = _deleted_photo(ctx, owner, _job(ctx, owner, "Rolled back"), "red", days_ago=2)

    class Boom(Exception):
        pass

    def purge_then_fail() -> None:
        with ctx.uow() as uow:
            assert retention.sweep(uow) == 1
            raise Boom

    with pytest.raises(Boom):
        purge_then_fail()
    assert len(_stored(ctx, photo)) >= 3
    with ctx.uow() as uow:
        assert uow.session.get_one(Photo, photo).purged_at is None
