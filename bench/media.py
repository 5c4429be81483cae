"""Rendition benchmarks: each rendition against its decode floor, and worker throughput."""

# Run: .venv/bin/python -m bench.media [--rounds 5] [--workdir data/bench]
# Inputs are generated once into the work directory and reused on later runs. Everything is
# measured in the same run; ratios are taken inside each round, then medians are reported.
# Each call is timed twice over: wall clock and this process's CPU time. The work is one
# thread's, so CPU time is its cost; on a shared machine the wall clock also counts the
# waits for a core, which stretch floor and rendition alike and pull the ratio towards 1.
# Targets are judged on the CPU-time ratio; the wall-clock ratio is printed beside it.

from __future__ import annotations

import argparse
import math
import os
import resource
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from fractions import Fraction
from multiprocessing import get_context
from pathlib import Path

import av
import pillow_heif
import pyvips
from av.video.reformatter import Colorspace
from PIL import Image

from bench import summary
from jobshots.media.images import image_from_pixels, large_pixels, load_for_large
from jobshots.media.pipeline import DecodeJob, DecodeResult, configure_worker_process, decode
from jobshots.media.video import poster_frame, render_video

ROOT = Path(__file__).resolve().parents[1]
CLIP_SECONDS, CLIP_RATE = 10, 30
POOL_PHOTOS = 60
POOL_TARGET = 26.0
# The 12 MP decode@1/2 floor on the machine where the 26/s target was set (perf-notes.md):
# photos/s x (floor here / floor there) restates the target for a slower or faster machine.
NOTES_FLOOR_S = 0.0395
RSS_LIMIT_MB = 200.0
PSNR_TARGET_DB = 40.0

Action = Callable[[], object]


@dataclass(frozen=True)
class Case:
    """One rendition measured against the decode that bounds it from below."""

    name: str
    floor: str
    limit: float
    target: str


CASES = (
    Case("jpeg12", "decode 12 MP JPEG @1/2", 1.5, "<= 1.5x"),
    Case("jpeg48", "decode 48 MP JPEG @1/4", 1.2, "<= 1.2x, RSS < 200 MB"),
    Case("heic12", "pillow-heif decode 12 MP", 1.1, "<= 1.1x"),
    Case("poster", "PyAV first 1080p frame", 1.2, "<= 1.2x"),
)


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


def camera_exif() -> bytes:
    """EXIF as a phone writes it: orientation 6, make and model, capture time, GPS."""
    exif = Image.Exif()
    exif[0x0112], exif[0x010F], exif[0x0110] = 6, "Bench", "Camera 12"
    exif[0x8769] = {0x9003: "2024:05:17 14:03:22", 0x9011: "-04:00"}
    exif[0x8825] = {1: "N", 2: (40.0, 26.0, 46.0), 3: "W", 4: (79.0, 58.0, 56.0)}
    return exif.tobytes()


def camera_jpeg(path: Path, width: int, height: int) -> Path:
    """A camera-like JPEG at q92 with EXIF orientation 6 and GPS."""
    if path.exists():
        return path
    image = scene(width, height, seed=width, grain=3.5)
    image.set_type(pyvips.GValue.blob_type, "exif-data", camera_exif())
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
    partial = path.with_suffix(".partial.mp4")
    with av.open(str(partial), "w", format="mp4") as output:
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
    partial.replace(path)
    return path


def clip_planes(width: int, height: int) -> list[tuple[bytes, int]]:
    """Y, U and V textures larger than a frame, for the camera to pan over."""
    rgb = scene(width, height, seed=7, grain=1.5)
    luma = rgb.colourspace("b-w")[0]
    chroma = [((rgb[band] - luma) * 0.5 + 128).resize(0.5).cast("uchar") for band in (2, 0)]
    return [(plane.write_to_memory(), plane.width) for plane in (luma.cast("uchar"), *chroma)]


def panned_frame(planes: list[tuple[bytes, int]], index: int) -> av.VideoFrame:
    """Frame `index` of the pan: a 1920x1080 window moving over the textures."""
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
    """A 440 Hz tone for the whole clip, so variants carry an audio track."""
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


