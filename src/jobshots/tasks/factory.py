"""Choosing the runner a process needs from its settings."""

from __future__ import annotations

from jobshots.core.context import Context
from jobshots.core.tasks import TaskRunner
from jobshots.tasks.base import DatabaseOnly


def runner_for(ctx: Context, *, serving: bool) -> TaskRunner:
    """PostgreSQL: Procrastinate. SQLite: workers inside the server, nothing in one-off commands."""
    if ctx.settings.uses_postgresql:
        from jobshots.tasks.distributed import ProcrastinateRunner

        return ProcrastinateRunner(ctx.settings.database_url)
    if serving:
        from jobshots.tasks.local import LocalRunner

        return LocalRunner(ctx).start()
    return DatabaseOnly()
