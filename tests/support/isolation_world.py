"""A company with one of everything the core has, and its identifiers by kind."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from jobshots.core.amendments import service as amendments
from jobshots.core.apikeys import service as apikeys
from jobshots.core.documents import service as documents
from jobshots.core.exports import reports
from jobshots.core.jobs import pins, recalls, remedials
from jobshots.core.jobs import service as jobs
from jobshots.core.jobs.changes import JobChanges
from jobshots.core.lineitems import service as lineitems
from jobshots.core.messages import service as messages
from jobshots.core.notes import service as notes
from jobshots.core.photos import service as photos
from jobshots.core.photos.changes import PhotoChanges
from jobshots.core.reference import service as reference
from jobshots.core.reports import sharing
from jobshots.core.uploads import resumable
from jobshots.core.users import service as users
from jobshots.db import models as m
from jobshots.media.incoming import IncomingFile
from tests.support import images
from tests.support.stack import Stack, Tenant

# Every kind of option a company keeps, with the least each needs.
OPTIONS: dict[str, dict[str, Any]] = {
    "statuses": {"name": "Isolation probe status", "stage": "in_progress"},
    "types": {"name": "Isolation probe type"},
    "priorities": {"name": "Isolation probe priority"},
    "payment_statuses": {"name": "Isolation probe payment"},
    "time_ranges": {"name": "Isolation probe hours"},
    "addresses": {"address_line_1": "1 High Street", "postcode": "AB1 2CD"},
    "document_types": {"name": "Isolation probe document"},
}


@dataclass
class World:
    """One company made for the matrix: its owner, a contractor, and its two jobs."""

    tenant: Tenant
    contractor: Tenant
    # The job holding one of everything, which the contractor is not assigned to.
    rich_job: int
    # The job assigned to the contractor.
    assigned_job: int
    # A report link that was shared, then revoked.
    revoked_token: str


Identifiers = dict[str, list[str]]


def populate(stack: Stack, name: str, staging: Path) -> World:
    """A company with jobs, photos, notes, documents, line items, recalls, remedials,
    amendments, pins, report links, reports, keys, people and uploads in progress."""
    tenant = stack.new_tenant(name)
    contractor = stack.new_colleague(tenant, "contractor")
    stack.new_colleague(tenant, "staff")
    job_id, job_uuid = stack.new_job_ids(tenant, f"{name} boiler")
    remedial_id, remedial_uuid = stack.new_job_ids(tenant, f"{name} remedial")
    done_id, _ = stack.new_job_ids(tenant, f"{name} finished")
    stack.upload(tenant, job_uuid, "site.jpg", images.jpeg(colour="blue"))
    gone = stack.upload(tenant, job_uuid, "gone.jpg", images.jpeg(colour="green"))
    with stack.server.core.uow() as uow:
        owner = users.acting_as(users.owner_of(uow, tenant.company_id))
        options = {kind: reference.create(uow, owner, kind, sent) for kind, sent in OPTIONS.items()}
        worker = users.require_by_email(uow, tenant.company_id, contractor.owner_email)
        jobs.change(uow, owner, job_id, JobChanges(_job_fields(options)))
        jobs.change(uow, owner, remedial_id, JobChanges({"contractor_id": worker.id}))
        photos.delete(uow, owner, photos.PhotoRef(uuid=gone))
        remedials.link(uow, owner, job_uuid, remedial_uuid, "Came back")
        _complete_then_recall(uow, owner, done_id)
        lineitems.create(uow, owner, job_id, "estimate", "Labour", 2, "40.00")
        pins.toggle(uow, owner, job_uuid)
        sharing.create_link(uow, owner, job_uuid)
        link = sharing.create_link(uow, owner, remedial_uuid).link
        sharing.revoke_link(uow, owner, remedial_uuid)
        messages.post(uow, owner, job_uuid, "On my way")
        document = _file(staging, "certificate.pdf", images.PDF)
        documents.upload(uow, owner, job_uuid, [document])
        attachment = _file(staging, "note.png", images.png())
        notes.create(uow, owner, job_uuid, "Met the tenant", attachments=[attachment])
        amendments.propose(uow, owner, job_uuid, "title", f"{name} boiler (amended)", "Typo")
        apikeys.issue_own(uow, owner, "Second key")
        reports.ask(uow, owner, job_uuid, include_locations=False)
        offline = PhotoChanges(name="offline.jpg", job=job_id, given=frozenset({"name", "job"}))
        key = f"offline-{secrets.token_hex(6)}"
        photos.start_direct_upload(uow, owner, photos.NewDirectUpload(offline, offline_id=key))
        pending = resumable.NewUpload(length=5000, file_name="big.jpg", client_key=key + "-tus")
        resumable.create(uow, owner, job_uuid, pending)
    stack.settle()
    assert link is not None
    return World(tenant, contractor, job_id, remedial_id, link.rsplit("/", 1)[-1])


def _job_fields(options: dict[str, Any]) -> dict[str, Any]:
    by_field = {
        "status_id": "statuses",
        "priority_id": "priorities",
        "type_id": "types",
        "payment_status_id": "payment_statuses",
        "time_range_id": "time_ranges",
        "address_id": "addresses",
    }
    fields: dict[str, Any] = {name: options[kind].id for name, kind in by_field.items()}
    return {**fields, "access_details": "Key under the mat"}


def _complete_then_recall(uow: Any, owner: Any, job_id: int) -> None:
    done = uow.session.scalars(
        select(m.JobStatus).where(
            m.JobStatus.company_id == owner.company_id, m.JobStatus.stage == "complete"
        )
    ).first()
    jobs.change(uow, owner, job_id, JobChanges({"status_id": done.id}))
    recalls.raise_recall(uow, owner, job_id, "Leak is back")


def _file(staging: Path, name: str, data: bytes) -> IncomingFile:
    path = staging / f"{uuid.uuid4().hex}-{name}"
    path.write_bytes(data)
    digest = hashlib.sha256(data).hexdigest()
    return IncomingFile(path, len(data), digest, data[:512], name)


def identifiers(stack: Stack, company_id: int, job_id: int | None = None) -> Identifiers:
    """Every identifier the company's rows carry, by kind: of one job's rows only, when given
    (leaving out the kinds that belong to no job)."""
    found: Identifiers = {}

    def add(kind: str, *forms: object) -> None:
        known = found.setdefault(kind, [])
        known.extend(str(f) for f in forms if f is not None and str(f) not in known)

    with stack.engine.connect() as conn:
        for kind, model in _OWNED.items():
            where = [model.company_id == company_id]
            if job_id is not None:
                if model is m.Job:
                    where.append(m.Job.id == job_id)
                elif "job_id" in model.__table__.c:
                    where.append(model.job_id == job_id)
                else:
                    continue
            columns = [model.uuid, model.id, *(getattr(model, c) for c in _MORE.get(kind, ()))]
            for row in conn.execute(select(*columns).where(*where).order_by(model.id)):
                add(kind, *row)
        if job_id is None:
            add("company", *conn.scalars(select(m.Company.uuid).where(m.Company.id == company_id)))
            add(
                "key",
                *conn.scalars(select(m.ApiKey.prefix).where(m.ApiKey.company_id == company_id)),
            )
    return found


# Other columns callers name a thing by: a photo's or an upload's client key (a Fulcrum
# access key, an offline id).
_MORE: dict[str, tuple[str, ...]] = {"photo": ("client_key",), "upload": ("client_key",)}
_OWNED: dict[str, Any] = {
    "job": m.Job,
    "user": m.User,
    "document": m.Document,
    "note": m.CaseNote,
    "amendment": m.AmendmentRequest,
    "report": m.JobExport,
    "status": m.JobStatus,
    "priority": m.JobPriority,
    "type": m.JobType,
    "payment_status": m.PaymentStatus,
    "time_range": m.TimeRange,
    "address": m.PropertyAddress,
    "document_type": m.DocumentCategory,
    "recall": m.Recall,
    "remedial": m.RemedialLink,
    "line_item": m.LineItem,
    "photo": m.Photo,
    "upload": m.ResumableUpload,
    "message": m.JobMessage,
}