def prepare(work: Path) -> dict[str, Path]:
    """Generate (or reuse) the inputs."""
    work.mkdir(parents=True, exist_ok=True)
    jpeg12 = camera_jpeg(work / "camera-12mp.jpg", 4032, 3024)
    return {
        "jpeg12": jpeg12,
        "jpeg48": camera_jpeg(work / "camera-48mp.jpg", 8064, 6048),
        "heic12": camera_heic(work / "camera-12mp.heic", jpeg12),
        "clip": phone_clip(work / "phone-1080p-10s.mp4"),
    }


# --- what is timed -----------------------------------------------------------------------


def jpeg_decode(path: Path, shrink: int) -> Action:
    """Decode the JPEG at 1/`shrink` scale and touch every pixel: no resize, no encode."""
    return lambda: pyvips.Image.new_from_file(str(path), shrink=shrink, access="sequential").avg()


def heic_decode(path: Path) -> Action:
    """Decode the HEIC to pixels with pillow-heif."""
    return lambda: len(pillow_heif.open_heif(path, convert_hdr_to_8bit=True).data)


def first_frame(path: Path) -> Action:
    """Open the video and decode its first frame, on one thread."""

    def decode_first() -> object:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            stream.codec_context.thread_count = 1
            return next(container.decode(stream))

    return decode_first


def pipeline_decode(source: Path, kind: str, out: Path) -> Action:
    """What a worker runs for a photo: EXIF and GPS read, thumbnail and large written."""
    job = DecodeJob(source, kind, out)
    return lambda: decode(job)


def actions(inputs: dict[str, Path], out: Path) -> dict[str, tuple[Action, Action]]:
    """(floor, ours) for every case, as zero-argument calls."""
    jpeg12, jpeg48, heic12 = inputs["jpeg12"], inputs["jpeg48"], inputs["heic12"]
    return {
        "jpeg12": (jpeg_decode(jpeg12, 2), pipeline_decode(jpeg12, "jpeg", out)),
        "jpeg48": (jpeg_decode(jpeg48, 4), pipeline_decode(jpeg48, "jpeg", out)),
        "heic12": (heic_decode(heic12), pipeline_decode(heic12, "heic", out)),
        "poster": (
            first_frame(inputs["clip"]),
            lambda: render_video(inputs["clip"], out, variants=False),
        ),
    }


def timed(action: Action) -> tuple[float, float]:
    """Wall-clock and CPU seconds that one call of `action` takes."""
    started, cpu = time.perf_counter(), time.process_time()
    action()
    return time.perf_counter() - started, time.process_time() - cpu


# --- quality -----------------------------------------------------------------------------
# PSNR of the large rendition against a reference made the slow way: the original decoded
# at full size (a video's first frame converted to RGB at full size), then resized to the
# same size with Lanczos3. The rendition's pixels are taken just before the JPEG encode
# (images.large_pixels, before the lossless turn upright): the q80 encode loses the same on
# both paths and would mask what shrink-on-load and the cheaper resampling cost. The
# delivered JPEG against the reference is printed too, with the loss of q80 alone beside it.


def psnr(ours: pyvips.Image, reference: pyvips.Image) -> float:
    """Peak signal-to-noise ratio in dB of two 8-bit images of one size, over all bands."""
    error = ours.cast("float") - reference.cast("float")
    mse = (error * error).avg()
    return math.inf if mse == 0 else 10 * math.log10(255**2 / mse)


def full_decode(case: str, path: Path) -> pyvips.Image:
    """The original (for the poster: its first frame) decoded at full size, 8-bit sRGB."""
    if case in ("jpeg12", "jpeg48"):
        return pyvips.Image.new_from_file(str(path))
    if case == "heic12":
        heif = pillow_heif.open_heif(path, convert_hdr_to_8bit=True)
        width, height = heif.size
        return image_from_pixels(heif.data, width, height, 3, heif.stride).copy_memory()
    with av.open(str(path)) as container:
        frame = next(container.decode(container.streams.video[0]))
    # The clip is untagged HD, which the pipeline (and players) read as BT.709.
    rgb = frame.reformat(format="rgb24", src_colorspace=Colorspace.ITU709)
    plane = rgb.planes[0]
    return image_from_pixels(bytes(plane), rgb.width, rgb.height, 3, plane.line_size)


