"""The presigned API's JSON shapes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from jobshots.core.jobs.views import JobView
from jobshots.core.lineitems.views import LineItemView
from jobshots.core.pagination import Page
from jobshots.core.photos.views import PhotoView, UploadTarget
from jobshots.core.times import iso_millis

T = TypeVar("T")


def photo(item: PhotoView, upload: UploadTarget | None = None) -> dict[str, Any]:
    """A photo, with its upload form when it was just created or is still waiting for bytes."""
    links = item.line_items
    body: dict[str, Any] = {
        "id": item.id,
        "uuid": str(item.uuid),
        "name": item.name,
        "description": item.description,
        "job": item.job_id,
        "job_inspection_line_item": links["inspection"],
        "estimate_line_item": links["estimate"],
        "supplemental_line_item": links["supplemental"],
        "change_order_line_item": links["change_order"],
        "tags": item.tags,
        "related_to": item.related_to,
        "exif": _exif(item),
        "is_video": item.is_video,
        "offline_id": item.client_key,
        "uploaded": item.uploaded,
        "processed": item.processed,
        "status": item.state,
        "capture_date": iso_millis(item.taken_at),
        "latitude": item.latitude,
        "longitude": item.longitude,
        "content_type": item.mime_type,
        "file_size": item.file_size,
        "url": item.original_url,
        "thumbnail": item.url_of("thumbnail"),
        "large": item.url_of("large"),
        "created_at": iso_millis(item.created_at),
        "updated_at": iso_millis(item.updated_at),
    }
    if upload is not None:
        body["upload_url"] = {"url": upload.url, "fields": upload.fields}
    return body


def page(result: Page[T], url: str, render: Callable[[T], dict[str, Any]]) -> dict[str, Any]:
    """DRF's page envelope, with absolute next/previous links."""
    return {
        "count": result.total,
        "next": _page_link(url, result.page + 1) if result.page < result.total_pages else None,
        "previous": _page_link(url, result.page - 1) if result.page > 1 else None,
        "results": [render(item) for item in result.items],
    }


def job(item: JobView) -> dict[str, Any]:
    """A job, as a client finds the integer id to link photos and line items to."""
    return {
        "id": item.id,
        "name": item.title,
        "address": item.address.one_line if item.address else None,
        "created_at": iso_millis(item.created_at),
    }


def line_item(item: LineItemView) -> dict[str, Any]:
    """A line item."""
    return {
        "id": item.id,
        "job": item.job_id,
        "kind": item.kind,
        "description": item.description,
        "quantity": str(item.quantity),
        "unit_price": str(item.unit_price) if item.unit_price is not None else None,
        "created_at": iso_millis(item.created_at),
    }


def line_items(items: list[LineItemView]) -> dict[str, Any]:
    """DRF's envelope around every line item (one page)."""
    results = [line_item(item) for item in items]
    return {"count": len(results), "next": None, "previous": None, "results": results}


def _exif(item: PhotoView) -> dict[str, Any] | None:
    """The file's EXIF with the client's keys over it: what the client sent is kept as sent."""
    if item.exif is None and item.client_exif is None:
        return None
    return {**(item.exif or {}), **(item.client_exif or {})}


def _page_link(url: str, number: int) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    query["page"] = str(number)
    return urlunsplit(parts._replace(query=urlencode(query)))
