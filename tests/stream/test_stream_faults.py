"""Lines arrive once and in order through failed, retried and half-done uploads."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import azure_config, fault_proxy, gcs_config, s3_config
from faultproxy import FaultProxy
from rig import Rig

from plugio.config import StorageConfig
from plugio.errors import TransientStorageError
from plugio.storage import DataStore
from plugio.stream import StreamPolicy, StreamReader, StreamWriter

FAST = StreamPolicy(first_interval=0.02, max_interval=0.2, heartbeat_interval=60)
LINES = [f"line {number}" for number in range(400)]


class LostAnswers(DataStore):
    """Stores chunks and heads, then reports a transient failure, ``losses`` times."""

    losses = 0

    def write_bytes(self, ref: str, data: bytes, *, if_absent: bool = False) -> None:
        super().write_bytes(ref, data, if_absent=if_absent)
        if self.losses > 0 and ("/chunks/" in ref or ref.endswith("head.json")):
            self.losses -= 1
            raise TransientStorageError("the answer was lost", ref)


def write_in_rounds(stream: StreamWriter, between: Callable[[int], None]) -> None:
    for start in range(0, len(LINES), 100):
        between(start)
        for line in LINES[start : start + 100]:
            stream.write(line + "\n")
        stream.flush_journal()


def read_lines(store: DataStore, prefix: str) -> list[str]:
    return [line.text for line in StreamReader(store, prefix).read().lines]


def test_uploads_whose_answer_was_lost_are_not_duplicated(rig: Rig, tmp_path: Path) -> None:
    store = LostAnswers(rig.store.config)
    stream = StreamWriter(store, rig.ref("stream"), journal_dir=tmp_path, policy=FAST)

    def lose_answers(start: int) -> None:
        store.losses = 3
        if start:  # well before a heartbeat: a head whose rewrite failed is rewritten soon
            assert stream.flush(timeout=10)

    write_in_rounds(stream, lose_answers)
    assert stream.close(exit_code=0).complete
    assert read_lines(rig.store, rig.ref("stream")) == LINES


@pytest.fixture(params=["s3", "gcs", "azure"])
def proxied(request: pytest.FixtureRequest) -> Iterator[tuple[DataStore, FaultProxy, str]]:
    name = request.param
    server: Any = request.getfixturevalue(f"{name}_server")
    configs: dict[str, Callable[..., StorageConfig]] = {
        "s3": s3_config,
        "gcs": gcs_config,
        "azure": azure_config,
    }
    root = {"s3": "s3://{0.bucket}", "gcs": "gs://{0.bucket}", "azure": "abfs://{0.container}"}
    with fault_proxy(server.address) as proxy:
        store = DataStore(configs[name](server, proxy.endpoint_url, max_attempts=2))
        yield store, proxy, f"{root[name].format(server)}/faults-{uuid.uuid4().hex[:12]}"


# GCS names the object in the upload's body: chunks are its conditional creates.
def chunk_writes(method: str, target: str) -> bool:
    return method in ("PUT", "POST") and ("chunks" in target or "ifGenerationMatch=0" in target)


def head_writes(method: str, target: str) -> bool:
    gcs_overwrite = target.startswith("/upload/") and "ifGenerationMatch" not in target
    return method in ("PUT", "POST") and ("head.json" in target or gcs_overwrite)


def test_injected_failures_are_retried_without_loss(
    proxied: tuple[DataStore, FaultProxy, str], tmp_path: Path
) -> None:
    store, proxy, prefix = proxied
    stream = StreamWriter(store, prefix, journal_dir=tmp_path, policy=FAST)
    assert stream.flush(timeout=20)  # the head is claimed before faults start

    def inject(start: int) -> None:
        if start == 0:  # more failures than one upload's attempts: the pipeline retries
            proxy.fail_next(5, 503, match=chunk_writes)
        elif start == 100:
            proxy.reset_connection_next(3, match=chunk_writes)
        elif start == 200:
            proxy.fail_next(3, 500, match=head_writes)
        assert stream.flush(timeout=30)

    write_in_rounds(stream, inject)
    assert stream.close(exit_code=0).complete
    assert proxy.failures_injected >= 11
    assert read_lines(store, prefix) == LINES