def rendition_pixels(case: str, path: Path) -> pyvips.Image:
    """The large rendition's pixels as the pipeline has them just before the JPEG encode."""
    if case == "poster":
        return large_pixels(poster_frame(path)[1])
    return large_pixels(load_for_large(path, "heic" if case == "heic12" else "jpeg"))


def quality(case: str, path: Path, out: Path) -> dict[str, float]:
    """PSNR before the encode, of the delivered JPEG, and of the reference through q80 alone."""
    ours = rendition_pixels(case, path)
    full = full_decode(case, path)
    reference = full.resize(
        ours.width / full.width, vscale=ours.height / full.height, kernel="lanczos3"
    ).copy_memory()
    if case == "poster":
        render_video(path, out, variants=False)
    else:
        decode(DecodeJob(path, "heic" if case == "heic12" else "jpeg", out))
    delivered = pyvips.Image.new_from_file(str(out / "large.jpg"))
    upright = reference.autorot() if ours.get_typeof("orientation") else reference
    through_q80 = pyvips.Image.new_from_buffer(upright.jpegsave_buffer(Q=80), "")
    return {
        "psnr": psnr(ours, reference),
        "delivered": psnr(delivered, upright),
        "q80": psnr(through_q80, upright),
    }


# --- peak RSS ----------------------------------------------------------------------------


def own_peak_rss_mb() -> float:
    """This process's peak RSS: VmHWM, which (unlike ru_maxrss) inherits nothing of a parent."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def peak_rss_mb(case: str, path: Path, out: Path) -> float:
    """Peak RSS of a fresh worker-like process that does `case` on `path` once."""
    command = [sys.executable, "-m", "bench.media", "--rss", case, str(path), str(out)]
    result = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT)
    return float(result.stdout.strip().splitlines()[-1])


def rss_child(case: str, path: Path, out: Path) -> None:
    """The body of a `peak_rss_mb` child: one worker's work, then its peak RSS on stdout."""
    configure_worker_process()
    if case.startswith("floor"):
        jpeg_decode(path, int(case.removeprefix("floor")))()
    elif case in ("video", "poster"):
        render_video(path, out, variants=case == "video")
    elif case != "idle":
        decode(DecodeJob(path, case, out))
    print(own_peak_rss_mb())


def all_peak_rss(inputs: dict[str, Path], out: Path) -> dict[str, float]:
    """Peak RSS of each case, and of the floors and an idle worker for comparison."""
    children = {
        "jpeg12": ("jpeg", "jpeg12"),
        "jpeg48": ("jpeg", "jpeg48"),
        "heic12": ("heic", "heic12"),
        "poster": ("poster", "clip"),
        "variants": ("video", "clip"),
        "floor2": ("floor2", "jpeg12"),
        "floor4": ("floor4", "jpeg48"),
        "idle": ("idle", "jpeg12"),
    }
    return {name: peak_rss_mb(case, inputs[key], out) for name, (case, key) in children.items()}


# --- throughput --------------------------------------------------------------------------


def decode_in_worker(job: DecodeJob) -> tuple[DecodeResult, float]:
    """pipeline.decode as a pool worker runs it, plus the worker's peak RSS so far."""
    return decode(job), own_peak_rss_mb()


def pool_jobs(source: Path, out: Path) -> list[DecodeJob]:
    """POOL_PHOTOS jobs on the 12 MP JPEG, each writing into a directory of its own."""
    jobs = []
    for number in range(POOL_PHOTOS):
        directory = out / f"{number:02d}"
        directory.mkdir(parents=True, exist_ok=True)
        jobs.append(DecodeJob(source, "jpeg", directory))
    return jobs


