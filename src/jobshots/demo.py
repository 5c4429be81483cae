"""The demo company `make run` serves: a few jobs with photos of each type."""

from __future__ import annotations

import io
import random
import secrets
from dataclasses import dataclass

from PIL import Image, ImageDraw
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
from jobshots.media.incoming import IncomingFile, Spool

DEMO_COMPANY = "Demo Property Services"
DEMO_OWNER = "demo@jobshots.example"
DEMO_KEY_NAME = "make run"
# (title, photo types, address: line 1, city, postcode, latitude, longitude)
JOBS = [
    ("Boiler service - 14 Elm Road", ["before", "after"],
     ("14 Elm Road", "Leeds", "LS6 2AB", 53.8162, -1.5671)),
    ("Leak investigation - Flat 3, 9 Mill Lane", ["before", "during", "after"],
     ("Flat 3, 9 Mill Lane", "Leeds", "LS11 5DP", 53.7861, -1.5523)),
    ("Roof repair - 27 Station Street", ["before", "during"],
     ("27 Station Street", "Leeds", "LS1 4DY", 53.7953, -1.5466)),
]  # fmt: skip


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
    rng = random.Random(7)  # noqa: S311  (demo pictures, not secrets)
    for title, types, (line1, city, postcode, latitude, longitude) in JOBS:
        job = jobs.create(uow, principal, title)
        address = reference.create(
            uow, principal, "addresses",
            {"address_line_1": line1, "city": city, "postcode": postcode,
             "latitude": latitude, "longitude": longitude},
        )  # fmt: skip
        jobs.change(uow, principal, job.id, JobChanges({"address_id": address.id}))
        for photo_type in types:
            incoming = _sample_photo(ctx, f"{photo_type}.jpg", rng)
            try:
                photos.upload_to_job(
                    uow, principal, str(job.uuid), [incoming], photos.PhotoDetails(photo_type)
                )
            finally:
                incoming.discard()


def _sample_photo(ctx: Context, name: str, rng: random.Random) -> IncomingFile:
    image = Image.new("RGB", (1200, 900), tuple(rng.randrange(60, 200) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for _ in range(40):
        x, y = rng.randrange(1200), rng.randrange(900)
        colour = tuple(rng.randrange(256) for _ in range(3))
        draw.rectangle((x, y, x + rng.randrange(40, 300), y + rng.randrange(40, 300)), colour)
    draw.text((40, 40), name, fill=(255, 255, 255))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    spool = Spool(ctx.storage.staging_dir(), len(buffer.getvalue()), name)
    spool.write(buffer.getvalue())
    return spool.finish()
