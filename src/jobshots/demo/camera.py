"""A demo photo as a phone saves it: a JPEG with the time, the phone and where it was taken."""

from __future__ import annotations

import io
import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime

from PIL import Image
from PIL.TiffImagePlugin import IFDRational

from jobshots.demo.scenes import Scene, photograph

_EXIF_IFD, _GPS_IFD = 0x8769, 0x8825
_MAKE, _MODEL, _ORIENTATION = 0x010F, 0x0110, 0x0112
_DATE_TIME_ORIGINAL, _OFFSET_TIME_ORIGINAL = 0x9003, 0x9011
_METRES_PER_DEGREE = 111_320.0


@dataclass(frozen=True)
class Shot:
    """One photo of a job: what it shows, when and where it was taken, and on which phone."""

    name: str
    photo_type: str
    scene: Scene
    taken_at: datetime
    latitude: float
    longitude: float
    make: str
    model: str


def near(latitude: float, longitude: float, rng: random.Random) -> tuple[float, float]:
    """A point a few metres from the given one, as a phone's GPS puts a photo by the door."""
    metres, bearing = rng.uniform(3, 12), rng.uniform(0, 2 * math.pi)
    north, east = metres * math.cos(bearing), metres * math.sin(bearing)
    per_degree_east = _METRES_PER_DEGREE * math.cos(math.radians(latitude))
    return latitude + north / _METRES_PER_DEGREE, longitude + east / per_degree_east


def jpeg(shot: Shot, rng: random.Random) -> bytes:
    """The shot's picture as a JPEG carrying its EXIF."""
    exif = Image.Exif()
    exif[_MAKE], exif[_MODEL], exif[_ORIENTATION] = shot.make, shot.model, 1
    taken = shot.taken_at.astimezone(UTC)
    details = exif.get_ifd(_EXIF_IFD)
    details[_DATE_TIME_ORIGINAL] = taken.strftime("%Y:%m:%d %H:%M:%S")
    details[_OFFSET_TIME_ORIGINAL] = "+00:00"
    gps = exif.get_ifd(_GPS_IFD)
    gps[1], gps[2] = ("N" if shot.latitude >= 0 else "S"), _dms(shot.latitude)
    gps[3], gps[4] = ("E" if shot.longitude >= 0 else "W"), _dms(shot.longitude)
    buffer = io.BytesIO()
    photograph(shot.scene, rng).save(buffer, "JPEG", quality=84, exif=exif.tobytes())
    return buffer.getvalue()


def _dms(value: float) -> tuple[IFDRational, IFDRational, IFDRational]:
    """Degrees, minutes and seconds (to a ten-thousandth, about 3 mm) as EXIF rationals."""
    tenths_of_ms = round(abs(value) * 3600 * 10_000)
    degrees, rest = divmod(tenths_of_ms, 3600 * 10_000)
    minutes, seconds = divmod(rest, 60 * 10_000)
    return IFDRational(degrees, 1), IFDRational(minutes, 1), IFDRational(seconds, 10_000)
