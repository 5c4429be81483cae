"""Routes of the maintenance API: sla (being built for issue 12)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["Property-maintenance jobs"])
