"""The local journal: an append-only file of checksummed records.

Every record a writer accepts is appended here before it is sent, and the
sender reads its chunks back from here, so memory stays bounded and a killed
process leaves everything that reached the file for ``sync``. The file is::

    PLUGIO-STREAM-JOURNAL/1\\n
    record*          record = length:u32be crc32(payload):u32be payload

A payload starts with its kind: ``H`` (JSON: prefix, epoch, owner), ``S`` (a
segment: stream number u8, start u64be, count u32be, then the segment's JSON
line as chunks hold it), ``M`` (JSON: a chunk was uploaded: seq and end
offsets), ``Y`` (JSON: summary values), ``C`` (JSON: how the writer closed the
stream) and ``D`` (empty: the stream is finished in storage). Reading stops at
the first record that is short or fails its checksum: a process killed in the
middle of an append leaves a torn last record, which is ignored (and cut off
before anything new is appended).
"""

from __future__ import annotations

import contextlib
import json
import os
import struct
import threading
import zlib
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from plugio.stream._errors import JournalError
from plugio.stream._layout import STREAMS

try:
    import fcntl
except ImportError:  # pragma: no cover - not on POSIX
    fcntl = None  # type: ignore[assignment]

__all__ = ["Journal", "JournalState", "SegmentEntry"]

MAGIC = b"PLUGIO-STREAM-JOURNAL/1\n"
FILE_NAME = "stream.journal"
_FRAME = struct.Struct(">II")
_SEGMENT = struct.Struct(">BQI")
HEADER, SEGMENT, SENT, SUMMARY, CLOSE, DONE = b"H", b"S", b"M", b"Y", b"C", b"D"


@dataclass(frozen=True)
class SegmentEntry:
    """Where one journaled segment is: its stream, offsets and bytes in the file."""

    stream: str
    start: int
    count: int
    position: int
    size: int

    @property
    def end(self) -> int:
        """The offset after the segment's last record."""
        return self.start + self.count


@dataclass
class JournalState:
    """What reading a journal from the start finds."""

    meta: dict[str, Any] = field(default_factory=dict)
    segments: list[SegmentEntry] = field(default_factory=list)
    ends: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STREAMS, 0))
    sent: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STREAMS, 0))
    seq: int = -1
    summary: dict[str, Any] = field(default_factory=dict)
    close: dict[str, Any] | None = None
    done: bool = False
    valid_size: int = len(MAGIC)
    ignored_bytes: int = 0

    def apply(self, kind: bytes, body: bytes, position: int) -> None:
        """Take one record into account (``position`` is where its body starts)."""
        if kind == SEGMENT:
            number, start, count = _SEGMENT.unpack_from(body)
            stream = STREAMS[number]
            offset = position + _SEGMENT.size
            entry = SegmentEntry(stream, start, count, offset, len(body) - _SEGMENT.size)
            self.segments.append(entry)
            self.ends[stream] = max(self.ends[stream], entry.end)
        elif kind == SENT:
            mark = json.loads(body)
            self.seq = max(self.seq, int(mark["seq"]))
            for stream, end in mark["end"].items():
                self.sent[stream] = max(self.sent.get(stream, 0), int(end))
        elif kind == SUMMARY:
            self.summary.update(json.loads(body))
        elif kind == HEADER:
            self.meta = json.loads(body)
        elif kind == CLOSE:
            self.close = json.loads(body)
        elif kind == DONE:
            self.done = True


