"""The few real files every bench row shares: sample JPEGs with their renditions, a PDF."""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw

from jobshots.storage import keys
from jobshots.storage.base import Storage
from jobshots.storage.local import LocalStorage

PHOTO_SAMPLES = 6
# Each kind of a photo's files: the original, then the renditions the pipeline makes.
SIZES = {"original": (2048, 1536), "large": (1600, 1200), "thumbnail": (200, 150)}
_COLOURS = ["#8a5a44", "#5b7f95", "#6f8f4e", "#a0a0a0", "#b3863c", "#4d4d6b"]
DOCUMENT_FOLDER = "document"


@dataclass(frozen=True)
class SampleFile:
    """One stored sample: its size and SHA-256, copied onto every row that shares it."""

    width: int
    height: int
    size: int
    sha256: str


def store_samples(storage: Storage) -> tuple[list[dict[str, SampleFile]], SampleFile]:
    """Store the sample photos (each with its renditions) and the sample PDF, once."""
    photos = []
    for n in range(PHOTO_SAMPLES):
        made = {}
        for kind, (width, height) in SIZES.items():
            data = _jpeg(n, width, height)
            _put(storage, keys.bench_sample(f"photo_{n}", kind, "jpg"), data, "image/jpeg")
            made[kind] = SampleFile(width, height, len(data), hashlib.sha256(data).hexdigest())
        photos.append(made)
    pdf = _pdf()
    _put(storage, keys.bench_sample(DOCUMENT_FOLDER, "original", "pdf"), pdf, "application/pdf")
    return photos, SampleFile(0, 0, len(pdf), hashlib.sha256(pdf).hexdigest())


def link_folders(storage: Storage, links: list[tuple[str, str]]) -> bool:
    """Make each row's folder (of a key it names) a link to a sample's folder; local stores only.

    `links` holds (a key of the row, the key of the sample file standing for it). The keys
    stay unique, as the schema wants, while the bytes are stored once. False for a store
    that cannot link (S3): the rows' files are then absent, which no list or detail reads.
    """
    if not isinstance(storage, LocalStorage):
        return False
    root = storage.root
    made_dirs: set[Path] = set()
    for row_key, sample_key in links:
        folder = root / row_key.rsplit("/", 1)[0]
        if folder.parent not in made_dirs:
            folder.parent.mkdir(parents=True, exist_ok=True)
            made_dirs.add(folder.parent)
        target = root / sample_key.rsplit("/", 1)[0]
        os.symlink(target, folder, target_is_directory=True)
    return True


def _put(storage: Storage, key: str, data: bytes, content_type: str) -> None:
    with tempfile.NamedTemporaryFile(delete=False, dir=storage.staging_dir()) as staged:
        staged.write(data)
    storage.put_file(key, Path(staged.name), content_type)


def _jpeg(n: int, width: int, height: int) -> bytes:
    """A picture of a wall with a window, different for each sample, at one size."""
    image = Image.new("RGB", (width, height), _COLOURS[n % len(_COLOURS)])
    draw = ImageDraw.Draw(image)
    for row in range(0, height, max(height // 24, 1)):
        shade = 20 + (row * 7 + n * 13) % 40
        draw.line([(0, row), (width, row)], fill=(shade, shade, shade), width=1)
    draw.rectangle(
        [width // 4, height // 5, width // 4 + width // 3, height // 5 + height // 3],
        fill="#dfe8ee",
        outline="#f4f4f4",
        width=max(width // 100, 1),
    )
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def _pdf() -> bytes:
    """A one-page PDF certificate."""
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.drawString(72, 760, "Gas Safety Certificate (bench sample)")
    page.save()
    return out.getvalue()
