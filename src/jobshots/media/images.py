"""Thumbnail and large JPEG renditions of a photo, made from one shrunk decode."""

from __future__ import annotations

import contextlib
import math
import os
import struct
from dataclasses import dataclass
from pathlib import Path

import pillow_heif
import pyvips

from jobshots.media.sniff import MAX_PIXELS

THUMBNAIL_BOX = 200
LARGE_BOX = 1600
JPEG_QUALITY = 80
# Catmull-Rom: as sharp as Lanczos3 to the eye (45 dB PSNR against a full-decode Lanczos3 large
# rendition, docs/performance.md) for 4 taps a pixel where Lanczos3 reads 6.
RESIZE_KERNEL = "cubic"

_JPEG_SHRINKS = (8, 4, 2)
_WHITE = [255.0, 255.0, 255.0]
_BAND_COUNTS = {"L": 1, "LA": 2, "RGB": 3, "RGBA": 4}

# Workers render each file once: the operation cache would only hold memory, and it is
# keyed by file name, so it could hand back old pixels for a path whose file was replaced.
pyvips.cache_set_max(0)


@dataclass(frozen=True)
class RenderedFile:
    """One rendition written to disk."""

    kind: str
    path: Path
    mime_type: str
    width: int
    height: int
    size: int


class RenderError(Exception):
    """The original cannot be decoded or is refused; the message says why."""


def render_image(source: Path, kind: str, out_dir: Path) -> list[RenderedFile]:
    """Thumbnail (fits 200x200) and large (fits 1600x1600) JPEGs from one decode."""
    try:
        return renditions_from(load_for_large(source, kind), out_dir)
    except pyvips.Error as error:
        raise RenderError(f"cannot decode the {kind} image: {_reason(error)}") from error


def load_for_large(source: Path, kind: str) -> pyvips.Image:
    """The original decoded as cheaply as the large rendition allows: shrunk on load if it can."""
    return _load_for_box(source, kind, LARGE_BOX)


def renditions_from(
    image: pyvips.Image, out_dir: Path, small: pyvips.Image | None = None
) -> list[RenderedFile]:
    """Large and thumbnail JPEGs from a decoded image that may carry an EXIF orientation; the
    thumbnail from `small` when the decoder made one near its size, else from the large."""
    fitted = _as_srgb(_fit(image, LARGE_BOX))
    if small is None:
        # Held in memory (a few MB at 1600 px): both renditions read it.
        fitted = small = fitted.copy_memory()
    # Each rendition is turned only after its resize, since turning a 1600 px image costs
    # more than shrinking it to 200.
    large = fitted.autorot()
    thumbnail = _as_srgb(_fit(small, THUMBNAIL_BOX)).autorot()
    return [
        _write_jpeg(thumbnail, "thumbnail", out_dir),
        _write_jpeg(large, "large", out_dir),
    ]


def large_pixels(image: pyvips.Image) -> pyvips.Image:
    """The large rendition's pixels as they are encoded, before it is turned upright."""
    return _as_srgb(_fit(image, LARGE_BOX)).copy_memory()


