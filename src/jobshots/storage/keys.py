"""The one place that builds storage keys. No key is ever taken from a user's file name."""

from __future__ import annotations

import re
import uuid

_SAFE_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")


def photo_original(company: uuid.UUID, photo: uuid.UUID, extension: str) -> str:
    """Key of a photo or video's original bytes."""
    return f"companies/{company}/photos/{photo}/original.{_ext(extension)}"


def rendition(company: uuid.UUID, photo: uuid.UUID, kind: str, extension: str) -> str:
    """Key of a rendition (thumbnail, large, video variant) of a photo."""
    return f"companies/{company}/photos/{photo}/{_ext(kind)}.{_ext(extension)}"


def document(company: uuid.UUID, document: uuid.UUID, extension: str) -> str:
    """Key of a job document's file."""
    return f"companies/{company}/documents/{document}/original.{_ext(extension)}"


def upload_part(company: uuid.UUID, upload: uuid.UUID, offset: int) -> str:
    """Key of the bytes of a resumable upload received from `offset` on, until it completes."""
    return f"companies/{company}/uploads/{upload}/part-{int(offset):012d}"


def export(company: uuid.UUID, export: uuid.UUID, extension: str) -> str:
    """Key of a job's report made for download."""
    return f"companies/{company}/exports/{export}/report.{_ext(extension)}"


def is_safe(key: str) -> bool:
    """True for keys this module could have built: no traversal, no odd characters."""
    return bool(_SAFE_KEY.match(key)) and ".." not in key.split("/") and "//" not in key


def _ext(value: str) -> str:
    if not re.fullmatch(r"[a-z0-9_]{1,16}", value):
        raise ValueError(f"unsafe key component: {value!r}")
    return value
