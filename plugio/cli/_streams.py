"""Finding a task's stream for ``plugio logs`` and ``plugio metrics``, or saying it is not there."""

from __future__ import annotations

import time

import typer

from plugio.cli._output import EXIT_SYSTEM, fail, say
from plugio.storage import DataStore
from plugio.stream import StreamHead, StreamReader, attempt_stream_prefix

__all__ = ["open_stream"]


def open_stream(
    prefix: str, raw: bool, *, wait: bool, interval: float
) -> tuple[StreamReader, StreamHead]:
    """The reader of the stream of ``prefix`` (or ``prefix`` itself with ``raw``), and its head.

    A stream that is not there is one line on stderr and exit 4; with
    ``wait``, a line saying so, then a look every ``interval`` seconds until
    it appears.
    """
    where = prefix if raw else attempt_stream_prefix(prefix)
    reader = StreamReader(DataStore.from_url(prefix), where)
    head = reader.head()
    if head is not None:
        return reader, head
    if not wait:
        fail(f"no stream at {where}: nothing has been recorded there")
        raise typer.Exit(EXIT_SYSTEM)
    say(f"waiting for the stream at {where} to start...", "dim", err=True)
    while head is None:
        time.sleep(interval)
        head = reader.head()
    return reader, head
