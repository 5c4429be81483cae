"""A running server over a chosen database and storage, and ways to look inside them."""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import boto3
import httpx
from sqlalchemy import Engine, create_engine, func, select
from sqlalchemy.pool import NullPool

from jobshots.core.apikeys import service as apikeys
from jobshots.core.companies import service as companies
from jobshots.core.jobs import service as jobs
from jobshots.core.users import service as users
from jobshots.db.engine import normalise_url
from jobshots.db.models import Photo, Rendition
from tests.support.databases import fresh_database
from tests.support.server import ServerProcess, kill_group

S3_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
STACKS = [("sqlite", "local"), ("sqlite", "s3"), ("postgresql", "local"), ("postgresql", "s3")]


@dataclass
class Tenant:
    """A company made for a test, with its owner's API key."""

    company_id: int
    company_uuid: str
    api_key: str
    owner_email: str

    @property
    def auth(self) -> dict[str, str]:
        """The CRM dialect's auth header."""
        return {"Authorization": f"Bearer {self.api_key}"}


@dataclass
class Stack:
    """The server and direct views of its database and storage."""

    server: ServerProcess
    storage: str
    media_root: Path | None
    s3: Any | None
    bucket: str | None

    @property
    def url(self) -> str:
        """The server's base URL."""
        return self.server.base_url

    def client(self) -> httpx.Client:
        """An HTTP client for the server."""
        return httpx.Client(base_url=self.url, timeout=30)

    # Setup goes through the core in-process, as the CLI would (tests/acceptance/test_cli.py
    # covers the CLI itself): a CLI start costs a second of CPU, and tests make hundreds.
    def new_tenant(self, name: str = "Acme Repairs") -> Tenant:
        """A fresh company with an owner key."""
        email = f"owner-{uuid.uuid4().hex[:8]}@example.com"
        with self.server.core.uow() as uow:
            made = companies.create(uow, name, email, "Olive Owner")
        return Tenant(made.company.id, str(made.company.uuid), made.api_key, email)

    def new_job(self, tenant: Tenant, title: str = "Boiler service") -> str:
        """A fresh job's UUID."""
        return self.new_job_ids(tenant, title)[1]

    def new_job_ids(self, tenant: Tenant, title: str = "Boiler service") -> tuple[int, str]:
        """A fresh job's integer id and UUID, opened by the company's owner."""
        with self.server.core.uow() as uow:
            owner = users.owner_of(uow, tenant.company_id)
            job = jobs.create(uow, users.acting_as(owner), title)
        return job.id, str(job.uuid)

    def new_colleague(self, tenant: Tenant, role: str = "staff") -> Tenant:
        """Another person of the same company, with a key of their own."""
        email = f"{role}-{uuid.uuid4().hex[:8]}@example.com"
        with self.server.core.uow() as uow:
            company = companies.get(uow, str(tenant.company_id))
            person = users.create(uow, company, email, role=role)
            issued = apikeys.issue(uow, person)
        return Tenant(tenant.company_id, tenant.company_uuid, issued.secret, email)

    @cached_property
    def engine(self) -> Engine:
        """The server's database seen from the test: a new connection for each use (none kept
        open), over one engine rather than one per query (its set-up costs tens of ms)."""
        return create_engine(normalise_url(self.server.database_url), poolclass=NullPool)

    def execute(self, statement: Any) -> None:
        """Run one write statement on the server's database (test setup only)."""
        with self.engine.begin() as conn:
            conn.execute(statement)

    def put_object(self, key: str, data: bytes) -> None:
        """Write an object straight into storage, as a store that ignores policies would."""
        if self.media_root is not None:
            path = self.media_root / key
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            return
        assert self.s3 is not None
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=data)

    def scalars(self, query: Any) -> list[Any]:
        """Read one column straight from the server's database (test checks only)."""
        with self.engine.connect() as conn:
            return list(conn.scalars(query))

    def rows(self, query: Any) -> list[tuple[Any, ...]]:
        """Read rows straight from the server's database (test checks only)."""
        with self.engine.connect() as conn:
            return [tuple(row) for row in conn.execute(query)]

    def upload(
        self,
        tenant: Tenant,
        job: str,
        name: str,
        data: bytes,
        content_type: str = "image/jpeg",
        photo_type: str = "during",
    ) -> str:
        """One file uploaded to a job through the CRM API; the photo's UUID."""
        with self.client() as client:
            made = client.post(
                f"/api/v1/jobs/{job}/photos",
                headers=tenant.auth,
                data={"photo_type": photo_type},
                files={"photos": (name, data, content_type)},
            )
        assert made.status_code == 200, made.text
        return str(made.json()["data"]["photos"][0]["uuid"])

    def photo_rows(self) -> int:
        """Photo rows in the database, of any company."""
        [count] = self.scalars(select(func.count()).select_from(Photo))
        return int(count)

    def photo_state(self, photo_uuid: str) -> tuple[str, dict[str, int]]:
        """A photo's state and how many renditions of each kind it has."""
        with self.engine.connect() as conn:
            photo_id, state = conn.execute(
                select(Photo.id, Photo.state).where(Photo.uuid == uuid.UUID(photo_uuid))
            ).one()
            kinds = conn.execute(
                select(Rendition.kind, func.count())
                .where(Rendition.photo_id == photo_id)
                .group_by(Rendition.kind)
            ).all()
        return state, dict(kinds)

    def processed_at(self, photo_uuid: str) -> object:
        """When the photo was last processed."""
        query = select(Photo.processed_at).where(Photo.uuid == uuid.UUID(photo_uuid))
        return next(iter(self.scalars(query)), None)

    def settle(self, seconds: float = 60) -> None:
        """Wait until the workers have processed every photo they were given."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            with self.engine.connect() as conn:
                waiting = conn.scalar(
                    select(func.count()).select_from(Photo).where(Photo.state == "stored")
                )
            if not waiting:
                return
            time.sleep(0.1)
        raise AssertionError("photos were still waiting to be processed")

    def stored_objects(self) -> set[str]:
        """Every stored object's key, staging included."""
        if self.media_root is not None:
            return {
                str(p.relative_to(self.media_root))
                for p in self.media_root.rglob("*")
                if p.is_file() and not p.name.startswith(".healthcheck")
            }
        assert self.s3 is not None
        listing = self.s3.list_objects_v2(Bucket=self.bucket)
        return {item["Key"] for item in listing.get("Contents", [])}

    def stored_digests(self, prefix: str, only: set[str] | None = None) -> dict[str, str]:
        """Each stored object's key under `prefix` (of those in `only`, when given), with its
        bytes' SHA-256."""

        def wanted(key: str) -> bool:
            return key.startswith(prefix) and (only is None or key in only)

        if self.media_root is not None:
            return {
                key: hashlib.sha256(path.read_bytes()).hexdigest()
                for path in self.media_root.rglob("*")
                if path.is_file() and wanted(key := str(path.relative_to(self.media_root)))
            }
        assert self.s3 is not None
        pages = self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix)
        keys = [item["Key"] for page in pages for item in page.get("Contents", [])]

        def digest(key: str) -> str:
            assert self.s3 is not None
            body = self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()
            return hashlib.sha256(body).hexdigest()

        # Downloads side by side: each waits on the S3 server far more than it computes.
        chosen = [key for key in keys if wanted(key)]
        with ThreadPoolExecutor(4) as pool:
            return dict(zip(chosen, pool.map(digest, chosen), strict=True))


