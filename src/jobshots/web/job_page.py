"""A job's page: details, gallery, lightbox, comparison, timeline, notes, documents, map, activity."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
