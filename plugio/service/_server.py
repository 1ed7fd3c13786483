"""The plugio service: one local process carrying the streams of many processes.

It listens on a Unix socket in its own 0700 folder (a loopback TCP port where
Unix sockets are missing), names its address in ``service.json`` (written to
a temporary name, then renamed), and serves each client in a thread of its
own (:class:`Connection`). A stream whose clients all left unfinished is
finished as ``killed`` after the grace period; on SIGTERM (or a ``stop``
frame) every stream is finished within the stop deadline; on start, the
journals an earlier service left behind are finished with ``sync``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import threading
import time
from types import FrameType
from typing import Any

from plugio.service._address import (
    MAX_SOCKET_PATH,
    Address,
    new_token,
    own_folder,
    remove_address,
    write_address,
)
from plugio.service._connection import Connection
from plugio.service._errors import ServiceError
from plugio.service._policy import ServicePolicy
from plugio.service._streams import StreamMux
from plugio.stream import StreamPolicy

try:
    import fcntl
except ImportError:  # pragma: no cover - not on POSIX
    fcntl = None  # type: ignore[assignment]

__all__ = ["AlreadyRunning", "ServiceServer", "serve"]

logger = logging.getLogger("plugio.service")
SOCKET_FILE = "service.sock"
LOCK_FILE = "service.lock"
#: Seconds between the housekeeping looks (orphaned streams, idleness, stop).
TICK = 0.2


class AlreadyRunning(ServiceError):
    """Another service holds the folder; its address file names it."""


class ServiceServer:
    """A service bound to its folder, ready to ``run``.

    Args:
        policy: the service's settings (folder, grace period, deadlines).
        stream_policy: the settings of the streams it writes.
        idle_exit: stop after this many seconds without streams or clients
            (None: run until stopped).

    Raises:
        AlreadyRunning: Another service holds the folder.
        ServiceError: The folder or socket cannot be made.
    """

    def __init__(
        self,
        policy: ServicePolicy | None = None,
        stream_policy: StreamPolicy | None = None,
        *,
        idle_exit: float | None = None,
    ) -> None:
        self.policy = policy if policy is not None else ServicePolicy()
        self.folder = own_folder(self.policy.state_folder())
        self._lock_handle = _lock(os.path.join(self.folder, LOCK_FILE))
        self._idle_exit = idle_exit
        self.mux = StreamMux(
            self.folder,
            self.policy.grace_period,
            stream_policy if stream_policy is not None else StreamPolicy(),
        )
        self._listener, address = _listen(self.folder)
        self.address = Address(address, new_token(), os.getpid())
        self._stopping = threading.Event()
        self._connections: dict[int, Connection] = {}
        self._count = 0
        self._started = time.time()

    def run(self) -> None:
        """Serve until SIGTERM, SIGINT, a ``stop`` frame or idleness; then finish every stream."""
        previous = {
            signum: signal.signal(signum, self._on_signal)
            for signum in (signal.SIGTERM, signal.SIGINT)
        }
        write_address(self.folder, self.address)
        leftovers = threading.Thread(target=self.mux.sync_leftovers, name="plugio-sync")
        leftovers.start()
        housekeeping = threading.Thread(target=self._housekeep, name="plugio-housekeeping")
        housekeeping.start()
        try:
            self._accept()
        finally:
            remove_address(self.folder, self.address)
            self._listener.close()
            self._stopping.set()
            housekeeping.join()
            self.mux.finish_all(self.policy.stop_deadline)
            leftovers.join(1.0)
            for signum, handler in previous.items():
                signal.signal(signum, handler)
            self._unbind()

    def stop(self) -> None:
        """Ask the service to stop (from any thread)."""
        self._stopping.set()

    def status(self) -> dict[str, Any]:
        """The service's state: its process, streams and clients."""
        streams = [stream.status() for stream in self.mux.streams()]
        return {
            "pid": os.getpid(),
            "address": self.address.address,
            "started": self._started,
            "clients": sum(len(s["clients"]) for s in streams),
            "streams": streams,
            "last_error": self.mux.last_error,
        }

    def _accept(self) -> None:
        self._listener.settimeout(TICK)
        while not self._stopping.is_set():
            try:
                sock, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError as exc:
                if self._stopping.is_set():
                    return
                logger.warning("accept: %s", exc)
                time.sleep(TICK)
                continue
            sock.settimeout(None)
            self._count += 1
            connection = Connection(
                sock,
                self._count,
                token=self.address.token,
                mux=self.mux,
                max_frame_bytes=self.policy.max_frame_bytes,
                status=self.status,
                stop=self.stop,
            )
            self._connections[self._count] = connection
            connection.thread.start()

    def _housekeep(self) -> None:
        idle_since = time.monotonic()
        while not self._stopping.wait(TICK):
            for stream in self.mux.orphans():
                logger.info("%s: every client left; finishing it as killed", stream.writer.prefix)
                stream.finish(None, "killed", self.policy.stop_deadline)
            self.mux.forget_finished()
            for number, connection in list(self._connections.items()):
                if not connection.thread.is_alive():
                    del self._connections[number]
            if self._connections or self.mux.streams():
                idle_since = time.monotonic()
            elif self._idle_exit is not None and time.monotonic() - idle_since >= self._idle_exit:
                logger.info("idle for %.0fs: stopping", self._idle_exit)
                self._stopping.set()

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self._stopping.set()

    def _unbind(self) -> None:
        if self.address.address.startswith("unix:"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.address.address[len("unix:") :])
        self._lock_handle.close()


def serve(policy: ServicePolicy | None = None, *, idle_exit: float | None = None) -> None:
    """Run a service in this process until it is stopped (``plugio service``).

    Raises:
        AlreadyRunning: Another service holds the folder.
    """
    ServiceServer(policy, idle_exit=idle_exit).run()


def _lock(path: str) -> Any:
    handle = open(path, "a+")  # noqa: SIM115 - held for the service's life
    if fcntl is not None:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise AlreadyRunning(f"{os.path.dirname(path)}: a plugio service is running") from None
    return handle


def _listen(folder: str) -> tuple[socket.socket, str]:
    """A listening socket in ``folder`` (a loopback port without AF_UNIX) and its address."""
    if hasattr(socket, "AF_UNIX"):
        path = os.path.join(folder, SOCKET_FILE)
        if len(os.fsencode(path)) > MAX_SOCKET_PATH:
            raise ServiceError(
                f"{path}: too long for a Unix socket; set PLUGIO_SERVICE__FOLDER to a shorter path"
            )
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)  # a killed service's; the lock says none runs
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old = os.umask(0o077)
        try:
            listener.bind(path)
        finally:
            os.umask(old)
        listener.listen(128)
        return listener, f"unix:{path}"
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)  # pragma: no cover
    listener.bind(("127.0.0.1", 0))  # pragma: no cover
    listener.listen(128)  # pragma: no cover
    return listener, f"tcp:127.0.0.1:{listener.getsockname()[1]}"  # pragma: no cover
