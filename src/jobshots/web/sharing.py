"""Sharing a job: its public report link, and e-mailing chosen photos to the customer."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
