"""Where an unfinished attempt stands, from its stream's head: running, killed, never started.

An attempt with neither outputs nor an error has not finished; the head of
the stream ``plugio run`` keeps under its prefix tells how far it got. An
attempt with no head at all never started, unless its bucket is missing or
cannot be read, which is a problem of its own (one listing per bucket).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from plugio.errors import NotFoundError, PlugioError
from plugio.references import parse_reference
from plugio.storage import DataStore, bounded_gather
from plugio.stream import StreamHead, StreamReader, StreamState, attempt_stream_prefix

__all__ = ["Liveness", "liveness_of"]

#: A running attempt whose heartbeat is older than this many seconds has stalled (default).
STALE_AFTER = 300.0


@dataclass(frozen=True)
class Liveness:
    """How far an unfinished attempt got.

    Attributes:
        label: ``running``, ``stalled`` (heartbeat too old), ``killed``,
            ``ended`` (its command ended, its files are not there),
            ``never started`` or ``unknown`` (the head could not be read).
        heartbeat_age: seconds since the writer's last heartbeat.
        exit_code: the command's exit code, when the stream recorded one.
        problem: why the head could not be read; for a missing or unreadable
            bucket, the plugio error saying so.
    """

    label: str
    heartbeat_age: float | None = None
    exit_code: int | None = None
    problem: PlugioError | None = None

    @property
    def bucket_problem(self) -> bool:
        """Whether the attempt's bucket itself is missing or cannot be read."""
        return self.problem is not None and self.label == "never started"

    def describe(self) -> str:
        """One line for a person."""
        if self.problem is not None:
            return f"{type(self.problem).__name__}: {_first_line(str(self.problem))}"
        parts = []
        if self.heartbeat_age is not None and self.label in ("running", "stalled"):
            parts.append(f"heartbeat {_age(self.heartbeat_age)} ago")
        if self.exit_code is not None:
            parts.append(f"exit code {self.exit_code}")
        if self.label == "ended":
            parts.append("no outputs and no error document")
        return ", ".join(parts)


def liveness_of(
    store: DataStore,
    prefixes: Sequence[str],
    *,
    concurrency: int = 64,
    stale_after: float = STALE_AFTER,
) -> list[Liveness]:
    """The liveness of each attempt under ``prefixes``, in order; none hides the others."""
    streams = [attempt_stream_prefix(prefix) for prefix in prefixes]
    now = time.time()
    if store.prefers_blocking(*streams):
        heads = [_head(store, stream) for stream in streams]
    else:
        heads = store.run(_heads_async(store, streams, concurrency), *streams)
    found = [_liveness(head, now, stale_after) for head in heads]
    missing = {i for i, item in enumerate(found) if item.label == "never started"}
    roots = {_bucket_root(prefixes[i]) for i in missing} - {None}
    problems = {root: _bucket_problem(store, root) for root in sorted(r for r in roots if r)}
    return [
        Liveness(item.label, problem=problems.get(_bucket_root(prefixes[i]) or ""))
        if i in missing
        else item
        for i, item in enumerate(found)
    ]


def _head(store: DataStore, stream: str) -> StreamHead | PlugioError | None:
    try:
        return StreamReader(store, stream).head()
    except PlugioError as exc:
        return exc


async def _heads_async(
    store: DataStore, streams: list[str], concurrency: int
) -> list[StreamHead | PlugioError | None]:
    def job(stream: str) -> Callable[[], Awaitable[StreamHead | PlugioError | None]]:
        async def read() -> StreamHead | PlugioError | None:
            try:
                return await StreamReader(store, stream).head_async()
            except PlugioError as exc:
                return exc

        return read

    return await bounded_gather([job(stream) for stream in streams], concurrency)


def _liveness(head: StreamHead | PlugioError | None, now: float, stale_after: float) -> Liveness:
    if head is None:
        return Liveness("never started")
    if isinstance(head, PlugioError):
        return Liveness("unknown", problem=head)
    age = max(0.0, now - head.heartbeat) if head.heartbeat else None
    if head.state is StreamState.RUNNING:
        label = "stalled" if age is not None and age > stale_after else "running"
        return Liveness(label, age)
    label = "killed" if head.state is StreamState.KILLED else "ended"
    return Liveness(label, age, head.exit_code)


def _bucket_root(prefix: str) -> str | None:
    """``scheme://bucket/`` of a cloud prefix; None for a local one."""
    parsed = parse_reference(prefix)
    if parsed.scheme in ("", "file", "memory") or not parsed.container:
        return None
    return f"{parsed.scheme}://{parsed.container}/"


def _bucket_problem(store: DataStore, root: str) -> PlugioError | None:
    """The error met listing ``root`` (a missing bucket, access denied), or None."""
    try:
        next(iter(store.list(root, page_size=1)), None)
    except NotFoundError:
        return NotFoundError("the bucket does not exist", root)
    except PlugioError as exc:
        return exc
    return None


def _age(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f}s"
    if seconds < 7200:
        return f"{seconds / 60:.0f}m"
    return f"{seconds / 3600:.1f}h"


def _first_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[0] if lines else ""
