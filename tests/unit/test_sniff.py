"""Sniffing file types from leading bytes and reading image sizes from headers."""

from __future__ import annotations

import contextlib
import io
import random
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image

from jobshots.core.errors import Invalid, Unsupported
from jobshots.core.intake import PHOTOS
from jobshots.media.sniff import HEAD_BYTES, MAX_PIXELS, Sniffed, sniff

require_accepted = PHOTOS.identify


def _pillow(
    fmt: str, size: tuple[int, int] = (37, 23), mode: str = "RGB", **options: object
) -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, (200, 120, 40)).save(buffer, fmt, **options)
    return buffer.getvalue()


def _box(box_type: bytes, payload: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(payload), box_type) + payload


def _full_box(box_type: bytes, payload: bytes) -> bytes:
    return _box(box_type, b"\x00\x00\x00\x00" + payload)


def _ftyp(major: bytes, *compatible: bytes) -> bytes:
    return _box(b"ftyp", major + b"\x00\x00\x00\x00" + b"".join(compatible))


def _heif(major: bytes, compatible: tuple[bytes, ...], *sizes: tuple[int, int]) -> bytes:
    ispes = b"".join(_full_box(b"ispe", struct.pack(">II", w, h)) for w, h in sizes)
    meta = _full_box(
        b"meta",
        _full_box(b"hdlr", b"\x00" * 4 + b"pict" + b"\x00" * 13)
        + _full_box(b"pitm", b"\x00\x01")
        + _box(b"iprp", _box(b"ipco", ispes) + _full_box(b"ipma", b"\x00" * 4)),
    )
    return _ftyp(major, *compatible) + meta + _box(b"mdat", b"\x00" * 64)


def _heic(*sizes: tuple[int, int]) -> bytes:
    return _heif(b"heic", (b"mif1", b"heic"), *sizes)


def _png_header(width: int, height: int) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = struct.pack(">I", 13) + b"IHDR" + ihdr + struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    iend = struct.pack(">I", 0) + b"IEND" + struct.pack(">I", zlib.crc32(b"IEND"))
    return b"\x89PNG\r\n\x1a\n" + chunk + iend


def _exif(tag: int, value: object) -> bytes:
    exif = Image.Exif()
    exif[tag] = value
    return exif.tobytes()


def _big_jpeg() -> bytes:
    # UserComment of ~62 KB nearly fills APP1; the ICC profile spans three APP2 segments.
    comment = b"ASCII\x00\x00\x00" + b"x" * 62_000
    return _pillow("JPEG", exif=_exif(0x9286, comment), icc_profile=b"\x01" * 150_000)


def _expect(found: Sniffed, kind: str, mime: str, ext: str, *, video: bool, ok: bool) -> None:
    assert (found.kind, found.mime_type, found.extension) == (kind, mime, ext)
    assert (found.is_video, PHOTOS.allows(found)) == (video, ok)


def test_jpeg_with_big_exif_and_icc_reads_size_past_the_app_segments() -> None:
    data = _big_jpeg()
    # The image is tiny, so nearly all of the file is APP segments before SOF.
    assert len(data) > 200_000
    assert data.count(b"\xff\xe2") >= 3
    found = require_accepted(data[:HEAD_BYTES])
    _expect(found, "jpeg", "image/jpeg", "jpg", video=False, ok=True)
    assert (found.width, found.height) == (37, 23)


def test_progressive_jpeg_size() -> None:
    found = sniff(_pillow("JPEG", size=(640, 480), progressive=True))
    assert b"\xff\xc2" in _pillow("JPEG", size=(640, 480), progressive=True)
    assert (found.kind, found.width, found.height) == ("jpeg", 640, 480)


def test_jpeg_cut_before_its_frame_header_has_no_size() -> None:
    found = sniff(_big_jpeg()[:70_000])
    assert (found.kind, found.width, found.height) == ("jpeg", None, None)


