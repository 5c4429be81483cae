"""The demo company `make run` serves: a few jobs with photos of each type."""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from jobshots.core.apikeys import service as apikeys
from jobshots.core.companies import service as companies
from jobshots.core.context import Context
from jobshots.core.jobs import service as jobs
from jobshots.core.jobs.changes import JobChanges
from jobshots.core.photos import service as photos
from jobshots.core.reference import service as reference
from jobshots.core.uow import UnitOfWork
from jobshots.core.users import service as users
from jobshots.db.models import ApiKey, Company, Job, User
from jobshots.db.types import utcnow
from jobshots.demo import scenes
from jobshots.demo.camera import Shot, jpeg, near
from jobshots.media.incoming import IncomingFile, Spool

DEMO_COMPANY = "Demo Property Services"
DEMO_OWNER = "demo@jobshots.example"
DEMO_KEY_NAME = "make run"
_DAY = timedelta(days=1)
# (title, address (line 1, city, postcode, latitude, longitude), phone (make, model),
#  days ago the job began, photos (file name, type, scene, day of the job, time of day))
JOBS = [
    ("Boiler service - 14 Elm Road",
     ("14 Elm Road", "Leeds", "LS6 2AB", 53.8162, -1.5671), ("Apple", "iPhone 13"), 6,
     [("boiler-as-found.jpg", "before", scenes.boiler("before"), 0, "09:12"),
      ("hall-damp.jpg", "other", scenes.damp_wall("before"), 0, "09:20"),
      ("boiler-casing-off.jpg", "during", scenes.boiler("during"), 0, "09:41"),
      ("boiler-heat-exchanger.jpg", "during", scenes.boiler("during"), 0, "10:18"),
      ("boiler-serviced.jpg", "after", scenes.boiler("after"), 0, "10:55")]),
    ("Leak investigation - Flat 3, 9 Mill Lane",
     ("Flat 3, 9 Mill Lane", "Leeds", "LS11 5DP", 53.7861, -1.5523), ("samsung", "SM-A546B"), 5,
     [("bedroom-wall-damp.jpg", "before", scenes.damp_wall("before"), 0, "10:05"),
      ("bathroom-cracked-tiles.jpg", "before", scenes.tiled_wall("before"), 0, "10:12"),
      ("tiles-off-leaking-joint.jpg", "during", scenes.tiled_wall("during"), 1, "09:30"),
      ("wall-hacked-off.jpg", "during", scenes.damp_wall("during"), 1, "11:20"),
      ("bathroom-retiled.jpg", "after", scenes.tiled_wall("after"), 2, "15:10"),
      ("bedroom-wall-replastered.jpg", "after", scenes.damp_wall("after"), 2, "15:25")]),
    ("Roof repair - 27 Station Street",
     ("27 Station Street", "Leeds", "LS1 4DY", 53.7953, -1.5466), ("Google", "Pixel 7a"), 3,
     [("roof-slipped-slates.jpg", "before", scenes.roof("before"), 0, "08:45"),
      ("roof-missing-slates.jpg", "before", scenes.roof("before"), 0, "08:52"),
      ("ceiling-under-leak.jpg", "other", scenes.damp_wall("before"), 0, "09:10"),
      ("roof-stripped-to-battens.jpg", "during", scenes.roof("during"), 1, "13:15"),
      ("roof-reslated.jpg", "after", scenes.roof("after"), 1, "16:30")]),
]  # fmt: skip


@dataclass(frozen=True)
class DemoJob:
    """One demo job: its title, its address and the photos taken there."""

    title: str
    address: tuple[str, str, str, float, float]
    shots: list[Shot]


