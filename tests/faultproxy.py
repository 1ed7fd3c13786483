"""An HTTP reverse proxy that injects faults in front of a storage server.

The proxy forwards every request (method, target, headers, body) to one
upstream ``host:port`` and relays the answer. The ``Host`` header is passed
through unchanged: a client pointed at the proxy signs for the proxy's address
and the upstream verifies the signature over the ``Host`` value it receives.

Faults are set at runtime and apply to the requests accepted by ``match``,
a callable of ``(method, target)`` where ``target`` is the request path with
its query string, as sent by the client::

    with FaultProxy(("127.0.0.1", 8333)) as proxy:
        proxy.fail_next(2, 503)            # two S3-style 503 SlowDown answers
        proxy.reset_connection_next(1)     # then one connection reset
        ...
        assert proxy.failures_injected == 3
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import struct
import sys
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from xml.sax.saxutils import escape

Match = Callable[[str, str], bool]

HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "expect",
        "content-length",
    }
)
#: The status of a fault that answers with bytes that are not HTTP.
GARBLED = -1
DEFAULT_CODES = {
    429: "TooManyRequests",
    500: "InternalError",
    502: "BadGateway",
    503: "SlowDown",
    504: "GatewayTimeout",
}
COPY_SIZE = 1 << 16


def s3_error_body(code: str, message: str = "injected fault") -> bytes:
    """An S3-style XML error document."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{escape(code)}</Code><Message>{escape(message)}</Message>"
        "<RequestId>faultproxy</RequestId></Error>"
    ).encode()


def _match_all(method: str, target: str) -> bool:
    return True


@dataclass
class _Fault:
    remaining: int | None  # None: never runs out
    match: Match
    status: int | None  # None: reset the connection instead of answering
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


