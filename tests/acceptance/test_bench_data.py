"""`jobshots bench-data` on PostgreSQL: the rows it makes, served by a real server, the keys it
prints working, the notes it sealed opening, and the files its photos share downloading."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from jobshots.benchdata import words
from jobshots.db.models import Job, JobStatus, Photo, Rendition
from tests.support.databases import fresh_database
from tests.support.server import ServerProcess

pytestmark = pytest.mark.acceptance
SIZES = ("--photos", "200", "--jobs", "20", "--companies", "3", "--seed", "7")


@pytest.fixture(scope="module")
def filled(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[ServerProcess, dict[str, Any]]]:
    """A server over a PostgreSQL database filled with 200 photos, 20 jobs, 3 companies."""
    workdir = tmp_path_factory.mktemp("bench-data")
    with fresh_database("postgresql", workdir) as url:
        server = ServerProcess(url, f"file://{workdir / 'media'}", workdir)
        made = json.loads(server.cli("bench-data", *SIZES).stdout)
        server.start()
        try:
            yield server, made
        finally:
            server.stop()


def test_it_makes_the_rows_it_was_asked_for(filled: tuple[ServerProcess, dict[str, Any]]) -> None:
    server, made = filled
    with server.core.uow() as uow:
        photos = uow.session.scalar(select(func.count()).select_from(Photo))
        renditions = uow.session.scalar(select(func.count()).select_from(Rendition))
        jobs = uow.session.scalar(select(func.count()).select_from(Job))
    assert (photos, renditions, jobs) == (200, 400, 20)
    assert (made["counts"]["photos"], made["counts"]["jobs"]) == (200, 20)
    assert len(made["companies"]) == 3


def test_the_first_company_holds_the_most_and_a_tenth_of_the_jobs_open(
    filled: tuple[ServerProcess, dict[str, Any]],
) -> None:
    server, made = filled
    first = made["companies"][0]["id"]
    with server.core.uow() as uow:
        per_company = dict(
            uow.session.execute(
                select(Photo.company_id, func.count()).group_by(Photo.company_id)
            ).all()
        )
        open_jobs = uow.session.scalar(
            select(func.count())
            .select_from(Job)
            .join(JobStatus, JobStatus.id == Job.status_id)
            .where(Job.company_id == first, JobStatus.stage.in_(["new", "assigned", "in_progress"]))
        )
    assert per_company[first] == max(per_company.values())
    assert open_jobs == 2


def test_each_printed_key_authenticates_as_its_company(
    filled: tuple[ServerProcess, dict[str, Any]],
) -> None:
    server, made = filled
    with server.core.uow() as uow:
        per_company = dict(
            uow.session.execute(
                select(Photo.company_id, func.count()).group_by(Photo.company_id)
            ).all()
        )
        jobs_of = dict(
            uow.session.execute(select(Job.company_id, func.count()).group_by(Job.company_id)).all()
        )
    for company in made["companies"]:
        fulcrum = httpx.get(
            f"{server.base_url}/api/v2/photos.json",
            headers={"X-ApiToken": company["api_key"]},
            params={"per_page": 10},
        )
        assert fulcrum.status_code == 200, fulcrum.text
        assert fulcrum.json()["total_count"] == per_company.get(company["id"], 0)
        listed = httpx.post(
            f"{server.base_url}/job/list",
            json={"authKey": company["api_key"], "workspaceId": company["uuid"]},
        )
        assert listed.status_code == 200, listed.text
        assert listed.json()["totalJobs"] == jobs_of[company["id"]]


def test_sealed_case_notes_open_and_the_owner_signs_in(
    filled: tuple[ServerProcess, dict[str, Any]],
) -> None:
    server, made = filled
    owner = made["companies"][0]
    login = httpx.post(
        f"{server.base_url}/api/auth/login",
        json={"email": owner["owner_email"], "password": owner["password"]},
    )
    assert login.status_code == 200, login.text
    notes = httpx.get(
        f"{server.base_url}/api/jobs/case-notes",
        headers={"Authorization": f"Bearer {login.json()['token']}"},
        params={"action": "list", "job_uuid": made["probes"]["job_with_notes"]},
    )
    assert notes.status_code == 200, notes.text
    texts = [note["note_text"] for note in notes.json()["data"]]
    assert len(texts) >= 2
    assert set(texts) <= set(words.NOTES)


def test_a_photo_downloads_the_shared_sample_it_names(
    filled: tuple[ServerProcess, dict[str, Any]],
) -> None:
    server, made = filled
    company, job = made["companies"][0], made["probes"]["busiest_job"]
    listed = httpx.get(
        f"{server.base_url}/api/v1/jobs/{job}/photos",
        headers={"Authorization": f"Bearer {company['api_key']}"},
    )
    assert listed.status_code == 200, listed.text
    photo = listed.json()["data"]["photos"][0]
    original = httpx.get(photo["photo_url"])
    assert original.status_code == 200
    assert len(original.content) == photo["file_size"]
    with server.core.uow() as uow:
        checksum = uow.session.scalar(
            select(Photo.checksum_sha256).where(Photo.uuid == photo["uuid"])
        )
    assert hashlib.sha256(original.content).hexdigest() == checksum


def test_the_history_chain_still_verifies(filled: tuple[ServerProcess, dict[str, Any]]) -> None:
    server, _ = filled
    assert server.cli("audit", "verify").returncode == 0


def test_a_database_that_holds_companies_is_refused_and_left_alone(
    filled: tuple[ServerProcess, dict[str, Any]],
) -> None:
    server, _ = filled
    refused = server.cli("bench-data", *SIZES, check=False)
    assert refused.returncode == 2
    assert "already holds 3 companies" in refused.stderr
    with server.core.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Photo)) == 200


def test_sqlite_is_refused_clearly(tmp_path: Path) -> None:
    with fresh_database("sqlite", tmp_path) as url:
        server = ServerProcess(url, f"file://{tmp_path / 'media'}", tmp_path)
        refused = server.cli("bench-data", *SIZES, check=False)
    assert refused.returncode == 2
    assert "needs PostgreSQL" in refused.stderr


def test_the_same_seed_makes_the_same_rows_again(
    filled: tuple[ServerProcess, dict[str, Any]], tmp_path: Path
) -> None:
    server, _ = filled
    with fresh_database("postgresql", tmp_path) as url:
        again = ServerProcess(url, f"file://{tmp_path / 'media'}", tmp_path)
        again.cli("bench-data", *SIZES)
        try:
            assert _photos_by_job(again) == _photos_by_job(server)
        finally:
            again.stop()


def _photos_by_job(server: ServerProcess) -> set[tuple[Any, ...]]:
    """Each photo's UUID, its job's UUID and title, its type and description."""
    query = select(Photo.uuid, Job.uuid, Job.title, Photo.photo_type, Photo.description).join(
        Job, Job.id == Photo.job_id
    )
    with server.core.uow() as uow:
        return {tuple(row) for row in uow.session.execute(query)}
