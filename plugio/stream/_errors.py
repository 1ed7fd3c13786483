"""The exceptions of live streams, under plugio's one root.

::

    PlugioError
    ├── StaleWriterError ................. RuntimeError
    └── JournalError ..................... OSError
"""

from __future__ import annotations

from plugio.errors import PlugioError

__all__ = ["JournalError", "StaleWriterError"]


class StaleWriterError(PlugioError, RuntimeError):
    """Another writer owns the stream: a newer epoch, or a second owner of this one.

    A writer that meets this stops uploading; what it still holds stays in its
    journal. ``epoch`` and ``owner`` name the writer that fenced it out.
    """

    def __init__(self, prefix: str, epoch: int, owner: str, reason: str) -> None:
        super().__init__(f"{prefix}: stream is owned by epoch {epoch} ({owner}): {reason}")
        self.prefix = prefix
        self.epoch = epoch
        self.owner = owner


class JournalError(PlugioError, OSError):
    """A local journal cannot be used: in use, unfinished, or not a journal."""

    def __init__(self, message: str, path: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""
