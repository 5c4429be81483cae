"""Job photos of the maintenance API: list, upload and soft delete, by a real server."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from jobshots.db.models import AuditEvent, Job, Photo, User
from jobshots.storage import keys
from tests.support import images, media
from tests.support.maintenance import bearer as _bearer
from tests.support.maintenance import csrf_token as _token
from tests.support.maintenance import write_headers as _headers
from tests.support.stack import Stack, Tenant

pytestmark = pytest.mark.acceptance

PHOTOS = "/api/jobs/photos"
MANAGE_PERMISSION = "api.jobs.photos.manage"
GROUPS = ["before", "during", "after", "other"]
# An id no row has, within every database's id column.
UNKNOWN_ID = 2**31 - 1


def _upload(
    client: httpx.Client,
    headers: dict[str, str],
    job: int | str,
    *files: tuple[str, bytes],
    field: str = "photo",
    **fields: str,
) -> httpx.Response:
    """A multipart upload shaped like the vendor's reference (`job_id` for an int)."""
    job_field = "job_id" if isinstance(job, int) else "job_uuid"
    sent = [(field, (name, data, "application/octet-stream")) for name, data in files]
    return client.post(
        PHOTOS,
        headers=headers,
        data={"action": "upload", job_field: str(job), **fields},
        files=sent or {"unrelated": (None, "")},
    )


def _list(client: httpx.Client, tenant: Tenant, **params: Any) -> httpx.Response:
    return client.get(PHOTOS, headers=_bearer(tenant), params=params)


def _flat(listed: dict[str, Any]) -> list[str]:
    """The photos of a list answer, by UUID, group by group."""
    return [item["uuid"] for group in GROUPS for item in listed["data"][group]]


def _rows(stack: Stack) -> list[tuple[Any, ...]]:
    """Every photo row (of any company): its UUID and when it was deleted."""
    photos = stack.scalars(select(Photo.uuid).order_by(Photo.id))
    deleted = stack.scalars(select(Photo.deleted_at).order_by(Photo.id))
    return [(str(photo), when) for photo, when in zip(photos, deleted, strict=True)]


def _snapshot(stack: Stack) -> tuple[list[tuple[Any, ...]], set[str]]:
    """The photo rows and stored objects once the workers are idle (renditions made)."""
    stack.settle(120)
    return _rows(stack), stack.stored_objects()


def _deleted_at(stack: Stack, photo_uuid: str) -> object:
    query = select(Photo.deleted_at).where(Photo.uuid == uuid.UUID(photo_uuid))
    [deleted_at] = stack.scalars(query)
    return deleted_at


def _audited(stack: Stack, photo_uuid: str) -> list[str]:
    query = select(AuditEvent.action).where(
        AuditEvent.entity_uuid == photo_uuid, AuditEvent.action != "photo.processed"
    )
    return sorted(stack.scalars(query))


