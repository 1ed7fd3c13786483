"""The Python client: a ``StreamWriter``'s surface, carried by the service.

Calls never wait on the service for long: records are encoded into a
bounded buffer and a background thread sends them and reads the
acknowledgements. When the buffer is full a call waits at most
``client_timeout`` for room, then drops the record and counts it. A frame
leaves the buffer only once the service acknowledged it (journaled), so a
connection lost on the way is re-established and the rest resent; the
service skips what it already journaled. After ``os.fork()`` the child starts
afresh: a new connection, tagged with its own process, and an empty buffer.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import uuid
import weakref
from collections.abc import Mapping
from typing import Any, Literal

from plugio.service._address import STREAM_ENV, Address, stream_prefix
from plugio.service._errors import ServiceError
from plugio.service._finish import ServiceFinish, finish_from, process_tag
from plugio.service._link import FrameLink
from plugio.service._protocol import encode_frame, line_frame
from plugio.service._tee import finalize_in_multiprocessing
from plugio.stream import StreamState
from plugio.stream._console import LineAssembler
from plugio.stream._process import ConsoleTee

__all__ = ["ServiceClient"]

logger = logging.getLogger("plugio.service")
#: Bytes of frames sent at once, before waiting for their acknowledgement.
SEND_BATCH = 256 * 1024
#: Longest console line sent whole; longer ones go in pieces.
MAX_LINE_CHARS = 64 * 1024
#: Seconds the sending thread sleeps when nothing asks it to send.
SEND_INTERVAL = 0.05
_FDS = {"stdout": 1, "stderr": 2}
_CLIENTS: weakref.WeakSet[ServiceClient] = weakref.WeakSet()


class ServiceClient:
    """Writes one stream through the service; made by :func:`plugio.service.connect`.

    Args:
        address: the service.
        prefix: the stream.
        epoch: the attempt's number; None to attach to the stream as open.
        proc: this process's tag; None for untagged records (the command's
            own console, as ``plugio run`` captures it).
        owner: ``close`` finishes the stream (else it only leaves it).
        buffer_bytes: frames held until acknowledged.
        timeout: the longest a call waits for room, and for the service.

    Raises:
        OSError, ServiceError: The service cannot be reached, or refused.
    """

    def __init__(
        self,
        address: Address,
        prefix: str,
        *,
        epoch: int | None = None,
        proc: str | None = None,
        owner: bool = True,
        buffer_bytes: int = 8 * 1024 * 1024,
        timeout: float = 5.0,
    ) -> None:
        self._address = address
        self._prefix = prefix
        self._proc = proc
        self._owner = owner
        self._capacity = buffer_bytes
        self._timeout = timeout
        self._tees: list[ConsoleTee] = []
        self._finalizer_due = False
        self._start(epoch)
        self._link.connect_now()
        _CLIENTS.add(self)
        atexit.register(self._at_exit)

    def _start(self, epoch: int | None) -> None:
        hello: dict[str, Any] = {"prefix": self._prefix, "client": uuid.uuid4().hex}
        if epoch is not None:
            hello["epoch"] = epoch
        if self._proc is not None:
            hello["proc"] = self._proc
        self._link = FrameLink(self._address, hello, self._capacity, self._timeout)
        self._lock = threading.Lock()
        self._lines = {1: LineAssembler(MAX_LINE_CHARS), 2: LineAssembler(MAX_LINE_CHARS)}
        self._step = 0
        self._pid = os.getpid()

    # -- identity ------------------------------------------------------------
    @property
    def prefix(self) -> str:
        """The stream's reference."""
        return self._prefix

    @property
    def service_token(self) -> str:
        """The service's environment token (``PLUGIO_SERVICE_TOKEN``), for child processes."""
        return self._address.token_text()

    @property
    def proc(self) -> str | None:
        """This process's tag on its records."""
        return self._proc

    @property
    def acknowledged(self) -> int:
        """Records (and summary updates) the service has journaled, of those sent."""
        return self._link.acknowledged

    @property
    def dropped(self) -> dict[str, int]:
        """Records per stream that could not be handed over: the buffer stayed full for
        the timeout, the service was gone, or they came after ``close``."""
        return dict(self._link.dropped)

    # -- records -------------------------------------------------------------
    def write(self, text: str, stream: Literal["stdout", "stderr"] = "stdout") -> None:
        """Append console text; lines end at ``\\n`` (an unfinished one waits for it)."""
        fd = _FDS.get(stream)
        if fd is None:
            raise ValueError(f"stream must be 'stdout' or 'stderr', not {stream!r}")
        self._check_fork()
        with self._lock:
            runs = self._lines[fd].feed(text)
        self._put_runs(fd, runs)

    def log_metrics(self, values: Mapping[str, float], *, step: int | None = None) -> None:
        """Append a metrics row: ``step`` (one past the last by default) and named numbers.

        Raises:
            TypeError: A name is not a string or a value not a number.
        """
        for name, value in values.items():
            if not isinstance(name, str) or not isinstance(value, (int, float)):
                raise TypeError(f"metrics are named numbers, not {name!r}: {value!r}")
        self._check_fork()
        with self._lock:
            if step is None:
                step = self._step
            self._step = step + 1
        row = {k: float(v) if isinstance(v, bool) else v for k, v in values.items()}
        self._link.put(encode_frame({"op": "metrics", "step": step, "values": row}), "metrics")

    def log_event(
        self, name: str, attributes: Mapping[str, Any] | None = None, *, level: str = "info"
    ) -> None:
        """Append an event (``info``, ``warning``, ``error`` or ``debug``).

        Raises:
            TypeError: The attributes are not JSON-serialisable.
        """
        self._check_fork()
        frame = {"op": "event", "name": name, "level": level, "attributes": dict(attributes or {})}
        self._link.put(_encoded(frame), "events")

    def update_summary(self, values: Mapping[str, Any]) -> None:
        """Set summary values: the summary keeps the latest value of each key.

        Raises:
            TypeError: The values are not JSON-serialisable.
        """
        self._check_fork()
        self._link.put(_encoded({"op": "summary", "values": dict(values)}), "events")

    def flush_journal(self, timeout: float = -1) -> bool:
        """Wait until the service journaled everything written so far (but unfinished
        lines); ``timeout`` (negative: the client's timeout) bounds the wait."""
        self._check_fork()
        return self._link.wait_journaled(self._timeout if timeout < 0 else timeout)

    def flush(self, timeout: float | None = None) -> bool:
        """Send everything written so far (but unfinished lines) to storage, and wait.

        True when it is stored within ``timeout`` seconds (the client's
        timeout by default).
        """
        self._check_fork()
        wait = self._timeout if timeout is None else timeout
        answer = self._link.ask({"op": "flush", "timeout": wait}, wait + self._timeout)
        return bool(answer and answer.get("flushed"))

    def capture_output(self, *, tee: bool = True) -> None:
        """Also send what this process writes to ``sys.stdout`` and ``sys.stderr``.

        With ``tee`` the text still reaches the original streams; ``close``
        puts them back.

        Raises:
            ServiceError: ``tee`` in a process of a ``plugio run --service``
                attempt, on that attempt's stream: ``plugio run`` already takes
                what reaches the original streams, so every line would be there
                twice; ``tee=False`` sends them tagged with this process instead.
        """
        run_stream = os.environ.get(STREAM_ENV)
        on_run_stream = run_stream is not None and stream_prefix(run_stream) == self._prefix
        if tee and self._proc is not None and run_stream and on_run_stream:
            raise ServiceError(
                f"{self._prefix}: plugio run already streams this process's console; "
                "capture_output(tee=False) sends it tagged with the process instead"
            )
        self._tees.extend(ConsoleTee.install(self, tee=tee))

    # -- finishing -----------------------------------------------------------
    def close(
        self,
        exit_code: int | None = None,
        state: StreamState | str | None = None,
        deadline: float | None = None,
    ) -> ServiceFinish:
        """Finish the stream (an owner), or leave it once all this client sent is journaled.

        The service finishes in stages (console, then metrics and events, then
        the summary, then the head) and answers with the state, the summary
        and a sampled history of each metric. ``deadline`` bounds the service's
        finish (30 s by default). Closing again answers at once, incomplete.
        """
        self._check_fork()
        self._uninstall_tees()
        if not self._link.begin_close():
            return ServiceFinish(False, StreamState.UNKNOWN, exit_code, error="closed already")
        atexit.unregister(self._at_exit)
        with self._lock:
            runs = {fd: lines.finish() for fd, lines in self._lines.items()}
        for fd, fd_runs in runs.items():
            self._put_runs(fd, fd_runs, force=True)
        link = self._link
        if not self._owner:
            complete = link.wait_journaled(self._timeout)
            link.disconnect()
            error = None if complete else link.broken or "not every record was acknowledged"
            return ServiceFinish(complete, StreamState.RUNNING, dropped=self.dropped, error=error)
        frame: dict[str, Any] = {"op": "finish", "exit_code": exit_code}
        if state is not None:
            frame["state"] = StreamState(state).value
        frame["deadline"] = 30.0 if deadline is None else deadline
        answer = link.ask(frame, frame["deadline"] + 2 * self._timeout)
        link.disconnect()
        return finish_from(answer, exit_code, self.dropped, link.broken)

    def _at_exit(self) -> None:
        if os.getpid() == self._pid:
            self.close(state=StreamState.UNKNOWN if self._owner else None)

    def _put_runs(self, fd: int, runs: list[tuple[list[str], bool]], force: bool = False) -> None:
        for texts, more in runs:
            last = len(texts) - 1
            for index, line in enumerate(texts):
                frame = line_frame(line, fd, more and index == last)
                self._link.put(frame, "console", force=force)

    def _check_fork(self) -> None:
        if os.getpid() != self._pid:
            _after_fork(self)
        if self._finalizer_due:  # multiprocessing set its child up by now
            self._finalizer_due = False
            finalize_in_multiprocessing(self._at_exit)

    def _uninstall_tees(self) -> None:
        for tee in reversed(self._tees):
            tee.uninstall()
        self._tees.clear()


def _after_fork(client: ServiceClient) -> None:
    """In a forked child: start afresh, tagged with this process; connect on first use.

    The parent's connection (its socket inherited) stays the parent's: the
    child only drops its copy. The stream belongs to the parent: the child's
    ``close`` leaves it.
    """
    client._link.forget_in_child()
    tag = process_tag()
    client._proc = tag if tag.startswith("pid ") else f"{tag} pid {os.getpid()}"
    client._owner = False
    client._start(None)
    atexit.register(client._at_exit)
    client._finalizer_due = True


def _at_fork_in_child() -> None:
    for client in list(_CLIENTS):
        _after_fork(client)


def _encoded(frame: dict[str, Any]) -> bytes:
    try:
        return encode_frame(frame)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"not JSON-serialisable: {exc}") from None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_at_fork_in_child)