def test_bytes_decide_not_the_file_name(tmp_path: Path) -> None:
    path = tmp_path / "photo.png"
    path.write_bytes(_pillow("JPEG"))
    found = sniff(path.read_bytes())
    assert (found.kind, found.mime_type, found.extension) == ("jpeg", "image/jpeg", "jpg")


def test_png_size() -> None:
    found = require_accepted(_pillow("PNG", size=(301, 17)))
    _expect(found, "png", "image/png", "png", video=False, ok=True)
    assert (found.width, found.height) == (301, 17)


@pytest.mark.parametrize(
    ("options", "mode", "chunk"),
    [
        ({"lossless": False}, "RGB", b"VP8 "),
        ({"lossless": True}, "RGB", b"VP8L"),
        ({"exif": _exif(0x010F, "Acme")}, "RGB", b"VP8X"),
    ],
)
def test_webp_size(options: dict[str, object], mode: str, chunk: bytes) -> None:
    data = _pillow("WEBP", size=(321, 123), mode=mode, **options)
    assert data[12:16] == chunk
    found = require_accepted(data)
    _expect(found, "webp", "image/webp", "webp", video=False, ok=True)
    assert (found.width, found.height) == (321, 123)


def test_heic_takes_the_largest_ispe() -> None:
    found = require_accepted(_heic((320, 240), (4032, 3024), (512, 512)))
    _expect(found, "heic", "image/heic", "heic", video=False, ok=True)
    assert (found.width, found.height) == (4032, 3024)


def test_heic_over_the_pixel_limit_is_invalid_not_unsupported() -> None:
    assert MAX_PIXELS < 12000 * 12000
    with pytest.raises(Invalid) as caught:
        require_accepted(_heic((12000, 12000)))
    assert type(caught.value) is Invalid
    assert "12000x12000" in caught.value.message
    assert "100 megapixels" in caught.value.message
    assert caught.value.fields == {"file": [caught.value.message]}


def test_heif_without_hevc_brand() -> None:
    found = require_accepted(_heif(b"mif1", (b"mif1", b"miaf"), (800, 600)))
    _expect(found, "heif", "image/heif", "heif", video=False, ok=True)
    assert (found.width, found.height) == (800, 600)


def test_mif1_major_with_hevc_compatible_brand_is_heic() -> None:
    assert sniff(_heif(b"mif1", (b"mif1", b"heic"), (10, 10))).kind == "heic"


@pytest.mark.parametrize(
    ("major", "compatible"),
    [(b"avif", (b"mif1", b"avif", b"miaf")), (b"mif1", (b"mif1", b"avif", b"miaf"))],
)
def test_avif_is_refused(major: bytes, compatible: tuple[bytes, ...]) -> None:
    with pytest.raises(Unsupported, match="file type avif is not accepted"):
        require_accepted(_heif(major, compatible, (64, 64)))


@pytest.mark.parametrize("brand", [b"isom", b"mp42", b"iso5", b"avc1", b"M4V "])
def test_mp4(brand: bytes) -> None:
    found = require_accepted(_ftyp(brand, b"isom", b"mp41") + _box(b"moov", b""))
    _expect(found, "mp4", "video/mp4", "mp4", video=True, ok=True)
    assert (found.width, found.height) == (None, None)


@pytest.mark.parametrize(
    "data",
    [
        _ftyp(b"qt  ", b"qt  ") + _box(b"wide", b"") + _box(b"mdat", b"\x00" * 16),
        _box(b"wide", b"") + _box(b"mdat", b"\x00" * 16),
        _box(b"moov", _box(b"mvhd", b"\x00" * 100)),
    ],
)
def test_mov(data: bytes) -> None:
    _expect(require_accepted(data), "mov", "video/quicktime", "mov", video=True, ok=True)


