"""The Fulcrum dialect's JSON shapes."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from jobshots.core.pagination import Page
from jobshots.core.photos import files
from jobshots.core.times import iso_seconds
from jobshots.core.uow import UnitOfWork
from jobshots.db.models import Photo, User


def photo(uow: UnitOfWork, item: Photo) -> dict[str, Any]:
    """Every property of the seed's photo object."""
    key = item.public_key
    return {
        "access_key": key,
        "created_at": iso_seconds(item.created_at),
        "updated_at": iso_seconds(item.updated_at),
        "uploaded": item.uploaded,
        "stored": item.stored,
        "processed": item.processed,
        "record_id": str(item.job.uuid) if item.job else None,
        "form_id": item.form_id,
        "file_size": item.file_size,
        "content_type": item.mime_type,
        "latitude": item.latitude,
        "longitude": item.longitude,
        "url": f"{uow.ctx.settings.base_url}/api/v2/photos/{quote(key, safe='')}",
        **_person("created_by", item.created_by),
        **_person("updated_by", item.updated_by),
        "thumbnail": files.rendition_url(uow, item, "thumbnail"),
        "large": files.rendition_url(uow, item, "large"),
        "original": files.original_url(uow, item) if item.stored else None,
        "exif": item.exif or {},
    }


def photo_page(uow: UnitOfWork, page: Page[Photo]) -> dict[str, Any]:
    """The list envelope real Fulcrum clients page through."""
    return {
        "photos": [photo(uow, item) for item in page.items],
        "current_page": page.page,
        "total_pages": page.total_pages,
        "total_count": page.total,
        "per_page": page.per_page,
    }


def version(uow: UnitOfWork, item: Photo, name: str) -> dict[str, Any]:
    """A rendition's metadata (the `.json` twin of a `.jpg` endpoint)."""
    made = files.rendition(item, name)
    return {
        name: {
            "access_key": item.public_key,
            "url": files.rendition_url(uow, item, name),
            "content_type": made.mime_type,
            "file_size": made.file_size,
            "width": made.width,
            "height": made.height,
        }
    }


def _person(prefix: str, user: User | None) -> dict[str, str | None]:
    return {
        prefix: user.display_name if user else None,
        f"{prefix}_id": str(user.uuid) if user else None,
    }
