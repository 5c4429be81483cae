"""What a caller may set on a photo, checked field by field, every error reported at once."""

from __future__ import annotations

from dataclasses import dataclass, field

from jobshots.core.errors import Invalid, NotFound
from jobshots.core.jobs import service as jobs
from jobshots.core.lineitems import service as lineitems
from jobshots.core.photos.views import LINK_COLUMNS
from jobshots.core.principal import Principal
from jobshots.core.uow import UnitOfWork
from jobshots.db.models import Job, LineItem, Photo

NAME_MAX = 150
RELATED_MAX = 25
Errors = dict[str, list[str]]


@dataclass(frozen=True)
class PhotoChanges:
    """Fields to set; `given` names the ones the caller sent, and only those change."""

    name: str | None = None
    description: str | None = None
    job: jobs.JobRef | None = None
    line_items: dict[str, int | None] = field(default_factory=dict)
    tags: list[str] | None = None
    related_to: list[str] | None = None
    given: frozenset[str] = frozenset()


def apply(
    uow: UnitOfWork, principal: Principal, photo: Photo, changes: PhotoChanges, errors: Errors
) -> None:
    """Set the given fields on `photo`, adding what is wrong to `errors`."""
    given = changes.given
    if "name" in given:
        name = (changes.name or "").strip()
        if not name:
            errors["name"] = ["must be provided"]
        elif len(name) > NAME_MAX:
            errors["name"] = [f"must be at most {NAME_MAX} characters"]
        photo.name = name
    if "description" in given:
        photo.description = changes.description
    if "tags" in given:
        photo.tags = [str(tag) for tag in changes.tags or []]
    if "related_to" in given:
        related = [str(item) for item in changes.related_to or []]
        if len(related) > RELATED_MAX:
            errors["related_to"] = [f"must have at most {RELATED_MAX} items"]
        photo.related_to = related
    _link(uow, principal, photo, changes, errors)


def _link(
    uow: UnitOfWork, principal: Principal, photo: Photo, changes: PhotoChanges, errors: Errors
) -> None:
    """Set job and line-item links; every id must be the caller's company's."""
    job: Job | None = None
    if "job" in changes.given:
        if changes.job is not None:
            job = jobs.find(uow, principal, changes.job)
            if job is None:
                errors["job"] = ["does not exist"]
        photo.job_id = job.id if job else None
        photo.job = job
    for kind, item_id in changes.line_items.items():
        item: LineItem | None = None
        if item_id is not None:
            try:
                item = lineitems.get(uow, principal, item_id, kind)
            except NotFound:
                errors[f"{kind}_line_item"] = ["does not exist"]
                continue
        setattr(photo, LINK_COLUMNS[kind], item.id if item else None)
        if kind == "inspection" and item is not None:
            if job is not None and job.id != item.job_id:
                errors["inspection_line_item"] = ["belongs to a different job"]
            photo.job_id = item.job_id
            photo.job = uow.session.get(Job, item.job_id)


def described(photo: Photo) -> dict[str, object]:
    """What a caller can change on a photo, as the history records it before and after."""
    said: dict[str, object] = {
        "name": photo.name,
        "description": photo.description,
        "tags": list(photo.tags or []),
        "related_to": list(photo.related_to or []),
        "job": str(photo.job.uuid) if photo.job is not None else None,
    }
    for kind, column in LINK_COLUMNS.items():
        said[f"{kind}_line_item"] = getattr(photo, column)
    return said


def differences(before: dict[str, object], after: dict[str, object]) -> dict[str, object]:
    """Each field that changed, with its value before and after."""
    return {
        name: {"from": before[name], "to": after[name]}
        for name in before
        if before[name] != after[name]
    }


def invalid_unless_empty(errors: Errors) -> None:
    """Raise every collected error at once."""
    if errors:
        raise Invalid("photo is invalid", errors)
