"""Recognise a file by its first bytes and read image dimensions from its header."""

from __future__ import annotations

import codecs
import struct
from collections.abc import Iterator
from dataclasses import dataclass

HEAD_BYTES = 256 * 1024
# The most pixels the decoders will ever take on: past this, a header is a decompression bomb.
MAX_PIXELS = 100_000_000


@dataclass(frozen=True)
class Sniffed:
    """What a file's leading bytes say it is."""

    kind: str
    mime_type: str
    extension: str
    is_video: bool
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True)
class _Kind:
    mime_type: str
    extension: str
    is_video: bool = False


_KINDS: dict[str, _Kind] = {
    "jpeg": _Kind("image/jpeg", "jpg"),
    "png": _Kind("image/png", "png"),
    "webp": _Kind("image/webp", "webp"),
    "heic": _Kind("image/heic", "heic"),
    "heif": _Kind("image/heif", "heif"),
    "mp4": _Kind("video/mp4", "mp4", is_video=True),
    "mov": _Kind("video/quicktime", "mov", is_video=True),
    "gif": _Kind("image/gif", "gif"),
    "pdf": _Kind("application/pdf", "pdf"),
    "tiff": _Kind("image/tiff", "tiff"),
    "bmp": _Kind("image/bmp", "bmp"),
    "zip": _Kind("application/zip", "zip"),
    # Never from leading bytes alone: a ZIP becomes one once jobshots.media.word looks inside.
    "docx": _Kind(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"
    ),
    "avif": _Kind("image/avif", "avif"),
    "jxl": _Kind("image/jxl", "jxl"),
    "jp2": _Kind("image/jp2", "jp2"),
    "psd": _Kind("image/vnd.adobe.photoshop", "psd"),
    "cr3": _Kind("image/x-canon-cr3", "cr3"),
    "3gp": _Kind("video/3gpp", "3gp", is_video=True),
    "avi": _Kind("video/x-msvideo", "avi", is_video=True),
    "mkv": _Kind("video/x-matroska", "mkv", is_video=True),
    "webm": _Kind("video/webm", "webm", is_video=True),
    "m4a": _Kind("audio/mp4", "m4a"),
    "wav": _Kind("audio/wav", "wav"),
    "mp3": _Kind("audio/mpeg", "mp3"),
    "ogg": _Kind("application/ogg", "ogg"),
    "flac": _Kind("audio/flac", "flac"),
    "gzip": _Kind("application/gzip", "gz"),
    "7z": _Kind("application/x-7z-compressed", "7z"),
    "rar": _Kind("application/vnd.rar", "rar"),
    "elf": _Kind("application/x-executable", "elf"),
    "text": _Kind("text/plain", "txt"),
    "unknown": _Kind("application/octet-stream", "bin"),
}

_PREFIXES: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", "jpeg"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"%PDF-", "pdf"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
    (b"PK\x03\x04", "zip"),
    (b"PK\x05\x06", "zip"),
    (b"PK\x07\x08", "zip"),
    (b"\xff\x0a", "jxl"),
    (b"\x00\x00\x00\x0cJXL \r\n\x87\n", "jxl"),
    (b"\x00\x00\x00\x0cjP  \r\n\x87\n", "jp2"),
    (b"8BPS", "psd"),
    (b"ID3", "mp3"),
    (b"OggS", "ogg"),
    (b"fLaC", "flac"),
    (b"\x1f\x8b", "gzip"),
    (b"7z\xbc\xaf\x27\x1c", "7z"),
    (b"Rar!\x1a\x07", "rar"),
    (b"\x7fELF", "elf"),
)

