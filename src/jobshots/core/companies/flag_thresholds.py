"""The company's dispute flag thresholds: how late an upload and how far a photo may be."""

from __future__ import annotations

from dataclasses import dataclass

from jobshots.core import audit, permissions
from jobshots.core.errors import Invalid
from jobshots.core.principal import Principal
from jobshots.core.uow import UnitOfWork
from jobshots.core.users import people
from jobshots.db.models import Company

GAP_HOURS = (1, 24 * 365)
GEOFENCE_METRES = (10, 100_000)


@dataclass(frozen=True)
class Thresholds:
    """Hours between capture and upload, and metres from the job, before a photo is flagged."""

    capture_gap_hours: int
    geofence_metres: int


def thresholds(uow: UnitOfWork, principal: Principal) -> Thresholds:
    """The caller's company's thresholds, for its settings."""
    people.require_settings(principal)
    return _of(uow.session.get_one(Company, principal.company_id))


def change(
    uow: UnitOfWork, principal: Principal, capture_gap_hours: str, geofence_metres: str
) -> Thresholds:
    """Set both thresholds from form text: both whole numbers in range, or neither is set."""
    principal.require(permissions.EVIDENCE_SETTINGS)
    errors: dict[str, list[str]] = {}
    gap = _whole(capture_gap_hours, GAP_HOURS, "capture_gap_hours", errors)
    fence = _whole(geofence_metres, GEOFENCE_METRES, "geofence_metres", errors)
    if gap is None or fence is None:
        raise Invalid("; ".join(m for ms in errors.values() for m in ms), errors)
    company = uow.session.get_one(Company, principal.company_id)
    before = _of(company)
    company.capture_gap_hours, company.geofence_metres = gap, fence
    audit.record(
        uow,
        principal,
        "company.flag_thresholds_changed",
        "company",
        company.uuid,
        data={
            "capture_gap_hours": [before.capture_gap_hours, gap],
            "geofence_metres": [before.geofence_metres, fence],
        },
    )
    return _of(company)


def _whole(
    text: str, bounds: tuple[int, int], name: str, errors: dict[str, list[str]]
) -> int | None:
    low, high = bounds
    try:
        value = int(text.strip())
    except ValueError:
        errors[name] = [f"{_label(name)} must be a whole number"]
        return None
    if not low <= value <= high:
        errors[name] = [f"{_label(name)} must be from {low:,} to {high:,}"]
        return None
    return value


def _label(name: str) -> str:
    return {"capture_gap_hours": "Hours before upload", "geofence_metres": "Distance"}[name]


def _of(company: Company) -> Thresholds:
    return Thresholds(company.capture_gap_hours, company.geofence_metres)
