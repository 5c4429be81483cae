"""Tenant isolation over every route: generated from the served OpenAPI document and the web
app's route table, each call made by company A with company B's identifiers (and by A's
contractor with ids of A's jobs not assigned to them) answers exactly as for a missing id, and
changes nothing of theirs."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from jobshots.app import create_app
from jobshots.core.evidence import checks
from tests.support import isolation
from tests.support.isolation import Operation
from tests.support.isolation_snapshot import changes, reachable
from tests.support.isolation_world import World, identifiers, populate
from tests.support.stack import Stack, Tenant, running_stack
from tests.support.web import csrf_token, signed_in

pytestmark = pytest.mark.acceptance

MATRIX_STACKS = [("sqlite", "local"), ("postgresql", "s3")]
# PostgreSQL and S3 take one identifier per slot rather than one of each shape: the rules
# are the same core's, and the full matrix on SQLite already tries every shape.
SAMPLED = {"postgresql"}
APIS = [name for name, _ in isolation.APIS]
# The least each API's generated list may hold: far below what they serve today, so that a
# generator that quietly stops finding operations fails.
LEAST_OPERATIONS = {
    "crm photos": 4,
    "fulcrum photos": 10,
    "presigned photos": 8,
    "workphotos jobs": 4,
    "maintenance jobs": 40,
    "resumable uploads": 4,
    "web app": 25,
}
SEED = 15


@dataclass
class Matrix:
    """The server, the two companies, and every operation to call."""

    stack: Stack
    backend: str
    a: World
    b: World
    operations: list[Operation]
    spec_paths: set[str]


@pytest.fixture(
    scope="module", params=MATRIX_STACKS, ids=[f"{db}-{store}" for db, store in MATRIX_STACKS]
)
def matrix(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Matrix]:
    """One server with two fully populated companies, shared by the module."""
    backend, storage = request.param
    endpoint = request.getfixturevalue("s3_endpoint") if storage == "s3" else None
    tmp = tmp_path_factory.mktemp(f"isolation-{backend}-{storage}")
    staging = tmp / "staging"
    staging.mkdir()
    # The rate limits have their own tests; here they would only turn the matrix into 429s.
    env = {"JOBSHOTS_RATE_LIMIT_PER_KEY": "0", "JOBSHOTS_RATE_LIMIT_PER_IP": "0"}
    with running_stack(backend, storage, tmp, endpoint, env) as stack:
        a = populate(stack, "Alpha Repairs", staging)
        b = populate(stack, "Beta Repairs", staging)
        # Each company's first history check, made now rather than by the workers mid-run.
        for company_id in checks.due(stack.server.core):
            checks.run(stack.server.core, company_id)
        spec = httpx.get(f"{stack.url}/openapi.json").json()
        app = create_app(stack.server.core.settings)
        operations = isolation.spec_operations(spec) + isolation.route_operations(
            app.router, ("/app", "/r/")
        )
        yield Matrix(stack, backend, a, b, operations, set(spec["paths"]))


def test_the_matrix_covers_every_served_operation(matrix: Matrix) -> None:
    by_api = {api: [o for o in matrix.operations if o.api == api] for api in APIS}
    small = {api: len(ops) for api, ops in by_api.items() if len(ops) < LEAST_OPERATIONS[api]}
    assert not small, f"too few operations generated: {small}"
    covered = {o.path for o in matrix.operations}
    served = {p.partition("?")[0] for p in matrix.spec_paths}
    assert served <= covered, f"paths of the spec not in the matrix: {served - covered}"
    without_ids = {api: [o.name for o in ops if not o.slots] for api, ops in by_api.items()}
    for api, ops in by_api.items():
        assert len(without_ids[api]) < len(ops) / 2, f"{api}: most operations take no id"
    # Every id slot the vendors name is found: a path's {job_uuid}, a body's jobId, a query's job.
    names = {(o.path, s.where, s.name) for o in matrix.operations for s in o.slots}
    assert ("/api/v1/jobs/{job_uuid}/photos/{photo_uuid}", "path", "photo_uuid") in names
    assert ("/job/details", "json", "jobId") in names
    assert ("/job/details", "json", "workspaceId") in names
    assert ("/light/photos/", "query", "job") in names
    assert ("/app/settings/keys/{prefix}/revoke", "path", "prefix") in names


@pytest.mark.parametrize("api", APIS)
def test_another_companys_ids_answer_as_missing_and_change_nothing(
    matrix: Matrix, api: str
) -> None:
    stack, a, b = matrix.stack, matrix.a, matrix.b
    theirs = identifiers(stack, b.tenant.company_id)
    theirs["token"] = [b.revoked_token]
    ours = identifiers(stack, a.tenant.company_id)
    ours["token"] = [a.revoked_token]
    before = _company_rows(stack, b.tenant)
    assert before["objects"], "the snapshot holds none of B's stored files"
    with _client(stack, a.tenant, api) as (client, given):
        outcome = isolation.run(
            client, given, _of(matrix, api), ours, theirs, SEED,
            sample=matrix.backend in SAMPLED,
        )  # fmt: skip
    after = _company_rows(stack, b.tenant)
    print(
        f"{api}: {outcome.operations} operations, {outcome.calls} calls, "
        f"{outcome.live}/{outcome.controls} own-id reads answered otherwise"
    )
    leaks = outcome.leaks
    assert not leaks, f"{len(leaks)} calls answered unlike a missing id:\n" + "\n".join(leaks)
    assert not changes(before, after), "\n".join(changes(before, after)[:40])
    # The control: the caller's own ids are found, so the calls above did reach their lookups.
    assert outcome.live or not outcome.controls, f"{api}: no own-id read answered otherwise"


@pytest.mark.parametrize("api", APIS)
def test_a_contractors_ids_of_unassigned_jobs_answer_as_missing(matrix: Matrix, api: str) -> None:
    stack, a = matrix.stack, matrix.a
    company = identifiers(stack, a.tenant.company_id)
    unassigned = identifiers(stack, a.tenant.company_id, a.rich_job)
    assigned = identifiers(stack, a.tenant.company_id, a.assigned_job)
    reachable_ids = {**{k: v for k, v in company.items() if k not in unassigned}, **assigned}
    before = _job_rows(stack, a)
    assert before["objects"], "the snapshot holds none of the job's stored files"
    with _client(stack, a.contractor, api) as (client, given):
        outcome = isolation.run(
            client, given, _of(matrix, api), reachable_ids, unassigned, SEED,
            keys_shared=True, sample=True,
        )  # fmt: skip
    after = _job_rows(stack, a)
    leaks = outcome.leaks
    assert not leaks, f"{len(leaks)} calls answered unlike a missing id:\n" + "\n".join(leaks)
    assert not changes(before, after), "\n".join(changes(before, after)[:40])


def _of(matrix: Matrix, api: str) -> list[Operation]:
    return [o for o in matrix.operations if o.api == api]


class _client:  # noqa: N801 - used as a context manager, like a function
    """A client for one API as `tenant`'s user: their key in every header an API reads it from
    and a CSRF token, or for the web app a signed-in session and its CSRF token."""

    def __init__(self, stack: Stack, tenant: Tenant, api: str) -> None:
        self.stack, self.tenant, self.api = stack, tenant, api
        self._session: Any = None

    def __enter__(self) -> tuple[httpx.Client, dict[str, str]]:
        if self.api == "web app":
            self._session = signed_in(self.stack, self.tenant.owner_email)
            client = self._session.__enter__()
            token = csrf_token(client.get("/app/jobs").text)
            client.headers["X-CSRF-Token"] = token
            return client, {"csrf_token": token}
        key = self.tenant.api_key
        headers = {
            "Authorization": f"Bearer {key}",
            "X-ApiToken": key,
            "X-API-KEY": key,
            "Tus-Resumable": "1.0.0",
            "Upload-Length": "5000",
        }
        client = httpx.Client(base_url=self.stack.url, timeout=60, headers=headers)
        self._session = client
        token = client.get("/api/security/csrf-token").json()["data"]["token"]
        client.headers["X-CSRF-Token"] = token
        return client, {"csrf_token": token, "authKey": key}

    def __exit__(self, *exc: object) -> None:
        self._session.__exit__(*exc)


def _company_rows(stack: Stack, tenant: Tenant) -> dict[str, Any]:
    return reachable(stack, "companies", {tenant.company_id}, f"companies/{tenant.company_uuid}/")


def _job_rows(stack: Stack, world: World) -> dict[str, Any]:
    return reachable(stack, "jobs", {world.rich_job})
