"""A load run: a real server, seeded companies, locust against it, its memory sampled."""

from __future__ import annotations

import io
import json
import math
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from PIL import Image
from sqlalchemy import func, select

from jobshots.core.users import service as users
from jobshots.db.models import Photo, User
from tests.load.memory import MemorySampler, verdict
from tests.load.report import UPLOAD_ROUTES, LoadReport, read_stats
from tests.support.stack import Stack, running_stack

LOCUSTFILE = Path(__file__).with_name("locustfile.py")
PASSWORD = "load test crew password"
# The test stack's rate limits count every request but sit far above what the run sends:
# every virtual user comes from 127.0.0.1, where real crews come from many addresses.
SERVER_ENV: dict[str, str] = {}


@dataclass(frozen=True)
class LoadPlan:
    """How many users, for how long, and over what."""

    users: int = 50
    seconds: float = 300
    spawn_rate: float = 10
    max_requests: int = 100_000
    wait: tuple[float, float] = (1.0, 3.0)
    companies: int = 5
    jobs_per_company: int = 4
    photos_per_company: int = 3
    backend: str = "sqlite"
    storage: str = "local"


def run(plan: LoadPlan, workdir: Path, s3_endpoint: str | None = None) -> LoadReport:
    """Start a server, seed it, run locust against it and return what was measured."""
    workdir.mkdir(parents=True, exist_ok=True)
    with running_stack(plan.backend, plan.storage, workdir, s3_endpoint, SERVER_ENV) as stack:
        fixture = _seed(stack, plan, workdir)
        before = stack.photo_rows()
        assert stack.server.proc is not None
        sampler = MemorySampler(stack.server.proc.pid).start()
        started = time.monotonic()
        try:
            prefix = _locust(plan, stack.url, fixture, workdir)
        finally:
            sampler.stop()
        # Shorter than planned when the request allowance ran out first.
        elapsed = time.monotonic() - started
        routes, total, failures = read_stats(prefix)
        waiting = stack.scalars(
            select(func.count()).select_from(Photo).where(Photo.state == "stored")
        )[0]
        return LoadReport(
            users=plan.users,
            seconds=elapsed,
            backend=f"{plan.backend}+{plan.storage}",
            routes=routes,
            total=total,
            failures=failures,
            memory=verdict(sampler.samples, elapsed),
            memory_samples=sampler.samples,
            photos_acknowledged=sum(
                r.requests - r.failures for r in routes if r.name in UPLOAD_ROUTES
            ),
            photos_stored=stack.photo_rows() - before,
            photos_waiting=int(waiting),
        )


def _locust(plan: LoadPlan, url: str, fixture: Path, workdir: Path) -> Path:
    """Run locust headless, bounded in time and in requests; the file of its final figures."""
    prefix = workdir / "locust"
    final = workdir / "locust-final.json"
    command = [
        *(sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless"),
        *("-u", str(plan.users), "-r", str(plan.spawn_rate), "-t", f"{math.ceil(plan.seconds)}s"),
        *("--host", url, "--csv", str(prefix), "--only-summary", "--stop-timeout", "30"),
        # Failures are counted from the CSV, against the 0.1% allowance, not by exit code.
        *("--exit-code-on-error", "0", "--loglevel", "WARNING"),
    ]
    env = {
        "LOAD_FIXTURE": str(fixture),
        "LOAD_MAX_REQUESTS": str(plan.max_requests),
        "LOAD_WAIT": f"{plan.wait[0]},{plan.wait[1]}",
        # Locust's CSV files are rewritten each second and may miss the last answers.
        "LOAD_STATS": str(final),
    }
    log = workdir / "locust.log"
    with log.open("wb") as out:
        done = subprocess.run(
            command,
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
            timeout=plan.seconds + 180,
            check=False,
        )
    if done.returncode != 0:
        raise RuntimeError(f"locust exited {done.returncode}: {log.read_text()[-3000:]}")
    return final


def _seed(stack: Stack, plan: LoadPlan, workdir: Path) -> Path:
    """Companies, each with its people (a key and a password each), jobs and processed photos."""
    photo_files = []
    for number in range(12):
        path = workdir / f"photo-{number}.jpg"
        path.write_bytes(site_photo(number))
        photo_files.append(str(path))
    per_company = math.ceil(plan.users / plan.companies)
    companies = []
    for number in range(plan.companies):
        owner = stack.new_tenant(f"Load Co {number}")
        people = [owner] + [stack.new_colleague(owner) for _ in range(per_company - 1)]
        jobs = [stack.new_job_ids(owner, f"Job {n}") for n in range(plan.jobs_per_company)]
        for n in range(plan.photos_per_company):
            data = Path(photo_files[n % len(photo_files)]).read_bytes()
            stack.upload(owner, jobs[n % len(jobs)][1], f"seed-{n}.jpg", data)
        _set_passwords(stack, [person.owner_email for person in people])
        companies.append(
            {
                "uuid": owner.company_uuid,
                "people": [
                    {"api_key": p.api_key, "email": p.owner_email, "password": PASSWORD}
                    for p in people
                ],
                "jobs": [{"id": job_id, "uuid": job_uuid} for job_id, job_uuid in jobs],
                "owner_key": owner.api_key,
            }
        )
    stack.settle(180)
    for company in companies:
        company.update(_renditions(stack, str(company.pop("owner_key"))))
    fixture = workdir / "load-fixture.json"
    fixture.write_text(json.dumps({"companies": companies, "photos": photo_files}))
    return fixture


def _set_passwords(stack: Stack, emails: list[str]) -> None:
    with stack.server.core.uow() as uow:
        for email in emails:
            person = uow.session.scalars(select(User).where(User.email == email)).one()
            users.set_password(uow, person, PASSWORD)


def _renditions(stack: Stack, api_key: str) -> dict[str, list[str]]:
    """The seeded photos' access keys and their renditions' signed links (the server's own, or
    presigned URLs of the S3 store)."""
    with stack.client() as client:
        listed = client.get("/api/v2/photos.json", headers={"X-ApiToken": api_key})
    listed.raise_for_status()
    photos = listed.json()["photos"]
    links = [photo[version] for photo in photos for version in ("thumbnail", "large")]
    return {"photos": [photo["access_key"] for photo in photos], "links": links}


def site_photo(number: int) -> bytes:
    """A 640x480 JPEG of about 100 KB: a colour under grain, so each one decodes for real."""
    grain = Image.effect_noise((640, 480), 40).convert("RGB")
    colour = Image.new("RGB", (640, 480), f"hsl({number * 30}, 60%, 50%)")
    buffer = io.BytesIO()
    Image.blend(colour, grain, 0.35).save(buffer, "JPEG", quality=85)
    return buffer.getvalue()
