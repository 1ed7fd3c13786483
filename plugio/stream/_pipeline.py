"""The writer's background pipeline: collect, transmit, feedback; and the staged finish.

One daemon thread loops: it moves what the task wrote into the journal
(collect: everything that arrived while the previous send was in flight goes
out together), sends the journal's backlog as chunks and rewrites the head
(transmit), then paces itself from the outcome (feedback): the send interval
grows after each success, a failure backs off, a fence stops uploads.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from plugio.errors import PlugioError, TransientStorageError
from plugio.stream._errors import StaleWriterError
from plugio.stream._journal import DONE, Journal
from plugio.stream._layout import STREAMS, StreamState
from plugio.stream._policy import StreamPolicy
from plugio.stream._transmit import Uploader, upload_backlog

__all__ = ["FinishResult", "Pipeline", "finish_stream"]

logger = logging.getLogger("plugio.stream")
#: Longest wait of the pipeline thread for a lock a task thread may hold.
LOCK_TIMEOUT = 0.25
#: The order of the finish: the console first, then metrics and events.
STAGES: tuple[tuple[str, ...], ...] = (("console",), ("metrics", "events"))


@dataclass(frozen=True)
class FinishResult:
    """How finishing a stream (``close`` or ``sync``) went.

    Attributes:
        complete: Everything is stored and the head records how it ended.
        state: The end recorded (or to be recorded by a later ``sync``).
        exit_code: The task's exit code, when known.
        unsent: Records per stream left only in the journal.
        chunks: Chunks stored by this writer or this sync.
        fenced: The error of a newer writer that owns the stream, if one does.
        error: The last storage error, when not complete.
        ignored_bytes: Bytes of a torn journal tail that were ignored.
    """

    complete: bool
    state: StreamState
    exit_code: int | None = None
    unsent: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STREAMS, 0))
    chunks: int = 0
    fenced: StaleWriterError | None = None
    error: str | None = None
    ignored_bytes: int = 0


@dataclass(frozen=True)
class Ending:
    """How the task ended, as ``close`` recorded it in the journal."""

    state: StreamState
    exit_code: int | None
    ended: float

    def to_json(self) -> dict[str, Any]:
        """The journal's ``C`` record."""
        return {"state": self.state.value, "exit_code": self.exit_code, "ended": self.ended}


class Intake(Protocol):
    """What the pipeline needs from the writer's buffer of new records."""

    dropped: dict[str, int]
    summary_version: int

    def drain(self, timeout: float = -1) -> bool: ...
    def summary_snapshot(self) -> dict[str, Any]: ...


def finish_stream(
    journal: Journal,
    uploader: Uploader,
    ending: Ending,
    *,
    summary: Mapping[str, Any],
    dropped: Mapping[str, int],
    policy: StreamPolicy,
    deadline: float,
) -> FinishResult:
    """Upload what is left in stages, then the summary, then the final head.

    Transient storage errors are retried with backoff until ``deadline`` (a
    ``time.monotonic()`` value), other errors end the attempt; what is left
    then stays in the journal. On success the journal is marked done.
    """
    backoff = 0.05
    while True:
        try:
            return _finish_once(journal, uploader, ending, summary, dropped, policy, deadline)
        except StaleWriterError as exc:
            logger.warning("%s", exc)
            return _result(journal, uploader, ending, fenced=exc)
        except TransientStorageError as exc:
            error = str(exc)
            logger.warning("finishing the stream at %s: %s", uploader.prefix, exc)
        except (PlugioError, OSError) as exc:  # permanent: retrying cannot help
            logger.warning("finishing the stream at %s: %s", uploader.prefix, exc)
            return _result(journal, uploader, ending, error=str(exc))
        if time.monotonic() + backoff >= deadline:
            return _result(journal, uploader, ending, error=error)
        time.sleep(backoff)
        backoff = min(backoff * 2, 2.0)


def _finish_once(
    journal: Journal,
    uploader: Uploader,
    ending: Ending,
    summary: Mapping[str, Any],
    dropped: Mapping[str, int],
    policy: StreamPolicy,
    deadline: float,
) -> FinishResult:
    if not uploader.claimed:
        uploader.claim(journal.state.seq, journal.state.sent)
    for streams in STAGES:
        if not upload_backlog(journal, uploader, streams, policy.max_chunk_bytes, deadline):
            return _result(journal, uploader, ending, error="the deadline passed")
    uploader.publish(
        summary=summary or None,
        state=ending.state,
        exit_code=ending.exit_code,
        ended=ending.ended,
        dropped=dropped,
    )
    journal.append_json(DONE, None, timeout=LOCK_TIMEOUT)
    return _result(journal, uploader, ending, complete=True)


def _result(
    journal: Journal,
    uploader: Uploader,
    ending: Ending,
    *,
    complete: bool = False,
    fenced: StaleWriterError | None = None,
    error: str | None = None,
) -> FinishResult:
    ends = journal.state.ends
    return FinishResult(
        complete=complete,
        state=ending.state,
        exit_code=ending.exit_code,
        unsent={s: max(0, ends[s] - uploader.sent[s]) for s in STREAMS},
        chunks=uploader.chunks_stored,
        fenced=fenced,
        error=error,
        ignored_bytes=journal.state.ignored_bytes,
    )


