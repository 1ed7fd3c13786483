"""The storage contract, part two: listing, files and folders, streams, async twins."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest
from google.protobuf.struct_pb2 import Struct

from plugio.errors import AlreadyExistsError, NotFoundError, PayloadTooLargeError
from plugio.references import join
from plugio.storage import DataStore
from plugio_conformance.abstract._fixtures import ConformanceFixtures
from plugio_conformance.abstract._values import run_async

__all__ = ["DataStoreTransferTests"]


def _listed(store: DataStore, prefix: str, page_size: int = 1000) -> list[str]:
    return [info.ref for page in store.list(prefix, page_size=page_size) for info in page]


class DataStoreTransferTests(ConformanceFixtures):
    """Raw-prefix listing and paging, get/put of files and folders, streams, async twins."""

    # -- listing -------------------------------------------------------------------
    def test_list_matches_a_raw_key_prefix(self, store: DataStore, base_url: str) -> None:
        self.require("listing_is_consistent", "a listing may miss what was just written")
        run = join(base_url, "run")
        for name in ("error.pb", "error-1.pb", "error-2.pb", "outputs.pb", "errors/deep.pb"):
            store.write_bytes(join(run, name), name.encode())
        assert set(_listed(store, join(run, "error"))) == {
            join(run, name) for name in ("error.pb", "error-1.pb", "error-2.pb", "errors/deep.pb")
        }

    def test_list_pages_hold_at_most_page_size_sorted_by_key(
        self, store: DataStore, base_url: str
    ) -> None:
        self.require("listing_is_consistent", "a listing may miss what was just written")
        for index in (3, 1, 4, 2, 5):
            store.write_bytes(join(base_url, "paged", f"part-{index}"), b"x")
        pages = list(store.list(join(base_url, "paged", "part-"), page_size=2))
        assert [len(page) for page in pages] == [2, 2, 1]
        refs = [info.ref for page in pages for info in page]
        assert refs == sorted(refs)
        assert refs == [join(base_url, "paged", f"part-{index}") for index in range(1, 6)]

    def test_list_reports_sizes(self, store: DataStore, base_url: str) -> None:
        self.require("listing_is_consistent", "a listing may miss what was just written")
        store.write_bytes(join(base_url, "sized", "seven"), b"1234567")
        (info,) = [info for page in store.list(join(base_url, "sized") + "/") for info in page]
        assert (info.exists, info.size) == (True, 7)

    def test_list_folder_prefix_excludes_siblings_sharing_the_name(
        self, store: DataStore, base_url: str
    ) -> None:
        self.require("listing_is_consistent", "a listing may miss what was just written")
        store.write_bytes(join(base_url, "dir", "x"), b"1")
        store.write_bytes(join(base_url, "dirt", "y"), b"2")
        assert _listed(store, join(base_url, "dir") + "/") == [join(base_url, "dir", "x")]

    def test_list_of_nothing_is_empty_not_an_error(self, store: DataStore, base_url: str) -> None:
        assert list(store.list(join(base_url, "no", "such", "prefix"))) == []
        assert list(store.list(join(base_url, "no", "such", "folder") + "/")) == []

    def test_list_refuses_a_page_size_below_one(self, store: DataStore, base_url: str) -> None:
        with pytest.raises(ValueError, match="page_size"):
            list(store.list(base_url, page_size=0))

    # -- files and folders -----------------------------------------------------------
    def test_put_and_get_a_file_with_progress(
        self, store: DataStore, base_url: str, tmp_path: Path
    ) -> None:
        source = tmp_path / "model.bin"
        source.write_bytes(b"m" * 100_000)
        seen: list[tuple[int, int]] = []
        ref = join(base_url, "files", "model.bin")
        assert store.put(source, ref, progress=lambda done, total: seen.append((done, total))) == [
            ref
        ]
        assert seen[-1] == (100_000, 100_000)
        target = tmp_path / "back.bin"
        assert store.get(ref, target) == [str(target)]
        assert target.read_bytes() == source.read_bytes()

    def test_put_and_get_a_folder(self, store: DataStore, base_url: str, tmp_path: Path) -> None:
        source = tmp_path / "src"
        for index in range(6):
            path = source / f"part{index % 2}" / f"file{index}.txt"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(f"content {index}")
        assert len(store.put(source, join(base_url, "folder"))) == 6
        target = tmp_path / "dst"
        assert len(store.get(join(base_url, "folder"), target)) == 6
        for path in source.rglob("*.txt"):
            assert (target / path.relative_to(source)).read_text() == path.read_text()
        assert not [path for path in target.rglob("*") if path.name.endswith(".part")]

    def test_get_of_nothing_is_not_found_and_writes_nothing(
        self, store: DataStore, base_url: str, tmp_path: Path
    ) -> None:
        ref = join(base_url, "absent")
        with pytest.raises(NotFoundError) as raised:
            store.get(ref, tmp_path / "x")
        assert ref in str(raised.value)
        assert not (tmp_path / "x").exists()

    def test_open_streams_both_ways(self, store: DataStore, base_url: str) -> None:
        ref = join(base_url, "stream.bin")
        with store.open(ref, "wb") as handle:
            for _ in range(10):
                handle.write(b"0123456789" * 1000)
        with store.open(ref, "rb") as handle:
            assert handle.read(10) == b"0123456789"
            assert len(handle.read()) == 99_990

    # -- threads and event loops -----------------------------------------------------
    def test_many_threads_share_one_store(self, store: DataStore, base_url: str) -> None:
        failures: list[BaseException] = []

        def work(index: int) -> None:
            try:
                ref = join(base_url, "threads", f"{index}.bin")
                store.write_bytes(ref, str(index).encode())
                assert store.read_bytes(ref) == str(index).encode()
            except BaseException as exc:  # re-raised below, in the test's thread
                failures.append(exc)

        threads = [threading.Thread(target=work, args=(index,)) for index in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert failures == []

    def test_sync_calls_work_inside_a_running_event_loop(
        self, store: DataStore, base_url: str
    ) -> None:
        ref = join(base_url, "inside-loop")

        async def from_a_coroutine() -> bytes:
            store.write_bytes(ref, b"from a coroutine")
            return store.read_bytes(ref)

        assert run_async(from_a_coroutine()) == b"from a coroutine"

    # -- async twins -----------------------------------------------------------------
    def test_async_twins_head_read_and_write(self, store: DataStore, base_url: str) -> None:
        ref = join(base_url, "async.pb")
        message = Struct()
        message.update({"n": 3})

        async def twins() -> None:
            assert (await store.head_async(ref)).exists is False
            await store.write_protobuf_async(ref, message)
            info = await store.head_async(ref)
            assert (info.exists, info.size) == (True, message.ByteSize())
            assert await store.exists_async(ref)
            assert await store.read_protobuf_async(ref, Struct) == message
            assert await store.read_bytes_async(ref, limit=info.size) == store.read_bytes(ref)
            with pytest.raises(PayloadTooLargeError):
                await store.read_bytes_async(ref, limit=(info.size or 1) - 1)
            with pytest.raises(NotFoundError):
                await store.read_bytes_async(join(base_url, "missing"))
            found = await asyncio.gather(*(store.exists_async(ref) for _ in range(10)))
            assert all(found)

        run_async(twins())

    def test_async_twins_conditional_create_and_delete(
        self, store: DataStore, base_url: str
    ) -> None:
        self.require("supports_conditional_create", "the store has no conditional create")
        ref = join(base_url, "async-once")

        async def twins() -> None:
            await store.write_bytes_async(ref, b"first", if_absent=True)
            with pytest.raises(AlreadyExistsError):
                await store.write_bytes_async(ref, b"second", if_absent=True)
            await store.delete_async(ref)
            await store.delete_async(ref)
            assert not await store.exists_async(ref)

        run_async(twins())

    def test_async_twins_list(self, store: DataStore, base_url: str) -> None:
        self.require("listing_is_consistent", "a listing may miss what was just written")
        for index in range(3):
            store.write_bytes(join(base_url, "alist", f"error-{index}.pb"), b"x")

        async def twins() -> list[list[str]]:
            pages = store.list_async(join(base_url, "alist", "error"), page_size=2)
            return [[info.ref for info in page] async for page in pages]

        assert run_async(twins()) == [
            [join(base_url, "alist", "error-0.pb"), join(base_url, "alist", "error-1.pb")],
            [join(base_url, "alist", "error-2.pb")],
        ]

    def test_async_twins_put_and_get(self, store: DataStore, base_url: str, tmp_path: Path) -> None:
        source = tmp_path / "up.txt"
        source.write_text("up")
        ref = join(base_url, "up.txt")

        async def twins() -> None:
            assert await store.put_async(source, ref) == [ref]
            assert await store.get_async(ref, tmp_path / "down.txt") == [str(tmp_path / "down.txt")]

        run_async(twins())
        assert (tmp_path / "down.txt").read_text() == "up"
