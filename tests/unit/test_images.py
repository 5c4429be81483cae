"""Photo renditions: orientation, sizes, colour, stripped metadata, refusals."""

from __future__ import annotations

import io
import math
import struct
import zlib
from pathlib import Path

import pillow_heif
import pytest
import pyvips
from PIL import Image, ImageCms

from jobshots.media.images import (
    LARGE_BOX,
    THUMBNAIL_BOX,
    RenderedFile,
    RenderError,
    image_from_pixels,
    large_pixels,
    load_for_large,
    render_image,
)

RED, BLUE, GREEN, WHITE = (255, 0, 0), (0, 0, 255), (0, 160, 0), (255, 255, 255)

# How Pillow's exif_transpose turns a stored image upright, per EXIF orientation; making
# a test file applies the inverse, so the *displayed* picture is the same for every tag.
_UPRIGHT = {
    1: None,
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_INVERSE = {
    Image.Transpose.ROTATE_270: Image.Transpose.ROTATE_90,
    Image.Transpose.ROTATE_90: Image.Transpose.ROTATE_270,
}


def _displayed(width: int, height: int) -> Image.Image:
    """White, with red top-left, blue top-right and green bottom-left corners."""
    image = Image.new("RGB", (width, height), WHITE)
    block_w, block_h = width // 5, height // 5
    image.paste(RED, (0, 0, block_w, block_h))
    image.paste(BLUE, (width - block_w, 0, width, block_h))
    image.paste(GREEN, (0, height - block_h, block_w, height))
    return image


def _stored_for(displayed: Image.Image, orientation: int) -> Image.Image:
    upright = _UPRIGHT[orientation]
    if upright is None:
        return displayed
    return displayed.transpose(_INVERSE.get(upright, upright))


def _exif(orientation: int, gps: bool = False) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "TestCam"
    if gps:
        exif[0x8825] = {1: "N", 2: (40.0, 26.0, 46.0), 3: "W", 4: (79.0, 58.0, 56.0)}
    return exif.tobytes()


def _save(image: Image.Image, path: Path, fmt: str, **options: object) -> Path:
    image.save(path, fmt, **options)
    return path


def _by_kind(files: list[RenderedFile]) -> dict[str, RenderedFile]:
    return {rendered.kind: rendered for rendered in files}


def _near(actual: tuple[int, ...], expected: tuple[int, ...], tolerance: int = 40) -> bool:
    return all(abs(a - e) <= tolerance for a, e in zip(actual, expected, strict=True))


def _pixels(path: Path, *points: tuple[int, int]) -> list[tuple[int, ...]]:
    with Image.open(path) as image:
        assert image.mode == "RGB"
        rgb = image.load()
        assert rgb is not None
        return [tuple(rgb[point]) for point in points]


def _assert_corners(path: Path) -> None:
    with Image.open(path) as image:
        width, height = image.size
    x, y = width // 10, height // 10
    right, bottom = width - 1 - x, height - 1 - y
    actual = _pixels(path, (x, y), (right, y), (x, bottom), (right, bottom))
    names = ("top-left", "top-right", "bottom-left", "bottom-right")
    for name, pixel, expected in zip(names, actual, (RED, BLUE, GREEN, WHITE), strict=True):
        assert _near(pixel, expected), f"{name} is {pixel}, expected {expected}"


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_exif_orientation_comes_out_upright(tmp_path: Path, orientation: int) -> None:
    source = _stored_for(_displayed(300, 200), orientation)
    path = _save(source, tmp_path / "in.jpg", "JPEG", quality=95, exif=_exif(orientation))

    files = _by_kind(render_image(path, "jpeg", tmp_path))

    assert (files["large"].width, files["large"].height) == (300, 200)
    assert (files["thumbnail"].width, files["thumbnail"].height) == (200, 133)
    _assert_corners(files["large"].path)
    _assert_corners(files["thumbnail"].path)


def test_shrink_on_load_keeps_rotated_dimensions_and_orientation(tmp_path: Path) -> None:
    source = _stored_for(_displayed(3000, 4000), 6)
    path = _save(source, tmp_path / "in.jpg", "JPEG", quality=90, exif=_exif(6))

    files = _by_kind(render_image(path, "jpeg", tmp_path))

    assert (files["large"].width, files["large"].height) == (1200, 1600)
    assert (files["thumbnail"].width, files["thumbnail"].height) == (150, 200)
    with Image.open(files["large"].path) as large:
        assert large.size == (1200, 1600)
    _assert_corners(files["large"].path)
    _assert_corners(files["thumbnail"].path)


def _textured(width: int, height: int) -> pyvips.Image:
    """Detail at every scale down to single pixels, like foliage or brickwork in a photo."""
    bands = [
        sum(
            pyvips.Image.perlin(width, height, cell_size=cell, seed=band * 10 + cell) * 40
            for cell in (256, 32, 4)
        )
        + pyvips.Image.gaussnoise(width, height, sigma=8, seed=band)
        + 128
        for band in range(3)
    ]
    return bands[0].bandjoin(bands[1:]).cast("uchar").copy(interpretation="srgb")


def _psnr(ours: pyvips.Image, reference: pyvips.Image) -> float:
    error = ours.cast("float") - reference.cast("float")
    return 10 * math.log10(255**2 / (error * error).avg())


def test_the_large_rendition_matches_a_full_decode_resized_with_lanczos(tmp_path: Path) -> None:
    path = tmp_path / "in.jpg"
    _textured(3600, 2400).jpegsave(str(path), Q=95)

    ours = large_pixels(load_for_large(path, "jpeg"))

    full = pyvips.Image.new_from_file(str(path))
    reference = full.resize(1600 / 3600, vscale=1067 / 2400, kernel="lanczos3")
    assert (ours.width, ours.height) == (1600, 1067)
    # Shrink-on-load and the Catmull-Rom resize lose nothing visible: 40 dB is the bar.
    assert _psnr(ours, reference) >= 40


@pytest.mark.parametrize(
    ("size", "large", "thumbnail"),
    [
        ((3200, 1000), (1600, 500), (200, 62)),
        ((1000, 3300), (485, 1600), (61, 200)),
        ((1700, 1700), (1600, 1600), (200, 200)),
    ],
)
def test_renditions_fit_their_boxes_with_the_aspect_kept(
    tmp_path: Path, size: tuple[int, int], large: tuple[int, int], thumbnail: tuple[int, int]
) -> None:
    path = _save(_displayed(*size), tmp_path / "in.jpg", "JPEG")

    files = _by_kind(render_image(path, "jpeg", tmp_path))

    assert max(files["large"].width, files["large"].height) == LARGE_BOX
    assert max(files["thumbnail"].width, files["thumbnail"].height) == THUMBNAIL_BOX
    assert (files["large"].width, files["large"].height) == large
    assert (files["thumbnail"].width, files["thumbnail"].height) == thumbnail
    for rendered in files.values():
        with Image.open(rendered.path) as image:
            assert image.format == "JPEG"
            assert image.size == (rendered.width, rendered.height)
        assert rendered.size == rendered.path.stat().st_size
        assert rendered.mime_type == "image/jpeg"


def test_a_small_image_is_never_upscaled(tmp_path: Path) -> None:
    path = _save(_displayed(120, 90), tmp_path / "in.jpg", "JPEG")

    files = _by_kind(render_image(path, "jpeg", tmp_path))

    assert (files["large"].width, files["large"].height) == (120, 90)
    assert (files["thumbnail"].width, files["thumbnail"].height) == (120, 90)


def test_outputs_carry_no_metadata(tmp_path: Path) -> None:
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF/></x:xmpmeta>'
    path = _save(
        _stored_for(_displayed(600, 400), 6),
        tmp_path / "in.jpg",
        "JPEG",
        exif=_exif(6, gps=True),
        icc_profile=srgb,
        xmp=xmp,
        comment=b"job 42 at the client's house",
    )

    for rendered in render_image(path, "jpeg", tmp_path):
        data = rendered.path.read_bytes()
        with Image.open(rendered.path) as image:
            assert len(image.getexif()) == 0
            assert "icc_profile" not in image.info
            assert "xmp" not in image.info
        for marker in (b"Exif", b"GPS", b"ICC_PROFILE", b"adobe:ns:meta", b"TestCam", b"job 42"):
            assert marker not in data


def test_cmyk_jpeg_becomes_srgb(tmp_path: Path) -> None:
    path = _save(Image.new("CMYK", (200, 100), (0, 255, 255, 0)), tmp_path / "in.jpg", "JPEG")

    large = _by_kind(render_image(path, "jpeg", tmp_path))["large"]

    [(red, green, blue)] = _pixels(large.path, (100, 50))
    assert red > 180
    assert green < 80
    assert blue < 80


def test_embedded_display_p3_profile_is_converted_to_srgb(tmp_path: Path) -> None:
    srgb = pyvips.Image.black(64, 64).new_from_image([200, 80, 40]).copy(interpretation="srgb")
    p3 = srgb.icc_transform("p3", input_profile="srgb")
    assert not _near(tuple(int(v) for v in p3.getpoint(5, 5)), (200, 80, 40), tolerance=6)
    path = tmp_path / "in.jpg"
    p3.jpegsave(str(path), Q=95)

    large = _by_kind(render_image(path, "jpeg", tmp_path))["large"]

    [pixel] = _pixels(large.path, (32, 32))
    assert _near(pixel, (200, 80, 40), tolerance=6)


def test_an_srgb_tagged_photo_is_left_as_it_is(tmp_path: Path) -> None:
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    picture = Image.effect_noise((400, 300), 50).convert("RGB")
    tagged = _save(picture, tmp_path / "tagged.jpg", "JPEG", quality=95, icc_profile=srgb)
    plain = _save(picture, tmp_path / "plain.jpg", "JPEG", quality=95)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()

    from_tagged = _by_kind(render_image(tagged, "jpeg", tmp_path / "a"))["large"]
    from_plain = _by_kind(render_image(plain, "jpeg", tmp_path / "b"))["large"]

    assert from_tagged.path.read_bytes() == from_plain.path.read_bytes()


def test_grayscale_jpeg_becomes_rgb(tmp_path: Path) -> None:
    path = _save(Image.new("L", (80, 60), 90), tmp_path / "in.jpg", "JPEG")

    large = _by_kind(render_image(path, "jpeg", tmp_path))["large"]

    [pixel] = _pixels(large.path, (40, 30))
    assert _near(pixel, (90, 90, 90), tolerance=3)


@pytest.mark.parametrize("interpretation", ["rgb16", "grey16"])
def test_sixteen_bit_png_becomes_eight_bit_srgb(tmp_path: Path, interpretation: str) -> None:
    value = [65535, 0, 0] if interpretation == "rgb16" else [32896]
    image = pyvips.Image.black(1800, 90).cast("ushort").new_from_image(value)
    path = tmp_path / "in.png"
    image.copy(interpretation=interpretation).pngsave(str(path), bitdepth=16)

    large = _by_kind(render_image(path, "png", tmp_path))["large"]

    expected = (255, 0, 0) if interpretation == "rgb16" else (128, 128, 128)
    assert (large.width, large.height) == (1600, 80)
    [pixel] = _pixels(large.path, (800, 40))
    assert _near(pixel, expected, tolerance=3)


def _half_transparent(mode: str) -> Image.Image:
    image = Image.new(mode, (400, 200), (0, 0, 0, 0))
    image.paste((0, 0, 255, 255), (200, 0, 400, 200))
    return image


@pytest.mark.parametrize(
    ("kind", "options"),
    [("png", {}), ("webp", {"lossless": True}), ("webp", {"quality": 90})],
)
def test_alpha_is_flattened_onto_white(
    tmp_path: Path, kind: str, options: dict[str, object]
) -> None:
    path = _save(_half_transparent("RGBA"), tmp_path / f"in.{kind}", kind.upper(), **options)

    large = _by_kind(render_image(path, kind, tmp_path))["large"]

    transparent, opaque = _pixels(large.path, (50, 100), (350, 100))
    assert _near(transparent, WHITE, tolerance=4)
    assert _near(opaque, BLUE, tolerance=12)


@pytest.mark.parametrize(("kind", "fmt"), [("png", "PNG"), ("webp", "WEBP")])
def test_png_and_webp_follow_their_exif_orientation(tmp_path: Path, kind: str, fmt: str) -> None:
    source = _stored_for(_displayed(300, 200), 8)
    path = _save(source, tmp_path / f"in.{kind}", fmt, exif=_exif(8), lossless=True)

    large = _by_kind(render_image(path, kind, tmp_path))["large"]

    assert (large.width, large.height) == (300, 200)
    _assert_corners(large.path)


def test_webp_is_resized_into_the_boxes(tmp_path: Path) -> None:
    path = _save(_displayed(2000, 1000), tmp_path / "in.webp", "WEBP", quality=80)

    files = _by_kind(render_image(path, "webp", tmp_path))

    assert (files["large"].width, files["large"].height) == (1600, 800)
    assert (files["thumbnail"].width, files["thumbnail"].height) == (200, 100)
    _assert_corners(files["large"].path)


def _heic(path: Path, image: Image.Image, orientation: int | None = None) -> Path:
    heif = pillow_heif.from_bytes(image.mode, image.size, image.tobytes())
    if orientation is not None:
        # The encoder turns the orientation into irot/imir boxes and keeps the EXIF tag too,
        # as phones do.
        heif.info["exif"] = _exif(orientation)
    heif.save(path, quality=90)
    return path


def test_heic_is_rendered(tmp_path: Path) -> None:
    path = _heic(tmp_path / "in.heic", _displayed(2400, 1600))

    files = _by_kind(render_image(path, "heic", tmp_path))

    assert (files["large"].width, files["large"].height) == (1600, 1067)
    assert (files["thumbnail"].width, files["thumbnail"].height) == (200, 133)
    _assert_corners(files["large"].path)
    _assert_corners(files["thumbnail"].path)


@pytest.mark.parametrize("orientation", [3, 6, 8])
def test_heic_orientation_is_applied_once(tmp_path: Path, orientation: int) -> None:
    source = _stored_for(_displayed(300, 200), orientation)
    path = _heic(tmp_path / "in.heic", source, orientation)
    assert b"irot" in path.read_bytes()
    heif = pillow_heif.open_heif(path)
    assert heif.size == (300, 200)  # libheif turned it already; EXIF still says orientation
    assert b"\x01\x12" in heif.info["exif"] or b"\x12\x01" in heif.info["exif"]

    large = _by_kind(render_image(path, "heic", tmp_path))["large"]

    assert (large.width, large.height) == (300, 200)
    _assert_corners(large.path)


def test_heic_with_alpha_is_flattened(tmp_path: Path) -> None:
    path = _heic(tmp_path / "in.heic", _half_transparent("RGBA"))

    large = _by_kind(render_image(path, "heic", tmp_path))["large"]

    transparent, opaque = _pixels(large.path, (50, 100), (350, 100))
    assert _near(transparent, WHITE, tolerance=6)
    assert _near(opaque, BLUE, tolerance=20)


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    crc = zlib.crc32(kind + payload)
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)


