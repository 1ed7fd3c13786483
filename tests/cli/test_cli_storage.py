"""``plugio run`` against S3 when the storage server fails mid-upload."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import servers
from conftest import fault_proxy

from plugio import DataStore, ErrorKind, ExecutionError, S3Options, StorageConfig
from plugio.core import ErrorDocument

SCRIPT = 'head -c 200000 /dev/urandom > "$PLUGIO_OUTPUT_DIR/model.bin"; echo trained'


def run_through(
    proxy_url: str, server: servers.S3Server, prefix: str
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PLUGIO_S3__ENDPOINT_URL": proxy_url,
        "PLUGIO_S3__ACCESS_KEY_ID": server.access_key_id,
        "PLUGIO_S3__SECRET_ACCESS_KEY": server.secret_access_key,
        "PLUGIO_RETRY__MAX_ATTEMPTS": "2",
        "PLUGIO_RETRY__INITIAL_BACKOFF": "0.01",
    }
    command = [sys.executable, "-c", "from plugio.cli import main; main()"]
    return subprocess.run(
        [*command, "run", "--no-stream", "--outputs", prefix, "--", "sh", "-c", SCRIPT],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )


def direct_store(server: servers.S3Server) -> DataStore:
    from pydantic import SecretStr

    return DataStore(
        StorageConfig(
            s3=S3Options(
                endpoint_url=server.endpoint_url,
                access_key_id=SecretStr(server.access_key_id),
                secret_access_key=SecretStr(server.secret_access_key),
            )
        )
    )


def test_blob_upload_failing_becomes_a_recoverable_system_error(
    s3_server: servers.S3Server, tmp_path: Path
) -> None:
    prefix = f"s3://{s3_server.bucket}/cli-faults/attempt-{tmp_path.name}"
    with fault_proxy(s3_server.address) as proxy:
        proxy.fail_always(
            503, match=lambda method, target: method in ("PUT", "POST") and "/raw/" in target
        )
        result = run_through(proxy.endpoint_url, s3_server, prefix)
    assert result.returncode == 1, result.stderr
    assert "trained" in result.stdout
    store = direct_store(s3_server)
    assert not store.exists(f"{prefix}/outputs.pb")
    document = store.read_protobuf(f"{prefix}/error.pb", ErrorDocument)
    error = ExecutionError.from_container_error(document.error)
    assert error.kind is ErrorKind.SYSTEM
    assert error.is_recoverable


def test_server_gone_for_good_exits_4_and_writes_nothing_half(
    s3_server: servers.S3Server, tmp_path: Path
) -> None:
    prefix = f"s3://{s3_server.bucket}/cli-faults/gone-{tmp_path.name}"
    with fault_proxy(s3_server.address) as proxy:
        proxy.fail_always(503, match=lambda method, target: method in ("PUT", "POST"))
        result = run_through(proxy.endpoint_url, s3_server, prefix)
    assert result.returncode == 4
    assert prefix in result.stderr
    store = direct_store(s3_server)
    assert not store.exists(f"{prefix}/outputs.pb")
    assert not store.exists(f"{prefix}/error.pb")
