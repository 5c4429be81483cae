"""E-mailing photos to the customer on a server with no mail server: refused at once, clearly."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from jobshots.core.companies import service as companies
from jobshots.core.context import Context
from jobshots.core.errors import Invalid
from jobshots.core.jobs import service as jobs
from jobshots.core.photos import customer_mail
from jobshots.core.users import service as users
from jobshots.db.models import AuditEvent


def test_without_a_mail_server_the_email_is_refused_before_anything_is_queued(
    ctx: Context,
) -> None:
    assert not ctx.settings.smtp_url
    with ctx.uow() as uow:
        made = companies.create(uow, "Acme", "owner@acme.example", "Olive Owner")
        owner = users.acting_as(made.owner)
        job = jobs.create(uow, owner, "Fence repair")
        email = customer_mail.CustomerEmail([], "customer@example.com", "Your photos")
        with pytest.raises(Invalid) as refused:
            customer_mail.send(uow, owner, str(job.uuid), email)
    assert any("no SMTP server" in text for text in refused.value.fields["to"])
    with ctx.uow() as uow:
        actions = uow.session.scalars(select(AuditEvent.action)).all()
    assert not [action for action in actions if action.startswith("photos.")]
