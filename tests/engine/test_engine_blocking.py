"""On local disk and in memory the engine's sync calls start no event loop and no thread."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from plugio.config import Limits, StorageConfig
from plugio.core import Literal, LiteralMap, Primitive, Scalar
from plugio.engine import AttemptState, check_attempts, check_attempts_async, validate_output
from plugio.execution import ErrorKind, ExecutionError
from plugio.paths import ReadOnlyOutputPaths
from plugio.readers import EarliestErrorStrategy, ErrorStrategy, RemoteFileOutputReader
from plugio.storage import DataStore, ObjectInfo

NOON = datetime(2025, 3, 4, 12, 0, tzinfo=timezone.utc)
OUTPUTS = LiteralMap(literals={"a": Literal(scalar=Scalar(primitive=Primitive(integer=1)))})


def failure(code: str, when: datetime = NOON) -> ExecutionError:
    return ExecutionError(code, f"{code} failed", ErrorKind.USER, False, when)


@pytest.fixture(params=["local", "memory"])
def root(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "local":
        return str(tmp_path / "attempts")
    return f"memory://blocking/{tmp_path.name}"


@pytest.fixture
def store() -> DataStore:
    return DataStore(StorageConfig(limits=Limits(max_payload_bytes=1024)))


def seed(store: DataStore, root: str) -> dict[str, str]:
    """One attempt per state, and one with several workers' error files."""
    prefixes = {name: f"{root}/{name}" for name in ("ok", "failed", "pending", "big", "workers")}
    store.write_protobuf(f"{prefixes['ok']}/outputs.pb", OUTPUTS)
    store.write_protobuf(f"{prefixes['failed']}/error.pb", failure("Single").to_error_document())
    store.write_bytes(f"{prefixes['big']}/outputs.pb", b"\x00" * 2048)
    for worker, seconds in (("w0", 5), ("w1", 1), ("w2", 9)):
        document = failure(f"Worker-{worker}", NOON + timedelta(seconds=seconds))
        store.write_protobuf(
            f"{prefixes['workers']}/error-{worker}.pb", document.to_error_document()
        )
    return prefixes