def image_from_pixels(
    data: bytes | memoryview, width: int, height: int, bands: int, stride: int
) -> pyvips.Image:
    """An 8-bit grey or sRGB image (alpha last) over rows of `stride` bytes, padded or not."""
    row = width * bands
    if stride == row:
        image = pyvips.Image.new_from_memory(data, width, height, bands, "uchar")
    elif stride % bands == 0:
        padded = pyvips.Image.new_from_memory(data, stride // bands, height, bands, "uchar")
        image = padded.crop(0, 0, width, height)
    else:
        view = memoryview(data)
        packed = b"".join(view[y * stride : y * stride + row] for y in range(height))
        image = pyvips.Image.new_from_memory(packed, width, height, bands, "uchar")
    # Four bands would otherwise read as "multiband", whose last band is not taken as alpha.
    return image.copy(interpretation="b-w" if bands <= 2 else "srgb")


def fit_size(width: int, height: int, box: int) -> tuple[int, int]:
    """The size that fits a `box` square with the aspect kept, never larger than the input."""
    longest = max(width, height)
    if longest <= box:
        return width, height
    scale = box / longest
    return max(1, round(width * scale)), max(1, round(height * scale))


def _load_for_box(source: Path, kind: str, box: int) -> pyvips.Image:
    if kind == "jpeg":
        return _load_jpeg(source, box)
    if kind in ("png", "webp"):
        _refuse_bombs(pyvips.Image.new_from_file(str(source), fail_on="error"))
        # thumbnail premultiplies alpha while it resizes and shrinks WebP on load.
        return pyvips.Image.thumbnail(
            str(source), box, height=box, size="down", no_rotate=True, fail_on="error"
        )
    if kind in ("heic", "heif"):
        return _load_heif(source)
    raise RenderError(f"cannot render a {kind} file as an image")


def _load_jpeg(source: Path, box: int) -> pyvips.Image:
    header = pyvips.Image.new_from_file(str(source), access="sequential", fail_on="error")
    _refuse_bombs(header)
    width, height = header.width, header.height
    target_width, target_height = fit_size(width, height, box)
    shrink = next(
        (
            factor
            for factor in _JPEG_SHRINKS
            if math.ceil(width / factor) >= target_width
            and math.ceil(height / factor) >= target_height
        ),
        1,
    )
    image = pyvips.Image.new_from_file(
        str(source), shrink=shrink, access="sequential", fail_on="error"
    )
    if (image.width, image.height) == (target_width, target_height):
        return image
    # Aim at the size fitted from the full dimensions, so the aspect does not drift.
    return image.resize(
        target_width / image.width, vscale=target_height / image.height, kernel=RESIZE_KERNEL
    )


def _load_heif(source: Path) -> pyvips.Image:
    try:
        heif = pillow_heif.open_heif(source, convert_hdr_to_8bit=True)
        width, height = heif.size
        _refuse_size(width, height)
        bands = _BAND_COUNTS.get(heif.mode)
        if bands is None:
            raise RenderError(f"cannot render a HEIF image in mode {heif.mode}")
        # libheif already applied irot/imir; the EXIF orientation only repeats them and is
        # ignored, as the HEIF specification asks, so the picture is not turned twice.
        image = image_from_pixels(heif.data, width, height, bands, heif.stride)
        profile = heif.info.get("icc_profile")
    except (ValueError, RuntimeError, OSError, EOFError, SyntaxError) as error:
        raise RenderError(f"cannot decode the HEIF image: {error}") from error
    if profile:
        image = image.copy()
        image.set_type(pyvips.GValue.blob_type, "icc-profile-data", bytes(profile))
    return image


def _refuse_bombs(header: pyvips.Image) -> None:
    _refuse_size(header.width, header.height)


def _refuse_size(width: int, height: int) -> None:
    if width * height > MAX_PIXELS:
        raise RenderError(
            f"image is {width}x{height} pixels; the limit is {MAX_PIXELS // 1_000_000} megapixels"
        )


def _fit(image: pyvips.Image, box: int) -> pyvips.Image:
    width, height = fit_size(image.width, image.height, box)
    if (width, height) == (image.width, image.height):
        return image
    hscale, vscale = width / image.width, height / image.height
    if image.hasalpha():
        resized = image.premultiply().resize(hscale, vscale=vscale, kernel=RESIZE_KERNEL)
        return resized.unpremultiply()
    return image.resize(hscale, vscale=vscale, kernel=RESIZE_KERNEL)


def _as_srgb(image: pyvips.Image) -> pyvips.Image:
    if image.get_typeof("icc-profile-data") and not _already_srgb(image):
        # A broken profile falls through to the colourspace's standard conversion.
        with contextlib.suppress(pyvips.Error):
            image = image.icc_transform("srgb", embedded=True, depth=8)
    if image.interpretation != "srgb":
        image = image.colourspace("srgb")
    if image.hasalpha():
        image = image.flatten(background=_WHITE)
    if image.bands > 3:
        image = image.extract_band(0, n=3)
    return image if image.format == "uchar" else image.cast("uchar")


def _already_srgb(image: pyvips.Image) -> bool:
    # Many cameras tag plain sRGB; its transform costs ~15 ms at 1600 px and changes nothing.
    if image.interpretation != "srgb" or image.bands != 3:
        return False
    profile = image.get("icc-profile-data")
    with contextlib.suppress(struct.error):
        (count,) = struct.unpack_from(">I", profile, 128)
        for index in range(min(count, 64)):
            tag, offset, size = struct.unpack_from(">4sII", profile, 132 + 12 * index)
            if tag == b"desc":
                text = profile[offset : offset + size]
                return b"sRGB" in text or "sRGB".encode("utf-16-be") in text
    return False


def _write_jpeg(image: pyvips.Image, kind: str, out_dir: Path) -> RenderedFile:
    # No Huffman optimisation: on camera photos it saved ~2% of bytes for +14% of the time.
    data = image.jpegsave_buffer(Q=JPEG_QUALITY, keep="none")
    path = out_dir / f"{kind}.jpg"
    temporary = out_dir / f".{kind}.jpg.tmp"
    temporary.write_bytes(data)
    os.replace(temporary, path)
    return RenderedFile(kind, path, "image/jpeg", image.width, image.height, len(data))


def _reason(error: Exception) -> str:
    # libvips puts the decoder's own words on the last line.
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[-1] if lines else type(error).__name__
