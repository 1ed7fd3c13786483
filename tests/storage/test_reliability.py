"""Reliability defects found by fault, crash, bad-input, secret and fork trials, each pinned.

Every test here failed on the storage layer before it was rebuilt; each runs
on the real servers (through the fault proxy where a fault is injected).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import random
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Literal

import pytest
import servers
from conftest import azure_config, gcs_config, s3_config
from test_faults import Proxied, proxied  # noqa: F401 - the fixture, shared

from plugio.config import StorageConfig
from plugio.errors import InvalidReferenceError, PlugioError, TransientStorageError
from plugio.storage import DataStore
from plugio.storage._keys import STALE_AFTER, is_temporary, temporary_name

REMOTE = ("s3", "s3fs", "gcs", "azure")
TESTS = Path(__file__).resolve().parents[1]


# -- a transient HEAD after a 416 on an empty object ---------------------------
def test_empty_object_survives_a_transient_head_after_its_416(proxied: Proxied) -> None:  # noqa: F811
    ref = proxied.ref("empty-outputs.pb")
    proxied.store.write_bytes(ref, b"")
    proxied.proxy.reset_counters()
    proxied.proxy.fail_next(1, 503, code="SlowDown", match=lambda method, _: method == "HEAD")
    assert proxied.store.read_bytes(ref, limit=1024) == b""
    if proxied.name in ("s3", "s3fs"):  # S3 answers the ranged GET of 0 bytes with 416
        assert proxied.proxy.failures_injected == 1


# -- client-side parse errors are transient ------------------------------------
def test_a_garbled_answer_is_retried(proxied: Proxied) -> None:  # noqa: F811
    ref = proxied.ref("garbled.pb")
    proxied.store.write_bytes(ref, b"intact")
    proxied.proxy.reset_counters()
    proxied.proxy.garble_next(1)
    assert proxied.store.read_bytes(ref, limit=100) == b"intact"
    assert proxied.proxy.failures_injected == 1


# -- every attempt bounded in time ---------------------------------------------
class SilentServer:
    """Accepts connections and never answers (nor reads)."""

    def __init__(self) -> None:
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        self._held: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                return
            self._held.append(connection)

    def close(self) -> None:
        self.socket.close()
        for connection in self._held:
            connection.close()


@pytest.fixture
def silent() -> Iterator[SilentServer]:
    server = SilentServer()
    yield server
    server.close()


DEADLINE = 2.0
#: What the deadline may be passed by: the last attempt's cancellation and the
#: clients' own clean-up, on a small shared machine.
MARGIN = 1.5


def silent_store(name: str, request: pytest.FixtureRequest, port: int) -> tuple[DataStore, str]:
    server: Any = request.getfixturevalue(f"{'s3' if name == 's3fs' else name}_server")
    endpoint = f"http://127.0.0.1:{port}"
    config: StorageConfig
    if name in ("s3", "s3fs"):
        client: Literal["obstore", "s3fs"] = "obstore" if name == "s3" else "s3fs"
        config = s3_config(server, endpoint, client, deadline=DEADLINE, max_attempts=10)
        return DataStore(config), f"s3://{server.bucket}/silent/x.pb"
    if name == "gcs":
        config = gcs_config(server, endpoint, deadline=DEADLINE, max_attempts=10)
        return DataStore(config), f"gs://{server.bucket}/silent/x.pb"
    config = azure_config(server, endpoint, deadline=DEADLINE, max_attempts=10)
    return DataStore(config), f"abfs://{server.container}/silent/x.pb"


@pytest.mark.parametrize("name", REMOTE)
@pytest.mark.parametrize("operation", ["read", "write", "head"])
@pytest.mark.parametrize("face", ["blocking", "async"])
def test_the_deadline_holds_against_a_server_that_never_answers(
    name: str, operation: str, face: str, silent: SilentServer, request: pytest.FixtureRequest
) -> None:
    store, ref = silent_store(name, request, silent.port)
    calls: dict[str, Callable[[], Any]] = {
        "read": lambda: store.read_bytes(ref, limit=100),
        "write": lambda: store.write_bytes(ref, b"x" * 1000),
        "head": lambda: store.head(ref),
    }
    twins: dict[str, Callable[[], Any]] = {
        "read": lambda: asyncio.run(store.read_bytes_async(ref, limit=100)),
        "write": lambda: asyncio.run(store.write_bytes_async(ref, b"x" * 1000)),
        "head": lambda: asyncio.run(store.head_async(ref)),
    }
    started = time.monotonic()
    with pytest.raises(TransientStorageError) as raised:
        (calls if face == "blocking" else twins)[operation]()
    elapsed = time.monotonic() - started
    assert raised.value.ref == ref
    assert DEADLINE * 0.9 <= elapsed <= DEADLINE + MARGIN, f"{elapsed:.2f}s"
    print(f"{name} {operation} {face}: failed after {elapsed:.2f}s, deadline {DEADLINE:.1f}s")


# -- fork ------------------------------------------------------------------------
FORK_SCRIPT = textwrap.dedent(
    """
    import os, signal, sys
    sys.path.insert(0, sys.argv[1])
    import servers
    servers.configure_client_environment()
    from plugio.storage import DataStore

    signal.alarm(60)  # a hang in the parent fails (a child starts with no alarm)
    store, ref = DataStore(), sys.argv[2]
    store.write_bytes(ref, b"parent")
    for round in range(3):
        child = os.fork()
        if child == 0:
            assert store.read_bytes(ref).startswith(b"parent")
            store.write_bytes(ref + ".child", b"child %d" % round)
            sys.exit(0)  # a normal exit: finalizers and atexit run in the child
        _, status = os.waitpid(child, 0)
        assert os.waitstatus_to_exitcode(status) == 0, status
        store.write_bytes(ref, b"parent %d" % round)  # used to hang here
        assert store.read_bytes(ref) == b"parent %d" % round
        assert store.read_bytes(ref + ".child") == b"child %d" % round
    print("ok")
    """
)


def remote_environment(name: str, request: pytest.FixtureRequest) -> tuple[dict[str, str], str]:
    """``PLUGIO_*`` variables for a store on ``name``'s server, and a reference there."""
    server: Any = request.getfixturevalue(f"{'s3' if name == 's3fs' else name}_server")
    unique = f"fork-{random.getrandbits(48):x}/x.bin"
    if name in ("s3", "s3fs"):
        return {
            "PLUGIO_S3__CLIENT": "obstore" if name == "s3" else "s3fs",
            "PLUGIO_S3__ENDPOINT_URL": server.endpoint_url,
            "PLUGIO_S3__ACCESS_KEY_ID": server.access_key_id,
            "PLUGIO_S3__SECRET_ACCESS_KEY": server.secret_access_key,
        }, f"s3://{server.bucket}/{unique}"
    if name == "gcs":
        return {
            "PLUGIO_GCS__ENDPOINT_URL": server.endpoint_url,
            "PLUGIO_GCS__PROJECT": server.project,
            "PLUGIO_GCS__ANONYMOUS": "true",
        }, f"gs://{server.bucket}/{unique}"
    return {
        "PLUGIO_AZURE__CONNECTION_STRING": server.connection_string
    }, f"abfs://{server.container}/{unique}"