def test_photos_round_trip_grouped_and_soft_deleted(stack: Stack) -> None:
    owner = stack.new_tenant("Photos Ltd")
    job_id, job_uuid = stack.new_job_ids(owner, "Roof repair")
    objects_before = _snapshot(stack)[1]
    with stack.client() as client:
        headers = _headers(client, owner)
        before = _upload(
            client, headers, job_id, ("roof.jpg", images.jpeg(64, 48)), photo_type="before"
        )
        assert before.status_code == 200, before.text
        body = before.json()
        assert (body["success"], body["message"]) == (True, "Photo uploaded")
        assert body["photos"] == [body["data"]]
        made = body["data"]
        # The guide's spelling: field `file`, the job by UUID, no type given.
        plain = _upload(client, headers, job_uuid, ("gutter.png", images.png()), field="file")
        assert plain.status_code == 200, plain.text
        assert plain.json()["data"]["photo_type"] == "other"
        several = _upload(
            client, headers, job_id,
            ("a.jpg", images.jpeg(colour="blue")), ("b.jpg", images.jpeg(colour="green")),
            photo_type="during",
        )  # fmt: skip
        assert several.status_code == 200, several.text
        during = [item["uuid"] for item in several.json()["photos"]]
        assert several.json()["data"]["uuid"] == during[0]
        assert len(during) == 2

        assert made == {
            "ID": made["ID"],
            "uuid": made["uuid"],
            "job_id": job_id,
            "job_uuid": job_uuid,
            "photo_type": "before",
            "file_name": "roof.jpg",
            "file_size": len(images.jpeg(64, 48)),
            "mime_type": "image/jpeg",
            "is_video": False,
            "width": 64,
            "height": 48,
            "taken_at": made["taken_at"],
            "taken_at_source": "upload",
            "latitude": None,
            "longitude": None,
            "uploaded_by_id": made["uploaded_by_id"],
            "uploaded_by_name": "Olive Owner",
            "created_at": made["created_at"],
            "state": made["state"],
            "thumbnail_url": made["thumbnail_url"],
            "large_url": made["large_url"],
            "original_url": made["original_url"],
        }
        assert isinstance(made["ID"], int)
        assert isinstance(made["uploaded_by_id"], int)
        assert made["taken_at"].endswith("Z")
        assert made["created_at"].endswith("Z")
        assert made["original_url"]
        everything = [made["uuid"], plain.json()["data"]["uuid"], *during]
        originals = {
            keys.photo_original(uuid.UUID(owner.company_uuid), uuid.UUID(item), ext)
            for item, ext in zip(everything, ["jpg", "png", "jpg", "jpg"], strict=True)
        }
        added = stack.stored_objects() - objects_before
        # The workers may already have made some renditions beside the originals.
        assert originals <= added
        assert {key.rsplit("/", 1)[0] for key in added} == {
            key.rsplit("/", 1)[0] for key in originals
        }

        stack.settle(120)
        by_id = _list(client, owner, job_id=job_id).json()
        by_uuid = _list(client, owner, job_uuid=job_uuid, action="list").json()
        # Signed URLs may differ between two answers; the photos may not.
        assert _flat(by_id) == _flat(by_uuid)
        assert (by_uuid["count"], by_uuid["total"]) == (4, 4)
        assert (by_id["success"], by_id["count"], by_id["total"]) == (True, 4, 4)
        assert list(by_id["data"]) == GROUPS
        assert [p["uuid"] for p in by_id["data"]["before"]] == [made["uuid"]]
        assert [p["uuid"] for p in by_id["data"]["during"]] == during
        assert by_id["data"]["after"] == []
        assert [p["uuid"] for p in by_id["data"]["other"]] == [plain.json()["data"]["uuid"]]
        listed = by_id["data"]["before"][0]
        assert listed["state"] == "processed"
        for url in (listed["thumbnail_url"], listed["large_url"], listed["original_url"]):
            assert httpx.get(url).status_code == 200
        assert httpx.get(listed["original_url"]).content == images.jpeg(64, 48)

        gone_by_id = client.request("DELETE", PHOTOS, headers=headers, json={"id": made["ID"]})
        assert gone_by_id.json() == {"success": True, "message": "Photo deleted"}
        gone_by_form = client.post(
            PHOTOS,
            headers=_bearer(owner),
            data={"action": "delete", "job_uuid": job_uuid, "photo_uuid": during[0]},
            files={"csrf_token": (None, _token(client, owner))},
        )
        assert gone_by_form.json() == {"success": True, "message": "Photo deleted"}

        after = _list(client, owner, job_id=job_id).json()
        assert (after["count"], after["total"]) == (2, 2)
        assert _flat(after) == [during[1], plain.json()["data"]["uuid"]]
        again = client.request("DELETE", PHOTOS, headers=headers, json={"id": made["ID"]})
        assert again.status_code == 404
    # Soft: the rows say when, the originals stay in storage as evidence, both are audited.
    for deleted in (made["uuid"], during[0]):
        assert _deleted_at(stack, deleted) is not None
        assert _audited(stack, deleted) == ["photo.deleted", "photo.uploaded"]
    assert originals <= stack.stored_objects()


def test_a_refused_upload_stores_nothing(stack: Stack) -> None:
    owner = stack.new_tenant("Refusals Ltd")
    job_id, _ = stack.new_job_ids(owner)
    rows, objects = _snapshot(stack)
    with stack.client() as client:
        headers = _headers(client, owner)
        jpeg = ("site.jpg", images.jpeg())
        not_image = _upload(client, headers, job_id, ("site.jpg", b"%PDF-1.4\nnot a photo\n"))
        empty = _upload(client, headers, job_id, ("site.jpg", b""))
        no_file = _upload(client, headers, job_id)
        wrong_field = _upload(client, headers, job_id, jpeg, field="image")
        bad_type = _upload(client, headers, job_id, jpeg, photo_type="sideways")
        # One good file and one bad: all or nothing.
        mixed = _upload(client, headers, job_id, jpeg, ("notes.txt", b"hello there\n"))
        for refused in (not_image, empty, no_file, wrong_field, bad_type, mixed):
            assert refused.status_code == 400, refused.text
            assert refused.json()["success"] is False
        assert "JPEG, PNG, WebP, HEIC, MP4 or MOV" in not_image.json()["error"]
        assert "file" in no_file.json()["error"]
        assert "photo_type" in bad_type.json()["error"]
        unknown_job = _upload(client, headers, UNKNOWN_ID, jpeg)
        assert (unknown_job.status_code, unknown_job.json()["success"]) == (404, False)
        # The server's limit here is 300 KB (the conftest's), below the API's own 20 MB.
        too_big = _upload(client, headers, job_id, ("huge.jpg", images.jpeg() + bytes(400_000)))
        assert (too_big.status_code, too_big.json()["success"]) == (413, False)
        no_csrf = _upload(client, _bearer(owner), job_id, jpeg)
        assert no_csrf.status_code == 403
    assert _rows(stack) == rows
    assert stack.stored_objects() == objects


