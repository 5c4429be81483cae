"""What an export holds, file by file, as manifest.json and manifest.csv, and its signature.

manifest.json lists every photo with its SHA-256, size and flags, the SHA-256 of manifest.csv,
the company's history head at export time and the server's public key; manifest.json.sig is
the Ed25519 signature (base64) of manifest.json's exact bytes. `verify.py` checks it offline.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Any

# What manifest.json says it is, so a reader knows which rules it was written to.
FORMAT = "jobshots-export:v2"
JSON_NAME = "manifest.json"
CSV_NAME = "manifest.csv"
SIGNATURE_NAME = "manifest.json.sig"
# Longest original name kept in a file's path inside the export (in characters).
NAME_MAX = 100
CSV_COLUMNS = (
    "path",
    "sha256",
    "size",
    "photo_type",
    "taken_at",
    "latitude",
    "longitude",
    "uploaded_by",
    "photo_uuid",
    "original_name",
    "mime_type",
    "flags",
)


@dataclass(frozen=True)
class ExportedFile:
    """One original in the export, and what is known about it."""

    path: str
    storage_key: str
    size: int
    sha256: str
    photo_uuid: str
    photo_type: str
    original_name: str
    mime_type: str | None
    taken_at: datetime | None
    latitude: float | None
    longitude: float | None
    uploaded_by: str | None
    flags: list[dict[str, Any]]


@dataclass(frozen=True)
class JobHeading:
    """The job the export is of, and when it was made."""

    uuid: str
    reference: str
    title: str
    exported_at: datetime


@dataclass(frozen=True)
class Seal:
    """What vouches for an export: the history head it was made at, and the key that signs."""

    company_id: int
    head_seq: int | None
    head_hash: str | None
    head_signature: str | None
    public_key: str


def path_in_export(photo_type: str, number: int, original_name: str, extension: str) -> str:
    """`before/0001-name.jpg`: the number makes every path unique whatever the names are."""
    name = _safe_name(original_name)
    if name and extension and not name.lower().endswith(f".{extension}"):
        name = f"{name}.{extension}"
    return f"{photo_type}/{number:04d}-{name}" if name else f"{photo_type}/{number:04d}.{extension}"


def as_json(job: JobHeading, files: list[ExportedFile], seal: Seal, csv_bytes: bytes) -> bytes:
    """manifest.json: the job, every file in the archive's order, manifest.csv and the seal."""
    head = (
        {"company_id": seal.company_id, "seq": seal.head_seq, "hash": seal.head_hash,
         "signature": seal.head_signature}
        if seal.head_seq is not None
        else None
    )  # fmt: skip
    document = {
        "format": FORMAT,
        "job": {"uuid": job.uuid, "reference": job.reference, "title": job.title},
        "exported_at": job.exported_at.isoformat(),
        "files": [_row(item) | {"flags": item.flags} for item in files],
        "manifest_csv": {
            "path": CSV_NAME,
            "sha256": hashlib.sha256(csv_bytes).hexdigest(),
            "size": len(csv_bytes),
        },
        # The company's signed history head when the export was made (before the export's
        # own event): the export can be placed in the history `jobshots audit verify` checks.
        "history_head": head,
        "public_key": seal.public_key,
        "signature": {"algorithm": "Ed25519", "path": SIGNATURE_NAME},
    }
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def as_csv(job: JobHeading, files: list[ExportedFile]) -> bytes:
    """manifest.csv: one row per file, the job in the first columns of every row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(("job_reference", "job_title", "exported_at", *CSV_COLUMNS))
    heading = (job.reference, job.title, job.exported_at.isoformat())
    for item in files:
        row = _row(item)
        row["flags"] = " ".join(flag["code"] for flag in item.flags)
        writer.writerow((*heading, *("" if row[c] is None else row[c] for c in CSV_COLUMNS)))
    return out.getvalue().encode("utf-8")


def _row(item: ExportedFile) -> dict[str, Any]:
    return {
        "path": item.path,
        "sha256": item.sha256,
        "size": item.size,
        "photo_type": item.photo_type,
        "taken_at": item.taken_at.isoformat() if item.taken_at else None,
        "latitude": item.latitude,
        "longitude": item.longitude,
        "uploaded_by": item.uploaded_by,
        "photo_uuid": item.photo_uuid,
        "original_name": item.original_name,
        "mime_type": item.mime_type,
    }


def _safe_name(name: str) -> str:
    # Only the last path component, no control characters, nothing a zip tool would take
    # for a directory or a drive.
    base = re.split(r"[\\/]", unicodedata.normalize("NFC", name))[-1]
    cleaned = "".join(c for c in base if unicodedata.category(c)[0] != "C")
    cleaned = re.sub(r'[:*?"<>|]', "_", cleaned).strip(" .")
    return cleaned[:NAME_MAX].strip(" .")
