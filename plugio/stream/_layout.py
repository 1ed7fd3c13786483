"""What a stream looks like in storage: object names, the head, chunks, records.

A stream under ``prefix`` is::

    <prefix>/head.json                   rewritten after each send and as a heartbeat
    <prefix>/chunks/<seq:012d>.jsonl     immutable, created once, numbered from 0
    <prefix>/summary.json                rewritten when the summary changed

A chunk is UTF-8 JSON lines: a header line, then one line per *segment* (a
run of consecutive records of one stream)::

    {"format":"plugio-stream-chunk/1","seq":3,"epoch":2,"owner":"9f…",
     "start":{"console":120,"metrics":7,"events":0},"end":{"console":180,…}}
    {"stream":"console","start":120,"items":[[1718000000.125,1,["a","b"]],…]}

Offsets count records per stream, from 0 for each epoch (one writer's run).
A console item is ``[time, fd, [text, ...]]``: the lines of ``fd`` (1 stdout,
2 stderr) written together at ``time``, each one record; a fourth element
``1`` means its last text is a piece of a long line that continues in the
next item of that ``fd``. A metrics item is ``[time, step, {name: number}]``
and an event item ``[time, name, level, {attributes}]``, one record each.

A segment may carry ``"proc"``: the process that wrote its records (``"rank 3"``,
``"pid 4242"``), when several processes write one stream through the plugio
service. Readers that do not know the key ignore it; records without it have
``proc`` None.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

from plugio.errors import CorruptPayloadError
from plugio.references import join

__all__ = [
    "STREAMS",
    "ChunkHeader",
    "ConsoleLine",
    "MetricRow",
    "Record",
    "StreamEvent",
    "StreamHead",
    "StreamState",
    "attempt_stream_prefix",
    "chunk_ref",
    "decode_json",
    "encode_json",
    "head_ref",
    "record_count",
    "series_name",
    "skip_records",
    "summary_ref",
]

STREAMS = ("console", "metrics", "events")
HEAD_FORMAT = "plugio-stream-head/1"
CHUNK_FORMAT = "plugio-stream-chunk/1"
SUMMARY_FORMAT = "plugio-stream-summary/1"


class StreamState(str, enum.Enum):
    """How a stream stands: still running, or how its task ended."""

    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    KILLED = "killed"
    UNKNOWN = "unknown"


def attempt_stream_prefix(output_prefix: str) -> str:
    """Where ``plugio run`` keeps a task attempt's stream: ``<output_prefix>/stream``."""
    return join(output_prefix, "stream")


def series_name(metric: str, proc: str | None) -> str:
    """How one process's series of a metric is named: ``loss [rank 3]``; bare when untagged."""
    return f"{metric} [{proc}]" if proc else metric


def head_ref(prefix: str) -> str:
    """The head object of the stream at ``prefix``."""
    return join(prefix, "head.json")


def chunk_ref(prefix: str, seq: int) -> str:
    """The chunk object number ``seq`` of the stream at ``prefix``."""
    return join(prefix, "chunks", f"{seq:012d}.jsonl")


def summary_ref(prefix: str) -> str:
    """The summary object of the stream at ``prefix``."""
    return join(prefix, "summary.json")


