"""Routes of the presigned direct-upload API: create, upload to storage, finalize."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Body, Depends, Query
from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from jobshots.core.jobs import service as jobs
from jobshots.core.lineitems import service as lineitems
from jobshots.core.pagination import Page, PageRequest
from jobshots.core.photos import service as photos
from jobshots.core.photos.changes import PhotoChanges
from jobshots.dialects.presigned import errors, wire
from jobshots.http.apis import Api
from jobshots.http.auth import authorization, header
from jobshots.http.caller import Call, api_key, caller

router = APIRouter(prefix="/light", tags=["Direct-upload photos"])
# The vendor's page size: 10 by default, and at most.
PAGE_SIZE = 10
Caller = Annotated[
    Call, Depends(caller(api_key(authorization("Token", "Bearer"), header("x-api-key"))))
]
T = TypeVar("T")
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

    def changes(self) -> PhotoChanges:
        """The core's view of the editable fields sent."""
        given = self.model_fields_set
        links = {kind: getattr(self, name) for kind, name in LINK_FIELDS.items() if name in given}
        return PhotoChanges(
            name=self.name,
            description=self.description,
            job=self.job,
            line_items=links,
            tags=self.tags,
            related_to=self.related_to,
            given=frozenset(given),
        )

    def new_upload(self) -> photos.NewDirectUpload:
        """The core's view of a photo to create."""
        return photos.NewDirectUpload(
            changes=self.changes(),
            exif=self.exif,
            is_video=self.is_video,
            offline_id=self.offline_id,
        )


class LineItemBody(BaseModel):
    """A new line item."""

    job: int
    kind: str = Field(description="inspection, estimate, supplemental or change_order")
    description: str = ""
    quantity: str | None = None
    unit_price: str | None = None


@router.post(
    "/photos/",
    summary="Create a photo and get its presigned upload form",
    status_code=201,
    responses={200: {"description": "The photo this `offline_id` already made"}},
)
def create_photo(body: Annotated[PhotoBody, Body()], call: Caller) -> Response:
    """Step 1 of 3: the record, and `upload_url` to POST the file to."""
    made = photos.start_direct_upload(call.uow, call.principal, body.new_upload())
    rendered = wire.photo(made.photo, made.upload)
    return JSONResponse(rendered, status_code=201 if made.created else 200)


@router.put("/photos/{photo_id}/uploaded/", summary="Finalize an uploaded photo")
def finalize_photo(photo_id: int, call: Caller) -> dict[str, Any]:
    """Step 3 of 3: check the object in storage and make the photo visible."""
    ref = photos.PhotoRef(id=photo_id)
    return wire.photo(photos.finish_direct_upload(call.uow, call.principal, ref))


@router.get("/photos/", summary="List photos")
def list_photos(
    request: Request,
    call: Caller,
    job: int | None = None,
    job_inspection_line_item: int | None = None,
    estimate_line_item: int | None = None,
    supplemental_line_item: int | None = None,
    change_order_line_item: int | None = None,
    page: Annotated[str, Query(description="1-based")] = "1",
    page_size: Annotated[str | None, Query(description="At most 10, the default")] = None,
) -> dict[str, Any]:
    """Uploaded photos, latest capture first, filtered by job or line item."""
    sent = {
        "inspection": job_inspection_line_item,
        "estimate": estimate_line_item,
        "supplemental": supplemental_line_item,
        "change_order": change_order_line_item,
    }
    links = {kind: item for kind, item in sent.items() if item is not None}
    which = photos.PhotoFilter(job=job, line_items=links, order="newest_taken")
    result = photos.page(call.uow, call.principal, which, _paging(page, page_size))
    return wire.page(_on_a_page(result), _here(call, request), wire.photo)


@router.get("/jobs/", summary="List jobs")
def list_jobs(
    request: Request,
    call: Caller,
    page: Annotated[str, Query(description="1-based")] = "1",
    page_size: Annotated[str | None, Query(description="At most 10, the default")] = None,
) -> dict[str, Any]:
    """The company's jobs, newest first: the integer ids that photos and line items take."""
    result = jobs.page(call.uow, call.principal, _paging(page, page_size))
    return wire.page(_on_a_page(result), _here(call, request), wire.job)


@router.get("/jobs/{job_id}/", summary="Retrieve a job")
def get_job(job_id: int, call: Caller) -> dict[str, Any]:
    """One job: its id, name and address."""
    return wire.job(jobs.view(call.uow, call.principal, job_id))


@router.get("/photos/{photo_id}/", summary="Retrieve a photo")
def get_photo(photo_id: int, call: Caller) -> dict[str, Any]:
    """One photo; one not yet uploaded only for its creator."""
    return wire.photo(photos.get(call.uow, call.principal, photos.PhotoRef(id=photo_id)))


@router.patch("/photos/{photo_id}/", summary="Update a photo")
@router.put("/photos/{photo_id}/", summary="Update a photo (PUT)")
def update_photo(photo_id: int, body: Annotated[PhotoBody, Body()], call: Caller) -> dict[str, Any]:
    """Name, description, tags, related items and links; only the fields sent change."""
    ref = photos.PhotoRef(id=photo_id)
    return wire.photo(photos.update(call.uow, call.principal, ref, body.changes()))


@router.delete("/photos/{photo_id}/", summary="Delete a photo", status_code=204)
def delete_photo(photo_id: int, call: Caller) -> Response:
    """Soft delete: gone from lists and lookups here, the file is kept."""
    photos.delete(call.uow, call.principal, photos.PhotoRef(id=photo_id))
    return Response(status_code=204)


@router.post("/line-items/", summary="Create a line item", status_code=201)
def create_line_item(body: Annotated[LineItemBody, Body()], call: Caller) -> dict[str, Any]:
    """An inspection, estimate, supplemental or change-order item on a job."""
    item = lineitems.create(
        call.uow, call.principal, body.job, body.kind, body.description, body.quantity,
        body.unit_price,
    )  # fmt: skip
    return wire.line_item(item)


@router.get("/line-items/", summary="List line items")
def list_line_items(
    call: Caller, job: int | None = None, kind: str | None = None
) -> dict[str, Any]:
    """The company's line items, by job and kind."""
    return wire.line_items(lineitems.list_for(call.uow, call.principal, job, kind))


def _paging(page: str, page_size: str | None) -> PageRequest:
    """DRF's rule: a page that is not a positive number is no page; a bad size is the default."""
    number = _positive(page)
    if number is None:
        raise errors.InvalidPage()
    size = _positive(page_size) if page_size is not None else None
    return PageRequest(number, size or PAGE_SIZE, PAGE_SIZE, per_page_field="page_size")


def _on_a_page(result: Page[T]) -> Page[T]:
    """The page, unless it lies past the last (the first page of nothing is a page)."""
    if result.page > max(result.total_pages, 1):
        raise errors.InvalidPage()
    return result


def _positive(text: str) -> int | None:
    try:
        value = int(text)
    except ValueError:
        return None
    return value if value > 0 else None


def _here(call: Call, request: Request) -> str:
    return f"{call.base_url}{request.url.path}?{request.url.query}"


# RoofLink's clients are configured with its base URL, which puts /light/ under this path.
VENDOR_BASE = "/roof_link_endpoints/api"
API = Api(
    "Direct-upload photos",
    router,
    ("/light/", f"{VENDOR_BASE}/light/"),
    errors.render,
    mounts=("", VENDOR_BASE),
    errors=errors.RESPONSES,
)
