"""StreamWriter: what a running task writes its console, metrics, events and summary to."""

from __future__ import annotations

import asyncio
import atexit
import logging
import os
import signal
import threading
import time
import uuid
from collections.abc import Mapping, Sequence
from types import FrameType, TracebackType
from typing import Any, Literal

from plugio.storage import DataStore
from plugio.stream._errors import StaleWriterError
from plugio.stream._intake import Intake
from plugio.stream._journal import CLOSE, Journal
from plugio.stream._layout import STREAMS, StreamState
from plugio.stream._pipeline import Ending, FinishResult, Pipeline
from plugio.stream._policy import StreamPolicy
from plugio.stream._process import ConsoleTee
from plugio.stream._transmit import Uploader

__all__ = ["StreamWriter"]

logger = logging.getLogger("plugio.stream")
_FDS = {"stdout": 1, "stderr": 2}
#: How long a signal handler tries for a lock: the locks are held for microseconds,
#: unless by the very code the signal interrupted.
_SIGNAL_LOCK_TIMEOUT = 0.05


class StreamWriter:
    """Streams one task attempt's console, metrics, events and summary to storage.

    Writing never blocks on storage: records go to a buffer, then to a local
    journal (every ``policy.journal_interval``), and a background thread sends
    the journal as immutable chunks under ``prefix`` and rewrites the head.
    Storage failures are retried for as long as the writer lives; nothing is
    dropped for them. ``close`` finishes in stages within a deadline, and
    whatever is left then stays in the journal for ``sync``.

    Args:
        store: where the stream goes.
        prefix: the stream's reference (one stream per attempt).
        journal_dir: a local folder of this stream's own for the journal.
        epoch: the attempt's number; a writer of a higher epoch on the same
            prefix fences this one out, and this one refuses lower ones.
        owner: this writer's token; a random one by default.
        policy: pacing and sizes; ``StreamPolicy()`` (environment) by default.
        install_signal_handlers: on SIGTERM, flush (and, when the signal would
            end the process, finish the stream as ``killed``) before the
            previous handler runs. Only from the main thread.

    Raises:
        JournalError: The journal folder is in use or holds an unfinished stream.
    """

    def __init__(
        self,
        store: DataStore,
        prefix: str,
        *,
        journal_dir: str | os.PathLike[str],
        epoch: int = 0,
        owner: str | None = None,
        policy: StreamPolicy | None = None,
        install_signal_handlers: bool = False,
    ) -> None:
        self._policy = policy if policy is not None else StreamPolicy()
        self._owner = owner or uuid.uuid4().hex
        self._epoch = epoch
        self._prefix = prefix
        meta = {"prefix": prefix, "epoch": epoch, "owner": self._owner, "created": time.time()}
        self._journal = Journal.create(os.fspath(journal_dir), meta, fsync=self._policy.fsync)
        uploader = Uploader(
            store,
            prefix,
            epoch=epoch,
            owner=self._owner,
            conditional=self._policy.conditional_create,
        )
        self._uploader = uploader
        self._intake = Intake(self._journal, self._policy)
        self._pipeline = Pipeline(self._intake, self._journal, uploader, self._policy)
        self._captured: list[ConsoleTee] = []
        self._signals: dict[int, Any] = {}
        self._closing = threading.Lock()
        self._result: FinishResult | None = None
        self._pipeline.start()
        atexit.register(self._at_exit)
        if install_signal_handlers:
            self._install_signal_handlers()

    # -- identity ------------------------------------------------------------
    @property
    def prefix(self) -> str:
        """The stream's reference."""
        return self._prefix

    @property
    def epoch(self) -> int:
        """This writer's epoch."""
        return self._epoch

    @property
    def owner(self) -> str:
        """This writer's token."""
        return self._owner

    @property
    def journal_path(self) -> str:
        """The journal file (gone after a complete finish, unless kept)."""
        return self._journal.path

    @property
    def fenced(self) -> StaleWriterError | None:
        """The error of the newer writer that fenced this one out, if any."""
        return self._pipeline.fenced

    @property
    def dropped(self) -> dict[str, int]:
        """Records per stream that were not kept: written after ``close``, or lost
        to a failing journal disk. Storage failures drop nothing."""
        return dict(self._intake.dropped)

    @property
    def closed(self) -> bool:
        """Whether ``close`` has been called."""
        return self._closing.locked()

    # -- records -------------------------------------------------------------
    def write(self, text: str, stream: Literal["stdout", "stderr"] = "stdout") -> None:
        """Append console text; lines end at ``\\n``, ``\\r`` redraws keep their last state.

        An unfinished line waits for its newline (or ``close``). After
        ``close`` the text is dropped and counted.
        """
        fd = _FDS.get(stream)
        if fd is None:
            raise ValueError(f"stream must be 'stdout' or 'stderr', not {stream!r}")
        if self._intake.console(fd, text):
            self._intake.drain()

    def log_metrics(self, values: Mapping[str, float], *, step: int | None = None) -> None:
        """Append a metrics row: ``step`` (one past the last by default) and named numbers.

        Raises:
            TypeError: A name is not a string or a value not a number.
        """
        if self._intake.metrics(values, step):
            self._intake.drain()

    def log_event(
        self, name: str, attributes: Mapping[str, Any] | None = None, *, level: str = "info"
    ) -> None:
        """Append an event; an ``error`` event is sent at once.

        Raises:
            TypeError: The attributes are not JSON-serialisable.
        """
        if self._intake.event(name, level, attributes or {}) or level == "error":
            self._intake.drain()
        if level == "error":
            self._pipeline.wake(urgent=True)

    def update_summary(self, values: Mapping[str, Any]) -> None:
        """Set summary values: the summary keeps the latest value of each key.

        Raises:
            TypeError: The values are not JSON-serialisable.
        """
        self._intake.update_summary(values)

    def journal_tagged(
        self,
        proc: str | None,
        console: list[list[Any]],
        metrics: Sequence[str] = (),
        events: Sequence[str] = (),
        *,
        urgent: bool = False,
    ) -> bool:
        """Journal records another process wrote, tagged with it (``"rank 3"``, ``"pid 42"``).

        For a service that carries many processes' records into one stream:
        ``console`` items as chunks hold them (``[time, fd, [texts]]``, plus a
        fourth element ``1`` when the last text continues), ``metrics`` and
        ``events`` items encoded as JSON (``[time, step, {values}]``, ``[time,
        name, level, {attributes}]``). Returns True once they are in the
        journal (and so survive this process), False when they were dropped and
        counted (after ``close``, or a failing journal disk). ``urgent`` sends
        at once (an error event among them).
        """
        kept = self._intake.journal_tagged(proc, console, list(metrics), list(events))
        if urgent:
            self._pipeline.wake(urgent=True)
        return kept

    @property
    def journaled(self) -> tuple[dict[str, int], dict[str, int], int]:
        """Records per stream journaled, records per stream uploaded, and chunks uploaded."""
        uploader = self._uploader
        return dict(self._journal.state.ends), dict(uploader.sent), uploader.chunks_stored

    @property
    def backlog_bytes(self) -> int:
        """Bytes of journaled segments holding records not yet uploaded."""
        unsent = self._journal.unsent(dict(self._uploader.sent), STREAMS)
        return sum(entry.size for entry in unsent)

    @property
    def last_error(self) -> str | None:
        """The last storage error of the background sends, if any."""
        return self._pipeline.last_error

    def flush_journal(self, timeout: float = -1) -> bool:
        """Move everything written so far (but unfinished lines) into the journal.

        ``timeout`` bounds the wait for the locks (a signal handler passes
        one); False when they stayed busy.
        """
        return self._intake.drain(timeout)

    def flush(self, timeout: float | None = None) -> bool:
        """Send everything written so far (but unfinished lines) now, and wait.

        Returns True when it is stored and named by the head within ``timeout``
        seconds, False on timeout or when the writer was fenced out.
        """
        self._intake.drain()
        ends = dict(self._journal.state.ends)
        version = self._intake.summary_version
        self._pipeline.wake(urgent=True)
        return self._pipeline.wait_sent(ends, version, timeout)

    def capture_output(self, *, tee: bool = True) -> None:
        """Also stream what this process writes to ``sys.stdout`` and ``sys.stderr``.

        With ``tee`` the text still reaches the original streams. ``close``
        puts the original streams back.
        """
        self._captured.extend(ConsoleTee.install(self, tee=tee))

    # -- finishing -----------------------------------------------------------
    def close(
        self,
        exit_code: int | None = None,
        state: StreamState | str | None = None,
        deadline: float | None = None,
    ) -> FinishResult:
        """Finish the stream: stop capturing, then send the console, then metrics and
        events, then the summary, then the final head with state and exit code.

        ``state`` defaults to ``succeeded`` for exit code 0 or None, else
        ``failed``. ``deadline`` (seconds, ``policy.close_deadline`` by default)
        bounds the wait; what is left stays in the journal for ``sync``.
        Closing again returns the first result.
        """
        return self._close(exit_code, state, deadline, lock_timeout=-1)

    async def close_async(
        self,
        exit_code: int | None = None,
        state: StreamState | str | None = None,
        deadline: float | None = None,
    ) -> FinishResult:
        """Async twin of :meth:`close`."""
        return await asyncio.to_thread(self.close, exit_code, state, deadline)

    def __enter__(self) -> StreamWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc is None:
            self.close()
            return
        if isinstance(exc, SystemExit):
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            self.close(exit_code=code)
            return
        self.log_event(
            "exception", {"type": type(exc).__name__, "message": str(exc)}, level="error"
        )
        self.close(state=StreamState.KILLED if isinstance(exc, KeyboardInterrupt) else "failed")

    def _close(
        self,
        exit_code: int | None,
        state: StreamState | str | None,
        deadline: float | None,
        lock_timeout: float,
    ) -> FinishResult:
        wait = deadline if deadline is not None else self._policy.close_deadline
        until = time.monotonic() + wait
        if not self._closing.acquire(blocking=False):  # closed, or closing in another call
            finished = self._pipeline.wait_finished(wait) or self._result
            return finished or self._pending_result(_resolve_state(state, exit_code), exit_code)
        ending = Ending(_resolve_state(state, exit_code), exit_code, round(time.time(), 3))
        self._release_process_hooks()
        self._intake.close(lock_timeout)
        self._intake.drain(lock_timeout)
        if not self._journal.append_json(CLOSE, ending.to_json(), timeout=lock_timeout):
            logger.warning("stream %s: the close record could not be journaled", self._prefix)
        result = self._pipeline.close(ending, until)
        self._result = result or self._pending_result(ending.state, exit_code)
        return self._result

    def _pending_result(self, state: StreamState, exit_code: int | None) -> FinishResult:
        ends, sent = self._journal.state.ends, self._uploader.sent
        return FinishResult(
            complete=False,
            state=state,
            exit_code=exit_code,
            unsent={s: max(0, ends[s] - sent[s]) for s in STREAMS},
            chunks=self._uploader.chunks_stored,
            fenced=self._pipeline.fenced,
            error=self._pipeline.last_error or "the deadline passed",
        )

    def _release_process_hooks(self) -> None:
        for tee in reversed(self._captured):
            tee.uninstall()
        self._captured.clear()
        atexit.unregister(self._at_exit)
        if threading.current_thread() is threading.main_thread():
            for signum, previous in self._signals.items():
                if signal.getsignal(signum) == self._on_signal:
                    signal.signal(signum, previous)
        self._signals.clear()

    def _at_exit(self) -> None:
        self.close(state=StreamState.UNKNOWN)

    # -- signals -------------------------------------------------------------
    def _install_signal_handlers(self) -> None:
        previous = signal.getsignal(signal.SIGTERM)
        signal.signal(signal.SIGTERM, self._on_signal)
        self._signals[signal.SIGTERM] = previous

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        previous = self._signals.get(signum, signal.SIG_DFL)
        name = signal.Signals(signum).name
        self._intake.note_event("signal", "warning", {"signal": name})
        deadline = self._policy.signal_deadline
        if callable(previous) or previous == signal.SIG_IGN:
            if self._intake.drain(timeout=_SIGNAL_LOCK_TIMEOUT):
                self._pipeline.wake(urgent=True)
                self._pipeline.wait_sent(dict(self._journal.state.ends), 0, deadline)
            if callable(previous):
                previous(signum, frame)
            return
        # The signal would end the process: finish the stream, then end as it would have.
        self._close(128 + signum, StreamState.KILLED, deadline, lock_timeout=_SIGNAL_LOCK_TIMEOUT)
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)


def _resolve_state(state: StreamState | str | None, exit_code: int | None) -> StreamState:
    if state is not None:
        return StreamState(state)
    return StreamState.SUCCEEDED if exit_code in (None, 0) else StreamState.FAILED
