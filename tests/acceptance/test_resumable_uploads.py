"""Resumable uploads (tus): pieces, cut-offs, races, retries and restarts end as one photo each."""

from __future__ import annotations

import base64
import hashlib
import itertools
import re
import socket
import time
import uuid
from datetime import UTC, datetime
from urllib.parse import urlsplit

import httpx
from sqlalchemy import select, update

from jobshots.core.users import service as users
from jobshots.db.models import Company, Photo, User
from jobshots.db.models.web import ResumableUpload
from jobshots.tasks.sweeper import Sweeper
from tests.support import images
from tests.support.stack import Stack, Tenant

TUS = {"Tus-Resumable": "1.0.0"}
PATCH_TYPE = "application/offset+octet-stream"
PASSWORD = "correct horse battery staple"


def _picture(colour: str = "green") -> bytes:
    return images.jpeg(320, 240, colour)


def _metadata(**values: str) -> str:
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in values.items())


def _create(
    client: httpx.Client, tenant: Tenant, job: str, data: bytes, **metadata: str
) -> httpx.Response:
    headers = {**tenant.auth, **TUS, "Upload-Length": str(len(data))}
    if metadata:
        headers["Upload-Metadata"] = _metadata(**metadata)
    return client.post(f"/tus/jobs/{job}/photos", headers=headers)


def _created(client: httpx.Client, tenant: Tenant, job: str, data: bytes, **meta: str) -> str:
    made = _create(client, tenant, job, data, **meta)
    assert made.status_code == 201, made.text
    assert made.headers["Tus-Resumable"] == "1.0.0"
    return urlsplit(made.headers["Location"]).path


def _patch(
    client: httpx.Client, tenant: Tenant, path: str, offset: int, chunk: bytes
) -> httpx.Response:
    headers = {**tenant.auth, **TUS, "Content-Type": PATCH_TYPE, "Upload-Offset": str(offset)}
    return client.patch(path, headers=headers, content=chunk)


def _head(client: httpx.Client, tenant: Tenant, path: str) -> httpx.Response:
    return client.head(path, headers={**tenant.auth, **TUS})


def _photos_with_key(stack: Stack, client_key: str) -> list[tuple[str, str | None, str]]:
    query = select(Photo.storage_key, Photo.checksum_sha256, Photo.photo_type).where(
        Photo.client_key == client_key
    )
    return [(str(k), c, str(t)) for k, c, t in stack.rows(query)]


def _stored_bytes(stack: Stack, key: str) -> bytes:
    if stack.media_root is not None:
        return (stack.media_root / key).read_bytes()
    assert stack.s3 is not None
    body: bytes = stack.s3.get_object(Bucket=stack.bucket, Key=key)["Body"].read()
    return body


def _leftovers(stack: Stack) -> set[str]:
    """Parts of unfinished uploads and spooled request bodies still lying about."""
    return {
        key
        for key in stack.stored_objects()
        if "/uploads/" in key or key.startswith(".staging/upload-")
    }


def _raw_patch(stack: Stack, tenant: Tenant, path: str, offset: int, length: int) -> socket.socket:
    """A PATCH whose headers promise `length` bytes; the caller sends the body (or not)."""
    url = urlsplit(stack.url)
    conn = socket.create_connection((url.hostname, url.port), timeout=60)
    head = (
        f"PATCH {path} HTTP/1.1\r\nHost: {url.netloc}\r\n"
        f"Authorization: Bearer {tenant.api_key}\r\nTus-Resumable: 1.0.0\r\n"
        f"Content-Type: {PATCH_TYPE}\r\nUpload-Offset: {offset}\r\n"
        f"Content-Length: {length}\r\nConnection: close\r\n\r\n"
    )
    conn.sendall(head.encode())
    return conn


def _status(conn: socket.socket) -> int:
    data = b""
    while chunk := conn.recv(65536):
        data += chunk
    return int(data.split(b" ", 2)[1])


