"""Describe a photo from its EXIF: Fulcrum-named tags, position, capture time and orientation."""

from __future__ import annotations

import functools
import math
import os
import re
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import IO, Any

import pillow_heif
from PIL import ExifTags, Image
from PIL.TiffImagePlugin import IFDRational

# Only the accepted photo kinds; Pillow's JPEG opener also yields the MPO files phones write.
_FORMATS = ("JPEG", "PNG", "WEBP", "HEIF")
_OPEN_ERRORS = (
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    struct.error,
    Image.DecompressionBombError,
)
_EXIF_IFD = 0x8769
_GPS_IFD = 0x8825
_POINTER_TAGS = frozenset({_EXIF_IFD, _GPS_IFD, 0xA005})
_MAX_BLOB = 64
_DROPPED = frozenset({"MakerNote", "PrintImageMatching"})
_XP_TAGS = frozenset({"XPTitle", "XPComment", "XPAuthor", "XPKeywords", "XPSubject"})
_COMMENT_CODES = (b"ASCII\x00\x00\x00", b"\x00" * 8)
# Each date-time tag with the tags that carry its fraction of a second and its UTC offset.
_DATE_TAGS = {
    "DateTime": ("SubsecTime", "OffsetTime"),
    "DateTimeOriginal": ("SubsecTimeOriginal", "OffsetTimeOriginal"),
    "DateTimeDigitized": ("SubsecTimeDigitized", "OffsetTimeDigitized"),
}
_KEY_OVERRIDES = {
    "ExifImageWidth": "pixel_x_dimension",
    "ExifImageHeight": "pixel_y_dimension",
    "PhotographicSensitivity": "iso_speed_ratings",
    "FlashPixVersion": "flashpix_version",
    "SubIFDs": "sub_ifds",
}
_WORD_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|(?<=[a-z])(?=[0-9])")
_DATE_TIME = re.compile(r"(\d{4})[:-](\d{2})[:-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})")
_OFFSET = re.compile(r"([+-])(\d{2}):?(\d{2})")
_MAX_OFFSET = timedelta(hours=14)
# An EXIF time without an offset is read as UTC, so it may run up to 14 hours ahead.
_CLOCK_SLACK = timedelta(days=1)


class UnreadablePhoto(ValueError):
    """The file is not a photo that can be opened (corrupt, truncated or another kind)."""


@dataclass(frozen=True)
class PhotoFacts:
    """What a photo's headers and EXIF say about it."""

    exif: dict[str, Any]
    latitude: float | None
    longitude: float | None
    altitude: float | None
    taken_at: datetime | None
    taken_at_has_offset: bool
    orientation: int | None
    width: int | None
    height: int | None


def read_facts(path: Path) -> PhotoFacts:
    """Describe the photo at `path` from its headers and EXIF, without decoding its pixels."""
    _register_heif_opener()
    with path.open("rb") as fp:
        try:
            img = Image.open(fp, formats=_FORMATS)
        except _OPEN_ERRORS as exc:
            raise UnreadablePhoto(f"not a readable photo: {exc}") from exc
        with img:
            tags = _read_tags(img, fp)
            width, height = img.size
    latitude, longitude = _position(tags)
    taken = _date_time(tags.get("DateTimeOriginal"), *_DATE_TAGS["DateTimeOriginal"], tags)
    return PhotoFacts(
        exif=_fulcrum_exif(tags),
        latitude=latitude,
        longitude=longitude,
        altitude=_altitude(tags.get("GPSAltitude"), tags.get("GPSAltitudeRef")),
        taken_at=taken[0].astimezone(UTC) if taken else None,
        taken_at_has_offset=taken[1] if taken else False,
        orientation=_orientation(tags.get("Orientation")),
        width=width,
        height=height,
    )


def choose_taken_at(
    facts_time: datetime | None, client_time: datetime | None, upload_time: datetime
) -> tuple[datetime, str]:
    """(time, source) with source "exif", "client" or "upload", in that order of preference."""
    upload = _as_utc(upload_time)
    for source, candidate in (("exif", facts_time), ("client", client_time)):
        # A photo cannot be taken after it was uploaded: such a time is a wrong clock.
        if candidate is not None and _as_utc(candidate) <= upload + _CLOCK_SLACK:
            return _as_utc(candidate), source
    return upload, "upload"


def exif_key(tag_name: str) -> str:
    """The Fulcrum key (snake_case) for a Pillow EXIF tag name, e.g. "FNumber" -> "f_number"."""
    if tag_name in _KEY_OVERRIDES:
        return _KEY_OVERRIDES[tag_name]
    # Fulcrum keeps "YCb" and "GPS" as single words: ycb_cr_positioning, gps_dop.
    name = tag_name.replace("YCbCr", "YcbCr")
    if name.startswith("GPS"):
        name = "Gps" + name[3:]
    name = re.sub(r"[^A-Za-z0-9]+", "_", name)
    return _WORD_BOUNDARY.sub("_", name).lower()


