"""Poster frame and H.264 MP4 variants of a video, decoded and encoded with PyAV."""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Final

import av
import pyvips
from av.audio.frame import AudioFrame
from av.audio.stream import AudioStream
from av.container import InputContainer, OutputContainer
from av.filter import Graph
from av.packet import Packet
from av.stream import Stream
from av.video.frame import VideoFrame
from av.video.reformatter import Colorspace, Interpolation
from av.video.stream import VideoStream

from jobshots.media.images import (
    LARGE_BOX,
    THUMBNAIL_BOX,
    RenderedFile,
    RenderError,
    fit_size,
    image_from_pixels,
    renditions_from,
)
from jobshots.media.sniff import MAX_PIXELS

VARIANTS = (("video_720p", 720), ("video_360p", 360))
VIDEO_ENCODER: Final = "libx264"
VIDEO_OPTIONS = {"preset": "veryfast", "crf": "23", "profile": "high"}
AUDIO_BIT_RATE = 128_000

# Clockwise display rotation -> the EXIF orientation that turns the poster the same way.
_ORIENTATION = {0: 1, 90: 6, 180: 3, 270: 8}
_ROTATE_FILTERS = {
    0: [],
    90: [("transpose", "clock")],
    180: [("hflip", ""), ("vflip", "")],
    270: [("transpose", "cclock")],
}
_UNSPECIFIED_COLORSPACE = 2
# Area averaging: 46 dB PSNR at 1600 px and 41 dB at 200 px against a Lanczos3 resize of the
# full-size RGB frame; bicubic gives 50 and 45 dB, but its filters take ~1.3 ms to set up for
# each frame and size (docs/performance.md).
_POSTER_SCALING = Interpolation.AREA
_DEFAULT_RATE = Fraction(30)
# The ISO/QuickTime demuxer, named rather than guessed from the bytes: a playlist (HLS,
# ffconcat) posing as a video is never parsed, and only the local file itself is ever opened.
_DEMUXER = "mov"
_READ_OPTIONS = {
    "protocol_whitelist": "file",
    "format_whitelist": "mov,mp4,m4a,3gp,3g2,mj2",
    "enable_drefs": "0",
}


@dataclass(frozen=True)
class VideoFacts:
    """Display size (after rotation), duration and the clockwise rotation players apply."""

    width: int
    height: int
    duration_seconds: float | None
    rotation: int


@dataclass(frozen=True)
class _Variant:
    kind: str
    path: Path
    width: int
    height: int
    output: OutputContainer
    video: VideoStream
    audio: AudioStream | None
    copy_audio: bool
    graph: Graph


def render_video(
    source: Path, out_dir: Path, *, variants: bool = True
) -> tuple[VideoFacts, list[RenderedFile]]:
    """Poster frame as thumbnail + large JPEGs, plus 720p and 360p H.264 MP4s (never upscaled)."""
    try:
        facts, large, small = poster_frame(source)
        files = renditions_from(large, out_dir, small)
        if variants:
            files += _transcode(source, facts, out_dir)
    except av.FFmpegError as error:
        raise RenderError(f"cannot decode the video: {error}") from error
    except pyvips.Error as error:
        raise RenderError(f"cannot render the poster frame: {error}") from error
    return facts, files


def variant_sizes(facts: VideoFacts) -> list[tuple[str, int, int]]:
    """(kind, width, height) of each variant: short side 720 or 360, even, never upscaled."""
    short, long = sorted((facts.width, facts.height))
    sizes = []
    for kind, target in VARIANTS:
        if target > short:
            continue
        scaled_long = _even(long * target / short)
        landscape = facts.width >= facts.height
        sizes.append((kind, scaled_long, target) if landscape else (kind, target, scaled_long))
    return sizes


def _open(source: Path) -> InputContainer:
    return av.open(str(source), format=_DEMUXER, container_options=dict(_READ_OPTIONS))


def poster_frame(source: Path) -> tuple[VideoFacts, pyvips.Image, pyvips.Image]:
    """The video's facts and its first frame in RGB, fitted to the large and thumbnail boxes."""
    with _open(source) as container:
        stream = _video_stream(container)
        frame = _first_frame(container, stream)
        facts = _facts(container, stream, frame)
    large, small = (_scaled(frame, box, facts.rotation) for box in (LARGE_BOX, THUMBNAIL_BOX))
    return facts, large, small


