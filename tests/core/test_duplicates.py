"""Duplicates as the real pipeline flags them: same file, same scene re-saved, unrelated photos."""

from __future__ import annotations

import importlib.resources
import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from jobshots.core.companies import service as companies
from jobshots.core.context import Context
from jobshots.core.evidence import duplicates
from jobshots.core.jobs import service as jobs
from jobshots.core.jobs.views import JobView
from jobshots.core.photos import processing
from jobshots.core.photos import service as photos
from jobshots.core.principal import Principal
from jobshots.core.users import service as users
from jobshots.db.models import Photo
from jobshots.media import fingerprint
from jobshots.media.incoming import Spool
from jobshots.media.pipeline import decode

DATA = Path(str(importlib.resources.files("skimage") / "data"))
# The bundled pictures, but one of each pair that shows the same thing (chessboard_RGB is
# chessboard_GRAY in colour, motorcycle_right the stereo twin of motorcycle_left).
UNRELATED = sorted(
    path
    for path in DATA.iterdir()
    if path.suffix in (".png", ".jpg") and path.stem not in ("chessboard_RGB", "motorcycle_right")
)
MARKS = ("duplicate", "near_duplicate")


class Company:
    """An owner who opens jobs and uploads to them; each upload is processed at once."""

    def __init__(self, ctx: Context, name: str = "Acme") -> None:
        self.ctx = ctx
        with ctx.uow() as uow:
            made = companies.create(uow, name, f"owner@{name.lower()}.example")
            self.principal: Principal = users.acting_as(made.owner)

    def job(self, title: str) -> JobView:
        with self.ctx.uow() as uow:
            return jobs.create(uow, self.principal, title)

    def processed(self, data: bytes, job: JobView) -> Photo:
        spool = Spool(self.ctx.storage.staging_dir(), len(data), "upload.bin")
        spool.write(data)
        with self.ctx.uow() as uow:
            [photo] = photos.upload_to_job(
                uow, self.principal, str(job.uuid), [spool.finish()], photos.PhotoDetails("before")
            )
            photo_id = photo.id
        assert processing.process_photo(self.ctx, photo_id, decode) == "processed"
        with self.ctx.uow() as uow:
            return uow.session.get_one(Photo, photo_id)


@pytest.fixture
def acme(ctx: Context) -> Company:
    return Company(ctx)


def _marks(photo: Photo) -> list[dict[str, Any]]:
    return [flag for flag in photo.flags if flag["code"] in MARKS]


def _photo(name: str) -> bytes:
    return next(path for path in UNRELATED if path.stem == name).read_bytes()


def _resaved(data: bytes, scale: float = 0.6, quality: int = 70) -> bytes:
    with Image.open(io.BytesIO(data)) as image:
        rgb = image.convert("RGB")
    size = (round(rgb.width * scale), round(rgb.height * scale))
    out = io.BytesIO()
    rgb.resize(size, Image.Resampling.LANCZOS).save(out, "JPEG", quality=quality)
    return out.getvalue()


def test_the_same_file_in_two_jobs_is_a_duplicate_linking_the_first(acme: Company) -> None:
    roof, kitchen = acme.job("Roof"), acme.job("Kitchen")
    data = _photo("coffee")
    first = acme.processed(data, roof)
    second = acme.processed(data, kitchen)
    assert _marks(first) == []
    assert _marks(second) == [
        {
            "code": "duplicate",
            "text": f"the same file as a photo of job {roof.reference}",
            "photo_uuid": str(first.uuid),
            "job_uuid": str(roof.uuid),
            "job_reference": roof.reference,
        }
    ]


def test_the_same_file_twice_in_one_job_is_a_duplicate_too(acme: Company) -> None:
    roof = acme.job("Roof")
    first = acme.processed(_photo("astronaut"), roof)
    second = acme.processed(_photo("astronaut"), roof)
    assert [(flag["code"], flag["photo_uuid"]) for flag in _marks(second)] == [
        ("duplicate", str(first.uuid))
    ]


@pytest.mark.parametrize("name", ["chelsea", "rocket", "brick"])
def test_a_resized_recompressed_copy_in_another_job_is_a_near_duplicate(
    acme: Company, name: str
) -> None:
    roof, kitchen = acme.job("Roof"), acme.job("Kitchen")
    original = acme.processed(_photo(name), roof)
    copy = acme.processed(_resaved(_photo(name)), kitchen)
    [flag] = _marks(copy)
    assert flag["code"] == "near_duplicate"
    assert flag["photo_uuid"] == str(original.uuid)
    assert flag["job_uuid"] == str(roof.uuid)
    assert flag["job_reference"] == roof.reference
    assert original.perceptual_hash is not None
    assert copy.perceptual_hash is not None
    bits = fingerprint.distance(original.perceptual_hash, copy.perceptual_hash)
    assert flag["distance"] == bits <= duplicates.NEAR_DISTANCE
    assert flag["text"] == f"the same scene as a photo of job {roof.reference}"


def test_a_resaved_copy_in_the_same_job_is_not_flagged(acme: Company) -> None:
    roof = acme.job("Roof")
    acme.processed(_photo("chelsea"), roof)
    assert _marks(acme.processed(_resaved(_photo("chelsea")), roof)) == []


def test_a_deleted_photo_is_no_ones_duplicate(acme: Company, ctx: Context) -> None:
    roof, kitchen, attic = acme.job("Roof"), acme.job("Kitchen"), acme.job("Attic")
    deleted = acme.processed(_photo("coins"), roof)
    with ctx.uow() as uow:
        photos.delete(uow, acme.principal, photos.PhotoRef(id=deleted.id))
    live = acme.processed(_photo("coins"), kitchen)
    assert _marks(live) == []
    copy = acme.processed(_resaved(_photo("coins")), attic)
    assert [(flag["code"], flag["photo_uuid"]) for flag in _marks(copy)] == [
        ("near_duplicate", str(live.uuid))
    ]


def test_another_companys_photos_are_never_matched(acme: Company, ctx: Context) -> None:
    other = Company(ctx, "Globex")
    other.processed(_photo("moon"), other.job("Roof"))
    other.processed(_resaved(_photo("moon")), other.job("Attic"))
    assert _marks(acme.processed(_photo("moon"), acme.job("Roof"))) == []


def test_unrelated_real_photos_in_different_jobs_are_not_flagged(acme: Company) -> None:
    assert len(UNRELATED) >= 20
    processed = [acme.processed(path.read_bytes(), acme.job(path.stem)) for path in UNRELATED]
    assert all(photo.perceptual_hash is not None for photo in processed)
    assert len({photo.perceptual_hash for photo in processed}) == len(processed)
    assert [(photo.name, _marks(photo)) for photo in processed if _marks(photo)] == []
