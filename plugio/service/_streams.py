"""The service's streams: one ``StreamWriter`` per stream prefix, shared by its clients."""

from __future__ import annotations

import collections
import hashlib
import logging
import os
import shutil
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from plugio.references import parse_reference
from plugio.service._history import SampledHistory
from plugio.service._protocol import Batch
from plugio.storage import DataStore
from plugio.stream import FinishResult, JournalError, StreamPolicy, StreamState, StreamWriter, sync
from plugio.stream._journal import FILE_NAME as JOURNAL_FILE
from plugio.stream._layout import series_name

__all__ = ["ServiceStream", "StreamMux", "finish_answer"]

logger = logging.getLogger("plugio.service")
#: Finished streams remembered (so that a late client cannot start one over).
FINISHED_KEPT = 4096


@dataclass
class ServiceStream:
    """One stream the service writes: its writer, clients and what they sent.

    Attributes:
        writer: The stream's writer (journal in the service's folder).
        clients: Open connections, by connection number.
        acked: Data frames journaled per client id (a client that reconnects
            resends only what comes after).
        history: The sampled history of each metric.
        summary: The summary values sent so far.
        left_at: When the last client left (``time.monotonic()``), while none is open.
        answer: The finish answer, once finished.
    """

    writer: StreamWriter
    clients: dict[int, str] = field(default_factory=dict)
    acked: dict[str, int] = field(default_factory=dict)
    history: SampledHistory = field(default_factory=SampledHistory)
    summary: dict[str, Any] = field(default_factory=dict)
    left_at: float | None = None
    answer: dict[str, Any] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def journal(self, proc: str | None, batch: Batch, client: str) -> bool:
        """Journal a batch of one client's frames; False when the stream took none."""
        with self.lock:
            if self.answer is not None:
                return False
            kept = self.writer.journal_tagged(
                proc, batch.console, batch.metrics, batch.events, urgent=batch.urgent
            )
            if not kept:
                return False
            for step, values in batch.history:  # a series per metric and process
                self.history.add(step, values if proc is None else _tagged(values, proc))
            if batch.summary:
                self.writer.update_summary(batch.summary)
                self.summary.update(batch.summary)
            self.acked[client] = self.acked.get(client, 0) + batch.frames
            return True

    def finish(
        self, exit_code: int | None, state: StreamState | str | None, deadline: float | None
    ) -> dict[str, Any]:
        """Finish the stream in stages (console, then metrics and events, then the
        summary, then the head); the answer, the same to every later caller."""
        with self.lock:
            if self.answer is None:
                result = self.writer.close(exit_code=exit_code, state=state, deadline=deadline)
                self.answer = finish_answer(result, self)
                folder = os.path.dirname(self.writer.journal_path)
                if not os.path.exists(self.writer.journal_path):  # all uploaded
                    shutil.rmtree(folder, ignore_errors=True)
            return self.answer

    def status(self) -> dict[str, Any]:
        """How the stream stands, for ``plugio service status``."""
        journaled, sent, chunks = self.writer.journaled
        size = 0
        if os.path.exists(self.writer.journal_path):
            size = os.path.getsize(self.writer.journal_path)
        return {
            "prefix": self.writer.prefix,
            "epoch": self.writer.epoch,
            "clients": sorted(self.clients.values()),
            "journaled": journaled,
            "uploaded": sent,
            "backlog": sum(journaled[s] - sent.get(s, 0) for s in journaled),
            "journal_bytes": size,
            "backlog_bytes": self.writer.backlog_bytes,
            "chunks": chunks,
            "finished": None if self.answer is None else self.answer["state"],
            "last_error": self.writer.last_error,
        }


def finish_answer(result: FinishResult, stream: ServiceStream) -> dict[str, Any]:
    """The ``finished`` answer of a ``finish`` frame."""
    return {
        "complete": result.complete,
        "state": result.state.value,
        "exit_code": result.exit_code,
        "unsent": result.unsent,
        "error": result.error if result.fenced is None else str(result.fenced),
        "dropped": stream.writer.dropped,
        "summary": {**stream.history.last, **stream.summary},
        "history": stream.history.sampled(),
    }