@functools.cache
def _register_heif_opener() -> None:
    pillow_heif.register_heif_opener()


def _as_utc(moment: datetime) -> datetime:
    """`moment` in UTC; a naive time is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _read_tags(img: Image.Image, fp: IO[bytes]) -> dict[str, Any]:
    """Raw tag values by Pillow name from the base, Exif and GPS IFDs; {} without EXIF."""
    exif = _load_exif(img, fp)
    if exif is None:
        return {}
    tags = _named(exif, ExifTags.TAGS)
    for ifd, names in ((_EXIF_IFD, ExifTags.TAGS), (_GPS_IFD, ExifTags.GPSTAGS)):
        for name, value in _named(_sub_ifd(exif, ifd), names).items():
            tags.setdefault(name, value)
    return tags


def _sub_ifd(exif: Image.Exif, ifd: int) -> dict[int, Any]:
    """One sub-IFD's entries, or {} when it is missing or malformed."""
    try:
        return exif.get_ifd(ifd)
    except Exception:  # Pillow's IFD parser raises many kinds of error on malformed input.
        return {}


def _load_exif(img: Image.Image, fp: IO[bytes]) -> Image.Exif | None:
    """The photo's EXIF block, parsed; None when it has none or it is not TIFF-structured."""
    # Not img.getexif(): for a PNG whose header holds no eXIf, that decodes every pixel.
    raw = img.info.get("exif")
    if raw is None and img.format == "PNG":
        raw = _late_png_exif(fp)
    if not isinstance(raw, bytes) or not raw:
        return None
    exif = Image.Exif()
    try:
        exif.load(raw)
    except Exception:  # Pillow's TIFF header parser raises many kinds of error on bad input.
        return None
    return exif


def _late_png_exif(fp: IO[bytes]) -> bytes | None:
    """The eXIf chunk of a PNG that stores it after the pixel data, found by skipping chunks."""
    fp.seek(8)
    while len(head := fp.read(8)) == 8:
        length, kind = struct.unpack(">I4s", head)
        if kind == b"eXIf":
            return fp.read(length)
        if kind == b"IEND":
            break
        fp.seek(length + 4, os.SEEK_CUR)
    return None


def _named(entries: Mapping[int, Any], names: Mapping[int, str]) -> dict[str, Any]:
    """Entries keyed by tag name, leaving out unknown tags, IFD pointers and unparseable values."""
    named: dict[str, Any] = {}
    for tag in sorted(entries):
        name = names.get(tag)
        if name is not None and tag not in _POINTER_TAGS:
            value = _entry(entries, tag)
            if value is not None:
                named[name] = value
    return named


def _entry(entries: Mapping[int, Any], tag: int) -> Any:
    """One entry's value, or None when it cannot be parsed."""
    try:
        return entries[tag]
    except Exception:  # Pillow parses values lazily; a malformed one costs only itself.
        return None


def _fulcrum_exif(tags: Mapping[str, Any]) -> dict[str, Any]:
    """The tags as Fulcrum shows them: snake_case keys, JSON-safe values, blobs left out."""
    exif: dict[str, Any] = {}
    for name, raw in tags.items():
        if name in _DATE_TAGS:
            # Fulcrum shows whole seconds here (its example: SubsecTime "943", ".000").
            moment = _date_time(raw, None, _DATE_TAGS[name][1], tags)
            value: Any = moment[0].isoformat(timespec="milliseconds") if moment else None
        else:
            value = _tag_value(name, raw)
        if value is not None:
            exif[exif_key(name)] = value
    return exif


def _tag_value(name: str, raw: object) -> Any:
    """One tag's JSON-safe value, or None when it has none worth keeping."""
    if name in _DROPPED:
        return None
    if name == "UserComment":
        return _user_comment(raw)
    if name in _XP_TAGS:
        return _xp_text(raw)
    return _plain(raw)


