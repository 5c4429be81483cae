"""Processed photos with their renditions, as COPY rows, each sharing a sample's files."""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta
from typing import Any

from jobshots.benchdata import words
from jobshots.benchdata.jobs import BenchJob
from jobshots.benchdata.plan import new_uuid
from jobshots.benchdata.samples import SampleFile
from jobshots.storage import keys

PHOTO_COLUMNS = (
    "id", "uuid", "company_id", "job_id", "uploaded_by_id", "created_by_id", "updated_by_id",
    "name", "description", "photo_type", "is_video", "file_name", "file_size", "mime_type",
    "checksum_sha256", "storage_key", "width", "height", "orientation", "taken_at",
    "taken_at_source", "latitude", "longitude", "location_source", "tags", "related_to", "state",
    "processing_attempts", "stored_at", "processed_at", "customer_email_sent", "flags",
    "created_at", "updated_at",
)  # fmt: skip
RENDITION_COLUMNS = ("id", "uuid", "photo_id", "kind", "storage_key", "mime_type", "width",
                     "height", "file_size", "created_at")  # fmt: skip
RENDITIONS = ("thumbnail", "large")
TYPES = ("before", "during", "after", "other")
TYPE_WEIGHTS = (30, 25, 35, 10)
# Photos of a job are taken within this long of its opening.
SPREAD = timedelta(days=30)


class PhotoRows:
    """The rows of a batch of photos: the photos', their renditions' and the files to link."""

    def __init__(self, samples: list[dict[str, SampleFile]]) -> None:
        self.samples = samples
        self.photos: list[tuple[Any, ...]] = []
        self.renditions: list[tuple[Any, ...]] = []
        # (the photo's original key, the sample's original key) for samples.link_folders.
        self.links: list[tuple[str, str]] = []

    def add_job(
        self, rng: random.Random, job: BenchJob, count: int, ids: tuple[int, int], now: datetime
    ) -> tuple[int, int]:
        """Add `count` photos of `job`; the next photo and rendition ids."""
        next_photo, next_rendition = ids
        company_uuid = uuid.UUID(job.company.uuid)
        uploaders = [job.company.owner_id, *job.company.people["contractor"]]
        span = min(SPREAD, now - job.created_at).total_seconds()
        for n in range(count):
            photo_uuid = new_uuid(rng)
            sample_n = rng.randrange(len(self.samples))
            sample = self.samples[sample_n]
            original = sample["original"]
            taken = job.created_at + timedelta(seconds=rng.random() * span)
            stored = min(taken + timedelta(minutes=rng.uniform(1, 120)), now)
            key = keys.photo_original(company_uuid, photo_uuid, "jpg")
            uploader = rng.choice(uploaders)
            self.photos.append(
                (next_photo, photo_uuid, job.company.id, job.id, uploader, uploader, uploader,
                 f"IMG_{n:04d}.jpg", _description(rng), rng.choices(TYPES, TYPE_WEIGHTS)[0],
                 False, f"IMG_{n:04d}.jpg", original.size, "image/jpeg", original.sha256, key,
                 original.width, original.height, 1, taken, "exif",
                 job.address.latitude + rng.uniform(-0.0005, 0.0005),
                 job.address.longitude + rng.uniform(-0.0005, 0.0005), "exif", "[]", "[]",
                 "processed", 1, stored, stored, False, "[]", stored, stored)
            )  # fmt: skip
            for kind in RENDITIONS:
                made = sample[kind]
                self.renditions.append(
                    (next_rendition, new_uuid(rng), next_photo, kind,
                     keys.rendition(company_uuid, photo_uuid, kind, "jpg"), "image/jpeg",
                     made.width, made.height, made.size, stored)
                )  # fmt: skip
                next_rendition += 1
            self.links.append((key, keys.bench_sample(f"photo_{sample_n}", "original", "jpg")))
            next_photo += 1
        return next_photo, next_rendition


def _description(rng: random.Random) -> str | None:
    """Four photos in ten have no description; the rest name a room and what is shown."""
    if rng.random() < 0.4:
        return None
    room, item = rng.choice(words.ROOMS), rng.choice(words.ITEMS)
    return f"{room.title()} {item}, {rng.choice(['before works', 'damage', 'repaired', 'detail'])}"
