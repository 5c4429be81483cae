"""The CPU-heavy part of processing, as one picklable call for a worker process."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from jobshots.media import credentials, exif, fingerprint, images, sniff, video

VIDEO_KINDS = frozenset({"mp4", "mov"})


class UnprocessableMedia(Exception):
    """The file cannot be described or rendered; recorded as the photo's failure reason."""


@dataclass(frozen=True)
class DecodeJob:
    """One original on local disk to describe and render into `out_dir`."""

    source: Path
    kind: str
    out_dir: Path


@dataclass(frozen=True)
class DecodeResult:
    """What the original revealed and the renditions made from it."""

    facts: exif.PhotoFacts | None
    video: video.VideoFacts | None
    renditions: list[images.RenderedFile]
    # 64-bit perceptual hash of the thumbnail (a video's is its poster frame's), as a signed
    # integer; None when the picture is too flat to tell one scene from another.
    perceptual_hash: int | None = None
    # The file's Content Credentials, read here too: a manifest is untrusted input as well.
    credentials: credentials.Credentials | None = None


def configure_worker_process() -> None:
    """One decoding thread per worker process: parallelism comes from one process per core."""
    import pillow_heif
    import pyvips

    pyvips.concurrency_set(1)
    pillow_heif.options.DECODE_THREADS = 1


def decode(job: DecodeJob) -> DecodeResult:
    """Describe and render one original; raise UnprocessableMedia for a bad file."""
    try:
        if job.kind in VIDEO_KINDS:
            facts_of_video, made = video.render_video(job.source, job.out_dir)
            return DecodeResult(
                facts=None, video=facts_of_video, renditions=made, perceptual_hash=_hash(made)
            )
        facts = exif.read_facts(job.source)
        made = images.render_image(job.source, job.kind, job.out_dir)
        return DecodeResult(facts=facts, video=None, renditions=made, perceptual_hash=_hash(made))
    except (images.RenderError, exif.UnreadablePhoto) as exc:
        raise UnprocessableMedia(str(exc) or type(exc).__name__) from exc


def examine(job: DecodeJob) -> DecodeResult:
    """All that processing reads from the file: `decode`, then its Content Credentials."""
    decoded = decode(job)
    found = credentials.read(job.source, sniff.of_kind(job.kind).mime_type)
    return replace(decoded, credentials=found)


def _hash(made: list[images.RenderedFile]) -> int | None:
    # The thumbnail: already small and upright, so hashing it costs a fraction of rendering.
    thumbnail = next(rendered for rendered in made if rendered.kind == "thumbnail")
    return fingerprint.perceptual_hash(thumbnail.path)
