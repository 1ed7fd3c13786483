"""Finding an attempt's error in one go, with both faces of every strategy, as public names."""

from __future__ import annotations

import asyncio
import threading
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from reader_support import (
    LIMIT,
    Twin,
    error_document_of_size,
    reader_for,
    twin_fixture,  # noqa: F401 - the ``twin`` fixture
)
from rig import Rig

import plugio.readers
from plugio._twins import _all_twins
from plugio.core import ErrorDocument
from plugio.errors import CorruptPayloadError, PayloadTooLargeError
from plugio.execution import ErrorKind, ExecutionError
from plugio.readers import (
    NO_ERROR_FOUND,
    CachingInputReader,
    EarliestErrorStrategy,
    ErrorStrategy,
    InMemoryOutputReader,
    InputReader,
    OutputReader,
    RemoteFileInputReader,
    RemoteFileOutputReader,
    SingleErrorStrategy,
    error_from_document,
    exists_within,
)
from plugio.storage import DataStore, ObjectInfo

NOON = datetime(2024, 2, 21, 12, 0, tzinfo=timezone.utc)


def document(code: str, when: datetime | None = NOON) -> ErrorDocument:
    error = ExecutionError(code, f"{code} failed", ErrorKind.USER, False, when)
    return error.to_error_document()


def test_the_strategies_and_their_helpers_are_public() -> None:
    exported = plugio.readers.__all__
    for name in (
        "ErrorStrategy",
        "SingleErrorStrategy",
        "EarliestErrorStrategy",
        "NO_ERROR_FOUND",
        "exists_within",
        "error_from_document",
        "payload_limit",
    ):
        assert name in exported, name
        assert hasattr(plugio.readers, name), name
    assert exported == sorted(exported, key=lambda name: (not name.isupper(), name))


def test_the_private_paths_still_import_the_same_objects() -> None:
    from plugio.readers import _remote

    assert _remote.SingleErrorStrategy is SingleErrorStrategy
    assert _remote.EarliestErrorStrategy is EarliestErrorStrategy
    assert _remote.ErrorStrategy is ErrorStrategy
    assert _remote.exists_within is exists_within
    assert _remote.error_from_document is error_from_document
    assert _remote.NO_ERROR_FOUND is NO_ERROR_FOUND


def test_the_engine_imports_only_public_reader_names() -> None:
    import plugio.engine._batch
    import plugio.engine._decision
    import plugio.engine._validate

    for module in (plugio.engine._batch, plugio.engine._decision, plugio.engine._validate):
        with open(module.__file__ or "", encoding="utf-8") as source_file:
            source = source_file.read()
        assert "plugio.readers._" not in source, module.__name__


@pytest.mark.parametrize(
    "reader_class", [RemoteFileOutputReader, InMemoryOutputReader], ids=lambda cls: cls.__name__
)
def test_plugios_output_readers_implement_both_faces(reader_class: type) -> None:
    for name in _all_twins(reader_class):
        for method in (name, f"{name}_async"):
            assert getattr(reader_class, method) is not getattr(OutputReader, method), method


@pytest.mark.parametrize(
    "reader_class", [RemoteFileInputReader, CachingInputReader], ids=lambda cls: cls.__name__
)
def test_plugios_input_readers_implement_both_faces(reader_class: type) -> None:
    for name in _all_twins(reader_class):
        for method in (name, f"{name}_async"):
            assert getattr(reader_class, method) is not getattr(InputReader, method), method


@pytest.mark.parametrize(
    "strategy_class", [SingleErrorStrategy, EarliestErrorStrategy], ids=lambda cls: cls.__name__
)
def test_plugios_strategies_find_the_error_in_one_go_on_both_faces(strategy_class: type) -> None:
    for method in ("find_error", "find_error_async"):
        assert getattr(strategy_class, method) is not getattr(ErrorStrategy, method), method


def test_single_find_error_without_an_error_file(rig: Rig, twin: Twin) -> None:
    reader, _ = reader_for(rig)
    assert twin(reader.find_error) is None


def test_single_find_error_reads_the_error_file(rig: Rig, twin: Twin) -> None:
    reader, paths = reader_for(rig)
    rig.store.write_protobuf(paths.get_error_path(), document("Boom"))
    assert twin(reader.find_error) == twin(reader.read_error)
    found = twin(reader.find_error)
    assert found is not None
    assert (found.code, found.error_uri) == ("Boom", paths.get_error_path())


def test_single_find_error_holds_the_file_to_the_limit(rig: Rig, twin: Twin) -> None:
    reader, paths = reader_for(rig)
    rig.store.write_protobuf(paths.get_error_path(), error_document_of_size(LIMIT + 1))
    with pytest.raises(PayloadTooLargeError):
        twin(reader.find_error)


