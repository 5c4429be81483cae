"""A job's PDF report: cover, details, photos under their type's heading, page numbers."""

from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime

import pytest
from pypdf import PdfReader
from sqlalchemy import select, update

from jobshots.core.companies import service as companies
from jobshots.core.context import Context
from jobshots.core.errors import NotFound
from jobshots.core.exports import pdf
from jobshots.core.jobs import service as jobs
from jobshots.core.photos import processing
from jobshots.core.photos import service as photos
from jobshots.core.principal import Principal
from jobshots.core.users import service as users
from jobshots.db.models import AuditEvent, Photo
from jobshots.media.incoming import IncomingFile, Spool
from jobshots.media.pipeline import decode
from tests.support import images

TAKEN = datetime(2026, 3, 4, 10, 30, tzinfo=UTC)
TITLE = "Boiler <b>service</b> & flush"


def _incoming(ctx: Context, data: bytes, name: str) -> IncomingFile:
    spool = Spool(ctx.storage.staging_dir(), len(data), name)
    spool.write(data)
    return spool.finish()


def _company(ctx: Context, name: str) -> tuple[Principal, str]:
    with ctx.uow() as uow:
        made = companies.create(uow, name, f"owner@{name.lower()}.example", "Olive Owner")
        principal = users.acting_as(made.owner)
        job = jobs.create(uow, principal, TITLE)
    return principal, str(job.uuid)


def _photo(ctx: Context, principal: Principal, job: str, photo_type: str, colour: str) -> str:
    """A processed photo of the job (its renditions made); its UUID."""
    with ctx.uow() as uow:
        [shown] = photos.upload_to_job(
            uow,
            principal,
            job,
            [_incoming(ctx, images.jpeg(640, 480, colour), f"{colour}.jpg")],
            photos.PhotoDetails(photo_type),
        )
        photo_id = uow.session.scalars(select(Photo.id).where(Photo.uuid == shown.uuid)).one()
    assert processing.process_photo(ctx, photo_id, decode) == "processed"
    return str(shown.uuid)


def _job_with_photos(ctx: Context) -> tuple[Principal, str]:
    """Two before photos and one each of during, after and other; one more after, deleted."""
    principal, job = _company(ctx, "Acme")
    made = {
        colour: _photo(ctx, principal, job, photo_type, colour)
        for photo_type, colour in [
            ("after", "green"),
            ("before", "red"),
            ("other", "white"),
            ("before", "blue"),
            ("during", "yellow"),
        ]
    }
    deleted = _photo(ctx, principal, job, "after", "black")
    with ctx.uow() as uow:
        photos.delete(uow, principal, photos.PhotoRef(uuid=deleted))
        uow.session.execute(
            update(Photo)
            .where(Photo.uuid == uuid.UUID(made["red"]))
            .values(
                latitude=51.50071,
                longitude=-0.12462,
                taken_at=TAKEN,
                description="Cracked flue <i>before</i>",
            )
        )
        uow.session.execute(
            update(Photo)
            .where(Photo.uuid == uuid.UUID(deleted))
            .values(description="Deleted by mistake")
        )
    return principal, job


def _pdf(ctx: Context, principal: Principal, job: str, **options: bool) -> PdfReader:
    """The job's report, read back."""
    out = io.BytesIO()
    with ctx.uow() as uow:
        pdf.write_job_pdf(uow, principal, job, out, **options)
    return PdfReader(io.BytesIO(out.getvalue()))


def _report(ctx: Context, principal: Principal, job: str, **options: bool) -> list[str]:
    """The report's pages as text."""
    return [page.extract_text() for page in _pdf(ctx, principal, job, **options).pages]


def _flat(text: str) -> str:
    """Text with its line breaks (where the PDF wrapped it) as single spaces."""
    return " ".join(text.split())


