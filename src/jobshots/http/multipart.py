"""A streaming multipart/form-data reader: files go straight to staging, never to memory."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

from jobshots.core import intake
from jobshots.core.errors import Invalid
from jobshots.media.incoming import IncomingFile, Spool, TooLarge

MAX_FIELD_BYTES = 64 * 1024
MAX_FILES = 20


@dataclass
class ReceivedForm:
    """Text fields and spooled files of one multipart request."""

    fields: dict[str, list[str]] = field(default_factory=dict)
    files: list[tuple[str, IncomingFile]] = field(default_factory=list)

    def value(self, name: str) -> str | None:
        """The last value sent for a text field."""
        values = self.fields.get(name)
        return values[-1] if values else None

    def discard(self) -> None:
        """Delete every spooled file that was not moved into storage."""
        for _, incoming in self.files:
            incoming.discard()


class _Receiver:
    """Parser callbacks that route each part to a text buffer or a spool."""

    def __init__(self, staging: Path, file_limit: int) -> None:
        self.form = ReceivedForm()
        self._staging = staging
        self._file_limit = file_limit
        self._headers: dict[bytes, bytes] = {}
        self._header_field = bytearray()
        self._header_value = bytearray()
        self._name = ""
        self._text: bytearray | None = None
        self._spool: Spool | None = None

    def on_part_begin(self) -> None:
        self._headers = {}

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_field += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def on_header_end(self) -> None:
        self._headers[bytes(self._header_field).lower()] = bytes(self._header_value)
        self._header_field.clear()
        self._header_value.clear()

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        self._name = options.get(b"name", b"").decode("utf-8", "replace")
        if b"filename" not in options:
            self._text = bytearray()
            return
        if len(self.form.files) >= MAX_FILES:
            raise Invalid.field("file", f"at most {MAX_FILES} files per request")
        filename = options[b"filename"].decode("utf-8", "replace")
        self._spool = Spool(self._staging, self._file_limit, filename)

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._spool is not None:
            # A view, not a copy: the parser hands out slices of immutable chunks.
            piece = memoryview(data)[start:end] if isinstance(data, bytes) else data[start:end]
            try:
                self._spool.write(piece)
            except TooLarge as exc:
                self._spool = None
                raise intake.too_large(exc.limit) from exc
        elif self._text is not None:
            self._text += data[start:end]
            if len(self._text) > MAX_FIELD_BYTES:
                raise Invalid.field(self._name, f"must be at most {MAX_FIELD_BYTES} bytes")

    def on_part_end(self) -> None:
        if self._spool is not None:
            self.form.files.append((self._name, self._spool.finish()))
            self._spool = None
        elif self._text is not None:
            value = self._text.decode("utf-8", "replace")
            self.form.fields.setdefault(self._name, []).append(value)
            self._text = None

    def abort(self) -> None:
        if self._spool is not None:
            self._spool.abort()
            self._spool = None
        self.form.discard()


async def read_multipart(request: Request, staging: Path, file_limit: int) -> ReceivedForm:
    """Read the request body as multipart/form-data, spooling files under `staging`."""
    content_type, params = parse_options_header(request.headers.get("content-type"))
    boundary = params.get(b"boundary")
    if content_type != b"multipart/form-data" or not boundary:
        raise Invalid.field("body", "must be multipart/form-data")
    receiver = _Receiver(staging, file_limit)
    callbacks = {
        name: getattr(receiver, name)
        for name in (
            "on_part_begin",
            "on_part_data",
            "on_part_end",
            "on_header_field",
            "on_header_value",
            "on_header_end",
            "on_headers_finished",
        )
    }
    parser = MultipartParser(boundary, callbacks)  # type: ignore[arg-type]
    try:
        async for chunk in request.stream():
            parser.write(chunk)
        parser.finalize()
    except Invalid:
        receiver.abort()
        raise
    except Exception as exc:
        receiver.abort()
        raise Invalid.field("body", "is not well-formed multipart/form-data") from exc
    if receiver._spool is not None or receiver._text is not None:
        receiver.abort()
        raise Invalid.field("body", "ended before the last part did")
    return receiver.form