def _resume(
    client: httpx.Client, tenant: Tenant, path: str, data: bytes
) -> tuple[int, httpx.Response]:
    """What a tus client does after a cut: ask the offset, send the rest; again on a 409.

    Gives the offset the upload resumed from, and the answer to the PATCH that finished it.
    """
    for _ in range(200):
        offset = int(_head(client, tenant, path).headers["Upload-Offset"])
        sent = _patch(client, tenant, path, offset, data[offset:])
        if sent.status_code != 409:
            return offset, sent
        # The server has not yet seen the cut-off request end; ask again.
        time.sleep(0.05)
    raise AssertionError("the upload never became free to resume")


def _cut_off(stack: Stack, tenant: Tenant, path: str, key: str, data: bytes, sent: int) -> None:
    """Send the first `sent` bytes of a PATCH of `data`, then lose the connection."""
    conn = _raw_patch(stack, tenant, path, 0, len(data))
    conn.sendall(data[:sent])
    _wait_for_claim(stack, key)
    # The server reads what arrived before it learns of the cut (uvicorn drops unread bytes
    # once the connection is gone, as a phone's half-sent bytes were read long before).
    time.sleep(0.5)
    conn.close()


def test_options_say_what_the_server_supports(stack: Stack) -> None:
    with stack.client() as client:
        answer = client.options(f"/tus/uploads/{uuid.uuid4()}")
    assert answer.status_code == 204
    assert answer.headers["Tus-Resumable"] == "1.0.0"
    assert answer.headers["Tus-Version"] == "1.0.0"
    assert {"creation", "termination"} <= set(answer.headers["Tus-Extension"].split(","))
    assert int(answer.headers["Tus-Max-Size"]) == 300_000


