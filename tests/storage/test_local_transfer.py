"""Copies between local folders: atomic, reported, in the calling thread."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import pytest

from plugio.config import RetryPolicy, StorageConfig
from plugio.errors import StorageError
from plugio.storage import DataStore, _local


def make_folder(root: Path, files: int, size: int) -> int:
    for index in range(files):
        path = root / f"part-{index % 3}" / f"file-{index}.bin"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(bytes([index % 256]) * size)
    return files * size


def leftovers(root: Path) -> list[str]:
    return [path.name for path in root.rglob("*") if path.name.endswith((".tmp", ".part"))]


def test_folder_copies_run_in_the_calling_thread_and_report_every_byte(tmp_path: Path) -> None:
    total = make_folder(tmp_path / "src", 20, 1000)
    store = DataStore()
    threads: set[int] = set()
    seen: list[tuple[int, int]] = []

    def progress(done: int, size: int) -> None:
        threads.add(threading.get_ident())
        seen.append((done, size))

    store.put(tmp_path / "src", str(tmp_path / "store"), progress=progress)
    store.get(str(tmp_path / "store"), tmp_path / "back", progress=progress)
    assert threads == {threading.get_ident()}
    assert seen[-1] == (total, total)
    for path in (tmp_path / "src").rglob("*.bin"):
        assert (tmp_path / "back" / path.relative_to(tmp_path / "src")).read_bytes() == (
            path.read_bytes()
        )
    assert leftovers(tmp_path) == []


def test_a_failed_put_leaves_no_file_under_the_target_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "big.bin"
    source.write_bytes(b"x" * 50_000)
    target = tmp_path / "store" / "big.bin"
    target.parent.mkdir()

    def half_then_fail(reader: int, writer: int, callback: Any, chunk_size: int) -> None:
        os.write(writer, b"x" * 20_000)
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(_local, "_move_bytes", half_then_fail)
    store = DataStore(StorageConfig(retry=RetryPolicy(max_attempts=1)))
    with pytest.raises(StorageError) as raised:
        store.put(source, str(target))
    assert str(target) in str(raised.value)
    assert list(target.parent.iterdir()) == []


def test_a_put_replaces_what_was_there_whole(tmp_path: Path) -> None:
    source = tmp_path / "new.bin"
    source.write_bytes(b"new" * 1000)
    target = tmp_path / "store" / "a" / "b.bin"
    target.parent.mkdir(parents=True)
    target.write_bytes(b"old")
    DataStore().put(source, str(target))
    assert target.read_bytes() == b"new" * 1000
    assert leftovers(tmp_path) == []


def test_a_copy_without_sendfile_reads_and_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: Any) -> int:
        raise OSError(22, "Invalid argument")

    monkeypatch.setattr(os, "sendfile", refuse)
    source = tmp_path / "data.bin"
    source.write_bytes(os.urandom(3 * 1024 * 1024 + 7))
    seen: list[int] = []
    DataStore().get(str(source), tmp_path / "copy.bin", progress=lambda done, _: seen.append(done))
    assert (tmp_path / "copy.bin").read_bytes() == source.read_bytes()
    assert seen[-1] == source.stat().st_size


def test_a_download_makes_the_folders_it_needs(tmp_path: Path) -> None:
    make_folder(tmp_path / "src", 6, 10)
    target = tmp_path / "deep" / "er" / "target"
    written = DataStore().get(str(tmp_path / "src"), target)
    assert sorted(Path(path).relative_to(target).as_posix() for path in written) == sorted(
        path.relative_to(tmp_path / "src").as_posix() for path in (tmp_path / "src").rglob("*.bin")
    )
