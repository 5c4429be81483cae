"""A job's conversation: chat messages, and the timeline they share with the job's photos."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from jobshots.core import audit, permissions
from jobshots.core.jobs import service as jobs
from jobshots.core.jobs.views import JobView
from jobshots.core.messages import repository
from jobshots.core.photos import repository as photos_repository
from jobshots.core.photos.views import photo_view
from jobshots.core.principal import Principal
from jobshots.core.text import required_text
from jobshots.core.uow import UnitOfWork
from jobshots.core.users.views import PersonView, person
from jobshots.db.models import Job, JobMessage, Photo
from jobshots.db.types import utcnow

MESSAGE_MAX = 10_000


@dataclass(frozen=True)
class TimelineEntry:
    """One message of a job's timeline: words (`chat`) or a photo (`image`)."""

    kind: Literal["chat", "image"]
    at: datetime
    author_uuid: uuid.UUID | None
    author_name: str | None
    text: str | None = None
    photo_type: str | None = None
    image_url: str | None = None
    thumbnail_url: str | None = None


@dataclass(frozen=True)
class Timeline:
    """A job with its chat messages and photos merged, oldest first."""

    job: JobView
    entries: list[TimelineEntry]

    @property
    def last_activity(self) -> datetime:
        """When the job, or anything on its timeline, last changed."""
        return max([self.job.updated_at, *(entry.at for entry in self.entries)])

    @property
    def main_thumbnail(self) -> str | None:
        """The thumbnail of the job's newest photo."""
        images = (entry for entry in reversed(self.entries) if entry.kind == "image")
        return next((entry.thumbnail_url for entry in images), None)


def start_job(
    uow: UnitOfWork, principal: Principal, title: str, first_message: str | None = None
) -> JobView:
    """Open a job and, when given one, post its first message; the view has its report link."""
    job = jobs.open_job(uow, principal, title)
    if first_message is not None and first_message.strip():
        _add(uow, principal, job, first_message)
    return jobs.present(uow, principal, job, report_link=True)


def post(uow: UnitOfWork, principal: Principal, job_uuid: str, text: str) -> TimelineEntry:
    """Add a chat message to one of the caller's jobs."""
    job = jobs.get(uow, principal, job_uuid)
    return _chat(_add(uow, principal, job, text), public=False)


def timeline(uow: UnitOfWork, principal: Principal, job_uuid: str) -> Timeline:
    """One of the caller's jobs with everything said and photographed on it."""
    principal.require(permissions.JOBS_LIST)
    principal.require(permissions.PHOTOS_VIEW)
    job = jobs.get(uow, principal, job_uuid)
    return Timeline(job=jobs.present(uow, principal, job), entries=entries(uow, job, public=False))


def latest(
    uow: UnitOfWork, principal: Principal, job_uuid: str, count: int
) -> tuple[list[TimelineEntry], int]:
    """The newest `count` entries of one of the caller's jobs, oldest first, and how many
    entries the whole timeline has."""
    principal.require(permissions.JOBS_LIST)
    principal.require(permissions.PHOTOS_VIEW)
    job = jobs.get(uow, principal, job_uuid)
    total = repository.count_for_job(
        uow.session, job.company_id, job.id
    ) + photos_repository.count_live_for_job(uow.session, job.company_id, job.id)
    return entries(uow, job, public=False, latest=count), total


def entries(
    uow: UnitOfWork, job: Job, *, public: bool, latest: int | None = None
) -> list[TimelineEntry]:
    """The job's chat and photos, oldest first (only the `latest` when given); `public`
    shows only metadata-free renditions."""
    found = repository.chat_for_job(uow.session, job.company_id, job.id, latest)
    chat = [_chat(message, public) for message in found]
    images = [
        entry
        for photo in photos_repository.live_for_job(uow.session, job.company_id, job.id, latest)
        if (entry := _image(uow, photo, public)) is not None
    ]
    # A stable sort: a chat message and a photo at the same instant keep chat first.
    merged = sorted(chat + images, key=lambda entry: entry.at)
    return merged if latest is None else merged[-latest:]


def _add(uow: UnitOfWork, principal: Principal, job: Job, text: str) -> JobMessage:
    # The timeline is the job's photo conversation: whoever may add photos may add words.
    principal.require(permissions.PHOTOS_MANAGE)
    text = required_text(text, "message", MESSAGE_MAX)
    message = JobMessage(
        company_id=job.company_id,
        job_id=job.id,
        author_id=principal.user_id,
        body=text,
        created_at=utcnow(),
    )
    uow.session.add(message)
    uow.session.flush()
    audit.record(uow, principal, "message.posted", "job_message", message.uuid, job_id=job.id)
    return message


def _chat(message: JobMessage, public: bool) -> TimelineEntry:
    author = person(message.author)
    return TimelineEntry(
        kind="chat",
        at=message.created_at,
        author_uuid=author.uuid if author else None,
        author_name=_name(author, public),
        text=message.body,
    )


def _image(uow: UnitOfWork, photo: Photo, public: bool) -> TimelineEntry | None:
    shown = photo_view(uow, photo)
    large, thumbnail = shown.url_of("large"), shown.url_of("thumbnail")
    if public and (large is None or thumbnail is None):
        # The public never gets the original: it may carry GPS and EXIF.
        return None
    image = large or shown.original_url
    return TimelineEntry(
        kind="image",
        at=shown.created_at,
        author_uuid=shown.uploaded_by.uuid if shown.uploaded_by else None,
        author_name=_name(shown.uploaded_by, public),
        photo_type=shown.photo_type,
        image_url=image,
        thumbnail_url=thumbnail or image,
    )


def _name(author: PersonView | None, public: bool) -> str | None:
    if author is None:
        return None
    return author.public_name if public else author.display_name
