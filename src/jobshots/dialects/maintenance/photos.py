"""Routes of the maintenance API: photos."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["Property-maintenance jobs"])
