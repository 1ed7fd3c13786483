"""The storage contract, part three: any key, through every operation.

A key may hold a space, ``%``, a literal ``%2F``, ``#``, ``?``, ``+``, a
non-ASCII letter, or be long; each must be written, read, listed, opened,
copied, deleted and moved as a file or inside a folder under exactly that
key, and every reference the store hands back must read the same object.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from urllib.parse import quote

import pytest

from plugio.storage import DataStore
from plugio_conformance.abstract._fixtures import ConformanceFixtures

__all__ = ["KEY_NAMES", "DataStoreKeyTests"]

#: Names that a naive reference rule reads as something else.
KEY_NAMES = {
    "space": "my data.csv",
    "percent": "100%.txt",
    "escaped-slash": "a%2Fb.txt",
    "escaped-letter": "a%41.txt",
    "hash": "notes#1.md",
    "question": "why?.txt",
    "plus": "c++ notes.txt",
    "accent": "résumé.pdf",
}
#: Longest single file name most local file systems accept, in bytes.
NAME_MAX = 255


def key_ref(base_url: str, key: str) -> str:
    """The reference of ``key`` under ``base_url``: escaped in a URL (as Go escapes a
    path), literal in a path."""
    if "://" in base_url:
        return f"{base_url.rstrip('/')}/{quote(key, safe='/$&+,:;=@')}"
    return os.path.join(base_url, key)


def _long_key(base_url: str) -> str:
    """A key of about 1,000 characters in all (object stores allow 1,024 bytes)."""
    room = 1000 - len(base_url.split("://", 1)[-1])
    segment = "k" * 199
    return "/".join([segment] * (room // 200)) + "/" + "z" * max(1, room % 200 - 1)


class DataStoreKeyTests(ConformanceFixtures):
    """Every operation under keys that need escaping, and under long keys."""

    @pytest.fixture(params=[*KEY_NAMES, "long-key", "longest-name"])
    def key(self, request: pytest.FixtureRequest, base_url: str) -> str:
        name: str = request.param
        if name == "long-key":
            return _long_key(base_url)
        if name == "longest-name":
            return "n" * (NAME_MAX - 4) + ".bin"
        return f"dir {name}/{KEY_NAMES[name]}"

    def test_write_read_head_and_delete(self, store: DataStore, base_url: str, key: str) -> None:
        ref = key_ref(base_url, key)
        store.write_bytes(ref, b"payload")
        assert store.read_bytes(ref) == b"payload"
        assert store.read_bytes(ref, limit=7) == b"payload"
        info = store.head(ref)
        assert (info.exists, info.size) == (True, 7)
        store.delete(ref)
        assert not store.exists(ref)

    def test_listed_references_read_the_object_listed(
        self, store: DataStore, base_url: str, key: str
    ) -> None:
        ref = key_ref(base_url, key)
        store.write_bytes(ref, b"listed")
        listed = [info for page in store.list(base_url.rstrip("/") + "/") for info in page]
        assert [info.ref for info in listed] == [ref]
        assert store.read_bytes(listed[0].ref) == b"listed"

    def test_open_and_copy(self, store: DataStore, base_url: str, key: str) -> None:
        ref = key_ref(base_url, key)
        with store.open(ref, "wb") as handle:
            handle.write(b"streamed")
        with store.open(ref, "rb") as handle:
            assert handle.read() == b"streamed"
        copy = key_ref(base_url, f"copies/{key.rsplit('/', 1)[-1][:200]}")
        store.copy(ref, copy)
        assert store.read_bytes(copy) == b"streamed"
        assert store.read_bytes(ref) == b"streamed"

    def test_async_faces(self, store: DataStore, base_url: str, key: str) -> None:
        ref = key_ref(base_url, key)

        async def both() -> tuple[bytes, bool, list[str]]:
            await store.write_bytes_async(ref, b"async")
            data = await store.read_bytes_async(ref)
            listed = [i.ref async for page in store.list_async(base_url + "/") for i in page]
            await store.delete_async(ref)
            return data, await store.exists_async(ref), listed

        assert asyncio.run(both()) == (b"async", False, [ref])

    def test_put_and_get_of_a_file(
        self, store: DataStore, base_url: str, key: str, tmp_path: Path
    ) -> None:
        name = key.rsplit("/", 1)[-1]
        source = tmp_path / "up" / name
        source.parent.mkdir()
        source.write_bytes(b"file body")
        ref = key_ref(base_url, key)
        assert store.put(source, ref) == [ref]
        assert store.read_bytes(ref) == b"file body"
        target = tmp_path / "down" / name
        target.parent.mkdir()
        assert store.get(ref, target) == [str(target)]
        assert target.read_bytes() == b"file body"

    def test_put_and_get_of_a_folder(
        self, store: DataStore, base_url: str, key: str, tmp_path: Path
    ) -> None:
        source = tmp_path / "up"
        (source / key).parent.mkdir(parents=True)
        (source / key).write_bytes(b"in a folder")
        folder = key_ref(base_url, "folder")
        written = store.put(source, folder)
        assert written == [key_ref(folder, key)]
        assert store.read_bytes(written[0]) == b"in a folder"
        listed = [info.ref for page in store.list(folder + "/") for info in page]
        assert listed == written
        got = store.get(folder, tmp_path / "down")
        assert got == [str(tmp_path / "down" / key)]
        assert (tmp_path / "down" / key).read_bytes() == b"in a folder"