def test_a_png_over_100_megapixels_is_refused_from_its_header(tmp_path: Path) -> None:
    header = struct.pack(">IIBBBBB", 20000, 20000, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)  # far too little: a decode would fail differently
    path = tmp_path / "bomb.png"
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", idat)
        + _png_chunk(b"IEND", b"")
    )

    with pytest.raises(RenderError, match="20000x20000 pixels"):
        render_image(path, "png", tmp_path)
    assert list(tmp_path.glob("*.jpg")) == []


def test_a_jpeg_over_100_megapixels_is_refused_from_its_header(tmp_path: Path) -> None:
    data = bytearray(_jpeg_bytes(Image.new("RGB", (16, 16), RED)))
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", 12000, 12000)
    path = tmp_path / "bomb.jpg"
    path.write_bytes(bytes(data))

    with pytest.raises(RenderError, match="12000x12000 pixels"):
        render_image(path, "jpeg", tmp_path)


def test_a_heic_over_100_megapixels_is_refused_from_its_header(tmp_path: Path) -> None:
    path = _heic(tmp_path / "in.heic", Image.new("RGB", (64, 64), RED))
    data = bytearray(path.read_bytes())
    ispe = data.index(b"ispe")
    data[ispe + 8 : ispe + 16] = struct.pack(">II", 11000, 11000)
    path.write_bytes(bytes(data))

    with pytest.raises(RenderError, match="11000x11000 pixels"):
        render_image(path, "heic", tmp_path)