def test_uploads_need_the_callers_own_csrf_token(single_stack: Stack) -> None:
    owner = single_stack.new_tenant("Csrf Photos Ltd")
    other = single_stack.new_tenant("Someone Else Ltd")
    job_id, _ = single_stack.new_job_ids(owner)
    jpeg = ("site.jpg", images.jpeg())
    rows, objects = _snapshot(single_stack)
    with single_stack.client() as client:
        theirs = _token(client, other)
        refusals = [
            _upload(client, _bearer(owner), job_id, jpeg),
            _upload(client, _bearer(owner), job_id, jpeg, csrf_token=theirs),
            _upload(client, {**_bearer(owner), "X-CSRF-Token": theirs}, job_id, jpeg),
            _upload(client, _bearer(owner), job_id, jpeg, csrf_token="forged"),
        ]
        for refused in refusals:
            assert refused.status_code == 403, refused.text
            assert refused.json()["success"] is False
        assert _rows(single_stack) == rows
        assert single_stack.stored_objects() == objects
        in_field = _upload(client, _bearer(owner), job_id, jpeg, csrf_token=_token(client, owner))
        in_header = _upload(client, _headers(client, owner), job_id, jpeg)
    assert in_field.status_code == 200, in_field.text
    assert in_header.status_code == 200, in_header.text
    assert len(_rows(single_stack)) == len(rows) + 2


def test_deletes_need_the_callers_own_csrf_token(single_stack: Stack) -> None:
    owner = single_stack.new_tenant("Csrf Deletes Ltd")
    other = single_stack.new_tenant("Elsewhere Ltd")
    job_id, _ = single_stack.new_job_ids(owner)
    with single_stack.client() as client:
        made = _upload(client, _headers(client, owner), job_id, ("k.jpg", images.jpeg()))
        kept = made.json()["data"]
        rows = _rows(single_stack)
        theirs = _token(client, other)
        refusals = [
            client.request("DELETE", PHOTOS, headers=_bearer(owner), json={"id": kept["ID"]}),
            client.request(
                "DELETE", PHOTOS, headers=_bearer(owner),
                json={"id": kept["ID"], "csrf_token": theirs},
            ),
            client.post(
                PHOTOS, headers=_bearer(owner),
                data={"action": "delete", "photo_uuid": kept["uuid"]},
                files={"csrf_token": (None, theirs)},
            ),
            client.post(
                PHOTOS, headers=_bearer(owner),
                json={"action": "delete", "photo_uuid": kept["uuid"]},
            ),
        ]  # fmt: skip
        for refused in refusals:
            assert refused.status_code == 403, refused.text
        listed = _list(client, owner, job_id=job_id).json()
    assert _rows(single_stack) == rows
    assert _flat(listed) == [kept["uuid"]]


def test_a_file_over_twenty_megabytes_is_413_and_stores_nothing(single_stack: Stack) -> None:
    owner = single_stack.new_tenant("Large Photos Ltd")
    job_id, _ = single_stack.new_job_ids(owner)
    rows, objects = _snapshot(single_stack)
    huge = images.jpeg() + bytes(20 * 1024 * 1024)
    with single_stack.client() as client:
        answer = _upload(client, _headers(client, owner), job_id, ("big.jpg", huge))
    assert (answer.status_code, answer.json()["success"]) == (413, False)
    assert _rows(single_stack) == rows
    assert single_stack.stored_objects() == objects


