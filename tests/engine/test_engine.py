"""What an engine does with an attempt's output prefix, on every backend."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from typing import Any

import pytest
from rig import Rig

from plugio.config import Limits, RetryPolicy, S3Options, StorageConfig
from plugio.core import Literal, LiteralMap, Primitive, Scalar
from plugio.engine import (
    AttemptState,
    check_attempts,
    check_attempts_async,
    validate_output,
    validate_output_async,
)
from plugio.errors import TransientStorageError
from plugio.execution import ErrorKind, ExecutionError
from plugio.paths import ReadOnlyOutputPaths, RemoteCheckpointPaths
from plugio.readers import InMemoryOutputReader, RemoteFileOutputReader
from plugio.storage import DataStore
from plugio.writers import RemoteFileOutputWriter

WHEN = datetime(2025, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
FAILURE = ExecutionError("USER:ValueError", "bad input", ErrorKind.USER, False, WHEN, "w0")


def outputs(**values: int) -> LiteralMap:
    return LiteralMap(
        literals={
            name: Literal(scalar=Scalar(primitive=Primitive(integer=value)))
            for name, value in values.items()
        }
    )


def remote_reader(rig: Rig, prefix: str, limit: int | None = 1024) -> RemoteFileOutputReader:
    return RemoteFileOutputReader(
        rig.store, ReadOnlyOutputPaths(rig.store, prefix), max_payload_bytes=limit
    )


def test_no_reader_with_outputs_declared() -> None:
    error = validate_output(None, outputs_declared=True)
    assert error is not None
    assert (error.code, error.is_recoverable) == ("OutputsNotGenerated", True)
    assert validate_output(None, outputs_declared=False) is None


def test_error_is_checked_even_without_declared_outputs(rig: Rig) -> None:
    prefix = rig.ref("attempt")
    rig.store.write_protobuf(f"{prefix}/error.pb", FAILURE.to_error_document())
    error = validate_output(remote_reader(rig, prefix), outputs_declared=False)
    assert error is not None
    assert (error.code, error.kind, error.is_recoverable) == (
        "USER:ValueError",
        ErrorKind.USER,
        False,
    )


def test_error_beats_outputs(rig: Rig) -> None:
    prefix = rig.ref("attempt")
    rig.store.write_protobuf(f"{prefix}/outputs.pb", outputs(x=1))
    rig.store.write_protobuf(f"{prefix}/error.pb", FAILURE.to_error_document())
    error = validate_output(remote_reader(rig, prefix), outputs_declared=True)
    assert error is not None
    assert error.code == "USER:ValueError"


def test_error_without_content_becomes_unknown() -> None:
    reader = InMemoryOutputReader(error=ExecutionError(code=""))
    error = validate_output(reader, outputs_declared=True)
    assert error is not None
    assert (error.code, error.message, error.kind) == ("Unknown", "Unknown", ErrorKind.UNKNOWN)


def test_no_outputs_declared_is_success(rig: Rig) -> None:
    assert validate_output(remote_reader(rig, rig.ref("empty")), outputs_declared=False) is None


def test_outputs_too_large(rig: Rig) -> None:
    prefix = rig.ref("attempt")
    rig.store.write_bytes(f"{prefix}/outputs.pb", b"\x00" * 1025)
    error = validate_output(remote_reader(rig, prefix, limit=1024), outputs_declared=True)
    assert error is not None
    assert (error.code, error.is_recoverable) == ("OutputSizeExceeded", False)
    assert "1025" in error.message
    assert f"{prefix}/outputs.pb" in error.message


def test_outputs_exactly_at_limit_are_fine(rig: Rig) -> None:
    prefix = rig.ref("attempt")
    rig.store.write_bytes(f"{prefix}/outputs.pb", b"\x00" * 1024)
    assert validate_output(remote_reader(rig, prefix, limit=1024), outputs_declared=True) is None


def test_missing_outputs(rig: Rig) -> None:
    error = validate_output(remote_reader(rig, rig.ref("nothing")), outputs_declared=True)
    assert error is not None
    assert (error.code, error.is_recoverable) == ("OutputsNotFound", True)


def test_storage_failure_raises() -> None:
    config = StorageConfig(
        s3=S3Options(endpoint_url="http://127.0.0.1:9", anonymous=True),
        retry=RetryPolicy(max_attempts=1),
    )
    store = DataStore(config)
    reader = RemoteFileOutputReader(store, ReadOnlyOutputPaths(store, "s3://bucket/attempt"))
    with pytest.raises(TransientStorageError):
        validate_output(reader, outputs_declared=True)


def test_in_memory_reader_is_committed_with_the_writer(rig: Rig) -> None:
    prefix = rig.ref("attempt")
    paths = RemoteCheckpointPaths(rig.store, prefix, rig.ref("raw"), "")
    reader = InMemoryOutputReader(literals=outputs(y=2))
    assert validate_output(reader, True, RemoteFileOutputWriter(rig.store, paths)) is None
    assert rig.store.read_protobuf(f"{prefix}/outputs.pb", LiteralMap) == outputs(y=2)


def test_in_memory_reader_without_a_writer_is_refused() -> None:
    with pytest.raises(ValueError, match="writer"):
        validate_output(InMemoryOutputReader(literals=outputs(y=2)), True)


def test_async_twin(rig: Rig) -> None:
    prefix = rig.ref("attempt")
    rig.store.write_protobuf(f"{prefix}/outputs.pb", outputs(z=3))
    assert asyncio.run(validate_output_async(remote_reader(rig, prefix), True)) is None


def seed_attempts(rig: Rig) -> dict[str, str]:
    """One prefix per state the batch check must tell apart."""
    prefixes = {
        state: rig.ref(state) for state in ("ok", "failed", "both", "pending", "big", "bigerr")
    }
    rig.store.write_protobuf(f"{prefixes['ok']}/outputs.pb", outputs(a=1))
    rig.store.write_protobuf(f"{prefixes['failed']}/error.pb", FAILURE.to_error_document())
    rig.store.write_protobuf(f"{prefixes['both']}/outputs.pb", outputs(a=1))
    rig.store.write_protobuf(f"{prefixes['both']}/error.pb", FAILURE.to_error_document())
    rig.store.write_bytes(f"{prefixes['big']}/outputs.pb", b"\x00" * 2048)
    rig.store.write_bytes(f"{prefixes['bigerr']}/error.pb", b"\x00" * 2048)
    return prefixes


def test_batch_check_tells_every_state_apart(rig: Rig) -> None:
    prefixes = seed_attempts(rig)
    statuses = check_attempts(
        rig.store, list(prefixes.values()), max_payload_bytes=1024, read_outputs=True
    )
    by_name = dict(zip(prefixes, statuses, strict=True))
    assert [status.output_prefix for status in statuses] == list(prefixes.values())
    assert by_name["ok"].state is AttemptState.SUCCEEDED
    assert by_name["ok"].outputs == outputs(a=1)
    assert by_name["failed"].state is AttemptState.FAILED
    assert by_name["failed"].error == FAILURE
    assert by_name["both"].state is AttemptState.FAILED
    assert by_name["pending"].state is AttemptState.NOT_READY
    assert by_name["big"].state is AttemptState.TOO_LARGE
    assert by_name["big"].error is not None
    assert by_name["big"].error.code == "OutputSizeExceeded"
    assert by_name["bigerr"].state is AttemptState.TOO_LARGE


class CountingStore(DataStore):
    """A memory store standing for a remote one: it records its requests, how many
    are in flight and any listing, and asks the batch for its async calls."""

    def __init__(self) -> None:
        super().__init__(StorageConfig(limits=Limits(max_payload_bytes=1024)))
        self.in_flight = 0
        self.peak = 0
        self.listed = 0
        self.requests: list[tuple[str, str]] = []

    def prefers_blocking(self, *refs: str) -> bool:
        return False

    async def _counted(self, kind: str, ref: str, call: Any) -> Any:
        self.requests.append((kind, ref))
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        try:
            await asyncio.sleep(0.001)
            return await call
        finally:
            self.in_flight -= 1

    async def head_async(self, ref: str) -> Any:
        return await self._counted("head", ref, super().head_async(ref))

    async def read_bytes_async(self, ref: str, *, limit: int | None = None) -> bytes:
        data: bytes = await self._counted("read", ref, super().read_bytes_async(ref, limit=limit))
        return data

    async def list_async(self, prefix: str, *, page_size: int = 1000) -> Any:
        self.listed += 1
        async for page in super().list_async(prefix, page_size=page_size):
            yield page


def test_batch_check_bounds_concurrency_and_never_lists() -> None:
    store = CountingStore()
    prefixes = [f"memory://batch/attempt-{index}" for index in range(200)]
    for prefix in prefixes[::2]:
        store.write_protobuf(f"{prefix}/outputs.pb", outputs(a=1))
    statuses = asyncio.run(check_attempts_async(store, prefixes, concurrency=8))
    assert [status.state for status in statuses] == [
        AttemptState.SUCCEEDED if index % 2 == 0 else AttemptState.NOT_READY for index in range(200)
    ]
    assert store.peak <= 8  # one request per prefix in flight
    assert store.peak > 2
    assert store.listed == 0


def test_batch_check_answers_a_failure_in_one_request() -> None:
    store = CountingStore()
    failed, done, waiting = (f"memory://requests/attempt-{index}" for index in range(3))
    store.write_protobuf(f"{failed}/error.pb", FAILURE.to_error_document())
    store.write_protobuf(f"{failed}/outputs.pb", outputs(a=1))  # an error wins over outputs
    store.write_protobuf(f"{done}/outputs.pb", outputs(a=1))
    statuses = check_attempts(store, [failed, done, waiting])
    assert [status.state for status in statuses] == [
        AttemptState.FAILED,
        AttemptState.SUCCEEDED,
        AttemptState.NOT_READY,
    ]
    assert statuses[0].error is not None
    assert statuses[0].error.code == FAILURE.code
    assert sorted(store.requests) == sorted(
        [
            ("read", f"{failed}/error.pb"),
            ("read", f"{done}/error.pb"),
            ("head", f"{done}/outputs.pb"),
            ("read", f"{waiting}/error.pb"),
            ("head", f"{waiting}/outputs.pb"),
        ]
    )


def test_batch_check_reports_an_unreachable_store_on_each_attempt() -> None:
    config = StorageConfig(
        s3=S3Options(endpoint_url="http://127.0.0.1:9", anonymous=True),
        retry=RetryPolicy(max_attempts=1),
    )
    statuses = check_attempts(DataStore(config), ["s3://bucket/a", "s3://bucket/b"])
    assert [status.state for status in statuses] == [AttemptState.ERROR, AttemptState.ERROR]
    for status in statuses:
        assert isinstance(status.problem, TransientStorageError)
        assert status.error is None
        assert status.message.startswith("TransientStorageError: ")


def test_batch_check_rejects_zero_concurrency() -> None:
    with pytest.raises(ValueError, match="concurrency"):
        check_attempts(DataStore(), ["memory://x"], concurrency=0)


class FailingStore(CountingStore):
    """A recording store whose reads under ``broken-`` prefixes fail; the others are slow."""

    async def read_bytes_async(self, ref: str, *, limit: int | None = None) -> bytes:
        self.requests.append(("read", ref))
        if "/broken-" in ref:
            raise TransientStorageError("read failed: the store is down", ref)
        await asyncio.sleep(0.01)
        return await DataStore.read_bytes_async(self, ref, limit=limit)

    async def head_async(self, ref: str) -> Any:
        self.requests.append(("head", ref))
        await asyncio.sleep(0.01)
        return await DataStore.head_async(self, ref)


def test_batch_check_reports_a_failing_prefix_and_checks_every_other() -> None:
    store = FailingStore()
    prefixes = ["memory://stop/broken-0"] + [f"memory://stop/attempt-{n}" for n in range(20)]
    for prefix in prefixes[1::2]:
        store.write_protobuf(f"{prefix}/outputs.pb", outputs(a=1))

    statuses = asyncio.run(check_attempts_async(store, prefixes, concurrency=4))

    assert statuses[0].state is AttemptState.ERROR
    assert isinstance(statuses[0].problem, TransientStorageError)
    assert "the store is down" in statuses[0].message
    assert [status.state for status in statuses[1:]] == [
        AttemptState.SUCCEEDED if index % 2 == 0 else AttemptState.NOT_READY for index in range(20)
    ]
    assert all(status.problem is None for status in statuses[1:])


def test_batch_check_of_no_prefixes() -> None:
    assert check_attempts(DataStore(), []) == []


def test_batch_check_keeps_the_order_with_more_prefixes_than_workers() -> None:
    store = CountingStore()
    prefixes = [f"memory://order/attempt-{index}" for index in range(30)]
    for prefix in prefixes[::3]:
        store.write_protobuf(f"{prefix}/error.pb", FAILURE.to_error_document())
    statuses = check_attempts(store, prefixes, concurrency=4)
    assert [status.output_prefix for status in statuses] == prefixes
    assert [status.state for status in statuses] == [
        AttemptState.FAILED if index % 3 == 0 else AttemptState.NOT_READY for index in range(30)
    ]
