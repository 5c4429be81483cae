"""Imported by the decoding fork server: what decoding would otherwise load in every worker."""

from __future__ import annotations

import contextlib

# imagehash imports scipy.fftpack on its first hash, which takes ~0.5 s.
import scipy.fftpack  # type: ignore[import-untyped]  # noqa: F401
from PIL import Image

from jobshots.media import exif, pipeline  # noqa: F401

Image.init()
# The C2PA SDK (~0.3 s); should its native library fail to load, each read says so instead.
with contextlib.suppress(Exception):
    import c2pa  # type: ignore[import-untyped]  # noqa: F401
