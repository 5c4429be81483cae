"""Routes of the WorkPhotos-style jobs API: each turns a JSON body into one core call and back."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.routing import APIRoute
from starlette.requests import Request

from jobshots.core.errors import Invalid
from jobshots.core.jobs import service as jobs
from jobshots.core.messages import service as messages
from jobshots.core.pagination import PageRequest
from jobshots.dialects.workphotos import cors, errors, wire
from jobshots.http.apis import Api
from jobshots.http.caller import Call, api_key, caller


async def read_body(request: Request) -> None:
    """Read the JSON body once, before anything else, for the key and each route's fields."""
    raw = bytearray()
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > wire.MAX_BODY_BYTES:
            raise Invalid(f"the body must be at most {wire.MAX_BODY_BYTES} bytes")
    request.state.body = wire.parse(bytes(raw))


def _signed(request: Request) -> wire.Signed:
    return wire.validate(request.state.body, wire.Signed)


def _auth_key(request: Request) -> str | None:
    return _signed(request).auth_key


def workspace_caller(
    call: Annotated[Call, Depends(caller(api_key(_auth_key)))], request: Request
) -> Call:
    """The caller behind `authKey`, once `workspaceId` is shown to be that key's company."""
    call.principal.require_workspace(_signed(request).workspace_id)
    return call


Caller = Annotated[Call, Depends(workspace_caller)]
Handler = Callable[..., dict[str, Any]]


def body_of(shape: type[wire.Body]) -> Callable[[Request], wire.Body]:
    """A dependency giving the body read by `read_body` as `shape`."""

    def validated(request: Request) -> wire.Body:
        return wire.validate(request.state.body, shape)

    return validated


def documented(shape: type[wire.Signed]) -> dict[str, Any]:
    """The OpenAPI request body for a route that reads `shape` itself."""
    schema = shape.model_json_schema(by_alias=True)
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


router = APIRouter(tags=["WorkPhotos jobs"], route_class=cors.cors_route_class(APIRoute))


def post(path: str, summary: str, shape: type[wire.Signed]) -> Callable[[Handler], Handler]:
    """A POST route whose body is read first: the key, workspace and fields all come from it."""
    return router.post(
        path, summary=summary, openapi_extra=documented(shape), dependencies=[Depends(read_body)]
    )


@post("/job/create", "Create a job", wire.CreateJob)
def create_job(
    body: Annotated[wire.CreateJob, Depends(body_of(wire.CreateJob))], call: Caller
) -> dict[str, Any]:
    """Create a job and optionally post an initial text message."""
    return wire.created_job(messages.start_job(call.uow, call.principal, body.name, body.message))


@post("/job/list", "List jobs, 30 a page", wire.ListJobs)
def list_jobs(
    body: Annotated[wire.ListJobs, Depends(body_of(wire.ListJobs))], call: Caller
) -> dict[str, Any]:
    """A 0-based page of the workspace's jobs, newest first."""
    paging = PageRequest(body.page + 1, wire.PAGE_SIZE, wire.PAGE_SIZE)
    return wire.job_list(jobs.page(call.uow, call.principal, paging, report_links=True))


@post("/job/details", "Get job details", wire.JobRef)
def job_details(
    body: Annotated[wire.JobRef, Depends(body_of(wire.JobRef))], call: Caller
) -> dict[str, Any]:
    """The job and its messages: chat and photos from every API, oldest first."""
    return wire.job_details(messages.timeline(call.uow, call.principal, body.job_id))


@post("/job/message", "Post a chat message to a job (Jobshots extension)", wire.PostMessage)
def post_message(
    body: Annotated[wire.PostMessage, Depends(body_of(wire.PostMessage))], call: Caller
) -> dict[str, Any]:
    """Add a chat message; answers with the message as `/job/details` lists it."""
    return wire.message(messages.post(call.uow, call.principal, body.job_id, body.message))


# Each route answers its own CORS preflight; no other route in the app gets one.
for _route in list(router.routes):
    if isinstance(_route, APIRoute):
        router.add_api_route(
            _route.path, cors.preflight, methods=["OPTIONS"], include_in_schema=False
        )


API = Api("WorkPhotos jobs", router, ("/job/",), errors.render, errors=errors.RESPONSES)
