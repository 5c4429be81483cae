"""The demo's photos: job-site scenes whose EXIF time, phone and place the pipeline reads back."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image, ImageChops, ImageStat
from sqlalchemy import select

from jobshots.core.companies import service as companies
from jobshots.core.context import Context
from jobshots.core.jobs import service as jobs
from jobshots.core.photos import processing
from jobshots.core.photos import service as photos
from jobshots.core.users import service as users
from jobshots.db.models import PHOTO_TYPES, Job, Photo
from jobshots.demo import demo_jobs, ensure_demo, scenes
from jobshots.demo.camera import Shot, jpeg
from jobshots.media.incoming import Spool
from jobshots.media.pipeline import decode

NOW = datetime(2026, 12, 5, 10, 30, tzinfo=UTC)


def _metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    north = (a[0] - b[0]) * 111_320
    east = (a[1] - b[1]) * 111_320 * math.cos(math.radians(a[0]))
    return math.hypot(north, east)


def test_each_job_has_four_to_eight_photos_before_now_with_before_ahead_of_after() -> None:
    planned = demo_jobs(NOW)
    assert len(planned) == 3
    for job in planned:
        assert 4 <= len(job.shots) <= 8, job.title
        assert all(shot.taken_at < NOW - timedelta(days=1) for shot in job.shots)
        by_type = {t: [s.taken_at for s in job.shots if s.photo_type == t] for t in PHOTO_TYPES}
        assert by_type["before"], job.title
        assert by_type["after"], job.title
        assert max(by_type["before"]) < min(by_type["during"] or by_type["after"])
        assert max(by_type["during"] or by_type["before"]) < min(by_type["after"])
    days = {shot.taken_at.date() for job in planned for shot in job.shots}
    assert len(days) >= 4, "the jobs are spread over several days"


def test_each_photo_is_placed_a_few_metres_from_its_jobs_address() -> None:
    for job in demo_jobs(NOW):
        home = (job.address[3], job.address[4])
        places = [(shot.latitude, shot.longitude) for shot in job.shots]
        assert all(2 < _metres(place, home) < 15 for place in places), job.title
        assert len(set(places)) == len(places), "each photo is taken from its own spot"


def test_a_photo_is_the_same_every_time_and_its_scene_changes_between_before_and_after() -> None:
    [_, leak, _] = demo_jobs(NOW)
    shot = leak.shots[0]
    assert jpeg(shot, random.Random(1)) == jpeg(shot, random.Random(1))

    def picture(scene: scenes.Scene) -> Image.Image:
        return scenes.photograph(scene, random.Random(1))

    before, after = picture(scenes.tiled_wall("before")), picture(scenes.tiled_wall("after"))
    assert ImageStat.Stat(ImageChops.difference(before, after).convert("L")).mean[0] > 2
    # Not a flat colour: light, shade and grain vary across the picture.
    assert min(ImageStat.Stat(before).stddev) > 8
    assert len(before.getcolors(1_000_000) or []) > 5_000


def _upload(ctx: Context, shot: Shot) -> int:
    data = jpeg(shot, random.Random(2))
    spool = Spool(ctx.storage.staging_dir(), len(data), shot.name)
    spool.write(data)
    with ctx.uow() as uow:
        made = companies.create(uow, "Acme", "owner@acme.example")
        principal = users.acting_as(made.owner)
        job = jobs.create(uow, principal, "Leak")
        [photo] = photos.upload_to_job(
            uow, principal, str(job.uuid), [spool.finish()], photos.PhotoDetails(shot.photo_type)
        )
        return photo.id


def test_a_demo_photo_comes_out_of_the_pipeline_with_its_time_place_and_phone(
    ctx: Context,
) -> None:
    shot = demo_jobs(datetime.now(UTC))[1].shots[2]
    photo_id = _upload(ctx, shot)
    assert processing.process_photo(ctx, photo_id, decode) == "processed"
    with ctx.uow() as uow:
        photo = uow.session.get_one(Photo, photo_id)
        assert (photo.taken_at, photo.taken_at_source) == (shot.taken_at, "exif")
        assert photo.latitude == pytest.approx(shot.latitude, abs=1e-7)
        assert photo.longitude == pytest.approx(shot.longitude, abs=1e-7)
        assert photo.exif is not None
        assert (photo.exif["make"], photo.exif["model"]) == (shot.make, shot.model)
        assert (photo.width, photo.height) == scenes.SIZE


def test_the_demo_uploads_every_planned_photo_to_a_job_opened_before_the_first(
    ctx: Context,
) -> None:
    before = datetime.now(UTC)
    assert ensure_demo(ctx).created
    with ctx.uow() as uow:
        made = list(uow.session.scalars(select(Job).order_by(Job.id)))
        planned = demo_jobs(before)
        assert [job.title for job in made] == [job.title for job in planned]
        for job, plan in zip(made, planned, strict=True):
            names = uow.session.scalars(
                select(Photo.file_name).where(Photo.job_id == job.id).order_by(Photo.id)
            )
            assert list(names) == [shot.name for shot in plan.shots]
            opened = job.created_at.astimezone(UTC)
            assert opened == plan.shots[0].taken_at - timedelta(minutes=30)
