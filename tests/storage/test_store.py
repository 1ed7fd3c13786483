"""Every DataStore behaviour, on every backend of the rig."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest
from google.protobuf.struct_pb2 import Struct
from rig import Rig

from plugio.errors import (
    AlreadyExistsError,
    CorruptPayloadError,
    NotFoundError,
    PayloadTooLargeError,
)
from plugio.storage import DataStore


def struct(**values: str | float) -> Struct:
    message = Struct()
    message.update(values)
    return message


def test_write_then_read(rig: Rig) -> None:
    ref = rig.ref("run", "outputs.pb")
    rig.store.write_bytes(ref, b"payload")
    assert rig.store.read_bytes(ref) == b"payload"
    info = rig.store.head(ref)
    assert (info.exists, info.size, info.ref) == (True, 7, ref)
    assert rig.store.exists(ref)


def test_head_of_missing_object(rig: Rig) -> None:
    info = rig.store.head(rig.ref("missing.pb"))
    assert (info.exists, info.size) == (False, None)
    assert not rig.store.exists(rig.ref("missing.pb"))


def test_head_reports_a_version_tag_that_changes(rig: Rig) -> None:
    ref = rig.ref("tagged")
    rig.store.write_bytes(ref, b"one")
    first = rig.store.head(ref)
    rig.store.write_bytes(ref, b"other")
    second = rig.store.head(ref)
    assert second.size == 5
    if rig.has_etag:
        assert first.etag
        assert second.etag != first.etag


def test_read_missing_object_names_the_path(rig: Rig) -> None:
    ref = rig.ref("nothing", "inputs.pb")
    with pytest.raises(NotFoundError) as raised:
        rig.store.read_bytes(ref, limit=10)
    assert raised.value.ref == ref
    assert ref in str(raised.value)
    assert raised.value.__cause__ is not None


def test_limit_allows_exactly_limit_bytes(rig: Rig) -> None:
    ref = rig.ref("exact")
    rig.store.write_bytes(ref, b"x" * 64)
    assert rig.store.read_bytes(ref, limit=64) == b"x" * 64


def test_limit_refuses_one_byte_over(rig: Rig) -> None:
    ref = rig.ref("over")
    rig.store.write_bytes(ref, b"x" * 65)
    with pytest.raises(PayloadTooLargeError) as raised:
        rig.store.read_bytes(ref, limit=64)
    assert (raised.value.ref, raised.value.size, raised.value.limit) == (ref, 65, 64)
    assert rig.store.read_bytes(ref) == b"x" * 65  # nothing changed


def test_zero_byte_object(rig: Rig) -> None:
    ref = rig.ref("empty.pb")
    rig.store.write_bytes(ref, b"")
    assert rig.store.read_bytes(ref, limit=10) == b""
    assert rig.store.read_bytes(ref, limit=0) == b""
    assert rig.store.read_protobuf(ref, Struct) == Struct()
    assert rig.store.head(ref).size == 0


def test_protobuf_round_trip(rig: Rig) -> None:
    ref = rig.ref("message.pb")
    rig.store.write_protobuf(ref, struct(a=1, b="two"))
    assert rig.store.read_protobuf(ref, Struct) == struct(a=1, b="two")


def test_corrupt_protobuf_names_the_path_and_keeps_the_object(rig: Rig) -> None:
    ref = rig.ref("corrupt.pb")
    rig.store.write_bytes(ref, b"\xff\xff\xff")
    with pytest.raises(CorruptPayloadError) as raised:
        rig.store.read_protobuf(ref, Struct)
    assert raised.value.ref == ref
    assert ref in str(raised.value)
    assert rig.store.read_bytes(ref) == b"\xff\xff\xff"


def test_protobuf_limit_comes_from_config(rig: Rig) -> None:
    ref = rig.ref("big.pb")
    rig.store.write_protobuf(ref, struct(text="x" * 100))
    with pytest.raises(PayloadTooLargeError):
        rig.store.read_protobuf(ref, Struct, limit=50)
    assert rig.store.read_protobuf(ref, Struct, limit=None)["text"] == "x" * 100


def test_conditional_create(rig: Rig) -> None:
    if not rig.conditional_create:
        pytest.skip(f"{rig.name} has no conditional create")
    ref = rig.ref("once")
    rig.store.write_bytes(ref, b"first", if_absent=True)
    with pytest.raises(AlreadyExistsError) as raised:
        rig.store.write_bytes(ref, b"second", if_absent=True)
    assert raised.value.ref == ref
    assert rig.store.read_bytes(ref) == b"first"


def test_delete_and_delete_again(rig: Rig) -> None:
    ref = rig.ref("doomed")
    rig.store.write_bytes(ref, b"x")
    rig.store.delete(ref)
    assert not rig.store.exists(ref)
    rig.store.delete(ref)  # deleting what is not there is fine


def test_delete_recursive(rig: Rig) -> None:
    for name in ("a", "b", "sub/c"):
        rig.store.write_bytes(rig.ref("tree", name), b"x")
    rig.store.delete(rig.ref("tree"), recursive=True)
    assert [info for page in rig.store.list(rig.ref("tree") + "/") for info in page] == []


def test_list_raw_key_prefix_in_pages(rig: Rig) -> None:
    for name in ("error.pb", "error-1.pb", "error-2.pb", "outputs.pb", "errors/deep.pb"):
        rig.store.write_bytes(rig.ref("run", name), name.encode())
    pages = list(rig.store.list(rig.ref("run", "error"), page_size=2))
    assert [len(page) for page in pages] == [2, 2]
    refs = [info.ref for page in pages for info in page]
    assert refs == sorted(refs)
    assert set(refs) == {
        rig.ref("run", "error.pb"),
        rig.ref("run", "error-1.pb"),
        rig.ref("run", "error-2.pb"),
        rig.ref("run", "errors/deep.pb"),
    }
    sizes = {info.ref: info.size for page in pages for info in page}
    assert sizes[rig.ref("run", "error-1.pb")] == len(b"error-1.pb")


def test_list_folder_excludes_siblings_sharing_the_name(rig: Rig) -> None:
    rig.store.write_bytes(rig.ref("dir", "x"), b"1")
    rig.store.write_bytes(rig.ref("dirt", "y"), b"2")
    refs = [info.ref for page in rig.store.list(rig.ref("dir") + "/") for info in page]
    assert refs == [rig.ref("dir", "x")]


def test_list_of_nothing_is_empty(rig: Rig) -> None:
    assert list(rig.store.list(rig.ref("no", "such", "prefix"))) == []


def test_put_and_get_a_file(rig: Rig, tmp_path: Path) -> None:
    source = tmp_path / "model.bin"
    source.write_bytes(b"m" * 100_000)
    seen: list[tuple[int, int]] = []
    ref = rig.ref("files", "model.bin")
    assert rig.store.put(source, ref, progress=lambda done, total: seen.append((done, total))) == [
        ref
    ]
    assert seen[-1] == (100_000, 100_000)
    target = tmp_path / "back.bin"
    assert rig.store.get(ref, target) == [str(target)]
    assert target.read_bytes() == source.read_bytes()


def test_put_and_get_a_directory(rig: Rig, tmp_path: Path) -> None:
    source = tmp_path / "src"
    for index in range(25):
        path = source / f"part{index % 3}" / f"file{index}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"content {index}")
    total = sum(path.stat().st_size for path in source.rglob("*") if path.is_file())
    seen: list[tuple[int, int]] = []
    written = rig.store.put(source, rig.ref("dir"), progress=lambda d, t: seen.append((d, t)))
    assert len(written) == 25
    assert seen[-1] == (total, total)
    target = tmp_path / "dst"
    rig.store.get(rig.ref("dir"), target)
    for path in source.rglob("*.txt"):
        assert (target / path.relative_to(source)).read_text() == path.read_text()
    assert not list(target.rglob("*.part"))


def test_get_of_nothing_is_not_found(rig: Rig, tmp_path: Path) -> None:
    with pytest.raises(NotFoundError) as raised:
        rig.store.get(rig.ref("absent"), tmp_path / "x")
    assert rig.ref("absent") in str(raised.value)
    assert not (tmp_path / "x").exists()


def test_open_streams_both_ways(rig: Rig) -> None:
    ref = rig.ref("stream.bin")
    with rig.store.open(ref, "wb") as handle:
        for _ in range(10):
            handle.write(b"0123456789" * 1000)
    with rig.store.open(ref, "rb") as handle:
        assert handle.read(10) == b"0123456789"
        assert len(handle.read()) == 99_990


def test_failed_stream_write_keeps_what_was_stored(rig: Rig) -> None:
    ref = rig.ref("kept.bin")
    rig.store.write_bytes(ref, b"original")

    def die_while_writing() -> None:
        with rig.store.open(ref, "wb") as handle:
            handle.write(b"partial " * 1000)
            raise RuntimeError("task died")

    with pytest.raises(RuntimeError, match="task died"):
        die_while_writing()
    assert rig.store.read_bytes(ref) == b"original"


def test_concurrent_reader_sees_all_or_nothing(rig: Rig) -> None:
    ref = rig.ref("atomic.pb")
    payloads = [bytes([65 + index]) * 300_000 for index in range(2)]
    rig.store.write_bytes(ref, payloads[0])
    stop = threading.Event()
    torn: list[int] = []

    def reader() -> None:
        while not stop.is_set():
            data = rig.store.read_bytes(ref)
            if data not in payloads:
                torn.append(len(data))

    thread = threading.Thread(target=reader)
    thread.start()
    for round_number in range(12):
        rig.store.write_bytes(ref, payloads[round_number % 2])
    stop.set()
    thread.join()
    assert torn == []


def test_many_threads_share_one_store(rig: Rig) -> None:
    errors: list[BaseException] = []

    def work(index: int) -> None:
        try:
            ref = rig.ref("threads", f"{index}.bin")
            rig.store.write_bytes(ref, str(index).encode())
            assert rig.store.read_bytes(ref) == str(index).encode()
            assert rig.store.exists(ref)
        except BaseException as exc:  # collected and re-raised below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(index,)) for index in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(len(page) for page in rig.store.list(rig.ref("threads") + "/")) == 16


def test_async_twins(rig: Rig, tmp_path: Path) -> None:
    ref = rig.ref("async.pb")

    async def main() -> None:
        await rig.store.write_protobuf_async(ref, struct(n=3))
        assert await rig.store.exists_async(ref)
        assert (await rig.store.head_async(ref)).exists
        assert await rig.store.read_protobuf_async(ref, Struct) == struct(n=3)
        assert await rig.store.read_bytes_async(ref, limit=100)
        listed = [info.ref async for page in rig.store.list_async(rig.ref("")) for info in page]
        assert ref in listed
        source = tmp_path / "up.txt"
        source.write_text("up")
        await rig.store.put_async(source, rig.ref("up.txt"))
        await rig.store.get_async(rig.ref("up.txt"), tmp_path / "down.txt")
        results = await asyncio.gather(*(rig.store.exists_async(ref) for _ in range(20)))
        assert all(results)
        await rig.store.delete_async(ref)
        assert not await rig.store.exists_async(ref)

    asyncio.run(main())
    assert (tmp_path / "down.txt").read_text() == "up"


def test_sync_calls_from_inside_a_running_loop(rig: Rig) -> None:
    ref = rig.ref("inside-loop")

    async def main() -> bytes:
        rig.store.write_bytes(ref, b"from a coroutine")
        return rig.store.read_bytes(ref)

    assert asyncio.run(main()) == b"from a coroutine"


@pytest.mark.filterwarnings("ignore:.*use of fork\\(\\) may lead to deadlocks:DeprecationWarning")
def test_store_works_in_a_forked_child(rig: Rig) -> None:
    import multiprocessing

    if rig.name == "memory":
        pytest.skip("memory:// lives in one process; a child's writes stay in the child")
    ref = rig.ref("forked")
    rig.store.write_bytes(ref, b"parent")
    assert rig.store.read_bytes(ref) == b"parent"  # the parent's clients now exist
    context = multiprocessing.get_context("fork")
    process = context.Process(target=_child_work, args=(rig.store, ref))
    process.start()
    process.join(60)
    assert process.exitcode == 0
    assert rig.store.read_bytes(ref) == b"child saw parent"


def _child_work(store: DataStore, ref: str) -> None:
    data = store.read_bytes(ref)
    store.write_bytes(ref, b"child saw " + data)


def test_escaped_keys_are_stored_decoded_as_flyte_does(rig: Rig) -> None:
    from plugio.references import join

    ref = join(rig.base, "with space", "a+b.pb")
    escaped = "://" in rig.base  # a bare local path is joined unescaped
    assert ref.endswith("/with%20space/a+b.pb" if escaped else "/with space/a+b.pb")
    rig.store.write_bytes(ref, b"x")
    names = [info.ref for page in rig.store.list(rig.base + "/") for info in page]
    assert names == [ref]  # listed as it was written: the reference reads the object
    assert rig.store.read_bytes(ref) == b"x"


@pytest.mark.parametrize("key", ["../escape.pb", "a/../../escape.pb", "%2e%2e/escape.pb"])
def test_reference_climbing_out_of_its_base_is_refused(rig: Rig, key: str) -> None:
    from plugio.errors import InvalidReferenceError
    from plugio.references import join

    if key.startswith("%") and "://" not in rig.base:
        pytest.skip("a bare local path is never percent-decoded: %2e%2e is a plain name there")
    rig.store.write_bytes(rig.ref("kept.pb"), b"kept")
    with pytest.raises(InvalidReferenceError) as raised:
        rig.store.write_bytes(join(rig.base, key), b"x")
    assert rig.base in str(raised.value)
    assert rig.store.read_bytes(rig.ref("kept.pb")) == b"kept"
    if not key.startswith("%"):
        assert not rig.store.exists(join(rig.base, key, allow_traversal=True))


@pytest.mark.parametrize("tail", ["%2e%2e/escape.pb", "a/%2E%2E/%2e%2e/escape.pb"])
def test_encoded_dot_segments_in_a_reference_are_refused(rig: Rig, tail: str) -> None:
    from plugio.errors import InvalidReferenceError

    if "://" not in rig.base:
        pytest.skip("a bare local path is never percent-decoded")
    with pytest.raises(InvalidReferenceError):
        rig.store.write_bytes(f"{rig.base}/{tail}", b"x")