class Journal:
    """One stream's journal file, held open and locked by one process at a time.

    Appends and reads are thread-safe. ``create`` starts a new journal (a
    finished one in the way is replaced); ``open`` continues an existing one.
    """

    def __init__(self, path: str, handle: BinaryIO, state: JournalState, *, fsync: bool) -> None:
        self.path = path
        self.state = state
        self._handle = handle
        self._fd = handle.fileno()
        self._fsync = fsync
        self._lock = threading.Lock()
        self._size = state.valid_size

    @classmethod
    def create(cls, directory: str, meta: dict[str, Any], *, fsync: bool = False) -> Journal:
        """Start the journal in ``directory`` with a header record ``meta``.

        Raises:
            JournalError: A running writer holds it, or it holds records not
                yet synced (run ``sync`` first).
        """
        os.makedirs(directory, exist_ok=True)
        path = os.path.join(directory, FILE_NAME)
        handle = _open_locked(path)
        state = _scan(handle, path) if os.fstat(handle.fileno()).st_size else None
        if state is not None and not state.done:
            handle.close()
            raise JournalError("holds a stream not yet finished: run sync on it first", path)
        handle.truncate(0)
        handle.seek(0)
        handle.write(MAGIC)
        handle.flush()
        journal = cls(path, handle, JournalState(meta=dict(meta)), fsync=fsync)
        journal.append_json(HEADER, meta)
        return journal

    @classmethod
    def open(cls, directory: str, *, fsync: bool = False) -> Journal:
        """Continue the journal in ``directory``; a torn last record is cut off.

        Raises:
            JournalError: There is no journal, or a running writer holds it.
        """
        path = os.path.join(directory, FILE_NAME)
        if not os.path.exists(path):
            raise JournalError("no stream journal here", path)
        handle = _open_locked(path)
        state = _scan(handle, path)
        handle.truncate(state.valid_size)
        return cls(path, handle, state, fsync=fsync)

    def append_segment(self, stream: str, start: int, count: int, line: bytes) -> SegmentEntry:
        """Append a segment (its JSON line, newline included) and index it."""
        body = _SEGMENT.pack(STREAMS.index(stream), start, count) + line
        with self._lock:
            position = self._append(SEGMENT + body)
            entry = SegmentEntry(stream, start, count, position + 1 + _SEGMENT.size, len(line))
            self.state.segments.append(entry)
            self.state.ends[stream] = entry.end
        return entry

    def append_json(self, kind: bytes, value: Any, *, timeout: float = -1) -> bool:
        """Append a record of ``kind`` whose body is ``value`` as JSON.

        Returns False, appending nothing, when the journal stays busy for
        ``timeout`` seconds (a signal handler must not wait forever).
        """
        body = json.dumps(value, separators=(",", ":")).encode() if value is not None else b""
        if not self._lock.acquire(timeout=timeout):
            return False
        try:
            self._append(kind + body)
            if kind != SEGMENT:
                self.state.apply(kind, body, 0)
        finally:
            self._lock.release()
        return True

    def read(self, entry: SegmentEntry) -> bytes:
        """The JSON line of a journaled segment."""
        return os.pread(self._fd, entry.size, entry.position)

    # The index is only appended to (under the lock) and cut at its front by the
    # one sending thread, both single list operations: reading it takes no lock,
    # so the sender never waits for a task thread a signal handler interrupted.
    def unsent(self, sent: dict[str, int], streams: tuple[str, ...]) -> list[SegmentEntry]:
        """Journaled segments of ``streams`` holding records past ``sent``, oldest first."""
        entries = list(self.state.segments)
        return [e for e in entries if e.stream in streams and e.end > sent[e.stream]]

    def forget(self, sent: dict[str, int]) -> None:
        """Drop the index entries of segments wholly sent (their bytes stay in the file).

        Only the sending thread calls this.
        """
        segments = self.state.segments
        keep = next((i for i, e in enumerate(segments) if e.end > sent[e.stream]), None)
        del segments[: len(segments) if keep is None else keep]

    def close(self) -> None:
        """Release the lock and the file; the journal stays on disk."""
        with self._lock:
            self._handle.close()

    def remove(self) -> None:
        """Close and delete the journal file."""
        self.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)

    def _append(self, payload: bytes) -> int:
        """Write one record whole (or not at all); the payload's file position."""
        if self._handle.closed:
            raise JournalError("the journal is closed", self.path)
        record = _FRAME.pack(len(payload), zlib.crc32(payload)) + payload
        position = self._size
        try:
            view = memoryview(record)
            while view:
                written = os.pwrite(self._fd, view, position + len(record) - len(view))
                view = view[written:]
            if self._fsync:
                os.fsync(self._fd)
        except OSError:
            # A torn record would hide every record after it: cut it off.
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, position)
            raise
        self._size = position + len(record)
        return position + _FRAME.size


def _open_locked(path: str) -> BinaryIO:
    handle = os.fdopen(os.open(path, os.O_RDWR | os.O_CREAT, 0o644), "r+b")
    if fcntl is not None:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise JournalError("in use by a running writer", path) from None
    return handle


def _scan(handle: BinaryIO, path: str) -> JournalState:
    """Read every whole, checksummed record; stop at the first that is not."""
    handle.seek(0)
    if handle.read(len(MAGIC)) != MAGIC:
        handle.close()
        raise JournalError("not a stream journal", path)
    state = JournalState()
    position = len(MAGIC)
    while True:
        frame = handle.read(_FRAME.size)
        if len(frame) < _FRAME.size:
            break
        length, checksum = _FRAME.unpack(frame)
        payload = handle.read(length)
        if len(payload) < length or zlib.crc32(payload) != checksum or not payload:
            break
        state.apply(payload[:1], payload[1:], position + _FRAME.size + 1)
        position += _FRAME.size + length
    state.valid_size = position
    state.ignored_bytes = os.fstat(handle.fileno()).st_size - position
    return state
