"""One client connection of the service: authenticate, read frames, journal, acknowledge."""

from __future__ import annotations

import hmac
import logging
import os
import socket
import struct
import threading
import time
from collections.abc import Callable
from typing import Any

from plugio.errors import PlugioError
from plugio.service._errors import ProtocolError
from plugio.service._protocol import (
    CONTROL_OPS,
    Batch,
    Hello,
    encode_frame,
    parse_frames,
    parse_hello,
)
from plugio.service._streams import ServiceStream, StreamMux
from plugio.stream import StreamState

__all__ = ["Connection", "peer_uid"]

logger = logging.getLogger("plugio.service")
#: Bytes read from a socket at once; with ``max_frame_bytes`` it bounds a connection's buffer.
READ_SIZE = 64 * 1024


def peer_uid(sock: socket.socket) -> int | None:
    """The user id of the process at the other end of a Unix socket (Linux); None elsewhere."""
    option = getattr(socket, "SO_PEERCRED", None)
    if option is None or sock.family != getattr(socket, "AF_UNIX", None):
        return None
    credentials = sock.getsockopt(socket.SOL_SOCKET, option, struct.calcsize("3i"))
    _, uid, _ = struct.unpack("3i", credentials)
    return int(uid)


class Connection:
    """Serves one client in a thread of its own.

    The connection reads at most ``READ_SIZE`` bytes at a time and holds at
    most one unfinished frame of ``max_frame_bytes``; the frames of one read
    are journaled as one batch, and nothing more is read until the journal
    took them: a client that writes faster than the disk is held back by its
    socket, not by the service's memory. A malformed frame is answered with an
    ``error`` frame and closes this connection only.
    """

    def __init__(
        self,
        sock: socket.socket,
        number: int,
        *,
        token: str,
        mux: StreamMux,
        max_frame_bytes: int,
        status: Callable[[], dict[str, Any]],
        stop: Callable[[], None],
    ) -> None:
        self._sock = sock
        self.number = number
        self._token = token
        self._mux = mux
        self._max_frame = max_frame_bytes
        self._status = status
        self._stop = stop
        self._hello: Hello | None = None
        self._stream: ServiceStream | None = None
        self._frames = 0
        self._step = 0
        self._done = False
        self.thread = threading.Thread(
            target=self.serve, name=f"plugio-client-{number}", daemon=True
        )

    def serve(self) -> None:
        """Read and answer frames until the client leaves or breaks the protocol."""
        try:
            self._refuse_other_users()
            self._read_frames()
        except ProtocolError as exc:
            self._send({"error": str(exc)})
        except OSError as exc:
            logger.info("client %d: %s", self.number, exc)
        finally:
            if self._stream is not None:
                self._mux.detach(self._stream, self.number)
            self._sock.close()

    def _refuse_other_users(self) -> None:
        uid = peer_uid(self._sock)
        if uid is not None and uid != os.getuid():
            raise ProtocolError(
                f"refused: the client runs as uid {uid}, the service as {os.getuid()}"
            )

    def _read_frames(self) -> None:
        pending = b""
        while not self._done:
            data = self._sock.recv(READ_SIZE)
            if not data:
                if pending.strip():
                    raise ProtocolError(f"frame {self._frames + 1}: cut off by the end of input")
                return
            pending += data
            if b"\n" not in data:
                if len(pending) > self._max_frame:
                    raise ProtocolError(
                        f"frame {self._frames + 1}: longer than {self._max_frame} bytes"
                    )
                continue
            *lines, pending = pending.split(b"\n")
            self._handle(lines)
            if len(pending) > self._max_frame:
                raise ProtocolError(
                    f"frame {self._frames + 1}: longer than {self._max_frame} bytes"
                )

    def _handle(self, lines: list[bytes]) -> None:
        batch = Batch()
        now = round(time.time(), 3)
        lines = [line for line in lines if line.strip()]
        for frame in parse_frames(lines, self._frames + 1):
            self._frames += 1
            if self._hello is None:
                self._greet(frame)
                continue
            op = frame["op"]
            if op in CONTROL_OPS:
                self._commit(batch)
                batch = Batch()
                self._control(op, frame)
                if self._done:
                    return
            else:
                if self._stream is None:
                    raise ProtocolError(f"frame {self._frames}: {op} needs a hello with a prefix")
                self._step = batch.add(frame, self._frames, now, self._step)
        self._commit(batch)

    def _greet(self, frame: dict[str, Any]) -> None:
        hello = parse_hello(frame)
        if not hmac.compare_digest(hello.token.encode(), self._token.encode()):
            raise ProtocolError("refused: wrong token")
        self._hello = hello
        if hello.prefix is None:
            self._send({"ok": 0})
            return
        proc = hello.proc or f"connection {self.number}"
        try:
            self._stream = self._mux.attach(hello.prefix, hello.epoch, self.number, proc)
        except (ValueError, PlugioError) as exc:
            raise ProtocolError(f"{hello.prefix}: cannot open the stream: {exc}") from None
        self._send({"ok": self._stream.acked.get(self._client_id, 0)})

    @property
    def _client_id(self) -> str:
        hello = self._hello
        return hello.client if hello is not None and hello.client else f"#{self.number}"

    def _commit(self, batch: Batch) -> None:
        if not batch.frames or self._stream is None or self._hello is None:
            return
        if not self._stream.journal(self._hello.proc, batch, self._client_id):
            raise ProtocolError(f"{self._stream.writer.prefix}: the stream is finished")
        self._send({"ok": self._stream.acked[self._client_id]})

    def _control(self, op: str, frame: dict[str, Any]) -> None:
        stream = self._stream
        if op == "status":
            self._send({"status": self._status()})
        elif op == "stop":
            self._send({"stopping": True})
            self._stop()
        elif stream is None:
            raise ProtocolError(f"frame {self._frames}: {op} needs a hello with a prefix")
        elif op == "flush":
            timeout = _number(frame, "timeout", self._frames)
            flushed = stream.writer.flush(timeout)
            self._send({"ok": stream.acked.get(self._client_id, 0), "flushed": flushed})
        else:
            code = frame.get("exit_code")
            if code is not None and (not isinstance(code, int) or isinstance(code, bool)):
                raise ProtocolError(f"frame {self._frames}: exit_code must be a whole number")
            state = frame.get("state")
            if state is not None and state not in {s.value for s in StreamState}:
                raise ProtocolError(f"frame {self._frames}: unknown state {state!r}")
            answer = stream.finish(code, state, _number(frame, "deadline", self._frames))
            self._send({"ok": stream.acked.get(self._client_id, 0), "finished": answer})
            self._done = True

    def _send(self, document: dict[str, Any]) -> None:
        try:
            self._sock.sendall(encode_frame(document))
        except OSError as exc:  # the client left; reading will say so
            logger.info("client %d: %s", self.number, exc)


def _number(frame: dict[str, Any], name: str, number: int) -> float | None:
    value = frame.get(name)
    if value is None:
        return None
    if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
        raise ProtocolError(f"frame {number}: {name} must be a number of seconds >= 0")
    return float(value)
