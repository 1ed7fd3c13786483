"""The exceptions of live streams, kept in plugio's one exception tree."""

from plugio.errors import JournalError, StaleWriterError

__all__ = ["JournalError", "StaleWriterError"]
