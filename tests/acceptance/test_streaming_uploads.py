"""An upload is judged before its body is read, and holds nothing while its body streams in."""

from __future__ import annotations

import socket
import uuid
from urllib.parse import urlsplit

from tests.support import images
from tests.support.stack import Stack, Tenant

BOUNDARY = "jobshots-test-boundary"


def _multipart_head(filename: str) -> bytes:
    return (
        f"--{BOUNDARY}\r\n"
        'Content-Disposition: form-data; name="photo_type"\r\n\r\nbefore\r\n'
        f"--{BOUNDARY}\r\n"
        f'Content-Disposition: form-data; name="photos"; filename="{filename}"\r\n'
        "Content-Type: image/jpeg\r\n\r\n"
    ).encode()


def _start_upload(stack: Stack, path: str, token: str, body_length: int) -> socket.socket:
    """Open a connection and send only the headers of an upload."""
    url = urlsplit(stack.url)
    conn = socket.create_connection((url.hostname, url.port), timeout=60)
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {url.netloc}\r\n"
        f"Authorization: Bearer {token}\r\n"
        f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
        f"Content-Length: {body_length}\r\nConnection: close\r\n\r\n"
    )
    conn.sendall(head.encode())
    return conn


def _read_response(conn: socket.socket) -> tuple[int, bytes]:
    data = b""
    while chunk := conn.recv(65536):
        data += chunk
    status_line, _, rest = data.partition(b"\r\n")
    return int(status_line.split()[1]), rest.partition(b"\r\n\r\n")[2]


def test_a_wrong_key_is_refused_before_the_body_is_sent(single_stack: Stack) -> None:
    tenant = single_stack.new_tenant()
    job = single_stack.new_job(tenant)
    conn = _start_upload(
        single_stack, f"/api/v1/jobs/{job}/photos", "jsk_000000000000_nope", 10_000_000
    )
    with conn:
        # Not one byte of the 10 MB body is sent: the answer comes anyway.
        status, body = _read_response(conn)
    assert status == 401
    assert b'"success":false' in body.replace(b" ", b"")


def test_a_slow_upload_does_not_hold_up_other_writes(single_stack: Stack) -> None:
    tenant: Tenant = single_stack.new_tenant()
    job = single_stack.new_job(tenant)
    photo = images.jpeg()
    head, tail = _multipart_head("slow.jpg"), f"\r\n--{BOUNDARY}--\r\n".encode()
    conn = _start_upload(
        single_stack, f"/api/v1/jobs/{job}/photos", tenant.api_key, len(head + photo + tail)
    )
    with conn:
        conn.sendall(head + photo[:100])
        # Mid-upload, on SQLite (one writer at a time), another write goes through at once.
        with single_stack.client() as client:
            created = client.post(
                "/job/create",
                json={
                    "authKey": tenant.api_key,
                    "workspaceId": tenant.company_uuid,
                    "name": f"Meanwhile {uuid.uuid4().hex[:6]}",
                },
            )
        assert created.status_code == 200, created.text
        conn.sendall(photo[100:] + tail)
        status, body = _read_response(conn)
    assert status == 200, body
    with single_stack.client() as client:
        listed = client.get(f"/api/v1/jobs/{job}/photos", headers=tenant.auth).json()
    assert [p["file_name"] for p in listed["data"]["photos"]] == ["slow.jpg"]
