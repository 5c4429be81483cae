"""The jobs list: the signed-in user's jobs, pinned first, searched and filtered as they type."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from jobshots.core import links
from jobshots.core.errors import Invalid
from jobshots.core.jobs import service as jobs
from jobshots.core.jobs.repository import JobQuery
from jobshots.core.pagination import SliceRequest
from jobshots.core.reference import service as reference
from jobshots.web.rendering import app_page
from jobshots.web.signed_in import HOME, SignedIn, shell

router = APIRouter(include_in_schema=False)
PER_PAGE = 50
PHOTOS = {"": None, "with": True, "without": False}


@router.get(HOME)
def jobs_list(
    request: Request,
    call: SignedIn,
    q: str = "",
    status: str = "",
    priority: str = "",
    assignee: str = "",
    photos: str = "",
    page: int = 1,
) -> Response:
    """The whole page, or only its results for htmx's search as the user types."""
    if page < 1:
        raise Invalid.field("page", "must be 1 or more")
    if photos not in PHOTOS:
        raise Invalid.field("photos", "must be with or without")
    query = JobQuery(
        words=tuple(q.split())[:10],
        status_id=_chosen_id("status", status),
        priority_id=_chosen_id("priority", priority),
        contractor_id=_chosen_id("assignee", assignee),
        has_photos=PHOTOS[photos],
    )
    paging = SliceRequest((page - 1) * PER_PAGE, PER_PAGE, PER_PAGE)
    found, total = jobs.search(call.uow, call.principal, query, paging, pinned_first=True)
    base, company = call.base_url, call.principal.company_uuid
    chosen = {
        "q": q,
        "status": status,
        "priority": priority,
        "assignee": assignee,
        "photos": photos,
    }
    values: dict[str, Any] = {
        "jobs": found,
        "total": total,
        "chosen": chosen,
        "filtered": any(chosen.values()),
        "page": page,
        "pages": max(1, -(-total // PER_PAGE)),
        "page_link": lambda n: f"{HOME}?{urlencode({**chosen, 'page': n})}",
        "link": lambda job: links.job_page_url(base, company, job.uuid),
    }
    # The results swap in place: htmx's search sends HX-Request and gets only that part.
    if request.headers.get("hx-request") and request.headers.get("hx-target") == "job-results":
        return app_page("jobs/results.html", **values)
    statuses, _ = reference.list_items(call.uow, call.principal, "statuses")
    priorities, _ = reference.list_items(call.uow, call.principal, "priorities")
    people = jobs.assignees(call.uow, call.principal)
    return app_page(
        "jobs/list.html", **values, statuses=statuses, priorities=priorities, assignees=people,
        **shell(call),
    )  # fmt: skip


def _chosen_id(field: str, value: str) -> int | None:
    """An option picked in a filter: its id, or None for any."""
    if not value:
        return None
    if not (value.isascii() and value.isdigit()):
        raise Invalid.field(field, "must be one of the listed options")
    return int(value)
