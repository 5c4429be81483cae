"""Probe: rendition makers against their decode floors, single process, one core per figure.

Run: .venv/bin/python bench/renditions_probe.py [--rounds 5] [--workdir DIR]
Inputs are generated once into the work directory and reused on later runs.
Ratios are taken inside each round, then the median over rounds is printed.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import av
import pillow_heif
import pyvips
from PIL import Image

from jobshots.media.images import render_image
from jobshots.media.video import render_video

TARGETS = {
    "jpeg12": "<= 1.5-1.9x decode@1/2",
    "jpeg48": "~1.3x decode@1/4",
    "heic12": "<= 1.2x pillow-heif decode",
    "poster": "<= 1.2x first-frame decode",
}
CLIP_SECONDS, CLIP_RATE = 10, 30


def one_core() -> None:
    """Pin the libraries to one thread, as a worker process per core would run."""
    pyvips.concurrency_set(1)
    pillow_heif.options.DECODE_THREADS = 1


# --- inputs ------------------------------------------------------------------------------


def scene(width: int, height: int, seed: int, grain: float) -> pyvips.Image:
    """Natural-looking detail: soft light, hard-edged shapes, texture at five scales, grain."""

    def octaves(offset: int, amplitudes: tuple[int, ...]) -> pyvips.Image:
        layers = [
            pyvips.Image.perlin(width, height, cell_size=cell, seed=seed + offset + cell) * amp
            for cell, amp in zip((640, 160, 40, 10, 3), amplitudes, strict=False)
        ]
        total = layers[0]
        for layer in layers[1:]:
            total += layer
        return total

    shapes = (pyvips.Image.perlin(width, height, cell_size=300, seed=seed) > 0.05) / 255 * 60 - 30
    luma = octaves(0, (80, 50, 40, 30, 20)) + shapes + 120
    bands = [
        luma
        + octaves(1000 * band, (40, 20))
        + pyvips.Image.gaussnoise(width, height, sigma=grain, mean=0)
        for band in (1, 2, 3)
    ]
    return bands[0].bandjoin(bands[1:]).cast("uchar").copy(interpretation="srgb")


def camera_jpeg(path: Path, width: int, height: int) -> Path:
    """A camera-like JPEG at q92 with EXIF orientation 6 and GPS."""
    if path.exists():
        return path
    image = scene(width, height, seed=width, grain=3.5)
    exif = Image.Exif()
    exif[0x0112], exif[0x010F], exif[0x0110] = 6, "Probe", "Camera 12"
    exif[0x8825] = {1: "N", 2: (40.0, 26.0, 46.0), 3: "W", 4: (79.0, 58.0, 56.0)}
    image.set_type(pyvips.GValue.blob_type, "exif-data", exif.tobytes())
    image.jpegsave(str(path), Q=92)
    return path


def camera_heic(path: Path, jpeg: Path) -> Path:
    """The 12 MP picture as an upright HEIC, as a phone writes it."""
    if path.exists():
        return path
    image = pyvips.Image.new_from_file(str(jpeg)).autorot()
    heif = pillow_heif.from_bytes("RGB", (image.width, image.height), image.write_to_memory())
    heif.save(path, quality=80, enc_params={"preset": "fast"})
    return path


def phone_clip(path: Path) -> Path:
    """10 s of 1080p30 H.264 panning over a textured scene, with AAC stereo sound."""
    if path.exists():
        return path
    planes = clip_planes(2600, 1500)
    with av.open(str(path), "w", format="mp4") as output:
        video = output.add_stream("libx264", rate=CLIP_RATE)
        assert isinstance(video, av.video.stream.VideoStream)
        video.width, video.height, video.pix_fmt = 1920, 1080, "yuv420p"
        video.options = {"preset": "superfast", "crf": "21", "g": "30"}
        sound = output.add_stream("aac", rate=48000)
        assert isinstance(sound, av.audio.stream.AudioStream)
        sound.layout = "stereo"
        for index in range(CLIP_SECONDS * CLIP_RATE):
            output.mux(video.encode(panned_frame(planes, index)))
        output.mux(video.encode(None))
        write_tone(output, sound)
    return path


def clip_planes(width: int, height: int) -> list[tuple[bytes, int]]:
    """Y, U and V textures larger than a frame, for the camera to pan over."""
    rgb = scene(width, height, seed=7, grain=1.5)
    luma = rgb.colourspace("b-w")[0]
    chroma = [((rgb[band] - luma) * 0.5 + 128).resize(0.5).cast("uchar") for band in (2, 0)]
    return [(plane.write_to_memory(), plane.width) for plane in (luma.cast("uchar"), *chroma)]


def panned_frame(planes: list[tuple[bytes, int]], index: int) -> av.VideoFrame:
    frame = av.VideoFrame(1920, 1080, "yuv420p")
    left, top = (index * 4) % 600, (index * 2) % 400
    for number, (plane, (data, width)) in enumerate(zip(frame.planes, planes, strict=True)):
        shift = 0 if number == 0 else 1
        rows, cols = 1080 >> shift, 1920 >> shift
        x, y = left >> shift, top >> shift
        pad = b"\x80" * (plane.line_size - cols)
        starts = ((y + row) * width + x for row in range(rows))
        plane.update(b"".join(data[start : start + cols] + pad for start in starts))
    frame.pts, frame.time_base = index, Fraction(1, CLIP_RATE)
    return frame


def write_tone(output: av.container.OutputContainer, sound: av.audio.stream.AudioStream) -> None:
    samples = 1024
    for start in range(0, CLIP_SECONDS * 48000, samples):
        frame = av.AudioFrame(format="s16", layout="stereo", samples=samples)
        wave = (
            int(6000 * math.sin(2 * math.pi * 440 * (start + i) / 48000)) for i in range(samples)
        )
        frame.planes[0].update(b"".join(v.to_bytes(2, "little", signed=True) * 2 for v in wave))
        frame.sample_rate, frame.pts = 48000, start
        output.mux(sound.encode(frame))
    output.mux(sound.encode(None))


# --- what is timed -----------------------------------------------------------------------


def jpeg_decode(path: Path, shrink: int) -> Callable[[], object]:
    return lambda: pyvips.Image.new_from_file(str(path), shrink=shrink, access="sequential").avg()


def heic_decode(path: Path) -> Callable[[], object]:
    return lambda: len(pillow_heif.open_heif(path, convert_hdr_to_8bit=True).data)


def first_frame(path: Path) -> Callable[[], object]:
    def decode() -> object:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            stream.codec_context.thread_count = 1
            return next(container.decode(stream))

    return decode


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def peak_rss_mb(case: str, path: Path, out_dir: Path) -> float:
    """Peak RSS (ru_maxrss) of a fresh process that renders `path` once."""
    command = [sys.executable, __file__, "--rss", case, str(path), str(out_dir)]
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    return float(result.stdout.strip().splitlines()[-1])


def rss_child(case: str, path: Path, out_dir: Path) -> None:
    one_core()
    if case.startswith("floor"):
        jpeg_decode(path, int(case.removeprefix("floor")))()
    elif case == "video":
        render_video(path, out_dir)
    elif case == "poster":
        render_video(path, out_dir, variants=False)
    elif case != "idle":
        render_image(path, case, out_dir)
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


# --- rounds and table --------------------------------------------------------------------


def measure(inputs: dict[str, Path], out: Path, rounds: int) -> dict[str, dict[str, float]]:
    cases = {
        "jpeg12": (
            jpeg_decode(inputs["jpeg12"], 2),
            lambda: render_image(inputs["jpeg12"], "jpeg", out),
        ),
        "jpeg48": (
            jpeg_decode(inputs["jpeg48"], 4),
            lambda: render_image(inputs["jpeg48"], "jpeg", out),
        ),
        "heic12": (
            heic_decode(inputs["heic12"]),
            lambda: render_image(inputs["heic12"], "heic", out),
        ),
        "poster": (
            first_frame(inputs["clip"]),
            lambda: render_video(inputs["clip"], out, variants=False),
        ),
    }
    samples: dict[str, dict[str, list[float]]] = {
        name: {"floor": [], "render": [], "ratio": []} for name in cases
    }
    samples["jpeg48_half"] = {"floor": []}
    samples["transcode"] = {"render": []}
    for _ in range(rounds):
        for name, (floor, render) in cases.items():
            floor_s, render_s = timed(floor), timed(render)
            for key, value in (
                ("floor", floor_s),
                ("render", render_s),
                ("ratio", render_s / floor_s),
            ):
                samples[name][key].append(value)
        samples["jpeg48_half"]["floor"].append(timed(jpeg_decode(inputs["jpeg48"], 2)))
        whole = timed(lambda: render_video(inputs["clip"], out))
        samples["transcode"]["render"].append(whole - samples["poster"]["render"][-1])
    return {
        name: {k: statistics.median(v) for k, v in values.items()}
        for name, values in samples.items()
    }


FLOORS = {
    "jpeg12": "decode 12 MP JPEG @1/2",
    "jpeg48": "decode 48 MP JPEG @1/4",
    "heic12": "pillow-heif decode 12 MP",
    "poster": "PyAV first 1080p frame",
}


def print_table(
    results: dict[str, dict[str, float]], rss: dict[str, float], inputs: dict[str, Path]
) -> None:
    header = ("case", "floor", "floor ms", "render ms", "ratio", "peak RSS", "target")
    print("\n{:<8} {:<26} {:>9} {:>10} {:>6} {:>9}  {}".format(*header))
    for name, floor in FLOORS.items():
        row = results[name]
        cells = (name, floor, row["floor"] * 1000, row["render"] * 1000, row["ratio"])
        print("{:<8} {:<26} {:9.1f} {:10.1f} {:6.2f}".format(*cells), end="")
        print(f" {rss[name]:7.0f}MB  {TARGETS[name]}")
    half = results["jpeg48_half"]["floor"] * 1000
    print(f"{'':<8} {'decode 48 MP JPEG @1/2':<26} {half:9.1f}")
    transcode = results["transcode"]["render"]
    print(
        f"{'variants':<8} {'720p+360p, 10 s of 1080p':<26} {'':>9} {transcode * 1000:10.0f}", end=""
    )
    print(f" {'':>6} {rss['video']:7.0f}MB  {transcode / CLIP_SECONDS:.2f} s per s of video")
    print(f"\nRSS that only decodes: 12 MP @1/2 {rss['floor2']:.0f} MB, 48 MP @1/4", end="")
    print(f" {rss['floor4']:.0f} MB; interpreter and libraries alone {rss['idle']:.0f} MB")
    sizes = {name: f"{path.stat().st_size / 1e6:.1f} MB" for name, path in inputs.items()}
    print(f"inputs: {json.dumps(sizes)}")


def prepare(work: Path) -> dict[str, Path]:
    """Generate (or reuse) the inputs."""
    jpeg12 = camera_jpeg(work / "camera-12mp.jpg", 4032, 3024)
    return {
        "jpeg12": jpeg12,
        "jpeg48": camera_jpeg(work / "camera-48mp.jpg", 8064, 6048),
        "heic12": camera_heic(work / "camera-12mp.heic", jpeg12),
        "clip": phone_clip(work / "phone-1080p-10s.mp4"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--workdir", type=Path, default=Path(tempfile.gettempdir()) / "renditions-probe"
    )
    parser.add_argument("--prepare", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--rss", nargs=3, metavar=("CASE", "PATH", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    work: Path = args.workdir
    if args.rss:
        rss_child(args.rss[0], Path(args.rss[1]), Path(args.rss[2]))
        return
    if args.prepare:
        prepare(work)
        return
    out = work / "out"
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    # Generated in a child: Linux carries a parent's peak RSS through fork and exec into
    # ru_maxrss, so the RSS children below must be spawned from a process that stayed small.
    subprocess.run([sys.executable, __file__, "--prepare", "--workdir", str(work)], check=True)
    inputs = prepare(work)
    print(
        f"inputs ready in {time.perf_counter() - started:.1f} s in {work}; {os.cpu_count()} cores"
    )
    rss = {
        "jpeg12": peak_rss_mb("jpeg", inputs["jpeg12"], out),
        "jpeg48": peak_rss_mb("jpeg", inputs["jpeg48"], out),
        "heic12": peak_rss_mb("heic", inputs["heic12"], out),
        "poster": peak_rss_mb("poster", inputs["clip"], out),
        "video": peak_rss_mb("video", inputs["clip"], out),
        "floor2": peak_rss_mb("floor2", inputs["jpeg12"], out),
        "floor4": peak_rss_mb("floor4", inputs["jpeg48"], out),
        "idle": peak_rss_mb("idle", inputs["jpeg12"], out),
    }
    one_core()
    print_table(measure(inputs, out, args.rounds), rss, inputs)


if __name__ == "__main__":
    main()