@pytest.fixture
def no_loop_no_thread(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Starting an event loop or a thread fails the test (and is recorded)."""
    started: list[str] = []

    def refuse(what: str) -> Callable[..., Any]:
        def refused(*args: Any, **kwargs: Any) -> Any:
            started.append(what)
            for value in args:
                if asyncio.iscoroutine(value):
                    value.close()  # not run: no "never awaited" warning
            raise AssertionError(f"{what} was called on the blocking path")

        return refused

    monkeypatch.setattr(asyncio, "run", refuse("asyncio.run"))
    monkeypatch.setattr(asyncio, "new_event_loop", refuse("asyncio.new_event_loop"))
    monkeypatch.setattr(asyncio.events, "new_event_loop", refuse("new_event_loop"))
    monkeypatch.setattr(threading.Thread, "start", refuse("Thread.start"))
    yield started
    assert started == []


def reader(store: DataStore, prefix: str, strategy: ErrorStrategy | None = None) -> Any:
    paths = ReadOnlyOutputPaths(store, prefix)
    return RemoteFileOutputReader(store, paths, error_strategy=strategy)


def test_validate_output_starts_no_event_loop_nor_thread(
    store: DataStore, root: str, no_loop_no_thread: list[str]
) -> None:
    prefixes = seed(store, root)
    assert validate_output(reader(store, prefixes["ok"]), True) is None
    failed = validate_output(reader(store, prefixes["failed"]), True)
    assert failed is not None
    assert failed.code == "Single"
    pending = validate_output(reader(store, prefixes["pending"]), True)
    assert pending is not None
    assert pending.code == "OutputsNotFound"
    big = validate_output(reader(store, prefixes["big"]), True)
    assert big is not None
    assert big.code == "OutputSizeExceeded"
    workers = reader(store, prefixes["workers"], EarliestErrorStrategy(concurrency=4))
    error = validate_output(workers, True)
    assert error is not None
    assert error.code == "Worker-w1"


@pytest.mark.parametrize("layout", ["single", "earliest"])
def test_check_attempts_starts_no_event_loop_nor_thread(
    store: DataStore, root: str, layout: str, no_loop_no_thread: list[str]
) -> None:
    prefixes = seed(store, root)
    strategy = EarliestErrorStrategy(concurrency=4) if layout == "earliest" else None
    statuses = check_attempts(
        store, list(prefixes.values()), read_outputs=True, error_strategy=strategy
    )
    states = {name: status.state for name, status in zip(prefixes, statuses, strict=True)}
    assert states == {
        "ok": AttemptState.SUCCEEDED,
        "failed": AttemptState.FAILED,
        "pending": AttemptState.NOT_READY,
        "big": AttemptState.TOO_LARGE,
        "workers": AttemptState.FAILED if layout == "earliest" else AttemptState.NOT_READY,
    }
    assert statuses[0].outputs == OUTPUTS


def test_the_async_batch_on_local_disk_takes_one_thread_hop(
    store: DataStore, root: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    prefixes = [f"{root}/attempt-{index}" for index in range(100)]
    for prefix in prefixes[::2]:
        store.write_protobuf(f"{prefix}/outputs.pb", OUTPUTS)
    hops: list[object] = []
    to_thread = asyncio.to_thread

    async def counted(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        hops.append(function)
        return await to_thread(function, *args, **kwargs)

    monkeypatch.setattr(asyncio, "to_thread", counted)
    statuses = asyncio.run(check_attempts_async(store, prefixes))
    assert [status.state for status in statuses] == [
        AttemptState.SUCCEEDED if index % 2 == 0 else AttemptState.NOT_READY for index in range(100)
    ]
    assert len(hops) == 1


class BlockingCountingStore(DataStore):
    """A memory store that records its blocking requests and refuses its async ones."""

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[tuple[str, str]] = []

    def head(self, ref: str) -> ObjectInfo:
        self.requests.append(("head", ref))
        return super().head(ref)

    def read_bytes(self, ref: str, *, limit: int | None = None) -> bytes:
        self.requests.append(("read", ref))
        return super().read_bytes(ref, limit=limit)

    async def head_async(self, ref: str) -> ObjectInfo:
        raise AssertionError("the blocking path made an async request")

    async def read_bytes_async(self, ref: str, *, limit: int | None = None) -> bytes:
        raise AssertionError("the blocking path made an async request")


def test_the_blocking_batch_answers_a_failure_in_one_request() -> None:
    store = BlockingCountingStore()
    failed, done, waiting = (f"memory://one-request/attempt-{index}" for index in range(3))
    store.write_protobuf(f"{failed}/error.pb", failure("Boom").to_error_document())
    store.write_protobuf(f"{failed}/outputs.pb", OUTPUTS)
    store.write_protobuf(f"{done}/outputs.pb", OUTPUTS)
    statuses = check_attempts(store, [failed, done, waiting])
    assert [status.state for status in statuses] == [
        AttemptState.FAILED,
        AttemptState.SUCCEEDED,
        AttemptState.NOT_READY,
    ]
    assert store.requests == [  # the error files as one batch, then the outputs' HEADs
        ("read", f"{failed}/error.pb"),
        ("read", f"{done}/error.pb"),
        ("read", f"{waiting}/error.pb"),
        ("head", f"{done}/outputs.pb"),
        ("head", f"{waiting}/outputs.pb"),
    ]


def test_a_remote_prefix_among_local_ones_takes_the_async_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = DataStore()
    local = str(tmp_path / "attempt")
    store.write_protobuf(f"{local}/outputs.pb", OUTPUTS)
    remote = "memory://remote-ish/attempt"
    monkeypatch.setattr(
        store, "prefers_blocking", lambda *refs: not any(r.startswith("memory://") for r in refs)
    )
    loops: list[object] = []
    run = asyncio.run

    def counted(coroutine: Any, **kwargs: Any) -> Any:
        loops.append(coroutine)
        return run(coroutine, **kwargs)

    monkeypatch.setattr(asyncio, "run", counted)
    statuses = check_attempts(store, [local, remote])
    assert [status.state for status in statuses] == [
        AttemptState.SUCCEEDED,
        AttemptState.NOT_READY,
    ]
    assert len(loops) == 1
