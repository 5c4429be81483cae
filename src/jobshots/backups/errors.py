"""What can stop a backup or a restore; each message names what failed."""

from __future__ import annotations


class BackupFailed(Exception):
    """The backup could not be taken; the directory holds no finished backup."""


class RestoreRefused(Exception):
    """The restore was refused or failed; the message says what to do."""


class BackupCorrupt(Exception):
    """Files of the backup do not match its manifest; nothing was restored."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(f"{len(problems)} file(s) of the backup do not match its manifest")
        self.problems = problems
