"""The runner of one-off commands, which leaves all work to the database."""

from __future__ import annotations

from jobshots.core.tasks import Task


class DatabaseOnly:
    """Enqueues nothing: the work waits in the database for a serving process's recovery sweep.

    Used by one-off commands (the CLI) on SQLite, where the workers live inside `jobshots serve`.
    """

    def enqueue(self, task: Task) -> None:
        """Nothing to do: the row itself is the record of work to be done."""

    def close(self) -> None:
        """Nothing to release."""
