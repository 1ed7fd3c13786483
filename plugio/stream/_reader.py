"""StreamReader: read a stream so far, follow it live, and learn how it ended."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

from plugio.errors import NotFoundError, TransientStorageError
from plugio.storage import DataStore
from plugio.stream._cursor import Cursor
from plugio.stream._layout import (
    ConsoleLine,
    MetricRow,
    Record,
    StreamEvent,
    StreamHead,
    chunk_ref,
    decode_json,
    head_ref,
    summary_ref,
)

__all__ = ["StreamReader", "StreamSnapshot"]

logger = logging.getLogger("plugio.stream")
HEAD_LIMIT = 1024 * 1024
SUMMARY_LIMIT = 64 * 1024 * 1024


@dataclass(frozen=True)
class StreamSnapshot:
    """Everything a stream held when it was read."""

    head: StreamHead | None
    lines: list[ConsoleLine] = field(default_factory=list)
    metrics: list[MetricRow] = field(default_factory=list)
    events: list[StreamEvent] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """The console as text, one line per line."""
        return "".join(f"{line.text}\n" for line in self.lines)

    @property
    def finished(self) -> bool:
        """Whether the stream had ended (its head records how)."""
        return self.head is not None and self.head.finished


class StreamReader:
    """Reads the stream at ``prefix``: the head, then the chunks it names, never listing.

    ``poll`` returns what is new since the previous call; ``follow`` polls
    until the stream is finished. A head of a lower epoch than one already seen
    (a stale writer's late rewrite) is ignored.

    Args:
        store: where the stream is.
        prefix: the stream's reference.
        max_chunk_bytes: refuse chunks larger than this (a corrupt stream).
    """

    def __init__(
        self, store: DataStore, prefix: str, *, max_chunk_bytes: int = 256 * 1024 * 1024
    ) -> None:
        self._store = store
        self._prefix = prefix
        self._limit = max_chunk_bytes
        self._cursor = Cursor()
        self._head: StreamHead | None = None

    @property
    def last_head(self) -> StreamHead | None:
        """The newest head ``poll`` has seen."""
        return self._head

    @property
    def unfinished(self) -> dict[str, str]:
        """The console lines still being written, by stream name, as far as read.

        A follower shows them in place (a progress bar's current drawing) and
        replaces them when the finished line arrives as a record.
        """
        return self._cursor.unfinished()

    @property
    def finished(self) -> bool:
        """Whether the stream has ended and every chunk was read."""
        head = self._head
        return head is not None and head.finished and self._cursor.next_seq > head.seq

    # -- one look ------------------------------------------------------------
    def head(self) -> StreamHead | None:
        """The head as stored now (None before the writer's first), cursor untouched."""
        ref = head_ref(self._prefix)
        try:
            return StreamHead.from_bytes(self._store.read_bytes(ref, limit=HEAD_LIMIT), ref)
        except NotFoundError:
            return None

    async def head_async(self) -> StreamHead | None:
        """Async twin of :meth:`head`."""
        ref = head_ref(self._prefix)
        try:
            data = await self._store.read_bytes_async(ref, limit=HEAD_LIMIT)
        except NotFoundError:
            return None
        return StreamHead.from_bytes(data, ref)

    def poll(self) -> list[Record]:
        """The records that became readable since the previous call, in order."""
        head = self._adopt(self.head())
        records: list[Record] = []
        while head is not None and self._cursor.next_seq <= head.seq:
            ref = chunk_ref(self._prefix, self._cursor.next_seq)
            records.extend(self._cursor.feed(self._store.read_bytes(ref, limit=self._limit), ref))
        return records + self._tail()

    async def poll_async(self) -> list[Record]:
        """Async twin of :meth:`poll` (the new chunks are fetched concurrently)."""
        head = self._adopt(await self.head_async())
        if head is None:
            return []
        refs = [chunk_ref(self._prefix, seq) for seq in range(self._cursor.next_seq, head.seq + 1)]
        records: list[Record] = []
        for start in range(0, len(refs), 16):
            batch = refs[start : start + 16]
            found = await asyncio.gather(
                *(self._store.read_bytes_async(ref, limit=self._limit) for ref in batch)
            )
            for ref, data in zip(batch, found, strict=True):
                records.extend(self._cursor.feed(data, ref))
        return records + self._tail()

    def summary(self) -> dict[str, Any]:
        """The summary (latest value per key); empty when none was written."""
        ref = summary_ref(self._prefix)
        try:
            return _summary_values(self._store.read_bytes(ref, limit=SUMMARY_LIMIT), ref)
        except NotFoundError:
            return {}

    async def summary_async(self) -> dict[str, Any]:
        """Async twin of :meth:`summary`."""
        ref = summary_ref(self._prefix)
        try:
            data = await self._store.read_bytes_async(ref, limit=SUMMARY_LIMIT)
        except NotFoundError:
            return {}
        return _summary_values(data, ref)

    def read(self) -> StreamSnapshot:
        """Everything so far, from the start (this reader's own position is untouched)."""
        reader = StreamReader(self._store, self._prefix, max_chunk_bytes=self._limit)
        records = reader.poll()
        return _snapshot(reader.last_head, records, reader.summary())

    async def read_async(self) -> StreamSnapshot:
        """Async twin of :meth:`read`."""
        reader = StreamReader(self._store, self._prefix, max_chunk_bytes=self._limit)
        records = await reader.poll_async()
        return _snapshot(reader.last_head, records, await reader.summary_async())

    # -- following -----------------------------------------------------------
    def follow(
        self,
        poll_interval: float = 1.0,
        *,
        from_start: bool = True,
        stale_after: float | None = None,
        timeout: float | None = None,
    ) -> Iterator[Record]:
        """Yield records as they arrive until the stream is finished and read.

        Args:
            poll_interval: seconds between looks at the head.
            from_start: begin at the first record; False begins after what
                the head names now.
            stale_after: also stop when the head's heartbeat is older than this
                many seconds (a writer that died without ``sync``).
            timeout: also stop after this many seconds.

        Transient storage errors are logged and retried at the next poll.
        """
        started = time.monotonic()
        if not from_start:
            self._skip(self.head())
        while True:
            try:
                yield from self.poll()
            except TransientStorageError as exc:
                logger.warning("following %s: %s", self._prefix, exc)
            if self._stop(started, stale_after, timeout):
                return
            time.sleep(poll_interval)

    async def follow_async(
        self,
        poll_interval: float = 1.0,
        *,
        from_start: bool = True,
        stale_after: float | None = None,
        timeout: float | None = None,
    ) -> AsyncIterator[Record]:
        """Async twin of :meth:`follow`."""
        started = time.monotonic()
        if not from_start:
            self._skip(await self.head_async())
        while True:
            try:
                for record in await self.poll_async():
                    yield record
            except TransientStorageError as exc:
                logger.warning("following %s: %s", self._prefix, exc)
            if self._stop(started, stale_after, timeout):
                return
            await asyncio.sleep(poll_interval)

    # -- helpers -------------------------------------------------------------
    def _adopt(self, head: StreamHead | None) -> StreamHead | None:
        if head is not None and (self._head is None or head.epoch >= self._head.epoch):
            self._head = head
        return self._head

    def _skip(self, head: StreamHead | None) -> None:
        if head is not None and self._cursor.next_seq == 0:
            self._head = head
            self._cursor.skip_to(head)

    def _tail(self) -> list[Record]:
        return self._cursor.finish() if self.finished else []

    def _stop(self, started: float, stale_after: float | None, timeout: float | None) -> bool:
        if self.finished:
            return True
        head = self._head
        if (
            stale_after is not None
            and head is not None
            and time.time() - head.heartbeat > stale_after
        ):
            return True
        return timeout is not None and time.monotonic() - started >= timeout


def _summary_values(data: bytes, ref: str) -> dict[str, Any]:
    document = decode_json(data, ref)
    values = document.get("values") if isinstance(document, dict) else None
    return dict(values) if isinstance(values, dict) else {}


def _snapshot(
    head: StreamHead | None, records: list[Record], summary: dict[str, Any]
) -> StreamSnapshot:
    return StreamSnapshot(
        head=head,
        lines=[r for r in records if isinstance(r, ConsoleLine)],
        metrics=[r for r in records if isinstance(r, MetricRow)],
        events=[r for r in records if isinstance(r, StreamEvent)],
        summary=summary,
    )