def test_an_upload_in_three_patches_becomes_one_photo_of_the_job(
    stack: Stack, tenant: Tenant
) -> None:
    job = stack.new_job(tenant)
    data = _picture("navy")
    key = f"three-{uuid.uuid4()}"
    cuts = [0, len(data) // 3, 2 * len(data) // 3, len(data)]
    with stack.client() as client:
        path = _created(client, tenant, job, data, filename="boiler.jpg", photo_type="before",
                        client_key=key)  # fmt: skip
        for start, end in itertools.pairwise(cuts):
            sent = _patch(client, tenant, path, start, data[start:end])
            assert sent.status_code == 204, sent.text
            assert sent.headers["Upload-Offset"] == str(end)
            assert sent.headers["Tus-Resumable"] == "1.0.0"
        head = _head(client, tenant, path)
        listed = client.get(f"/api/v1/jobs/{job}/photos", headers=tenant.auth).json()
    assert head.headers["Upload-Offset"] == head.headers["Upload-Length"] == str(len(data))
    [(storage_key, checksum, photo_type)] = _photos_with_key(stack, key)
    assert photo_type == "before"
    assert checksum == hashlib.sha256(data).hexdigest()
    assert _stored_bytes(stack, storage_key) == data
    [photo] = listed["data"]["photos"]
    assert photo["uuid"] == sent.headers["Jobshots-Photo"] == head.headers["Jobshots-Photo"]
    assert not _leftovers(stack)
    stack.settle()
    state, renditions = stack.photo_state(photo["uuid"])
    assert state == "processed"
    assert renditions


def test_an_upload_cut_off_mid_patch_resumes_to_one_photo(stack: Stack, tenant: Tenant) -> None:
    job = stack.new_job(tenant)
    data = _picture("olive")
    key = f"cut-{uuid.uuid4()}"
    half = len(data) // 2
    with stack.client() as client:
        path = _created(client, tenant, job, data, filename="cut.jpg", client_key=key)
        _cut_off(stack, tenant, path, key, data, half)  # the phone loses its signal halfway
        resumed_from, finished = _resume(client, tenant, path, data)
    # The first half was not sent again.
    assert resumed_from == half
    assert finished.status_code == 204, finished.text
    [(storage_key, checksum, _)] = _photos_with_key(stack, key)
    assert _stored_bytes(stack, storage_key) == data
    assert checksum == hashlib.sha256(data).hexdigest()
    [parts] = stack.rows(select(ResumableUpload.details).where(ResumableUpload.client_key == key))
    assert parts == ({"parts": []},)
    assert not _leftovers(stack)


def test_two_patches_at_the_same_offset_one_wins_one_conflicts(
    stack: Stack, tenant: Tenant
) -> None:
    job = stack.new_job(tenant)
    data = _picture("maroon")
    key = f"race-{uuid.uuid4()}"
    with stack.client() as client:
        path = _created(client, tenant, job, data, client_key=key)
        first = _raw_patch(stack, tenant, path, 0, len(data))
        first.sendall(data[:100])
        _wait_for_claim(stack, key)
        second = _patch(client, tenant, path, 0, data)
        first.sendall(data[100:])
        first_status = _status(first)
        first.close()
        head = _head(client, tenant, path)
    assert (first_status, second.status_code) == (204, 409)
    assert second.headers["Tus-Resumable"] == "1.0.0"
    assert head.headers["Upload-Offset"] == str(len(data))
    [(storage_key, _, _)] = _photos_with_key(stack, key)
    assert _stored_bytes(stack, storage_key) == data


def _wait_for_claim(stack: Stack, key: str) -> None:
    query = select(ResumableUpload.details).where(ResumableUpload.client_key == key)
    for _ in range(400):
        [details] = stack.scalars(query)
        if "claim" in details:
            return
        time.sleep(0.05)
    raise AssertionError("the first PATCH never held the upload")


def test_a_patch_at_a_wrong_offset_is_a_conflict(stack: Stack, tenant: Tenant) -> None:
    job = stack.new_job(tenant)
    data = _picture()
    with stack.client() as client:
        path = _created(client, tenant, job, data)
        wrong = _patch(client, tenant, path, 10, data[10:])
        head = _head(client, tenant, path)
    assert wrong.status_code == 409
    assert head.headers["Upload-Offset"] == "0"


def test_a_retried_creation_with_the_same_client_key_makes_no_duplicate(
    stack: Stack, tenant: Tenant
) -> None:
    job = stack.new_job(tenant)
    data = _picture("purple")
    key = f"retry-{uuid.uuid4()}"
    with stack.client() as client:
        path = _created(client, tenant, job, data, client_key=key)
        assert _patch(client, tenant, path, 0, data[:500]).status_code == 204
        again = _created(client, tenant, job, data, client_key=key)
        midway = _head(client, tenant, again)
        assert _patch(client, tenant, again, 500, data[500:]).status_code == 204
        after = _create(client, tenant, job, data, client_key=key)
        other_file = _create(client, tenant, job, data + b"x", client_key=key)
    assert again == path
    assert midway.headers["Upload-Offset"] == "500"
    assert after.status_code == 201
    assert urlsplit(after.headers["Location"]).path == path
    assert after.headers["Upload-Offset"] == str(len(data))
    assert other_file.status_code == 400
    assert len(_photos_with_key(stack, key)) == 1


def test_a_retry_answers_its_upload_even_when_the_quota_is_spent_since(stack: Stack) -> None:
    tenant = stack.new_tenant("Quota Roofing")
    job = stack.new_job(tenant)
    data = _picture("yellow")
    key = f"quota-{uuid.uuid4()}"
    with stack.client() as client:
        path = _created(client, tenant, job, data, client_key=key)
        assert _patch(client, tenant, path, 0, data).status_code == 204
        stack.execute(
            update(Company).where(Company.id == tenant.company_id).values(storage_quota_bytes=1)
        )
        retried = _create(client, tenant, job, data, client_key=key)
        another = _create(client, tenant, job, data, client_key=f"quota-{uuid.uuid4()}")
    assert retried.status_code == 201
    assert urlsplit(retried.headers["Location"]).path == path
    assert another.status_code == 403
    assert len(_photos_with_key(stack, key)) == 1


def test_a_refused_type_is_a_clear_error_and_leaves_nothing(stack: Stack, tenant: Tenant) -> None:
    job = stack.new_job(tenant)
    data = b"%PDF-1.4\n" + b"not a photo\n" * 200
    before = stack.photo_rows()
    with stack.client() as client:
        path = _created(client, tenant, job, data, client_key=f"pdf-{uuid.uuid4()}")
        assert _patch(client, tenant, path, 0, data[:1000]).status_code == 204
        refused = _patch(client, tenant, path, 1000, data[1000:])
        head = _head(client, tenant, path)
    assert refused.status_code == 400
    assert "not accepted" in refused.json()["error"]
    assert refused.headers["Tus-Resumable"] == "1.0.0"
    assert head.status_code == 404
    assert stack.photo_rows() == before
    assert not _leftovers(stack)


def test_limits_are_checked_at_creation(stack: Stack, tenant: Tenant) -> None:
    job = stack.new_job(tenant)
    with stack.client() as client:
        too_big = client.post(
            f"/tus/jobs/{job}/photos", headers={**tenant.auth, **TUS, "Upload-Length": "300001"}
        )
        no_version = client.post(
            f"/tus/jobs/{job}/photos", headers={**tenant.auth, "Upload-Length": "10"}
        )
        bad_type = _create(client, tenant, job, b"x" * 10, photo_type="sideways")
        no_key = client.post(f"/tus/jobs/{job}/photos", headers={**TUS, "Upload-Length": "10"})
    assert too_big.status_code == 413
    assert no_version.status_code == 412
    assert no_version.headers["Tus-Version"] == "1.0.0"
    assert bad_type.status_code == 400
    assert "photo_type" in bad_type.json()["fields"]
    assert no_key.status_code == 401
    assert not stack.scalars(select(ResumableUpload.id).where(ResumableUpload.length == 300001))


def test_malformed_requests_are_refused_and_change_nothing(stack: Stack, tenant: Tenant) -> None:
    job = stack.new_job(tenant)
    data = _picture()
    with stack.client() as client:
        bad_metadata = client.post(
            f"/tus/jobs/{job}/photos",
            headers={**tenant.auth, **TUS, "Upload-Length": "10", "Upload-Metadata": "filename %%"},
        )
        path = _created(client, tenant, job, data)
        headers = {**tenant.auth, **TUS, "Upload-Offset": "0"}
        wrong_type = client.patch(
            path, headers={**headers, "Content-Type": "image/jpeg"}, content=data
        )
        bad_offset = client.patch(
            path,
            headers={**headers, "Content-Type": PATCH_TYPE, "Upload-Offset": "-1"},
            content=data,
        )
        too_long = _patch(client, tenant, path, 0, data + b"extra")
        head = _head(client, tenant, path)
    assert bad_metadata.status_code == 400
    assert "Upload-Metadata" in bad_metadata.json()["fields"]
    assert wrong_type.status_code == 415
    assert bad_offset.status_code == 400
    assert too_long.status_code == 413
    assert head.headers["Upload-Offset"] == "0"
    assert not _leftovers(stack)


def test_termination_removes_the_upload_and_its_bytes(stack: Stack, tenant: Tenant) -> None:
    job = stack.new_job(tenant)
    data = _picture()
    with stack.client() as client:
        path = _created(client, tenant, job, data)
        assert _patch(client, tenant, path, 0, data[:700]).status_code == 204
        assert _leftovers(stack)
        ended = client.delete(path, headers={**tenant.auth, **TUS})
        head = _head(client, tenant, path)
    assert ended.status_code == 204
    assert head.status_code == 404
    assert not _leftovers(stack)


def test_another_companys_upload_and_job_answer_like_missing_ones(
    stack: Stack, tenant: Tenant
) -> None:
    job = stack.new_job(tenant)
    data = _picture()
    rival = stack.new_tenant("Rival Plumbing")
    missing_upload, missing_job = f"/tus/uploads/{uuid.uuid4()}", str(uuid.uuid4())
    with stack.client() as client:
        path = _created(client, tenant, job, data)
        answers = [
            (_head(client, rival, p).status_code, _patch(client, rival, p, 0, data).json(),
             client.delete(p, headers={**rival.auth, **TUS}).json())
            for p in (path, missing_upload)
        ]  # fmt: skip
        created = [_create(client, rival, j, data).json() for j in (job, missing_job)]
        head = _head(client, tenant, path)
    assert answers[0] == answers[1]
    assert answers[0][0] == 404
    assert created[0] == created[1]
    assert head.headers["Upload-Offset"] == "0"


def test_expired_unfinished_uploads_are_swept_with_their_bytes(
    stack: Stack, tenant: Tenant
) -> None:
    job = stack.new_job(tenant)
    data = _picture()
    with stack.client() as client:
        path = _created(client, tenant, job, data)
        assert _patch(client, tenant, path, 0, data[:700]).status_code == 204
        upload_uuid = uuid.UUID(path.rsplit("/", 1)[1])
        stack.execute(
            update(ResumableUpload)
            .where(ResumableUpload.uuid == upload_uuid)
            .values(expires_at=datetime(2000, 1, 1, tzinfo=UTC))
        )
        expired = _head(client, tenant, path)
        _created(client, tenant, job, data)  # any new upload sweeps the company's expired ones
    assert expired.status_code == 404
    assert not stack.scalars(select(ResumableUpload.id).where(ResumableUpload.uuid == upload_uuid))
    assert not [key for key in _leftovers(stack) if str(upload_uuid) in key]


def test_the_recovery_sweep_removes_expired_uploads_of_every_company(
    stack: Stack, tenant: Tenant
) -> None:
    job = stack.new_job(tenant)
    data = _picture()
    with stack.client() as client:
        path = _created(client, tenant, job, data)
        assert _patch(client, tenant, path, 0, data[:700]).status_code == 204
    upload_uuid = uuid.UUID(path.rsplit("/", 1)[1])
    stack.execute(
        update(ResumableUpload)
        .where(ResumableUpload.uuid == upload_uuid)
        .values(expires_at=datetime(2000, 1, 1, tzinfo=UTC))
    )
    # The sweep the server and the workers run periodically, with no new upload to trigger it.
    Sweeper(stack.server.core, lambda task: None, immediate_first_sweep=False).sweep()
    assert not stack.scalars(select(ResumableUpload.id).where(ResumableUpload.uuid == upload_uuid))
    assert not [key for key in _leftovers(stack) if str(upload_uuid) in key]


def test_a_signed_in_browser_uploads_with_its_session_and_csrf_token(
    stack: Stack, tenant: Tenant
) -> None:
    job = stack.new_job(tenant)
    with stack.server.core.uow() as uow:
        user = uow.session.scalars(select(User).where(User.email == tenant.owner_email)).one()
        users.set_password(uow, user, PASSWORD)
    data = _picture("orange")
    key = f"browser-{uuid.uuid4()}"
    length = {**TUS, "Upload-Length": str(len(data)), "Upload-Metadata": _metadata(client_key=key)}
    with httpx.Client(base_url=stack.url, timeout=30, headers={"Origin": stack.url}) as browser:
        browser.post("/login", data={"email": tenant.owner_email, "password": PASSWORD})
        page = browser.get("/app/jobs")
        found = re.search(r'<meta name="csrf-token" content="([^"]+)">', page.text)
        assert found, page.text
        token = {"X-CSRF-Token": found.group(1)}
        forged = browser.post(f"/tus/jobs/{job}/photos", headers=length)
        made = browser.post(f"/tus/jobs/{job}/photos", headers={**length, **token})
        path = urlsplit(made.headers["Location"]).path
        patch_headers = {**TUS, **token, "Content-Type": PATCH_TYPE, "Upload-Offset": "0"}
        unsigned = browser.patch(path, headers={**patch_headers, "X-CSRF-Token": ""}, content=data)
        sent = browser.patch(path, headers=patch_headers, content=data)
    assert forged.status_code == 403
    assert unsigned.status_code == 403
    assert made.status_code == 201
    assert sent.status_code == 204
    assert len(_photos_with_key(stack, key)) == 1


def test_head_after_a_server_restart_still_knows_the_offset(stack: Stack, tenant: Tenant) -> None:
    job = stack.new_job(tenant)
    data = _picture("silver")
    key = f"restart-{uuid.uuid4()}"
    with stack.client() as client:
        path = _created(client, tenant, job, data, client_key=key)
        assert _patch(client, tenant, path, 0, data[:900]).status_code == 204
    stack.server.stop()
    stack.server.start()
    with stack.client() as client:
        head = _head(client, tenant, path)
        finished = _patch(client, tenant, path, 900, data[900:])
    assert head.headers["Upload-Offset"] == "900"
    assert finished.status_code == 204
    [(storage_key, _, _)] = _photos_with_key(stack, key)
    assert _stored_bytes(stack, storage_key) == data