def _plain(raw: object) -> Any:
    """A JSON-safe form of a raw value: ints, decimal strings, text, or lists of those."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, (float, IFDRational)):
        number = float(raw)
        return str(number) if math.isfinite(number) else None
    if isinstance(raw, str):
        return raw.rstrip("\x00").strip() or None
    if isinstance(raw, bytes):
        return _short_ascii(raw)
    if isinstance(raw, (tuple, list)):
        items = [_plain(item) for item in raw]
        return items if items and None not in items else None
    return None


def _short_ascii(raw: bytes) -> str | None:
    """Short ASCII bytes as text, kept verbatim (Fulcrum shows GPSAltitudeRef 0 as "\\u0000")."""
    if not raw or len(raw) > _MAX_BLOB:
        return None
    try:
        return raw.decode("ascii")
    except UnicodeDecodeError:
        return None


def _user_comment(raw: object) -> str | None:
    """The text of an ASCII (or unmarked) UserComment; other encodings are binary to us."""
    if not isinstance(raw, bytes) or raw[:8] not in _COMMENT_CODES:
        return None
    try:
        return raw[8:].decode("ascii").rstrip("\x00").strip() or None
    except UnicodeDecodeError:
        return None


def _xp_text(raw: object) -> str | None:
    """A Windows XP* tag, which holds UTF-16LE text."""
    if not isinstance(raw, bytes):
        return None
    try:
        return raw.decode("utf-16-le").rstrip("\x00").strip() or None
    except UnicodeDecodeError:
        return None


def _text(raw: object) -> str:
    """A short text tag (a GPS ref, an offset) as a stripped string, or ""."""
    if isinstance(raw, bytes):
        raw = raw.decode("ascii", "ignore")
    return raw.rstrip("\x00").strip() if isinstance(raw, str) else ""


def _date_time(
    raw: object, subsec_tag: str | None, offset_tag: str, tags: Mapping[str, Any]
) -> tuple[datetime, bool] | None:
    """A date-time tag as an aware datetime (UTC when it has no offset) and whether it had one."""
    match = _DATE_TIME.fullmatch(_text(raw))
    if match is None:
        return None
    zone = _zone(tags.get(offset_tag))
    microsecond = _microseconds(tags.get(subsec_tag)) if subsec_tag else 0
    year, month, day, hour, minute, second = (int(part) for part in match.groups())
    try:
        moment = datetime(year, month, day, hour, minute, second, microsecond, zone or UTC)
    except ValueError:
        return None
    return moment, zone is not None


def _microseconds(raw: object) -> int:
    """A SubSecTime* tag ("943" = .943 s) in microseconds; 0 when absent or malformed."""
    digits = _text(raw)
    return int(digits[:6].ljust(6, "0")) if digits.isascii() and digits.isdigit() else 0


def _zone(raw: object) -> timezone | None:
    """An OffsetTime* tag ("+02:00") as a timezone, or None when absent or implausible."""
    match = _OFFSET.fullmatch(_text(raw))
    if match is None:
        return None
    sign, hours, minutes = match.groups()
    offset = timedelta(hours=int(hours), minutes=int(minutes))
    if int(minutes) >= 60 or offset > _MAX_OFFSET:
        return None
    return timezone(-offset if sign == "-" else offset)


def _numbers(raw: object) -> list[float]:
    """A rational or a sequence of them as floats; [] when any is not a number."""
    items = raw if isinstance(raw, (tuple, list)) else [raw]
    numbers: list[float] = []
    for item in items:
        if isinstance(item, bool) or not isinstance(item, (int, float, IFDRational)):
            return []
        numbers.append(float(item))
    return numbers


def _position(tags: Mapping[str, Any]) -> tuple[float | None, float | None]:
    """(latitude, longitude) in signed decimal degrees, or (None, None) without a usable fix."""
    latitude = _coordinate(tags.get("GPSLatitude"), tags.get("GPSLatitudeRef"), "NS", 90.0)
    longitude = _coordinate(tags.get("GPSLongitude"), tags.get("GPSLongitudeRef"), "EW", 180.0)
    # 0,0 is what devices write when they had no fix; no job site is there.
    if latitude is None or longitude is None or (latitude == 0.0 and longitude == 0.0):
        return None, None
    return latitude, longitude


def _coordinate(raw: object, ref: object, hemispheres: str, limit: float) -> float | None:
    """Degrees, minutes and seconds as decimal degrees, negative in the second hemisphere."""
    parts = _numbers(raw)
    hemisphere = _text(ref).upper()
    if not 1 <= len(parts) <= 3 or hemisphere not in ("", *hemispheres):
        return None
    degrees = sum(part / 60**index for index, part in enumerate(parts))
    if hemisphere == hemispheres[1]:
        degrees = -abs(degrees)
    return degrees if math.isfinite(degrees) and abs(degrees) <= limit else None


def _altitude(raw: object, ref: object) -> float | None:
    """Metres above sea level, negative when GPSAltitudeRef says below."""
    numbers = _numbers(raw)
    if len(numbers) != 1 or not math.isfinite(numbers[0]):
        return None
    below = ref in (1, b"\x01", "1")
    return -abs(numbers[0]) if below else numbers[0]


def _orientation(raw: object) -> int | None:
    """EXIF Orientation 1-8, or None when absent or out of range."""
    if isinstance(raw, int) and not isinstance(raw, bool) and 1 <= raw <= 8:
        return raw
    return None