def test_videos_and_heic_are_taken_by_their_bytes(single_stack: Stack, tmp_path: Path) -> None:
    owner = single_stack.new_tenant("Video Photos Ltd")
    job_id, _ = single_stack.new_job_ids(owner)
    clip = media.video(tmp_path / "clip.mp4", width=640, height=360, seconds=1)
    with single_stack.client() as client:
        headers = _headers(client, owner)
        video = _upload(client, headers, job_id, ("clip.bin", clip.read_bytes()))
        heic = _upload(client, headers, job_id, ("phone.heic", media.heic(320, 240)))
    assert video.status_code == 200, video.text
    assert heic.status_code == 200, heic.text
    single_stack.settle(120)
    with single_stack.client() as client:
        [shown, photo] = _list(client, owner, job_id=job_id).json()["data"]["other"]
    assert (shown["is_video"], shown["mime_type"]) == (True, "video/mp4")
    # A video's size is read when it is processed.
    assert (shown["width"], shown["height"], shown["state"]) == (640, 360, "processed")
    assert (photo["is_video"], photo["width"], photo["height"]) == (False, 320, 240)
    assert photo["mime_type"] in ("image/heic", "image/heif")


def test_delete_is_also_taken_as_a_json_or_urlencoded_post(single_stack: Stack) -> None:
    owner = single_stack.new_tenant("Post Deletes Ltd")
    job_id, _ = single_stack.new_job_ids(owner)
    with single_stack.client() as client:
        headers = _headers(client, owner)
        first, second, third = (
            _upload(client, headers, job_id, (f"{n}.jpg", images.jpeg())).json()["data"]
            for n in (1, 2, 3)
        )
        as_json = client.post(
            PHOTOS, headers=_bearer(owner),
            json={"action": "delete", "photo_uuid": first["uuid"],
                  "csrf_token": _token(client, owner)},
        )  # fmt: skip
        as_form = client.post(
            PHOTOS, headers=_bearer(owner),
            data={"action": "delete", "photo_uuid": second["uuid"],
                  "csrf_token": _token(client, owner)},
        )  # fmt: skip
        by_uuid = client.request("DELETE", PHOTOS, headers=headers, json={"uuid": third["uuid"]})
        left = _list(client, owner, job_id=job_id).json()
    for answer in (as_json, as_form, by_uuid):
        assert answer.json() == {"success": True, "message": "Photo deleted"}, answer.text
    assert (left["count"], left["total"]) == (0, 0)
    assert left["data"] == {group: [] for group in GROUPS}
    for made in (first, second, third):
        assert _deleted_at(single_stack, made["uuid"]) is not None


def test_missing_or_unknown_parameters_are_400_naming_them(single_stack: Stack) -> None:
    owner = single_stack.new_tenant("Parameters Ltd")
    job_id, _ = single_stack.new_job_ids(owner)
    rows = _rows(single_stack)
    jpeg = ("site.jpg", images.jpeg(), "image/jpeg")
    with single_stack.client() as client:
        headers = _headers(client, owner)
        answers = {
            "job_id": [
                _list(client, owner),
                client.post(
                    PHOTOS, headers=headers, data={"action": "upload"}, files={"photo": jpeg}
                ),
            ],
            "action": [
                client.post(
                    PHOTOS, headers=headers, data={"job_id": job_id}, files={"photo": jpeg}
                ),
                client.post(
                    PHOTOS, headers=headers, data={"action": "rotate", "job_id": job_id},
                    files={"photo": jpeg},
                ),
                client.post(PHOTOS, headers=headers, json={"photo_uuid": str(uuid.uuid4())}),
                client.post(PHOTOS, headers=headers, json={"action": "archive", "id": 1}),
                _list(client, owner, job_id=job_id, action="download"),
            ],
            "id": [
                client.request("DELETE", PHOTOS, headers=headers, json={}),
                client.post(PHOTOS, headers=headers, json={"action": "delete"}),
            ],
        }  # fmt: skip
        wrong_type = client.request("DELETE", PHOTOS, headers=headers, json={"id": "first"})
    for field, refused in answers.items():
        for answer in refused:
            assert (answer.status_code, answer.json()["success"]) == (400, False), answer.text
            assert field in answer.json()["error"]
    assert wrong_type.status_code == 400
    assert "id" in wrong_type.json()["error"]
    assert _rows(single_stack) == rows


def test_a_viewer_lists_photos_but_cannot_change_them(single_stack: Stack) -> None:
    owner = single_stack.new_tenant("Viewing Photos Ltd")
    viewer = single_stack.new_colleague(owner, "viewer")
    job_id, _ = single_stack.new_job_ids(owner)
    with single_stack.client() as client:
        made = _upload(client, _headers(client, owner), job_id, ("v.jpg", images.jpeg()))
        kept = made.json()["data"]
        rows, objects = _snapshot(single_stack)
        seen = _list(client, viewer, job_id=job_id)
        headers = _headers(client, viewer)
        refusals = [
            _upload(client, headers, job_id, ("w.jpg", images.jpeg())),
            client.request("DELETE", PHOTOS, headers=headers, json={"id": kept["ID"]}),
            client.post(
                PHOTOS, headers=headers,
                data={"action": "delete", "photo_uuid": kept["uuid"]}, files={"x": (None, "")},
            ),
            client.post(PHOTOS, headers=headers, json={"action": "delete", "id": kept["ID"]}),
        ]  # fmt: skip
    assert _flat(seen.json()) == [kept["uuid"]]
    for refused in refusals:
        assert refused.status_code == 403, refused.text
        assert refused.json()["permission"] == MANAGE_PERMISSION
    assert _rows(single_stack) == rows
    assert single_stack.stored_objects() == objects


