"""Checkpoints on every backend: round trips, atomic saves, and no needless uploads."""

from __future__ import annotations

import asyncio
import io
import os
from pathlib import Path
from typing import Any

import pytest
from rig import Rig

from plugio.errors import PayloadError, TransientStorageError
from plugio.references import parse_reference
from plugio.storage import DataStore, ProgressCallback
from plugio.task import MANIFEST_SUFFIX, VALUE_FILE, Checkpoint
from plugio.task._checkpoint_files import VERSIONS_SUFFIX


class CountingStore(DataStore):
    """Records every file upload; ``fail_after`` makes uploads fail past that many."""

    def __init__(self, store: DataStore, fail_after: int | None = None) -> None:
        super().__init__(store.config)
        self.uploads: list[str] = []
        self.fail_after = fail_after

    async def put_async(
        self,
        local_path: str | os.PathLike[str],
        ref: str,
        *,
        progress: ProgressCallback | None = None,
    ) -> list[str]:
        if self.fail_after is not None and len(self.uploads) >= self.fail_after:
            raise TransientStorageError("injected: the task died mid-save", ref)
        self.uploads.append(ref)
        return await super().put_async(local_path, ref, progress=progress)


def attempt(store: DataStore, rig: Rig, number: int, previous: int | None = None) -> Checkpoint:
    """The checkpoint of attempt ``number``, resuming from attempt ``previous``."""
    return Checkpoint(
        store,
        checkpoint_prefix=prefix(rig, number),
        previous_checkpoint_prefix="" if previous is None else prefix(rig, previous),
    )


def prefix(rig: Rig, number: int) -> str:
    return rig.ref(f"raw-{number}", "_flytecheckpoints")


def write_tree(root: Path, files: dict[str, bytes]) -> Path:
    for name, data in files.items():
        path = root.joinpath(*name.split("/"))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


def read_tree(root: Path | None) -> dict[str, bytes]:
    assert root is not None, "nothing was restored"
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in root.rglob("*")
        if path.is_file()
    }


def stored_names(store: DataStore, checkpoint_prefix: str) -> set[str]:
    """The names under the folder, decoded from the listed references as the store keys them."""
    start = len(parse_reference(checkpoint_prefix).key) + 1
    listed = (info.ref for page in store.list(checkpoint_prefix + "/") for info in page)
    return {parse_reference(ref).key[start:] for ref in listed}


FILES = {
    "model.bin": b"\x00\x01" * 5000,
    "optimizer/state.json": b'{"step": 10}',
    "optimizer/empty": b"",
    "notes/épreuve.txt": "é".encode(),
}


def test_a_first_attempt_restores_nothing(rig: Rig, local_dir: Path) -> None:
    first = attempt(rig.store, rig, 1)
    assert first.restore(local_dir / "restored") is None
    assert first.read() is None
    nothing_there = attempt(rig.store, rig, 2, previous=1)
    assert nothing_there.restore(local_dir / "restored") is None
    assert nothing_there.read() is None
    assert not (local_dir / "restored").exists()


def test_a_saved_folder_is_restored_by_the_next_attempt(rig: Rig, local_dir: Path) -> None:
    attempt(rig.store, rig, 1).save(write_tree(local_dir / "state", FILES))
    # Flyte's layout: the files under the folder, the manifest beside it.
    assert stored_names(rig.store, prefix(rig, 1)) == set(FILES)
    assert rig.store.exists(prefix(rig, 1) + MANIFEST_SUFFIX)

    restored = attempt(rig.store, rig, 2, previous=1).restore(local_dir / "restored")
    assert restored == local_dir / "restored"
    assert read_tree(restored) == FILES
    assert [p.name for p in restored.iterdir() if p.name.startswith(".plugio")] == []


def uploaded_names(store: CountingStore) -> list[str]:
    """The checkpoint names of the uploads: the path under the version folder."""
    keys = (parse_reference(ref).key for ref in store.uploads)
    return sorted(key.split(VERSIONS_SUFFIX + "/", 1)[1].split("/", 1)[1] for key in keys)


