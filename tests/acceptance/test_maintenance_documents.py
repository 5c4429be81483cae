"""Job documents of the maintenance API: upload, list, download and delete, by a real server."""

from __future__ import annotations

import hashlib
import io
import uuid
import zipfile
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from jobshots.db.models import AuditEvent, Document, DocumentCategory, Job, User
from tests.support import images
from tests.support.maintenance import bearer as _bearer
from tests.support.maintenance import csrf_token as _token
from tests.support.maintenance import write_headers as _headers
from tests.support.stack import Stack, Tenant

pytestmark = pytest.mark.acceptance

DOCUMENTS = "/api/jobs/documents"
MANAGE_PERMISSION = "api.jobs.documents.manage"
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _docx() -> bytes:
    """The smallest real Word package: content types, the package relationship, the body."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/word/document.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        )
        package.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Target="word/document.xml" Type="http://schemas.'
            'openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>'
            "</Relationships>",
        )
        package.writestr(
            "word/document.xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            "<w:body><w:p><w:r><w:t>Works completed</w:t></w:r></w:p></w:body></w:document>",
        )
    return buffer.getvalue()


def _plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("photos/readme.txt", "not a Word document")
    return buffer.getvalue()


def _upload(
    client: httpx.Client,
    headers: dict[str, str],
    job_id: int | str,
    name: str,
    data: bytes,
    mime: str = "application/octet-stream",
    **fields: Any,
) -> httpx.Response:
    job_field = "job_id" if isinstance(job_id, int) else "job_uuid"
    return client.post(
        DOCUMENTS,
        headers=headers,
        data={"action": "upload", job_field: str(job_id), **fields},
        files={"file": (name, data, mime)},
    )


def _documents(stack: Stack) -> list[str]:
    """Every document row (of any company), by its storage key."""
    return stack.scalars(select(Document.storage_key).order_by(Document.id))


def _document_type(stack: Stack, tenant: Tenant, name: str) -> int:
    query = select(DocumentCategory.id).where(
        DocumentCategory.company_id == tenant.company_id, DocumentCategory.name == name
    )
    [type_id] = stack.scalars(query)
    return int(type_id)


def _list(client: httpx.Client, tenant: Tenant, **params: Any) -> httpx.Response:
    return client.get(DOCUMENTS, headers=_bearer(tenant), params={"action": "list", **params})


def _download(client: httpx.Client, tenant: Tenant, document_uuid: str) -> httpx.Response:
    params = {"action": "download", "uuid": document_uuid}
    return client.get(DOCUMENTS, headers=_bearer(tenant), params=params)


def test_documents_round_trip_through_the_storage_itself(stack: Stack) -> None:
    owner = stack.new_tenant("Documents Ltd")
    job_id, job_uuid = stack.new_job_ids(owner, "Boiler replacement")
    certificate = _document_type(stack, owner, "Gas Safety Certificate")
    files = [
        ("certificate.pdf", PDF, "application/pdf", "pdf"),
        ("Schedule of works.docx", _docx(), DOCX_MIME, "docx"),
        ("before.jpg", images.jpeg(), "image/jpeg", "jpg"),
        ("plan.png", images.png(), "image/png", "png"),
    ]
    objects_before = stack.stored_objects()
    with stack.client() as client:
        headers = _headers(client, owner)
        made = []
        for name, data, _, _ in files:
            answer = _upload(client, headers, job_id, name, data, document_type_id=certificate)
            assert answer.status_code == 200, answer.text
            assert (answer.json()["success"], answer.json()["message"]) == (
                True, "Document uploaded",
            )  # fmt: skip
            made.append(answer.json()["data"])
        added = stack.stored_objects() - objects_before
        expected = {
            f"companies/{owner.company_uuid}/documents/{item['uuid']}/original.{extension}"
            for item, (_, _, _, extension) in zip(made, files, strict=True)
        }
        assert added == expected

        listed = _list(client, owner, job_uuid=job_uuid).json()
        assert (listed["success"], listed["count"], listed["total"]) == (True, 4, 4)
        first = listed["data"][0]
        assert first == {
            "ID": made[0]["ID"],
            "uuid": made[0]["uuid"],
            "job_id": job_id,
            "job_uuid": job_uuid,
            "document_type_id": certificate,
            "document_type_name": "Gas Safety Certificate",
            "file_name": "certificate.pdf",
            "file_size": len(PDF),
            "mime_type": "application/pdf",
            "checksum_sha256": hashlib.sha256(PDF).hexdigest(),
            "uploaded_by_id": first["uploaded_by_id"],
            "uploaded_by_name": "Olive Owner",
            "created_at": first["created_at"],
            "download_url": (f"{stack.url}{DOCUMENTS}?action=download&uuid={made[0]['uuid']}"),
        }
        assert isinstance(first["uploaded_by_id"], int)
        assert first["created_at"].endswith("Z")
        assert [item["mime_type"] for item in listed["data"]] == [f[2] for f in files]

        for item, (name, data, mime, _) in zip(listed["data"], files, strict=True):
            got = client.get(item["download_url"], headers=_bearer(owner))
            assert got.status_code == 200
            assert hashlib.sha256(got.content).hexdigest() == item["checksum_sha256"]
            assert got.content == data
            assert got.headers["content-type"] == mime
            assert got.headers["content-length"] == str(len(data))
            assert got.headers["x-content-type-options"] == "nosniff"
            assert got.headers["content-disposition"].startswith(f'attachment; filename="{name}"')

        by_id = client.request(
            "DELETE", DOCUMENTS, headers=headers, json={"document_id": made[0]["ID"]}
        )
        assert by_id.json() == {"success": True, "message": "Document deleted"}
        by_form = client.post(
            DOCUMENTS,
            headers=_bearer(owner),
            data={"action": "delete", "job_uuid": job_uuid, "document_uuid": made[1]["uuid"]},
            files={"csrf_token": (None, _token(client, owner))},
        )
        assert by_form.json() == {"success": True, "message": "Document deleted"}

        remaining = _list(client, owner, job_id=job_id).json()
        assert [item["uuid"] for item in remaining["data"]] == [made[2]["uuid"], made[3]["uuid"]]
        gone = _download(client, owner, made[0]["uuid"])
        assert gone.status_code == 404
    kept = {key for key in expected if made[0]["uuid"] not in key and made[1]["uuid"] not in key}
    assert stack.stored_objects() - objects_before == kept
    names = select(Document.file_name).where(Document.job_id == job_id).order_by(Document.id)
    assert stack.scalars(names) == ["before.jpg", "plan.png"]


def test_uploads_and_deletions_are_audited(single_stack: Stack) -> None:
    owner = single_stack.new_tenant("Audited Ltd")
    job_id, _ = single_stack.new_job_ids(owner)
    with single_stack.client() as client:
        made = _upload(client, _headers(client, owner), job_id, "a.pdf", PDF).json()["data"]
        client.request(
            "DELETE", DOCUMENTS, headers=_headers(client, owner), json={"document_id": made["ID"]}
        )
    query = select(AuditEvent.action).where(AuditEvent.entity_uuid == made["uuid"])
    assert sorted(single_stack.scalars(query)) == ["document.deleted", "document.uploaded"]


def test_bytes_decide_the_type_and_refused_files_store_nothing(single_stack: Stack) -> None:
    owner = single_stack.new_tenant("Sniffing Ltd")
    job_id, _ = single_stack.new_job_ids(owner)
    rows, objects = _documents(single_stack), single_stack.stored_objects()
    with single_stack.client() as client:
        headers = _headers(client, owner)
        not_word = _upload(client, headers, job_id, "contract.docx", _plain_zip(), DOCX_MIME)
        not_pdf = _upload(client, headers, job_id, "report.pdf", b"just some text\n", "text/plain")
        exe = _upload(client, headers, job_id, "invoice.pdf", b"\x7fELF\x02\x01\x01" + bytes(64))
        empty = _upload(client, headers, job_id, "empty.pdf", b"", "application/pdf")
        for refused in (not_word, not_pdf, exe, empty):
            assert refused.status_code == 400, refused.text
            assert refused.json()["success"] is False
        assert "zip is not accepted" in not_word.json()["error"]
        assert "PDF, DOCX, JPEG or PNG" in not_pdf.json()["error"]
        assert _documents(single_stack) == rows
        assert single_stack.stored_objects() == objects
        # A JPEG named as a PDF is stored, and served, as the JPEG it is.
        photo = _upload(client, headers, job_id, "scan.pdf", images.jpeg(), "application/pdf")
    assert photo.status_code == 200
    assert photo.json()["data"]["mime_type"] == "image/jpeg"
    [key] = single_stack.stored_objects() - objects
    assert key.endswith(".jpg")


def test_a_file_over_twenty_megabytes_is_413_and_stores_nothing(single_stack: Stack) -> None:
    owner = single_stack.new_tenant("Large Files Ltd")
    job_id, _ = single_stack.new_job_ids(owner)
    rows, objects = _documents(single_stack), single_stack.stored_objects()
    huge = PDF + bytes(20 * 1024 * 1024)
    with single_stack.client() as client:
        answer = _upload(client, _headers(client, owner), job_id, "big.pdf", huge)
    assert (answer.status_code, answer.json()["success"]) == (413, False)
    assert _documents(single_stack) == rows
    assert single_stack.stored_objects() == objects


def test_writes_need_the_callers_own_csrf_token(single_stack: Stack) -> None:
    owner = single_stack.new_tenant("Csrf Documents Ltd")
    other = single_stack.new_tenant("Someone Else Ltd")
    job_id, _ = single_stack.new_job_ids(owner)
    with single_stack.client() as client:
        kept = _upload(client, _headers(client, owner), job_id, "keep.pdf", PDF).json()["data"]
        rows, objects = _documents(single_stack), single_stack.stored_objects()
        theirs = _token(client, other)
        refusals = [
            _upload(client, _bearer(owner), job_id, "a.pdf", PDF),
            _upload(client, _bearer(owner), job_id, "a.pdf", PDF, csrf_token=theirs),
            _upload(client, {**_bearer(owner), "X-CSRF-Token": theirs}, job_id, "a.pdf", PDF),
            _upload(client, _bearer(owner), job_id, "a.pdf", PDF, csrf_token="forged"),
            client.request(
                "DELETE", DOCUMENTS, headers=_bearer(owner), json={"document_id": kept["ID"]}
            ),
            client.request(
                "DELETE", DOCUMENTS, headers=_bearer(owner),
                json={"document_id": kept["ID"], "csrf_token": theirs},
            ),
            client.post(
                DOCUMENTS, headers=_bearer(owner),
                data={"action": "delete", "document_uuid": kept["uuid"]},
                files={"csrf_token": (None, theirs)},
            ),
            client.post(
                DOCUMENTS, headers=_bearer(owner),
                json={"action": "delete", "document_uuid": kept["uuid"]},
            ),
        ]  # fmt: skip
        for refused in refusals:
            assert refused.status_code == 403, refused.text
            assert refused.json()["success"] is False
        assert _documents(single_stack) == rows
        assert single_stack.stored_objects() == objects
        # The token as a multipart field is accepted as well as the header.
        accepted = _upload(
            client, _bearer(owner), job_id, "b.pdf", PDF, csrf_token=_token(client, owner)
        )
    assert accepted.status_code == 200, accepted.text


def test_delete_is_also_taken_as_a_json_or_urlencoded_post(single_stack: Stack) -> None:
    owner = single_stack.new_tenant("Post Deletes Ltd")
    job_id, _ = single_stack.new_job_ids(owner)
    with single_stack.client() as client:
        headers = _headers(client, owner)
        first, second = (
            _upload(client, headers, job_id, f"{n}.pdf", PDF).json()["data"] for n in (1, 2)
        )
        as_json = client.post(
            DOCUMENTS, headers=_bearer(owner),
            json={"action": "delete", "document_uuid": first["uuid"],
                  "csrf_token": _token(client, owner)},
        )  # fmt: skip
        as_form = client.post(
            DOCUMENTS, headers=_bearer(owner),
            data={"action": "delete", "document_id": str(second["ID"]),
                  "csrf_token": _token(client, owner)},
        )  # fmt: skip
        again = client.request(
            "DELETE", DOCUMENTS, headers=headers, json={"document_uuid": first["uuid"]}
        )
        left = _list(client, owner, job_id=job_id).json()
    assert as_json.json() == as_form.json() == {"success": True, "message": "Document deleted"}
    assert again.status_code == 404
    assert (left["data"], left["count"], left["total"]) == ([], 0, 0)


def test_a_viewer_reads_documents_but_cannot_change_them(single_stack: Stack) -> None:
    owner = single_stack.new_tenant("Viewing Ltd")
    viewer = single_stack.new_colleague(owner, "viewer")
    job_id, _ = single_stack.new_job_ids(owner)
    with single_stack.client() as client:
        made = _upload(client, _headers(client, owner), job_id, "r.pdf", PDF).json()["data"]
        rows, objects = _documents(single_stack), single_stack.stored_objects()
        seen = _list(client, viewer, job_id=job_id)
        fetched = _download(client, viewer, made["uuid"])
        headers = _headers(client, viewer)
        refusals = [
            _upload(client, headers, job_id, "v.pdf", PDF),
            client.request("DELETE", DOCUMENTS, headers=headers, json={"document_id": made["ID"]}),
            client.post(
                DOCUMENTS, headers=headers,
                data={"action": "delete", "document_uuid": made["uuid"]}, files={"x": (None, "")},
            ),
        ]  # fmt: skip
    assert seen.json()["count"] == 1
    assert fetched.content == PDF
    for refused in refusals:
        assert refused.status_code == 403, refused.text
        assert refused.json()["permission"] == MANAGE_PERMISSION
    assert _documents(single_stack) == rows
    assert single_stack.stored_objects() == objects


def test_a_key_holding_only_the_manage_permission_also_reads(single_stack: Stack) -> None:
    owner = single_stack.new_tenant("Narrow Keys Ltd")
    job_id, _ = single_stack.new_job_ids(owner)
    narrowed = single_stack.server.cli_json(
        "apikey", "create", "--company", str(owner.company_id), "--email", owner.owner_email,
        "--permission", MANAGE_PERMISSION,
    )  # fmt: skip
    key = Tenant(owner.company_id, owner.company_uuid, narrowed["api_key"], owner.owner_email)
    with single_stack.client() as client:
        made = _upload(client, _headers(client, key), job_id, "k.pdf", PDF)
        listed = _list(client, key, job_id=job_id)
        fetched = _download(client, key, made.json()["data"]["uuid"])
    assert made.status_code == 200, made.text
    assert listed.json()["count"] == 1
    assert fetched.content == PDF


def test_another_companys_jobs_and_documents_are_not_found(single_stack: Stack) -> None:
    owner = single_stack.new_tenant("Mine Ltd")
    stranger = single_stack.new_tenant("Theirs Ltd")
    job_id, job_uuid = single_stack.new_job_ids(owner)
    with single_stack.client() as client:
        made = _upload(client, _headers(client, owner), job_id, "m.pdf", PDF).json()["data"]
        rows, objects = _documents(single_stack), single_stack.stored_objects()
        headers = _headers(client, stranger)
        unknown_job, unknown_doc = 2**40, str(uuid.uuid4())
        pairs = [
            (_list(client, stranger, job_id=job_id), _list(client, stranger, job_id=unknown_job)),
            (
                _list(client, stranger, job_uuid=job_uuid),
                _list(client, stranger, job_uuid=str(uuid.uuid4())),
            ),
            (
                _upload(client, headers, job_id, "x.pdf", PDF),
                _upload(client, headers, unknown_job, "x.pdf", PDF),
            ),
            (_download(client, stranger, made["uuid"]), _download(client, stranger, unknown_doc)),
            (
                client.request(
                    "DELETE", DOCUMENTS, headers=headers, json={"document_id": made["ID"]}
                ),
                client.request(
                    "DELETE", DOCUMENTS, headers=headers, json={"document_id": unknown_job}
                ),
            ),
            (
                client.post(
                    DOCUMENTS, headers=headers,
                    data={"action": "delete", "document_uuid": made["uuid"]},
                    files={"x": (None, "")},
                ),
                client.post(
                    DOCUMENTS, headers=headers,
                    data={"action": "delete", "document_uuid": unknown_doc},
                    files={"x": (None, "")},
                ),
            ),
        ]  # fmt: skip
        for foreign, missing in pairs:
            assert foreign.status_code == 404, foreign.text
            assert (foreign.status_code, foreign.json()) == (missing.status_code, missing.json())
        assert _documents(single_stack) == rows
        assert single_stack.stored_objects() == objects
        assert _download(client, owner, made["uuid"]).content == PDF


def test_a_contractor_reaches_only_the_documents_of_their_jobs(single_stack: Stack) -> None:
    owner = single_stack.new_tenant("Contracting Ltd")
    contractor = single_stack.new_colleague(owner, "contractor")
    job_id, _ = single_stack.new_job_ids(owner)
    with single_stack.client() as client:
        made = _upload(client, _headers(client, owner), job_id, "c.pdf", PDF).json()["data"]
        unassigned = (
            _list(client, contractor, job_id=job_id),
            _download(client, contractor, made["uuid"]),
            _upload(client, _headers(client, contractor), job_id, "d.pdf", PDF),
        )
        user_id = _user_id(single_stack, contractor)
        single_stack.execute(update(Job).where(Job.id == job_id).values(contractor_id=user_id))
        added = _upload(client, _headers(client, contractor), job_id, "d.pdf", PDF)
        listed = _list(client, contractor, job_id=job_id)
    assert [answer.status_code for answer in unassigned] == [404, 404, 404]
    assert added.status_code == 200, added.text
    assert listed.json()["count"] == 2


def _user_id(stack: Stack, person: Tenant) -> int:
    [user_id] = stack.scalars(select(User.id).where(User.email == person.owner_email))
    return int(user_id)


def test_document_type_must_be_one_of_the_companys(single_stack: Stack) -> None:
    owner = single_stack.new_tenant("Typed Ltd")
    other = single_stack.new_tenant("Other Types Ltd")
    job_id, _ = single_stack.new_job_ids(owner)
    theirs = _document_type(single_stack, other, "Invoice")
    rows, objects = _documents(single_stack), single_stack.stored_objects()
    with single_stack.client() as client:
        headers = _headers(client, owner)
        for bad in (str(theirs), "999999999", "invoice", str(2**70)):
            refused = _upload(client, headers, job_id, "t.pdf", PDF, document_type_id=bad)
            assert refused.status_code == 400, refused.text
            assert "document_type_id" in refused.json()["error"]
        assert _documents(single_stack) == rows
        assert single_stack.stored_objects() == objects
        untyped = _upload(client, headers, job_id, "t.pdf", PDF).json()["data"]
    assert (untyped["document_type_id"], untyped["document_type_name"]) == (None, None)


@pytest.mark.parametrize(
    ("method", "kwargs", "field"),
    [
        ("GET", {"params": {}}, "action"),
        ("GET", {"params": {"action": "rename"}}, "action"),
        ("GET", {"params": {"action": "list"}}, "job_id"),
        ("GET", {"params": {"action": "list", "job_id": "seven"}}, "job_id"),
        ("GET", {"params": {"action": "download"}}, "uuid"),
        ("POST", {"data": {"job_id": "1"}, "files": {"x": (None, "")}}, "action"),
        ("POST", {"data": {"action": "rename"}, "files": {"x": (None, "")}}, "action"),
        ("POST", {"data": {"action": "upload"}, "files": {"x": (None, "")}}, "job_id"),
        ("POST", {"json": {}}, "action"),
        ("POST", {"json": {"action": "delete"}}, "document_id"),
        ("DELETE", {"json": {}}, "document_id"),
        ("DELETE", {"json": {"document_id": "first"}}, "document_id"),
    ],
)
def test_missing_or_bad_parameters_are_400_naming_them(
    single_stack: Stack, method: str, kwargs: dict[str, Any], field: str
) -> None:
    owner = single_stack.new_tenant("Parameters Ltd")
    with single_stack.client() as client:
        headers = _headers(client, owner)
        answer = client.request(method, DOCUMENTS, headers=headers, **kwargs)
    assert (answer.status_code, answer.json()["success"]) == (400, False), answer.text
    assert field in answer.json()["error"]


def test_an_upload_without_a_file_is_400_naming_it(single_stack: Stack) -> None:
    owner = single_stack.new_tenant("No File Ltd")
    job_id, _ = single_stack.new_job_ids(owner)
    with single_stack.client() as client:
        answer = client.post(
            DOCUMENTS, headers=_headers(client, owner),
            data={"action": "upload", "job_id": str(job_id)},
            files={"photo": ("p.pdf", PDF, "application/pdf")},
        )  # fmt: skip
        as_document = client.post(
            DOCUMENTS, headers=_headers(client, owner),
            data={"action": "upload", "job_id": str(job_id)},
            files={"document": ("p.pdf", PDF, "application/pdf")},
        )  # fmt: skip
    assert (answer.status_code, answer.json()["error"]) == (400, "file is required")
    assert as_document.status_code == 200, as_document.text
