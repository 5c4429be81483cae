"""Every API's served OpenAPI document fuzzed with schemathesis, as company A: no 5xx, every
answer in the status and schema its operation documents, and company B's data unchanged."""

from __future__ import annotations

import os
import re
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import select

from jobshots.db.models import Photo
from tests.support.company_snapshot import company_snapshot, differences
from tests.support.images import jpeg
from tests.support.maintenance import csrf_token
from tests.support.stack import Stack, Tenant, running_stack

pytestmark = pytest.mark.acceptance

# Examples per operation and generation mode: bounded and derandomized, so every run sends the
# same requests and the module stays well under a few minutes on SQLite.
EXAMPLES = {GenerationMode.POSITIVE: 10, GenerationMode.NEGATIVE: 5}
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
INBOUND_SECRET = "fuzz-inbound-secret"
# SQLite in CI; `make fuzz-postgresql` runs the same examples against PostgreSQL.
BACKEND = os.environ.get("JOBSHOTS_FUZZ_DATABASE", "sqlite")

# Each API of the served document, by its tag.
APIS = (
    "CRM job photos",
    "Fulcrum photos",
    "Direct-upload photos",
    "WorkPhotos jobs",
    "Property-maintenance jobs",
    "Resumable uploads (tus)",
    "files",
    "health",
)


@dataclass
class Fuzzed:
    """The calls made to one API and what broke."""

    examples: dict[str, int] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)
    statuses: Counter[int] = field(default_factory=Counter)


@pytest.fixture(scope="module")
def fuzz_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """One SQLite server for the whole module, with the inbound e-mail endpoint switched on."""
    tmp = tmp_path_factory.mktemp("fuzz")
    env = {
        "JOBSHOTS_INBOUND_SECRET": INBOUND_SECRET,
        "JOBSHOTS_MAX_UPLOAD_BYTES": "300000",
    }
    with running_stack(BACKEND, "local", tmp, None, env) as running:
        yield running


@pytest.fixture(scope="module")
def company_a(fuzz_stack: Stack) -> Tenant:
    """The fuzzing company."""
    return fuzz_stack.new_tenant("Fuzzing Co")


@pytest.fixture(scope="module")
def ids_of_a(fuzz_stack: Stack, company_a: Tenant) -> dict[str, object]:
    """Company A's real ids, by the parameter names that carry them: every other example
    names them, so the fuzzer reaches past the lookups into the handlers."""
    job_id, job = fuzz_stack.new_job_ids(company_a)
    photo = fuzz_stack.upload(company_a, job, "a.jpg", jpeg())
    [photo_id] = fuzz_stack.scalars(select(Photo.id).where(Photo.uuid == uuid.UUID(photo)))
    return {
        "job_uuid": job, "parent_job_uuid": job, "uuid": job, "job_id": job_id,
        "jobId": job, "photo_uuid": photo, "access_key": photo, "photo_id": photo_id,
        "id": photo_id,
    }  # fmt: skip


@pytest.fixture(scope="module")
def company_b(fuzz_stack: Stack) -> Tenant:
    """The other company, whose jobs, photos, notes and documents must come out untouched."""
    tenant = fuzz_stack.new_tenant("Bystander Ltd")
    job = fuzz_stack.new_job(tenant)
    fuzz_stack.upload(tenant, job, "b.jpg", jpeg())
    with fuzz_stack.client() as client:
        headers = {"Authorization": f"Bearer {tenant.api_key}"}
        headers["X-CSRF-Token"] = csrf_token(client, tenant)
        noted = client.post(
            "/api/jobs/case-notes", headers=headers, json={"job_uuid": job, "note_text": "B's"}
        )
        assert noted.status_code == 200, noted.text
        filed = client.post(
            "/api/jobs/documents",
            headers=headers,
            data={"action": "upload", "job_uuid": job},
            files={"file": ("b.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")},
        )
        assert filed.status_code == 200, filed.text
    fuzz_stack.settle()
    return tenant


@pytest.fixture(scope="module")
def served_spec(fuzz_stack: Stack) -> dict[str, Any]:
    """The OpenAPI document the server serves."""
    return dict(httpx.get(f"{fuzz_stack.url}/openapi.json", timeout=30).json())


def credentials(
    stack: Stack, tenant: Tenant, ids: dict[str, object]
) -> Callable[[str, schemathesis.Case], None]:
    """Sign a generated call as `tenant`, the way each API's clients sign theirs; every other
    call names the tenant's real ids."""
    with stack.client() as client:
        token = csrf_token(client, tenant)
    bearer = {"Authorization": f"Bearer {tenant.api_key}"}
    by_api: dict[str, dict[str, str]] = {
        "CRM job photos": bearer,
        "Fulcrum photos": {"X-ApiToken": tenant.api_key},
        "Direct-upload photos": {"Authorization": f"Token {tenant.api_key}"},
        "Property-maintenance jobs": {
            **bearer, "X-CSRF-Token": token, "X-Inbound-Secret": INBOUND_SECRET,
        },
        "Resumable uploads (tus)": {**bearer, "Tus-Resumable": "1.0.0"},
    }  # fmt: skip

    calls = iter(range(1_000_000))

    def sign(api: str, case: schemathesis.Case) -> None:
        if next(calls) % 2:
            name_real_ids(case, ids)
        case.headers = {**(case.headers or {}), **by_api.get(api, {})}
        if api == "WorkPhotos jobs" and isinstance(case.body, dict):
            case.body = {**case.body, "authKey": tenant.api_key, "workspaceId": tenant.company_uuid}

    return sign


