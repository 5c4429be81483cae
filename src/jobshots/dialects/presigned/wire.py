"""The presigned API's JSON shapes."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from jobshots.core.lineitems.views import LineItemView
from jobshots.core.pagination import Page
from jobshots.core.photos.views import PhotoView, UploadTarget
from jobshots.core.times import iso_millis


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
        "exif": item.exif if item.exif is not None else item.client_exif,
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


def page(result: Page[PhotoView], url: str) -> dict[str, Any]:
    """DRF's page envelope, with absolute next/previous links."""
    return {
        "count": result.total,
        "next": _page_link(url, result.page + 1) if result.page < result.total_pages else None,
        "previous": _page_link(url, result.page - 1) if result.page > 1 else None,
        "results": [photo(item) for item in result.items],
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


def _page_link(url: str, number: int) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    query["page"] = str(number)
    return urlunsplit(parts._replace(query=urlencode(query)))
