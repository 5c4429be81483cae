"""A photo's perceptual hash: 64 bits that stay nearly the same when it is resized or re-saved."""

from __future__ import annotations

from pathlib import Path

import imagehash
from PIL import Image, ImageStat

HASH_BITS = 64
# Grey levels (of 255): below this spread a picture (a black frame, a lens cap) has no scene,
# and its hash is noise or all zeros, which would match every other flat picture.
FLAT_STDDEV = 2.0
_SIGN = 1 << (HASH_BITS - 1)


def perceptual_hash(path: Path) -> int | None:
    """pHash (DCT of a 32x32 grey copy) as a signed 64-bit integer; None for a flat picture."""
    with Image.open(path) as image:
        grey = image.convert("L")
    if ImageStat.Stat(grey).stddev[0] < FLAT_STDDEV:
        return None
    return as_signed(int(str(imagehash.phash(grey)), 16))


def as_signed(unsigned: int) -> int:
    """The same 64 bits read as a signed integer, to fit a BIGINT column."""
    return unsigned - (1 << HASH_BITS) if unsigned & _SIGN else unsigned


def distance(first: int, second: int) -> int:
    """Hamming distance: how many of the 64 bits differ between two hashes, signed or not."""
    return ((first ^ second) & ((1 << HASH_BITS) - 1)).bit_count()