@contextmanager
def worker_pool(workers: int, warm_up: list[DecodeJob]) -> Iterator[ProcessPoolExecutor]:
    """Decoding processes as `jobshots serve` starts them, started and warmed up."""
    context = get_context("forkserver")
    with ProcessPoolExecutor(
        workers, mp_context=context, initializer=configure_worker_process
    ) as pool:
        list(pool.map(decode_in_worker, warm_up[: 2 * workers]))
        yield pool


def photos_per_second(pool: ProcessPoolExecutor, jobs: list[DecodeJob]) -> tuple[float, float]:
    """Photos per second through `pool`, and the largest peak RSS its workers reported."""
    started = time.perf_counter()
    reports = list(pool.map(decode_in_worker, jobs))
    elapsed = time.perf_counter() - started
    return len(jobs) / elapsed, max(peak for _, peak in reports)


# --- rounds ------------------------------------------------------------------------------


def measure(inputs: dict[str, Path], out: Path, rounds: int) -> dict[str, float]:
    """Every figure in every round; the medians (RSS: the largest) keyed "case.what"."""
    cases = actions(inputs, out)
    jobs = pool_jobs(inputs["jpeg12"], out / "pool")
    samples: defaultdict[str, list[float]] = defaultdict(list)
    for floor, ours in cases.values():
        floor(), ours()  # warm-up: codecs loaded, files in the page cache
    with worker_pool(1, jobs) as single, worker_pool(2, jobs) as pair:
        for _ in range(rounds):
            for name, (floor, ours) in cases.items():
                (floor_s, floor_cpu), (ours_s, ours_cpu) = timed(floor), timed(ours)
                add(samples, name, floor=floor_s, ours=ours_s, ratio=ours_s / floor_s)
                add(samples, name, floor_cpu=floor_cpu, ours_cpu=ours_cpu)
                add(samples, name, cpu_ratio=ours_cpu / floor_cpu)
            whole, whole_cpu = timed(lambda: render_video(inputs["clip"], out))
            add(samples, "variants", ours=whole - samples["poster.ours"][-1])
            add(samples, "variants", ours_cpu=whole_cpu - samples["poster.ours_cpu"][-1])
            one, one_rss = photos_per_second(single, jobs)
            two, two_rss = photos_per_second(pair, jobs)
            scaled = two * samples["jpeg12.floor"][-1] / NOTES_FLOOR_S
            add(samples, "pool", one=one, two=two, ratio=two / one, scaled=scaled)
            add(samples, "pool", rss=max(one_rss, two_rss))
    medians = {key: statistics.median(values) for key, values in samples.items()}
    medians["pool.rss"] = max(samples["pool.rss"])
    return medians


def add(samples: defaultdict[str, list[float]], case: str, **figures: float) -> None:
    """Append one round's figures of `case` to the samples."""
    for what, value in figures.items():
        samples[f"{case}.{what}"].append(value)


# --- report ------------------------------------------------------------------------------


def table(rows: list[tuple[str, ...]], numeric: frozenset[int]) -> list[str]:
    """Rows as an aligned Markdown table, the first row its header."""
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]

    def line(cells: tuple[str, ...]) -> str:
        padded = (
            cell.rjust(width) if column in numeric else cell.ljust(width)
            for column, (cell, width) in enumerate(zip(cells, widths, strict=True))
        )
        return "| " + " | ".join(padded) + " |"

    dashes = (
        "-" * (width + 1) + (":" if column in numeric else "-")
        for column, width in enumerate(widths)
    )
    rule = "|" + "|".join(dashes) + "|"
    return [line(rows[0]), rule, *(line(row) for row in rows[1:])]


