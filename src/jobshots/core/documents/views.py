"""Job documents as the APIs show them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO
from uuid import UUID

from jobshots.core.users.views import PersonView


@dataclass(frozen=True)
class DocumentView:
    """A document: its file, its job, its type, and who uploaded it."""

    id: int
    uuid: UUID
    job_id: int
    job_uuid: UUID
    document_type_id: int | None
    document_type_name: str | None
    file_name: str
    file_size: int
    mime_type: str
    checksum_sha256: str
    uploaded_by_id: int | None
    uploaded_by: PersonView | None
    created_at: datetime


@dataclass(frozen=True)
class DocumentFile:
    """A document's bytes to send, with what a response needs to describe them."""

    open: Callable[[], BinaryIO]
    size: int
    mime_type: str
    file_name: str