class Pipeline:
    """The background thread of one writer: journal, send, heartbeat, finish."""

    def __init__(
        self, intake: Intake, journal: Journal, uploader: Uploader, policy: StreamPolicy
    ) -> None:
        self._intake = intake
        self._journal = journal
        self._uploader = uploader
        self._policy = policy
        self._cond = threading.Condition()
        self._urgent = False
        self._closing: tuple[Ending, float] | None = None
        self._interval = policy.first_interval
        self._next_send = 0.0
        self._last_publish = float("-inf")
        self._retry_at = 0.0
        self._failures = 0
        self._summary_sent = 0
        self._published = dict.fromkeys(STREAMS, 0)  # what the last head named
        self.fenced: StaleWriterError | None = None
        self.last_error: str | None = None
        self.result: FinishResult | None = None
        self._thread = threading.Thread(target=self._run, name="plugio-stream", daemon=True)

    def start(self) -> None:
        """Start the thread."""
        self._thread.start()

    def wake(self, *, urgent: bool = False) -> None:
        """Have the thread look at once; ``urgent`` sends without waiting its interval."""
        with self._cond:
            self._urgent = self._urgent or urgent
            self._cond.notify_all()

    def wait_sent(
        self, ends: Mapping[str, int], summary_version: int, timeout: float | None
    ) -> bool:
        """Wait until a head names records up to ``ends`` and the summary is stored.

        False on timeout, or as soon as the writer is fenced out or finished.
        """

        def done() -> bool:
            sent = self._published
            return (
                self.fenced is None
                and self._uploader.claimed
                and self._summary_sent >= summary_version
                and all(sent[s] >= ends[s] for s in STREAMS)
            )

        with self._cond:
            self._cond.wait_for(
                lambda: done() or self.fenced is not None or self.result is not None, timeout
            )
            return done()

    def close(self, ending: Ending, deadline: float) -> FinishResult | None:
        """Ask for the staged finish and wait for it until ``deadline`` (monotonic)."""
        with self._cond:
            self._closing = (ending, deadline)
            self._cond.notify_all()
        return self.wait_finished(max(0.0, deadline - time.monotonic()))

    def wait_finished(self, timeout: float | None) -> FinishResult | None:
        """The finish's result, or None when it is still running after ``timeout``."""
        with self._cond:
            self._cond.wait_for(lambda: self.result is not None, timeout)
            return self.result

    # -- the thread ----------------------------------------------------------
    def _run(self) -> None:
        while True:
            urgent, closing = self._sleep()
            try:
                # Bounded: a signal handler may have interrupted a thread holding these locks.
                self._intake.drain(timeout=LOCK_TIMEOUT)
            except Exception:  # a bug here must not end the stream's thread
                logger.exception("stream %s: journaling failed", self._uploader.prefix)
            if closing is not None:
                self._finish(*closing)
                return
            if self.fenced is None and time.monotonic() >= self._retry_at:
                self._step(urgent)
            with self._cond:
                self._cond.notify_all()

    def _sleep(self) -> tuple[bool, tuple[Ending, float] | None]:
        delay = self._policy.journal_interval
        if self._backlog():
            delay = min(delay, max(0.0, self._next_send - time.monotonic()))
        with self._cond:
            if not (self._urgent or self._closing):
                self._cond.wait(delay)
            urgent, self._urgent = self._urgent, False
            return urgent, self._closing

    def _step(self, urgent: bool) -> None:
        now = time.monotonic()
        try:
            if not self._uploader.claimed:
                self._uploader.claim()
                self._last_publish = now
            if self._backlog() and (urgent or now >= self._next_send or self._chunk_full()):
                self._send_round(now)
            elif now - self._last_publish >= self._policy.heartbeat_interval:
                self._publish()
            self._failures = 0
        except StaleWriterError as exc:
            self.fenced = exc
            logger.warning("%s", exc)
        except Exception as exc:  # the task must never die of its log stream
            self._failures += 1
            self.last_error = str(exc)
            delay = min(self._policy.max_interval, self._policy.first_interval * 2**self._failures)
            self._retry_at = time.monotonic() + delay
            logger.warning(
                "stream %s: send failed, retrying in %.1fs: %s", self._uploader.prefix, delay, exc
            )

    def _send_round(self, now: float) -> None:
        round_deadline = now + self._policy.max_interval
        upload_backlog(
            self._journal, self._uploader, STREAMS, self._policy.max_chunk_bytes, round_deadline
        )
        self._publish()
        self._interval = min(
            self._interval * self._policy.interval_growth, self._policy.max_interval
        )
        self._next_send = now + self._interval

    def _publish(self) -> None:
        version = self._intake.summary_version
        summary = self._intake.summary_snapshot() if version > self._summary_sent else None
        sent = dict(self._uploader.sent)
        self._uploader.publish(
            summary=summary, dropped=self._intake.dropped, has_summary=version > 0
        )
        self._published, self._summary_sent = sent, version
        self._last_publish = time.monotonic()

    def _backlog(self) -> bool:
        """Whether records, the summary or the head (after a failed rewrite) wait to go out."""
        ends, sent = self._journal.state.ends, self._uploader.sent
        return (
            self._intake.summary_version > self._summary_sent
            or sent != self._published
            or any(ends[s] > sent[s] for s in STREAMS)
        )

    def _chunk_full(self) -> bool:
        entries = self._journal.unsent(self._uploader.sent, STREAMS)
        return sum(entry.size for entry in entries) >= self._policy.max_chunk_bytes

    def _finish(self, ending: Ending, deadline: float) -> None:
        if self.fenced is not None:
            result = _result(self._journal, self._uploader, ending, fenced=self.fenced)
        else:
            result = finish_stream(
                self._journal,
                self._uploader,
                ending,
                summary=self._intake.summary_snapshot(),
                dropped=self._intake.dropped,
                policy=self._policy,
                deadline=deadline,
            )
        if result.complete and not self._policy.keep_journal:
            self._journal.remove()
        else:
            self._journal.close()
        with self._cond:
            self.result = result
            self._cond.notify_all()