def case_rows(
    results: dict[str, float], rss: dict[str, float], quality: dict[str, dict[str, float]]
) -> list[tuple[str, ...]]:
    """The table: header, one row per case with its verdict, then the video variants."""
    rows: list[tuple[str, ...]] = [
        (
            "case",
            "floor",
            "floor CPU ms",
            "ours CPU ms",
            "ratio CPU",
            "ratio wall",
            "target",
            "verdict",
            "PSNR",
            "peak RSS",
        )
    ]
    for case in CASES:
        ratio = results[f"{case.name}.cpu_ratio"]
        sharp = quality[case.name]["psnr"]
        rows.append(
            (
                case.name,
                case.floor,
                f"{results[f'{case.name}.floor_cpu'] * 1000:.1f}",
                f"{results[f'{case.name}.ours_cpu'] * 1000:.1f}",
                f"{ratio:.2f}x",
                f"{results[f'{case.name}.ratio']:.2f}x",
                f"{case.target}, PSNR >= {PSNR_TARGET_DB:.0f} dB",
                met(ratio <= case.limit and sharp >= PSNR_TARGET_DB),
                f"{sharp:.1f} dB",
                f"{rss[case.name]:.0f} MB",
            )
        )
    transcode = results["variants.ours_cpu"]
    note = f"{transcode / CLIP_SECONDS:.2f} s per s of video; notes: 5.8 s"
    transcode_ms, peak = f"{transcode * 1000:.0f}", f"{rss['variants']:.0f} MB"
    rows.append(
        ("variants", "720p + 360p of 10 s 1080p", "", transcode_ms, "", "", note, "", "", peak)
    )
    return rows


def throughput_lines(results: dict[str, float]) -> list[str]:
    """Photos per second per core, and through one and two worker processes."""
    ours_ms = results["jpeg12.ours_cpu"] * 1000
    one, two, ratio = results["pool.one"], results["pool.two"], results["pool.ratio"]
    return [
        f"per core: {1000 / ours_ms:.1f} photos/s (1 / {ours_ms:.1f} ms CPU, 12 MP JPEG)",
        f"throughput, pipeline.decode (EXIF + renditions) of {POOL_PHOTOS} x 12 MP JPEG, "
        f"forkserver pool, worker peak RSS {results['pool.rss']:.0f} MB:",
        f"  1 worker {one:.1f} photos/s; 2 workers on 2 cores {two:.1f} photos/s "
        f"= {ratio:.2f}x of 1 worker; target >= {POOL_TARGET:.0f}/s",
        f"  scaled by the floor to the notes' machine ({NOTES_FLOOR_S * 1000} ms @1/2): "
        f"{results['pool.scaled']:.1f} photos/s",
    ]


def quality_lines(quality: dict[str, dict[str, float]]) -> list[str]:
    """How PSNR was taken, and the delivered JPEGs' PSNR next to what q80 alone costs."""
    delivered = "; ".join(
        f"{case.name} {quality[case.name]['delivered']:.1f} dB "
        f"(q80 alone {quality[case.name]['q80']:.1f} dB)"
        for case in CASES
    )
    return [
        "PSNR: the large rendition's pixels just before its JPEG encode, against the original "
        "decoded at full size and resized with Lanczos3 to the same size",
        f"PSNR of the delivered large JPEG against that reference: {delivered}",
    ]


