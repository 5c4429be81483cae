"""`/api/jobs/remedials`: follow-on jobs linked to the job whose work they put right; never a
job of its own, never in a circle, one parent at most, and unlinking deletes no job."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from jobshots.core import permissions
from jobshots.db.models import AuditEvent, Job, RemedialLink
from tests.support.databases import BACKENDS
from tests.support.maintenance import bearer, csrf_token, write_headers
from tests.support.stack import Stack, Tenant, running_stack

pytestmark = pytest.mark.acceptance
REMEDIALS = "/api/jobs/remedials"


@pytest.fixture(scope="module", params=BACKENDS)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    """A server over a fresh SQLite database, and one over PostgreSQL when configured."""
    tmp = tmp_path_factory.mktemp(f"remedials-{request.param}")
    with running_stack(request.param, "local", tmp, None, {}, worker=False) as running:
        yield running


def _write(client: httpx.Client, tenant: Tenant, **body: Any) -> httpx.Response:
    return client.post(REMEDIALS, headers=write_headers(client, tenant), json=body)


def _list(client: httpx.Client, tenant: Tenant, job_uuid: str) -> httpx.Response:
    return client.get(
        REMEDIALS, headers=bearer(tenant), params={"action": "list", "job_uuid": job_uuid}
    )


def _links(stack: Stack, tenant: Tenant) -> list[tuple[Any, ...]]:
    """Every remedial link of the company, and how many jobs and history events it has."""
    links = stack.rows(
        select(RemedialLink.parent_job_id, RemedialLink.remedial_job_id, RemedialLink.reason)
        .where(RemedialLink.company_id == tenant.company_id)
        .order_by(RemedialLink.id)
    )
    counts = [
        stack.scalars(
            select(func.count()).select_from(model).where(model.company_id == tenant.company_id)
        )[0]
        for model in (Job, AuditEvent)
    ]
    return [*links, tuple(counts)]


def test_link_list_and_unlink_by_the_guides_words_and_the_references(server: Stack) -> None:
    owner = server.new_tenant("Remedial Works Ltd")
    parent_id, parent = server.new_job_ids(owner, "Roof repair")
    first_id, first = server.new_job_ids(owner, "Re-seal flashing")
    _, second = server.new_job_ids(owner, "Replace tiles")
    with server.client() as client:
        linked = _write(
            client, owner, action="link", job_uuid=parent, remedial_job_uuid=first,
            reason="Flashing leaked",
        )  # fmt: skip
        created = client.post(
            REMEDIALS, headers=bearer(owner),
            data={"action": "create", "parent_job_uuid": parent, "remedial_job_uuid": second,
                  "reason": "Tiles slipped", "csrf_token": csrf_token(client, owner)},
        )  # fmt: skip
        listed = _list(client, owner, parent)
        from_child = _list(client, owner, first)
        unlinked = _write(client, owner, action="unlink", remedial_job_uuid=first)
        deleted = _write(
            client, owner, action="delete", parent_job_uuid=parent, remedial_job_uuid=second
        )
        after = _list(client, owner, parent)
        both_kept = [
            client.get(
                "/api/jobs/manage", headers=bearer(owner), params={"action": "get", "uuid": job}
            ).status_code
            for job in (first, second)
        ]
    assert linked.status_code == 200, linked.text
    made = linked.json()
    assert made["message"] == "Remedial link created"
    assert made["data"]["parent_job"]["uuid"] == parent
    assert made["data"]["remedial_job"]["uuid"] == first
    assert made["data"]["reason"] == "Flashing leaked"
    assert made["data"]["linked_by_name"] == "Olive Owner"
    assert created.status_code == 200, created.text
    shown = listed.json()
    assert (shown["count"], shown["parent_job"]) == (2, None)
    one, two = shown["data"]
    assert (one["uuid"], one["ID"], one["job_title"]) == (first, first_id, "Re-seal flashing")
    assert one["job_ref"].startswith("J")
    assert (one["status_name"], one["reason"]) == ("Open", "Flashing leaked")
    assert one["linked_at"].endswith("Z")
    assert one["linked_by_name"] == "Olive Owner"
    assert (two["uuid"], two["reason"]) == (second, "Tiles slipped")
    # A remedial's own list names its parent.
    child = from_child.json()
    assert child["data"] == []
    assert (child["parent_job"]["uuid"], child["parent_job"]["ID"]) == (parent, parent_id)
    assert child["parent_job"]["reason"] == "Flashing leaked"
    assert unlinked.status_code == 200, unlinked.text
    assert unlinked.json()["message"] == "Remedial link removed"
    assert deleted.status_code == 200, deleted.text
    assert (after.json()["data"], after.json()["count"]) == ([], 0)
    assert both_kept == [200, 200]


def test_self_links_cycles_and_duplicate_links_are_refused_and_change_nothing(
    server: Stack,
) -> None:
    owner = server.new_tenant("Refused Links Ltd")
    a, b, c, d = (server.new_job(owner, title) for title in ("A", "B", "C", "D"))
    with server.client() as client:
        for parent, child in ((a, b), (b, c)):
            made = _write(client, owner, action="link", job_uuid=parent, remedial_job_uuid=child)
            assert made.status_code == 200, made.text
        before = _links(server, owner)
        cases = [
            ({"parent_job_uuid": a, "remedial_job_uuid": a}, 400, "itself"),
            ({"parent_job_uuid": b, "remedial_job_uuid": a}, 400, "circle"),
            ({"parent_job_uuid": c, "remedial_job_uuid": a}, 400, "circle"),
            ({"parent_job_uuid": a, "remedial_job_uuid": b}, 409, "already a remedial"),
            ({"parent_job_uuid": d, "remedial_job_uuid": b}, 409, "unlink it first"),
            ({"parent_job_uuid": a}, 400, "remedial_job_uuid"),
            ({"remedial_job_uuid": d}, 400, "parent_job_uuid"),
            ({"parent_job_uuid": a, "remedial_job_uuid": d, "reason": "x" * 2001}, 400, "reason"),
            ({"parent_job_uuid": a, "remedial_job_id": "abc"}, 400, "remedial_job_id"),
        ]
        answers = [
            (_write(client, owner, action="link", **body), status, named)
            for body, status, named in cases
        ]
        unlinks = [
            (_write(client, owner, action="unlink", remedial_job_uuid=d), 400, "not a remedial"),
            (_write(client, owner, action="unlink", remedial_job_uuid=c, parent_job_uuid=a),
             400, "parent_job_uuid"),
            (_write(client, owner, action="unlink"), 400, "remedial_job_uuid"),
            (_write(client, owner, action="merge", remedial_job_uuid=c), 400, "action"),
            (_write(client, owner, remedial_job_uuid=c), 400, "action"),
        ]  # fmt: skip
        after = _links(server, owner)
    for answer, status, named in answers + unlinks:
        assert answer.status_code == status, answer.text
        assert answer.json()["success"] is False
        assert named in answer.json()["error"], answer.json()
    assert after == before


def test_links_sent_at_once_never_close_a_circle_nor_give_a_job_two_parents(
    server: Stack,
) -> None:
    owner = server.new_tenant("Racing Links Ltd")
    a, b, c, d = (server.new_job(owner, title) for title in ("A", "B", "C", "D"))
    pairs = [[(a, b), (b, a)], [(c, d), (a, d)]]

    def link(pair: tuple[str, str]) -> httpx.Response:
        with server.client() as client:
            headers = write_headers(client, owner)
            return client.post(
                REMEDIALS, headers=headers,
                json={"action": "link", "parent_job_uuid": pair[0], "remedial_job_uuid": pair[1]},
            )  # fmt: skip

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = [sorted(answer.status_code for answer in pool.map(link, racing))
                    for racing in pairs]  # fmt: skip
    assert outcomes == [[200, 400], [200, 409]]
    assert len(_links(server, owner)) - 1 == 2


def test_the_guides_unlink_names_only_the_job_to_take_off_its_parent(server: Stack) -> None:
    owner = server.new_tenant("Guide Unlink Ltd")
    parent, child = server.new_job(owner, "Parent"), server.new_job(owner, "Child")
    with server.client() as client:
        _write(client, owner, action="link", parent_job_uuid=parent, remedial_job_uuid=child)
        unlinked = _write(client, owner, action="unlink", job_uuid=child)
        left = _list(client, owner, parent).json()
    assert unlinked.status_code == 200, unlinked.text
    assert unlinked.json()["data"]["remedial_job"]["uuid"] == child
    assert left["count"] == 0
    assert _links(server, owner)[:-1] == []


def test_remedials_need_the_permission_and_csrf(server: Stack) -> None:
    owner = server.new_tenant("Remedial Permission Ltd")
    parent, child = server.new_job(owner, "Parent"), server.new_job(owner, "Child")
    narrowed = server.server.cli_json(
        "apikey", "create", "--company", str(owner.company_id), "--email", owner.owner_email,
        "--permission", permissions.JOBS_MANAGE,
    )  # fmt: skip
    jobs_only = Tenant(owner.company_id, owner.company_uuid, narrowed["api_key"], owner.owner_email)
    contractor = server.new_colleague(owner, "contractor")
    link = {"action": "link", "parent_job_uuid": parent, "remedial_job_uuid": child}
    with server.client() as client:
        before = _links(server, owner)
        forbidden = [
            _write(client, jobs_only, **link),
            _write(client, contractor, **link),
            _list(client, jobs_only, parent),
        ]
        no_csrf = [
            client.post(REMEDIALS, headers=bearer(owner), json=link),
            client.post(
                REMEDIALS, headers=bearer(owner),
                json={**link, "csrf_token": csrf_token(client, jobs_only)},
            ),
            client.post(REMEDIALS, headers=bearer(owner), data={**link, "csrf_token": "forged"}),
        ]  # fmt: skip
        after = _links(server, owner)
    for refused in forbidden:
        assert refused.status_code == 403, refused.text
        assert refused.json()["permission"] == permissions.REMEDIALS
    for refused in no_csrf:
        assert refused.status_code == 403, refused.text
        assert "CSRF" in refused.json()["error"]
    assert after == before


def test_another_companys_jobs_are_not_found(server: Stack) -> None:
    owner = server.new_tenant("Remedial Owner Ltd")
    stranger = server.new_tenant("Remedial Stranger Ltd")
    parent, child = server.new_job(owner, "Parent"), server.new_job(owner, "Child")
    theirs = server.new_job(stranger, "Theirs")
    with server.client() as client:
        _write(client, owner, action="link", parent_job_uuid=parent, remedial_job_uuid=child)
        before = _links(server, owner), _links(server, stranger)
        missing = _write(
            client, owner, action="link", parent_job_uuid=str(uuid.uuid4()),
            remedial_job_uuid=child,
        ).json()  # fmt: skip
        answers = [
            _list(client, stranger, parent),
            _write(client, stranger, action="link", parent_job_uuid=theirs,
                   remedial_job_uuid=parent),
            _write(client, stranger, action="link", parent_job_uuid=parent,
                   remedial_job_uuid=theirs),
            _write(client, owner, action="link", parent_job_uuid=parent,
                   remedial_job_uuid=theirs),
            _write(client, stranger, action="unlink", remedial_job_uuid=child),
            _write(client, owner, action="unlink", remedial_job_uuid=child,
                   parent_job_uuid=theirs),
        ]  # fmt: skip
        after = _links(server, owner), _links(server, stranger)
    for answer in answers:
        assert answer.status_code == 404, answer.text
        assert answer.json() == missing
    assert after == before


def test_links_are_in_both_jobs_history(server: Stack) -> None:
    owner = server.new_tenant("Remedial History Ltd")
    parent, child = server.new_job(owner, "Parent"), server.new_job(owner, "Child")
    with server.client() as client:
        _write(client, owner, action="link", parent_job_uuid=parent, remedial_job_uuid=child,
               reason="Came back")  # fmt: skip
        _write(client, owner, action="unlink", remedial_job_uuid=child)

        def history(job: str) -> list[dict[str, Any]]:
            answer = client.get(
                "/api/jobs/manage", headers=bearer(owner),
                params={"action": "list_commits", "uuid": job},
            )  # fmt: skip
            return list(answer.json()["data"])

        of_parent, of_child = history(parent), history(child)
    assert [e["action"] for e in of_parent[:2]] == ["job.remedial_unlinked", "job.remedial_linked"]
    assert of_parent[1]["data"]["remedial_job_uuid"] == child
    assert of_parent[1]["data"]["reason"] == "Came back"
    assert [e["action"] for e in of_child[:2]] == [
        "job.unlinked_as_remedial", "job.linked_as_remedial"
    ]  # fmt: skip
    [linked] = of_child[1]["changes"]
    assert (linked["field"], linked["before"], linked["after"]) == ("parent_job_uuid", None, parent)
    [unlinked] = of_child[0]["changes"]
    assert (unlinked["before"], unlinked["after"]) == (parent, None)
