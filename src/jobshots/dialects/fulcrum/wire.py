"""The Fulcrum API's JSON shapes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from jobshots.core.pagination import StreamedPage
from jobshots.core.photos.views import PhotoView
from jobshots.core.times import iso_seconds
from jobshots.core.users.views import PersonView

API_PATH = "/api/v2/photos"


def photo(item: PhotoView, base_url: str) -> dict[str, Any]:
    """Every property of the seed's photo object."""
    key = item.public_key
    return {
        "access_key": key,
        "created_at": iso_seconds(item.created_at),
        "updated_at": iso_seconds(item.updated_at),
        "uploaded": item.uploaded,
        "stored": item.stored,
        "processed": item.processed,
        "record_id": str(item.job_uuid) if item.job_uuid else None,
        "form_id": item.form_id,
        "file_size": item.file_size,
        "content_type": item.mime_type,
        "latitude": item.latitude,
        "longitude": item.longitude,
        "url": f"{base_url}{API_PATH}/{quote(key, safe='')}",
        **_person("created_by", item.created_by),
        **_person("updated_by", item.updated_by),
        "thumbnail": item.url_of("thumbnail"),
        "large": item.url_of("large"),
        "original": item.original_url,
        "exif": item.exif or {},
        "deleted_at": iso_seconds(item.deleted_at),
    }


def one_photo(item: PhotoView, base_url: str) -> dict[str, Any]:
    """`{"photo": {...}}`."""
    return {"photo": photo(item, base_url)}


def photo_page(page: StreamedPage[PhotoView], base_url: str) -> Iterator[str]:
    """The list envelope real Fulcrum clients page through, written as its photos are read."""
    yield '{"photos":['
    for number, item in enumerate(page.items):
        yield ("," if number else "") + _json(photo(item, base_url))
    counters = {
        "current_page": page.page,
        "total_pages": page.total_pages,
        "total_count": page.total,
        "per_page": page.per_page,
    }
    yield "]," + _json(counters)[1:]


def version(item: PhotoView, name: str) -> dict[str, Any]:
    """A rendition's metadata (the `.json` twin of a `.jpg` endpoint)."""
    made = item.renditions[name]
    return {
        name: {
            "access_key": item.public_key,
            "url": made.url,
            "content_type": made.mime_type,
            "file_size": made.file_size,
            "width": made.width,
            "height": made.height,
        }
    }


def _person(prefix: str, user: PersonView | None) -> dict[str, str | None]:
    return {
        prefix: user.display_name if user else None,
        f"{prefix}_id": str(user.uuid) if user else None,
    }


def _json(value: dict[str, Any]) -> str:
    return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
