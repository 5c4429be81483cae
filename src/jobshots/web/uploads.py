"""The browser's upload page: resumable uploads over tus, one progress bar per file."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
