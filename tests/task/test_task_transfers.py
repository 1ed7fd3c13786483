"""How the task side moves many objects: bounded by the store, and copied inside it.

Every batch (uploads of local files, offloaded literals written or fetched,
checkpoint files) runs at most ``max_concurrency`` jobs at once, or the store's
``transfer_concurrency``; a checkpoint file unchanged since the previous
attempt is copied with ``DataStore.copy_async`` rather than uploaded, and
uploaded when the copy fails.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from google.protobuf.message import Message

from plugio.config import StorageConfig, TransferConfig
from plugio.core import Literal, LiteralCollection, LiteralMap
from plugio.errors import TransientStorageError
from plugio.literals import to_literal, to_literal_map_async
from plugio.storage import DataStore, ProgressCallback
from plugio.task import (
    Checkpoint,
    OffloadPolicy,
    offload_literals_async,
    resolve_offloaded_async,
)
from plugio.task._checkpoint_files import VERSIONS_SUFFIX

T = TypeVar("T")
LIMIT = 3


class InFlightStore(DataStore):
    """Counts the transfers in flight (each held open a moment), and the copies made."""

    def __init__(self, concurrency: int = LIMIT, copy_fails: bool = False) -> None:
        super().__init__(StorageConfig(transfer=TransferConfig(concurrency=concurrency)))
        self.running = 0
        self.most = 0
        self.uploads: list[str] = []
        self.copies: list[tuple[str, str]] = []
        self.copy_fails = copy_fails

    async def _counted(self, call: Callable[[], Awaitable[T]]) -> T:
        self.running += 1
        self.most = max(self.most, self.running)
        try:
            await asyncio.sleep(0.01)
            return await call()
        finally:
            self.running -= 1

    async def put_async(
        self,
        local_path: str | os.PathLike[str],
        ref: str,
        *,
        progress: ProgressCallback | None = None,
    ) -> list[str]:
        self.uploads.append(ref)
        return await self._counted(lambda: DataStore.put_async(self, local_path, ref))

    async def write_protobuf_async(
        self, ref: str, message: Message, *, if_absent: bool = False
    ) -> None:
        await self._counted(
            lambda: DataStore.write_protobuf_async(self, ref, message, if_absent=if_absent)
        )

    async def read_protobuf_async(self, ref: str, message_type: Any, **kwargs: Any) -> Any:
        return await self._counted(
            lambda: DataStore.read_protobuf_async(self, ref, message_type, **kwargs)
        )

    async def copy_async(self, source_ref: str, target_ref: str) -> None:
        self.copies.append((source_ref, target_ref))
        if self.copy_fails:
            raise TransientStorageError("injected: the copy failed", target_ref)
        await self._counted(lambda: DataStore.copy_async(self, source_ref, target_ref))


def prefix(name: str) -> str:
    return f"memory://task-transfers-{uuid.uuid4().hex[:8]}/{name}"


def resume(store: DataStore, previous: str) -> Checkpoint:
    """The checkpoint of a next attempt, resuming from ``previous``."""
    return Checkpoint(store, checkpoint_prefix=prefix("next"), previous_checkpoint_prefix=previous)


def write_files(root: Path, count: int) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for index in range(count):
        (root / f"f{index}.bin").write_bytes(bytes([index]) * 100)
    return root


POLICY = OffloadPolicy(enabled=True, min_bytes=10, max_bytes=10_000)


def large_outputs(count: int) -> LiteralMap:
    return LiteralMap(literals={f"o{i}": to_literal("x" * 50) for i in range(count)})


@pytest.mark.parametrize(("max_concurrency", "expected"), [(None, LIMIT), (2, 2)])
def test_offloaded_writes_and_fetches_are_bounded(
    max_concurrency: int | None, expected: int
) -> None:
    store = InFlightStore()
    meta = prefix("meta")
    offloaded = asyncio.run(
        offload_literals_async(
            store, large_outputs(8), meta, POLICY, max_concurrency=max_concurrency
        )
    )
    assert store.most == expected
    store.most = 0
    nested = LiteralMap(
        literals={
            "all": Literal(collection=LiteralCollection(literals=offloaded.literals.values()))
        }
    )
    resolved = asyncio.run(resolve_offloaded_async(store, nested, max_concurrency=max_concurrency))
    assert store.most == expected
    assert list(resolved.literals["all"].collection.literals) == [to_literal("x" * 50)] * 8


def test_uploads_of_local_files_are_bounded_by_the_store(tmp_path: Path) -> None:
    files = write_files(tmp_path / "files", 8)
    store = InFlightStore()
    values = {f"f{i}": files / f"f{i}.bin" for i in range(8)}
    asyncio.run(to_literal_map_async(values, store=store, raw_output_prefix=prefix("raw")))
    assert len(store.uploads) == 8
    assert store.most == LIMIT


def test_a_checkpoint_saves_at_most_the_stores_concurrency(tmp_path: Path) -> None:
    store = InFlightStore()
    checkpoint = Checkpoint(store, checkpoint_prefix=prefix("cp"), previous_checkpoint_prefix="")
    checkpoint.save(write_files(tmp_path / "state", 8))
    assert len(store.uploads) == 8
    assert store.most == LIMIT


def versions_of(prefix: str) -> str:
    """The folder holding the saved versions of the checkpoint at ``prefix``."""
    return prefix + VERSIONS_SUFFIX + "/"


def names(refs: list[str]) -> list[str]:
    return sorted(ref.rsplit("/", 1)[1] for ref in refs)


def test_unchanged_files_are_copied_inside_the_store(tmp_path: Path) -> None:
    state = write_files(tmp_path / "state", 4)
    store = InFlightStore()
    first, second = prefix("cp-1"), prefix("cp-2")
    Checkpoint(store, checkpoint_prefix=first).save(state)
    store.uploads.clear()
    store.copies.clear()

    (state / "f0.bin").write_bytes(b"changed")
    resumed = Checkpoint(store, checkpoint_prefix=second, previous_checkpoint_prefix=first)
    resumed.save(state)
    assert names(store.uploads) == ["f0.bin"]
    assert all(ref.startswith(versions_of(second)) for ref in store.uploads)
    from_first = [(s, t) for s, t in store.copies if s.startswith(versions_of(first))]
    assert names([s for s, _ in from_first]) == ["f1.bin", "f2.bin", "f3.bin"]
    assert all(t.startswith(versions_of(second)) for _, t in from_first)
    target = resume(store, second).restore(tmp_path / "restored")
    assert target is not None
    assert (target / "f0.bin").read_bytes() == b"changed"
    assert (target / "f3.bin").read_bytes() == bytes([3]) * 100


def test_a_failed_copy_falls_back_to_an_upload(tmp_path: Path) -> None:
    state = write_files(tmp_path / "state", 3)
    store = InFlightStore(copy_fails=True)
    first, second = prefix("cp-1"), prefix("cp-2")
    Checkpoint(store, checkpoint_prefix=first).save(state)
    store.uploads.clear()
    store.copies.clear()
    Checkpoint(store, checkpoint_prefix=second, previous_checkpoint_prefix=first).save(state)
    assert len([s for s, _ in store.copies if s.startswith(versions_of(first))]) == 3
    into_versions = [ref for ref in store.uploads if ref.startswith(versions_of(second))]
    assert names(into_versions) == ["f0.bin", "f1.bin", "f2.bin"]
    # Flyte's SDK still finds the files in the folder: uploaded when a copy fails.
    assert names([ref for ref in store.uploads if ref.startswith(second + "/")]) == names(
        into_versions
    )
    restored = resume(store, second).restore(tmp_path / "restored")
    assert restored is not None
    assert sorted(path.name for path in restored.iterdir()) == ["f0.bin", "f1.bin", "f2.bin"]


def test_no_copy_is_tried_between_two_kinds_of_storage(tmp_path: Path) -> None:
    state = write_files(tmp_path / "state", 2)
    store = InFlightStore()
    on_disk = str(tmp_path / "disk" / "_flytecheckpoints")
    Checkpoint(store, checkpoint_prefix=on_disk).save(state)
    store.uploads.clear()
    store.copies.clear()
    in_memory = prefix("cp")
    Checkpoint(store, checkpoint_prefix=in_memory, previous_checkpoint_prefix=on_disk).save(state)
    assert [s for s, _ in store.copies if s.startswith(on_disk)] == []
    into_versions = [ref for ref in store.uploads if ref.startswith(versions_of(in_memory))]
    assert names(into_versions) == ["f0.bin", "f1.bin"]


@pytest.mark.parametrize("where", ["memory", "local"])
def test_checkpoint_files_keep_names_that_look_like_escapes(tmp_path: Path, where: str) -> None:
    names = ["50% done #1.txt", "a%20b.txt", "é/ü.bin"]
    state = tmp_path / "state"
    for index, name in enumerate(names):
        (state / name).parent.mkdir(parents=True, exist_ok=True)
        (state / name).write_bytes(bytes([index]) * 10)
    store = DataStore()
    root = prefix("odd") if where == "memory" else str(tmp_path / "store")
    first = f"{root}/raw-1/_flytecheckpoints"
    Checkpoint(store, checkpoint_prefix=first).save(state)
    again = Checkpoint(store, checkpoint_prefix=first)
    again.save(state)  # an unchanged save finds every file where it left it
    restored = resume(store, first).restore(tmp_path / "restored")
    assert restored is not None
    found = {p.relative_to(restored).as_posix() for p in restored.rglob("*") if p.is_file()}
    assert found == set(names)
    assert (restored / "a%20b.txt").read_bytes() == bytes([1]) * 10