_RIFF_FORMS = {b"WEBP": "webp", b"AVI ": "avi", b"WAVE": "wav"}
_BMP_HEADER_SIZES = frozenset({12, 16, 40, 52, 56, 64, 108, 124})
_QUICKTIME_ATOMS = frozenset({b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"})

_HEVC_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx"})
_HEIF_BRANDS = frozenset({b"mif1", b"msf1", b"mif2"})
_AVIF_BRANDS = frozenset({b"avif", b"avis"})
_MP4_BRANDS = frozenset(
    {b"isom", b"mp41", b"mp42", b"mp71", b"avc1", b"dash", b"mmp4", b"MSNV", b"NDAS", b"XAVC"}
    | {b"iso%d" % n for n in range(2, 10)}
    | {b"M4V ", b"M4VH", b"M4VP", b"f4v ", b"cmfc", b"cmf2"}
)
_OTHER_BRANDS = {b"M4A ": "m4a", b"M4B ": "m4a", b"crx ": "cr3"}

# SOF0-SOF15 except DHT (C4), JPG (C8) and DAC (CC), which share the range.
_JPEG_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
_JPEG_STANDALONE = frozenset({0x01, 0xD8, *range(0xD0, 0xD8)})

_TEXT_SAMPLE = 8192
_TEXT_CONTROLS = frozenset("\t\n\r\f\v")


def sniff(head: bytes) -> Sniffed:
    """Say what the leading bytes of a file are; never raises."""
    data = bytes(head[:HEAD_BYTES])
    kind = _kind_of(data)
    if kind == "text":
        return _text_sniffed(data)
    size = _safe_size(kind, data)
    width, height = size if size else (None, None)
    return _make(kind, width, height)


def of_kind(kind: str) -> Sniffed:
    """The description of a kind known by other means than its leading bytes."""
    return _make(kind)


def _make(kind: str, width: int | None = None, height: int | None = None) -> Sniffed:
    info = _KINDS[kind]
    return Sniffed(kind, info.mime_type, info.extension, info.is_video, width, height)


def _kind_of(data: bytes) -> str:
    for prefix, kind in _PREFIXES:
        if data.startswith(prefix):
            return kind
    if data.startswith(b"RIFF") and data[8:12] in _RIFF_FORMS:
        return _RIFF_FORMS[data[8:12]]
    if data[4:8] == b"ftyp" and len(data) >= 12:
        return _ftyp_kind(data)
    if data[4:8] in _QUICKTIME_ATOMS and _plausible_box_size(data):
        return "mov"
    if data.startswith(b"\x1a\x45\xdf\xa3"):
        return "webm" if b"webm" in data[:64] else "mkv"
    if _is_bmp(data):
        return "bmp"
    if _is_text(data):
        return "text"
    return "unknown"


def _plausible_box_size(data: bytes) -> bool:
    size = int.from_bytes(data[:4], "big")
    return size in (0, 1) or size >= 8


def _is_bmp(data: bytes) -> bool:
    # "BM" alone is too common in text; the DIB header size pins it down.
    return (
        data.startswith(b"BM")
        and len(data) >= 18
        and int.from_bytes(data[14:18], "little") in _BMP_HEADER_SIZES
    )


def _ftyp_kind(data: bytes) -> str:
    major = data[8:12]
    # A real ftyp lists a handful of brands; the cap stops a bogus size reading junk as brands.
    end = min(len(data), 256, max(16, int.from_bytes(data[:4], "big")))
    compatible = [data[i : i + 4] for i in range(16, end - 3, 4)]
    brands = frozenset([major, *compatible])
    for brand in (major, *compatible):
        kind = _brand_kind(brand, brands)
        if kind:
            return kind
    return "unknown"


def _brand_kind(brand: bytes, brands: frozenset[bytes]) -> str | None:
    if brand in _HEVC_BRANDS:
        return "heic"
    if brand in _AVIF_BRANDS:
        return "avif"
    if brand in _HEIF_BRANDS:
        if brands & _HEVC_BRANDS:
            return "heic"
        return "avif" if brands & _AVIF_BRANDS else "heif"
    if brand == b"qt  ":
        return "mov"
    if brand in _MP4_BRANDS:
        return "mp4"
    if brand[:3] in (b"3gp", b"3g2"):
        return "3gp"
    return _OTHER_BRANDS.get(brand)


def _is_text(data: bytes) -> bool:
    return _decode_text(data) is not None


def _decode_text(data: bytes) -> str | None:
    sample = data[:_TEXT_SAMPLE]
    encoding = "utf-8"
    if sample.startswith(codecs.BOM_UTF8):
        sample = sample[len(codecs.BOM_UTF8) :]
    elif sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    try:
        # Incremental, so a character cut off by the sample's end is not an error.
        text = codecs.getincrementaldecoder(encoding)().decode(sample, final=False)
    except UnicodeDecodeError:
        return None
    if not text or not all(c.isprintable() or c in _TEXT_CONTROLS for c in text):
        return None
    return text


def _text_sniffed(data: bytes) -> Sniffed:
    text = (_decode_text(data) or "").lstrip().lower()
    if text.startswith(("<!doctype html", "<html")):
        mime, extension = "text/html", "html"
    elif text.startswith("<") and "<svg" in text:
        mime, extension = "image/svg+xml", "svg"
    elif text.startswith("<?xml"):
        mime, extension = "application/xml", "xml"
    elif text.startswith(("<head", "<body", "<script", "<!--", "<div", "<meta", "<p>")):
        mime, extension = "text/html", "html"
    else:
        mime, extension = "text/plain", "txt"
    return Sniffed("text", mime, extension, is_video=False)


def _safe_size(kind: str, data: bytes) -> tuple[int, int] | None:
    reader = _SIZE_READERS.get(kind)
    if reader is None:
        return None
    try:
        size = reader(data)
    except (struct.error, IndexError, ValueError):
        return None
    if size is None or size[0] <= 0 or size[1] <= 0:
        return None
    return size


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    pos = 2
    while pos + 1 < len(data):
        if data[pos] != 0xFF:
            return None
        marker = data[pos + 1]
        if marker == 0xFF:
            pos += 1
        elif marker in _JPEG_STANDALONE:
            pos += 2
        elif marker in (0xD9, 0xDA):
            return None
        elif marker in _JPEG_SOF:
            height, width = struct.unpack_from(">HH", data, pos + 5)
            return width, height
        else:
            (length,) = struct.unpack_from(">H", data, pos + 2)
            if length < 2:
                return None
            pos += 2 + length
    return None


def _png_size(data: bytes) -> tuple[int, int] | None:
    if data[12:16] != b"IHDR":
        return None
    width, height = struct.unpack_from(">II", data, 16)
    return width, height


def _webp_size(data: bytes) -> tuple[int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8 " and data[23:26] == b"\x9d\x01\x2a":
        width, height = struct.unpack_from("<HH", data, 26)
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L" and data[20:21] == b"\x2f":
        (bits,) = struct.unpack_from("<I", data, 21)
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X" and len(data) >= 30:
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
        return width, height
    return None


def _heif_size(data: bytes) -> tuple[int, int] | None:
    metas = _descend(data, [(0, len(data))], b"meta")
    # meta is a full box: version and flags precede its children.
    iprps = _descend(data, [(start + 4, end) for start, end in metas], b"iprp")
    ispes = _descend(data, _descend(data, iprps, b"ipco"), b"ispe")
    sizes: list[tuple[int, int]] = []
    for start, end in ispes:
        if end - start >= 12:
            width, height = struct.unpack_from(">II", data, start + 4)
            sizes.append((width, height))
    # The primary image is the largest in practice; tiles and thumbnails are smaller.
    return max(sizes, key=lambda size: size[0] * size[1], default=None)


def _descend(data: bytes, parents: list[tuple[int, int]], wanted: bytes) -> list[tuple[int, int]]:
    """Payload (start, end) of each `wanted` box directly inside any of the parent payloads."""
    return [
        (payload, box_end)
        for start, end in parents
        for box_type, payload, box_end in _boxes(data, start, end)
        if box_type == wanted
    ]


def _boxes(data: bytes, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    pos = start
    end = min(end, len(data))
    while pos + 8 <= end:
        size, box_type = struct.unpack_from(">I4s", data, pos)
        header = 8
        if size == 1:
            if pos + 16 > end:
                return
            (size,) = struct.unpack_from(">Q", data, pos + 8)
            header = 16
        elif size == 0:
            size = end - pos
        if size < header:
            return
        yield box_type, pos + header, min(pos + size, end)
        pos += size


_SIZE_READERS = {
    "jpeg": _jpeg_size,
    "png": _png_size,
    "webp": _webp_size,
    "heic": _heif_size,
    "heif": _heif_size,
}
