"""Shared fixtures: a fresh database of each backend, and the S3-compatible server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from jobshots.composition import build_context
from jobshots.config import Settings
from jobshots.core.context import Context
from tests.support import databases
from tests.support.databases import BACKENDS, fresh_database

pytest_plugins = ["tests.support.s3server"]


@pytest.fixture(scope="session", autouse=True)
def _databases_cleaned_up() -> Iterator[None]:
    """The session's test databases and templates removed before its process ends."""
    yield
    databases.finish()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database: SQLite, and PostgreSQL when configured."""
    with fresh_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def ctx(database_url: str, tmp_path: Path) -> Iterator[Context]:
    """A core context over a fresh database and a local media directory."""
    settings = Settings(
        dev=True,
        database_url=database_url,
        storage_url=f"file://{tmp_path / 'media'}",
        base_url="http://testserver",
    )
    context = build_context(settings)
    yield context
    context.close()
