"""The batch check reports every attempt: one that cannot be checked never blinds the others."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from conftest import fault_proxy, s3_config
from rig import Rig
from servers import S3Server

from plugio.core import ContainerError, ErrorDocument, Literal, LiteralMap, Primitive, Scalar
from plugio.engine import AttemptState, AttemptStatus, check_attempts, check_attempts_async
from plugio.errors import (
    ConfigurationError,
    CorruptPayloadError,
    InvalidReferenceError,
    MissingDependencyError,
    PermissionDeniedError,
    PlugioError,
    StorageError,
    TransientStorageError,
)
from plugio.execution import ErrorKind, ExecutionError
from plugio.readers import EarliestErrorStrategy, ErrorStrategy
from plugio.storage import DataStore
from plugio_conformance.abstract._engine import break_prefix as break_requests_under

NOON = datetime(2025, 3, 4, 12, 0, tzinfo=timezone.utc)
OUTPUTS = LiteralMap(literals={"a": Literal(scalar=Scalar(primitive=Primitive(integer=1)))})
LIMIT = 1024


def failure(code: str, when: datetime = NOON) -> ErrorDocument:
    return ExecutionError(code, f"{code} failed", ErrorKind.USER, False, when).to_error_document()


def expected_state(index: int) -> AttemptState:
    """A third succeeded, a third failed, a third not started."""
    return (AttemptState.SUCCEEDED, AttemptState.FAILED, AttemptState.NOT_READY)[index % 3]


def seed_thirds(store: DataStore, prefixes: list[str]) -> None:
    async def write_all() -> None:
        writes = []
        for index, prefix in enumerate(prefixes):
            if expected_state(index) is AttemptState.SUCCEEDED:
                writes.append(store.write_protobuf_async(f"{prefix}/outputs.pb", OUTPUTS))
            elif expected_state(index) is AttemptState.FAILED:
                writes.append(store.write_protobuf_async(f"{prefix}/error.pb", failure("Boom")))
        await asyncio.gather(*writes)

    asyncio.run(write_all())


def check_both(store: DataStore, prefixes: list[str], **options: Any) -> list[AttemptStatus]:
    """``check_attempts`` and ``check_attempts_async``, which must agree; the statuses."""
    statuses = check_attempts(store, prefixes, max_payload_bytes=LIMIT, **options)
    again = asyncio.run(check_attempts_async(store, prefixes, max_payload_bytes=LIMIT, **options))
    assert [(status.state, status.error) for status in again] == [
        (status.state, status.error) for status in statuses
    ]
    assert [type(status.problem) for status in again] == [
        type(status.problem) for status in statuses
    ]
    return statuses


def assert_only_error_at(statuses: list[AttemptStatus], broken: int) -> None:
    for index, status in enumerate(statuses):
        if index == broken:
            assert status.state is AttemptState.ERROR
            assert status.error is None
            assert isinstance(status.problem, PlugioError)
            assert "\n" not in status.message
        else:
            assert status.state is expected_state(index), index
            assert status.problem is None


def test_a_corrupt_error_file_among_100_attempts(rig: Rig) -> None:
    prefixes = [rig.ref(f"attempt-{index}") for index in range(100)]
    seed_thirds(rig.store, prefixes)
    corrupt = f"{prefixes[50]}/error.pb"
    rig.store.write_bytes(corrupt, b"\xff\xff\xff")
    statuses = check_both(rig.store, prefixes)
    assert [status.output_prefix for status in statuses] == prefixes
    assert_only_error_at(statuses, 50)
    assert isinstance(statuses[50].problem, CorruptPayloadError)
    assert corrupt in statuses[50].message
    assert statuses[50].message.startswith("CorruptPayloadError: ")


@pytest.fixture
def break_prefix(monkeypatch: pytest.MonkeyPatch) -> Callable[[DataStore, str, Exception], None]:
    """Make every request of ``store`` under a prefix raise, sync and async alike."""

    def apply(store: DataStore, prefix: str, problem: Exception) -> None:
        break_requests_under(monkeypatch, store, prefix, problem)

    return apply


@pytest.mark.parametrize(
    "problem",
    [
        TransientStorageError("read failed after 4 attempts: SlowDown", attempts=4),
        PermissionDeniedError("access denied"),
    ],
    ids=["retries-exhausted", "permission-denied"],
)
@pytest.mark.parametrize("layout", ["single", "earliest"])
def test_a_prefix_whose_requests_fail_is_the_only_error(
    rig: Rig,
    break_prefix: Callable[[DataStore, str, Exception], None],
    problem: StorageError,
    layout: str,
) -> None:
    prefixes = [rig.ref(f"attempt-{index}") for index in range(12)]
    seed_thirds(rig.store, prefixes)
    break_prefix(rig.store, prefixes[4], problem)
    strategy = EarliestErrorStrategy() if layout == "earliest" else None
    statuses = check_both(rig.store, prefixes, error_strategy=strategy, concurrency=3)
    assert_only_error_at(statuses, 4)
    assert statuses[4].problem is problem or isinstance(statuses[4].problem, type(problem))


@pytest.mark.parametrize("client", ["obstore", "s3fs"])
def test_retries_exhausted_on_one_s3_prefix_is_the_only_error(
    s3_server: S3Server, client: Any
) -> None:
    with fault_proxy(s3_server.address) as proxy:
        store = DataStore(s3_config(s3_server, proxy.endpoint_url, client, max_attempts=2))
        base = f"s3://{s3_server.bucket}/batch-faults-{client}"
        prefixes = [f"{base}/attempt-{index}" for index in range(9)]
        seed_thirds(store, prefixes)
        proxy.fail_always(503, match=lambda method, target: "/attempt-7/" in target)
        statuses = check_both(store, prefixes, concurrency=4)
    assert_only_error_at(statuses, 7)
    assert isinstance(statuses[7].problem, TransientStorageError)


def write_worker_errors(store: DataStore, prefix: str, seconds: dict[str, int]) -> None:
    for worker, offset in seconds.items():
        document = failure(f"Worker-{worker}", NOON + timedelta(seconds=offset))
        store.write_protobuf(f"{prefix}/error-{worker}.pb", document)


def test_the_earliest_layout_finds_workers_error_files(rig: Rig) -> None:
    names = ("workers", "workers-and-outputs", "single", "done", "pending")
    prefixes = {name: rig.ref(name) for name in names}
    write_worker_errors(rig.store, prefixes["workers"], {"a1": 30, "b2": 10, "c3": 20})
    write_worker_errors(rig.store, prefixes["workers-and-outputs"], {"x": 5})
    rig.store.write_protobuf(f"{prefixes['workers-and-outputs']}/outputs.pb", OUTPUTS)
    rig.store.write_protobuf(f"{prefixes['single']}/error.pb", failure("Single"))
    rig.store.write_protobuf(f"{prefixes['done']}/outputs.pb", OUTPUTS)

    earliest = check_both(
        rig.store, list(prefixes.values()), error_strategy=EarliestErrorStrategy()
    )
    states = {name: status.state for name, status in zip(prefixes, earliest, strict=True)}
    assert states == {
        "workers": AttemptState.FAILED,
        "workers-and-outputs": AttemptState.FAILED,  # an error beats outputs
        "single": AttemptState.FAILED,
        "done": AttemptState.SUCCEEDED,
        "pending": AttemptState.NOT_READY,
    }
    first = earliest[0].error
    assert first is not None
    assert (first.code, first.timestamp) == ("Worker-b2", NOON + timedelta(seconds=10))
    assert first.error_uri == f"{prefixes['workers']}/error-b2.pb"

    single = check_both(rig.store, list(prefixes.values()))
    assert [status.state for status in single[:2]] == [
        AttemptState.NOT_READY,  # the single layout never sees the workers' files
        AttemptState.SUCCEEDED,
    ]


def test_the_earliest_layout_reports_a_bad_worker_file_on_its_attempt(rig: Rig) -> None:
    prefixes = [rig.ref(name) for name in ("corrupt", "big", "fine")]
    write_worker_errors(rig.store, prefixes[0], {"a": 1})
    rig.store.write_bytes(f"{prefixes[0]}/error-b.pb", b"\xff\xff\xff")
    big = ErrorDocument(error=ContainerError(code="Big", message="m" * LIMIT))
    rig.store.write_protobuf(f"{prefixes[1]}/error-w.pb", big)
    write_worker_errors(rig.store, prefixes[2], {"a": 1})
    statuses = check_both(rig.store, prefixes, error_strategy=EarliestErrorStrategy())
    assert [status.state for status in statuses] == [
        AttemptState.ERROR,
        AttemptState.TOO_LARGE,
        AttemptState.FAILED,
    ]
    assert isinstance(statuses[0].problem, CorruptPayloadError)
    assert statuses[1].error is not None
    assert statuses[1].error.code == "OutputSizeExceeded"
    assert statuses[1].problem is None


class Unusable(DataStore):
    """A memory store whose every request fails with ``problem``, as an unusable store would."""

    def __init__(self, problem: Exception) -> None:
        super().__init__()
        self.problem = problem
        self.requests = 0

    def prefers_blocking(self, *refs: str) -> bool:
        return self.blocking

    blocking = True

    def read_bytes(self, ref: str, *, limit: int | None = None) -> bytes:
        self.requests += 1
        raise self.problem

    async def read_bytes_async(self, ref: str, *, limit: int | None = None) -> bytes:
        self.requests += 1
        raise self.problem


@pytest.mark.parametrize("blocking", [True, False], ids=["blocking", "async"])
@pytest.mark.parametrize(
    "problem",
    [MissingDependencyError("s3", "s3", "s3fs"), ConfigurationError("no region set")],
    ids=["missing-dependency", "configuration"],
)
def test_an_unusable_store_fails_the_whole_call(problem: PlugioError, blocking: bool) -> None:
    store = Unusable(problem)
    store.blocking = blocking
    prefixes = [f"memory://unusable/attempt-{index}" for index in range(50)]
    with pytest.raises(type(problem)):
        check_attempts(store, prefixes, concurrency=4)
    with pytest.raises(type(problem)):
        asyncio.run(check_attempts_async(store, prefixes, concurrency=4))
    assert store.requests < 20  # no attempt started after the failure was seen


def test_a_bug_is_not_an_attempt_problem() -> None:
    class Buggy(ErrorStrategy):
        def is_error(self, store: DataStore, error_path: str, limit: int | None) -> bool:
            raise ZeroDivisionError("a bug")

        async def is_error_async(
            self, store: DataStore, error_path: str, limit: int | None
        ) -> bool:
            raise ZeroDivisionError("a bug")

        def read_error(
            self, store: DataStore, error_path: str, limit: int | None
        ) -> ExecutionError:
            raise AssertionError("not reached")

        async def read_error_async(
            self, store: DataStore, error_path: str, limit: int | None
        ) -> ExecutionError:
            raise AssertionError("not reached")

    with pytest.raises(ZeroDivisionError):
        check_attempts(DataStore(), ["memory://buggy/a"], error_strategy=Buggy())


@pytest.mark.parametrize("bad", ["", "s3://", "s3://bucket/a?b", "http://x y"])
def test_an_invalid_prefix_fails_the_call_before_any_request(bad: str) -> None:
    store = Unusable(AssertionError("no request may be made"))
    prefixes = ["memory://fine/a", bad, "memory://fine/b"]
    with pytest.raises(InvalidReferenceError):
        check_attempts(store, prefixes)
    with pytest.raises(InvalidReferenceError):
        asyncio.run(check_attempts_async(store, prefixes))
    assert store.requests == 0


def test_a_negative_size_limit_is_refused() -> None:
    with pytest.raises(ValueError, match="max_payload_bytes"):
        check_attempts(DataStore(), ["memory://x/a"], max_payload_bytes=-1)
