"""A held job, by a real server: the maintenance API cannot delete it, no API that deletes
photos can delete its photos, each saying why in its own error shape; after release they can."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import select

from jobshots.core.evidence import holds
from jobshots.core.users import service as users
from jobshots.db.models import Job, Photo
from tests.support import images
from tests.support.maintenance import write_headers
from tests.support.stack import Stack, Tenant, running_stack

pytestmark = pytest.mark.acceptance

BACKENDS = ["sqlite", "postgresql"]
MAINTENANCE_JOBS = "/api/jobs/manage"
MAINTENANCE_PHOTOS = "/api/jobs/photos"
REASON = "Claim 4471: the customer disputes the boiler fit"


@pytest.fixture(scope="module", params=BACKENDS)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    """One server per database, on local storage (holds do not vary by storage)."""
    tmp = tmp_path_factory.mktemp(f"hold-{request.param}")
    with running_stack(request.param, "local", tmp, None, {}) as running:
        yield running


def _hold(stack: Stack, tenant: Tenant, job: str) -> str:
    """Place a hold as the owner would in the web app; the job's reference."""
    with stack.server.core.uow() as uow:
        owner = users.acting_as(users.owner_of(uow, tenant.company_id))
        return holds.place(uow, owner, job, REASON).reference


def _release(stack: Stack, tenant: Tenant, job: str) -> None:
    with stack.server.core.uow() as uow:
        holds.lift(uow, users.acting_as(users.owner_of(uow, tenant.company_id)), job)


def _photo_id(stack: Stack, photo_uuid: str) -> int:
    [found] = stack.scalars(select(Photo.id).where(Photo.uuid == uuid.UUID(photo_uuid)))
    return int(found)


def _deleted(stack: Stack, photo_uuid: str) -> bool:
    query = select(Photo.deleted_at).where(Photo.uuid == uuid.UUID(photo_uuid))
    return stack.scalars(query) != [None]


def _delete_each_way(
    stack: Stack, client: httpx.Client, tenant: Tenant, job: str, photos: list[str]
) -> list[httpx.Response]:
    """Delete one photo through each API that deletes photos: CRM, maintenance, presigned."""
    crm, maintenance, presigned = photos
    return [
        client.delete(f"/api/v1/jobs/{job}/photos/{crm}", headers=tenant.auth),
        client.request(
            "DELETE", MAINTENANCE_PHOTOS, headers=write_headers(client, tenant),
            json={"uuid": maintenance},
        ),
        client.delete(
            f"/light/photos/{_photo_id(stack, presigned)}/",
            headers={"Authorization": f"Token {tenant.api_key}"},
        ),
    ]  # fmt: skip


def test_no_api_deletes_a_held_jobs_photos_and_each_says_why(server: Stack) -> None:
    tenant = server.new_tenant("Held Photos Ltd")
    job = server.new_job(tenant, "Boiler fit")
    photos = [server.upload(tenant, job, f"{n}.jpg", images.jpeg()) for n in ("a", "b", "c")]
    reference = _hold(server, tenant, job)
    why = f"job {reference} is on legal hold: {REASON}"
    with server.client() as client:
        crm, maintenance, presigned = _delete_each_way(server, client, tenant, job, photos)
    assert crm.status_code == 409, crm.text
    assert crm.json() == {"success": False, "error": why, "code": "legal_hold"}
    assert maintenance.status_code == 409, maintenance.text
    assert maintenance.json() == {"success": False, "error": why}
    assert presigned.status_code == 409, presigned.text
    assert presigned.json() == {"detail": why}
    assert not any(_deleted(server, photo) for photo in photos)


def test_after_release_each_api_deletes_them(server: Stack) -> None:
    tenant = server.new_tenant("Released Photos Ltd")
    job = server.new_job(tenant, "Boiler fit")
    photos = [server.upload(tenant, job, f"{n}.jpg", images.jpeg()) for n in ("a", "b", "c")]
    _hold(server, tenant, job)
    _release(server, tenant, job)
    with server.client() as client:
        answers = _delete_each_way(server, client, tenant, job, photos)
    assert [answer.status_code for answer in answers] == [200, 200, 204]
    assert all(_deleted(server, photo) for photo in photos)


def test_the_maintenance_api_cannot_delete_a_held_job_until_it_is_released(server: Stack) -> None:
    tenant = server.new_tenant("Held Job Ltd")
    job = server.new_job(tenant, "Boiler fit")
    photo = server.upload(tenant, job, "a.jpg", images.jpeg())
    server.settle()
    files = {key for key in server.stored_objects() if photo in key}
    reference = _hold(server, tenant, job)
    with server.client() as client:
        refused = client.post(
            MAINTENANCE_JOBS, headers=write_headers(client, tenant),
            json={"action": "delete", "uuid": job},
        )  # fmt: skip
        assert refused.status_code == 409, refused.text
        assert refused.json() == {
            "success": False,
            "error": f"job {reference} is on legal hold: {REASON}",
        }
        assert server.scalars(select(Job.id).where(Job.uuid == uuid.UUID(job)))
        assert files
        assert files <= server.stored_objects()
        _release(server, tenant, job)
        deleted = client.post(
            MAINTENANCE_JOBS, headers=write_headers(client, tenant),
            json={"action": "delete", "uuid": job},
        )  # fmt: skip
    assert deleted.json() == {"success": True, "message": "Job deleted"}
    assert server.scalars(select(Job.id).where(Job.uuid == uuid.UUID(job))) == []
