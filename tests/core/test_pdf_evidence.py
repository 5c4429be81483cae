"""The PDF report's evidence appendix: each photo's SHA-256, times, place, device and flags."""

from __future__ import annotations

import hashlib
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

from pypdf import PdfReader
from sqlalchemy import select, update

from jobshots.core.companies import service as companies
from jobshots.core.context import Context
from jobshots.core.evidence import geo
from jobshots.core.exports import pdf
from jobshots.core.jobs import service as jobs
from jobshots.core.photos import processing
from jobshots.core.photos import service as photos
from jobshots.core.principal import Principal
from jobshots.core.users import service as users
from jobshots.db.models import Job, Photo, PropertyAddress
from jobshots.media.incoming import Spool
from jobshots.media.pipeline import decode
from tests.support import images
from tests.support.media import camera_jpeg

# Where camera_jpeg says it was taken, and a job's address about 90 m north of it.
TAKEN_AT = (42.825248, -73.896179)
ADDRESS = (Decimal("42.826050"), Decimal("-73.896179"))
FLAGS = [
    {"code": "late_upload", "text": "taken 5 days before upload", "hours": 120},
    {"code": "edited", "text": "edited with Adobe Photoshop 25.0"},
]


def _job(ctx: Context) -> tuple[Principal, str]:
    """A job whose address has a position."""
    with ctx.uow() as uow:
        made = companies.create(uow, "Acme", "owner@acme.example", "Olive Owner")
        principal = users.acting_as(made.owner)
        job = jobs.create(uow, principal, "Boiler service")
        place = PropertyAddress(
            company_id=made.company.id,
            line1="1 High Street",
            latitude=ADDRESS[0],
            longitude=ADDRESS[1],
        )
        uow.session.add(place)
        uow.session.flush()
        uow.session.execute(update(Job).where(Job.id == job.id).values(address_id=place.id))
    return principal, str(job.uuid)


def _photo(ctx: Context, principal: Principal, job: str, name: str, data: bytes) -> Photo:
    """A processed photo of the job, read back after processing."""
    spool = Spool(ctx.storage.staging_dir(), len(data), name)
    spool.write(data)
    with ctx.uow() as uow:
        [shown] = photos.upload_to_job(
            uow, principal, job, [spool.finish()], photos.PhotoDetails("before")
        )
        photo_id = uow.session.scalars(select(Photo.id).where(Photo.uuid == shown.uuid)).one()
    assert processing.process_photo(ctx, photo_id, decode) == "processed"
    with ctx.uow() as uow:
        return uow.session.get_one(Photo, photo_id)


def _appendix(ctx: Context, principal: Principal, job: str, **options: bool) -> str:
    """The appendix's text, from its heading to the end of the report."""
    out = io.BytesIO()
    with ctx.uow() as uow:
        pdf.write_job_pdf(uow, principal, job, out, **options)
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(out.getvalue())).pages]
    start = next(n for n, page in enumerate(pages) if page.lstrip().startswith("Evidence"))
    return "\n".join(pages[start:])


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_the_appendix_holds_each_photos_hash_times_place_device_and_flags(ctx: Context) -> None:
    principal, job = _job(ctx)
    camera = camera_jpeg()
    phone = _photo(ctx, principal, job, "boiler.jpg", camera)
    plain = _photo(ctx, principal, job, "meter.jpg", images.jpeg(colour="blue"))
    with ctx.uow() as uow:
        uow.session.execute(update(Photo).where(Photo.id == phone.id).values(flags=FLAGS))
        uow.session.execute(update(Photo).where(Photo.id == plain.id).values(flags=[]))

    text = _appendix(ctx, principal, job)
    flat = _flat(text)
    unbroken = "".join(text.split())
    assert phone.checksum_sha256 == hashlib.sha256(camera).hexdigest()
    for photo in (phone, plain):
        assert photo.checksum_sha256 is not None
        assert photo.checksum_sha256 in unbroken
        uploaded = photo.created_at.astimezone(ZoneInfo("Europe/London"))
        assert f"Uploaded {uploaded:%d %b %Y %H:%M}" in flat

    assert "No. 1 boiler.jpg" in flat
    # Taken 12:00:08 at +02:00: 11:00 in London's summer time.
    assert "Taken 06 Jun 2025 11:00 (EXIF)" in flat
    assert "Device: samsung SM-G900V" in flat
    metres = geo.metres_between(*TAKEN_AT, float(ADDRESS[0]), float(ADDRESS[1]))
    assert f"{metres:.0f} m from the job's address" in flat
    for flag in FLAGS:
        assert flag["text"] in flat

    assert "No. 2 meter.jpg" in flat
    assert "(upload time: no capture time known)" in flat
    assert "no location recorded" in flat
    # The locations themselves only when the report is asked to include them.
    assert "42.82525" not in flat
    assert "42.82525, -73.89618" in _flat(_appendix(ctx, principal, job, include_locations=True))


def test_the_appendix_numbers_photos_as_the_report_shows_them(ctx: Context) -> None:
    principal, job = _job(ctx)
    shown = [
        _photo(ctx, principal, job, f"{colour}.jpg", images.jpeg(colour=colour))
        for colour in ("red", "green", "white")
    ]
    with ctx.uow() as uow:
        uow.session.execute(
            update(Photo).where(Photo.uuid == shown[0].uuid).values(photo_type="after")
        )
    flat = _flat(_appendix(ctx, principal, job))
    # Befores first (green, white), then the after (red), as the pages before show them.
    assert flat.index("No. 1 green.jpg") < flat.index("No. 2 white.jpg")
    assert flat.index("No. 2 white.jpg") < flat.index("No. 3 red.jpg")