class StreamMux:
    """The streams of one service, by prefix; each made on its first client's hello.

    Args:
        folder: the service's folder; journals go to ``<folder>/journals``.
        grace_period: seconds before a stream whose clients all left is
            finished as ``killed``.
        policy: the streams' policy.
    """

    def __init__(self, folder: str, grace_period: float, policy: StreamPolicy) -> None:
        self.journals = os.path.join(folder, "journals")
        os.makedirs(self.journals, mode=0o700, exist_ok=True)
        self._grace = grace_period
        self._policy = policy
        self._streams: dict[str, ServiceStream] = {}
        self._lock = threading.Lock()
        self.last_error: str | None = None
        self._finished: collections.OrderedDict[str, None] = collections.OrderedDict()

    def attach(self, prefix: str, epoch: int | None, connection: int, proc: str) -> ServiceStream:
        """The stream at ``prefix``, made when missing, with ``connection`` counted as a client.

        A finished stream is opened anew only by a hello that names an epoch
        (a new attempt's owner); one that only attaches is refused, rather than
        start the attempt's stream over.

        Raises:
            ValueError: The stream is open at another epoch, or finished.
            PlugioError: ``prefix`` is not a valid reference, or its store cannot
                be made or its journal started.
        """
        parse_reference(prefix)  # refused now, not at the first upload
        with self._lock:
            stream = self._streams.get(prefix)
            finished = prefix in self._finished or (
                stream is not None and stream.answer is not None
            )
            if finished and epoch is None:
                raise ValueError(f"{prefix}: the stream is finished")
            if stream is not None and stream.answer is not None:
                del self._streams[prefix]
                stream = None
            self._finished.pop(prefix, None)
            if stream is None:
                stream = ServiceStream(self._open(prefix, 0 if epoch is None else epoch))
                self._streams[prefix] = stream
            elif epoch is not None and epoch != stream.writer.epoch:
                raise ValueError(
                    f"{prefix}: the stream is open at epoch {stream.writer.epoch}, not {epoch}"
                )
            stream.clients[connection] = proc
            stream.left_at = None
            return stream

    def detach(self, stream: ServiceStream, connection: int) -> None:
        """``connection`` closed: when it was the stream's last, the grace period starts."""
        with self._lock:
            stream.clients.pop(connection, None)
            if not stream.clients:
                stream.left_at = time.monotonic()

    def orphans(self) -> list[ServiceStream]:
        """Unfinished streams whose clients all left longer than the grace period ago."""
        now = time.monotonic()
        with self._lock:
            return [
                s
                for s in self._streams.values()
                if s.answer is None and s.left_at is not None and now - s.left_at >= self._grace
            ]

    def forget_finished(self) -> None:
        """Drop finished streams without clients."""
        with self._lock:
            for prefix, stream in list(self._streams.items()):
                if stream.answer is not None and not stream.clients:
                    del self._streams[prefix]
                    self._finished[prefix] = None
                    while len(self._finished) > FINISHED_KEPT:
                        self._finished.popitem(last=False)

    def streams(self) -> list[ServiceStream]:
        """Every stream, in the order they were opened."""
        with self._lock:
            return list(self._streams.values())

    def finish_all(self, deadline: float) -> None:
        """Finish every unfinished stream as ``killed`` within ``deadline`` seconds in all."""
        until = time.monotonic() + deadline
        threads = [
            threading.Thread(target=_finish_killed, args=(stream, until), daemon=True)
            for stream in self.streams()
            if stream.answer is None
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(max(0.0, until - time.monotonic()) + 1.0)

    def sync_leftovers(self) -> None:
        """Finish the journals an earlier service left behind (killed, say), with ``sync``."""
        for name in sorted(os.listdir(self.journals)):
            folder = os.path.join(self.journals, name)
            if not os.path.exists(os.path.join(folder, JOURNAL_FILE)):
                shutil.rmtree(folder, ignore_errors=True)  # finished, not yet removed
                continue
            try:
                result = sync(folder, policy=self._policy)
            except JournalError as exc:  # held by a stream of this service: not a leftover
                logger.info("%s", exc)
                continue
            except Exception as exc:  # a leftover that cannot be finished stays for later
                self.last_error = f"sync {folder}: {exc}"
                logger.warning("%s", self.last_error)
                continue
            if result.complete:
                shutil.rmtree(folder, ignore_errors=True)
            else:
                self.last_error = f"sync {folder}: {result.error}"

    def _open(self, prefix: str, epoch: int) -> StreamWriter:
        digest = hashlib.sha256(prefix.encode()).hexdigest()[:16]
        folder = os.path.join(self.journals, f"{digest}-{epoch}-{uuid.uuid4().hex[:8]}")
        return StreamWriter(
            DataStore.from_url(prefix), prefix, journal_dir=folder, epoch=epoch, policy=self._policy
        )


def _finish_killed(stream: ServiceStream, until: float) -> None:
    try:
        stream.finish(None, StreamState.KILLED, max(0.1, until - time.monotonic()))
    except Exception as exc:  # one stream's failure must not keep the others from finishing
        logger.warning("finishing %s: %s", stream.writer.prefix, exc)


def _tagged(values: dict[str, float], proc: str) -> dict[str, float]:
    """``values`` named as one process's series: ``loss [rank 3]``."""
    return {series_name(name, proc): value for name, value in values.items()}
