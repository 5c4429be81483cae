"""Routes of the presigned direct-upload API: create, upload to storage, finalize."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query
from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from jobshots.core.context import Context
from jobshots.core.lineitems import service as lineitems
from jobshots.core.photos import direct
from jobshots.core.principal import Principal
from jobshots.dialects.presigned import errors, wire
from jobshots.http.auth import authorization_token, client_ip
from jobshots.http.deps import authenticate, get_ctx
from jobshots.http.routing import error_route_class

router = APIRouter(
    prefix="/light", tags=["Direct-upload photos"], route_class=error_route_class(errors.render)
)
Ctx = Annotated[Context, Depends(get_ctx)]
# Body field of each line-item link, by the core's kind.
LINK_FIELDS = {
    "inspection": "job_inspection_line_item",
    "estimate": "estimate_line_item",
    "supplemental": "supplemental_line_item",
    "change_order": "change_order_line_item",
}


class PhotoBody(BaseModel):
    """The photo payload; on create only `name` is required."""

    model_config = ConfigDict(extra="ignore")
    name: str | None = Field(default=None, description="Display name, at most 150 characters")
    description: str | None = None
    job: int | None = None
    job_inspection_line_item: int | None = None
    estimate_line_item: int | None = None
    supplemental_line_item: int | None = None
    change_order_line_item: int | None = None
    tags: list[str] | None = None
    related_to: list[str] | None = Field(default=None, description="At most 25 items")
    exif: dict[str, Any] | None = None
    is_video: bool = False
    offline_id: str | None = Field(default=None, description="Client id: makes create retryable")

    def to_fields(self) -> direct.PhotoFields:
        """The core's view of what was sent."""
        given = self.model_fields_set
        links = {kind: getattr(self, name) for kind, name in LINK_FIELDS.items() if name in given}
        return direct.PhotoFields(
            name=self.name,
            description=self.description,
            job=self.job,
            line_items=links,
            tags=self.tags,
            related_to=self.related_to,
            exif=self.exif,
            is_video=self.is_video,
            offline_id=self.offline_id,
            given=frozenset(given),
        )


class LineItemBody(BaseModel):
    """A new line item."""

    job: int
    kind: str = Field(description="inspection, estimate, supplemental or change_order")
    description: str = ""
    quantity: str | None = None
    unit_price: str | None = None


def caller(request: Request, ctx: Ctx) -> Principal:
    """Authenticate `Authorization: Token <key>` (or `Bearer <key>`)."""
    token = authorization_token(request, "Token", "Bearer")
    return authenticate(ctx, token, client_ip(request))


Caller = Annotated[Principal, Depends(caller)]


@router.post("/photos/", summary="Create a photo and get its presigned upload form")
def create_photo(body: Annotated[PhotoBody, Body()], principal: Caller, ctx: Ctx) -> Response:
    """Step 1 of 3: the record, and `upload_url` to POST the file to."""
    with ctx.uow() as uow:
        made = direct.create(uow, principal, body.to_fields())
        rendered = wire.photo(uow, made.photo, made.upload)
    return JSONResponse(rendered, status_code=201 if made.created else 200)


@router.put("/photos/{photo_id}/uploaded/", summary="Finalize an uploaded photo")
def finalize_photo(photo_id: int, principal: Caller, ctx: Ctx) -> dict[str, Any]:
    """Step 3 of 3: check the object in storage and make the photo visible."""
    with ctx.uow() as uow:
        return wire.photo(uow, direct.finalize(uow, principal, photo_id))


@router.get("/photos/", summary="List photos")
def list_photos(
    request: Request,
    principal: Caller,
    ctx: Ctx,
    job: int | None = None,
    job_inspection_line_item: int | None = None,
    estimate_line_item: int | None = None,
    supplemental_line_item: int | None = None,
    change_order_line_item: int | None = None,
    page: Annotated[int, Query()] = 1,
    page_size: Annotated[int, Query()] = 50,
) -> dict[str, Any]:
    """Uploaded photos by capture date, filtered by job or line item."""
    sent = {
        "inspection": job_inspection_line_item,
        "estimate": estimate_line_item,
        "supplemental": supplemental_line_item,
        "change_order": change_order_line_item,
    }
    links = {kind: item for kind, item in sent.items() if item is not None}
    here = f"{ctx.settings.base_url}{request.url.path}?{request.url.query}"
    with ctx.uow() as uow:
        result = direct.list_page(
            uow, principal, job=job, line_items=links, page=page, per_page=page_size
        )
        return wire.page(uow, result, here)


@router.get("/photos/{photo_id}/", summary="Retrieve a photo")
def get_photo(photo_id: int, principal: Caller, ctx: Ctx) -> dict[str, Any]:
    """One photo; one not yet uploaded only for its creator."""
    with ctx.uow() as uow:
        return wire.photo(uow, direct.get(uow, principal, photo_id))


@router.patch("/photos/{photo_id}/", summary="Update a photo")
@router.put("/photos/{photo_id}/", summary="Update a photo (PUT)")
def update_photo(
    photo_id: int, body: Annotated[PhotoBody, Body()], principal: Caller, ctx: Ctx
) -> dict[str, Any]:
    """Name, description, tags, related items and links; only the fields sent change."""
    with ctx.uow() as uow:
        return wire.photo(uow, direct.update(uow, principal, photo_id, body.to_fields()))


@router.delete("/photos/{photo_id}/", summary="Delete a photo", status_code=204)
def delete_photo(photo_id: int, principal: Caller, ctx: Ctx) -> Response:
    """Soft delete: gone from lists, the file is kept."""
    with ctx.uow() as uow:
        direct.delete(uow, principal, photo_id)
    return Response(status_code=204)


@router.post("/line-items/", summary="Create a line item", status_code=201)
def create_line_item(
    body: Annotated[LineItemBody, Body()], principal: Caller, ctx: Ctx
) -> dict[str, Any]:
    """An inspection, estimate, supplemental or change-order item on a job."""
    with ctx.uow() as uow:
        item = lineitems.create(
            uow, principal, body.job, body.kind, body.description, body.quantity, body.unit_price
        )
        return wire.line_item(item)


@router.get("/line-items/", summary="List line items")
def list_line_items(
    principal: Caller, ctx: Ctx, job: int | None = None, kind: str | None = None
) -> dict[str, Any]:
    """The company's line items, by job and kind."""
    with ctx.uow() as uow:
        items = lineitems.list_for(uow, principal, job, kind)
        results = [wire.line_item(item) for item in items]
    return {"count": len(results), "next": None, "previous": None, "results": results}
