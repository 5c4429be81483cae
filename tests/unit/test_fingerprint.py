"""The perceptual hash as the pipeline makes it: edited copies stay close, other photos do not."""

from __future__ import annotations

import importlib.resources
import itertools
from pathlib import Path

import av
import pytest
from PIL import Image

from jobshots.core.evidence.duplicates import NEAR_DISTANCE
from jobshots.media import fingerprint
from jobshots.media.pipeline import DecodeJob, decode
from tests.support import media

# Every picture in scikit-image's wheel but one of each pair that shows the same thing
# (chessboard_RGB is chessboard_GRAY in colour; motorcycle_right is the stereo twin of _left).
DATA = Path(str(importlib.resources.files("skimage") / "data"))
UNRELATED = sorted(
    path
    for path in DATA.iterdir()
    if path.suffix in (".png", ".jpg") and path.stem not in ("chessboard_RGB", "motorcycle_right")
)
PHOTOS = (
    "astronaut",
    "brick",
    "camera",
    "cell",
    "chelsea",
    "clock_motion",
    "coffee",
    "coins",
    "grass",
    "gravel",
    "hubble_deep_field",
    "ihc",
    "moon",
    "motorcycle_left",
    "page",
    "retina",
    "rocket",
    "text",
)


def _hash(source: Path, out: Path) -> int | None:
    out.mkdir()
    kind = {".png": "png", ".mp4": "mp4"}.get(source.suffix, "jpeg")
    return decode(DecodeJob(source, kind, out)).perceptual_hash


def _file(name: str) -> Path:
    return next(path for path in UNRELATED if path.stem == name)


def test_the_sign_is_only_how_the_64_bits_are_stored() -> None:
    assert fingerprint.as_signed(0) == 0
    assert fingerprint.as_signed(2**63 - 1) == 2**63 - 1
    assert fingerprint.as_signed(2**63) == -(2**63)
    assert fingerprint.as_signed(2**64 - 1) == -1
    assert fingerprint.distance(-1, 0) == 64
    assert fingerprint.distance(fingerprint.as_signed(2**63), 0) == 1
    assert fingerprint.distance(0b1011, 0b0001) == 2


def test_unrelated_pictures_are_far_apart(tmp_path: Path) -> None:
    hashes = {path.stem: _hash(path, tmp_path / path.stem) for path in UNRELATED}
    assert len(hashes) >= 20
    assert all(value is not None for value in hashes.values())
    apart = {
        (a, b): fingerprint.distance(hashes[a] or 0, hashes[b] or 0)
        for a, b in itertools.combinations(hashes, 2)
    }
    closest = min(apart, key=apart.__getitem__)
    # Measured: 20 bits (brick/chessboard, cell/hubble_deep_field, hubble_deep_field/retina).
    assert apart[closest] > 2 * NEAR_DISTANCE, (closest, apart[closest])


@pytest.mark.parametrize("name", PHOTOS)
def test_a_resized_recompressed_copy_stays_within_the_threshold(name: str, tmp_path: Path) -> None:
    source = _file(name)
    copy = tmp_path / "copy.jpg"
    with Image.open(source) as image:
        rgb = image.convert("RGB")
        rgb.resize(
            (round(rgb.width * 0.6), round(rgb.height * 0.6)), Image.Resampling.LANCZOS
        ).save(copy, quality=70)
    original, edited = _hash(source, tmp_path / "original"), _hash(copy, tmp_path / "copy")
    assert original is not None
    assert edited is not None
    # Measured: at most 6 bits (rocket), most 0 to 2.
    assert fingerprint.distance(original, edited) <= NEAR_DISTANCE


def test_the_same_scene_rotated_by_exif_hashes_as_the_upright_one(tmp_path: Path) -> None:
    upright, turned = tmp_path / "upright.jpg", tmp_path / "turned.jpg"
    upright.write_bytes(media.camera_jpeg(orientation=1))
    turned.write_bytes(media.camera_jpeg(orientation=6))
    first, second = _hash(upright, tmp_path / "a"), _hash(turned, tmp_path / "b")
    assert first is not None
    assert second is not None
    assert fingerprint.distance(first, second) <= NEAR_DISTANCE


def test_a_flat_picture_has_no_hash(tmp_path: Path) -> None:
    flat = tmp_path / "flat.jpg"
    Image.new("RGB", (640, 480), (20, 20, 20)).save(flat, quality=90)
    assert _hash(flat, tmp_path / "out") is None


def test_a_video_is_hashed_by_its_poster_frame(tmp_path: Path) -> None:
    with Image.open(_file("chelsea")) as image:
        frame = image.convert("RGB").resize((450, 300))
    clip = tmp_path / "clip.mp4"
    with av.open(str(clip), "w") as container:
        stream = container.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt = frame.width, frame.height, "yuv420p"
        for index in range(5):
            picture = av.VideoFrame.from_image(frame)
            picture.pts = index
            container.mux(stream.encode(picture))
        container.mux(stream.encode())
    poster, still = _hash(clip, tmp_path / "clip"), _hash(_file("chelsea"), tmp_path / "still")
    assert poster is not None
    assert still is not None
    assert fingerprint.distance(poster, still) <= NEAR_DISTANCE
