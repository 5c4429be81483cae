"""People as the APIs show them."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from jobshots.db.models import User


@dataclass(frozen=True)
class PersonView:
    """A user named on a photo, job or message."""

    id: int
    uuid: UUID
    first_name: str
    last_name: str
    display_name: str

    @property
    def public_name(self) -> str | None:
        """The name for a public page: never an e-mail address, so the name or nothing."""
        return f"{self.first_name} {self.last_name}".strip() or None


def person(user: User | None) -> PersonView | None:
    """The view of a user, or None."""
    if user is None:
        return None
    return PersonView(
        id=user.id,
        uuid=user.uuid,
        first_name=user.first_name,
        last_name=user.last_name,
        display_name=user.display_name,
    )
