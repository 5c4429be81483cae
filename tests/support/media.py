"""Camera-like files made on the fly: JPEGs with EXIF orientation and GPS, HEIC, short videos."""

from __future__ import annotations

import io
from fractions import Fraction
from pathlib import Path

import av
from PIL import Image, ImageDraw, TiffImagePlugin

EXIF_IFD, GPS_IFD = 0x8769, 0x8825
R = TiffImagePlugin.IFDRational


def dms(value: float) -> tuple[R, R, R]:
    """Degrees, minutes, seconds as EXIF rationals."""
    value = abs(value)
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = round((value - degrees - minutes / 60) * 3600, 4)
    return R(degrees, 1), R(minutes, 1), R(int(seconds * 10000), 10000)


def marked_pattern(width: int, height: int) -> Image.Image:
    """Grey with a red block in the top-left corner, so orientation can be checked."""
    image = Image.new("RGB", (width, height), (128, 128, 128))
    image.paste((220, 20, 20), (0, 0, width // 4, height // 4))
    return image


def camera_jpeg(
    *,
    width: int = 800,
    height: int = 600,
    orientation: int = 1,
    latitude: float | None = 42.825248,
    longitude: float | None = -73.896179,
    taken: str | None = "2025:06:06 12:00:08",
    offset: str | None = "+02:00",
) -> bytes:
    """A JPEG as a phone writes it: stored sideways when orientation says so, with GPS."""
    upright = marked_pattern(width, height)
    stored = _unapply_orientation(upright, orientation)
    exif = Image.Exif()
    exif[0x010F], exif[0x0110], exif[0x0112] = "samsung", "SM-G900V", orientation
    sub = exif.get_ifd(EXIF_IFD)
    if taken:
        sub[0x9003] = taken
    if offset:
        sub[0x9011] = offset
    if latitude is not None and longitude is not None:
        gps = exif.get_ifd(GPS_IFD)
        gps[1], gps[2] = ("N" if latitude >= 0 else "S"), dms(latitude)
        gps[3], gps[4] = ("E" if longitude >= 0 else "W"), dms(longitude)
    buffer = io.BytesIO()
    stored.save(buffer, "JPEG", quality=90, exif=exif.tobytes())
    return buffer.getvalue()


def _unapply_orientation(upright: Image.Image, orientation: int) -> Image.Image:
    """The pixels a camera stores so that applying `orientation` shows `upright`."""
    transpose = Image.Transpose
    undo = {
        1: [],
        2: [transpose.FLIP_LEFT_RIGHT],
        3: [transpose.ROTATE_180],
        4: [transpose.FLIP_TOP_BOTTOM],
        5: [transpose.TRANSPOSE],
        6: [transpose.ROTATE_90],
        7: [transpose.TRANSVERSE],
        8: [transpose.ROTATE_270],
    }[orientation]
    image = upright
    for step in undo:
        image = image.transpose(step)
    return image


def heic(width: int = 640, height: int = 480) -> bytes:
    """A HEIC written by pillow-heif."""
    import pillow_heif

    buffer = io.BytesIO()
    pillow_heif.from_pillow(marked_pattern(width, height)).save(buffer, quality=80)
    return buffer.getvalue()


def video(path: Path, *, width: int = 640, height: int = 360, seconds: float = 1.0) -> Path:
    """A short H.264 clip (MP4 or MOV by the path's suffix) with a moving pattern."""
    fps = 25
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.time_base = Fraction(1, fps)
        for index in range(int(seconds * fps)):
            picture = Image.new("RGB", (width, height), (90, 90, 90))
            x = (index * 8) % max(1, width - 40)
            ImageDraw.Draw(picture).rectangle((x, 20, x + 40, 60), fill=(230, 30, 30))
            frame = av.VideoFrame.from_image(picture)
            frame.pts = index
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path