@pytest.mark.parametrize("name", REMOTE)
def test_the_parent_keeps_working_after_a_forked_child_used_the_store(
    name: str, request: pytest.FixtureRequest
) -> None:
    variables, ref = remote_environment(name, request)
    clean = {k: v for k, v in os.environ.items() if not k.upper().startswith("PLUGIO_")}
    if name == "s3":
        # obstore's runtime does not survive fork: the child falls back to s3fs.
        variables["PLUGIO_S3__CLIENT"] = "auto"
    done = subprocess.run(
        [sys.executable, "-c", FORK_SCRIPT, str(TESTS), ref],
        env={**clean, **variables, "PYTHONWARNINGS": "ignore"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert (done.returncode, done.stdout.strip()) == (0, "ok"), done.stderr[-3000:]


# -- downloads stay inside their target -------------------------------------------
def test_get_refuses_keys_that_climb_out_of_the_target(tmp_path: Path) -> None:
    store = DataStore.from_url("memory://climb")
    base = f"memory://climb/{random.getrandbits(48):x}"
    files = store.filesystem(base)
    root = base.removeprefix("memory:/")
    files.pipe_file(f"{root}/dl/ok.txt", b"fine")
    files.pipe_file(f"{root}/dl/../../evil.txt", b"escaped")
    target = tmp_path / "inside" / "target"
    with pytest.raises(InvalidReferenceError) as raised:
        store.get(f"{base}/dl", target)
    assert "evil.txt" in str(raised.value)
    assert "outside" in str(raised.value)
    assert not (tmp_path / "evil.txt").exists()
    assert not (tmp_path / "inside" / "evil.txt").exists()
    assert not target.exists()  # refused before anything was written


# -- credentials never in a log line or an error ------------------------------------
TOKEN = "sessiontoken-Zq81-plugio-secret"


def test_credentials_stay_out_of_sdk_debug_logs_and_errors(
    s3_server: servers.S3Server, caplog: pytest.LogCaptureFixture
) -> None:
    config = s3_config(s3_server, client="s3fs", max_attempts=1)
    config = config.model_copy(
        update={"s3": config.s3.model_copy(update={"session_token": secret(TOKEN)})}
    )
    store = DataStore(config)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(PlugioError) as raised:
        store.read_bytes(f"s3://{s3_server.bucket}/secret-scan/missing.pb")
    records = [record.getMessage() for record in caplog.records]
    assert any("X-Amz-Security-Token" in line for line in records)  # the header was logged
    texts = [*records, str(raised.value), repr(raised.value)]
    texts += [str(link) for link in chain(raised.value)]
    for value in (TOKEN, s3_server.secret_access_key):
        assert not [text for text in texts if value in text]


def secret(value: str) -> Any:
    """A credential value as the config takes it."""
    from plugio.config import SecretStr

    return SecretStr(value)


def chain(error: BaseException) -> Iterator[BaseException]:
    link: BaseException | None = error
    while link is not None:
        yield link
        link = link.__cause__ or link.__context__


# -- no garbage visible after kill -9 ------------------------------------------------
KILL_SCRIPT = textwrap.dedent(
    """
    import os, sys
    from plugio.storage import DataStore
    store, root, source = DataStore(), sys.argv[1], sys.argv[2]
    body = os.urandom(4 * 1024 * 1024)
    print("ready", flush=True)
    while True:
        store.write_bytes(os.path.join(root, "control", "outputs.pb"), body)
        store.put(source, os.path.join(root, "up"))
        store.get(os.path.join(root, "up"), os.path.join(root, "down"))
    """
)


def test_killed_writes_leave_nothing_that_a_listing_shows(tmp_path: Path) -> None:
    source = tmp_path / "source"
    source.mkdir()
    for index in range(20):
        (source / f"part {index}.bin").write_bytes(os.urandom(256 * 1024))
    root = tmp_path / "store"
    kills = 50
    for _ in range(kills):
        process = subprocess.Popen(
            [sys.executable, "-c", KILL_SCRIPT, str(root), str(source)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "ready"
        time.sleep(random.uniform(0.0, 0.4))
        process.send_signal(signal.SIGKILL)
        process.wait()
        process.stdout.close()
    store = DataStore()
    listed = [info.ref for page in store.list(str(root) + "/") for info in page]
    expected_names = {"outputs.pb", *(f"part {index}.bin" for index in range(20))}
    assert {os.path.basename(ref) for ref in listed} <= expected_names
    on_disk = [path for path in root.rglob("*") if is_temporary(path.name)]
    print(json.dumps({"kills": kills, "listed": len(listed), "temporaries": len(on_disk)}))


def test_stale_temporaries_are_removed_when_found(tmp_path: Path) -> None:
    target = tmp_path / "store" / "outputs.pb"
    target.parent.mkdir()
    target.write_bytes(b"kept")
    stale = Path(temporary_name(str(target)))
    fresh = Path(temporary_name(str(target)))
    for leftover in (stale, fresh):
        leftover.write_bytes(b"half")
    old = time.time() - STALE_AFTER - 60
    os.utime(stale, (old, old))
    listed = [info.ref for page in DataStore().list(str(tmp_path) + "/") for info in page]
    assert listed == [str(target)]
    assert not stale.exists()
    assert fresh.exists()  # a live writer may still be renaming it into place


def test_temporary_names_fit_the_file_system(tmp_path: Path) -> None:
    longest = tmp_path / ("n" * 251 + ".bin")
    store = DataStore()
    store.write_bytes(str(longest), b"x")
    assert longest.read_bytes() == b"x"
    assert len(os.path.basename(temporary_name(str(longest))).encode()) <= 255
    accented = "é" * 127  # 254 bytes
    store.write_bytes(str(tmp_path / accented), b"y")
    assert (tmp_path / accented).read_bytes() == b"y"


# -- a failed large upload leaves no multipart upload behind --------------------------
def test_a_failed_multipart_upload_is_aborted(
    proxied: Proxied,  # noqa: F811
    request: pytest.FixtureRequest,
    tmp_path: Path,
) -> None:
    if proxied.name not in ("s3", "s3fs"):
        pytest.skip("GCS and Azure drop uncommitted uploads by themselves")
    import s3fs

    server: servers.S3Server = request.getfixturevalue("s3_server")
    large = tmp_path / "large.bin"
    large.write_bytes(os.urandom(24 * 1024 * 1024))  # three parts of 8 MiB
    ref = proxied.ref(f"multipart-{random.getrandbits(32):x}.bin")
    proxied.proxy.fail_always(
        500, code="InternalError", match=lambda _, target: "partNumber=" in target
    )
    with pytest.raises(TransientStorageError):
        proxied.store.put(large, ref)
    assert proxied.proxy.failures_injected > 0  # parts were sent, and refused
    proxied.proxy.clear()
    direct = s3fs.S3FileSystem(
        key=server.access_key_id,
        secret=server.secret_access_key,
        endpoint_url=server.endpoint_url,
        skip_instance_cache=True,
    )
    key = ref.split("/", 3)[3]
    pending = direct.call_s3("list_multipart_uploads", Bucket=server.bucket, Prefix=key)
    assert pending.get("Uploads", []) == []


@pytest.mark.parametrize("client", ["obstore", "s3fs"])
def test_uploads_a_killed_process_left_are_aborted_by_the_next_large_upload(
    client: Literal["obstore", "s3fs"],
    s3_server: servers.S3Server,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import s3fs

    from plugio.storage import _sweep

    direct = s3fs.S3FileSystem(
        key=s3_server.access_key_id,
        secret=s3_server.secret_access_key,
        endpoint_url=s3_server.endpoint_url,
        skip_instance_cache=True,
    )
    folder = f"sweep-{random.getrandbits(32):x}"
    left = direct.call_s3(
        "create_multipart_upload", Bucket=s3_server.bucket, Key=f"{folder}/big.bin"
    )
    large = tmp_path / "big.bin"
    large.write_bytes(os.urandom(9 * 1024 * 1024))  # more than one 8 MiB part
    store = DataStore(s3_config(s3_server, client=client))
    monkeypatch.setattr(_sweep, "STALE_AFTER", 3600.0)
    store.put(large, f"s3://{s3_server.bucket}/{folder}/big.bin")  # a live upload is kept
    assert pending(direct, s3_server.bucket, folder) == [left["UploadId"]]
    monkeypatch.setattr(_sweep, "STALE_AFTER", -1.0)  # as if it were old
    store.put(large, f"s3://{s3_server.bucket}/{folder}/big.bin")
    assert pending(direct, s3_server.bucket, folder) == []
    assert store.read_bytes(f"s3://{s3_server.bucket}/{folder}/big.bin") == large.read_bytes()


def pending(files: Any, bucket: str, prefix: str) -> list[str]:
    found = files.call_s3("list_multipart_uploads", Bucket=bucket, Prefix=prefix)
    return [upload["UploadId"] for upload in found.get("Uploads", [])]
