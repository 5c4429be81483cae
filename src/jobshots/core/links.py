"""The addresses of the server's own pages, for the services that hand them out."""

from __future__ import annotations

import uuid

REPORT_PATH = "/r/{token}"
JOB_PAGE_PATH = "/app/{workspace_id}/jobs/{job_id}"


def report_url(base_url: str, token: str) -> str:
    """A job's public report."""
    return base_url + REPORT_PATH.format(token=token)


def job_page_url(base_url: str, company_uuid: uuid.UUID, job_uuid: uuid.UUID) -> str:
    """A job's page in the web app."""
    return base_url + JOB_PAGE_PATH.format(workspace_id=company_uuid, job_id=job_uuid)