def test_unchanged_files_are_not_uploaded_again(rig: Rig, local_dir: Path) -> None:
    store = CountingStore(rig.store)
    state = write_tree(local_dir / "state", FILES)
    first = attempt(store, rig, 1).save(state)
    assert uploaded_names(store) == sorted(FILES)
    assert first.bytes_uploaded == first.bytes_total == sum(map(len, FILES.values()))

    store.uploads.clear()
    second = attempt(store, rig, 2, previous=1)
    assert second.restore(local_dir / "resumed") is not None
    changed = {"optimizer/state.json": b'{"step": 20}', "new.txt": b"n"}
    (state / "notes" / "épreuve.txt").unlink()
    write_tree(state, changed)
    result = second.save(state)
    assert uploaded_names(store) == sorted(changed)
    assert result.bytes_uploaded == sum(map(len, changed.values()))
    assert result.bytes_copied == len(FILES["model.bin"])  # from attempt 1, inside the store

    expected = {**FILES, **changed}
    del expected["notes/épreuve.txt"]
    # The folder Flyte's SDK reads holds the files too, not only the manifest.
    assert stored_names(rig.store, prefix(rig, 2)) == set(expected)
    assert read_tree(attempt(rig.store, rig, 3, previous=2).restore(local_dir / "r3")) == expected

    store.uploads.clear()
    again = second.save(state)  # saving the same state again moves nothing
    assert store.uploads == []
    assert again.bytes_unchanged == again.bytes_total


def test_an_interrupted_save_is_never_restored(rig: Rig, local_dir: Path) -> None:
    state = write_tree(local_dir / "state", FILES)
    attempt(rig.store, rig, 1).save(state)
    write_tree(state, {name: data + b"!" for name, data in FILES.items()})
    dying = CountingStore(rig.store, fail_after=1)
    with pytest.raises(TransientStorageError):
        attempt(dying, rig, 2, previous=1).save(state)
    assert len(dying.uploads) == 1  # one new file is there, the others are not

    # Attempt 3 resumes from attempt 2, whose save was cut short: it gets the
    # checkpoint that save started from, whole, never a mix of the two.
    third = attempt(rig.store, rig, 3, previous=2)
    assert read_tree(third.restore(local_dir / "r3")) == FILES
    # Without such a checkpoint to fall back on, there is nothing to restore.
    orphan = attempt(CountingStore(rig.store, fail_after=1), rig, 4)
    with pytest.raises(TransientStorageError):
        orphan.save(state)
    assert attempt(rig.store, rig, 5, previous=4).restore(local_dir / "r5") is None


def test_a_committed_file_gone_is_an_error_naming_it(rig: Rig, local_dir: Path) -> None:
    saved = attempt(rig.store, rig, 1).save(write_tree(local_dir / "state", FILES))
    gone = f"{prefix(rig, 1)}{VERSIONS_SUFFIX}/{saved.version}/optimizer/state.json"
    rig.store.delete(gone)
    with pytest.raises(PayloadError, match=r"missing: optimizer/state\.json") as raised:
        attempt(rig.store, rig, 2, previous=1).restore(local_dir / "r")
    assert raised.value.ref == gone
    assert not (local_dir / "r" / "model.bin").exists()  # nothing half-restored


def test_a_single_value_is_written_and_read(rig: Rig, local_dir: Path) -> None:
    first = attempt(rig.store, rig, 1)
    first.write(b"epoch=3")
    first.write(b"epoch=4")
    assert stored_names(rig.store, prefix(rig, 1)) == {VALUE_FILE}
    second = attempt(rig.store, rig, 2, previous=1)
    assert second.read() == b"epoch=4"
    assert read_tree(second.restore(local_dir / "r")) == {VALUE_FILE: b"epoch=4"}


def test_a_stream_and_a_file_are_saved(rig: Rig, local_dir: Path) -> None:
    first = attempt(rig.store, rig, 1)
    first.save(io.BytesIO(b"s" * 300_000))
    assert attempt(rig.store, rig, 2, previous=1).read() == b"s" * 300_000
    (local_dir / "weights.pt").write_bytes(b"w")
    first.save(local_dir / "weights.pt")  # replaces the stream: a checkpoint is a snapshot
    assert stored_names(rig.store, prefix(rig, 1)) == {"weights.pt"}


def test_async_save_restore_read_and_write(rig: Rig, local_dir: Path) -> None:
    async def scenario() -> Any:
        first = attempt(rig.store, rig, 1)
        await first.save_async(write_tree(local_dir / "state", FILES))
        second = attempt(rig.store, rig, 2, previous=1)
        restored = await second.restore_async(local_dir / "r")
        await second.write_async(b"v")
        return restored, await attempt(rig.store, rig, 3, previous=2).read_async()

    restored, value = asyncio.run(scenario())
    assert read_tree(restored) == FILES
    assert value == b"v"
