"""Turning a stream's chunks, read in order, into records (no I/O here)."""

from __future__ import annotations

from typing import Any, Literal

from plugio.errors import CorruptPayloadError
from plugio.stream._console import last_state
from plugio.stream._layout import (
    STREAMS,
    ChunkHeader,
    ConsoleLine,
    MetricRow,
    Record,
    StreamEvent,
    StreamHead,
    decode_json,
    record_count,
    skip_records,
)

__all__ = ["Cursor"]


class Cursor:
    """A reader's position in a stream, fed one chunk at a time in sequence.

    A chunk of an older epoch than one already read (a stale writer's late
    chunk) is skipped; records at offsets already read are skipped; a console
    line stored in pieces comes out whole. ``offset`` of a record is its number
    in its stream as read, from 0.
    """

    def __init__(self) -> None:
        self.next_seq = 0
        self.epoch = -1
        self._expected = dict.fromkeys(STREAMS, 0)
        self._counts = dict.fromkeys(STREAMS, 0)
        self._pieces: dict[tuple[str | None, int], tuple[float, list[str]]] = {}

    def skip_to(self, head: StreamHead) -> None:
        """Continue after everything ``head`` names, without reading it."""
        self.next_seq = head.seq + 1
        self.epoch = head.epoch
        self._expected = dict(head.offsets)

    def feed(self, data: bytes, ref: str) -> list[Record]:
        """The new records of chunk number ``next_seq``, whose bytes are ``data``.

        Raises:
            CorruptPayloadError: The bytes are not that chunk.
        """
        header_line, _, body = data.partition(b"\n")
        header = ChunkHeader.from_line(header_line, ref)
        if header.seq != self.next_seq:
            raise CorruptPayloadError(f"{ref}: holds chunk {header.seq}", ref)
        self.next_seq += 1
        if header.epoch < self.epoch:
            return []
        records: list[Record] = []
        if header.epoch > self.epoch:
            records.extend(self.finish())
            self.epoch = header.epoch
            self._expected = dict.fromkeys(STREAMS, 0)
        try:
            for line in body.split(b"\n"):
                if line:
                    self._segment(decode_json(line, ref), records)
        except (KeyError, IndexError, TypeError, ValueError) as exc:
            raise CorruptPayloadError(f"{ref}: malformed segment: {exc}", ref) from exc
        return records

    def unfinished(self) -> dict[str, str]:
        """The line of each console stream (``stdout``, ``stderr``) still being written, so far.

        A line stored in pieces whose last piece has not come yet: its text up
        to now (for a progress bar, its latest drawing); it is not a record
        until it ends.
        """
        return {
            "stderr" if fd == 2 else "stdout": last_state("".join(texts))
            for (_, fd), (_, texts) in sorted(self._pieces.items(), key=lambda item: item[0][1])
        }

    def finish(self) -> list[Record]:
        """Console lines whose last piece never came (the stream ended without it)."""
        pending, self._pieces = self._pieces, {}
        return [self._line(key, at, "".join(texts)) for key, (at, texts) in pending.items()]

    def _segment(self, segment: dict[str, Any], records: list[Record]) -> None:
        stream = segment["stream"]
        start, items = int(segment["start"]), segment["items"]
        skip = self._expected[stream] - start
        if skip > 0:
            items = skip_records(stream, items, skip)
            start += skip
        if not items:
            return
        self._expected[stream] = start + record_count(stream, items)
        proc = segment.get("proc")  # the writing process, in a stream several write
        proc = proc if isinstance(proc, str) else None
        if stream == "console":
            for item in items:
                self._console(item, records, proc)
        elif stream == "metrics":
            for at, step, values in items:
                records.append(MetricRow(self._count("metrics"), at, step, values, proc))
        else:
            for at, name, level, attributes in items:
                row = StreamEvent(self._count("events"), at, name, level, attributes, proc)
                records.append(row)

    def _console(self, item: list[Any], records: list[Record], proc: str | None) -> None:
        at, fd, texts = item[0], item[1], item[2]
        more = len(item) > 3 and bool(item[3])
        key = (proc, fd)  # a cut line goes on in its own process's next item
        if key in self._pieces and texts:  # the first text goes on with a cut line
            began, parts = self._pieces[key]
            parts.append(texts[0])
            if more and len(texts) == 1:
                return
            del self._pieces[key]
            records.append(self._line(key, began, "".join(parts)))
            texts = texts[1:]
        if more and texts:
            self._pieces[key] = (at, [texts[-1]])
            texts = texts[:-1]
        name: Literal["stdout", "stderr"] = "stderr" if fd == 2 else "stdout"
        first = self._counts["console"]
        records.extend(ConsoleLine(first + i, at, name, text, proc) for i, text in enumerate(texts))
        self._counts["console"] = first + len(texts)

    def _line(self, key: tuple[str | None, int], at: float, text: str) -> ConsoleLine:
        # A line put together from pieces shows its last drawing, as a whole line does.
        stream: Literal["stdout", "stderr"] = "stderr" if key[1] == 2 else "stdout"
        return ConsoleLine(self._count("console"), at, stream, last_state(text), key[0])

    def _count(self, stream: str) -> int:
        number = self._counts[stream]
        self._counts[stream] = number + 1
        return number
