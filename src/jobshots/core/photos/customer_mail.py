"""E-mailing chosen photos of a job to its customer: large renditions only, so never GPS.

A rendition is re-encoded without the original's EXIF, so no location or camera data leaves
with it. The e-mail goes after commit, by a task; only once the mail server took it are the
photos marked `customer_email_sent` and `photos.emailed` recorded in the job's activity.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from sqlalchemy import select

from jobshots.core import audit, permissions
from jobshots.core.context import Context
from jobshots.core.errors import Invalid
from jobshots.core.jobs import service as jobs
from jobshots.core.jobs.views import JobDetail
from jobshots.core.mail import outbound
from jobshots.core.mail.mailer import MailNotSent
from jobshots.core.photos import service as photos
from jobshots.core.photos.views import PhotoView
from jobshots.core.principal import Principal
from jobshots.core.tasks import Task
from jobshots.core.uow import UnitOfWork
from jobshots.core.users import service as users
from jobshots.db.models import Company, Job, Photo, User
from jobshots.db.types import utcnow

log = logging.getLogger(__name__)

EMAIL_PHOTOS = "email_photos"
RENDITION = "large"
PHOTOS_MAX = 20
MESSAGE_MAX = 5_000
ATTACHED_MAX = 20 * 1024 * 1024
NO_SMTP = "no SMTP server is configured"


@dataclass(frozen=True)
class CustomerEmail:
    """What the office chose to send: the photos (by UUID), to whom, and its message."""

    photo_uuids: list[str]
    to: str
    message: str


@dataclass(frozen=True)
class Draft:
    """What the e-mail page offers: the job, its photos that can be sent, and the customer's
    address when the job has one."""

    job: JobDetail
    photos: list[PhotoView]


def draft(uow: UnitOfWork, principal: Principal, job_uuid: str) -> Draft:
    """The job's photos ready to send, and the job they are of."""
    offered = emailable(uow, principal, job_uuid)
    return Draft(job=jobs.detail(uow, principal, job_uuid), photos=offered)


def emailable(uow: UnitOfWork, principal: Principal, job_uuid: str) -> list[PhotoView]:
    """The job's photos that can be sent: pictures whose large rendition is made."""
    principal.require(permissions.JOBS_MANAGE)
    shown = photos.of_job(uow, principal, job_uuid)
    return [photo for photo in shown if not photo.is_video and RENDITION in photo.renditions]


def send(uow: UnitOfWork, principal: Principal, job_uuid: str, email: CustomerEmail) -> int:
    """Queue the e-mail to go once this commits; how many photos it carries. Invalid, with
    every bad field, when the address, the message or the choice of photos is wrong."""
    offered = {str(photo.uuid): photo for photo in emailable(uow, principal, job_uuid)}
    job = jobs.get(uow, principal, job_uuid)
    chosen = list(dict.fromkeys(ref.strip().lower() for ref in email.photo_uuids))
    errors = _checked(email, chosen, offered)
    if not uow.settings.smtp_url:
        # Said now, not after the office was told the photos are on their way.
        errors.setdefault("to", []).append(f"cannot be e-mailed: {NO_SMTP} on this server")
    if errors:
        raise Invalid("the e-mail is invalid", errors)
    payload: dict[str, int | str] = {
        "job_id": job.id,
        "user_id": principal.user_id,
        "photos": ",".join(str(offered[ref].id) for ref in chosen),
        "to": email.to.strip(),
        "message": email.message.strip(),
    }
    uow.enqueue(Task(EMAIL_PHOTOS, payload))
    return len(chosen)


