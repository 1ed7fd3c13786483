"""The test storage servers and the fault proxy, driven by the raw fsspec clients.

These tests also pin down what s3fs, gcsfs and adlfs raise for server faults
and how often they retry on their own, which the storage layer's error
translation relies on.
"""

from __future__ import annotations

import errno
import http.client
import os
import socket
import threading
import time
import types
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar

import pytest
from faultproxy import FaultProxy
from servers import (
    AzureServer,
    GCSServer,
    S3Server,
    ServerUnavailable,
    azure_connection_string,
    azurite_server,
    configure_client_environment,
    fake_gcs_server,
    free_ports,
    seaweedfs_server,
)

configure_client_environment()

import adlfs  # noqa: E402  (the SDKs read the environment set just above)
import aiohttp  # noqa: E402
import azure.core.exceptions as azure_errors  # noqa: E402
import botocore.exceptions  # noqa: E402
import gcsfs  # noqa: E402
import gcsfs.retry  # noqa: E402
import s3fs  # noqa: E402
from azure.storage.blob.aio import BlobServiceClient, LinearRetry  # noqa: E402
from botocore.auth import SigV4Auth  # noqa: E402
from botocore.awsrequest import AWSRequest  # noqa: E402
from botocore.credentials import Credentials  # noqa: E402

T = TypeVar("T")
EREMOTEIO = 121  # what s3fs uses for a 500 InternalError


def _serve(start: Callable[[], AbstractContextManager[T]]) -> Iterator[T]:
    """Run a server for the session; skip (or fail on CI) when it is not installed."""
    try:
        manager = start()
        value = manager.__enter__()
    except ServerUnavailable as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"server not installed: {exc.reason}")
        pytest.skip(exc.reason)
    try:
        yield value
    finally:
        manager.__exit__(None, None, None)


@pytest.fixture(scope="session")
def _s3_server_check() -> Iterator[S3Server]:
    yield from _serve(seaweedfs_server)


@pytest.fixture(scope="session")
def _gcs_server_check() -> Iterator[GCSServer]:
    yield from _serve(fake_gcs_server)


@pytest.fixture(scope="session")
def _azure_server_check() -> Iterator[AzureServer]:
    yield from _serve(azurite_server)


@pytest.fixture
def s3(_s3_server_check: S3Server) -> S3Server:
    return _s3_server_check


@pytest.fixture
def gcs(_gcs_server_check: GCSServer) -> GCSServer:
    return _gcs_server_check


@pytest.fixture
def az(_azure_server_check: AzureServer) -> AzureServer:
    return _azure_server_check


def unique(prefix: str) -> str:
    return f"{prefix}/{uuid.uuid4().hex[:12]}"


def refused_url() -> str:
    (port,) = free_ports(1)
    return f"http://127.0.0.1:{port}"


def s3_fs(server: S3Server, endpoint_url: str | None = None, **kwargs: Any) -> Any:
    return s3fs.S3FileSystem(
        key=kwargs.pop("key", server.access_key_id),
        secret=kwargs.pop("secret", server.secret_access_key),
        endpoint_url=endpoint_url or server.endpoint_url,
        skip_instance_cache=True,
        **kwargs,
    )


def s3_fs_no_retry(server: S3Server, endpoint_url: str) -> Any:
    """s3fs with neither botocore's nor s3fs's own retries."""
    fs = s3_fs(server, endpoint_url, config_kwargs={"retries": {"total_max_attempts": 1}})
    fs.retries = 1  # a class attribute in s3fs, not a constructor argument
    return fs


def gcs_fs(server: GCSServer, endpoint_url: str | None = None, retries: bool = True) -> Any:
    fs = gcsfs.GCSFileSystem(
        endpoint_url=endpoint_url or server.endpoint_url,
        token="anon",
        project=server.project,
        skip_instance_cache=True,
    )
    if not retries:
        # gcsfs has no setting for this: its retry decorator is fixed at class creation.
        fs._request = types.MethodType(gcsfs.GCSFileSystem._request.__wrapped__, fs)
    return fs