def test_single_find_error_of_an_undecodable_file_raises_with_context(rig: Rig, twin: Twin) -> None:
    reader, paths = reader_for(rig)
    rig.store.write_bytes(paths.get_error_path(), b"\xff\xff\xff")
    with pytest.raises(CorruptPayloadError) as raised:
        twin(reader.find_error)
    assert f"failed to read error data from task @[{paths.get_error_path()}]" in str(raised.value)


def test_earliest_find_error(rig: Rig, twin: Twin) -> None:
    reader, _ = reader_for(rig, error_strategy=EarliestErrorStrategy(concurrency=2))
    assert twin(reader.find_error) is None
    for name, seconds in (("error.pb", 20), ("error-a.pb", 5), ("error-b.pb", 50)):
        rig.store.write_protobuf(
            rig.ref("out", name), document(name, NOON + timedelta(seconds=seconds))
        )
    found = twin(reader.find_error)
    assert found is not None
    assert found.code == "error-a.pb"
    assert found == twin(reader.read_error)


class ListingCounter(DataStore):
    """A memory store counting its listings and its reads in flight (async reads are slow)."""

    def __init__(self, prefers_blocking: bool = True) -> None:
        super().__init__()
        self.blocking = prefers_blocking
        self.listings = 0
        self.in_flight = 0
        self.peak = 0
        self.reading_threads: set[int] = set()

    def prefers_blocking(self, *refs: str) -> bool:
        return self.blocking

    def list(self, prefix: str, *, page_size: int = 1000) -> Any:
        self.listings += 1
        return super().list(prefix, page_size=page_size)

    async def list_async(self, prefix: str, *, page_size: int = 1000) -> Any:
        self.listings += 1
        async for page in super().list_async(prefix, page_size=page_size):
            yield page

    def read_bytes(self, ref: str, *, limit: int | None = None) -> bytes:
        self.reading_threads.add(threading.get_ident())
        return super().read_bytes(ref, limit=limit)

    async def read_bytes_async(self, ref: str, *, limit: int | None = None) -> bytes:
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        try:
            await asyncio.sleep(0.005)
            return await super().read_bytes_async(ref, limit=limit)
        finally:
            self.in_flight -= 1


def seed_workers(store: DataStore, prefix: str, count: int) -> str:
    for index in range(count):
        when = NOON + timedelta(seconds=count - index)
        store.write_protobuf(f"{prefix}/error-{index:02d}.pb", document(f"W{index}", when))
    return f"{prefix}/error.pb"


def test_earliest_find_error_lists_once_on_each_face() -> None:
    store = ListingCounter()
    error_path = seed_workers(store, "memory://listings/attempt", 3)
    strategy = EarliestErrorStrategy()
    found = strategy.find_error(store, error_path, None)
    assert store.listings == 1
    found_async = asyncio.run(strategy.find_error_async(store, error_path, None))
    assert store.listings == 2
    assert found == found_async
    assert found is not None
    assert found.code == "W2"


def test_earliest_async_reads_are_bounded_by_its_concurrency() -> None:
    store = ListingCounter()
    error_path = seed_workers(store, "memory://bounded/attempt", 12)
    found = asyncio.run(
        EarliestErrorStrategy(concurrency=3).read_error_async(store, error_path, None)
    )
    assert found.code == "W11"
    assert 1 < store.peak <= 3


def test_earliest_sync_reads_stay_in_the_calling_thread_where_the_store_prefers_it() -> None:
    store = ListingCounter(prefers_blocking=True)
    error_path = seed_workers(store, "memory://threads/attempt", 6)
    assert EarliestErrorStrategy(concurrency=4).read_error(store, error_path, None).code == "W5"
    assert store.reading_threads == {threading.get_ident()}


def test_earliest_sync_reads_use_a_pool_for_remote_stores() -> None:
    store = ListingCounter(prefers_blocking=False)
    error_path = seed_workers(store, "memory://pool/attempt", 6)
    assert EarliestErrorStrategy(concurrency=4).read_error(store, error_path, None).code == "W5"
    assert threading.get_ident() not in store.reading_threads


def test_exists_within_is_the_size_rule() -> None:
    ref = "memory://b/outputs.pb"
    assert exists_within(ObjectInfo(ref=ref, exists=True, size=10), 10) is True
    assert exists_within(ObjectInfo(ref=ref, exists=False), 0) is False
    with pytest.raises(PayloadTooLargeError):
        exists_within(ObjectInfo(ref=ref, exists=True, size=11), 10)
    assert exists_within(ObjectInfo(ref=ref, exists=True, size=11), None) is True


def test_error_from_document_of_an_empty_document_is_bad_format() -> None:
    error = error_from_document(ErrorDocument(), "memory://b/error.pb")
    assert (error.code, error.kind, error.is_recoverable) == (
        "ErrorFileBadFormat",
        ErrorKind.SYSTEM,
        True,
    )
    assert ExecutionError("") == NO_ERROR_FOUND
