"""The maintenance API's JSON shapes for job photos."""

from __future__ import annotations

from typing import Any

from jobshots.core.photos.views import PhotoView
from jobshots.core.times import iso_seconds
from jobshots.dialects.maintenance.wire import ok

# The list's groups, every one present even when empty, as the vendor's clients read them.
GROUPS = ("before", "during", "after", "other")


def photo(view: PhotoView) -> dict[str, Any]:
    """One photo or video: ids, job, file, capture, uploader, and URLs (null until made)."""
    return {
        "ID": view.id,
        "uuid": str(view.uuid),
        "job_id": view.job_id,
        "job_uuid": str(view.job_uuid) if view.job_uuid else None,
        "photo_type": view.photo_type,
        "file_name": view.file_name,
        "file_size": view.file_size,
        "mime_type": view.mime_type,
        "is_video": view.is_video,
        "width": view.width,
        "height": view.height,
        "taken_at": iso_seconds(view.taken_at),
        "taken_at_source": view.taken_at_source,
        "latitude": view.latitude,
        "longitude": view.longitude,
        "uploaded_by_id": view.uploaded_by.id if view.uploaded_by else None,
        "uploaded_by_name": view.uploaded_by.display_name if view.uploaded_by else None,
        "created_at": iso_seconds(view.created_at),
        "state": view.state,
        "thumbnail_url": view.url_of("thumbnail"),
        "large_url": view.url_of("large"),
        "original_url": view.original_url,
    }


def photos(items: list[PhotoView]) -> dict[str, Any]:
    """A job's photos grouped by type, every group present; all match, so `total` is `count`."""
    grouped: dict[str, list[dict[str, Any]]] = {kind: [] for kind in GROUPS}
    for item in items:
        grouped[item.photo_type].append(photo(item))
    return ok("Photos retrieved", grouped, count=len(items), total=len(items))


def uploaded(items: list[PhotoView]) -> dict[str, Any]:
    """Photos just stored: `data` is the first, `photos` every one."""
    shown = [photo(item) for item in items]
    return ok("Photo uploaded", shown[0], photos=shown)


def deleted() -> dict[str, Any]:
    """A photo deleted (kept as evidence)."""
    return ok("Photo deleted")
