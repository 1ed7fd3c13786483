"""The records a task writes, on their way from its threads to the journal."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Mapping
from typing import Any

from plugio.stream._console import LineAssembler, Run
from plugio.stream._journal import SUMMARY, Journal
from plugio.stream._layout import STREAMS, encode_json
from plugio.stream._policy import StreamPolicy

__all__ = ["Intake"]

logger = logging.getLogger("plugio.stream")
#: Seconds between two sends of a line still being drawn (a progress bar).
UNFINISHED_INTERVAL = 1.0


class Intake:
    """Buffers new records and moves them, in order, into the journal as segments.

    Adding a record takes one short lock. ``drain`` assigns each buffered
    record its offset and appends one segment per stream; it is called by the
    pipeline every ``journal_interval`` and by a writing thread itself when the
    buffer holds ``journal_batch_bytes`` (which holds that thread back until the
    disk took the batch: memory stays bounded). Every method takes a lock
    ``timeout`` so a signal handler, which may have interrupted a thread holding
    the lock, gives up instead of waiting forever.
    """

    def __init__(self, journal: Journal, policy: StreamPolicy) -> None:
        self._journal = journal
        self._lock = threading.Lock()
        self._drain_lock = threading.Lock()
        self._batch_chars = policy.journal_batch_bytes
        self._lines = {
            1: LineAssembler(policy.max_line_chars),
            2: LineAssembler(policy.max_line_chars),
        }
        self._console: list[list[Any]] = []
        self._unfinished_at = {1: 0.0, 2: 0.0}
        self._encoded: dict[str, list[str]] = {"metrics": [], "events": []}
        self._delta: dict[str, Any] = {}
        self._notes: list[str] = []
        self._chars = 0
        self._last_chars = 0  # characters in the last console item, while it may grow
        self._next = dict.fromkeys(STREAMS, 0)
        self._step = 0
        self._summary: dict[str, Any] = {}
        self.summary_version = 0
        self.dropped = dict.fromkeys(STREAMS, 0)
        self.closed = False

    def console(self, fd: int, text: str, timeout: float = -1) -> bool:
        """Take console text of ``fd`` (1 or 2); True when a journal batch is due."""
        now = round(time.time(), 3)
        if not self._lock.acquire(timeout=timeout):
            return False
        try:
            if self.closed:
                self.dropped["console"] += max(1, text.count("\n"))
                return False
            self._take_runs(now, fd, self._lines[fd].feed(text))
            self._chars += len(text)
            return self._chars >= self._batch_chars
        finally:
            self._lock.release()

    def metrics(self, values: Mapping[str, float], step: int | None) -> bool:
        """Take one metrics row; ``step`` defaults to one past the last."""
        for name, value in values.items():
            if not isinstance(name, str) or not isinstance(value, (int, float)):
                raise TypeError(f"metrics are named numbers, not {name!r}: {value!r}")
        with self._lock:
            if step is None:
                step = self._step
            self._step = step + 1
        return self._add("metrics", encode_json([round(time.time(), 3), step, dict(values)]))

    def event(
        self, name: str, level: str, attributes: Mapping[str, Any], timeout: float = -1
    ) -> bool:
        """Take one event; ``attributes`` must be JSON-serialisable."""
        item = encode_json([round(time.time(), 3), name, level, dict(attributes)])
        return self._add("events", item, timeout)

    def note_event(self, name: str, level: str, attributes: Mapping[str, Any]) -> None:
        """Take one event without any lock (for a signal handler); even after ``close``."""
        self._notes.append(encode_json([round(time.time(), 3), name, level, dict(attributes)]))

    def update_summary(self, values: Mapping[str, Any]) -> None:
        """Merge ``values`` (JSON-serialisable) into the summary: the latest value per key."""
        copied = json.loads(encode_json(dict(values)))
        with self._lock:
            if self.closed:
                return  # the summary was written with the final head
            # Replaced, never changed in place: readers take it without the lock.
            self._summary = {**self._summary, **copied}
            self._delta.update(copied)
            self.summary_version += 1

    def summary_snapshot(self) -> dict[str, Any]:
        """The summary as it stands (not to be changed by the caller)."""
        return self._summary

    def close(self, timeout: float = -1) -> None:
        """Finish unfinished console lines; later records are dropped and counted."""
        if not self._lock.acquire(timeout=timeout):
            return
        try:
            now = round(time.time(), 3)
            for fd, lines in self._lines.items():
                self._take_runs(now, fd, lines.finish())
            self.closed = True
        finally:
            self._lock.release()

    def drain(self, timeout: float = -1) -> bool:
        """Append everything buffered to the journal; False when the locks stayed busy."""
        if not self._drain_lock.acquire(timeout=timeout):
            return False
        try:
            return self._drain(timeout)
        finally:
            self._drain_lock.release()

    def journal_tagged(
        self, proc: str | None, console: list[list[Any]], metrics: list[str], events: list[str]
    ) -> bool:
        """Journal one process's records as segments tagged ``proc``, after all buffered.

        ``console`` holds items as chunks do (``[time, fd, [texts]]``, a fourth
        element ``1`` when the last text continues); ``metrics`` and ``events``
        hold encoded items. Returns once they are in the journal; False (the
        records counted as dropped) after ``close`` or when the journal failed.
        """
        with self._drain_lock:
            if self.closed or not self._drain(-1):
                self.dropped["console"] += sum(len(item[2]) for item in console)
                self.dropped["metrics"] += len(metrics)
                self.dropped["events"] += len(events)
                return False
            encoded = {"metrics": metrics, "events": events}
            encoded = {name: items for name, items in encoded.items() if items}
            return self._write(console, encoded, {}, proc)

    def _drain(self, timeout: float) -> bool:
        if not self._lock.acquire(timeout=timeout):
            self._write_notes()  # they need no lock: a signal handler's event gets out
            return False
        try:
            self._take_unfinished()
            console, self._console = self._console, []
            encoded = {name: items for name, items in self._encoded.items() if items}
            self._encoded = {"metrics": [], "events": []}
            delta, self._delta, self._chars = self._delta, {}, 0
        finally:
            self._lock.release()
        self._write(console, encoded, delta)
        self._write_notes()
        return True

    def _take_unfinished(self) -> None:
        """Lines still being drawn, as pieces, at most every :data:`UNFINISHED_INTERVAL`."""
        now = time.monotonic()
        for fd, lines in self._lines.items():
            if self.closed or now - self._unfinished_at[fd] < UNFINISHED_INTERVAL:
                continue
            runs = lines.take_unfinished()
            if runs:
                self._take_runs(round(time.time(), 3), fd, runs)
                self._unfinished_at[fd] = now

    def _write_notes(self) -> None:
        notes, self._notes = self._notes, []
        if notes:
            self._write([], {"events": notes}, {})

    def _take_runs(self, now: float, fd: int, runs: list[Run]) -> None:
        limit = self._batch_chars // 2
        for texts, more in runs:
            chars = len(texts[0]) if len(texts) == 1 else sum(map(len, texts))
            if chars > limit and len(texts) > 1:
                # One huge write: split it so that no segment outgrows a chunk.
                parts = _split(texts, limit)
                self._console.extend([now, fd, part] for part in parts[:-1])
                texts = parts[-1]
                chars, self._last_chars = sum(map(len, texts)), limit
            last = self._console[-1] if self._console else None
            if (
                last is not None
                and last[0] == now
                and last[1] == fd
                and len(last) == 3
                and self._last_chars + chars <= limit
            ):
                last[2].extend(texts)  # the same stream within the same millisecond
                self._last_chars += chars
                if more:
                    last.append(1)
            else:
                self._console.append([now, fd, texts, 1] if more else [now, fd, texts])
                self._last_chars = chars

    def _add(self, stream: str, item: str, timeout: float = -1) -> bool:
        if not self._lock.acquire(timeout=timeout):
            return False
        try:
            if self.closed:
                self.dropped[stream] += 1
                return False
            self._encoded[stream].append(item)
            self._chars += len(item)
            return self._chars >= self._batch_chars
        finally:
            self._lock.release()

    def _write(
        self,
        console: list[list[Any]],
        encoded: dict[str, list[str]],
        delta: dict[str, Any],
        proc: str | None = None,
    ) -> bool:
        """Append segments (tagged ``proc`` when given); False when one was lost."""
        tag = "" if proc is None else f',"proc":{encode_json(proc)}'
        kept = True
        for batch, count in _batches(console, self._batch_chars):
            start = self._next["console"]
            segment: dict[str, Any] = {"stream": "console", "start": start, "items": batch}
            if proc is not None:
                segment["proc"] = proc
            kept = self._append("console", start, count, encode_json(segment)) and kept
        for stream, items in encoded.items():
            start = self._next[stream]
            line = f'{{"stream":"{stream}","start":{start},"items":[{",".join(items)}]{tag}}}'
            kept = self._append(stream, start, len(items), line) and kept
        if delta:
            try:
                self._journal.append_json(SUMMARY, delta)
            except OSError as exc:
                logger.error("stream journal %s: summary update lost: %s", self._journal.path, exc)
        return kept

    def _append(self, stream: str, start: int, count: int, line: str) -> bool:
        try:
            # Lone surrogates cannot be UTF-8: they become "?" rather than fail the batch.
            data = line.encode("utf-8", "replace") + b"\n"
            self._journal.append_segment(stream, start, count, data)
        except OSError as exc:
            self.dropped[stream] += count
            logger.error("stream journal %s: %d records lost: %s", self._journal.path, count, exc)
            return False
        self._next[stream] = start + count
        return True


def _batches(items: list[list[Any]], max_chars: int) -> list[tuple[list[list[Any]], int]]:
    """Console items in runs of about ``max_chars`` characters, with their record counts."""
    batches: list[tuple[list[list[Any]], int]] = []
    start, chars, count = 0, 0, 0
    for index, item in enumerate(items):
        chars += sum(map(len, item[2]))
        count += len(item[2])
        if chars >= max_chars:
            batches.append((items[start : index + 1], count))
            start, chars, count = index + 1, 0, 0
    if start < len(items):
        batches.append((items[start:], count))
    return batches


def _split(texts: list[str], max_chars: int) -> list[list[str]]:
    """``texts`` in consecutive parts of about ``max_chars`` characters."""
    parts: list[list[str]] = []
    start, chars = 0, 0
    for index, text in enumerate(texts):
        chars += len(text)
        if chars >= max_chars:
            parts.append(texts[start : index + 1])
            start, chars = index + 1, 0
    if start < len(texts):
        parts.append(texts[start:])
    return parts
