"""The WorkPhotos dialect's JSON shapes: the bodies it reads and the objects it answers with."""

from __future__ import annotations

import json
import re
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from jobshots.core.errors import Invalid
from jobshots.core.jobs.views import JobView
from jobshots.core.messages.service import Timeline, TimelineEntry
from jobshots.core.pagination import Page
from jobshots.core.times import iso_millis

PAGE_SIZE = 30
MAX_PAGE = 1_000_000
MAX_BODY_BYTES = 256 * 1024
# A JSON string, or a /* comment */ as the vendor's documented bodies carry them.
_STRING_OR_COMMENT = re.compile(r'"(?:\\.|[^"\\])*"|/\*.*?\*/', re.DOTALL)


class Signed(BaseModel):
    """The credentials every request body carries."""

    model_config = ConfigDict(extra="ignore")

    auth_key: str = Field(alias="authKey")
    workspace_id: str = Field(alias="workspaceId")


class CreateJob(Signed):
    """`/job/create`: a title and an optional first message."""

    name: str
    message: str | None = None


class ListJobs(Signed):
    """`/job/list`: a 0-based page number."""

    page: int = Field(default=0, ge=0, le=MAX_PAGE)


class JobRef(Signed):
    """`/job/details`: one job."""

    job_id: str = Field(alias="jobId")


class PostMessage(JobRef):
    """`/job/message` (a Jobshots extension): a chat message for one job."""

    message: str


Body = TypeVar("Body", bound=Signed)


def parse(raw: bytes) -> dict[str, Any]:
    """A request body as a JSON object (/* comments */ allowed), or Invalid."""
    try:
        data = json.loads(_STRING_OR_COMMENT.sub(_keep_strings, raw.decode("utf-8")))
    except UnicodeDecodeError as exc:
        raise Invalid("the body must be UTF-8 encoded JSON") from exc
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno} column {exc.colno}"
        raise Invalid(f"the body is not valid JSON: {exc.msg} at {where}") from exc
    if not isinstance(data, dict):
        raise Invalid("the body must be a JSON object")
    return data


def validate(data: dict[str, Any], shape: type[Body]) -> Body:
    """The parsed body as `shape`, or Invalid naming each missing or bad field."""
    try:
        return shape.model_validate(data)
    except ValidationError as exc:
        raise _invalid(exc) from exc


def created_job(job: JobView) -> dict[str, str | None]:
    """The new job's id with its web-app and public report addresses."""
    return {"jobId": str(job.uuid), **_deeplinks(job)}


def job_list(page: Page[JobView]) -> dict[str, Any]:
    """A 0-based page of jobs with the seed's counters."""
    number = page.page - 1
    return {
        "jobs": [
            {
                "jobId": str(job.uuid),
                "name": job.title,
                "createdAt": iso_millis(job.created_at),
                **_deeplinks(job),
            }
            for job in page.items
        ],
        "page": number,
        "pageSize": page.per_page,
        "totalJobs": page.total,
        "totalPages": page.total_pages,
        "pagesRemaining": max(page.total_pages - number - 1, 0),
    }


def job_details(timeline: Timeline) -> dict[str, Any]:
    """The normalized view of a job and its message history."""
    job, creator = timeline.job, timeline.job.created_by
    return {
        "jobId": str(job.uuid),
        "jobName": job.title,
        "creatorId": str(creator.uuid) if creator else None,
        "creatorName": creator.display_name if creator else None,
        "creationDate": iso_millis(job.created_at),
        "lastUpdateDate": iso_millis(timeline.last_activity),
        "mainThumbnail": timeline.main_thumbnail,
        "messages": [message(entry) for entry in timeline.entries],
    }


def message(entry: TimelineEntry) -> dict[str, Any]:
    """One chat or image message."""
    common = {
        "messageType": entry.kind,
        "timestampUploaded": iso_millis(entry.at),
        "uploaderId": str(entry.author_uuid) if entry.author_uuid else None,
        "uploaderName": entry.author_name,
    }
    if entry.kind == "chat":
        return {**common, "textMessage": entry.text}
    return {**common, "urlToImage": entry.image_url, "thumbnailForImage": entry.thumbnail_url}


def _deeplinks(job: JobView) -> dict[str, str | None]:
    return {"webAppDeeplink": job.page_url, "jobReportDeeplink": job.report_url}


def _keep_strings(match: re.Match[str]) -> str:
    return match.group() if match.group().startswith('"') else " "


def _invalid(exc: ValidationError) -> Invalid:
    fields: dict[str, list[str]] = {}
    sentences = []
    for error in exc.errors():
        name = ".".join(str(part) for part in error["loc"]) or "body"
        if error["type"] == "missing":
            fields.setdefault(name, []).append("is required")
            sentences.append(f"{name} is required")
        else:
            fields.setdefault(name, []).append(error["msg"])
            sentences.append(f"{name}: {error['msg']}")
    return Invalid("; ".join(sentences), fields)