def name_real_ids(case: schemathesis.Case, ids: dict[str, object]) -> None:
    """Put company A's ids in every parameter and body field whose name carries one."""
    body = case.body if isinstance(case.body, dict) else {}
    for values in (case.path_parameters, case.query, body):
        for name in (values or {}).keys() & ids.keys():
            values[name] = ids[name]


def fuzz_operation(
    operation: Any, stack: Stack, sign: Callable[[schemathesis.Case], None], fuzzed: Fuzzed
) -> None:
    """Every example of one operation, in both generation modes."""
    for mode, examples in EXAMPLES.items():
        try:
            _fuzz(operation, mode, examples, stack, sign, fuzzed)
        except Unsatisfiable:
            # An operation with nothing to get wrong (no parameters, no body) has no negative case.
            assert mode is GenerationMode.NEGATIVE, f"{operation.label}: no call was generated"


def _fuzz(
    operation: Any,
    mode: GenerationMode,
    examples: int,
    stack: Stack,
    sign: Callable[[schemathesis.Case], None],
    fuzzed: Fuzzed,
) -> None:
    """One mode's examples; a failure is kept (the first per operation), not shrunk, so one
    run reports every operation that breaks."""
    label = operation.label

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case: schemathesis.Case) -> None:
        fuzzed.examples[label] = fuzzed.examples.get(label, 0) + 1
        sign(case)
        try:
            response = case.call(base_url=stack.url, timeout=30)
            fuzzed.statuses[response.status_code] += 1
            case.validate_response(response, checks=CHECKS)
        except (Exception, FailureGroup) as exc:
            fuzzed.failures.setdefault(label, f"{mode.value}: {str(exc).strip()[:1500]}")

    run()


def test_every_api_of_the_served_document_is_fuzzed(served_spec: dict[str, Any]) -> None:
    tags = {
        tag
        for operations in served_spec["paths"].values()
        for operation in operations.values()
        for tag in operation.get("tags", [])
    }
    assert tags == set(APIS)


def test_every_action_variant_of_the_maintenance_api_is_its_own_operation(
    served_spec: dict[str, Any],
) -> None:
    paths = served_spec["paths"]
    forms = {
        (method, path): operation
        for path, operations in paths.items()
        for method, operation in operations.items()
        if operation.get("description", "").startswith("The vendor's form")
    }
    variants = {
        (method, variant)
        for (method, _), operation in forms.items()
        for variant in re.findall(r"\(`(/api/[^`]+)`\)", operation["description"])
    }
    assert len(forms) >= 15
    assert len(variants) >= 40
    for method, path in variants:
        assert method in paths.get(path, {}), f"{method.upper()} {path} is not documented"
        operation = paths[path][method]
        assert operation["operationId"]
        assert operation["summary"]
        assert "action" not in {p["name"] for p in operation.get("parameters", [])}
    ids = [op["operationId"] for ops in paths.values() for op in ops.values()]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("api", APIS)
def test_fuzzing_finds_no_server_error_no_broken_answer_and_no_change_to_others(
    api: str,
    fuzz_stack: Stack,
    company_a: Tenant,
    company_b: Tenant,
    ids_of_a: dict[str, object],
    served_spec: dict[str, Any],
    record_property: Callable[[str, object], None],
) -> None:
    schema = schemathesis.openapi.from_dict(served_spec).include(tag=api)
    sign = credentials(fuzz_stack, company_a, ids_of_a)
    before = company_snapshot(fuzz_stack, company_b)
    fuzzed = Fuzzed()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert operations, f"the served document has no operation tagged {api!r}"
    # Deletions last, so the other operations still find company A's records.
    operations.sort(key=lambda op: op.method == "delete" or op.path.endswith("/delete"))
    for operation in operations:
        fuzz_operation(operation, fuzz_stack, lambda case: sign(api, case), fuzzed)
    total = sum(fuzzed.examples.values())
    record_property("examples", total)
    answered = ", ".join(f"{status}: {n}" for status, n in sorted(fuzzed.statuses.items()))
    print(f"{api}: {total} examples over {len(operations)} operations ({answered})")
    assert not fuzzed.failures, "\n\n".join(f"{k}\n{v}" for k, v in fuzzed.failures.items())
    assert set(fuzzed.examples) == {op.label for op in operations}
    assert differences(before, company_snapshot(fuzz_stack, company_b)) == {}
