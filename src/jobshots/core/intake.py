"""File intake, the one path every stored file takes: size, type by its bytes, quota, cleanup."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from jobshots.core.companies import policy
from jobshots.core.errors import Invalid, TooLarge, Unsupported
from jobshots.core.uow import UnitOfWork
from jobshots.db.models import Company
from jobshots.media import sniff, word
from jobshots.media.incoming import IncomingFile
from jobshots.media.sniff import Sniffed


@dataclass(frozen=True)
class FileRule:
    """What one kind of file may be: the types (by their bytes) and the largest image."""

    kinds: frozenset[str]
    described: str
    max_pixels: int

    def allows(self, found: Sniffed) -> bool:
        """True when the bytes are of a type this rule accepts."""
        return found.kind in self.kinds

    def identify(self, head: bytes, path: Path | None = None) -> Sniffed:
        """What the file is, by its leading bytes (and, for a ZIP that may be a Word document,
        the whole file at `path`); Unsupported or Invalid when this rule refuses it."""
        found = sniff.sniff(head)
        if found.kind == "zip" and "docx" in self.kinds and path is not None:
            found = sniff.of_kind("docx") if word.is_word_document(path) else found
        if not self.allows(found):
            message = f"file type {found.kind} is not accepted; send {self.described}"
            raise Unsupported(message, {"file": [message]})
        width, height = found.width or 0, found.height or 0
        if width * height > self.max_pixels:
            megapixels = self.max_pixels // 1_000_000
            message = f"image is {width}x{height} pixels; the limit is {megapixels} megapixels"
            raise Invalid(message, {"file": [message]})
        return found


PHOTOS = FileRule(
    kinds=frozenset({"jpeg", "png", "webp", "heic", "heif", "mp4", "mov"}),
    described="JPEG, PNG, WebP, HEIC, MP4 or MOV",
    # Checked from the header, so a file the decoders would refuse is refused before storing.
    max_pixels=sniff.MAX_PIXELS,
)

DOCUMENTS = FileRule(
    kinds=frozenset({"pdf", "docx", "jpeg", "png"}),
    described="PDF, DOCX, JPEG or PNG",
    max_pixels=sniff.MAX_PIXELS,
)


@dataclass(frozen=True)
class StoredObject:
    """An object a client uploaded straight to storage, checked."""

    kind: Sniffed
    size: int


def too_large(limit: int) -> TooLarge:
    """The error for a file over `limit` bytes."""
    return TooLarge(
        f"file is larger than the {limit} byte limit", {"file": [f"must be at most {limit} bytes"]}
    )


def accept(
    uow: UnitOfWork, company: Company, files: list[IncomingFile], rule: FileRule
) -> list[Sniffed]:
    """Check every file's size and type, and the quotas, before any is stored."""
    limit = policy.upload_limit(uow, company)
    kinds = [_checked(incoming, limit, rule) for incoming in files]
    policy.check_upload_quota(uow, company, len(files), sum(f.size for f in files))
    return kinds


def put(uow: UnitOfWork, key: str, incoming: IncomingFile, kind: Sniffed) -> None:
    """Move an accepted file to `key`; it is removed again if the transaction rolls back."""
    storage = uow.storage
    storage.put_file(key, incoming.path, kind.mime_type)
    uow.on_rollback(lambda: storage.delete(key))


def withdraw(uow: UnitOfWork, key: str) -> None:
    """Remove a stored file now, when its row will never commit (a savepoint rolled back)."""
    uow.storage.delete(key)


def accept_stored(uow: UnitOfWork, company: Company, key: str, rule: FileRule) -> StoredObject:
    """Check an object uploaded straight to storage; a refused one is deleted."""
    storage = uow.storage
    size = storage.size(key)
    if size is None or size == 0:
        raise Invalid.field("file", "has not been uploaded to the upload URL")
    limit = policy.upload_limit(uow, company)
    if size > limit:
        storage.delete(key)
        raise Invalid.field("file", f"is {size} bytes; the limit is {limit} bytes")
    try:
        kind = rule.identify(storage.read_head(key, sniff.HEAD_BYTES))
    except Invalid:
        storage.delete(key)
        raise
    policy.check_upload_quota(uow, company, 1, size)
    return StoredObject(kind=kind, size=size)


def _checked(incoming: IncomingFile, limit: int, rule: FileRule) -> Sniffed:
    if incoming.size > limit:
        raise too_large(limit)
    if incoming.size == 0:
        raise Invalid.field("file", "is empty")
    return rule.identify(incoming.head, incoming.path)
