"""Where ``plugio run`` streams an attempt: a writer of its own, or the plugio service.

Through the service, the command's processes and their children attach to the
same stream (the token and the stream's prefix are in their environment), each
record tagged with its process; ``plugio run``'s capture of the command's
console goes through the service too, untagged.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from plugio.service import STREAM_ENV, TOKEN_ENV, ServiceClient, ServiceFinish, connect
from plugio.storage import DataStore
from plugio.stream import StreamState, StreamWriter, attempt_stream_prefix

__all__ = ["AttemptSink", "StreamEnd", "close_stream", "open_stream", "stream_environment"]

AttemptSink = StreamWriter | ServiceClient
"""What an attempt's console, metrics and events go to."""


@dataclass(frozen=True)
class StreamEnd:
    """How the attempt's stream was finished.

    Attributes:
        journal_kept: The writer's own journal still holds what could not be sent.
        finish: The service's answer (state, summary, sampled history), through it.
    """

    journal_kept: bool
    finish: ServiceFinish | None = None


def open_stream(
    store: DataStore,
    outputs: str,
    journal_dir: str | os.PathLike[str],
    epoch: int,
    *,
    service: bool,
) -> AttemptSink:
    """The attempt's stream at ``<outputs>/stream``: its own writer, or through the service.

    Raises:
        ServiceError: The service cannot be found or started.
        JournalError: The writer's journal folder is in use.
    """
    prefix = attempt_stream_prefix(outputs)
    if service:
        return connect(prefix, epoch=epoch, owner=True, tagged=False)
    return StreamWriter(store, prefix, journal_dir=journal_dir, epoch=epoch)


def stream_environment(sink: AttemptSink | None) -> dict[str, str]:
    """The variables that let the command's processes attach to the attempt's stream."""
    if isinstance(sink, ServiceClient):
        return {TOKEN_ENV: sink.service_token, STREAM_ENV: sink.prefix}
    return {}


def close_stream(
    sink: AttemptSink, exit_code: int | None, state: StreamState, deadline: float
) -> StreamEnd:
    """Finish the stream with the command's exit code and the attempt's state."""
    if isinstance(sink, ServiceClient):
        return StreamEnd(False, sink.close(exit_code=exit_code, state=state, deadline=deadline))
    finished = sink.close(exit_code=exit_code, state=state, deadline=deadline)
    return StreamEnd(not finished.complete and finished.fenced is None)