def _jpeg_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("kind", "cut"),
    [("jpeg", "half"), ("jpeg", "header"), ("png", "half"), ("heic", "half")],
)
def test_a_truncated_file_raises_render_error(tmp_path: Path, kind: str, cut: str) -> None:
    noisy = Image.effect_noise((400, 300), 60).convert("RGB")
    if kind == "jpeg":
        data = _jpeg_bytes(noisy)
    elif kind == "png":
        data = _save(noisy, tmp_path / "whole.png", "PNG").read_bytes()
    else:
        data = _heic(tmp_path / "whole.heic", noisy).read_bytes()
    path = tmp_path / f"cut.{kind}"
    path.write_bytes(data[: len(data) // 2] if cut == "half" else data[:400])

    with pytest.raises(RenderError):
        render_image(path, kind, tmp_path)


def test_a_file_that_is_not_a_jpeg_raises_render_error(tmp_path: Path) -> None:
    path = tmp_path / "junk.jpg"
    path.write_bytes(b"\xff\xd8\xff\xe0" + bytes(range(256)) * 40)

    with pytest.raises(RenderError, match="jpeg"):
        render_image(path, "jpeg", tmp_path)


def test_an_unrenderable_kind_raises_render_error(tmp_path: Path) -> None:
    path = _save(Image.new("RGB", (10, 10)), tmp_path / "in.gif", "GIF")

    with pytest.raises(RenderError, match="gif"):
        render_image(path, "gif", tmp_path)


def test_rendering_twice_gives_identical_bytes(tmp_path: Path) -> None:
    source = _stored_for(Image.effect_noise((2400, 1800), 40).convert("RGB"), 6)
    path = _save(source, tmp_path / "in.jpg", "JPEG", exif=_exif(6, gps=True))
    first_dir, second_dir = tmp_path / "first", tmp_path / "second"
    first_dir.mkdir()
    second_dir.mkdir()

    first = render_image(path, "jpeg", first_dir)
    second = render_image(path, "jpeg", second_dir)
    again = render_image(path, "jpeg", first_dir)

    for a, b, c in zip(first, second, again, strict=True):
        assert a.path.read_bytes() == b.path.read_bytes() == c.path.read_bytes()
        assert (a.width, a.height, a.size) == (b.width, b.height, b.size)
    assert sorted(p.name for p in first_dir.iterdir()) == ["large.jpg", "thumbnail.jpg"]


@pytest.mark.parametrize("stride", [15, 18, 16])
def test_pixels_are_read_past_row_padding(stride: int) -> None:
    rows = [bytes([10 * y + x for x in range(15)]) + b"\xee" * (stride - 15) for y in range(4)]

    image = image_from_pixels(b"".join(rows), 5, 4, 3, stride)

    assert (image.width, image.height, image.bands) == (5, 4, 3)
    assert image.interpretation == "srgb"
    assert image.write_to_memory() == b"".join(row[:15] for row in rows)
