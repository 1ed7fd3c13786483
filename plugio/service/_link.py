"""A client's link to the service: a bounded buffer of frames, sent and acknowledged.

A frame leaves the buffer only once the service acknowledged it (journaled),
so a connection lost on the way is re-established and the rest resent; the
service skips what it had journaled already (the client's id says whose
frames they are). A background thread sends and reads the acknowledgements;
the callers only wait for room, and at most ``timeout`` seconds.
"""

from __future__ import annotations

import collections
import contextlib
import json
import logging
import socket
import threading
import time
from typing import Any

from plugio.service._address import Address
from plugio.service._errors import ServiceError
from plugio.service._protocol import encode_frame

__all__ = ["FrameLink"]

logger = logging.getLogger("plugio.service")
#: Bytes of frames sent at once, before waiting for their acknowledgement.
SEND_BATCH = 256 * 1024
#: Seconds the sending thread sleeps when nothing asks it to send.
SEND_INTERVAL = 0.05


class FrameLink:
    """One connection's frames, from the callers' threads to the service's journal.

    Args:
        address: the service.
        hello: the ``hello`` frame's fields (without the token).
        capacity: bytes of frames held until acknowledged.
        timeout: the longest a call waits for room, and for an answer.
    """

    def __init__(
        self, address: Address, hello: dict[str, Any], capacity: int, timeout: float
    ) -> None:
        self._address = address
        self._hello = hello
        self._capacity = capacity
        self._timeout = timeout
        self._lock = threading.Condition()
        self._asking = threading.Lock()
        self._queue: collections.deque[tuple[bytes, str]] = collections.deque()
        self._unacked: collections.deque[tuple[bytes, str]] = collections.deque()
        self._bytes = 0
        self._queued_bytes = 0
        self._sent = 0  # data frames handed to the socket, since the first hello
        self._acked = 0
        self._request: bytes | None = None
        self._answer: dict[str, Any] | None = None
        self._sock: socket.socket | None = None
        self._reader: Any = None
        self._thread: threading.Thread | None = None
        self._closed = False
        self._congested = False  # a wait for room timed out; drop until half empty
        self.broken: str | None = None
        self.dropped = {"console": 0, "metrics": 0, "events": 0}

    @property
    def acknowledged(self) -> int:
        """Data frames the service journaled."""
        return self._acked

    def forget_in_child(self) -> None:
        """In a forked child: drop the inherited socket without touching the parent's."""
        sock, self._sock = self._sock, None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.detach()

    def begin_close(self) -> bool:
        """Refuse new frames from now on; False when closing had begun already."""
        with self._lock:
            closed, self._closed = self._closed, True
            return not closed

    def wait_journaled(self, timeout: float) -> bool:
        """Wait until every frame queued so far is acknowledged; False on timeout."""
        until = time.monotonic() + timeout
        with self._lock:
            target = self._sent + len(self._queue)
            self._lock.notify_all()
            while self._acked < target and self.broken is None:
                left = until - time.monotonic()
                if left <= 0:
                    return False
                self._lock.wait(left)
            return self._acked >= target

    # -- the buffer ----------------------------------------------------------
    def put(self, frame: bytes, stream: str, *, force: bool = False) -> None:
        """Queue a data frame; wait at most the timeout for room, else drop and count it.

        Once a wait timed out, frames are dropped at once until the buffer is
        half empty again: a stalled service costs the caller one timeout, not
        one per record. ``force`` queues it even after ``close`` began (a last
        unfinished line).
        """
        with self._lock:
            if (self._closed and not force) or self.broken is not None:
                self.dropped[stream] += 1
                return
            if self._bytes + len(frame) > self._capacity:
                if self._congested:
                    self.dropped[stream] += 1
                    return
                until = time.monotonic() + self._timeout
                self._lock.notify_all()
                while self._bytes + len(frame) > self._capacity and self.broken is None:
                    left = until - time.monotonic()
                    if left <= 0:
                        break
                    self._lock.wait(left)
                if self._bytes + len(frame) > self._capacity or self.broken is not None:
                    self._congested = True
                    self.dropped[stream] += 1
                    return
            self._queue.append((frame, stream))
            self._bytes += len(frame)
            self._queued_bytes += len(frame)
            if self._queued_bytes >= SEND_BATCH:
                self._lock.notify_all()
        self._ensure_thread()

    def ask(self, frame: dict[str, Any], timeout: float) -> dict[str, Any] | None:
        """Send a control frame after every data frame; its answer (None: none came)."""
        until = time.monotonic() + timeout
        with self._asking:
            with self._lock:
                self._request, self._answer = encode_frame(frame), None
                self._lock.notify_all()
            self._ensure_thread()
            with self._lock:
                while self._answer is None and self.broken is None:
                    left = until - time.monotonic()
                    if left <= 0:
                        break
                    self._lock.wait(left)
                answer, self._answer, self._request = self._answer, None, None
                return answer

    # -- the sending thread --------------------------------------------------
    def _ensure_thread(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            with self._lock:
                if self._thread is None or not self._thread.is_alive():
                    self._thread = threading.Thread(
                        target=self._send_loop, name="plugio-service-client", daemon=True
                    )
                    self._thread.start()

    def _send_loop(self) -> None:
        while True:
            with self._lock:
                if not self._queue and self._request is None:
                    if self._closed:
                        return
                    self._lock.wait(SEND_INTERVAL)
                if not self._queue and self._request is None:
                    if self._closed:
                        return
                    continue
                batch, size = [], 0
                while self._queue and size < SEND_BATCH:
                    item = self._queue.popleft()
                    batch.append(item)
                    size += len(item[0])
                self._queued_bytes -= size
                self._unacked.extend(batch)
                self._sent += len(batch)
                request = None
                if not self._queue:
                    request, self._request = self._request, None
                target = self._sent
            try:
                self._exchange(b"".join(frame for frame, _ in batch), request, target)
            except (OSError, ServiceError) as exc:
                with self._lock:
                    if request is not None and self._answer is None:
                        self._request = request  # asked again once reconnected
                if not self._recover(exc):
                    return

    def _exchange(self, data: bytes, request: bytes | None, target: int) -> None:
        sock = self._connection()
        if data:
            sock.sendall(data)
        if request is not None:
            sock.sendall(request)
        while self._acked < target or request is not None:
            reply = self._read_reply()
            if "error" in reply:
                raise ServiceError(f"the service refused: {reply['error']}")
            if "ok" in reply:
                self._take_ack(int(reply["ok"]))
            if request is not None and ("flushed" in reply or "finished" in reply):
                with self._lock:
                    self._answer = reply
                    self._lock.notify_all()
                request = None

    def _take_ack(self, acked: int) -> None:
        with self._lock:
            while self._acked < acked and self._unacked:
                frame, _ = self._unacked.popleft()
                self._bytes -= len(frame)
                self._acked += 1
            self._acked = max(self._acked, acked)
            if self._bytes <= self._capacity // 2:
                self._congested = False
            self._lock.notify_all()

    def _recover(self, exc: Exception) -> bool:
        """After a lost connection: True to go on (reconnected, the rest to resend)."""
        self._drop_socket()
        logger.warning("stream %s through the service: %s", self._hello.get("prefix"), exc)
        if isinstance(exc, ServiceError) and "refused" in str(exc):
            return self._give_up(str(exc))
        until = time.monotonic() + self._timeout
        while time.monotonic() < until:
            try:
                self._connection()
            except (OSError, ServiceError):
                time.sleep(0.1)
                continue
            with self._lock:  # resend what was not acknowledged, in order
                self._queue.extendleft(reversed(self._unacked))
                self._queued_bytes += sum(len(f) for f, _ in self._unacked)
                self._sent -= len(self._unacked)
                self._unacked.clear()
            return True
        return self._give_up(f"the service is gone: {exc}")

    def _give_up(self, reason: str) -> bool:
        with self._lock:
            self.broken = reason
            for frame, stream in [*self._unacked, *self._queue]:
                self.dropped[stream] += 1
                self._bytes -= len(frame)
            self._unacked.clear()
            self._queue.clear()
            self._lock.notify_all()
        return False

    # -- the connection ------------------------------------------------------
    def connect_now(self) -> None:
        """Connect in the caller's thread (a bad token or prefix shows at once).

        Raises:
            OSError, ServiceError: The service cannot be reached or refused.
        """
        self._connection()

    def _connection(self) -> socket.socket:
        if self._sock is not None:
            return self._sock
        sock = self._address.connect(self._timeout)
        sock.settimeout(max(self._timeout, 60.0))  # a journal batch or a finish takes a while
        hello = {"op": "hello", "token": self._address.token, **self._hello}
        sock.sendall(encode_frame(hello))
        self._sock, self._reader = sock, sock.makefile("rb")
        reply = self._read_reply()
        if "error" in reply:
            self._drop_socket()
            raise ServiceError(f"the service refused: {reply['error']}")
        self._take_ack(int(reply.get("ok", 0)))
        return sock

    def _read_reply(self) -> dict[str, Any]:
        line = self._reader.readline() if self._reader is not None else b""
        if not line:
            raise ServiceError("the service closed the connection")
        reply = json.loads(line)
        if not isinstance(reply, dict):
            raise ServiceError(f"the service answered {line[:80]!r}")
        return reply

    def _drop_socket(self) -> None:
        sock, reader, self._sock, self._reader = self._sock, self._reader, None, None
        for part in (reader, sock):
            if part is not None:
                with contextlib.suppress(OSError):
                    part.close()

    def disconnect(self) -> None:
        """Stop the sending thread once everything queued went out, and close."""
        thread = self._thread
        with self._lock:
            self._closed = True
            self._lock.notify_all()
        if thread is not None and thread is not threading.current_thread():
            thread.join(self._timeout)
        self._drop_socket()