@pytest.mark.parametrize(
    ("data", "kind", "mime"),
    [
        (_pillow("GIF"), "gif", "image/gif"),
        (_pillow("BMP"), "bmp", "image/bmp"),
        (_pillow("TIFF"), "tiff", "image/tiff"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "pdf", "application/pdf"),
        (b"PK\x03\x04\x14\x00\x00\x00\x08\x00", "zip", "application/zip"),
        (b"<!DOCTYPE html><html><body>hi</body></html>", "text", "text/html"),
        (b'<?xml version="1.0"?>\n<svg width="10"/>', "text", "image/svg+xml"),
        (b"\xef\xbb\xbfjust some notes\n", "text", "text/plain"),
        (_ftyp(b"3gp4", b"isom", b"3gp4"), "3gp", "video/3gpp"),
        (b"", "unknown", "application/octet-stream"),
        (random.Random(7).randbytes(4096), "unknown", "application/octet-stream"),
        (b"plain\x00text\x01with controls", "unknown", "application/octet-stream"),
    ],
)
def test_refused_types_are_named(data: bytes, kind: str, mime: str) -> None:
    found = sniff(data)
    assert (found.kind, found.mime_type, PHOTOS.allows(found)) == (kind, mime, False)
    with pytest.raises(Unsupported) as caught:
        require_accepted(data)
    expected = f"file type {kind} is not accepted; send JPEG, PNG, WebP, HEIC, MP4 or MOV"
    assert caught.value.message == expected
    assert caught.value.fields == {"file": [expected]}


def test_png_decompression_bomb_is_refused_from_its_header() -> None:
    data = _png_header(20000, 20000)
    assert len(data) < 4096
    found = sniff(data)
    assert (found.kind, found.width, found.height) == ("png", 20000, 20000)
    with pytest.raises(Invalid, match="megapixels") as caught:
        require_accepted(data)
    assert type(caught.value) is Invalid
    assert caught.value.message == "image is 20000x20000 pixels; the limit is 100 megapixels"


def test_image_exactly_at_the_limit_is_accepted() -> None:
    found = require_accepted(_png_header(10000, 10000))
    assert (found.width, found.height) == (10000, 10000)
    assert MAX_PIXELS == 10000 * 10000


def test_sniff_only_looks_at_the_head() -> None:
    data = _pillow("JPEG", icc_profile=b"\x01" * 320_000)
    assert len(data) > HEAD_BYTES + 40_000
    # The frame header lies past HEAD_BYTES, so even the whole file yields no size.
    found = sniff(data)
    assert (found.kind, found.width, found.height) == ("jpeg", None, None)


def test_zero_sizes_are_reported_as_unknown() -> None:
    found = sniff(_png_header(0, 40))
    assert (found.kind, found.width, found.height) == ("png", None, None)


def test_fuzzed_and_truncated_inputs_never_raise_unexpectedly() -> None:
    rng = random.Random(20240611)
    samples = [
        _pillow("JPEG"),
        _pillow("PNG"),
        _pillow("WEBP", lossless=True),
        _pillow("WEBP", exif=_exif(0x010F, "Acme")),
        _pillow("GIF"),
        _heic((320, 240), (4032, 3024)),
        _ftyp(b"qt  ") + _box(b"moov", b""),
        _png_header(20000, 20000),
    ]
    for _ in range(2000):
        original = rng.choice(samples)
        data = bytearray(original[: rng.randrange(len(original) + 1)])
        for _flip in range(rng.randrange(4)):
            if data:
                data[rng.randrange(len(data))] = rng.randrange(256)
        found = sniff(bytes(data))
        assert isinstance(found, Sniffed)
        # Unsupported is an Invalid too; any other exception fails the test.
        with contextlib.suppress(Invalid):
            require_accepted(bytes(data))


def test_truncation_keeps_the_kind_once_the_signature_is_in() -> None:
    samples = {"jpeg": _big_jpeg(), "png": _pillow("PNG"), "heic": _heic((4032, 3024))}
    for kind, data in samples.items():
        for cut in (32, 100, 1000, len(data) - 1):
            assert sniff(data[:cut]).kind == kind
