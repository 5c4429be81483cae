"""A photo processed by two runs at once (a worker taken for dead while still working, and
the run the recovery sweep started) is recorded once: one history event, one set of renditions."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from jobshots.core.companies import service as companies
from jobshots.core.context import Context
from jobshots.core.jobs import service as jobs
from jobshots.core.photos import processing
from jobshots.core.photos import service as photos
from jobshots.core.users import service as users
from jobshots.db.models import AuditEvent, Photo, Rendition
from jobshots.media.incoming import Spool
from jobshots.media.pipeline import DecodeJob, DecodeResult, decode
from tests.support import images


def _stored_photo(ctx: Context) -> int:
    data = images.jpeg(640, 480)
    spool = Spool(ctx.storage.staging_dir(), len(data), "roof.jpg")
    spool.write(data)
    with ctx.uow() as uow:
        made = companies.create(uow, "Acme", "owner@acme.example")
        owner = users.acting_as(made.owner)
        job = str(jobs.create(uow, owner, "Roof").uuid)
        [photo] = photos.upload_to_job(uow, owner, job, [spool.finish()], photos.PhotoDetails())
        return photo.id


def test_a_photo_finished_by_another_run_meanwhile_is_recorded_once(ctx: Context) -> None:
    photo_id = _stored_photo(ctx)
    other_run: list[str] = []

    def decode_while_another_run_finishes(job: DecodeJob) -> DecodeResult:
        # The other run starts after this one read the photo as `stored`, and ends first.
        if not other_run:
            other_run.append(processing.process_photo(ctx, photo_id, decode))
        return decode(job)

    assert processing.process_photo(ctx, photo_id, decode_while_another_run_finishes) == "processed"
    assert other_run == ["processed"]
    with ctx.uow() as uow:
        photo = uow.session.get_one(Photo, photo_id)
        events = uow.session.scalars(
            select(AuditEvent.action).where(AuditEvent.entity_uuid == str(photo.uuid))
        ).all()
        kinds = uow.session.scalars(
            select(Rendition.kind).where(Rendition.photo_id == photo_id)
        ).all()
    assert Counter(events)["photo.processed"] == 1
    assert sorted(kinds) == ["large", "thumbnail"]


def test_an_asked_for_reprocessing_is_recorded_each_time(ctx: Context) -> None:
    photo_id = _stored_photo(ctx)
    assert processing.process_photo(ctx, photo_id, decode) == "processed"
    assert processing.reprocess(ctx, photo_id) == "processed"
    with ctx.uow() as uow:
        uuid = uow.session.get_one(Photo, photo_id).uuid
        events = uow.session.scalars(
            select(AuditEvent.action).where(AuditEvent.entity_uuid == str(uuid))
        ).all()
    assert Counter(events)["photo.processed"] == 2
