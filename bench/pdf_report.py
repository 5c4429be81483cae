"""The job PDF report: a 200-photo job against a 5-photo one, same run, same photo size.

Each report is drawn in a fresh process (as `jobshots export pdf` does) so its peak RSS is its
own. Reported: seconds from the call to the file written, seconds per photo and their ratio
(near 1: no per-photo cost growing with the job), the PDF's size, and how far the larger job's
peak RSS rose above the smaller's (reportlab holds the document until it is saved, so about
the PDF's size is expected; well beyond it would mean pictures decoded or copied).
"""

# Run: .venv/bin/python -m bench.pdf_report [--rounds 5] [--workdir data/bench]
# Large renditions (1600 x 1200 JPEG scenes) are generated on each run, then removed.

from __future__ import annotations

import argparse
import io
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

from PIL import Image, ImageDraw

from bench.uploads import _env, _free_port, _migrated_context
from jobshots.composition import build_context
from jobshots.config import get_settings
from jobshots.core.companies import service as companies
from jobshots.core.exports import pdf as pdf_export
from jobshots.core.jobs import service as jobs
from jobshots.core.reports import service as reports
from jobshots.core.users import service as users
from jobshots.db.models import Photo, Rendition
from jobshots.db.types import utcnow
from jobshots.storage import keys

LARGE, SMALL = 200, 5
TYPES = ("before", "during", "after", "other")
SCENES = 8


def _scenes() -> list[bytes]:
    """A few distinct 1600 x 1200 JPEGs, busy enough to weigh what a real large rendition does."""
    made = []
    for seed in range(SCENES):
        pick = random.Random(seed)

        def colour(pick: random.Random = pick) -> tuple[int, int, int]:
            return (pick.randrange(256), pick.randrange(256), pick.randrange(256))

        image = Image.new("RGB", (1600, 1200), colour())
        draw = ImageDraw.Draw(image)
        for _ in range(400):
            x, y = pick.randrange(1600), pick.randrange(1200)
            draw.rectangle((x, y, x + pick.randrange(200), y + pick.randrange(200)), fill=colour())
        out = io.BytesIO()
        image.save(out, "JPEG", quality=85)
        made.append(out.getvalue())
    return made


def _fill(env: dict[str, str]) -> tuple[dict[int, str], int]:
    """A company with a job of each size, every photo processed with a large rendition; the
    job UUIDs by size, and the mean rendition's bytes."""
    ctx = _migrated_context(env)
    scenes = _scenes()
    made_jobs: dict[int, str] = {}
    with ctx.uow() as uow:
        made = companies.create(uow, "Bench Ltd", "bench@example.com")
        owner = users.acting_as(made.owner)
        now = utcnow()
        for count in (SMALL, LARGE):
            job = jobs.open_job(uow, owner, f"{count} photos")
            for n in range(count):
                photo_uuid = uuid.uuid4()
                data = scenes[n % SCENES]
                key = keys.rendition(made.company.uuid, photo_uuid, "large", "jpg")
                staged = ctx.storage.staging_dir() / f"{photo_uuid}.jpg"
                staged.write_bytes(data)
                ctx.storage.put_file(key, staged, "image/jpeg")
                uow.session.add(
                    Photo(
                        uuid=photo_uuid,
                        company_id=made.company.id,
                        job_id=job.id,
                        created_by_id=made.owner.id,
                        uploaded_by_id=made.owner.id,
                        name=f"IMG_{n:04d}.jpg",
                        description=f"Photo {n} of the job: the boiler, the flue and the meter.",
                        photo_type=TYPES[n % len(TYPES)],
                        storage_key=keys.photo_original(made.company.uuid, photo_uuid, "jpg"),
                        mime_type="image/jpeg",
                        state="processed",
                        latitude=51.5,
                        longitude=-0.12,
                        taken_at=now,
                        tags=[],
                        related_to=[],
                        renditions=[
                            Rendition(
                                kind="large",
                                storage_key=key,
                                mime_type="image/jpeg",
                                width=1600,
                                height=1200,
                                file_size=len(data),
                                created_at=now,
                            )
                        ],
                    )
                )
            made_jobs[count] = str(job.uuid)
    ctx.close()
    return made_jobs, sum(map(len, scenes)) // SCENES