def demo_jobs(now: datetime) -> list[DemoJob]:
    """The demo's jobs, each photographed on its own days before `now`, near its address."""
    today = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    planned = []
    for title, address, (make, model), days_ago, photos_taken in JOBS:
        rng = random.Random(title)  # noqa: S311  (where a phone stood, not a secret)
        shots = [
            Shot(name, photo_type, scene,
                 today + (day - days_ago) * _DAY + _clock(at),
                 *near(address[3], address[4], rng), make, model)
            for name, photo_type, scene, day, at in photos_taken
        ]  # fmt: skip
        planned.append(DemoJob(title, address, shots))
    return planned


@dataclass(frozen=True)
class DemoResult:
    """What `make run` prints; no key when the database belongs to someone else."""

    created: bool
    company_name: str | None
    api_key: str | None
    job_uuid: str | None
    workspace: str | None = None
    email: str | None = None
    password: str | None = None


def ensure_demo(ctx: Context) -> DemoResult:
    """Create the demo in an empty database; issue a fresh key only for the demo's own owner."""
    with ctx.uow() as uow:
        owner = uow.session.scalars(
            select(User).where(User.email == DEMO_OWNER, User.role == "owner").limit(1)
        ).first()
        created = False
        if owner is None:
            if uow.session.scalar(select(func.count()).select_from(Company)):
                return DemoResult(created=False, company_name=None, api_key=None, job_uuid=None)
            owner = companies.create(uow, DEMO_COMPANY, DEMO_OWNER, "Dana Demo").owner
            _sample_jobs(uow, ctx, owner)
            created = True
        key = _fresh_demo_key(uow, owner)
        # A new password each run, printed like the key: the demo's sign-in.
        password = secrets.token_urlsafe(12)
        users.set_password(uow, owner, password)
        first_job = uow.session.scalars(
            select(Job).where(Job.company_id == owner.company_id).order_by(Job.id).limit(1)
        ).first()
        return DemoResult(
            created=created,
            company_name=owner.company.name,
            api_key=key,
            job_uuid=str(first_job.uuid) if first_job else None,
            workspace=str(owner.company.uuid),
            email=owner.email,
            password=password,
        )


def _clock(time_of_day: str) -> timedelta:
    hours, minutes = time_of_day.split(":")
    return timedelta(hours=int(hours), minutes=int(minutes))


def _fresh_demo_key(uow: UnitOfWork, owner: User) -> str:
    """Revoke the previous run's demo key so keys do not pile up, and issue a new one."""
    previous = uow.session.scalars(
        select(ApiKey).where(
            ApiKey.user_id == owner.id, ApiKey.name == DEMO_KEY_NAME, ApiKey.revoked_at.is_(None)
        )
    )
    for key in previous:
        key.revoked_at = utcnow()
    return apikeys.issue(uow, owner, name=DEMO_KEY_NAME).secret


def _sample_jobs(uow: UnitOfWork, ctx: Context, owner: User) -> None:
    principal = users.acting_as(owner)
    for planned in demo_jobs(utcnow()):
        job = jobs.create(uow, principal, planned.title)
        line1, city, postcode, latitude, longitude = planned.address
        address = reference.create(
            uow, principal, "addresses",
            {"address_line_1": line1, "city": city, "postcode": postcode,
             "latitude": latitude, "longitude": longitude},
        )  # fmt: skip
        jobs.change(uow, principal, job.id, JobChanges({"address_id": address.id}))
        # Opened the morning of its first photo, so the report's dates read in order.
        row = uow.session.get_one(Job, job.id)
        row.created_at = planned.shots[0].taken_at - timedelta(minutes=30)
        for shot in planned.shots:
            incoming = _sample_photo(ctx, shot, random.Random(f"{planned.title}/{shot.name}"))  # noqa: S311
            try:
                photos.upload_to_job(
                    uow, principal, str(job.uuid), [incoming], photos.PhotoDetails(shot.photo_type)
                )
            finally:
                incoming.discard()


def _sample_photo(ctx: Context, shot: Shot, rng: random.Random) -> IncomingFile:
    data = jpeg(shot, rng)
    spool = Spool(ctx.storage.staging_dir(), len(data), shot.name)
    spool.write(data)
    return spool.finish()
