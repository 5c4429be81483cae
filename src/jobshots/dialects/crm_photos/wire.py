"""The CRM API's JSON shapes."""

from __future__ import annotations

from typing import Any

from jobshots.core.pagination import Page
from jobshots.core.photos.views import PhotoView
from jobshots.core.times import iso_millis


def photo(item: PhotoView, job_uuid: str) -> dict[str, Any]:
    """One photo as the seed's Job Photo object, with its embedded user."""
    uploader = item.uploaded_by
    return {
        "uuid": str(item.uuid),
        "job_uuid": job_uuid,
        "user_id": str(uploader.uuid) if uploader else None,
        "photo_url": item.original_url,
        "photo_type": item.photo_type,
        "file_name": item.file_name,
        "file_size": item.file_size,
        "mime_type": item.mime_type,
        "taken_at": iso_millis(item.taken_at),
        "customer_email_sent": item.customer_email_sent,
        "created_at": iso_millis(item.created_at),
        "updated_at": iso_millis(item.updated_at),
        "deleted_at": iso_millis(item.deleted_at),
        "user": {
            "id": str(uploader.uuid),
            "first_name": uploader.first_name,
            "last_name": uploader.last_name,
        }
        if uploader
        else None,
    }


def photos(items: list[PhotoView], job_uuid: str) -> dict[str, Any]:
    """Photos just uploaded."""
    return {"success": True, "data": {"photos": [photo(item, job_uuid) for item in items]}}


def one_photo(item: PhotoView, job_uuid: str) -> dict[str, Any]:
    """A single photo's envelope."""
    return {"success": True, "data": {"photo": photo(item, job_uuid)}}


def photo_page(page: Page[PhotoView], job_uuid: str) -> dict[str, Any]:
    """The list envelope with its pagination block."""
    return {
        "success": True,
        "data": {
            "photos": [photo(item, job_uuid) for item in page.items],
            "pagination": {
                "page": page.page,
                "limit": page.per_page,
                "total": page.total,
                "total_pages": page.total_pages,
            },
        },
    }


def deleted() -> dict[str, Any]:
    """The answer to a delete."""
    return {"success": True, "data": {"message": "Photo deleted successfully"}}