def azure_fs(blob_endpoint: str, retry_policy: Any = None) -> Any:
    connection_string = azure_connection_string(blob_endpoint)
    fs = adlfs.AzureBlobFileSystem(connection_string=connection_string, skip_instance_cache=True)
    if retry_policy is not None:
        # adlfs has no retry setting; its client can be replaced by one that has.
        fs.service_client = BlobServiceClient.from_connection_string(
            connection_string, retry_policy=retry_policy
        )
    return fs


def roundtrip(fs: Any, root: str) -> None:
    base = unique(root)
    fs.pipe_file(f"{base}/a.txt", b"alpha")
    fs.pipe_file(f"{base}/sub/b.bin", bytes(range(256)) * 64)
    assert fs.cat_file(f"{base}/a.txt") == b"alpha"
    assert fs.cat_file(f"{base}/sub/b.bin") == bytes(range(256)) * 64
    assert fs.info(f"{base}/a.txt")["size"] == 5
    assert sorted(fs.find(base)) == [f"{base}/a.txt", f"{base}/sub/b.bin"]
    fs.rm_file(f"{base}/a.txt")
    fs.invalidate_cache()
    with pytest.raises(FileNotFoundError):
        fs.cat_file(f"{base}/a.txt")


# -- the servers ----------------------------------------------------------------


def test_seaweedfs_roundtrip(s3: S3Server) -> None:
    roundtrip(s3_fs(s3), s3.bucket)


def test_seaweedfs_rejects_wrong_secret(s3: S3Server) -> None:
    fs = s3_fs(s3, secret="not-the-secret")
    with pytest.raises(PermissionError):
        fs.ls(s3.bucket)
    with pytest.raises(PermissionError):
        fs.pipe_file(f"{s3.bucket}/denied", b"x")


def _signed_get(server: S3Server, signed_host: str, sent_host: str) -> int:
    request = AWSRequest("GET", f"http://{signed_host}/{server.bucket}?list-type=2")
    credentials = Credentials(server.access_key_id, server.secret_access_key)
    SigV4Auth(credentials, "s3", server.region).add_auth(request)
    headers = {**dict(request.headers.items()), "Host": sent_host}
    connection = http.client.HTTPConnection(*server.address, timeout=10)
    try:
        connection.request("GET", f"/{server.bucket}?list-type=2", headers=headers)
        return connection.getresponse().status
    finally:
        connection.close()


def test_seaweedfs_signature_covers_the_host_header(s3: S3Server) -> None:
    """The proxy must pass Host through: SeaweedFS checks the signature over it."""
    assert _signed_get(s3, "127.0.0.1:1", "127.0.0.1:1") == 200
    assert _signed_get(s3, "127.0.0.1:1", "127.0.0.1:2") == 403


def test_fake_gcs_roundtrip(gcs: GCSServer) -> None:
    roundtrip(gcs_fs(gcs), gcs.bucket)


def test_azurite_roundtrip(az: AzureServer) -> None:
    roundtrip(azure_fs(az.endpoint_url), az.container)


# -- the proxy in front of SeaweedFS ---------------------------------------------


@pytest.fixture
def s3_proxy(s3: S3Server) -> Iterator[FaultProxy]:
    with FaultProxy(s3.address) as proxy:
        yield proxy


def test_s3fs_through_the_proxy(s3: S3Server, s3_proxy: FaultProxy) -> None:
    fs = s3_fs(s3, s3_proxy.endpoint_url)
    roundtrip(fs, s3.bucket)
    path = unique(s3.bucket)
    with fs.open(path, "wb", block_size=5 * 2**20) as f:  # a multipart upload
        f.write(b"m" * (11 * 2**20))
    assert fs.info(path)["size"] == 11 * 2**20
    methods = {method for method, _ in s3_proxy.requests}
    assert {"PUT", "GET", "HEAD", "POST", "DELETE"} <= methods
    assert s3_proxy.failures_injected == 0
    with pytest.raises(PermissionError):  # signatures are still checked
        s3_fs(s3, s3_proxy.endpoint_url, secret="not-the-secret").ls(s3.bucket)


