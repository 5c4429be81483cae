"""Dispute flags: what about a photo a customer or an insurer could question, in plain words."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from jobshots.core.evidence import geo
from jobshots.db.models import Company, Job, Photo

Flag = dict[str, Any]

TIMED_SOURCES = frozenset({"exif", "client", "client_exif"})
CLIENT_SOURCES = frozenset({"client", "client_exif"})
CLOCK_SKEW = timedelta(minutes=5)
# A capture time without an offset is some unknown zone's local time, read as UTC.
UNZONED_SKEW = timedelta(hours=14) + CLOCK_SKEW
CAMERA_KEYS = ("make", "model")
TIME_KEYS = ("date_time_original", "date_time_digitized", "date_time")
SOFTWARE_KEYS = ("software", "processing_software")
EDITORS = re.compile(
    r"\b(photoshop|lightroom|gimp|snapseed|affinity|pixelmator|picsart|vsco|canva|"
    r"capture one|darktable|rawtherapee|luminar|facetune|photopea|paint\.net|polarr|"
    r"photoscape|fotor|acdsee|photodirector|airbrush)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class FileReading:
    """What processing read from the file itself, beyond what is stored on the photo."""

    is_video: bool
    # The capture time the file states, even one too far ahead to be believed.
    stated_time: datetime | None = None
    stated_time_zoned: bool = True
    credentials: dict[str, Any] | None = None


def for_photo(
    photo: Photo,
    job: Job | None,
    company: Company,
    reading: FileReading,
    duplicates: Iterable[Flag] = (),
) -> list[Flag]:
    """Every flag the photo earns, in a fixed order so processing twice gives the same list."""
    found = [
        late_upload(photo.taken_at, photo.taken_at_source, photo.created_at, company),
        future_capture(reading, photo.taken_at, photo.taken_at_source, photo.created_at),
        far_from_job(geo.from_job(photo, job), job, company),
        no_exif(photo.exif, reading.is_video),
        edited(photo.exif),
        *content_credentials(reading.credentials),
    ]
    return [flag for flag in found if flag is not None] + list(duplicates)


def late_upload(
    taken_at: datetime | None, source: str | None, uploaded_at: datetime, company: Company
) -> Flag | None:
    """Taken longer before upload than the company allows, when the time is the photo's own."""
    if taken_at is None or source not in TIMED_SOURCES:
        return None
    gap = _utc(uploaded_at) - _utc(taken_at)
    if gap <= timedelta(hours=company.capture_gap_hours):
        return None
    return {
        "code": "late_upload",
        "text": f"taken {_span(gap)} before upload",
        "hours": round(gap.total_seconds() / 3600, 1),
    }


def future_capture(
    reading: FileReading, taken_at: datetime | None, source: str | None, uploaded_at: datetime
) -> Flag | None:
    """A capture time after the upload: the camera's clock was wrong, or was set."""
    upload = _utc(uploaded_at)
    claims = []
    if reading.stated_time is not None:
        claims.append(
            (reading.stated_time, CLOCK_SKEW if reading.stated_time_zoned else UNZONED_SKEW)
        )
    if taken_at is not None and source in CLIENT_SOURCES:
        claims.append((taken_at, CLOCK_SKEW))
    ahead = [_utc(moment) for moment, skew in claims if _utc(moment) - upload > skew]
    if not ahead:
        return None
    stated = max(ahead)
    return {
        "code": "future_capture",
        "text": f"capture time {_span(stated - upload)} after upload",
        "taken_at": stated.isoformat(),
    }


def far_from_job(distance_m: float | None, job: Job | None, company: Company) -> Flag | None:
    """Taken beyond the job's own geofence, or else beyond the company's distance."""
    if distance_m is None or job is None:
        return None
    own = job.geofence_metres
    limit = own if own is not None else company.geofence_metres
    if distance_m <= limit:
        return None
    text = f"taken {_distance(distance_m)} from the job's address"
    return {
        "code": "far_from_job" if own is None else "outside_geofence",
        "text": text if own is None else f"{text}, outside its {_distance(own)} geofence",
        "distance_m": round(distance_m),
        "limit_m": limit,
    }


def no_exif(exif: dict[str, Any] | None, is_video: bool) -> Flag | None:
    """A still photo with neither camera tags nor a capture time: EXIF missing or stripped."""
    if is_video:
        return None
    tags = exif or {}
    if any(tags.get(key) for key in (*CAMERA_KEYS, *TIME_KEYS)):
        return None
    return {"code": "no_exif", "text": "no camera details or capture time in the file"}


def edited(exif: dict[str, Any] | None) -> Flag | None:
    """The EXIF Software tag names an editing program, not a camera's firmware."""
    for key in SOFTWARE_KEYS:
        software = (exif or {}).get(key)
        if isinstance(software, str) and EDITORS.search(software):
            name = software.strip()[:80]
            return {"code": "edited", "text": f"saved by {name}", "software": name}
    return None


def content_credentials(credentials: dict[str, Any] | None) -> list[Flag | None]:
    """C2PA Content Credentials: present (who signed, whether they hold) and invalid ones."""
    if not credentials or not credentials.get("present"):
        return []
    signer = credentials.get("signer")
    valid = bool(credentials.get("valid"))
    by = f" signed by {signer}" if signer else ""
    present: Flag = {
        "code": "content_credentials",
        "text": f"Content Credentials{by}" + ("" if valid else " that do not verify"),
        "signer": signer,
        "valid": valid,
    }
    if valid:
        return [present]
    reasons = [str(message) for message in credentials.get("messages") or []]
    invalid: Flag = {
        "code": "content_credentials_invalid",
        "text": "Content Credentials do not match the file"
        + (f": {reasons[-1]}" if reasons else ""),
        "signer": signer,
        "messages": reasons,
    }
    return [present, invalid]


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _span(gap: timedelta) -> str:
    hours = gap.total_seconds() / 3600
    if hours < 1:
        minutes = max(1, round(hours * 60))
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    if hours < 48:
        whole = round(hours)
        return f"{whole} hour{'s' if whole != 1 else ''}"
    days = round(hours / 24)
    return f"{days} days"


def _distance(metres: float) -> str:
    return f"{metres / 1000:.1f} km" if metres >= 1000 else f"{round(metres)} m"
