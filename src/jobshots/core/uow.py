"""One unit of work per request or task: commit or roll back, then run follow-ups."""

from __future__ import annotations

import logging
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from jobshots.core.context import Context

log = logging.getLogger(__name__)


class UnitOfWork:
    """A session plus what must happen after it commits or rolls back."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._after_commit: list[Callable[[], None]] = []
        self._on_rollback: list[Callable[[], None]] = []
        self.session: Session

    def __enter__(self) -> UnitOfWork:
        self.session = self.ctx.sessions()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if exc_type is None:
                try:
                    self.session.commit()
                except BaseException:
                    self._roll_back()
                    raise
                self._run(self._after_commit)
            else:
                self._roll_back()
        finally:
            self.session.close()

    def after_commit(self, action: Callable[[], None]) -> None:
        """Run `action` once the transaction has committed (e.g. enqueue a task)."""
        self._after_commit.append(action)

    def on_rollback(self, action: Callable[[], None]) -> None:
        """Run `action` if the transaction rolls back (e.g. delete a stored file)."""
        self._on_rollback.append(action)

    def _roll_back(self) -> None:
        self.session.rollback()
        self._run(self._on_rollback)

    @staticmethod
    def _run(actions: list[Callable[[], None]]) -> None:
        for action in actions:
            try:
                action()
            except Exception:
                # A follow-up failing must not undo what already committed; the
                # recovery sweep finds unfinished work again from the database.
                log.exception("follow-up action failed")