def verdicts(
    results: dict[str, float], rss: dict[str, float], quality: dict[str, dict[str, float]]
) -> list[str]:
    """One line per target: met or missed, with the figure it was judged on."""
    lines = []
    for case in CASES:
        cpu, wall = results[f"{case.name}.cpu_ratio"], results[f"{case.name}.ratio"]
        lines.append(
            f"target {case.name} <= {case.limit}x its floor (CPU time): "
            f"{met(cpu <= case.limit)} ({cpu:.2f}x; wall clock {wall:.2f}x)"
        )
        summary.record(
            "renditions", f"{case.name}: both renditions (CPU time)", f"{cpu:.2f}x",
            case.floor, f"<= {case.limit}x", cpu <= case.limit,
        )  # fmt: skip
    for case in CASES:
        sharp = quality[case.name]["psnr"]
        lines.append(
            f"target {case.name} large PSNR >= {PSNR_TARGET_DB:.0f} dB: "
            f"{met(sharp >= PSNR_TARGET_DB)} ({sharp:.1f} dB)"
        )
        summary.record(
            "renditions", f"{case.name}: large rendition PSNR", f"{sharp:.1f} dB",
            "full decode + Lanczos3", f">= {PSNR_TARGET_DB:.0f} dB", sharp >= PSNR_TARGET_DB,
        )  # fmt: skip
    peak, two = rss["jpeg48"], results["pool.two"]
    lines.append(
        f"target jpeg48 worker peak RSS < {RSS_LIMIT_MB:.0f} MB: {met(peak < RSS_LIMIT_MB)}"
        f" ({peak:.0f} MB)",
    )
    scaled = results["pool.scaled"]
    lines.append(
        f"target two workers >= {POOL_TARGET:.0f} photos/s: {met(two >= POOL_TARGET)} ({two:.1f}/s)"
    )
    lines.append(
        f"target two workers >= {POOL_TARGET:.0f} photos/s, scaled by the floor: "
        f"{met(scaled >= POOL_TARGET)} ({scaled:.1f}/s)"
    )
    return lines


def met(ok: bool) -> str:
    """The verdict word."""
    return "met" if ok else "missed"


def context_lines(
    rss: dict[str, float], inputs: dict[str, Path], rounds: int, load: tuple[float, float]
) -> list[str]:
    """What the figures rest on: decode-only and idle RSS, inputs, rounds, machine load."""
    sizes = ", ".join(f"{name} {path.stat().st_size / 1e6:.1f} MB" for name, path in inputs.items())
    return [
        f"peak RSS that only decodes: 12 MP @1/2 {rss['floor2']:.0f} MB, "
        f"48 MP @1/4 {rss['floor4']:.0f} MB; an idle worker {rss['idle']:.0f} MB",
        f"inputs: {sizes}",
        f"medians over {rounds} rounds, ratios per round; {os.cpu_count()} cores, "
        "one decoding thread per process",
        f"load average (1 min) before {load[0]:.2f}, after {load[1]:.2f} "
        "(other work on the machine skews every figure)",
    ]


def run(rounds: int, workdir: Path) -> list[str]:
    """Measure the renditions and the worker throughput; return the report's lines."""
    work = workdir.resolve()
    started = time.perf_counter()
    # Generated in a child, so that this process stays as small as a worker.
    command = [sys.executable, "-m", "bench.media", "--prepare", "--workdir", str(work)]
    subprocess.run(command, check=True, cwd=ROOT)
    inputs = prepare(work)
    out = work / "out"
    out.mkdir(exist_ok=True)
    print(f"media: inputs ready in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    load_before = os.getloadavg()[0]
    rss = all_peak_rss(inputs, out)
    configure_worker_process()
    sources = {"jpeg12": "jpeg12", "jpeg48": "jpeg48", "heic12": "heic12", "poster": "clip"}
    sharpness = {case: quality(case, inputs[key], out) for case, key in sources.items()}
    results = measure(inputs, out, rounds)
    load = (load_before, os.getloadavg()[0])
    lines = table(case_rows(results, rss, sharpness), frozenset({2, 3, 4, 5, 8, 9}))
    lines += ["", *throughput_lines(results), *quality_lines(sharpness)]
    lines += [*context_lines(rss, inputs, rounds, load), ""]
    return lines + verdicts(results, rss, sharpness)


def main() -> None:
    """Command line: `python -m bench.media [--rounds N] [--workdir DIR]`."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--workdir", type=Path, default=Path("data/bench"))
    parser.add_argument("--prepare", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--rss", nargs=3, metavar=("CASE", "PATH", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rss:
        rss_child(args.rss[0], Path(args.rss[1]), Path(args.rss[2]))
    elif args.prepare:
        prepare(args.workdir)
    else:
        print("\n".join(run(args.rounds, args.workdir)))


if __name__ == "__main__":
    # Run through the imported module, so that pool workers can unpickle its functions.
    from bench import media

    media.main()