def test_fail_next_fails_that_many_requests(s3: S3Server, s3_proxy: FaultProxy) -> None:
    fs = s3_fs_no_retry(s3, s3_proxy.endpoint_url)
    path = unique(s3.bucket)
    s3_proxy.fail_next(2, 503, match=lambda method, target: method == "PUT")
    fs.ls(s3.bucket)  # not matched
    for _ in range(2):
        with pytest.raises(OSError, match="injected fault") as caught:
            fs.pipe_file(path, b"x")
        assert caught.value.errno == errno.EBUSY
    fs.pipe_file(path, b"x")
    assert s3_proxy.failures_injected == 2
    assert [m for m, _ in s3_proxy.requests].count("PUT") == 3


@pytest.mark.parametrize(
    ("status", "code", "retry_after", "expected_errno"),
    [
        (503, "SlowDown", None, errno.EBUSY),
        (503, "ServiceUnavailable", None, errno.EBUSY),
        (500, "InternalError", None, EREMOTEIO),
        (429, "TooManyRequests", 1, errno.EIO),
    ],
)
@pytest.mark.parametrize("operation", ["put", "head"])
def test_s3fs_error_for_a_status(
    s3: S3Server,
    s3_proxy: FaultProxy,
    status: int,
    code: str,
    retry_after: float | None,
    expected_errno: int,
    operation: str,
) -> None:
    """s3fs raises a plain OSError whose errno depends on the status; the cause is botocore's."""
    fs = s3_fs_no_retry(s3, s3_proxy.endpoint_url)
    path = unique(s3.bucket)
    fs.pipe_file(path, b"x")
    s3_proxy.fail_next(1, status, code=code, retry_after=retry_after)
    with pytest.raises(OSError, match=r"\[Errno") as caught:
        fs.pipe_file(path, b"y") if operation == "put" else fs.info(path)
    assert type(caught.value) is OSError
    assert caught.value.errno == expected_errno
    cause = caught.value.__cause__
    assert isinstance(cause, botocore.exceptions.ClientError)
    # A HEAD answer has no body, so only a PUT carries the S3 error code.
    expected_code = code if operation == "put" else str(status)
    assert cause.response["Error"]["Code"] == expected_code
    assert cause.response["ResponseMetadata"]["HTTPStatusCode"] == status
    assert len(s3_proxy.requests) == 2


def test_s3fs_connection_reset(s3: S3Server, s3_proxy: FaultProxy) -> None:
    """aiohttp resends an idempotent request once; the second reset reaches s3fs."""
    fs = s3_fs_no_retry(s3, s3_proxy.endpoint_url)
    path = unique(s3.bucket)
    s3_proxy.reset_connection_next(2)
    with pytest.raises(botocore.exceptions.EndpointConnectionError) as caught:
        fs.pipe_file(path, b"x")
    assert not isinstance(caught.value, OSError)
    assert isinstance(caught.value.__context__, aiohttp.ClientOSError)
    assert caught.value.__context__.errno == errno.ECONNRESET
    assert len(s3_proxy.requests) == 2


def test_s3fs_connection_refused(s3: S3Server) -> None:
    fs = s3_fs_no_retry(s3, refused_url())
    with pytest.raises(botocore.exceptions.EndpointConnectionError) as caught:
        fs.cat_file(f"{s3.bucket}/x")
    assert not isinstance(caught.value, OSError)
    assert isinstance(caught.value.__context__, aiohttp.ClientConnectorError)


def test_s3fs_retries_by_default(s3: S3Server, s3_proxy: FaultProxy) -> None:
    fs = s3_fs(s3, s3_proxy.endpoint_url)
    path = unique(s3.bucket)
    fs.pipe_file(path, b"x")
    s3_proxy.fail_next(2, 503)
    assert fs.cat_file(path) == b"x"
    assert s3_proxy.failures_injected == 2


# -- gcsfs and adlfs through the proxy ----------------------------------------------

GCS_503 = b'{"error": {"code": 503, "message": "backend unavailable"}}'


@pytest.fixture
def gcs_proxy(gcs: GCSServer) -> Iterator[FaultProxy]:
    with FaultProxy(gcs.address) as proxy:
        yield proxy


def test_gcsfs_retries_a_503_by_itself(gcs: GCSServer, gcs_proxy: FaultProxy) -> None:
    fs = gcs_fs(gcs, gcs_proxy.endpoint_url)
    path = unique(gcs.bucket)
    fs.pipe_file(path, b"x")
    gcs_proxy.fail_next(1, 503, body=GCS_503, content_type="application/json")
    assert fs.cat_file(path) == b"x"
    assert gcs_proxy.failures_injected == 1
    assert len(gcs_proxy.requests) == 3


