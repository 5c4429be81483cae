"""Which stored files' rows exist: the queries behind the orphan sweep."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from jobshots.db.models import Company, Document, JobExport, Photo, ResumableUpload

# Each kind of key (storage/keys.py `StoredKey.kind`) and the rows that own its files.
Owner = type[Photo] | type[Document] | type[ResumableUpload] | type[JobExport]
OWNERS: dict[str, Owner] = {
    "photo": Photo,
    "document": Document,
    "upload": ResumableUpload,
    "export": JobExport,
}


def owning(
    session: Session, kind: str, entities: Iterable[uuid.UUID]
) -> set[tuple[uuid.UUID, uuid.UUID]]:
    """(company UUID, row UUID) of the rows of `kind` among `entities` that still own files.

    Any row owns its files, deleted, held or pending alike, except a purged photo's: the purge
    committed, so only its removal of the files was cut short.
    """
    model = OWNERS[kind]
    query = (
        select(Company.uuid, model.uuid)
        .join(Company, Company.id == model.company_id)
        .where(model.uuid.in_(list(entities)))
    )
    if model is Photo:
        query = query.where(Photo.purged_at.is_(None))
    return {(company, entity) for company, entity in session.execute(query)}


def company_ids(session: Session, companies: Iterable[uuid.UUID]) -> dict[uuid.UUID, int]:
    """The id of each company among `companies` that exists."""
    query = select(Company.uuid, Company.id).where(Company.uuid.in_(list(companies)))
    return dict(session.execute(query).all())