def _scaled(frame: VideoFrame, box: int, rotation: int) -> pyvips.Image:
    """The frame in 8-bit sRGB, fitted to a `box` square (coded or turned, it fits the same)."""
    width, height = fit_size(frame.width, frame.height, box)
    scaled = frame
    if frame.format.is_planar:
        # YUV is scaled in its own planes (4:2:0: half the samples of RGB) and then converted
        # unscaled, on swscale's fast path: 1080p to 1600 px in ~2 ms, against ~10 ms for RGB
        # resized by libvips and ~6 ms for one scaling conversion (docs/performance.md).
        scaled = frame.reformat(width=width, height=height, interpolation=_POSTER_SCALING)
    rgb = scaled.reformat(
        width=width,
        height=height,
        format="rgb24",
        src_colorspace=_colorspace(frame),
        interpolation=_POSTER_SCALING,
    )
    plane = rgb.planes[0]
    image = image_from_pixels(memoryview(plane), rgb.width, rgb.height, 3, plane.line_size)
    image = image.copy()
    image.set_type(pyvips.GValue.gint_type, "orientation", _ORIENTATION[rotation])
    return image


def _video_stream(container: InputContainer) -> VideoStream:
    if not container.streams.video:
        raise RenderError("the file has no video stream")
    stream = container.streams.video[0]
    if stream.codec_context.width * stream.codec_context.height > MAX_PIXELS:
        raise RenderError(f"video frames of {stream.width}x{stream.height} are too large")
    # One worker process per core: more decoder threads would only contend with the others.
    stream.codec_context.thread_count = 1
    return stream


def _first_frame(container: InputContainer, stream: VideoStream) -> VideoFrame:
    for packet in container.demux(stream):
        with contextlib.suppress(av.InvalidDataError):
            for frame in stream.decode(packet):
                return frame
    raise RenderError("the video has no decodable frame")


def _facts(container: InputContainer, stream: VideoStream, frame: VideoFrame) -> VideoFacts:
    rotation = _rotation(stream, frame)
    width, height = frame.width, frame.height
    if rotation in (90, 270):
        width, height = height, width
    return VideoFacts(width, height, _duration(container, stream), rotation)


def _rotation(stream: VideoStream, frame: VideoFrame) -> int:
    # PyAV reports the display matrix counter-clockwise; phones' `rotate` tag is clockwise.
    degrees = -frame.rotation
    if degrees == 0:
        with contextlib.suppress(ValueError):
            degrees = int(stream.metadata.get("rotate", "0"))
    return round(degrees / 90) * 90 % 360


def _duration(container: InputContainer, stream: VideoStream) -> float | None:
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    if container.duration:
        return container.duration / av.time_base
    return None


def _colorspace(frame: VideoFrame) -> Colorspace | None:
    # Untagged HD video is BT.709 in practice (players assume so); swscale would take BT.601.
    if frame.colorspace == _UNSPECIFIED_COLORSPACE and frame.height >= 720:
        return Colorspace.ITU709
    return None


def _even(value: float) -> int:
    return max(2, 2 * round(value / 2))


def _transcode(source: Path, facts: VideoFacts, out_dir: Path) -> list[RenderedFile]:
    sizes = variant_sizes(facts)
    if not sizes:
        return []
    with _open(source) as container, contextlib.ExitStack() as stack:
        video = _video_stream(container)
        audio = container.streams.audio[0] if container.streams.audio else None
        streams = [video] if audio is None else [video, audio]
        outputs = [
            _open_variant(stack, out_dir, size, video, audio, facts.rotation) for size in sizes
        ]
        # One decode feeds every variant: decoding 1080p is a good share of a transcode.
        pictures = frames = 0
        for packet in container.demux(*streams):
            frames += _feed(packet, outputs)
            pictures += packet.stream.type == "video" and packet.size > 0
        _enough_decoded(frames, pictures)
        return [_publish(variant) for variant in outputs]


def _enough_decoded(frames: int, pictures: int) -> None:
    """A damaged packet costs its frames; a video that lost most of them is not rendered as if
    it were whole (a decoder short of memory can drop every frame after the first)."""
    if frames * 2 < pictures:
        raise RenderError(f"only {frames} of the video's {pictures} frames could be decoded")