def test_another_companys_jobs_and_photos_are_not_found(single_stack: Stack) -> None:
    owner = single_stack.new_tenant("Mine Photos Ltd")
    stranger = single_stack.new_tenant("Theirs Photos Ltd")
    job_id, job_uuid = single_stack.new_job_ids(owner)
    with single_stack.client() as client:
        made = _upload(client, _headers(client, owner), job_id, ("m.jpg", images.jpeg()))
        kept = made.json()["data"]
        rows, objects = _snapshot(single_stack)
        headers = _headers(client, stranger)
        unknown_job, unknown_photo = UNKNOWN_ID, str(uuid.uuid4())
        jpeg = ("x.jpg", images.jpeg())
        pairs = [
            (_list(client, stranger, job_id=job_id), _list(client, stranger, job_id=unknown_job)),
            (
                _list(client, stranger, job_uuid=job_uuid),
                _list(client, stranger, job_uuid=str(uuid.uuid4())),
            ),
            (
                _upload(client, headers, job_id, jpeg),
                _upload(client, headers, unknown_job, jpeg),
            ),
            (
                _upload(client, headers, job_uuid, jpeg),
                _upload(client, headers, str(uuid.uuid4()), jpeg),
            ),
            (
                client.request("DELETE", PHOTOS, headers=headers, json={"id": kept["ID"]}),
                client.request("DELETE", PHOTOS, headers=headers, json={"id": unknown_job}),
            ),
            (
                client.post(
                    PHOTOS, headers=headers,
                    data={"action": "delete", "photo_uuid": kept["uuid"]},
                    files={"x": (None, "")},
                ),
                client.post(
                    PHOTOS, headers=headers,
                    data={"action": "delete", "photo_uuid": unknown_photo},
                    files={"x": (None, "")},
                ),
            ),
        ]  # fmt: skip
        still = _list(client, owner, job_id=job_id).json()
    for foreign, unknown in pairs:
        assert foreign.status_code == 404, foreign.text
        assert (foreign.status_code, foreign.json()) == (unknown.status_code, unknown.json())
    assert _rows(single_stack) == rows
    assert single_stack.stored_objects() == objects
    assert _flat(still) == [kept["uuid"]]


def test_a_contractor_sees_and_changes_only_photos_of_their_jobs(single_stack: Stack) -> None:
    owner = single_stack.new_tenant("Contracting Ltd")
    contractor = single_stack.new_colleague(owner, "contractor")
    mine_id, mine = single_stack.new_job_ids(owner, "Assigned to them")
    theirs_id, theirs = single_stack.new_job_ids(owner, "Someone else's")
    [person] = single_stack.scalars(select(User.id).where(User.email == contractor.owner_email))
    single_stack.execute(update(Job).where(Job.id == mine_id).values(contractor_id=person))
    with single_stack.client() as client:
        owner_headers = _headers(client, owner)
        on_mine = _upload(client, owner_headers, mine_id, ("a.jpg", images.jpeg())).json()["data"]
        on_theirs = _upload(client, owner_headers, theirs_id, ("b.jpg", images.jpeg()))
        hidden = on_theirs.json()["data"]
        headers = _headers(client, contractor)
        seen = _list(client, contractor, job_uuid=mine).json()
        refused_list = _list(client, contractor, job_uuid=theirs)
        refused_upload = _upload(client, headers, theirs_id, ("c.jpg", images.jpeg()))
        refused_delete = client.request(
            "DELETE", PHOTOS, headers=headers, json={"id": hidden["ID"]}
        )
        own_upload = _upload(client, headers, mine, ("d.jpg", images.jpeg()), photo_type="after")
        everything = _list(client, owner, job_id=theirs_id).json()
    assert _flat(seen) == [on_mine["uuid"]]
    for refused in (refused_list, refused_upload, refused_delete):
        assert refused.status_code == 404, refused.text
    assert _flat(everything) == [hidden["uuid"]]
    assert _deleted_at(single_stack, hidden["uuid"]) is None
    assert own_upload.status_code == 200, own_upload.text
    assert own_upload.json()["data"]["uploaded_by_id"] == person
