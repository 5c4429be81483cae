"""What the core asks of a task runner: run a named task with a payload, after commit."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

Payload = dict[str, int | str]


@dataclass(frozen=True)
class Task:
    """A named piece of background work; its `key` allows one waiting and one running at once."""

    name: str
    payload: Payload = field(default_factory=dict)

    @property
    def key(self) -> str:
        """The name and payload as one string: two tasks with equal keys are the same work."""
        return ":".join([self.name, *(f"{k}={v}" for k, v in sorted(self.payload.items()))])


class TaskRunner(Protocol):
    """Runs tasks outside the request that asked for them.

    Every task's need is also recorded in the database (a photo not yet processed), so a
    runner that loses a task loses time, never work: the recovery sweep finds it again.
    """

    def enqueue(self, task: Task) -> None:
        """Ask for `task` to run; called only after the rows it reads have committed."""
        ...

    def close(self) -> None:
        """Stop taking work and release resources."""
        ...