def test_report_shows_cover_details_and_each_type_under_its_heading_with_page_numbers(
    ctx: Context,
) -> None:
    principal, job = _job_with_photos(ctx)
    pages = _report(ctx, principal, job)

    # Cover, details, then one page per type in the trade's order (two befores share one),
    # then the evidence appendix.
    assert len(pages) == 7
    assert "Acme" in pages[0]
    assert TITLE in _flat(pages[0])
    assert "Opened" in pages[0]
    assert "Report made" in pages[0]
    assert pages[1].lstrip().startswith("Job details")
    assert "Photos" in pages[1]
    assert [page.lstrip().split("\n", 1)[0] for page in pages[2:]] == [
        "Before",
        "During",
        "After",
        "Other",
        "Evidence",
    ]
    for number, page in enumerate(pages, 1):
        assert f"Page {number} of 7" in page

    before = pages[2]
    assert "Taken 04 Mar 2026 10:30" in before  # the company's zone: London, GMT in March
    assert before.count("By Olive Owner") == 2
    assert "Cracked flue <i>before</i>" in _flat(before)
    assert all("Deleted by mistake" not in page for page in pages)
    assert pages[4].count("By Olive Owner") == 1


def test_each_photo_is_its_large_rendition_embedded_as_a_jpeg(ctx: Context) -> None:
    principal, job = _job_with_photos(ctx)
    reader = _pdf(ctx, principal, job)
    pictures = [len(page.images) for page in reader.pages]
    assert pictures == [0, 0, 2, 1, 1, 1, 0]
    with ctx.uow() as uow:
        large = {
            ctx.storage.open(r.storage_key).read()
            for p in uow.session.scalars(select(Photo).where(Photo.deleted_at.is_(None)))
            if (r := p.rendition("large")) is not None
        }
    embedded = {
        image.indirect_reference.get_object().get_data()
        for page in reader.pages
        for image in page.images
    }
    assert embedded == large


def test_locations_appear_only_when_asked(ctx: Context) -> None:
    principal, job = _job_with_photos(ctx)

    without = "\n".join(_report(ctx, principal, job))
    with_locations = "\n".join(_report(ctx, principal, job, include_locations=True))

    assert "51.50071" not in without
    assert "Location" not in without
    assert "Location 51.50071, -0.12462" in with_locations


def test_each_report_is_recorded_in_the_jobs_activity(ctx: Context) -> None:
    principal, job = _job_with_photos(ctx)
    _report(ctx, principal, job, include_locations=True)
    with ctx.uow() as uow:
        [event] = uow.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "job.exported")
        ).all()
        assert event.entity_uuid == job
        assert event.data == {"format": "pdf", "photos": 5, "locations": True}


def test_a_job_without_photos_is_a_cover_and_its_details(ctx: Context) -> None:
    principal, job = _company(ctx, "Acme")
    pages = _report(ctx, principal, job)
    assert len(pages) == 2
    assert "Page 2 of 2" in pages[1]


def test_another_companys_job_is_refused_like_a_missing_one(ctx: Context) -> None:
    _, theirs = _job_with_photos(ctx)
    mine, _ = _company(ctx, "Bravo")
    errors = []
    for job in (theirs, str(uuid.uuid4())):
        with pytest.raises(NotFound) as refused, ctx.uow() as uow:
            pdf.job_pdf(uow, mine, job)
        errors.append(str(refused.value))
    assert errors[0] == errors[1]
    with ctx.uow() as uow:
        assert (
            uow.session.scalars(
                select(AuditEvent.id).where(AuditEvent.action == "job.exported")
            ).all()
            == []
        )


def test_a_photo_not_yet_processed_is_listed_without_a_picture(ctx: Context) -> None:
    principal, job = _company(ctx, "Acme")
    with ctx.uow() as uow:
        photos.upload_to_job(
            uow,
            principal,
            job,
            [_incoming(ctx, images.jpeg(640, 480, "red"), "raw.jpg")],
            photos.PhotoDetails("during"),
        )
    reader = _pdf(ctx, principal, job)
    pages = [page.extract_text() for page in reader.pages]
    assert len(pages) == 4
    assert pages[2].lstrip().startswith("During")
    assert "No picture: this file has no preview yet." in pages[2]
    assert "By Olive Owner" in pages[2]
    assert [len(page.images) for page in reader.pages] == [0, 0, 0, 0]


def test_text_outside_latin_1_is_drawn_not_refused(ctx: Context) -> None:
    principal, job = _company(ctx, "Acme")
    with ctx.uow() as uow:
        jobs.get(uow, principal, job).title = "Žižkov café — flat 水 😀"
    pages = _report(ctx, principal, job)
    assert "Žižkov café — flat" in _flat(pages[0])
