"""What the PDF report's evidence appendix says of each photo, as plain text."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from jobshots.core.evidence import geo
from jobshots.db.models import Job, Photo

# Where a photo's capture time came from, as a person would say it.
TIME_SOURCES = {
    "client_exif": "EXIF, read by the app",
    "exif": "EXIF",
    "client": "sent by the app",
    "upload": "upload time: no capture time known",
}


@dataclass(frozen=True)
class Evidence:
    """One photo's line in the appendix."""

    number: int
    name: str
    sha256: str | None
    taken_at: str | None
    time_source: str
    uploaded_at: str
    location: str | None
    distance: str
    device: str | None
    flags: list[str]


def of(photo: Photo, number: int, job: Job, zone: ZoneInfo, include_locations: bool) -> Evidence:
    """The appendix's line for `photo`; coordinates only when the report includes locations."""
    located = photo.latitude is not None and photo.longitude is not None
    return Evidence(
        number=number,
        name=photo.file_name or photo.name,
        sha256=photo.checksum_sha256,
        taken_at=_when(photo.taken_at, zone),
        time_source=TIME_SOURCES.get(photo.taken_at_source or "", "not recorded"),
        uploaded_at=_when(photo.created_at, zone) or "",
        location=f"{photo.latitude:.5f}, {photo.longitude:.5f}"
        if include_locations and located
        else None,
        distance=_distance(geo.from_job(photo, job), located),
        device=_device(photo),
        flags=[str(flag.get("text") or flag.get("code")) for flag in photo.flags or []],
    )


def _when(moment: datetime | None, zone: ZoneInfo) -> str | None:
    return moment.astimezone(zone).strftime("%d %b %Y %H:%M") if moment else None


def _distance(metres: float | None, located: bool) -> str:
    if not located:
        return "no location recorded"
    if metres is None:
        return "no distance: the job's address has no position"
    if metres < 1000:
        return f"{metres:.0f} m from the job's address"
    return f"{metres / 1000:.1f} km from the job's address"


def _device(photo: Photo) -> str | None:
    """The camera's EXIF Make and Model, the make once when the model repeats it."""
    tags = photo.exif or {}
    make, model = (str(tags.get(key) or "").strip() for key in ("make", "model"))
    if make and model.lower().startswith(make.lower()):
        make = ""
    return " ".join(part for part in (make, model) if part) or None
