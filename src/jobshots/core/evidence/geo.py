"""Distances on the earth, for where a photo was taken against where its job is."""

from __future__ import annotations

from decimal import Decimal
from math import asin, cos, radians, sin, sqrt

from jobshots.db.models import Job, Photo

_EARTH_RADIUS_M = 6_371_008.8


def metres_between(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The great-circle distance in metres (haversine)."""
    phi1, phi2 = radians(lat1), radians(lat2)
    dphi, dlambda = phi2 - phi1, radians(lon2 - lon1)
    a = sin(dphi / 2) ** 2 + cos(phi1) * cos(phi2) * sin(dlambda / 2) ** 2
    return 2 * _EARTH_RADIUS_M * asin(min(1.0, sqrt(a)))


def from_job(photo: Photo, job: Job | None) -> float | None:
    """How far the photo was taken from its job's address, when both are known."""
    address = job.address if job is not None else None
    if photo.latitude is None or photo.longitude is None or address is None:
        return None
    if address.latitude is None or address.longitude is None:
        return None
    return metres_between(
        photo.latitude, photo.longitude, _float(address.latitude), _float(address.longitude)
    )


def _float(value: Decimal | float) -> float:
    return float(value)
