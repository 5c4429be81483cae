"""The one place that builds storage keys. No key is ever taken from a user's file name."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

_SAFE_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")
_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_OWNED_KEY = re.compile(
    rf"companies/(?P<company>{_UUID})/(?P<kind>photos|documents|uploads|exports)/"
    rf"(?P<entity>{_UUID})/(?P<name>[a-z0-9_-]{{1,32}}(?:\.[a-z0-9_]{{1,16}})?)"
)
# The folder of each kind of key, as named by `StoredKey.kind`.
KINDS = {"photos": "photo", "documents": "document", "uploads": "upload", "exports": "export"}


@dataclass(frozen=True)
class StoredKey:
    """What a key built here names: the company, the kind of row, that row's UUID, the file."""

    company: uuid.UUID
    kind: str
    entity: uuid.UUID
    name: str


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


def bench_sample(folder: str, kind: str, extension: str) -> str:
    """Key of a sample file `jobshots bench-data` stores once and links every bench row to."""
    return f"bench/samples/{_ext(folder)}/{_ext(kind)}.{_ext(extension)}"


def parse(key: str) -> StoredKey | None:
    """The inverse of the builders above; None for a key none of them could have made."""
    found = _OWNED_KEY.fullmatch(key)
    if found is None:
        return None
    return StoredKey(
        company=uuid.UUID(found["company"]),
        kind=KINDS[found["kind"]],
        entity=uuid.UUID(found["entity"]),
        name=found["name"],
    )


def is_safe(key: str) -> bool:
    """True for keys this module could have built: no traversal, no odd characters."""
    return bool(_SAFE_KEY.match(key)) and ".." not in key.split("/") and "//" not in key


def _ext(value: str) -> str:
    if not re.fullmatch(r"[a-z0-9_]{1,16}", value):
        raise ValueError(f"unsafe key component: {value!r}")
    return value
