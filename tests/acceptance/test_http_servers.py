"""Either HTTP server (`jobshots serve --server uvicorn|granian`) serves the same app: uploads,
the client's address from a trusted proxy, and answers that stream."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from jobshots.db.models import AuditEvent
from tests.support import images
from tests.support.stack import Stack, running_stack

pytestmark = pytest.mark.acceptance


@pytest.fixture(params=["uvicorn", "granian"])
def served(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, Stack]]:
    env = {"JOBSHOTS_SERVER": request.param, "JOBSHOTS_TRUSTED_PROXIES": "127.0.0.1"}
    with running_stack("sqlite", "local", tmp_path, None, env, worker=False) as stack:
        yield request.param, stack


def test_each_server_takes_an_upload_and_streams_it_back(served: tuple[str, Stack]) -> None:
    server, stack = served
    assert httpx.get(f"{stack.url}/healthz").headers["server"] == server
    tenant = stack.new_tenant()
    job = stack.new_job(tenant)
    data = images.jpeg()
    uploaded = httpx.post(
        f"{stack.url}/api/v1/jobs/{job}/photos",
        headers={"Authorization": f"Bearer {tenant.api_key}", "X-Forwarded-For": "203.0.113.7"},
        data={"photo_type": "before"},
        files={"photos": ("roof.jpg", data, "image/jpeg")},
    )
    assert uploaded.status_code == 200, uploaded.text
    [photo] = uploaded.json()["data"]["photos"]
    with stack.server.core.uow() as uow:
        ips = uow.session.scalars(
            select(AuditEvent.ip).where(AuditEvent.action == "photo.uploaded")
        ).all()
    assert ips == ["203.0.113.7"]
    token = {"X-ApiToken": tenant.api_key}
    listed = httpx.get(f"{stack.url}/api/v2/photos.json", headers=token)
    assert listed.status_code == 200
    assert [p["access_key"] for p in listed.json()["photos"]] == [photo["uuid"]]
    image = httpx.get(f"{stack.url}/api/v2/photos/{photo['uuid']}.jpg", headers=token)
    assert image.status_code == 200
    assert image.content == data


def test_serve_refuses_an_unknown_server() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "jobshots", "serve", "--server", "hypercorn"],
        capture_output=True,
        text=True,
        env={**os.environ, "JOBSHOTS_SERVER": "uvicorn"},
    )
    assert done.returncode == 2
    assert "--server must be one of uvicorn, granian" in done.stdout
