"""RemoteFileInputReader on every backend, and CachingInputReader's single flight."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
from reader_support import (
    LIMIT,
    Twin,
    literal_map_of_size,
    twin_fixture,  # noqa: F401 - the ``twin`` fixture
)
from rig import Rig

from plugio.config import Limits, StorageConfig
from plugio.core import LiteralMap
from plugio.errors import CorruptPayloadError, NotFoundError, PayloadTooLargeError, PlugioError
from plugio.paths import InputPaths
from plugio.readers import CachingInputReader, InputReader, RemoteFileInputReader
from plugio.storage import DataStore


def input_reader(rig: Rig, limit: int | None = LIMIT) -> tuple[RemoteFileInputReader, InputPaths]:
    paths = InputPaths(rig.store, rig.ref("in"))
    return RemoteFileInputReader(rig.store, paths, max_payload_bytes=limit), paths


# -- RemoteFileInputReader ---------------------------------------------------------
def test_reads_the_inputs_and_delegates_the_paths(rig: Rig, twin: Twin) -> None:
    reader, paths = input_reader(rig)
    rig.store.write_protobuf(paths.get_input_path(), literal_map_of_size(30))
    assert twin(reader.get) == literal_map_of_size(30)
    assert reader.get_input_path() == paths.get_input_path() == rig.ref("in", "inputs.pb")
    assert reader.get_input_prefix_path() == paths.get_input_prefix_path() == rig.ref("in")


def test_zero_byte_inputs_are_the_empty_map(rig: Rig, twin: Twin) -> None:
    reader, paths = input_reader(rig)
    rig.store.write_bytes(paths.get_input_path(), b"")
    assert twin(reader.get) == LiteralMap()


def test_missing_inputs_stay_not_found_keeping_the_cause(rig: Rig, twin: Twin) -> None:
    reader, paths = input_reader(rig)
    with pytest.raises(NotFoundError) as raised:
        twin(reader.get)
    assert raised.value.ref == paths.get_input_path()
    assert f"failed to read data from dataDir [{paths.get_input_path()}]" in str(raised.value)
    assert isinstance(raised.value.__cause__, NotFoundError)


def test_exactly_the_limit_is_read(rig: Rig, twin: Twin) -> None:
    reader, paths = input_reader(rig)
    rig.store.write_protobuf(paths.get_input_path(), literal_map_of_size(LIMIT))
    assert twin(reader.get) == literal_map_of_size(LIMIT)


def test_one_byte_over_is_too_large(rig: Rig, twin: Twin) -> None:
    reader, paths = input_reader(rig)
    rig.store.write_protobuf(paths.get_input_path(), literal_map_of_size(LIMIT + 1))
    with pytest.raises(PayloadTooLargeError) as raised:
        twin(reader.get)
    assert (raised.value.ref, raised.value.limit) == (paths.get_input_path(), LIMIT)
    assert "failed to read data from dataDir" in str(raised.value)
    assert isinstance(raised.value.__cause__, PayloadTooLargeError)
    unlimited, _ = input_reader(rig, limit=None)
    assert twin(unlimited.get) == literal_map_of_size(LIMIT + 1)


@pytest.mark.parametrize("damage", ["truncated", "garbage"])
def test_undecodable_inputs_are_corrupt(rig: Rig, twin: Twin, damage: str) -> None:
    reader, paths = input_reader(rig)
    data = literal_map_of_size(40).SerializeToString()
    rig.store.write_bytes(paths.get_input_path(), data[:-3] if damage == "truncated" else b"junk")
    with pytest.raises(CorruptPayloadError) as raised:
        twin(reader.get)
    assert isinstance(raised.value.__cause__, CorruptPayloadError)


def test_default_limit_is_the_store_config() -> None:
    store = DataStore(StorageConfig(limits=Limits(max_payload_bytes=LIMIT)))
    paths = InputPaths(store, "memory://input-defaults/in")
    store.write_protobuf(paths.get_input_path(), literal_map_of_size(LIMIT + 1))
    with pytest.raises(PayloadTooLargeError):
        RemoteFileInputReader(store, paths).get()
    assert RemoteFileInputReader(store, paths, max_payload_bytes=None).get().literals


# -- CachingInputReader --------------------------------------------------------------
class CountingReader(InputReader):
    """Counts reads; fails the first ``failures`` of them; each read takes ``delay``."""

    def __init__(self, failures: int = 0, delay: float = 0.05) -> None:
        self.reads = 0
        self.failures = failures
        self.delay = delay
        self._lock = threading.Lock()

    def get_input_prefix_path(self) -> str:
        return "memory://cache/in"

    def get_input_path(self) -> str:
        return "memory://cache/in/inputs.pb"

    def get(self) -> LiteralMap:
        with self._lock:
            self.reads += 1
            failing = self.reads <= self.failures
        time.sleep(self.delay)
        if failing:
            raise NotFoundError("not yet", self.get_input_path())
        return literal_map_of_size(20)


def test_cache_delegates_the_paths() -> None:
    cached = CachingInputReader(CountingReader())
    assert cached.get_input_prefix_path() == "memory://cache/in"
    assert cached.get_input_path() == "memory://cache/in/inputs.pb"


def test_cache_keeps_the_first_result(twin: Twin) -> None:
    source = CountingReader(delay=0)
    cached = CachingInputReader(source)
    first = twin(cached.get)
    assert twin(cached.get) is first
    assert source.reads == 1


def test_cache_never_keeps_a_failure(twin: Twin) -> None:
    source = CountingReader(failures=1, delay=0)
    cached = CachingInputReader(source)
    with pytest.raises(NotFoundError):
        twin(cached.get)
    assert twin(cached.get) == literal_map_of_size(20)
    assert twin(cached.get) == literal_map_of_size(20)
    assert source.reads == 2


def test_concurrent_threads_share_one_read() -> None:
    source = CountingReader()
    cached = CachingInputReader(source)
    results: list[LiteralMap] = []
    threads = [threading.Thread(target=lambda: results.append(cached.get())) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert source.reads == 1
    assert len(results) == 8
    assert all(result is results[0] for result in results)


def test_concurrent_coroutines_and_a_thread_share_one_read() -> None:
    source = CountingReader()
    cached = CachingInputReader(source)

    async def main() -> list[LiteralMap]:
        in_thread = asyncio.to_thread(cached.get)
        return list(await asyncio.gather(in_thread, *(cached.get_async() for _ in range(8))))

    results = asyncio.run(main())
    assert source.reads == 1
    assert all(result is results[0] for result in results)


def test_waiters_share_a_failed_read_and_the_next_call_reads_again() -> None:
    source = CountingReader(failures=1)
    cached = CachingInputReader(source)

    async def main() -> list[LiteralMap | BaseException]:
        calls = (cached.get_async() for _ in range(4))
        return list(await asyncio.gather(*calls, return_exceptions=True))

    outcomes = asyncio.run(main())
    assert source.reads == 1
    assert all(isinstance(outcome, NotFoundError) for outcome in outcomes)
    assert cached.get() == literal_map_of_size(20)
    assert source.reads == 2


class FirstReadHangs(CountingReader):
    """An async-only reader whose first read never finishes."""

    async def get_async(self) -> LiteralMap:
        self.reads += 1
        if self.reads == 1:
            await asyncio.sleep(10)
        return literal_map_of_size(20)


def test_a_cancelled_read_lets_a_waiter_read_again() -> None:
    source = FirstReadHangs()
    cached = CachingInputReader(source)

    async def main() -> LiteralMap:
        first = asyncio.create_task(cached.get_async())
        await asyncio.sleep(0.01)
        waiter = asyncio.create_task(cached.get_async())
        await asyncio.sleep(0.01)
        first.cancel()
        return await asyncio.wait_for(waiter, 5)

    assert asyncio.run(main()) == literal_map_of_size(20)
    assert source.reads == 2


def test_cache_over_a_remote_reader(rig: Rig, twin: Twin) -> None:
    reader, paths = input_reader(rig)
    cached = CachingInputReader(reader)
    with pytest.raises(PlugioError):
        twin(cached.get)
    rig.store.write_protobuf(paths.get_input_path(), literal_map_of_size(30))
    assert twin(cached.get) == literal_map_of_size(30)
    rig.store.delete(paths.get_input_path())
    assert twin(cached.get) == literal_map_of_size(30)  # kept: no read
