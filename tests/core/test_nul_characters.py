"""Text holding a NUL character is refused before it is written, on every database alike."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from jobshots.core.companies import service as companies
from jobshots.core.context import Context
from jobshots.core.errors import Invalid
from jobshots.core.jobs import service as jobs
from jobshots.core.jobs.changes import JobChanges
from jobshots.core.users import service as users
from jobshots.db.models import Job


def test_a_nul_character_in_a_field_is_refused_naming_it_and_nothing_is_stored(
    ctx: Context,
) -> None:
    with ctx.uow() as uow:
        company_id = companies.create(uow, "Nul Ltd", "owner@nul.example").company.id

    with pytest.raises(Invalid) as refused, ctx.uow() as uow:
        jobs.create(uow, users.acting_as(users.owner_of(uow, company_id)), "Boiler\x00service")
    assert refused.value.fields == {"title": ["must not contain NUL characters"]}

    with ctx.uow() as uow:
        job = jobs.create(uow, users.acting_as(users.owner_of(uow, company_id)), "Boiler service")
    change = JobChanges({"description": "a\x00b"})
    with pytest.raises(Invalid) as changed, ctx.uow() as uow:
        jobs.change(uow, users.acting_as(users.owner_of(uow, company_id)), str(job.uuid), change)
    assert set(changed.value.fields) == {"description"}

    with ctx.uow() as uow:
        stored = uow.session.scalars(select(Job.description)).all()
        assert stored == [""]
        assert uow.session.scalar(select(func.count()).select_from(Job)) == 1
