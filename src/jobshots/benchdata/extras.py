"""What else a job's pages list: case notes (sealed), timeline messages and documents."""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta
from typing import Any

from jobshots.benchdata import words
from jobshots.benchdata.jobs import BenchJob
from jobshots.benchdata.plan import new_uuid
from jobshots.benchdata.samples import DOCUMENT_FOLDER, SampleFile
from jobshots.db.sealed import KeyRing
from jobshots.storage import keys

NOTE_COLUMNS = ("id", "uuid", "company_id", "job_id", "author_id", "body_enc", "is_pinned",
                "send_email", "email_attempts", "created_at", "updated_at")  # fmt: skip
MESSAGE_COLUMNS = ("id", "uuid", "company_id", "job_id", "author_id", "body", "created_at")
DOCUMENT_COLUMNS = ("id", "uuid", "company_id", "job_id", "category_id", "uploaded_by_id",
                    "file_name", "file_size", "mime_type", "checksum_sha256", "storage_key",
                    "created_at", "updated_at")  # fmt: skip
# Up to this many of each per job, evenly drawn.
MOST_NOTES, MOST_MESSAGES, MOST_DOCUMENTS = 4, 3, 2


class ExtraRows:
    """Notes, messages and documents of the jobs, with the document files to link."""

    def __init__(self, ring: KeyRing, pdf: SampleFile, ids: dict[str, int]) -> None:
        self.ring, self.pdf, self.ids = ring, pdf, ids
        self.notes: list[tuple[Any, ...]] = []
        self.messages: list[tuple[Any, ...]] = []
        self.documents: list[tuple[Any, ...]] = []
        self.links: list[tuple[str, str]] = []

    def add_job(self, rng: random.Random, job: BenchJob, now: datetime) -> None:
        """A few notes, messages and documents on `job`, dated after it opened."""
        company = job.company
        writers = [company.owner_id, *company.people["manager"], *company.people["staff"]]
        for _ in range(rng.randint(0, MOST_NOTES)):
            note_uuid = new_uuid(rng)
            # As db.sealed's Sealed attribute seals `body`: bound to table, column and row.
            body = self.ring.seal(rng.choice(words.NOTES), b"case_notes.body:" + note_uuid.bytes)
            at = _after(rng, job, now)
            pinned = rng.random() < 0.05
            self.notes.append((self._next("case_notes"), note_uuid, company.id, job.id,
                               rng.choice(writers), body, pinned, False, 0, at, at))  # fmt: skip
        for _ in range(rng.randint(0, MOST_MESSAGES)):
            self.messages.append((self._next("job_messages"), new_uuid(rng), company.id, job.id,
                                  rng.choice(company.people["contractor"]),
                                  rng.choice(words.MESSAGES), _after(rng, job, now)))  # fmt: skip
        for n in range(rng.choice([0, 0, 0, 1, MOST_DOCUMENTS])):
            document_uuid = new_uuid(rng)
            key = keys.document(uuid.UUID(company.uuid), document_uuid, "pdf")
            at = _after(rng, job, now)
            self.documents.append((self._next("documents"), document_uuid, company.id, job.id,
                                   rng.choice(company.document_categories), rng.choice(writers),
                                   f"certificate-{n + 1}.pdf", self.pdf.size, "application/pdf",
                                   self.pdf.sha256, key, at, at))  # fmt: skip
            self.links.append((key, keys.bench_sample(DOCUMENT_FOLDER, "original", "pdf")))

    def _next(self, table: str) -> int:
        self.ids[table] += 1
        return self.ids[table]


def _after(rng: random.Random, job: BenchJob, now: datetime) -> datetime:
    return min(job.created_at + timedelta(hours=rng.uniform(1, 24 * 20)), now)