def test_gcsfs_error_for_a_503(gcs: GCSServer, gcs_proxy: FaultProxy) -> None:
    """gcsfs raises its own HttpError, not an OSError."""
    fs = gcs_fs(gcs, gcs_proxy.endpoint_url, retries=False)
    path = unique(gcs.bucket)
    fs.pipe_file(path, b"x")
    gcs_proxy.fail_next(1, 503, body=GCS_503, content_type="application/json")
    with pytest.raises(gcsfs.retry.HttpError) as caught:
        fs.cat_file(path)
    assert not isinstance(caught.value, OSError)
    assert caught.value.code == 503
    assert len(gcs_proxy.requests) == 2


def test_gcsfs_connection_errors(gcs: GCSServer, gcs_proxy: FaultProxy) -> None:
    fs = gcs_fs(gcs, gcs_proxy.endpoint_url, retries=False)
    gcs_proxy.reset_connection_next(1)  # a POST: aiohttp does not resend it
    with pytest.raises(aiohttp.ClientOSError) as reset:
        fs.pipe_file(unique(gcs.bucket), b"x")
    assert reset.value.errno == errno.ECONNRESET
    down = gcs_fs(gcs, refused_url(), retries=False)
    with pytest.raises(aiohttp.ClientConnectorError):
        down.cat_file(f"{gcs.bucket}/x")


@pytest.fixture
def azure_proxy(az: AzureServer) -> Iterator[FaultProxy]:
    with FaultProxy(az.address) as proxy:
        yield proxy


def proxied_blob_endpoint(server: AzureServer, proxy: FaultProxy) -> str:
    return f"{proxy.endpoint_url}/{server.account_name}"


def test_adlfs_default_retry_policy(az: AzureServer) -> None:
    """The Azure SDK retries 3 times, waiting 15 s, 18 s, 24 s (± 3 s); Retry-After is ignored."""
    policy = azure_fs(az.endpoint_url).service_client._config.retry_policy
    assert (policy.total_retries, policy.initial_backoff, policy.increment_base) == (3, 15, 3)


def test_adlfs_retries_a_503_by_itself(az: AzureServer, azure_proxy: FaultProxy) -> None:
    quick = LinearRetry(backoff=0, random_jitter_range=0, retry_total=2)
    fs = azure_fs(proxied_blob_endpoint(az, azure_proxy), quick)
    path = unique(az.container)
    fs.pipe_file(path, b"x")
    azure_proxy.fail_next(1, 503, body=b"", headers={"x-ms-error-code": "ServerBusy"})
    assert fs.cat_file(path) == b"x"
    assert azure_proxy.failures_injected == 1


def test_adlfs_errors(az: AzureServer, azure_proxy: FaultProxy) -> None:
    """adlfs lets the Azure SDK's exceptions through, none of them an OSError."""
    no_retry = LinearRetry(retry_total=0)
    fs = azure_fs(proxied_blob_endpoint(az, azure_proxy), no_retry)
    path = unique(az.container)
    fs.pipe_file(path, b"x")
    azure_proxy.fail_next(1, 503, body=b"", headers={"x-ms-error-code": "ServerBusy"})
    with pytest.raises(azure_errors.HttpResponseError) as caught:
        fs.cat_file(path)
    assert caught.value.status_code == 503
    assert getattr(caught.value, "error_code", None) == "ServerBusy"
    azure_proxy.reset_connection_next(2)
    with pytest.raises(azure_errors.ServiceRequestError) as reset:
        fs.cat_file(path)
    assert isinstance(reset.value.__cause__, aiohttp.ClientOSError)
    down = azure_fs(f"{refused_url()}/{az.account_name}", no_retry)
    with pytest.raises(azure_errors.ServiceRequestError):
        down.cat_file(path)
    for error in (caught.value, reset.value):
        assert not isinstance(error, OSError)


# -- the proxy's HTTP handling, against a recording upstream ------------------------