def _draw_in_child(job: str, out: Path) -> None:
    """In the child: write the job's report to `out`; print its size and the seconds taken."""
    ctx = build_context(get_settings())
    try:
        started = time.perf_counter()
        with ctx.uow() as uow:
            export = pdf_export.job_pdf(
                uow, reports.acting_owner(uow, job), job, include_locations=True
            )
        with out.open("wb") as f:
            export.write(f)
        seconds = time.perf_counter() - started
    finally:
        ctx.close()
    print(json.dumps({"bytes": out.stat().st_size, "seconds": seconds}))


def _measure(env: dict[str, str], job: str, out: Path) -> tuple[float, float, int]:
    """(seconds, peak RSS MB, PDF bytes) of one report drawn in a fresh process."""
    command = [sys.executable, "-m", "bench.pdf_report", "--child", job, "--out", str(out)]
    proc = subprocess.Popen(
        command, env=env, cwd=Path(__file__).parent.parent, stdout=subprocess.PIPE
    )
    assert proc.stdout is not None
    printed = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, printed
    result = json.loads(printed)
    return result["seconds"], usage.ru_maxrss / 1024, result["bytes"]


def run(rounds: int, workdir: Path) -> list[str]:
    """Measure and return the report's lines."""
    workdir.mkdir(parents=True, exist_ok=True)
    for stale in workdir.glob("bench.db*"):
        stale.unlink()
    shutil.rmtree(workdir / "media", ignore_errors=True)
    env = _env(workdir, _free_port())
    made, rendition_bytes = _fill(env)
    out = workdir / "report.pdf"
    try:
        small = [_measure(env, made[SMALL], out) for _ in range(rounds)]
        large = [_measure(env, made[LARGE], out) for _ in range(rounds)]
    finally:
        shutil.rmtree(workdir / "media", ignore_errors=True)
        out.unlink(missing_ok=True)
    small_s, large_s = (statistics.median(s for s, _, _ in runs) for runs in (small, large))
    small_rss, large_rss = (statistics.median(r for _, r, _ in runs) for runs in (small, large))
    small_mb, large_mb = (runs[-1][2] / 1e6 for runs in (small, large))
    per_photo = (large_s / LARGE) / (small_s / SMALL)
    rise = large_rss - small_rss
    return [
        f"Job PDF report, reportlab (SQLite, local storage, 1600 px large renditions of "
        f"{rendition_bytes / 1e3:.0f} kB, {rounds} rounds):",
        f"  {'photos':<8} {'seconds':>8} {'s/photo':>8} {'PDF MB':>8} {'peak RSS MB':>12}",
        f"  {SMALL:<8} {small_s:8.2f} {small_s / SMALL:8.3f} {small_mb:8.1f} {small_rss:12.1f}",
        f"  {LARGE:<8} {large_s:8.2f} {large_s / LARGE:8.3f} {large_mb:8.1f} {large_rss:12.1f}",
        f"  seconds per photo, {LARGE} against {SMALL} photos: {per_photo:.2f}x "
        f"(target <= 1.2x, no per-photo cost growing): {'met' if per_photo <= 1.2 else 'missed'}",
        f"  peak RSS, {LARGE} against {SMALL} photos: {rise:+.1f} MB for a PDF "
        f"{large_mb - small_mb:+.1f} MB larger (target: under 1.5x the PDF's growth, pictures "
        f"never decoded): {'met' if rise < 1.5 * (large_mb - small_mb) else 'missed'}",
    ]


def main() -> None:
    """Run on its own: python -m bench.pdf_report."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--workdir", type=Path, default=Path("data/bench"))
    parser.add_argument("--child", metavar="JOB", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _draw_in_child(args.child, args.out)
        return
    print("\n".join(run(args.rounds, args.workdir / "pdf")))


if __name__ == "__main__":
    main()
