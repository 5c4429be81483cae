"""A streamed page of photos reads in batches: its queries do not grow with its photos."""

from __future__ import annotations

import uuid

from sqlalchemy import event, insert, select

from jobshots.core.apikeys import service as apikeys
from jobshots.core.companies import service as companies
from jobshots.core.context import Context
from jobshots.core.pagination import PageRequest
from jobshots.core.photos import service as photos
from jobshots.db.models import Photo, Rendition
from jobshots.db.types import utcnow


def _company_with_photos(ctx: Context, name: str, count: int) -> str:
    with ctx.uow() as uow:
        made = companies.create(uow, name, f"owner@{name.lower()}.example")
        now = utcnow()
        uow.session.execute(
            insert(Photo),
            [
                {
                    "uuid": uuid.uuid4(),
                    "company_id": made.company.id,
                    "state": "processed",
                    "created_by_id": made.owner.id,
                    "uploaded_by_id": made.owner.id,
                    "updated_by_id": made.owner.id,
                    "client_key": f"{name}-{n}",
                    "storage_key": f"{name}/{n}/original.jpg",
                    "mime_type": "image/jpeg",
                    "created_at": now,
                    "updated_at": now,
                    "tags": [],
                    "related_to": [],
                }
                for n in range(count)
            ],
        )
        ids = uow.session.scalars(select(Photo.id).where(Photo.company_id == made.company.id))
        uow.session.execute(
            insert(Rendition),
            [
                {
                    "uuid": uuid.uuid4(),
                    "photo_id": photo_id,
                    "kind": "thumbnail",
                    "storage_key": f"{name}/{photo_id}/thumbnail.jpg",
                    "mime_type": "image/jpeg",
                    "width": 200,
                    "height": 150,
                    "file_size": 9000,
                    "created_at": now,
                }
                for photo_id in ids
            ],
        )
    return made.api_key


def _streamed(ctx: Context, key: str) -> tuple[int, int]:
    """(photos rendered, statements run) for one company-wide streamed page."""
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    with ctx.uow() as uow:
        principal = apikeys.authenticate(uow, key, None)
        event.listen(ctx.engine, "before_cursor_execute", count)
        try:
            page = photos.stream(
                uow, principal, photos.PhotoFilter(), PageRequest(1, 20_000, 20_000)
            )
            shown = [view for view in page.items if view.url_of("thumbnail")]
        finally:
            event.remove(ctx.engine, "before_cursor_execute", count)
    return len(shown), len(statements)


def test_a_streamed_page_runs_the_same_few_queries_for_3_photos_or_1200(ctx: Context) -> None:
    few = _company_with_photos(ctx, "Few", 3)
    many = _company_with_photos(ctx, "Many", 1200)
    few_shown, few_statements = _streamed(ctx, few)
    many_shown, many_statements = _streamed(ctx, many)
    assert (few_shown, many_shown) == (3, 1200)
    # The total, the page's ids, then per batch of 500 its photos and their renditions:
    # two queries for each of the two more batches, nothing per photo.
    assert many_statements <= few_statements + 4, (few_statements, many_statements)
