"""Telling a Word document from any other ZIP, without reading unbounded amounts of it."""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path

import pytest

from jobshots.core.errors import Unsupported
from jobshots.core.intake import DOCUMENTS, PHOTOS
from jobshots.media.sniff import HEAD_BYTES
from jobshots.media.word import MAIN_DOCUMENT, MAX_CONTENT_TYPES_BYTES, is_word_document

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
TYPES_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="word/document.xml"/></Relationships>'
)
BODY = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    "<w:body><w:p><w:r><w:t>Gas safety certificate</w:t></w:r></w:p></w:body></w:document>"
)


def content_types(*declarations: str, prolog: str = "") -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'{prolog}<Types xmlns="{TYPES_NS}">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f"{''.join(declarations)}</Types>"
    )


def override(part: str, content_type: str = MAIN_DOCUMENT) -> str:
    return f'<Override PartName="{part}" ContentType="{content_type}"/>'


WORD_TYPES = content_types(override("/word/document.xml"))


def package(members: dict[str, str | bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def docx(types: str = WORD_TYPES, /, **extra: str | bytes) -> bytes:
    members: dict[str, str | bytes] = {
        "[Content_Types].xml": types,
        "_rels/.rels": RELS,
        "word/document.xml": BODY,
    }
    members.update(extra)
    return package(members)


def written(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "upload.bin"
    path.write_bytes(data)
    return path


def test_a_minimal_word_document_is_one(tmp_path: Path) -> None:
    assert is_word_document(written(tmp_path, docx()))


def test_a_zip_without_content_types_is_not(tmp_path: Path) -> None:
    plain = package({"notes.txt": "not a document", "word/document.xml": BODY})
    assert not is_word_document(written(tmp_path, plain))


def test_content_types_without_the_main_document_type_is_not(tmp_path: Path) -> None:
    spreadsheet = content_types(
        override(
            "/xl/workbook.xml",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        )
    )
    assert not is_word_document(written(tmp_path, docx(spreadsheet)))


def test_a_declared_main_document_that_is_absent_is_not(tmp_path: Path) -> None:
    hollow = package({"[Content_Types].xml": WORD_TYPES, "_rels/.rels": RELS})
    assert not is_word_document(written(tmp_path, hollow))


def test_a_macro_enabled_document_is_not(tmp_path: Path) -> None:
    macros = content_types(
        override("/word/document.xml", "application/vnd.ms-word.document.macroEnabled.main+xml")
    )
    assert not is_word_document(written(tmp_path, docx(macros)))


def test_part_names_match_without_regard_to_case_or_escaping(tmp_path: Path) -> None:
    types = content_types(override("/Word/My%20Document.xml"))
    data = package({"[Content_Types].xml": types, "word/my document.xml": BODY})
    assert is_word_document(written(tmp_path, data))


def test_a_main_document_declared_by_extension_is_one(tmp_path: Path) -> None:
    types = content_types(f'<Default Extension="wml" ContentType="{MAIN_DOCUMENT}"/>')
    data = package({"[Content_Types].xml": types, "word/document.wml": BODY})
    assert is_word_document(written(tmp_path, data))


def test_content_types_with_entity_declarations_are_refused(tmp_path: Path) -> None:
    laughs = (
        '<!DOCTYPE Types [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
    )
    types = content_types(override("/word/document.xml"), prolog=laughs)
    assert not is_word_document(written(tmp_path, docx(types)))


def test_compressed_content_types_past_the_bound_are_refused_quickly(tmp_path: Path) -> None:
    padding = " " * (50 * MAX_CONTENT_TYPES_BYTES)  # deflates to a few kilobytes
    bomb = WORD_TYPES.replace("</Types>", f"{padding}</Types>")
    data = docx(bomb)
    assert len(data) < 100_000
    started = time.monotonic()
    assert not is_word_document(written(tmp_path, data))
    assert time.monotonic() - started < 1


def test_a_central_directory_past_the_bound_is_refused(tmp_path: Path) -> None:
    crowded = {f"word/media/{n:05d}.bin": b"" for n in range(20_000)}
    data = docx(**crowded)
    assert not is_word_document(written(tmp_path, data))


@pytest.mark.parametrize(
    "data",
    [b"PK\x03\x04" + b"\x00" * 100, docx()[:-30], b"", b"%PDF-1.4 not a zip"],
    ids=["header-only", "truncated", "empty", "not-a-zip"],
)
def test_broken_or_other_files_are_not(tmp_path: Path, data: bytes) -> None:
    assert not is_word_document(written(tmp_path, data))


def test_the_documents_rule_takes_a_word_document_as_docx(tmp_path: Path) -> None:
    data = docx()
    found = DOCUMENTS.identify(data[:HEAD_BYTES], written(tmp_path, data))
    assert (found.kind, found.mime_type, found.extension) == ("docx", DOCX_MIME, "docx")


def test_the_documents_rule_refuses_any_other_zip(tmp_path: Path) -> None:
    data = package({"[Content_Types].xml": content_types(), "readme.txt": "hello"})
    with pytest.raises(Unsupported, match="zip is not accepted"):
        DOCUMENTS.identify(data[:HEAD_BYTES], written(tmp_path, data))


def test_the_photos_rule_never_takes_a_word_document(tmp_path: Path) -> None:
    data = docx()
    with pytest.raises(Unsupported):
        PHOTOS.identify(data[:HEAD_BYTES], written(tmp_path, data))
