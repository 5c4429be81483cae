"""What a client read from a photo's EXIF on the device and sent with it.

The seed's rule: the client's `timestamp` (Unix milliseconds) sets the capture date, and a
location it sends places the photo. Both win over what processing later reads from the file,
which only fills in what the client did not send.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from jobshots.db.models import Photo

SOURCE = "client_exif"


@dataclass(frozen=True)
class ClientReading:
    """The capture time and position in a client's EXIF, and what was wrong with them."""

    taken_at: datetime | None = None
    position: tuple[float, float] | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)


def read(exif: dict[str, Any] | None) -> ClientReading:
    """Capture time from `timestamp`, position from `latitude`/`longitude` (or `lat`/`lng`)."""
    if not exif:
        return ClientReading()
    errors: dict[str, list[str]] = {}
    taken_at = None
    stamp = exif.get("timestamp")
    if stamp is not None:
        try:
            taken_at = datetime.fromtimestamp(float(stamp) / 1000, tz=UTC)
        except (TypeError, ValueError, OverflowError, OSError):
            errors["exif"] = ["timestamp must be a Unix time in milliseconds"]
    try:
        position = _position(exif)
    except (TypeError, ValueError):
        errors.setdefault("exif", []).append("location must be a valid latitude and longitude")
        position = None
    return ClientReading(taken_at=taken_at, position=position, errors=errors)


def apply(photo: Photo, reading: ClientReading) -> None:
    """Set what the client's reading gives; the rest is left for processing to fill in."""
    if reading.taken_at is not None:
        photo.taken_at, photo.taken_at_source = reading.taken_at, SOURCE
    if reading.position is not None:
        (photo.latitude, photo.longitude), photo.location_source = reading.position, SOURCE
        photo.altitude = None


def _position(exif: dict[str, Any]) -> tuple[float, float] | None:
    """`latitude`/`longitude` (or `lat`/`lng`), at the top or under `location`."""
    nested = exif.get("location")
    place: dict[str, Any] = nested if isinstance(nested, dict) else exif
    lat = place.get("latitude", place.get("lat"))
    lon = place.get("longitude", place.get("lng", place.get("lon")))
    if lat is None and lon is None:
        return None
    if lat is None or lon is None:
        raise ValueError("a position needs both latitude and longitude")
    latitude, longitude = float(lat), float(lon)
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise ValueError("position out of range")
    return latitude, longitude
