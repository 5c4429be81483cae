"""The maintenance API's JSON shapes for job documents."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from jobshots.core.documents.views import DocumentView
from jobshots.core.times import iso_seconds
from jobshots.dialects.maintenance.wire import listed, ok

PATH = "/api/jobs/documents"


def download_url(base_url: str, item: DocumentView) -> str:
    """This API's own address of a document's bytes."""
    query = urlencode({"action": "download", "uuid": str(item.uuid)})
    return f"{base_url.rstrip('/')}{PATH}?{query}"


def document(item: DocumentView, base_url: str) -> dict[str, Any]:
    """One document: its ids, its job, its type, its file and who uploaded it."""
    return {
        "ID": item.id,
        "uuid": str(item.uuid),
        "job_id": item.job_id,
        "job_uuid": str(item.job_uuid),
        "document_type_id": item.document_type_id,
        "document_type_name": item.document_type_name,
        "file_name": item.file_name,
        "file_size": item.file_size,
        "mime_type": item.mime_type,
        "checksum_sha256": item.checksum_sha256,
        "uploaded_by_id": item.uploaded_by_id,
        "uploaded_by_name": item.uploaded_by.display_name if item.uploaded_by else None,
        "created_at": iso_seconds(item.created_at),
        "download_url": download_url(base_url, item),
    }


def documents(items: list[DocumentView], base_url: str) -> dict[str, Any]:
    """A job's documents: every one matches, so `total` equals `count`."""
    return listed("Documents retrieved", [document(item, base_url) for item in items], len(items))


def uploaded(item: DocumentView, base_url: str) -> dict[str, Any]:
    """A document just stored."""
    return ok("Document uploaded", document(item, base_url))


def deleted() -> dict[str, Any]:
    """A document deleted."""
    return ok("Document deleted")
