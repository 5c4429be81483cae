"""What the core asks of a task runner."""

from __future__ import annotations

from typing import Protocol


class TaskRunner(Protocol):
    """Runs media processing outside the request that asked for it."""

    def enqueue_photo(self, photo_id: int) -> None:
        """Ask for a photo to be processed; called only after its row has committed."""
        ...

    def close(self) -> None:
        """Stop taking work and release resources."""
        ...


class DatabaseOnly:
    """Enqueues nothing: the photo waits in the database for a serving process's recovery sweep.

    Used by one-off commands (the CLI) on SQLite, where the workers live inside `jobshots serve`.
    """

    def enqueue_photo(self, photo_id: int) -> None:
        """Nothing to do: the row itself is the record of work to be done."""

    def close(self) -> None:
        """Nothing to release."""
