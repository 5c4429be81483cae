"""Contractors reach only the jobs assigned to them, agents only their own: in every API."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from jobshots.db.models import Job, User
from tests.support import images
from tests.support.stack import Stack

pytestmark = pytest.mark.acceptance


def _assign(stack: Stack, job_id: int, column: str, email: str) -> None:
    person = select(User.id).where(User.email == email).scalar_subquery()
    stack.execute(update(Job).where(Job.id == job_id).values({column: person}))


@pytest.mark.parametrize(
    ("role", "column"), [("contractor", "contractor_id"), ("agent", "agent_id")]
)
def test_a_field_worker_reaches_only_their_own_jobs(
    single_stack: Stack, role: str, column: str
) -> None:
    owner = single_stack.new_tenant(f"Reach {role} Ltd")
    worker = single_stack.new_colleague(owner, role)
    mine_id, mine = single_stack.new_job_ids(owner, "Assigned to them")
    theirs_id, theirs = single_stack.new_job_ids(owner, "Someone else's")
    _assign(single_stack, mine_id, column, worker.owner_email)
    my_photo = single_stack.upload(owner, mine, "site.jpg", images.jpeg())
    other_photo = single_stack.upload(owner, theirs, "site.jpg", images.jpeg())
    with single_stack.client() as client:
        signed = {"authKey": worker.api_key, "workspaceId": worker.company_uuid}
        listed = client.post("/job/list", json=signed).json()
        assert [j["jobId"] for j in listed["jobs"]] == [mine]
        assert client.post("/job/details", json={**signed, "jobId": theirs}).status_code == 404
        crm = "/api/v1/jobs/{}/photos"
        assert client.get(crm.format(mine), headers=worker.auth).status_code == 200
        assert client.get(crm.format(theirs), headers=worker.auth).status_code == 404
        fulcrum = client.get("/api/v2/photos.json", headers={"X-ApiToken": worker.api_key})
        assert [p["access_key"] for p in fulcrum.json()["photos"]] == [my_photo]
        hidden = client.get(f"/api/v2/photos/{other_photo}", headers={"X-ApiToken": worker.api_key})
        assert hidden.status_code == 404
        light = {"X-API-KEY": worker.api_key}
        jobs = client.get("/light/jobs/", headers=light).json()
        assert [j["id"] for j in jobs["results"]] == [mine_id]
        assert client.get(f"/light/jobs/{theirs_id}/", headers=light).status_code == 404
        # The owner still reaches both.
        everything = client.get("/api/v2/photos.json", headers={"X-ApiToken": owner.api_key})
        assert sorted(p["access_key"] for p in everything.json()["photos"]) == sorted(
            [my_photo, other_photo]
        )
