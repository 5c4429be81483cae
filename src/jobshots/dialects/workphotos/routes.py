"""Routes of the WorkPhotos-style jobs API: each turns a JSON body into one core call and back."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.routing import APIRoute
from starlette.requests import Request

from jobshots.core.context import Context
from jobshots.core.errors import Forbidden, Invalid
from jobshots.core.jobs import service as jobs
from jobshots.core.messages import service as messages
from jobshots.core.principal import Principal
from jobshots.dialects.workphotos import cors, errors, wire
from jobshots.http.auth import client_ip
from jobshots.http.deps import authenticate, get_ctx
from jobshots.http.routing import error_route_class

router = APIRouter(
    tags=["WorkPhotos jobs"],
    route_class=cors.cors_route_class(error_route_class(errors.render)),
)
Ctx = Annotated[Context, Depends(get_ctx)]


def body_of(shape: type[wire.Body]) -> Callable[[Request], Awaitable[wire.Body]]:
    """A dependency reading the request body as `shape`, whatever its content type."""

    async def read(request: Request) -> wire.Body:
        raw = bytearray()
        async for chunk in request.stream():
            raw += chunk
            if len(raw) > wire.MAX_BODY_BYTES:
                raise Invalid(f"the body must be at most {wire.MAX_BODY_BYTES} bytes")
        return wire.read(bytes(raw), shape)

    return read


def caller(ctx: Context, body: wire.Signed, request: Request) -> Principal:
    """Authenticate `authKey`, and check `workspaceId` is that key's company."""
    principal = authenticate(ctx, body.auth_key, client_ip(request))
    if not principal.works_in(body.workspace_id):
        raise Forbidden("workspaceId is not the workspace of this authKey")
    return principal


def documented(shape: type[wire.Signed]) -> dict[str, Any]:
    """The OpenAPI request body for a route that reads `shape` itself."""
    schema = shape.model_json_schema(by_alias=True)
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


@router.post("/job/create", summary="Create a job", openapi_extra=documented(wire.CreateJob))
def create_job(
    body: Annotated[wire.CreateJob, Depends(body_of(wire.CreateJob))], request: Request, ctx: Ctx
) -> dict[str, Any]:
    """Create a job and optionally post an initial text message."""
    principal = caller(ctx, body, request)
    with ctx.uow() as uow:
        job = messages.start_job(uow, principal, body.name, body.message)
        return wire.created_job(uow, job, principal.company_uuid)


@router.post("/job/list", summary="List jobs, 30 a page", openapi_extra=documented(wire.ListJobs))
def list_jobs(
    body: Annotated[wire.ListJobs, Depends(body_of(wire.ListJobs))], request: Request, ctx: Ctx
) -> dict[str, Any]:
    """A 0-based page of the workspace's jobs, newest first."""
    principal = caller(ctx, body, request)
    with ctx.uow() as uow:
        page = jobs.list_page(uow, principal, body.page + 1, wire.PAGE_SIZE)
        return wire.job_list(uow, page, principal.company_uuid)


@router.post("/job/details", summary="Get job details", openapi_extra=documented(wire.JobRef))
def job_details(
    body: Annotated[wire.JobRef, Depends(body_of(wire.JobRef))], request: Request, ctx: Ctx
) -> dict[str, Any]:
    """The job and its messages: chat and photos from every API, oldest first."""
    principal = caller(ctx, body, request)
    with ctx.uow() as uow:
        return wire.job_details(messages.timeline(uow, principal, body.job_id))


@router.post(
    "/job/message",
    summary="Post a chat message to a job (Jobshots extension)",
    openapi_extra=documented(wire.PostMessage),
)
def post_message(
    body: Annotated[wire.PostMessage, Depends(body_of(wire.PostMessage))],
    request: Request,
    ctx: Ctx,
) -> dict[str, Any]:
    """Add a chat message; answers with the message as `/job/details` lists it."""
    principal = caller(ctx, body, request)
    with ctx.uow() as uow:
        return wire.message(messages.post(uow, principal, body.job_id, body.message))


# Each route answers its own CORS preflight; no other route in the app gets one.
for _route in list(router.routes):
    if isinstance(_route, APIRoute):
        router.add_api_route(
            _route.path, cors.preflight, methods=["OPTIONS"], include_in_schema=False
        )
