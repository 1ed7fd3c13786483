"""Sending a writer's journal to storage: chunks, the summary and the head.

The ``Uploader`` is one writer's side of the object layout, shared by the live
writer's pipeline and by ``sync``. Fencing rests on three rules:

- a chunk is created only where absent; a chunk already there is compared:
  the same bytes are our own earlier upload (an answer lost on the way), a
  chunk of our own epoch and owner with other bytes is adopted (its end offsets
  count as sent), a chunk of an older epoch is left in place and skipped, and a
  chunk of a newer epoch, or of another owner of ours, fences us out;
- the head is read before every rewrite, and a head of a newer epoch (or of
  another owner of the same epoch) fences us out;
- readers skip a chunk whose epoch is lower than one they have already read.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from plugio.errors import AlreadyExistsError, NotFoundError, TransientStorageError
from plugio.storage import DataStore
from plugio.stream._errors import StaleWriterError
from plugio.stream._journal import SENT, Journal, SegmentEntry
from plugio.stream._layout import (
    STREAMS,
    SUMMARY_FORMAT,
    ChunkHeader,
    StreamHead,
    StreamState,
    chunk_ref,
    encode_json,
    head_ref,
    skip_records,
    summary_ref,
)

__all__ = ["Uploader", "upload_backlog"]

HEAD_LIMIT = 1024 * 1024
#: Bytes kept for a chunk's header line within ``max_chunk_bytes``.
HEADER_ROOM = 512


@dataclass(frozen=True)
class _Chunk:
    seq: int
    data: bytes
    end: dict[str, int]


class Uploader:
    """One writer's uploads to the stream at ``prefix``, as ``(epoch, owner)``.

    ``seq`` is the last chunk number taken (ours or skipped), ``sent`` the
    records per stream stored in our chunks. A prepared chunk keeps its bytes
    until stored, so a re-send writes the same bytes under the same name.
    """

    def __init__(
        self, store: DataStore, prefix: str, *, epoch: int, owner: str, conditional: bool = True
    ) -> None:
        self.store = store
        self.prefix = prefix
        self.epoch = epoch
        self.owner = owner
        self.conditional = conditional
        self.seq = -1
        self.first_seq = 0
        self.sent = dict.fromkeys(STREAMS, 0)
        self.started = time.time()
        self.claimed = False
        self.chunks_stored = 0
        self._prepared: _Chunk | None = None

    # -- the head ------------------------------------------------------------
    def read_head(self) -> StreamHead | None:
        """The stream's head, or None when there is none yet."""
        ref = head_ref(self.prefix)
        try:
            data = self.store.read_bytes(ref, limit=HEAD_LIMIT)
        except NotFoundError:
            return None
        return StreamHead.from_bytes(data, ref)

    def claim(self, seq: int = -1, sent: Mapping[str, int] | None = None) -> None:
        """Take the stream for this writer, or resume it (``seq``/``sent`` from a journal).

        No head: create one where absent. A head of ours: continue after it. A
        head of an older epoch: take over after its last chunk.

        Raises:
            StaleWriterError: A newer epoch, or another owner of ours, holds it.
            StorageError: The store failed (a later call tries again).
        """
        self.seq = max(self.seq, seq)
        for stream, end in (sent or {}).items():
            self.sent[stream] = max(self.sent[stream], end)
        for _ in range(3):
            current = self.read_head()
            if current is None:
                self.first_seq = self.seq + 1
                try:
                    self._write_head(self._head(), if_absent=self.conditional)
                except AlreadyExistsError:
                    continue  # another writer created it first: decide on its head
            else:
                self._take(current)
            self.claimed = True
            return
        ref = head_ref(self.prefix)
        raise TransientStorageError("the head was created, then gone, three times", ref)

    def _take(self, current: StreamHead) -> None:
        if current.fences(self.epoch, self.owner):
            raise self._fenced(current.epoch, current.owner, "its head belongs to another writer")
        self.seq = max(self.seq, current.seq)
        if current.epoch == self.epoch:
            self.first_seq, self.started = current.first_seq, current.started
            self.sent = {s: max(self.sent[s], current.offsets[s]) for s in STREAMS}
            return
        self.first_seq = current.seq + 1
        self._write_head(self._head())

    def publish(
        self,
        *,
        summary: Mapping[str, Any] | None = None,
        state: StreamState = StreamState.RUNNING,
        exit_code: int | None = None,
        ended: float | None = None,
        dropped: Mapping[str, int] | None = None,
        has_summary: bool = False,
    ) -> StreamHead:
        """Check we still own the stream, write ``summary`` if given, then the head.

        Raises:
            StaleWriterError: The head now belongs to another writer.
        """
        current = self.read_head()
        if current is not None and current.fences(self.epoch, self.owner):
            raise self._fenced(current.epoch, current.owner, "its head belongs to another writer")
        if summary is not None:
            document = {
                "format": SUMMARY_FORMAT,
                "epoch": self.epoch,
                "owner": self.owner,
                "values": dict(summary),
            }
            self.store.write_bytes(summary_ref(self.prefix), encode_json(document).encode())
        head = self._head(state, exit_code, ended, dropped, has_summary or summary is not None)
        self._write_head(head)
        return head

    # -- chunks --------------------------------------------------------------
    @property
    def idle(self) -> bool:
        """Whether no prepared chunk waits to be stored."""
        return self._prepared is None

    def prepare(self, lines: list[bytes], end: Mapping[str, int]) -> None:
        """Build the next chunk from segment lines that end at ``end`` offsets."""
        seq = self.seq + 1
        ends = {s: end.get(s, self.sent[s]) for s in STREAMS}
        header = ChunkHeader(seq, self.epoch, self.owner, dict(self.sent), ends)
        self._prepared = _Chunk(seq, header.to_line() + b"".join(lines), ends)

    def push(self) -> None:
        """Store the prepared chunk; afterwards ``seq`` has moved on by one.

        Raises:
            StaleWriterError: The chunk's name is taken by a newer writer.
            StorageError: The store failed; the same bytes are sent next time.
        """
        chunk = self._prepared
        if chunk is None:
            raise RuntimeError("no chunk prepared")
        ref = chunk_ref(self.prefix, chunk.seq)
        try:
            self.store.write_bytes(ref, chunk.data, if_absent=self.conditional)
        except AlreadyExistsError:
            self._collided(chunk, self.store.read_bytes(ref), ref)
            return
        self._stored(chunk)

    def _collided(self, chunk: _Chunk, existing: bytes, ref: str) -> None:
        if existing == chunk.data:
            self._stored(chunk)  # our own upload, whose answer was lost
            return
        other = ChunkHeader.from_line(existing.split(b"\n", 1)[0], ref)
        if other.epoch > self.epoch or (other.epoch == self.epoch and other.owner != self.owner):
            raise self._fenced(other.epoch, other.owner, f"chunk {chunk.seq} is taken")
        self._prepared = None
        self.seq = chunk.seq
        if other.epoch == self.epoch:  # ours, built from other batches before a restart
            self.sent = {s: max(self.sent[s], other.end[s]) for s in STREAMS}

    def _stored(self, chunk: _Chunk) -> None:
        self._prepared = None
        self.seq = chunk.seq
        self.sent = dict(chunk.end)
        self.chunks_stored += 1

    # -- helpers -------------------------------------------------------------
    def _head(
        self,
        state: StreamState = StreamState.RUNNING,
        exit_code: int | None = None,
        ended: float | None = None,
        dropped: Mapping[str, int] | None = None,
        has_summary: bool = False,
    ) -> StreamHead:
        return StreamHead(
            epoch=self.epoch,
            owner=self.owner,
            seq=self.seq,
            first_seq=self.first_seq,
            offsets=dict(self.sent),
            state=state,
            exit_code=exit_code,
            started=self.started,
            heartbeat=round(time.time(), 3),
            ended=ended,
            dropped={s: int((dropped or {}).get(s, 0)) for s in STREAMS},
            has_summary=has_summary,
        )

    def _write_head(self, head: StreamHead, *, if_absent: bool = False) -> None:
        self.store.write_bytes(head_ref(self.prefix), head.to_bytes(), if_absent=if_absent)

    def _fenced(self, epoch: int, owner: str, reason: str) -> StaleWriterError:
        return StaleWriterError(self.prefix, epoch, owner, f"writer {self.epoch} stops: {reason}")


