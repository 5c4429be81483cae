"""The job ZIP: a 200-photo job against a 5-photo one, same run, same photo size.

Each export runs in a fresh process (as `jobshots export zip` does) so its peak RSS is its
own. Reported: MB/s from the call to the last byte, the ratio of the two rates (near 1: no
per-photo cost growing with the job), and how far the larger job's peak RSS rose above the
smaller's (near 0: originals are streamed, never held).
"""

# Run: .venv/bin/python -m bench.zip_export [--rounds 5] [--workdir data/bench]
# Originals (random bytes, as incompressible as JPEG) are generated on each run, then removed.

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

from sqlalchemy import insert

from bench.uploads import _env, _free_port, _migrated_context
from jobshots.composition import build_context
from jobshots.config import get_settings
from jobshots.core.companies import service as companies
from jobshots.core.exports import zip as zip_export
from jobshots.core.jobs import service as jobs
from jobshots.core.reports import service as reports
from jobshots.core.users import service as users
from jobshots.db.models import Photo
from jobshots.db.types import utcnow
from jobshots.storage import keys

LARGE, SMALL = 200, 5
PHOTO_BYTES = 2 * 1024 * 1024
TYPES = ("before", "during", "after", "other")


def _fill(env: dict[str, str]) -> dict[int, str]:
    """A company with a job of each size, every photo a stored original; job UUID by size."""
    ctx = _migrated_context(env)
    made_jobs: dict[int, str] = {}
    with ctx.uow() as uow:
        made = companies.create(uow, "Bench Ltd", "bench@example.com")
        owner = users.acting_as(made.owner)
        now = utcnow()
        for count in (SMALL, LARGE):
            job = jobs.open_job(uow, owner, f"{count} photos")
            rows = []
            for n in range(count):
                photo_uuid = uuid.uuid4()
                key = keys.photo_original(made.company.uuid, photo_uuid, "jpg")
                data = os.urandom(PHOTO_BYTES)
                staged = ctx.storage.staging_dir() / f"{photo_uuid}.jpg"
                staged.write_bytes(data)
                ctx.storage.put_file(key, staged, "image/jpeg")
                rows.append(
                    {
                        "uuid": photo_uuid,
                        "company_id": made.company.id,
                        "job_id": job.id,
                        "created_by_id": made.owner.id,
                        "uploaded_by_id": made.owner.id,
                        "updated_by_id": made.owner.id,
                        "name": f"IMG_{n:04d}.jpg",
                        "file_name": f"IMG_{n:04d}.jpg",
                        "photo_type": TYPES[n % len(TYPES)],
                        "storage_key": key,
                        "mime_type": "image/jpeg",
                        "file_size": len(data),
                        "checksum_sha256": hashlib.sha256(data).hexdigest(),
                        "state": "processed",
                        "latitude": 51.5,
                        "longitude": -0.12,
                        "taken_at": now,
                        "created_at": now,
                        "updated_at": now,
                        "tags": [],
                        "related_to": [],
                    }
                )
            uow.session.execute(insert(Photo), rows)
            made_jobs[count] = str(job.uuid)
    ctx.close()
    return made_jobs


def _export_in_child(job: str) -> None:
    """In the child: stream the job's ZIP to nowhere; print its length and the seconds taken."""
    ctx = build_context(get_settings())
    try:
        started = time.perf_counter()
        with ctx.uow() as uow:
            principal = reports.acting_owner(uow, job)
            download = zip_export.job_zip(uow, principal, job)
        produced = sum(len(chunk) for chunk in download.chunks)
        seconds = time.perf_counter() - started
    finally:
        ctx.close()
    assert produced == download.length, (produced, download.length)
    print(json.dumps({"bytes": produced, "seconds": seconds}))


def _measure(env: dict[str, str], job: str) -> tuple[float, float]:
    """(MB/s, peak RSS MB) of one export in a fresh process."""
    command = [sys.executable, "-m", "bench.zip_export", "--child", job]
    proc = subprocess.Popen(
        command, env=env, cwd=Path(__file__).parent.parent, stdout=subprocess.PIPE
    )
    assert proc.stdout is not None
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    assert proc.returncode == 0, out
    result = json.loads(out)
    return result["bytes"] / 1e6 / result["seconds"], usage.ru_maxrss / 1024


def run(rounds: int, workdir: Path) -> list[str]:
    """Measure and return the report's lines."""
    workdir.mkdir(parents=True, exist_ok=True)
    for stale in workdir.glob("bench.db*"):
        stale.unlink()
    shutil.rmtree(workdir / "media", ignore_errors=True)
    env = _env(workdir, _free_port())
    made = _fill(env)
    try:
        small = [_measure(env, made[SMALL]) for _ in range(rounds)]
        large = [_measure(env, made[LARGE]) for _ in range(rounds)]
    finally:
        # 400 MB of random originals are not worth keeping between runs.
        shutil.rmtree(workdir / "media", ignore_errors=True)
    small_rate = statistics.median(rate for rate, _ in small)
    large_rate = statistics.median(rate for rate, _ in large)
    small_rss = statistics.median(rss for _, rss in small)
    large_rss = statistics.median(rss for _, rss in large)
    ratio = large_rate / small_rate
    rise = large_rss - small_rss
    mib = PHOTO_BYTES // (1024 * 1024)
    return [
        f"Job ZIP, store-only (SQLite, local storage, {mib} MiB originals, {rounds} rounds):",
        f"  {'photos':<8} {'MB/s':>8} {'peak RSS MB':>12}",
        f"  {SMALL:<8} {small_rate:8.1f} {small_rss:12.1f}",
        f"  {LARGE:<8} {large_rate:8.1f} {large_rss:12.1f}",
        f"  rate, {LARGE} against {SMALL} photos: {ratio:.2f}x "
        f"(target >= 0.8x, no per-photo cost growing): {'met' if ratio >= 0.8 else 'missed'}",
        f"  peak RSS, {LARGE} against {SMALL} photos: {rise:+.1f} MB "
        f"(target < 20 MB, originals streamed): {'met' if rise < 20 else 'missed'}",
    ]


def main() -> None:
    """Run on its own: python -m bench.zip_export."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--workdir", type=Path, default=Path("data/bench"))
    parser.add_argument("--child", metavar="JOB", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _export_in_child(args.child)
        return
    print("\n".join(run(args.rounds, args.workdir / "zip")))


if __name__ == "__main__":
    main()