def encode_json(value: Any) -> str:
    """Compact JSON, non-ASCII kept as UTF-8 (NaN and infinities as Python writes them)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def decode_json(data: bytes | str, ref: str) -> Any:
    """Parse JSON, raising ``CorruptPayloadError`` naming ``ref`` on bad bytes."""
    try:
        return json.loads(data)
    except ValueError as exc:
        raise CorruptPayloadError(f"{ref}: not valid JSON: {exc}", ref) from exc


def _offsets(value: Any) -> dict[str, int]:
    found = value if isinstance(value, Mapping) else {}
    return {stream: int(found.get(stream, 0)) for stream in STREAMS}


@dataclass(frozen=True)
class StreamHead:
    """The head object: who owns the stream, how far it goes, how it ended.

    Attributes:
        epoch: The owning writer's epoch; a higher epoch fences lower ones out.
        owner: The owning writer's token (unique per writer).
        seq: The last chunk this head names; -1 before the first.
        first_seq: The first chunk number this epoch could own.
        offsets: Records per stream this epoch has made readable.
        state: ``running`` until the writer (or a sync) finished the stream.
        exit_code: The task's exit code, when known.
        started, heartbeat, ended: Unix times; ``ended`` is None while running.
        dropped: Records per stream that never reached the journal.
        has_summary: Whether ``summary.json`` was written.
    """

    epoch: int
    owner: str
    seq: int = -1
    first_seq: int = 0
    offsets: dict[str, int] = field(default_factory=lambda: _offsets({}))
    state: StreamState = StreamState.RUNNING
    exit_code: int | None = None
    started: float = 0.0
    heartbeat: float = 0.0
    ended: float | None = None
    dropped: dict[str, int] = field(default_factory=lambda: _offsets({}))
    has_summary: bool = False

    @property
    def finished(self) -> bool:
        """Whether the writer recorded how the stream ended."""
        return self.state is not StreamState.RUNNING

    def fences(self, epoch: int, owner: str) -> bool:
        """Whether this head shuts out the writer ``(epoch, owner)``."""
        return self.epoch > epoch or (self.epoch == epoch and self.owner != owner)

    def to_bytes(self) -> bytes:
        """The head's JSON document."""
        document = {
            "format": HEAD_FORMAT,
            "epoch": self.epoch,
            "owner": self.owner,
            "seq": self.seq,
            "first_seq": self.first_seq,
            "offsets": self.offsets,
            "state": self.state.value,
            "exit_code": self.exit_code,
            "started": self.started,
            "heartbeat": self.heartbeat,
            "ended": self.ended,
            "dropped": self.dropped,
            "has_summary": self.has_summary,
        }
        return encode_json(document).encode()

    @classmethod
    def from_bytes(cls, data: bytes, ref: str) -> StreamHead:
        """Parse a head document; ``CorruptPayloadError`` when it is not one."""
        document = decode_json(data, ref)
        if not isinstance(document, dict) or document.get("format") != HEAD_FORMAT:
            raise CorruptPayloadError(f"{ref}: not a stream head", ref)
        try:
            return cls(
                epoch=int(document["epoch"]),
                owner=str(document["owner"]),
                seq=int(document["seq"]),
                first_seq=int(document.get("first_seq", 0)),
                offsets=_offsets(document.get("offsets")),
                state=StreamState(document.get("state", "running")),
                exit_code=document.get("exit_code"),
                started=float(document.get("started", 0.0)),
                heartbeat=float(document.get("heartbeat", 0.0)),
                ended=document.get("ended"),
                dropped=_offsets(document.get("dropped")),
                has_summary=bool(document.get("has_summary", False)),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise CorruptPayloadError(f"{ref}: malformed stream head: {exc}", ref) from exc


@dataclass(frozen=True)
class ChunkHeader:
    """The first line of a chunk: its number, writer and per-stream offset range."""

    seq: int
    epoch: int
    owner: str
    start: dict[str, int]
    end: dict[str, int]

    def to_line(self) -> bytes:
        """The header as one JSON line, newline included (deterministic bytes)."""
        document = {
            "format": CHUNK_FORMAT,
            "seq": self.seq,
            "epoch": self.epoch,
            "owner": self.owner,
            "start": _offsets(self.start),
            "end": _offsets(self.end),
        }
        return encode_json(document).encode() + b"\n"

    @classmethod
    def from_line(cls, line: bytes, ref: str) -> ChunkHeader:
        """Parse a chunk's header line; ``CorruptPayloadError`` when it is not one."""
        document = decode_json(line, ref)
        if not isinstance(document, dict) or document.get("format") != CHUNK_FORMAT:
            raise CorruptPayloadError(f"{ref}: not a stream chunk", ref)
        try:
            return cls(
                seq=int(document["seq"]),
                epoch=int(document["epoch"]),
                owner=str(document["owner"]),
                start=_offsets(document["start"]),
                end=_offsets(document["end"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise CorruptPayloadError(f"{ref}: malformed chunk header: {exc}", ref) from exc


class ConsoleLine(NamedTuple):
    """One console line, in its last drawn state.

    ``offset`` is the line's number in the console stream as read (from 0);
    ``proc`` the process that wrote it, when the stream is tagged.
    """

    offset: int
    time: float
    stream: Literal["stdout", "stderr"]
    text: str
    proc: str | None = None


class MetricRow(NamedTuple):
    """One row of metrics: a step and named numbers."""

    offset: int
    time: float
    step: int
    values: dict[str, float]
    proc: str | None = None


class StreamEvent(NamedTuple):
    """One event: a name, a level (``info``, ``warning``, ``error``) and attributes."""

    offset: int
    time: float
    name: str
    level: str
    attributes: dict[str, Any]
    proc: str | None = None


Record = ConsoleLine | MetricRow | StreamEvent
"""Anything a reader yields."""


def record_count(stream: str, items: list[Any]) -> int:
    """How many records a segment's ``items`` hold."""
    if stream == "console":
        return sum(len(item[2]) for item in items)
    return len(items)


def skip_records(stream: str, items: list[Any], count: int) -> list[Any]:
    """A segment's ``items`` without their first ``count`` records."""
    if stream != "console":
        return items[count:]
    kept = list(items)
    while kept and count > 0:
        first = kept[0]
        if len(first[2]) > count:
            kept[0] = [first[0], first[1], first[2][count:], *first[3:]]
            break
        count -= len(first[2])
        kept.pop(0)
    return kept
