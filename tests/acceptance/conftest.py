"""Acceptance fixtures: a real server process per database x storage stack."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.stack import STACKS, Stack, Tenant, running_stack

UPLOAD_LIMIT = 300_000


@pytest.fixture(scope="module", params=STACKS, ids=[f"{db}-{store}" for db, store in STACKS])
def stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    """A server over a fresh database and storage, shared by one module's tests."""
    backend, storage = request.param
    endpoint = request.getfixturevalue("s3_endpoint") if storage == "s3" else None
    tmp = tmp_path_factory.mktemp(f"{backend}-{storage}")
    env = {"JOBSHOTS_MAX_UPLOAD_BYTES": str(UPLOAD_LIMIT)}
    with running_stack(backend, storage, tmp, endpoint, env) as running:
        yield running


@pytest.fixture(scope="module")
def single_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """One SQLite + local-storage server, for behaviour that does not vary by backend."""
    tmp = tmp_path_factory.mktemp("single")
    with running_stack("sqlite", "local", tmp, None, {}) as running:
        yield running


@pytest.fixture(scope="module")
def tenant(stack: Stack) -> Tenant:
    """A company shared by one module's tests."""
    return stack.new_tenant()
