"""``plugio status`` over S3: a thousand mixed attempts with their count line, missing buckets."""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone

import pytest
import servers
from clirun import plugio
from conftest import s3_config

from plugio.execution import ErrorKind, ExecutionError
from plugio.literals import to_literal_map
from plugio.storage import DataStore, bounded_gather
from plugio.stream import StreamHead
from plugio.stream._layout import head_ref

NOON = datetime(2025, 3, 4, 12, 0, tzinfo=timezone.utc)
#: How many attempts of each kind the thousand hold.
MIX = {"succeeded": 600, "failed": 200, "running": 150, "never started": 50}


def s3_environment(server: servers.S3Server, **extra: str) -> dict[str, str]:
    return {
        "PLUGIO_S3__ENDPOINT_URL": server.endpoint_url,
        "PLUGIO_S3__ACCESS_KEY_ID": server.access_key_id,
        "PLUGIO_S3__SECRET_ACCESS_KEY": server.secret_access_key,
        "PLUGIO_S3__REGION": server.region,
        "PLUGIO_RETRY__MAX_ATTEMPTS": "2",
        **extra,
    }


def attempt_files(prefix: str, kind: str, number: int) -> dict[str, bytes]:
    """The objects an attempt of ``kind`` leaves under ``prefix``."""
    if kind == "succeeded":
        outputs = to_literal_map({"n": number, "path": f"[/out/{number}]"})
        return {f"{prefix}/outputs.pb": outputs.SerializeToString()}
    if kind == "failed":
        message = f"Traceback (most recent call last):\n  ...\nValueError: negative n=-{number}"
        error = ExecutionError("USER:ValueError", message, ErrorKind.USER, False, NOON)
        return {f"{prefix}/error.pb": error.to_error_document().SerializeToString()}
    if kind == "running":
        now = time.time()
        head = StreamHead(epoch=0, owner="w", started=now - 100, heartbeat=now - 2)
        return {head_ref(f"{prefix}/stream"): head.to_bytes()}
    return {}


@pytest.fixture(scope="module")
def thousand(s3_server: servers.S3Server) -> list[str]:
    """A thousand attempts' prefixes on S3, of the kinds of ``MIX``, interleaved."""
    store = DataStore(s3_config(s3_server))
    kinds = [kind for kind, count in MIX.items() for _ in range(count)]
    kinds = [kinds[(i * 7) % len(kinds)] for i in range(len(kinds))]  # mixed, deterministic
    root = f"s3://{s3_server.bucket}/status-thousand"
    prefixes = [f"{root}/attempt-{i:04d}" for i in range(len(kinds))]
    objects: dict[str, bytes] = {}
    for number, (prefix, kind) in enumerate(zip(prefixes, kinds, strict=True)):
        objects.update(attempt_files(prefix, kind, number))

    def job(ref: str, data: bytes) -> Callable[[], Awaitable[None]]:
        return lambda: store.write_bytes_async(ref, data)

    jobs = [job(ref, data) for ref, data in objects.items()]
    store.run(bounded_gather(jobs, 64), *objects)
    return prefixes


@pytest.mark.slow
def test_a_thousand_attempts_on_s3_end_with_their_count_line(
    s3_server: servers.S3Server, thousand: list[str]
) -> None:
    result = plugio("status", *thousand, env=s3_environment(s3_server), timeout=300)
    assert result.code == 1, result.stderr
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert len(lines) == 1001
    assert lines[-1] == "1000 attempts: 600 succeeded, 200 failed, 150 running, 50 never started"
    assert [line.split("\t")[0] for line in lines[:-1]] == thousand  # as given
    failed = next(line for line in lines if "\tfailed\t" in line)
    assert failed.endswith("ValueError: negative n=-" + failed.split("-")[-1])
    assert "Traceback" not in result.stdout

    again = plugio("status", *thousand, env=s3_environment(s3_server), timeout=300)
    assert [line.split("\t")[:2] for line in again.stdout.splitlines()] == [
        line.split("\t")[:2] for line in lines
    ]  # the same order and states, run after run


def test_a_missing_bucket_is_an_error_not_unfinished(s3_server: servers.S3Server) -> None:
    present = f"s3://{s3_server.bucket}/status-missing/never"
    missing = "s3://no-such-bucket-here/attempt"
    result = plugio("status", "--json", present, missing, env=s3_environment(s3_server))
    assert result.code == 4, result.stderr
    first, second, counts = (json.loads(line) for line in result.stdout.splitlines())
    assert (first["state"], first["liveness"]["state"]) == ("not_ready", "never started")
    assert second["state"] == "error"
    assert second["problem"] == {
        "type": "NotFoundError",
        "message": "s3://no-such-bucket-here/: the bucket does not exist",
    }
    assert counts["counts"] == {"error": 1, "never started": 1}
    piped = plugio("status", present, missing, env=s3_environment(s3_server))
    assert piped.stdout.splitlines()[1] == (
        f"{missing}\terror\tNotFoundError: s3://no-such-bucket-here/: the bucket does not exist"
    )


def test_denied_access_is_an_error(s3_server: servers.S3Server) -> None:
    prefix = f"s3://{s3_server.bucket}/status-denied/attempt"
    environment = s3_environment(s3_server, PLUGIO_S3__SECRET_ACCESS_KEY="wrong")
    result = plugio("status", prefix, env=environment)
    assert result.code == 4, result.stderr
    line, counts = result.stdout.splitlines()
    assert line.startswith(f"{prefix}\terror\tcould not be checked: PermissionDeniedError")
    assert "\n" not in line
    assert counts == "1 attempt: 1 error"
