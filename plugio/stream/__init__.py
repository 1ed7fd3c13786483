"""Live task streams: console, metrics, events and a summary, on object storage.

A running task writes through a ``StreamWriter``; anyone reads, or follows,
through a ``StreamReader``; ``sync`` finishes what a writer left in its local
journal (after a deadline passed, or the process was killed)::

    stream = StreamWriter(store, prefix, journal_dir=journal_dir, epoch=attempt_number)
    stream.close(exit_code=run_process(stream, ["python", "train.py"]))

    for record in follow(prefix, store):  # elsewhere, while it runs
        print(record)

Object storage cannot append, so a stream under ``prefix`` is immutable chunk
objects ``chunks/<seq:012d>.jsonl`` (JSON lines: a header with the writer and
per-stream offsets, then segments of records), a small ``head.json`` rewritten
after each send and as a heartbeat (owner, last chunk, offsets, state, exit
code), and ``summary.json``. Readers read the head and the chunks it names,
never listing.
"""

from __future__ import annotations

from collections.abc import Iterator

from plugio.storage import DataStore
from plugio.stream._errors import JournalError, StaleWriterError
from plugio.stream._layout import (
    ConsoleLine,
    MetricRow,
    Record,
    StreamEvent,
    StreamHead,
    StreamState,
    attempt_stream_prefix,
)
from plugio.stream._pipeline import FinishResult
from plugio.stream._policy import StreamPolicy
from plugio.stream._process import pump_process, run_process
from plugio.stream._reader import StreamReader, StreamSnapshot
from plugio.stream._sync import sync
from plugio.stream._writer import StreamWriter

__all__ = [
    "ConsoleLine",
    "FinishResult",
    "JournalError",
    "MetricRow",
    "Record",
    "StaleWriterError",
    "StreamEvent",
    "StreamHead",
    "StreamPolicy",
    "StreamReader",
    "StreamSnapshot",
    "StreamState",
    "StreamWriter",
    "attempt_stream_prefix",
    "follow",
    "pump_process",
    "read",
    "run_process",
    "sync",
]


def follow(
    prefix: str,
    store: DataStore | None = None,
    *,
    poll_interval: float = 1.0,
    from_start: bool = True,
    stale_after: float | None = None,
    timeout: float | None = None,
) -> Iterator[Record]:
    """Yield the records of the stream at ``prefix`` as they arrive, until it ends.

    ``store`` defaults to ``DataStore()`` (environment); the other arguments
    are those of :meth:`StreamReader.follow`.
    """
    reader = StreamReader(store if store is not None else DataStore(), prefix)
    yield from reader.follow(
        poll_interval, from_start=from_start, stale_after=stale_after, timeout=timeout
    )


def read(prefix: str, store: DataStore | None = None) -> StreamSnapshot:
    """Everything the stream at ``prefix`` holds now, with its head and summary."""
    return StreamReader(store if store is not None else DataStore(), prefix).read()
