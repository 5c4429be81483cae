"""Remedial links as the maintenance API writes them."""

from __future__ import annotations

from typing import Any

from jobshots.core.jobs.remedials import LinkedJob, Remedials, RemedialView
from jobshots.core.times import iso_seconds
from jobshots.dialects.maintenance.wire import ok


def listed(found: Remedials) -> dict[str, Any]:
    """A job's remedial jobs, and (`parent_job`) the job it is itself a remedial of."""
    items = [remedial(link) for link in found.remedials]
    parent = found.parent
    return ok(
        "Remedial jobs retrieved",
        items,
        count=len(items),
        total=len(items),
        job_uuid=str(found.job.uuid),
        parent_job={**job(parent.parent), **_link(parent)} if parent else None,
    )


def linked(made: RemedialView) -> dict[str, Any]:
    """A link made."""
    return ok("Remedial link created", link(made))


def unlinked(gone: RemedialView) -> dict[str, Any]:
    """A link removed; both jobs stay."""
    return ok("Remedial link removed", link(gone))


def link(item: RemedialView) -> dict[str, Any]:
    """A link with both its jobs."""
    return {
        **_link(item),
        "parent_job": job(item.parent),
        "remedial_job": job(item.remedial),
    }


def remedial(item: RemedialView) -> dict[str, Any]:
    """A remedial job as its parent's list shows it: the job, then the link's details."""
    return {**job(item.remedial), **_link(item)}


def job(item: LinkedJob) -> dict[str, Any]:
    """A job at one end of a link."""
    return {
        "ID": item.id,
        "uuid": str(item.uuid),
        "job_ref": item.reference,
        "job_title": item.title,
        "status_id": item.status.id if item.status else None,
        "status_name": item.status.name if item.status else None,
        "stage": item.stage,
    }


def _link(item: RemedialView) -> dict[str, Any]:
    return {
        "link_uuid": str(item.uuid),
        "reason": item.reason,
        "linked_at": iso_seconds(item.linked_at),
        "linked_by": item.linked_by.id if item.linked_by else None,
        "linked_by_name": item.linked_by.name if item.linked_by else None,
    }
