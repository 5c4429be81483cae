"""Fields encrypted at rest: sealed with XSalsa20-Poly1305 to their table, column and row.

One mechanism for every encrypted field: a `Sealed` attribute on the model reads and writes
its `<name>_enc` column through the session's key ring, so no service ever calls encrypt.

Each value is sealed with a key derived from the ring's key and the field's place (table,
column, row UUID), so a ciphertext copied to another row, column or company does not open:
it fails closed with `SealBroken`. A blob records which key sealed it, so old keys still open
old values until `reseal` has moved them to the current key.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator, Sequence
from typing import Any

import nacl.exceptions
import nacl.secret
from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session, object_session

FORMAT = b"\x01"
KEY_ID_BYTES = 8
# Model class -> names of its sealed fields, filled in as the models are defined.
SEALED_FIELDS: dict[type[Any], list[str]] = {}


class SealBroken(Exception):
    """A sealed value that does not open here: moved from elsewhere, or sealed with a lost key."""


class KeyRing:
    """The key new values are sealed with, and older keys that still open old values."""

    def __init__(self, current: bytes, previous: Sequence[bytes] = ()) -> None:
        self._current = current
        self._keys = {_key_id(key): key for key in (*previous, current)}

    @property
    def current_id(self) -> bytes:
        """The id of the key new values are sealed with."""
        return _key_id(self._current)

    def seal(self, text: str, place: bytes) -> bytes:
        """`text` sealed for one field of one row."""
        box = nacl.secret.SecretBox(_subkey(self._current, place))
        return FORMAT + self.current_id + bytes(box.encrypt(text.encode("utf-8")))

    def open(self, blob: bytes, place: bytes, what: str) -> str:
        """The text back; SealBroken naming `what` when it was not sealed for this place."""
        if blob[:1] != FORMAT or len(blob) <= 1 + KEY_ID_BYTES:
            raise SealBroken(f"{what} is not a sealed value")
        key = self._keys.get(blob[1 : 1 + KEY_ID_BYTES])
        if key is None:
            raise SealBroken(f"{what} was sealed with a key this server does not have")
        try:
            plain = nacl.secret.SecretBox(_subkey(key, place)).decrypt(blob[1 + KEY_ID_BYTES :])
        except nacl.exceptions.CryptoError as exc:
            raise SealBroken(f"{what} does not open: it was not sealed for this row") from exc
        return bytes(plain).decode("utf-8")

    def is_current(self, blob: bytes) -> bool:
        """True when `blob` is sealed with the current key."""
        return blob[1 : 1 + KEY_ID_BYTES] == self.current_id


class Sealed:
    """A model attribute whose value is kept sealed in the `<name>_enc` column."""

    def __set_name__(self, owner: type[Any], name: str) -> None:
        self.name = name
        self.column = f"{name}_enc"
        SEALED_FIELDS.setdefault(owner, []).append(name)

    def __get__(self, row: Any, owner: type[Any] | None = None) -> Any:
        if row is None:
            return self
        blob = getattr(row, self.column)
        if blob is None:
            return None
        return _ring(row).open(blob, self._place(row), self._what(row))

    def __set__(self, row: Any, value: str | None) -> None:
        if row.uuid is None:
            # The seal binds the row's UUID, so the row needs it before its first flush.
            row.uuid = uuid.uuid4()
        sealed = None if value is None else _ring(row).seal(value, self._place(row))
        setattr(row, self.column, sealed)

    def _place(self, row: Any) -> bytes:
        table = inspect(type(row)).local_table.name
        row_uuid: uuid.UUID = row.uuid
        return f"{table}.{self.name}:".encode() + row_uuid.bytes

    def _what(self, row: Any) -> str:
        return f"{self.name} of {inspect(type(row)).local_table.name} row {row.uuid}"


def reseal(session: Session, batch: int = 500) -> Iterator[int]:
    """Seal every value with the current key; yields as each row is checked, for progress."""
    ring = session.info["keyring"]
    for model, names in SEALED_FIELDS.items():
        last = 0
        while True:
            rows = list(
                session.scalars(
                    select(model).where(model.id > last).order_by(model.id).limit(batch)
                )
            )
            if not rows:
                break
            for row in rows:
                for name in names:
                    blob = getattr(row, f"{name}_enc")
                    if blob is not None and not ring.is_current(blob):
                        setattr(row, name, getattr(row, name))
                yield 1
            last = rows[-1].id
            session.flush()
            session.expunge_all()


def count_sealed_rows(session: Session) -> int:
    """How many rows `reseal` will check."""
    return sum(
        session.scalar(select(func.count()).select_from(model)) or 0 for model in SEALED_FIELDS
    )


def _ring(row: Any) -> KeyRing:
    session = object_session(row)
    ring = session.info.get("keyring") if session is not None else None
    if not isinstance(ring, KeyRing):
        raise RuntimeError("sealed fields need their row in a session with a key ring")
    return ring


def _key_id(key: bytes) -> bytes:
    return hashlib.blake2b(key, digest_size=KEY_ID_BYTES, person=b"jobshots-keyid").digest()


def _subkey(key: bytes, place: bytes) -> bytes:
    return hashlib.blake2b(place, key=key, digest_size=32, person=b"jobshots-field").digest()
