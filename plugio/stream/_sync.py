"""Finishing a stream from its journal alone: after a deadline passed, or a process died."""

from __future__ import annotations

import os
import time

from plugio.storage import DataStore
from plugio.stream._journal import Journal
from plugio.stream._layout import STREAMS, StreamState
from plugio.stream._pipeline import Ending, FinishResult, finish_stream
from plugio.stream._policy import StreamPolicy
from plugio.stream._transmit import Uploader

__all__ = ["sync"]

DEFAULT_DEADLINE = 300.0


def sync(
    journal_dir: str | os.PathLike[str],
    store: DataStore | None = None,
    *,
    policy: StreamPolicy | None = None,
    deadline: float | None = None,
) -> FinishResult:
    """Upload what a writer's journal still holds and record how the stream ended.

    Works from the journal alone: the stream's prefix, epoch and owner are in
    it. A torn last record (the process killed mid-append) is ignored. The head
    records the state and exit code the writer's ``close`` journaled, or
    ``killed`` (exit code unknown) when the writer never got to close. A
    finished journal is a no-op. Run it only once the writer's process is gone.

    Args:
        journal_dir: the ``journal_dir`` the writer was given.
        store: where the stream is; ``DataStore()`` (environment) by default.
        policy: chunk size and journal handling; ``StreamPolicy()`` by default.
        deadline: seconds to keep retrying transient failures (300 by default).

    Raises:
        JournalError: No journal there, or a running writer holds it.
    """
    policy = policy if policy is not None else StreamPolicy()
    journal = Journal.open(os.fspath(journal_dir), fsync=policy.fsync)
    state = journal.state
    ending = _ending(state.close)
    if state.done:
        _release(journal, policy, complete=True)
        return FinishResult(complete=True, state=ending.state, exit_code=ending.exit_code)
    uploader = Uploader(
        store if store is not None else DataStore(),
        str(state.meta["prefix"]),
        epoch=int(state.meta["epoch"]),
        owner=str(state.meta["owner"]),
        conditional=policy.conditional_create,
    )
    result = finish_stream(
        journal,
        uploader,
        ending,
        summary=state.summary,
        dropped=dict.fromkeys(STREAMS, 0),
        policy=policy,
        deadline=time.monotonic() + (DEFAULT_DEADLINE if deadline is None else deadline),
    )
    _release(journal, policy, complete=result.complete)
    return result


def _ending(close: dict[str, object] | None) -> Ending:
    if close is None:
        return Ending(StreamState.KILLED, None, round(time.time(), 3))
    code = close.get("exit_code")
    ended = close.get("ended")
    return Ending(
        StreamState(str(close.get("state", "unknown"))),
        code if isinstance(code, int) else None,
        float(ended) if isinstance(ended, (int, float)) else round(time.time(), 3),
    )


def _release(journal: Journal, policy: StreamPolicy, *, complete: bool) -> None:
    if complete and not policy.keep_journal:
        journal.remove()
    else:
        journal.close()