class _FaultPlan:
    """Thread-safe list of pending faults and the counters of what was seen."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[_Fault] = []
        self.requests: list[tuple[str, str]] = []
        self.failures_injected = 0

    def add(self, fault: _Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def reset_counters(self) -> None:
        with self._lock:
            self.requests.clear()
            self.failures_injected = 0

    def take(self, method: str, target: str) -> _Fault | None:
        """Record a request and return the fault to apply to it, if any."""
        with self._lock:
            self.requests.append((method, target))
            for fault in self._faults:
                if fault.remaining != 0 and fault.match(method, target):
                    if fault.remaining is not None:
                        fault.remaining -= 1
                    self.failures_injected += 1
                    return fault
        return None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    upstream: tuple[str, int]
    upstream_timeout: float
    plan: _FaultPlan

    def __init__(self, address: tuple[str, int]) -> None:
        super().__init__(address, _Handler)
        self.open_sockets: set[socket.socket] = set()
        self.sockets_lock = threading.Lock()

    def process_request(self, request: socket.socket, client_address: object) -> None:  # type: ignore[override]
        with self.sockets_lock:
            self.open_sockets.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: socket.socket) -> None:  # type: ignore[override]
        with self.sockets_lock:
            self.open_sockets.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: object, client_address: object) -> None:
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return  # the client went away: nothing to report
        super().handle_error(request, client_address)  # type: ignore[arg-type]

    def drop_connections(self) -> None:
        with self.sockets_lock:
            sockets = list(self.open_sockets)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 120
    server: _Server
    _upstream: http.client.HTTPConnection | None = None

    def log_message(self, format: str, *args: object) -> None:
        pass

    def finish(self) -> None:
        if self._upstream is not None:
            self._upstream.close()
        super().finish()

    def _forward(self) -> None:
        body = self._read_body()
        fault = self.server.plan.take(self.command, self.path)
        if fault is not None and fault.status is None:
            self._reset()
        elif fault is not None:
            self._answer_fault(fault)
        else:
            self._relay(body)

    do_GET = do_HEAD = do_PUT = do_POST = do_DELETE = do_PATCH = do_OPTIONS = _forward

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _read_chunked(self) -> bytes:
        parts: list[bytes] = []
        while True:
            size = int(self.rfile.readline(1024).split(b";", 1)[0].strip(), 16)
            if size == 0:
                while self.rfile.readline(65537).strip():  # trailers
                    pass
                return b"".join(parts)
            parts.append(self.rfile.read(size))
            self.rfile.readline(8)

    def _reset(self) -> None:
        """Abort the connection with a TCP reset and no answer."""
        self.close_connection = True
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()

    def _answer_fault(self, fault: _Fault) -> None:
        if fault.status == GARBLED:
            self.close_connection = True
            self.wfile.write(b"HTTP/1.1 2x0 \x00\x01garbled\r\nContent-Length: nope\r\n\r\n")
            return
        self.send_response_only(fault.status or 503)
        for name, value in fault.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(fault.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(fault.body)

    def _request_headers(self, body: bytes) -> dict[str, str]:
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        chunked = "chunked" in self.headers.get("Transfer-Encoding", "").lower()
        if chunked:
            headers["Transfer-Encoding"] = "chunked"
        elif body or "Content-Length" in self.headers:
            headers["Content-Length"] = str(len(body))
        return headers

    def _send_upstream(self, body: bytes) -> http.client.HTTPResponse:
        headers = self._request_headers(body)
        chunked = "Transfer-Encoding" in headers
        for attempt in (1, 2):
            reused = self._upstream is not None
            if self._upstream is None:
                host, port = self.server.upstream
                self._upstream = http.client.HTTPConnection(
                    host, port, timeout=self.server.upstream_timeout
                )
            try:
                self._upstream.putrequest(self.command, self.path, skip_host=True)
                for name, value in headers.items():
                    self._upstream.putheader(name, value)
                self._upstream.endheaders(body if body or chunked else None, encode_chunked=chunked)
                return self._upstream.getresponse()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # An idle upstream connection closed by the server: retry once on a new one.
                self._upstream.close()
                self._upstream = None
                if not reused or attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _relay(self, body: bytes) -> None:
        try:
            response = self._send_upstream(body)
        except OSError as exc:
            self._answer_fault(_Fault(0, _match_all, 502, body=str(exc).encode()))
            return
        self.send_response_only(response.status, response.reason)
        for name, value in response.getheaders():
            if name.lower() not in HOP_BY_HOP - {"content-length"}:
                self.send_header(name, value)
        has_body = self.command != "HEAD" and response.status not in (204, 304)
        chunked = has_body and response.getheader("Content-Length") is None
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self._copy_body(response, chunked)
        if response.will_close and self._upstream is not None:
            self._upstream.close()
            self._upstream = None

    def _copy_body(self, response: http.client.HTTPResponse, chunked: bool) -> None:
        while data := response.read(COPY_SIZE):
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data) if chunked else data)
        if chunked:
            self.wfile.write(b"0\r\n\r\n")


class FaultProxy:
    """A reverse proxy on 127.0.0.1 with a runtime fault plan."""

    def __init__(
        self,
        upstream: tuple[str, int],
        *,
        port: int = 0,
        upstream_timeout: float = 60.0,
    ) -> None:
        self._plan = _FaultPlan()
        self._server = _Server(("127.0.0.1", port))
        self._server.upstream = upstream
        self._server.upstream_timeout = upstream_timeout
        self._server.plan = self._plan
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="faultproxy", daemon=True
        )
        self._thread.start()

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def requests(self) -> list[tuple[str, str]]:
        """``(method, target)`` of every request received, oldest first."""
        with self._plan._lock:
            return list(self._plan.requests)

    @property
    def failures_injected(self) -> int:
        return self._plan.failures_injected

    def fail_next(
        self,
        n: int,
        status: int = 503,
        *,
        code: str | None = None,
        retry_after: float | None = None,
        body: bytes | None = None,
        content_type: str = "application/xml",
        headers: Mapping[str, str] | None = None,
        match: Match | None = None,
    ) -> None:
        """Answer the next ``n`` matching requests with ``status``.

        The default body is an S3 XML error whose ``Code`` is ``code`` or the
        usual S3 code for the status (503: SlowDown, 500: InternalError, ...);
        ``headers`` are added to the answer (e.g. Azure's ``x-ms-error-code``).
        """
        self._plan.add(
            self._fault(n, status, code, retry_after, body, content_type, headers, match)
        )

    def fail_always(
        self,
        status: int = 503,
        *,
        code: str | None = None,
        retry_after: float | None = None,
        body: bytes | None = None,
        content_type: str = "application/xml",
        headers: Mapping[str, str] | None = None,
        match: Match | None = None,
    ) -> None:
        """Answer every matching request with ``status`` until ``clear()``."""
        self._plan.add(
            self._fault(None, status, code, retry_after, body, content_type, headers, match)
        )

    def reset_connection_next(self, n: int, *, match: Match | None = None) -> None:
        """Close the connection with a TCP reset, without an answer, ``n`` times."""
        self._plan.add(_Fault(n, match or _match_all, None))

    def garble_next(self, n: int, *, match: Match | None = None) -> None:
        """Answer with a status line and headers no HTTP client can parse, ``n`` times."""
        self._plan.add(_Fault(n, match or _match_all, GARBLED))

    def clear(self) -> None:
        """Drop every pending fault (the counters are kept)."""
        self._plan.clear()

    def reset_counters(self) -> None:
        self._plan.reset_counters()

    @staticmethod
    def _fault(
        n: int | None,
        status: int,
        code: str | None,
        retry_after: float | None,
        body: bytes | None,
        content_type: str,
        headers: Mapping[str, str] | None,
        match: Match | None,
    ) -> _Fault:
        if body is None:
            body = s3_error_body(code or DEFAULT_CODES.get(status, "ServiceUnavailable"))
        all_headers = {"Content-Type": content_type, **(headers or {})}
        if retry_after is not None:
            all_headers["Retry-After"] = f"{retry_after:g}"
        return _Fault(n, match or _match_all, status, all_headers, body)

    def close(self) -> None:
        self._server.shutdown()
        self._server.drop_connections()
        self._server.server_close()
        self._thread.join(timeout=10)

    def __enter__(self) -> FaultProxy:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