def upload_backlog(
    journal: Journal,
    uploader: Uploader,
    streams: tuple[str, ...],
    max_bytes: int,
    deadline: float | None = None,
) -> bool:
    """Send the journal's records of ``streams`` past ``uploader.sent`` as chunks.

    Each stored chunk is marked in the journal. Returns True when nothing of
    ``streams`` is left, False when ``deadline`` (a ``time.monotonic()``
    value) passed first. Storage errors propagate; what was not stored stays
    in the journal (and a prepared chunk in the uploader).
    """
    while deadline is None or time.monotonic() < deadline:
        if uploader.idle and not _prepare_next(journal, uploader, streams, max_bytes):
            return True
        uploader.push()
        # A lost mark costs nothing: the next upload of that chunk finds it stored.
        journal.append_json(SENT, {"seq": uploader.seq, "end": uploader.sent}, timeout=1.0)
        journal.forget(uploader.sent)
    return uploader.idle and not journal.unsent(uploader.sent, streams)


def _prepare_next(
    journal: Journal, uploader: Uploader, streams: tuple[str, ...], max_bytes: int
) -> bool:
    entries = journal.unsent(uploader.sent, streams)
    if not entries:
        return False
    lines: list[bytes] = []
    end = dict(uploader.sent)
    size = HEADER_ROOM
    for entry in entries:
        if lines and size + entry.size > max_bytes:
            break
        lines.append(_line(journal, entry, uploader.sent[entry.stream]))
        end[entry.stream] = entry.end
        size += entry.size
    uploader.prepare(lines, end)
    return True


def _line(journal: Journal, entry: SegmentEntry, sent: int) -> bytes:
    line = journal.read(entry)
    if entry.start >= sent:
        return line
    # Part of this segment is stored already (adopted from an earlier upload).
    segment = json.loads(line)
    segment["items"] = skip_records(entry.stream, segment["items"], sent - entry.start)
    segment["start"] = sent
    return encode_json(segment).encode() + b"\n"
