"""Video renditions: facts, poster frames, H.264 variants, rotation, refusals."""

from __future__ import annotations

import array
import math
from fractions import Fraction
from pathlib import Path

import av
import pytest
import pyvips
from av.audio.stream import AudioStream
from av.container import OutputContainer
from av.video.stream import VideoStream
from PIL import Image

from jobshots.media.images import RenderedFile, RenderError, image_from_pixels, large_pixels
from jobshots.media.video import VideoFacts, poster_frame, render_video, variant_sizes

RATE = 24
RED, WHITE = (255, 0, 0), (255, 255, 255)


def _displayed(width: int, height: int, index: int) -> Image.Image:
    """A grey picture with a red top-left block and a white square moving along the bottom."""
    image = Image.new("RGB", (width, height), (90, 90, 90))
    image.paste(RED, (0, 0, width // 4, height // 4))
    side = height // 6
    left = (index * 7) % (width - side)
    image.paste(WHITE, (left, height - side - 4, left + side, height - 4))
    return image


def _clip(
    path: Path,
    size: tuple[int, int],
    *,
    codec: str = "libx264",
    rotation: int = 0,
    audio: str | None = None,
    seconds: float = 1.0,
) -> Path:
    """A clip that *displays* `_displayed`; `rotation` is clockwise, as players turn it."""
    fmt = "mov" if path.suffix == ".mov" else "mp4"
    width, height = (size[1], size[0]) if rotation in (90, 270) else size
    with av.open(str(path), "w", format=fmt) as output:
        video = output.add_stream(codec, rate=RATE)
        assert isinstance(video, VideoStream)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        video.options = {"preset": "ultrafast"}
        if codec == "libx265":
            video.options = {"preset": "ultrafast", "x265-params": "log-level=error"}
        if rotation:
            video.set_display_rotation(-rotation)  # PyAV counts counter-clockwise
        sound = output.add_stream(audio, rate=48000) if audio else None
        assert sound is None or isinstance(sound, AudioStream)
        for index in range(round(seconds * RATE)):
            # Turning the displayed picture back by the rotation gives the coded one.
            picture = _displayed(*size, index).rotate(rotation, expand=True)
            rgba = picture.convert("RGBA").tobytes()
            frame = av.VideoFrame.from_bytes(rgba, *picture.size, format="rgba")
            frame.pts, frame.time_base = index, Fraction(1, RATE)
            output.mux(video.encode(frame))
        output.mux(video.encode(None))
        if sound is not None:
            _tone(output, sound, seconds)
    return path


def _tone(output: OutputContainer, sound: AudioStream, seconds: float) -> None:
    samples = 1024
    for start in range(0, int(seconds * 48000), samples):
        wave = [0.2 * math.sin(2 * math.pi * 440 * (start + i) / 48000) for i in range(samples)]
        frame = av.AudioFrame(format="flt", layout="mono", samples=samples)
        frame.planes[0].update(array.array("f", wave).tobytes())
        frame.sample_rate, frame.pts = 48000, start
        output.mux(sound.encode(frame))
    output.mux(sound.encode(None))


def _by_kind(files: list[RenderedFile]) -> dict[str, RenderedFile]:
    return {rendered.kind: rendered for rendered in files}


def _near(actual: tuple[int, ...], expected: tuple[int, ...], tolerance: int = 50) -> bool:
    return all(abs(a - e) <= tolerance for a, e in zip(actual, expected, strict=True))


def _top_left(image: Image.Image) -> tuple[int, ...]:
    rgb = image.convert("RGB")
    pixel = rgb.getpixel((rgb.width // 10, rgb.height // 10))
    assert isinstance(pixel, tuple)
    return pixel


def _frame_top_left(frame: av.VideoFrame) -> tuple[int, ...]:
    rgb = frame.reformat(format="rgb24")
    plane = rgb.planes[0]
    offset = (rgb.height // 10) * plane.line_size + (rgb.width // 10) * 3
    return tuple(bytes(plane)[offset : offset + 3])


def _assert_poster(files: dict[str, RenderedFile], large: tuple[int, int]) -> None:
    assert (files["large"].width, files["large"].height) == large
    assert max(files["thumbnail"].width, files["thumbnail"].height) == 200
    for kind in ("thumbnail", "large"):
        assert files[kind].mime_type == "image/jpeg"
        with Image.open(files[kind].path) as poster:
            assert poster.size == (files[kind].width, files[kind].height)
            assert _near(_top_left(poster), RED), f"{kind} top-left is {_top_left(poster)}"


def _probe(path: Path) -> dict[str, object]:
    with av.open(str(path)) as container:
        video = container.streams.video[0]
        audio = [stream.codec_context.name for stream in container.streams.audio]
        frames = list(container.decode(video))
        assert video.duration is not None
        assert video.time_base is not None
        stream_seconds = float(video.duration * video.time_base)
        return {
            "codec": video.codec_context.name,
            "pix_fmt": frames[0].format.name,
            "size": (frames[0].width, frames[0].height),
            "rotation": frames[0].rotation,
            "top_left": _frame_top_left(frames[0]),
            "frames": len(frames),
            "seconds": stream_seconds,
            "audio": audio,
        }


def _assert_variant(rendered: RenderedFile, size: tuple[int, int], frames: int) -> None:
    facts = _probe(rendered.path)
    assert rendered.mime_type == "video/mp4"
    assert (rendered.width, rendered.height) == size
    assert rendered.size == rendered.path.stat().st_size
    assert facts["codec"] == "h264"
    assert facts["pix_fmt"] == "yuv420p"
    assert facts["size"] == size
    assert facts["rotation"] == 0  # turned in the pixels: no player needs to turn it again
    assert isinstance(facts["top_left"], tuple)
    assert _near(facts["top_left"], RED)
    assert abs(int(str(facts["frames"])) - frames) <= 2
    assert abs(float(str(facts["seconds"])) - frames / RATE) <= 2 / RATE


def _faststart(path: Path) -> bool:
    data = path.read_bytes()
    return 0 <= data.find(b"moov") < data.find(b"mdat")


def test_a_720p_mp4_gets_a_poster_and_both_variants(tmp_path: Path) -> None:
    source = _clip(tmp_path / "in.mp4", (1280, 720), audio="aac")

    facts, files = render_video(source, tmp_path)

    assert facts == VideoFacts(1280, 720, pytest.approx(1.0, abs=0.1), 0)  # type: ignore[arg-type]
    by_kind = _by_kind(files)
    assert sorted(by_kind) == ["large", "thumbnail", "video_360p", "video_720p"]
    _assert_poster(by_kind, (1280, 720))
    _assert_variant(by_kind["video_720p"], (1280, 720), RATE)
    _assert_variant(by_kind["video_360p"], (640, 360), RATE)
    for kind in ("video_720p", "video_360p"):
        assert _probe(by_kind[kind].path)["audio"] == ["aac"]
        assert _faststart(by_kind[kind].path)


def test_a_360p_mov_gets_only_the_360p_variant(tmp_path: Path) -> None:
    source = _clip(tmp_path / "in.mov", (640, 360))

    facts, files = render_video(source, tmp_path)

    assert (facts.width, facts.height, facts.rotation) == (640, 360, 0)
    by_kind = _by_kind(files)
    assert sorted(by_kind) == ["large", "thumbnail", "video_360p"]
    _assert_poster(by_kind, (640, 360))
    _assert_variant(by_kind["video_360p"], (640, 360), RATE)
    assert _probe(by_kind["video_360p"].path)["audio"] == []


@pytest.mark.parametrize("rotation", [90, 180, 270])
def test_a_rotated_video_is_turned_for_display(tmp_path: Path, rotation: int) -> None:
    displayed = (360, 640) if rotation in (90, 270) else (640, 360)
    source = _clip(tmp_path / "in.mp4", displayed, rotation=rotation)

    facts, files = render_video(source, tmp_path)

    assert (facts.width, facts.height, facts.rotation) == (*displayed, rotation)
    by_kind = _by_kind(files)
    _assert_poster(by_kind, displayed)
    _assert_variant(by_kind["video_360p"], displayed, RATE)


@pytest.mark.parametrize(
    ("displayed", "rotation", "large"),
    [((1920, 1086), 0, (1600, 905)), ((1080, 1920), 90, (900, 1600))],
)
def test_a_poster_larger_than_the_box_is_scaled_into_it(
    tmp_path: Path, displayed: tuple[int, int], rotation: int, large: tuple[int, int]
) -> None:
    source = _clip(tmp_path / "in.mp4", displayed, rotation=rotation, seconds=2 / RATE)

    _, files = render_video(source, tmp_path, variants=False)

    _assert_poster(_by_kind(files), large)


def _textured_clip(path: Path, codec: str, pix_fmt: str) -> Path:
    """One 1920x1080 frame, untagged as phones often write HD: fine texture in its brightness,
    broad areas of colour, as a camera sees them (and as 4:2:0 video can carry them)."""
    luma = sum(
        pyvips.Image.perlin(1920, 1080, cell_size=cell, seed=cell) * 40 for cell in (64, 8, 3)
    )
    bands = [
        luma + pyvips.Image.perlin(1920, 1080, cell_size=96, seed=band) * 60 + 128
        for band in range(3)
    ]
    picture = bands[0].bandjoin(bands[1:]).cast("uchar")
    with av.open(str(path), "w", format="mov") as output:
        video = output.add_stream(codec, rate=RATE)
        assert isinstance(video, VideoStream)
        video.width, video.height, video.pix_fmt = 1920, 1080, pix_fmt
        if codec == "libx264":
            video.options = {"preset": "ultrafast", "crf": "12"}
        rgba = bytes(picture.bandjoin(255).write_to_memory())
        frame = av.VideoFrame.from_bytes(rgba, 1920, 1080, format="rgba")
        output.mux(video.encode(frame))
        output.mux(video.encode(None))
    return path


# YUV is scaled in its planes before it is converted; RGB (PNG in a MOV) is converted as it
# is scaled. Either way the poster is as sharp as a Lanczos3 resize of the full frame.
@pytest.mark.parametrize(("codec", "pix_fmt"), [("libx264", "yuv420p"), ("png", "rgb24")])
def test_the_poster_matches_the_full_frame_resized_with_lanczos(
    tmp_path: Path, codec: str, pix_fmt: str
) -> None:
    source = _textured_clip(tmp_path / "in.mov", codec, pix_fmt)

    _, image, _ = poster_frame(source)
    ours = large_pixels(image)

    with av.open(str(source)) as container:
        frame = next(container.decode(container.streams.video[0]))
    assert frame.format.name == pix_fmt
    rgb = frame.reformat(format="rgb24", src_colorspace="ITU709")
    plane = rgb.planes[0]
    full = image_from_pixels(bytes(plane), 1920, 1080, 3, plane.line_size)
    reference = full.resize(1600 / 1920, vscale=900 / 1080, kernel="lanczos3")
    assert (ours.width, ours.height) == (1600, 900)
    error = ours.cast("float") - reference.cast("float")
    assert 10 * math.log10(255**2 / (error * error).avg()) >= 40


def test_hevc_input_is_decoded_and_transcoded_to_h264(tmp_path: Path) -> None:
    source = _clip(tmp_path / "in.mp4", (640, 360), codec="libx265")
    with av.open(str(source)) as container:
        assert container.streams.video[0].codec_context.name == "hevc"

    facts, files = render_video(source, tmp_path)

    assert (facts.width, facts.height) == (640, 360)
    by_kind = _by_kind(files)
    _assert_poster(by_kind, (640, 360))
    _assert_variant(by_kind["video_360p"], (640, 360), RATE)


def test_audio_that_is_not_aac_is_encoded_to_aac(tmp_path: Path) -> None:
    source = _clip(tmp_path / "in.mov", (640, 360), audio="pcm_s16le")

    _, files = render_video(source, tmp_path)

    variant = _by_kind(files)["video_360p"]
    assert _probe(variant.path)["audio"] == ["aac"]
    with av.open(str(variant.path)) as container:
        audio = container.streams.audio[0]
        samples = sum(frame.samples for frame in container.decode(audio))
    assert abs(samples / 48000 - 1.0) < 0.1


def test_without_variants_only_the_poster_is_made(tmp_path: Path) -> None:
    source = _clip(tmp_path / "in.mp4", (1280, 720))

    facts, files = render_video(source, tmp_path, variants=False)

    assert (facts.width, facts.height) == (1280, 720)
    assert sorted(rendered.kind for rendered in files) == ["large", "thumbnail"]
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "in.mp4",
        "large.jpg",
        "thumbnail.jpg",
    ]


def test_rendering_twice_gives_the_same_poster(tmp_path: Path) -> None:
    source = _clip(tmp_path / "in.mp4", (640, 360))
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()

    _, one = render_video(source, first, variants=False)
    _, two = render_video(source, second, variants=False)

    for a, b in zip(one, two, strict=True):
        assert a.path.read_bytes() == b.path.read_bytes()


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        ((1920, 1080), [("video_720p", 1280, 720), ("video_360p", 640, 360)]),
        ((1080, 1920), [("video_720p", 720, 1280), ("video_360p", 360, 640)]),
        ((3840, 2160), [("video_720p", 1280, 720), ("video_360p", 640, 360)]),
        ((1440, 1080), [("video_720p", 960, 720), ("video_360p", 480, 360)]),
        ((854, 480), [("video_360p", 640, 360)]),
        ((1278, 718), [("video_360p", 640, 360)]),
        ((320, 240), []),
    ],
)
def test_variant_sizes_follow_the_short_side_and_never_upscale(
    size: tuple[int, int], expected: list[tuple[str, int, int]]
) -> None:
    assert variant_sizes(VideoFacts(*size, 10.0, 0)) == expected


def test_a_file_that_is_not_a_video_raises_render_error(tmp_path: Path) -> None:
    path = tmp_path / "junk.mp4"
    path.write_bytes(b"\x00\x00\x00\x18ftypisom" + bytes(range(256)) * 8)

    with pytest.raises(RenderError):
        render_video(path, tmp_path)


def test_a_truncated_video_raises_render_error(tmp_path: Path) -> None:
    whole = _clip(tmp_path / "in.mp4", (640, 360)).read_bytes()
    path = tmp_path / "cut.mp4"
    path.write_bytes(whole[: len(whole) // 3])

    with pytest.raises(RenderError):
        render_video(path, tmp_path)


def test_a_file_without_video_raises_render_error(tmp_path: Path) -> None:
    path = tmp_path / "sound.mp4"
    with av.open(str(path), "w", format="mp4") as output:
        sound = output.add_stream("aac", rate=48000)
        _tone(output, sound, 0.5)

    with pytest.raises(RenderError, match="no video stream"):
        render_video(path, tmp_path)
