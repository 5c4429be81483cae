"""Photos as the APIs show them: every field, with the URLs already resolved."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from jobshots.core.photos import files
from jobshots.core.uow import UnitOfWork
from jobshots.core.users.views import PersonView, person
from jobshots.db.models import STORED_STATES, Photo

# A photo's line-item links, by kind: the Photo column that holds each.
LINK_COLUMNS = {
    "inspection": "inspection_line_item_id",
    "estimate": "estimate_line_item_id",
    "supplemental": "supplemental_line_item_id",
    "change_order": "change_order_line_item_id",
}


@dataclass(frozen=True)
class UploadTarget:
    """A presigned form: POST `fields` plus the file (last) as multipart/form-data to `url`."""

    url: str
    fields: dict[str, str]


@dataclass(frozen=True)
class PhotoPoint:
    """Where a photo was taken: what a map pins."""

    uuid: UUID
    name: str
    photo_type: str
    latitude: float
    longitude: float
    taken_at: datetime | None


@dataclass(frozen=True)
class RenditionView:
    """A made rendition and an expiring URL to it."""

    kind: str
    url: str
    mime_type: str
    file_size: int
    width: int
    height: int


@dataclass(frozen=True)
class PhotoView:
    """A photo or video: what is known about it, who handled it, and where its files are."""

    id: int
    uuid: UUID
    client_key: str | None
    job_id: int | None
    job_uuid: UUID | None
    name: str
    description: str | None
    photo_type: str
    is_video: bool
    file_name: str | None
    file_size: int | None
    mime_type: str | None
    width: int | None
    height: int | None
    taken_at: datetime | None
    taken_at_source: str | None
    latitude: float | None
    longitude: float | None
    location_source: str | None
    exif: dict[str, Any] | None
    client_exif: dict[str, Any] | None
    tags: list[str]
    related_to: list[str]
    form_id: str | None
    line_items: dict[str, int | None]
    state: str
    customer_email_sent: bool
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None
    uploaded_by: PersonView | None
    created_by: PersonView | None
    updated_by: PersonView | None
    original_url: str | None
    renditions: dict[str, RenditionView]
    # Dispute flags, for the web app; the APIs' photo JSON does not carry them.
    flags: list[dict[str, Any]]

    @property
    def public_key(self) -> str:
        """The id callers use: their own key when they chose one, else the UUID."""
        return self.client_key or str(self.uuid)

    @property
    def uploaded(self) -> bool:
        """The bytes have been received."""
        return self.state != "pending"

    @property
    def stored(self) -> bool:
        """The original is durable and can be downloaded."""
        return self.state in STORED_STATES

    @property
    def processed(self) -> bool:
        """The renditions are ready."""
        return self.state == "processed"

    def url_of(self, kind: str) -> str | None:
        """The URL of a rendition, or None while it is not made."""
        made = self.renditions.get(kind)
        return made.url if made else None


def photo_view(uow: UnitOfWork, photo: Photo) -> PhotoView:
    """The view of a photo, signing its file URLs."""
    return PhotoView(
        id=photo.id,
        uuid=photo.uuid,
        client_key=photo.client_key,
        job_id=photo.job_id,
        job_uuid=photo.job.uuid if photo.job else None,
        name=photo.name,
        description=photo.description,
        photo_type=photo.photo_type,
        is_video=photo.is_video,
        file_name=photo.file_name,
        file_size=photo.file_size,
        mime_type=photo.mime_type,
        width=photo.width,
        height=photo.height,
        taken_at=photo.taken_at,
        taken_at_source=photo.taken_at_source,
        latitude=photo.latitude,
        longitude=photo.longitude,
        location_source=photo.location_source,
        exif=photo.exif,
        client_exif=photo.client_exif,
        tags=list(photo.tags or []),
        related_to=list(photo.related_to or []),
        form_id=photo.form_id,
        line_items={kind: getattr(photo, column) for kind, column in LINK_COLUMNS.items()},
        state=photo.state,
        customer_email_sent=photo.customer_email_sent,
        created_at=photo.created_at,
        updated_at=photo.updated_at,
        deleted_at=photo.deleted_at,
        uploaded_by=person(photo.uploaded_by),
        created_by=person(photo.created_by),
        updated_by=person(photo.updated_by),
        original_url=files.original_url(uow, photo) if photo.state in STORED_STATES else None,
        renditions={
            made.kind: RenditionView(
                kind=made.kind,
                url=files.rendition_url(uow, photo, made),
                mime_type=made.mime_type,
                file_size=made.file_size,
                width=made.width,
                height=made.height,
            )
            for made in photo.renditions
        },
        flags=list(photo.flags or []),
    )