def _open_variant(
    stack: contextlib.ExitStack,
    out_dir: Path,
    size: tuple[str, int, int],
    video: VideoStream,
    audio: AudioStream | None,
    rotation: int,
) -> _Variant:
    kind, width, height = size
    path = out_dir / f".{kind}.mp4.tmp"
    stack.callback(path.unlink, missing_ok=True)
    output = stack.enter_context(
        av.open(str(path), "w", format="mp4", container_options={"movflags": "+faststart"})
    )
    out_video = _video_encoder(output, video, width, height)
    out_audio = _audio_output(output, audio) if audio is not None else None
    copy_audio = audio is not None and audio.codec_context.name == "aac"
    graph = _scaler(video, width, height, rotation)
    return _Variant(kind, path, width, height, output, out_video, out_audio, copy_audio, graph)


def _video_encoder(
    output: OutputContainer, source: VideoStream, width: int, height: int
) -> VideoStream:
    stream = output.add_stream(VIDEO_ENCODER, rate=_frame_rate(source), options=dict(VIDEO_OPTIONS))
    stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
    # Keep the source's clock so variable frame rates and audio sync survive as they were.
    if source.time_base is not None:
        stream.time_base = stream.codec_context.time_base = source.time_base
    stream.codec_context.thread_count = 1
    return stream


def _frame_rate(source: VideoStream) -> Fraction:
    for rate in (source.average_rate, source.guessed_rate):
        if rate:
            return rate
    return _DEFAULT_RATE


def _audio_output(output: OutputContainer, source: AudioStream) -> AudioStream:
    if source.codec_context.name == "aac":
        return output.add_stream_from_template(source)  # copied as it is: already AAC
    stream = output.add_stream("aac", rate=source.rate)
    stream.layout = source.layout
    stream.bit_rate = AUDIO_BIT_RATE
    return stream


def _scaler(video: VideoStream, width: int, height: int, rotation: int) -> Graph:
    graph = Graph()
    graph.threads = 1
    # Scale before turning: the transpose then moves a small frame, not the source's.
    coded = (height, width) if rotation in (90, 270) else (width, height)
    nodes = [graph.add_buffer(template=video), graph.add("scale", f"{coded[0]}:{coded[1]}")]
    nodes += [graph.add(name, args) for name, args in _ROTATE_FILTERS[rotation]]
    nodes += [graph.add("format", "yuv420p"), graph.add("buffersink")]
    graph.link_nodes(*nodes).configure()
    return graph


def _feed(packet: Packet[Stream], outputs: list[_Variant]) -> int:
    """Decode the packet into every variant; how many video frames it gave."""
    if packet.stream.type == "audio" and outputs[0].copy_audio:
        _copy(packet, outputs)
        return 0
    frames = 0
    for frame in _decoded(packet):
        frames += isinstance(frame, VideoFrame)
        for variant in outputs:
            if isinstance(frame, VideoFrame):
                variant.graph.vpush(frame)
                _drain(variant)
            elif isinstance(frame, AudioFrame) and variant.audio is not None:
                variant.output.mux(variant.audio.encode(frame))
    return frames


def _copy(packet: Packet[Stream], outputs: list[_Variant]) -> None:
    if not packet.size:
        return  # the demuxer's end-of-stream marker
    for variant in outputs:
        if variant.audio is not None:
            packet.stream = variant.audio
            variant.output.mux(packet)


def _decoded(packet: Packet[Stream]) -> list[VideoFrame | AudioFrame]:
    # A damaged packet costs its frames, not the whole variant.
    with contextlib.suppress(av.InvalidDataError):
        return [frame for frame in packet.decode() if isinstance(frame, VideoFrame | AudioFrame)]
    return []


def _drain(variant: _Variant) -> None:
    while True:
        try:
            frame = variant.graph.vpull()
        except (av.BlockingIOError, av.EOFError):
            return
        # Decoded frames keep the source's I/P/B types, which x264 would otherwise obey.
        frame.pict_type = av.video.frame.PictureType.NONE
        variant.output.mux(variant.video.encode(frame))


def _publish(variant: _Variant) -> RenderedFile:
    variant.graph.vpush(None)
    _drain(variant)
    variant.output.mux(variant.video.encode(None))
    if variant.audio is not None and not variant.copy_audio:
        variant.output.mux(variant.audio.encode(None))
    variant.output.close()  # writes the index, moved to the front for +faststart
    path = variant.path.with_name(f"{variant.kind}.mp4")
    os.replace(variant.path, path)
    size = path.stat().st_size
    return RenderedFile(variant.kind, path, "video/mp4", variant.width, variant.height, size)
