"""Photos whose bytes go straight to storage: create with an upload form, then finalize."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from jobshots.core import audit, permissions
from jobshots.core.companies import policy
from jobshots.core.errors import Invalid, NotFound
from jobshots.core.jobs import service as jobs
from jobshots.core.lineitems import service as lineitems
from jobshots.core.pagination import Page
from jobshots.core.photos import repository
from jobshots.core.photos.service import photo_company
from jobshots.core.principal import Principal
from jobshots.core.uow import UnitOfWork
from jobshots.db.models import Company, Job, LineItem, Photo
from jobshots.db.types import utcnow
from jobshots.media import sniff
from jobshots.storage import keys
from jobshots.storage.base import UploadForm

NAME_MAX = 150
RELATED_MAX = 25
MAX_PER_PAGE = 100
# Line-item link of a photo, by kind: the Photo column that holds it.
LINK_COLUMNS = {
    "inspection": "inspection_line_item_id",
    "estimate": "estimate_line_item_id",
    "supplemental": "supplemental_line_item_id",
    "change_order": "change_order_line_item_id",
}
_TYPES_BY_SUFFIX = {
    "png": ("image/png", "png"),
    "webp": ("image/webp", "webp"),
    "heic": ("image/heic", "heic"),
    "heif": ("image/heif", "heif"),
    "mov": ("video/quicktime", "mov"),
    "mp4": ("video/mp4", "mp4"),
}


@dataclass(frozen=True)
class PhotoFields:
    """What a client may set on a direct-upload photo; `given` names the fields it sent."""

    name: str | None = None
    description: str | None = None
    job: int | None = None
    line_items: dict[str, int | None] = field(default_factory=dict)
    tags: list[str] | None = None
    related_to: list[str] | None = None
    exif: dict[str, Any] | None = None
    is_video: bool = False
    offline_id: str | None = None
    given: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Created:
    """The photo, and a form to upload its bytes with (None once they are in)."""

    photo: Photo
    upload: UploadForm | None
    created: bool


def create(uow: UnitOfWork, principal: Principal, fields: PhotoFields) -> Created:
    """Record a photo and hand back a form for its bytes; the same offline id returns it again."""
    company = photo_company(uow, principal, permissions.PHOTOS_MANAGE)
    if fields.offline_id:
        existing = repository.by_client_key(uow.session, company.id, fields.offline_id)
        if existing is not None:
            return Created(existing, _form_if_pending(uow, company, existing), created=False)
    photo = Photo(company_id=company.id, created_by_id=principal.user_id, state="pending")
    _apply(uow, principal, photo, fields, creating=True)
    content_type, extension = _expected_type(photo.name, fields.is_video)
    photo.storage_key = keys.direct_upload(company.uuid, photo.name, extension)
    photo.mime_type, photo.is_video = content_type, fields.is_video
    photo.client_key = fields.offline_id or None
    photo.uploaded_by_id = photo.updated_by_id = principal.user_id
    uow.session.add(photo)
    uow.session.flush()
    audit.record(uow, principal, "photo.created", "photo", photo.uuid, job_id=photo.job_id)
    return Created(photo, _form_if_pending(uow, company, photo), created=True)


def finalize(uow: UnitOfWork, principal: Principal, photo_id: int) -> Photo:
    """Check the uploaded object and make the photo visible; finalizing twice is harmless."""
    company = photo_company(uow, principal, permissions.PHOTOS_MANAGE)
    photo = get(uow, principal, photo_id)
    if photo.state != "pending":
        return photo
    storage = uow.ctx.storage
    size = storage.size(photo.storage_key)
    if size is None or size == 0:
        raise Invalid.field("file", "has not been uploaded to the upload URL")
    limit = policy.upload_limit(uow, company)
    if size > limit:
        storage.delete(photo.storage_key)
        raise Invalid.field("file", f"is {size} bytes; the limit is {limit} bytes")
    try:
        kind = sniff.require_accepted(storage.read_head(photo.storage_key, sniff.HEAD_BYTES))
    except Invalid:
        storage.delete(photo.storage_key)
        raise
    policy.check_upload_quota(uow, company, 1, size)
    now = utcnow()
    photo.mime_type, photo.is_video, photo.file_size = kind.mime_type, kind.is_video, size
    photo.width, photo.height = kind.width, kind.height
    photo.state, photo.stored_at, photo.updated_by_id = "stored", now, principal.user_id
    if photo.taken_at is None:
        photo.taken_at, photo.taken_at_source = now, "upload"
    audit.record(uow, principal, "photo.uploaded", "photo", photo.uuid, job_id=photo.job_id)
    photo_id = photo.id
    uow.after_commit(lambda: uow.ctx.tasks.enqueue_photo(photo_id))
    return photo


def get(uow: UnitOfWork, principal: Principal, photo_id: int) -> Photo:
    """A live photo of the caller's company; one not yet uploaded only for whoever created it."""
    photo_company(uow, principal, permissions.PHOTOS_VIEW)
    photo = uow.session.scalars(
        select(Photo).where(
            Photo.id == photo_id,
            Photo.company_id == principal.company_id,
            Photo.deleted_at.is_(None),
        )
    ).one_or_none()
    if photo is None or (photo.state == "pending" and photo.created_by_id != principal.user_id):
        raise NotFound("photo not found")
    return photo


def list_page(
    uow: UnitOfWork,
    principal: Principal,
    *,
    job: int | None,
    line_items: dict[str, int],
    page: int,
    per_page: int,
) -> Page[Photo]:
    """A page of the company's uploaded photos, by capture date."""
    photo_company(uow, principal, permissions.PHOTOS_VIEW)
    if page < 1:
        raise Invalid.field("page", "must be 1 or more")
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    links = {LINK_COLUMNS[kind]: item for kind, item in line_items.items()}
    items, total = repository.page_by_capture(
        uow.session, principal.company_id, job_id=job, links=links,
        offset=(page - 1) * per_page, limit=per_page,
    )  # fmt: skip
    return Page(items=items, page=page, per_page=per_page, total=total)


