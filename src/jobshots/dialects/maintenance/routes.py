"""Routes of the maintenance API: sign-in, CSRF tokens, pins, video variants, and the routers
of jobs, reference data, photos and documents."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict

from jobshots.core import csrf
from jobshots.core.jobs import pins
from jobshots.core.logins import service as logins
from jobshots.core.photos import service as photos
from jobshots.dialects.maintenance import (
    amendments,
    documents,
    errors,
    gates,
    inbound,
    jobs,
    notes,
    recalls,
    reference,
    remedials,
    sla,
    wire,
)
from jobshots.dialects.maintenance import photos as photo_routes
from jobshots.dialects.maintenance.common import Caller, Writer, required
from jobshots.http.apis import Api
from jobshots.http.caller import RequestUow

router = APIRouter(
    tags=["Property-maintenance jobs"],
    responses={
        200: {
            "description": "The vendor's success envelope",
            "content": {"application/json": {"schema": errors.SUCCESS}},
        }
    },
)


class Credentials(BaseModel):
    """`POST /api/auth/login`."""

    model_config = ConfigDict(extra="ignore")
    email: str | None = None
    password: str | None = None


@router.post("/api/auth/login", summary="Sign in for a Bearer token")
def log_in(body: Credentials, uow: RequestUow) -> dict[str, Any]:
    """A token valid for 90 days; signing in again revokes the account's previous one."""
    return wire.login(logins.log_in(uow, body.email, body.password))


@router.post("/api/auth/logout", summary="Revoke the login token")
def log_out(call: Writer) -> dict[str, Any]:
    """The token this request carries stops working."""
    logins.log_out(call.uow, call.principal)
    return wire.ok("Logged out")


class PinBody(BaseModel):
    """`POST /api/jobs/toggle-pin`."""

    model_config = ConfigDict(extra="ignore")
    job_uuid: str | None = None


@router.post("/api/jobs/toggle-pin", summary="Pin or unpin a job on your dashboard")
def toggle_pin(body: PinBody, call: Writer) -> dict[str, Any]:
    """Pins are per user: pinning a pinned job unpins it."""
    pinned = pins.toggle(call.uow, call.principal, required(body.job_uuid, "job_uuid"))
    return wire.pin(pinned)


@router.get("/api/jobs/video-variants", summary="A video's playback variants")
def video_variants(call: Caller, uuid: str | None = None) -> dict[str, Any]:
    """The 720p and 360p renditions of a video; none while only its original exists."""
    ref = photos.PhotoRef(uuid=required(uuid, "uuid"))
    return wire.video_variants(photos.get(call.uow, call.principal, ref))


@router.get("/api/security/csrf-token", summary="Get a CSRF token for writes")
def csrf_token(call: Caller) -> dict[str, Any]:
    """A token bound to this caller, for the `csrf_token` field or `X-CSRF-Token` header."""
    return wire.ok("CSRF token issued", {"token": csrf.issue(call.uow, call.principal)})


for part in (
    jobs.router,
    reference.router,
    photo_routes.router,
    documents.router,
    notes.router,
    recalls.router,
    remedials.router,
    amendments.router,
    gates.router,
    sla.router,
    inbound.router,
):
    router.include_router(part)

API = Api(
    "Property-maintenance jobs",
    router,
    ("/api/jobs/", "/api/auth/", "/api/security/", "/api/inbound/"),
    errors.render,
    errors=errors.RESPONSES,
)
