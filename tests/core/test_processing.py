"""The media pipeline on real files: described, rendered upright, stripped, idempotent."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import av
import pytest
from PIL import Image

from jobshots.core.companies import service as companies
from jobshots.core.context import Context
from jobshots.core.jobs import service as jobs
from jobshots.core.photos import processing
from jobshots.core.photos import service as photos
from jobshots.core.principal import Principal
from jobshots.core.users import service as users
from jobshots.db.models import Photo
from jobshots.media.incoming import Spool
from jobshots.media.pipeline import decode
from tests.support import images, media


@pytest.fixture
def uploader(ctx: Context) -> tuple[Principal, str]:
    with ctx.uow() as uow:
        made = companies.create(uow, "Acme", "owner@acme.example")
        principal = users.acting_as(made.owner)
        return principal, str(jobs.create(uow, principal, "Roof").uuid)


def _upload(
    ctx: Context, who: tuple[Principal, str], data: bytes, taken_at: datetime | None = None
) -> int:
    spool = Spool(ctx.storage.staging_dir(), len(data), "upload.bin")
    spool.write(data)
    with ctx.uow() as uow:
        [photo] = photos.upload_to_job(
            uow, who[0], who[1], [spool.finish()], photos.PhotoDetails("before", taken_at)
        )
        return photo.id


def _photo(ctx: Context, photo_id: int) -> Photo:
    with ctx.uow() as uow:
        photo = uow.session.get_one(Photo, photo_id)
        photo.renditions  # noqa: B018  (load before the session closes)
        return photo


def _rendition_image(ctx: Context, photo: Photo, kind: str) -> tuple[bytes, Image.Image]:
    rendition = photo.rendition(kind)
    assert rendition is not None, f"no {kind} rendition"
    with ctx.storage.open(rendition.storage_key) as stream:
        data = stream.read()
    image = Image.open(io.BytesIO(data))
    assert (image.width, image.height) == (rendition.width, rendition.height)
    return data, image


@pytest.mark.parametrize("orientation", range(1, 9))
def test_jpeg_renditions_come_out_upright(
    ctx: Context, uploader: tuple[Principal, str], orientation: int
) -> None:
    photo_id = _upload(ctx, uploader, media.camera_jpeg(orientation=orientation))
    assert processing.process_photo(ctx, photo_id, decode) == "processed"
    photo = _photo(ctx, photo_id)
    assert photo.orientation == orientation
    for kind, box in (("large", 1600), ("thumbnail", 200)):
        data, image = _rendition_image(ctx, photo, kind)
        assert image.format == "JPEG"
        expected = (800, 600) if box >= 800 else (200, 150)
        assert image.size == expected
        red, green, _ = image.convert("RGB").getpixel((image.width // 16, image.height // 16))
        assert red > 150 > green, f"orientation {orientation}: top-left is not the red block"
        assert not image.getexif()
        assert "icc_profile" not in image.info
        assert b"GPS" not in data
        assert b"samsung" not in data


@pytest.mark.parametrize(
    ("latitude", "longitude"),
    [
        (42.825248, -73.896179),
        (-33.856784, 151.215297),
        (51.500729, 0.124625),
        (-22.951916, -43.210487),
    ],
    ids=["N-W", "S-E", "N-E", "S-W"],
)
def test_gps_position_is_read_in_every_hemisphere(
    ctx: Context, uploader: tuple[Principal, str], latitude: float, longitude: float
) -> None:
    data = media.camera_jpeg(latitude=latitude, longitude=longitude)
    photo_id = _upload(ctx, uploader, data)
    processing.process_photo(ctx, photo_id, decode)
    photo = _photo(ctx, photo_id)
    assert photo.latitude == pytest.approx(latitude, abs=1e-5)
    assert photo.longitude == pytest.approx(longitude, abs=1e-5)
    assert photo.exif is not None
    assert photo.exif["gps_latitude_ref"] == ("N" if latitude > 0 else "S")


def test_taken_at_comes_from_exif_with_its_offset(
    ctx: Context, uploader: tuple[Principal, str]
) -> None:
    client_time = datetime(2025, 1, 1, 9, 0, tzinfo=UTC)
    photo_id = _upload(ctx, uploader, media.camera_jpeg(), taken_at=client_time)
    processing.process_photo(ctx, photo_id, decode)
    photo = _photo(ctx, photo_id)
    assert photo.taken_at == datetime(2025, 6, 6, 10, 0, 8, tzinfo=UTC)
    assert photo.taken_at_source == "exif"


def test_photo_without_exif_keeps_the_client_time(
    ctx: Context, uploader: tuple[Principal, str]
) -> None:
    client_time = datetime(2025, 1, 1, 9, 0, tzinfo=UTC)
    photo_id = _upload(ctx, uploader, images.jpeg(320, 240), taken_at=client_time)
    processing.process_photo(ctx, photo_id, decode)
    photo = _photo(ctx, photo_id)
    assert photo.state == "processed"
    assert photo.taken_at == client_time
    assert photo.taken_at_source == "client"
    assert photo.latitude is None
    assert photo.exif == {}
    _, thumb = _rendition_image(ctx, photo, "thumbnail")
    assert thumb.size == (200, 150)


def test_photo_without_any_time_uses_the_upload_time(
    ctx: Context, uploader: tuple[Principal, str]
) -> None:
    photo_id = _upload(ctx, uploader, images.png(64, 32))
    processing.process_photo(ctx, photo_id, decode)
    photo = _photo(ctx, photo_id)
    assert photo.taken_at_source == "upload"
    assert photo.taken_at == photo.created_at
    _, large = _rendition_image(ctx, photo, "large")
    assert large.size == (64, 32)  # never upscaled


def test_heic_is_rendered(ctx: Context, uploader: tuple[Principal, str]) -> None:
    photo_id = _upload(ctx, uploader, media.heic(640, 480))
    assert processing.process_photo(ctx, photo_id, decode) == "processed"
    photo = _photo(ctx, photo_id)
    assert photo.mime_type == "image/heic"
    _, large = _rendition_image(ctx, photo, "large")
    assert large.size == (640, 480)
    red, green, _ = large.convert("RGB").getpixel((20, 20))
    assert red > 150 > green


@pytest.mark.parametrize("suffix", ["mp4", "mov"])
def test_video_gets_a_poster_and_playback_variants(
    ctx: Context, uploader: tuple[Principal, str], tmp_path: Path, suffix: str
) -> None:
    clip = media.video(tmp_path / f"clip.{suffix}", width=640, height=360, seconds=1)
    photo_id = _upload(ctx, uploader, clip.read_bytes())
    assert processing.process_photo(ctx, photo_id, decode) == "processed"
    photo = _photo(ctx, photo_id)
    assert photo.is_video
    assert (photo.width, photo.height) == (640, 360)
    assert photo.duration_seconds == pytest.approx(1.0, abs=0.1)
    _, poster = _rendition_image(ctx, photo, "thumbnail")
    assert poster.size == (200, 112) or poster.size == (200, 113)
    assert {r.kind for r in photo.renditions} == {"thumbnail", "large", "video_360p"}
    variant = photo.rendition("video_360p")
    assert variant is not None
    assert variant.mime_type == "video/mp4"
    with ctx.storage.open(variant.storage_key) as stream:
        local = tmp_path / "variant.mp4"
        local.write_bytes(stream.read())
    with av.open(str(local)) as container:
        stream_info = container.streams.video[0]
        assert stream_info.codec_context.name == "h264"
        assert (stream_info.codec_context.width, stream_info.codec_context.height) == (640, 360)


def test_processing_twice_gives_the_same_renditions(
    ctx: Context, uploader: tuple[Principal, str]
) -> None:
    photo_id = _upload(ctx, uploader, media.camera_jpeg(orientation=6))
    processing.process_photo(ctx, photo_id, decode)
    first = _photo(ctx, photo_id)
    first_bytes = {r.kind: _rendition_image(ctx, first, r.kind)[0] for r in first.renditions}
    assert processing.process_photo(ctx, photo_id, decode) == "processed"  # finished: left alone
    assert _photo(ctx, photo_id).processed_at == first.processed_at
    assert processing.reprocess(ctx, photo_id) == "processed"
    again = _photo(ctx, photo_id)
    # It really ran again: new rendition rows, a later processing time.
    assert {r.uuid for r in again.renditions}.isdisjoint({r.uuid for r in first.renditions})
    assert again.processed_at is not None
    assert first.processed_at is not None
    assert again.processed_at > first.processed_at
    assert sorted(r.kind for r in again.renditions) == ["large", "thumbnail"]
    assert {r.kind: r.storage_key for r in again.renditions} == {
        r.kind: r.storage_key for r in first.renditions
    }
    assert {
        r.kind: _rendition_image(ctx, again, r.kind)[0] for r in again.renditions
    } == first_bytes


def test_undecodable_photo_fails_with_a_reason(
    ctx: Context, uploader: tuple[Principal, str]
) -> None:
    broken = images.jpeg(640, 480)[:300]
    photo_id = _upload(ctx, uploader, broken)
    assert processing.process_photo(ctx, photo_id, decode) == "failed"
    photo = _photo(ctx, photo_id)
    assert photo.state == "failed"
    assert photo.failure_reason
    assert photo.renditions == []
    assert processing.awaiting_processing(ctx, None) == []


def test_stored_but_unprocessed_photos_are_found_again(
    ctx: Context, uploader: tuple[Principal, str]
) -> None:
    waiting = _upload(ctx, uploader, images.jpeg())
    done = _upload(ctx, uploader, images.jpeg())
    processing.process_photo(ctx, done, decode)
    assert processing.awaiting_processing(ctx, None) == [waiting]
    # Within the grace period, a photo may still be in flight elsewhere: not yet taken.
    assert processing.awaiting_processing(ctx, processing.grace_cutoff(ctx)) == []