def update(uow: UnitOfWork, principal: Principal, photo_id: int, fields: PhotoFields) -> Photo:
    """Change a photo's name, description, tags or links; only the fields given change."""
    principal.require(permissions.PHOTOS_MANAGE)
    photo = get(uow, principal, photo_id)
    _apply(uow, principal, photo, fields, creating=False)
    photo.updated_by_id = principal.user_id
    photo.updated_at = utcnow()
    audit.record(uow, principal, "photo.updated", "photo", photo.uuid, job_id=photo.job_id)
    return photo


def delete(uow: UnitOfWork, principal: Principal, photo_id: int) -> None:
    """Soft-delete: the photo disappears from every list; its file is kept as evidence."""
    principal.require(permissions.PHOTOS_MANAGE)
    photo = get(uow, principal, photo_id)
    photo.deleted_at = utcnow()
    photo.updated_by_id = principal.user_id
    audit.record(uow, principal, "photo.deleted", "photo", photo.uuid, job_id=photo.job_id)


def _apply(
    uow: UnitOfWork, principal: Principal, photo: Photo, fields: PhotoFields, *, creating: bool
) -> None:
    errors: dict[str, list[str]] = {}
    given = fields.given | ({"name"} if creating else frozenset())
    if "name" in given:
        name = (fields.name or "").strip()
        if not name:
            errors["name"] = ["must be provided"]
        elif len(name) > NAME_MAX:
            errors["name"] = [f"must be at most {NAME_MAX} characters"]
        photo.name = name
    if "description" in given:
        photo.description = fields.description
    if "tags" in given:
        photo.tags = [str(tag) for tag in fields.tags or []]
    if "related_to" in given:
        related = [str(item) for item in fields.related_to or []]
        if len(related) > RELATED_MAX:
            errors["related_to"] = [f"must have at most {RELATED_MAX} items"]
        photo.related_to = related
    if creating and fields.exif is not None:
        _read_client_exif(photo, fields.exif, errors)
    _link(uow, principal, photo, fields, errors)
    if errors:
        raise Invalid("photo is invalid", errors)
    if creating and photo.job_id is None and photo.latitude is not None:
        assert photo.longitude is not None
        nearest = jobs.nearest_to(uow, principal, photo.latitude, photo.longitude)
        photo.job_id = nearest.id if nearest else None


def _link(
    uow: UnitOfWork,
    principal: Principal,
    photo: Photo,
    fields: PhotoFields,
    errors: dict[str, list[str]],
) -> None:
    """Set job and line-item links; every id must be the caller's company's."""
    job: Job | None = None
    if "job" in fields.given and fields.job is not None:
        try:
            job = jobs.get_by_id(uow, principal, fields.job)
        except NotFound:
            errors["job"] = ["does not exist"]
    if "job" in fields.given:
        photo.job_id = job.id if job else None
    for kind, item_id in fields.line_items.items():
        item: LineItem | None = None
        if item_id is not None:
            try:
                item = lineitems.get(uow, principal, item_id, kind)
            except NotFound:
                errors[f"{kind}_line_item"] = ["does not exist"]
                continue
        setattr(photo, LINK_COLUMNS[kind], item.id if item else None)
        if kind == "inspection" and item is not None:
            if job is not None and job.id != item.job_id:
                errors["inspection_line_item"] = ["belongs to a different job"]
            photo.job_id = item.job_id


def _read_client_exif(photo: Photo, exif: dict[str, Any], errors: dict[str, list[str]]) -> None:
    """Capture time from `timestamp` (Unix ms) and position from the client's EXIF."""
    photo.client_exif = exif
    stamp = exif.get("timestamp")
    if stamp is not None:
        try:
            photo.taken_at = datetime.fromtimestamp(float(stamp) / 1000, tz=UTC)
            photo.taken_at_source = "client"
        except (TypeError, ValueError, OverflowError, OSError):
            errors["exif"] = ["timestamp must be a Unix time in milliseconds"]
    try:
        position = _position(exif)
    except (TypeError, ValueError):
        errors.setdefault("exif", []).append("location must be a valid latitude and longitude")
        return
    if position is not None:
        photo.latitude, photo.longitude = position


def _position(exif: dict[str, Any]) -> tuple[float, float] | None:
    """`latitude`/`longitude` (or `lat`/`lng`), at the top or under `location`."""
    nested = exif.get("location")
    place: dict[str, Any] = nested if isinstance(nested, dict) else exif
    lat = place.get("latitude", place.get("lat"))
    lon = place.get("longitude", place.get("lng", place.get("lon")))
    if lat is None and lon is None:
        return None
    if lat is None or lon is None:
        raise ValueError("a position needs both latitude and longitude")
    latitude, longitude = float(lat), float(lon)
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise ValueError("position out of range")
    return latitude, longitude


def _expected_type(name: str, is_video: bool) -> tuple[str, str]:
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix in _TYPES_BY_SUFFIX:
        return _TYPES_BY_SUFFIX[suffix]
    return ("video/mp4", "mp4") if is_video else ("image/jpeg", "jpg")


def _form_if_pending(uow: UnitOfWork, company: Company, photo: Photo) -> UploadForm | None:
    if photo.state != "pending":
        return None
    return uow.ctx.storage.upload_form(
        photo.storage_key,
        content_type=photo.mime_type or "application/octet-stream",
        max_bytes=policy.upload_limit(uow, company),
        expires_in=uow.ctx.settings.upload_form_ttl_seconds,
    )
