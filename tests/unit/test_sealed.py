"""Sealing field values: they open only where they were sealed, and old keys still open."""

from __future__ import annotations

import os

import pytest

from jobshots.db.sealed import KeyRing, SealBroken

HERE = b"jobs.access_details:" + bytes(16)
ELSEWHERE = b"jobs.access_details:" + bytes(15) + b"\x01"


def test_a_sealed_value_opens_where_it_was_sealed_and_hides_its_text() -> None:
    ring = KeyRing(os.urandom(32))
    blob = ring.seal("Key safe code 4821, side gate", HERE)
    assert b"4821" not in blob
    assert ring.open(blob, HERE, "access_details") == "Key safe code 4821, side gate"
    assert ring.seal("same", HERE) != ring.seal("same", HERE)  # a fresh nonce every time


@pytest.mark.parametrize(
    "place", [ELSEWHERE, b"jobs.private_contact_name:" + bytes(16)], ids=["row", "column"]
)
def test_a_value_moved_to_another_row_or_column_fails_closed(place: bytes) -> None:
    ring = KeyRing(os.urandom(32))
    blob = ring.seal("Mrs Patel, 07700 900123", HERE)
    with pytest.raises(SealBroken, match="not sealed for this row"):
        ring.open(blob, place, "private_contact_name of jobs row x")


def test_previous_keys_open_old_values_and_only_the_current_key_seals() -> None:
    old, new = os.urandom(32), os.urandom(32)
    blob = KeyRing(old).seal("gate code", HERE)
    rotated = KeyRing(new, previous=[old])
    assert rotated.open(blob, HERE, "x") == "gate code"
    assert not rotated.is_current(blob)
    assert rotated.is_current(rotated.seal("gate code", HERE))
    with pytest.raises(SealBroken, match="key this server does not have"):
        KeyRing(new).open(blob, HERE, "x")


@pytest.mark.parametrize("blob", [b"", b"\x02" + bytes(40), b"\x01short"])
def test_anything_else_is_not_a_sealed_value(blob: bytes) -> None:
    with pytest.raises(SealBroken, match="not a sealed value"):
        KeyRing(os.urandom(32)).open(blob, HERE, "x")


def test_a_tampered_value_fails_closed() -> None:
    ring = KeyRing(os.urandom(32))
    blob = bytearray(ring.seal("gate code", HERE))
    blob[-1] ^= 1
    with pytest.raises(SealBroken):
        ring.open(bytes(blob), HERE, "x")