class _Recorder(BaseHTTPRequestHandler):
    """Answers each request with what it received."""

    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_PUT(self) -> None:
        if self.headers.get("Transfer-Encoding") == "chunked":
            body = b""
            while size := int(self.rfile.readline(), 16):
                body += self.rfile.read(size)
                self.rfile.readline()
            self.rfile.readline()
        else:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        framing = self.headers.get("Transfer-Encoding", "length")
        self._reply(b"%s %s %s" % (self.headers["Host"].encode(), framing.encode(), body))

    def do_GET(self) -> None:  # a chunked answer
        self.send_response(200)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.wfile.write(b"3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n")

    def do_HEAD(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "12345")
        self.end_headers()

    def _reply(self, body: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def recorder_proxy() -> Iterator[FaultProxy]:
    upstream = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=upstream.serve_forever, daemon=True)
    thread.start()
    try:
        with FaultProxy(("127.0.0.1", upstream.server_address[1])) as proxy:
            yield proxy
    finally:
        upstream.shutdown()
        upstream.server_close()


def test_proxy_http_framing(recorder_proxy: FaultProxy) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", recorder_proxy.port, timeout=10)
    host = f"127.0.0.1:{recorder_proxy.port}"
    connection.request("PUT", "/a", body=iter([b"chunk ", b"body"]), encode_chunked=True)
    assert connection.getresponse().read() == f"{host} chunked chunk body".encode()
    connection.request("PUT", "/b", body=b"plain")  # same connection: keep-alive
    assert connection.getresponse().read() == f"{host} length plain".encode()
    connection.request("GET", "/c")
    assert connection.getresponse().read() == b"abcdef"
    connection.request("HEAD", "/d")
    head = connection.getresponse()
    assert (head.getheader("Content-Length"), head.read()) == ("12345", b"")
    recorder_proxy.fail_next(1, 503, retry_after=2)
    connection.request("HEAD", "/e")
    fault = connection.getresponse()
    assert (fault.status, fault.getheader("Retry-After"), fault.read()) == (503, "2", b"")
    connection.request("GET", "/f")
    assert connection.getresponse().read() == b"abcdef"
    connection.close()
    assert [target for _, target in recorder_proxy.requests] == ["/a", "/b", "/c", "/d", "/e", "/f"]


def test_proxy_expect_100_continue(recorder_proxy: FaultProxy) -> None:
    with socket.create_connection(("127.0.0.1", recorder_proxy.port), timeout=10) as sock:
        sock.sendall(
            b"PUT /x HTTP/1.1\r\nHost: h:1\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n"
        )
        assert sock.recv(100).startswith(b"HTTP/1.1 100")
        sock.sendall(b"data")
        response = http.client.HTTPResponse(sock)
        response.begin()
        assert response.read() == b"h:1 length data"


def test_proxy_reset_and_clear(recorder_proxy: FaultProxy) -> None:
    recorder_proxy.reset_connection_next(1, match=lambda method, target: target == "/r")
    recorder_proxy.fail_always(500, match=lambda method, target: target == "/always")
    connection = http.client.HTTPConnection("127.0.0.1", recorder_proxy.port, timeout=10)
    connection.request("GET", "/r")
    with pytest.raises(ConnectionResetError):
        connection.getresponse()
    connection.close()
    for _ in range(3):
        connection.request("GET", "/always")
        assert connection.getresponse().read().count(b"<Code>InternalError</Code>") == 1
    recorder_proxy.clear()
    connection.request("GET", "/always")
    assert connection.getresponse().status == 200
    assert recorder_proxy.failures_injected == 4
    connection.close()


def get_status(connection: http.client.HTTPConnection, target: str) -> int:
    connection.request("GET", target)
    response = connection.getresponse()
    response.read()
    return response.status


def test_proxy_close_with_an_open_connection() -> None:
    (port,) = free_ports(1)
    proxy = FaultProxy(("127.0.0.1", port))
    connection = http.client.HTTPConnection("127.0.0.1", proxy.port, timeout=10)
    assert get_status(connection, "/") == 502  # nothing listens upstream
    started = time.monotonic()
    proxy.close()
    assert time.monotonic() - started < 5
    with pytest.raises(ConnectionError):  # reset, refused or disconnected, depending on timing
        get_status(connection, "/")
    connection.close()
