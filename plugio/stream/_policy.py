"""How often a stream writer sends, how large its chunks grow, how long it waits at the end."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from plugio._environment import gather

__all__ = ["StreamPolicy"]

MIB = 1024 * 1024


class StreamPolicy(BaseModel):
    """The pacing, size and durability settings of a ``StreamWriter``.

    Sends start every ``first_interval`` seconds and stretch by
    ``interval_growth`` after each send, up to ``max_interval``; a send is made
    at once when the backlog fills a chunk, for an error event, or when asked.
    Arguments first, then ``PLUGIO_STREAM__*`` environment variables, then
    the defaults.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    def __init__(self, **values: Any) -> None:
        gathered = gather({"stream"}, {"stream": values})
        super().__init__(**gathered.values["stream"])

    first_interval: float = Field(default=0.2, gt=0)
    """Seconds between the first sends. Env: ``PLUGIO_STREAM__FIRST_INTERVAL``."""
    max_interval: float = Field(default=10.0, gt=0)
    """Longest wait between sends while data waits. Env: ``PLUGIO_STREAM__MAX_INTERVAL``."""
    interval_growth: float = Field(default=1.25, ge=1)
    """Factor the interval grows by after each send. Env: ``PLUGIO_STREAM__INTERVAL_GROWTH``."""
    heartbeat_interval: float = Field(default=15.0, gt=0)
    """Seconds between head rewrites when nothing is sent.

    Env: ``PLUGIO_STREAM__HEARTBEAT_INTERVAL``.
    """
    journal_interval: float = Field(default=0.1, gt=0)
    """Seconds between moves of new records into the local journal; at most this
    much is lost when the process is killed. Env: ``PLUGIO_STREAM__JOURNAL_INTERVAL``."""
    journal_batch_bytes: int = Field(default=256 * 1024, ge=1024)
    """Buffered text (in characters) that makes the writing thread journal at once.

    Env: ``PLUGIO_STREAM__JOURNAL_BATCH_BYTES``.
    """
    max_chunk_bytes: int = Field(default=MIB, ge=4096)
    """Largest chunk object, unless one journal batch alone is larger. One MiB is
    the largest body the GCS and Azure clients send without warning that it may
    block their event loop. Env: ``PLUGIO_STREAM__MAX_CHUNK_BYTES``."""
    max_line_chars: int = Field(default=64 * 1024, ge=16)
    """Longer console lines are stored as pieces of this many characters and
    joined again by readers. Env: ``PLUGIO_STREAM__MAX_LINE_CHARS``."""
    close_deadline: float = Field(default=30.0, gt=0)
    """Seconds ``close()`` waits when no deadline is given.

    Env: ``PLUGIO_STREAM__CLOSE_DEADLINE``.
    """
    signal_deadline: float = Field(default=10.0, gt=0)
    """Seconds spent flushing on SIGTERM. Env: ``PLUGIO_STREAM__SIGNAL_DEADLINE``."""
    fsync: bool = False
    """Force each journal append to disk; only a machine crash needs it (a killed
    process keeps what reached the kernel). Env: ``PLUGIO_STREAM__FSYNC``."""
    keep_journal: bool = False
    """Keep the journal file after everything was uploaded.

    Env: ``PLUGIO_STREAM__KEEP_JOURNAL``.
    """
    conditional_create: bool = True
    """Create chunks only where absent (needed for fencing); turn off only for a
    store without conditional create. Env: ``PLUGIO_STREAM__CONDITIONAL_CREATE``."""

    @model_validator(mode="after")
    def _consistent(self) -> StreamPolicy:
        if self.first_interval > self.max_interval:
            raise ValueError("first_interval must not exceed max_interval")
        if self.journal_batch_bytes >= self.max_chunk_bytes:
            raise ValueError("journal_batch_bytes must be smaller than max_chunk_bytes")
        return self
