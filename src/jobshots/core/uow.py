"""One unit of work per request or task: commit or roll back, then run follow-ups."""

from __future__ import annotations

import logging
from collections.abc import Callable
from types import TracebackType

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, sessionmaker

from jobshots.config import Settings
from jobshots.core.errors import Invalid
from jobshots.core.evidence import chain, signing
from jobshots.core.tasks import Task, TaskRunner
from jobshots.db.models import AuditEvent
from jobshots.storage.base import Storage

log = logging.getLogger(__name__)


class UnitOfWork:
    """A session, the stores the core writes to, and what must happen after commit or rollback."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        settings: Settings,
        storage: Storage,
        tasks: TaskRunner,
    ) -> None:
        self.settings = settings
        self.storage = storage
        self._sessions = sessions
        self._tasks = tasks
        self._after_commit: list[Callable[[], None]] = []
        self._on_rollback: list[Callable[[], None]] = []
        self._history: list[AuditEvent] = []
        self.session: Session

    def __enter__(self) -> UnitOfWork:
        self.session = self._sessions()
        event.listen(self.session, "before_flush", refuse_nul_characters)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if exc_type is None:
                self.commit()
            else:
                self._roll_back()
        finally:
            self.session.close()

    def commit(self) -> None:
        """Commit what is done so far and run its follow-ups; later work starts a new transaction.

        Called mid-request only to hand back the connection (and SQLite's write lock) before a
        long wait, such as an upload streaming in.
        """
        try:
            if self._history:
                events, self._history = self._history, []
                chain.append(self.session, self.signer, events)
            self.session.commit()
        except BaseException:
            self._roll_back()
            raise
        self._on_rollback.clear()
        actions, self._after_commit = self._after_commit, []
        self._run(actions)

    @property
    def signer(self) -> signing.Signer:
        """The server's signing key."""
        return signing.signer(self.settings.signing_key_bytes)

    def record(self, event: AuditEvent) -> None:
        """Append `event` to its company's history chain when this transaction commits.

        Linking waits for the commit so the chain's lock is held only for the final flush.
        """
        self._history.append(event)

    def after_commit(self, action: Callable[[], None]) -> None:
        """Run `action` once the transaction has committed."""
        self._after_commit.append(action)

    def on_rollback(self, action: Callable[[], None]) -> None:
        """Run `action` if the transaction rolls back (e.g. delete a stored file)."""
        self._on_rollback.append(action)

    def enqueue(self, task: Task) -> None:
        """Run `task` in the background once this transaction has committed."""
        self.after_commit(lambda: self._tasks.enqueue(task))

    def _roll_back(self) -> None:
        self._history.clear()
        self.session.rollback()
        actions, self._on_rollback = self._on_rollback, []
        self._after_commit.clear()
        self._run(actions)

    @staticmethod
    def _run(actions: list[Callable[[], None]]) -> None:
        for action in actions:
            try:
                action()
            except Exception:
                # A follow-up failing must not undo what already committed; the
                # recovery sweep finds unfinished work again from the database.
                log.exception("follow-up action failed")


def refuse_nul_characters(session: Session, _context: object, _instances: object) -> None:
    """Refuse text holding a NUL character before it is written, naming the field.

    PostgreSQL cannot store one in a text column (SQLite can), so without this the same
    request would be stored on one database and fail with a 500 on the other. JSON values are
    left alone (EXIF keeps Fulcrum's "\\u0000" verbatim).
    """
    for row in (*session.new, *session.dirty):
        state = inspect(row)
        for column in state.mapper.column_attrs:
            value = state.dict.get(column.key)  # loaded values only: nothing is fetched
            if isinstance(value, str) and "\x00" in value:
                raise Invalid.field(column.key, "must not contain NUL characters")