def deliver(ctx: Context, payload: dict[str, int | str]) -> str:
    """Send one queued e-mail of photos; on success mark them sent and record it."""
    job_id, user_id = int(payload["job_id"]), int(payload["user_id"])
    photo_ids = [int(part) for part in str(payload["photos"]).split(",") if part]
    to = str(payload["to"])
    with ctx.uow() as uow:
        job = uow.session.get(Job, job_id)
        sender = uow.session.get(User, user_id)
        if job is None or job.deleted_at is not None or sender is None:
            return "missing"
        chosen = _photos(uow, job, photo_ids)
        message = _message(ctx, uow, job, sender, chosen, to, str(payload["message"]))
        uuids = [str(photo.uuid) for photo in chosen]
    if ctx.mailer is None:
        return _failed(ctx, job_id, user_id, uuids, NO_SMTP)
    try:
        ctx.mailer.send(message, outbound.sender(ctx.settings), [to])
    except MailNotSent as exc:
        return _failed(ctx, job_id, user_id, uuids, exc.reason.replace(to, "<customer>"))
    except Exception as exc:
        log.exception("e-mailing photos of job %s failed unexpectedly", job_id)
        return _failed(ctx, job_id, user_id, uuids, type(exc).__name__)
    with ctx.uow() as uow:
        job = uow.session.get_one(Job, job_id)
        for photo in _photos(uow, job, photo_ids):
            photo.customer_email_sent = True
        _record(uow, job, user_id, "photos.emailed", {"photos": uuids, "count": len(uuids)})
    return "sent"


def _checked(
    email: CustomerEmail, chosen: list[str], offered: dict[str, PhotoView]
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not outbound.is_address(email.to.strip()):
        errors["to"] = ["must be an e-mail address"]
    if len(email.message.strip()) > MESSAGE_MAX:
        errors["message"] = [f"must be at most {MESSAGE_MAX} characters"]
    if not chosen:
        errors["photos"] = ["must name at least one photo"]
    elif len(chosen) > PHOTOS_MAX:
        errors["photos"] = [f"must be at most {PHOTOS_MAX} photos"]
    elif any(ref not in offered for ref in chosen):
        errors["photos"] = ["must be photos of this job that are ready to send"]
    elif sum(offered[ref].renditions[RENDITION].file_size for ref in chosen) > ATTACHED_MAX:
        errors["photos"] = [f"must come to at most {ATTACHED_MAX // (1024 * 1024)} MB together"]
    return errors


def _photos(uow: UnitOfWork, job: Job, photo_ids: list[int]) -> list[Photo]:
    query = select(Photo).where(
        Photo.id.in_(photo_ids), Photo.job_id == job.id, Photo.deleted_at.is_(None)
    )
    found = {photo.id: photo for photo in uow.session.scalars(query)}
    return [found[photo_id] for photo_id in photo_ids if photo_id in found]


def _message(
    ctx: Context, uow: UnitOfWork, job: Job, sender: User, chosen: list[Photo], to: str, note: str
) -> EmailMessage:
    company = uow.session.get_one(Company, job.company_id)
    mail = EmailMessage(policy=policy.SMTP)
    mail["Subject"] = " ".join(f"Photos from {company.name}: {job.title}".split())[:200]
    mail["From"] = ctx.settings.mail_from
    mail["To"] = to
    if outbound.is_address(sender.email):
        mail["Reply-To"] = sender.email
    mail["Date"] = format_datetime(utcnow())
    mail["Message-ID"] = make_msgid(domain=outbound.sender(ctx.settings).rpartition("@")[2] or None)
    count = f"{len(chosen)} photo{'' if len(chosen) == 1 else 's'}"
    intro = f"{count} of {job.title} ({job.reference}) attached."
    mail.set_content(f"{note}\n\n{intro}\n" if note else f"{intro}\n")
    for number, photo in enumerate(chosen, start=1):
        made = photo.rendition(RENDITION)
        if made is None:
            continue
        with uow.storage.open(made.storage_key) as stored:
            data = stored.read()
        name = f"{job.reference}-{number:02d}-{photo.photo_type}.jpg"
        mail.add_attachment(data, maintype="image", subtype="jpeg", filename=name)
    return mail


def _failed(ctx: Context, job_id: int, user_id: int, uuids: list[str], reason: str) -> str:
    with ctx.uow() as uow:
        job = uow.session.get_one(Job, job_id)
        _record(uow, job, user_id, "photos.email_failed", {"photos": uuids, "reason": reason})
    return f"failed: {reason}"


def _record(uow: UnitOfWork, job: Job, user_id: int, action: str, data: dict[str, object]) -> None:
    user = uow.session.get(User, user_id)
    actor = (
        users.acting_as(user) if user is not None and user.company_id == job.company_id else None
    )
    audit.record(uow, actor, action, "job", job.uuid, company_id=job.company_id, job_id=job.id,
                 data=data)  # fmt: skip
