"""Company settings for owners and managers: people and roles, API keys, reference data, add-ons and quotas."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
