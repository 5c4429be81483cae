"""The jobs list: the signed-in user's jobs, pinned first, searched as they type."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from jobshots.core import links
from jobshots.core.errors import Invalid
from jobshots.core.jobs import service as jobs
from jobshots.core.jobs.repository import JobQuery
from jobshots.core.pagination import SliceRequest
from jobshots.web.rendering import app_page
from jobshots.web.signed_in import HOME, SignedIn, shell

router = APIRouter(include_in_schema=False)
PER_PAGE = 50


@router.get(HOME)
def jobs_list(request: Request, call: SignedIn, q: str = "", page: int = 1) -> Response:
    """The whole page, or only its results for htmx's search as the user types."""
    if page < 1:
        raise Invalid.field("page", "must be 1 or more")
    words = tuple(q.split())[:10]
    found, total = jobs.search(
        call.uow,
        call.principal,
        JobQuery(words=words),
        SliceRequest((page - 1) * PER_PAGE, PER_PAGE, PER_PAGE),
        pinned_first=True,
    )
    base = call.base_url
    values: dict[str, Any] = {
        "jobs": found,
        "total": total,
        "q": q,
        "page": page,
        "pages": max(1, -(-total // PER_PAGE)),
        "link": lambda job: links.job_page_url(base, call.principal.company_uuid, job.uuid),
    }
    # The results swap in place: htmx's search sends HX-Request and gets only that part.
    if request.headers.get("hx-request") and request.headers.get("hx-target") == "job-results":
        return app_page("jobs/results.html", **values)
    return app_page("jobs/list.html", **values, **shell(call))