@contextmanager
def running_stack(
    backend: str,
    storage: str,
    tmp: Path,
    s3_endpoint: str | None,
    env: dict[str, str],
    *,
    worker: bool = True,
) -> Iterator[Stack]:
    """Start a server over a fresh database and storage (and, on PostgreSQL, a worker)."""
    with fresh_database(backend, tmp) as database_url:
        media_root: Path | None = None
        s3 = bucket = None
        if storage == "local":
            media_root = tmp / "media"
            storage_url = f"file://{media_root}"
        else:
            assert s3_endpoint is not None
            bucket = f"jobshots-{uuid.uuid4().hex[:12]}"
            s3 = boto3.client(
                "s3", endpoint_url=s3_endpoint, region_name="us-east-1", **S3_CREDENTIALS
            )
            s3.create_bucket(Bucket=bucket)
            storage_url = (
                f"s3://{bucket}?endpoint_url={s3_endpoint}&region=us-east-1"
                "&access_key_id=testing&secret_access_key=testing"
            )
        server = ServerProcess(database_url, storage_url, tmp, extra_env=env).start()
        workers = []
        if worker and backend == "postgresql":
            workers.append(server.spawn("worker", log=(tmp / "worker.log").open("wb")))
        try:
            yield Stack(server, storage, media_root, s3, bucket)
        finally:
            for proc in workers:
                kill_group(proc)
            server.stop()
