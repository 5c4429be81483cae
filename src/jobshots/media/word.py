"""Telling a Word document (.docx) from any other ZIP, reading only bounded amounts of it."""

from __future__ import annotations

import os
import struct
import zipfile
import zlib
from pathlib import Path
from typing import BinaryIO
from urllib.parse import unquote
from xml.parsers import expat

MAIN_DOCUMENT = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
CONTENT_TYPES = "[content_types].xml"
_TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
# A real package's content types take a few kilobytes and its central directory well under a
# megabyte; past these, the file is hostile, and zipfile would load it all into memory.
MAX_CONTENT_TYPES_BYTES = 256 * 1024
MAX_DIRECTORY_BYTES = 1024 * 1024

_EOCD = struct.Struct("<4s4H2LH")
_EOCD_SIGNATURE = b"PK\x05\x06"
_ZIP64_LOCATOR_SIGNATURE = b"PK\x06\x07"
_ZIP64_LOCATOR_SIZE = 20
_MAX_COMMENT = 0xFFFF
_UNREADABLE = (
    OSError,
    EOFError,
    RuntimeError,  # an encrypted member
    NotImplementedError,  # a compression method zipfile lacks
    ValueError,
    zipfile.BadZipFile,
    zlib.error,
    expat.ExpatError,
)


class _NotWord(Exception):
    """The content types hold something no Word package does (a DTD, entities)."""


def is_word_document(path: Path) -> bool:
    """True when the ZIP at `path` declares a WordprocessingML main document and holds it."""
    try:
        with path.open("rb") as file:
            if not _small_directory(file):
                return False
            with zipfile.ZipFile(file) as package:
                return _holds_main_document(package)
    except (*_UNREADABLE, _NotWord):
        return False


def _small_directory(file: BinaryIO) -> bool:
    """Whether the central directory is small, found as zipfile finds it; no ZIP64."""
    size = file.seek(0, os.SEEK_END)
    file.seek(max(0, size - _EOCD.size - _MAX_COMMENT))
    tail = file.read()
    at = len(tail) - _EOCD.size
    # zipfile takes a comment-less record at the very end first, else the last one it finds.
    if at < 0 or tail[at : at + 4] != _EOCD_SIGNATURE or tail[-2:] != b"\x00\x00":
        at = tail.rfind(_EOCD_SIGNATURE)
    if at < 0 or len(tail) - at < _EOCD.size:
        return False
    directory_bytes = _EOCD.unpack_from(tail, at)[5]
    locator = at - _ZIP64_LOCATOR_SIZE
    zip64 = locator >= 0 and tail[locator : locator + 4] == _ZIP64_LOCATOR_SIGNATURE
    return not zip64 and directory_bytes <= MAX_DIRECTORY_BYTES


def _holds_main_document(package: zipfile.ZipFile) -> bool:
    members = {info.filename.lower(): info for info in package.infolist()}
    declared = members.get(CONTENT_TYPES)
    if declared is None or declared.file_size > MAX_CONTENT_TYPES_BYTES:
        return False
    with package.open(declared) as stream:
        data = stream.read(MAX_CONTENT_TYPES_BYTES + 1)
    if len(data) > MAX_CONTENT_TYPES_BYTES:
        return False
    parts, extensions = _main_document_declarations(data)
    if any(part in members for part in parts):
        return True
    return any(
        name.rsplit(".", 1)[-1] in extensions
        for name in members
        if "." in name and name != CONTENT_TYPES
    )


def _main_document_declarations(data: bytes) -> tuple[set[str], set[str]]:
    """The part names and the extensions `[Content_Types].xml` gives the main document type."""
    parts: set[str] = set()
    extensions: set[str] = set()

    def element(name: str, attributes: dict[str, str]) -> None:
        if attributes.get("ContentType", "").strip().lower() != MAIN_DOCUMENT:
            return
        if name == f"{_TYPES} Override":
            parts.add(unquote(attributes.get("PartName", "")).lstrip("/").lower())
        elif name == f"{_TYPES} Default" and attributes.get("Extension"):
            extensions.add(attributes["Extension"].lower())

    def refuse(*_: object) -> None:
        raise _NotWord

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = element
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.Parse(data, True)
    return parts, extensions
