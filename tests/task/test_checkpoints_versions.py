"""Versioned saves, background saves, change detection and Flyte 2's form, on every backend."""

from __future__ import annotations

import asyncio
import io
import os
import tarfile
import threading
from pathlib import Path

import pytest
from conftest import fault_proxy, s3_config
from rig import Rig
from servers import S3Server

from plugio.errors import ConfigurationError, PayloadError, StorageError
from plugio.generation import FlyteGeneration
from plugio.storage import DataStore, ProgressCallback
from plugio.task import MANIFEST_SUFFIX, Checkpoint, SaveHandle
from plugio.task import _checkpoint_capture as capture_module
from plugio.task._checkpoint_files import (
    CHUNK_SIZE,
    VERSIONS_SUFFIX,
    Digest,
    Manifest,
    version_ref,
)
from plugio.task._checkpoint_restore import PAYLOAD_FILE

FILES = {
    "weights/model 1%.bin": os.urandom(300_000),
    "optimizer#state.json": b'{"step": 1}',
    "notes/épreuve.txt": "é".encode(),
}


def write_tree(root: Path, files: dict[str, bytes]) -> Path:
    for name, data in files.items():
        path = root.joinpath(*name.split("/"))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


def read_tree(root: Path | None) -> dict[str, bytes]:
    assert root is not None, "nothing was restored"
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def pointer(store: DataStore, prefix: str) -> Manifest:
    return Manifest.model_validate_json(store.read_bytes(prefix + MANIFEST_SUFFIX))


class GatedStore(DataStore):
    """Holds every upload until ``gate`` is set, counting them."""

    def __init__(self, store: DataStore) -> None:
        super().__init__(store.config)
        self.gate = threading.Event()
        self.started = threading.Event()

    async def put_async(
        self,
        local_path: str | os.PathLike[str],
        ref: str,
        *,
        progress: ProgressCallback | None = None,
    ) -> list[str]:
        self.started.set()
        await asyncio.to_thread(self.gate.wait)
        return await super().put_async(local_path, ref, progress=progress)


def test_versions_beside_the_folder_and_older_ones_deleted(rig: Rig, tmp_path: Path) -> None:
    prefix = rig.ref("a1", "_flytecheckpoints")
    checkpoint = Checkpoint(rig.store, checkpoint_prefix=prefix, keep=2)
    state = write_tree(tmp_path / "state", FILES)
    first = checkpoint.save(state)
    write_tree(state, {"optimizer#state.json": b'{"step": 2}'})
    second = checkpoint.save(state)
    write_tree(state, {"optimizer#state.json": b'{"step": 3}'})
    third = checkpoint.save(state)
    assert second.bytes_uploaded == third.bytes_uploaded == len(b'{"step": 2}')
    assert third.bytes_unchanged == third.bytes_total - third.bytes_uploaded
    current = pointer(rig.store, prefix)
    assert (current.version, current.kept, current.mirrored) == (
        third.version,
        [second.version],
        third.version,
    )
    versions = {
        info.ref.split(VERSIONS_SUFFIX + "/", 1)[1].split("/")[0]
        for page in rig.store.list(prefix + VERSIONS_SUFFIX + "/")
        for info in page
    }
    # The first version's folder stays only for the unchanged files it holds.
    assert {v.removesuffix(".json") for v in versions} == {
        first.version,
        second.version,
        third.version,
    }
    assert not rig.store.exists(f"{prefix}{VERSIONS_SUFFIX}/{first.version}.json")
    assert not rig.store.exists(f"{prefix}{VERSIONS_SUFFIX}/{first.version}/optimizer%23state.json")
    restored = Checkpoint(rig.store, checkpoint_prefix=prefix).restore(tmp_path / "r")
    assert read_tree(restored) == {**FILES, "optimizer#state.json": b'{"step": 3}'}


def test_a_restart_within_the_attempt_restores_its_own_newest_save(
    rig: Rig, tmp_path: Path
) -> None:
    older, mine = rig.ref("a1", "_flytecheckpoints"), rig.ref("a2", "_flytecheckpoints")
    Checkpoint(rig.store, checkpoint_prefix=older).write(b"attempt 1")
    Checkpoint(rig.store, checkpoint_prefix=mine, previous_checkpoint_prefix=older).write(
        b"attempt 2"
    )
    restarted = Checkpoint(rig.store, checkpoint_prefix=mine, previous_checkpoint_prefix=older)
    assert restarted.read() == b"attempt 2"
    assert restarted.restore(tmp_path / "r") is not None
    assert restarted.last_restore is not None
    assert (restarted.last_restore.prefix, restarted.last_restore.form) == (mine, "plugio")


def test_background_saves_keep_order_and_drop_the_older_waiting_one(tmp_path: Path) -> None:
    store = GatedStore(DataStore())
    prefix = f"memory://checkpoints/{os.urandom(6).hex()}/_flytecheckpoints"
    checkpoint = Checkpoint(store, checkpoint_prefix=prefix)
    state = tmp_path / "state"
    handles: list[SaveHandle] = []
    for step in range(1, 4):
        write_tree(state, {"step.txt": f"step {step}".encode()})
        handles.append(checkpoint.save(state, wait=False))
        if step == 1:
            assert store.started.wait(10)  # the first is in flight, held at its upload
    assert [h.done() for h in handles] == [False, True, False]
    assert handles[1].dropped
    assert handles[1].wait() is None
    assert not store.exists(prefix + MANIFEST_SUFFIX) or pointer(store, prefix).state == "pending"
    store.gate.set()
    checkpoint.flush()
    first, third = handles[0].wait(), handles[2].wait()
    assert first is not None
    assert third is not None
    assert first.version < third.version  # in order: the third committed last
    assert pointer(store, prefix).version == third.version
    assert Checkpoint(store, checkpoint_prefix=prefix).read() == b"step 3"


def test_a_dropped_save_hands_its_staged_files_to_the_newer_one(tmp_path: Path) -> None:
    store = GatedStore(DataStore())
    prefix = f"memory://checkpoints/{os.urandom(6).hex()}/_flytecheckpoints"
    checkpoint = Checkpoint(store, checkpoint_prefix=prefix)
    state = write_tree(tmp_path / "state", {"a": b"one", "big": b"B" * 1000})
    checkpoint.save(state, wait=False)
    assert store.started.wait(10)
    write_tree(state, {"big": b"C" * 1000})
    checkpoint.save(state, wait=False)  # waits: stages the new "big"
    write_tree(state, {"a": b"two"})
    checkpoint.save(state, wait=False)  # replaces it: "big" looks unchanged since
    (state / "big").write_bytes(b"D" * 1000)  # the caller moves on; the capture holds "C"
    store.gate.set()
    checkpoint.flush()
    restored = Checkpoint(store, checkpoint_prefix=prefix).restore(tmp_path / "r")
    assert read_tree(restored) == {"a": b"two", "big": b"C" * 1000}


def test_only_files_that_look_changed_are_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    staged: list[str] = []
    real = capture_module.stage_file

    def spy(local: str, target: str, mode: capture_module.CaptureMode) -> tuple[str, Digest, int]:
        staged.append(Path(local).name)
        return real(local, target, mode)

    monkeypatch.setattr(capture_module, "stage_file", spy)
    prefix = f"memory://checkpoints/{os.urandom(6).hex()}/_flytecheckpoints"
    checkpoint = Checkpoint(DataStore(), checkpoint_prefix=prefix)
    state = write_tree(tmp_path / "state", {"big": b"x" * 5000, "step": b"1"})
    checkpoint.save(state)
    assert sorted(staged) == ["big", "step"]
    staged.clear()
    (state / "step").write_bytes(b"2")  # same size, other bytes: its times changed
    result = checkpoint.save(state)
    assert staged == ["step"]
    assert (result.bytes_uploaded, result.bytes_unchanged) == (1, 5000)
    assert Checkpoint(DataStore(), checkpoint_prefix=prefix).restore(tmp_path / "r") is not None
    assert (tmp_path / "r" / "step").read_bytes() == b"2"


def test_progress_and_figures(tmp_path: Path) -> None:
    calls: list[tuple[int, int]] = []
    prefix = f"memory://checkpoints/{os.urandom(6).hex()}/_flytecheckpoints"
    checkpoint = Checkpoint(DataStore(), checkpoint_prefix=prefix)
    result = checkpoint.save(
        write_tree(tmp_path / "s", FILES), progress=lambda d, t: calls.append((d, t))
    )
    total = sum(map(len, FILES.values()))
    assert calls[-1] == (total, total)
    assert (result.files, result.bytes_total, result.bytes_uploaded) == (len(FILES), total, total)
    background: list[tuple[int, int]] = []
    write_tree(tmp_path / "s", {"new.bin": b"n" * 10})
    handle = checkpoint.save(
        tmp_path / "s", wait=False, progress=lambda d, t: background.append((d, t))
    )
    assert handle.wait() is not None
    assert background[-1] == (total + 10, total + 10)  # unchanged files count as done
    total += 10
    restore_calls: list[tuple[int, int]] = []
    reader = Checkpoint(DataStore(), checkpoint_prefix=prefix)
    reader.restore(tmp_path / "r", progress=lambda d, t: restore_calls.append((d, t)))
    assert restore_calls[-1] == (total, total)
    assert reader.last_restore is not None
    assert reader.last_restore.bytes_downloaded == total


def test_keep_and_generation_are_checked() -> None:
    with pytest.raises(ConfigurationError, match="at least 1"):
        Checkpoint(DataStore(), checkpoint_prefix="memory://c/p", keep=0)
    with pytest.raises(ConfigurationError, match="not a Flyte generation"):
        Checkpoint(DataStore(), checkpoint_prefix="memory://c/p", flyte="3")
    assert (
        Checkpoint(DataStore(), checkpoint_prefix="memory://c/p", flyte="2").flyte
        is FlyteGeneration.FLYTE2
    )


# -- Flyte 2's form ------------------------------------------------------------
def test_flyte2_bytes_and_files_are_one_object(rig: Rig, tmp_path: Path) -> None:
    prefix = rig.ref("a1", "_flytecheckpoints")
    saver = Checkpoint(rig.store, checkpoint_prefix=prefix, flyte=FlyteGeneration.FLYTE2)
    saver.write(b"step=7")
    assert rig.store.read_bytes(prefix) == b"step=7"  # the object itself, as flyte writes it
    assert not rig.store.exists(prefix + MANIFEST_SUFFIX)
    resumed = Checkpoint(
        rig.store,
        checkpoint_prefix=rig.ref("a2", "_flytecheckpoints"),
        previous_checkpoint_prefix=prefix,
    )
    assert resumed.read() == b"step=7"
    assert read_tree(resumed.restore(tmp_path / "r")) == {PAYLOAD_FILE: b"step=7"}
    (tmp_path / "weights.pt").write_bytes(b"w" * 70_000)
    saver.save(tmp_path / "weights.pt")
    assert rig.store.read_bytes(prefix) == b"w" * 70_000


def test_flyte2_folder_is_a_gzip_tar_of_its_top_entries(rig: Rig, tmp_path: Path) -> None:
    prefix = rig.ref("a1", "_flytecheckpoints")
    saver = Checkpoint(rig.store, checkpoint_prefix=prefix, flyte=2)
    result = saver.save(write_tree(tmp_path / "state", FILES), wait=False).wait()
    assert result is not None
    assert result.generation is FlyteGeneration.FLYTE2
    (tmp_path / "object").write_bytes(rig.store.read_bytes(prefix))
    with tarfile.open(tmp_path / "object", "r:gz") as tar:
        names = sorted(member.name for member in tar.getmembers())
    assert names == [
        "notes",
        "notes/épreuve.txt",
        "optimizer#state.json",
        "weights",
        "weights/model 1%.bin",
    ]
    resumed = Checkpoint(
        rig.store,
        checkpoint_prefix=rig.ref("a2", "_flytecheckpoints"),
        previous_checkpoint_prefix=prefix,
    )
    assert read_tree(resumed.restore(tmp_path / "r")) == FILES
    assert resumed.last_restore is not None
    assert resumed.last_restore.form == "object"
    with pytest.raises(PayloadError, match="found 3"):
        resumed.read()


def test_a_damaged_flyte2_object_is_an_error_naming_it(rig: Rig, tmp_path: Path) -> None:
    prefix = rig.ref("a1", "_flytecheckpoints")
    good = io.BytesIO()
    with tarfile.open(fileobj=good, mode="w:gz") as tar:
        info = tarfile.TarInfo("state.bin")
        info.size = 100_000
        tar.addfile(info, io.BytesIO(os.urandom(100_000)))
    rig.store.write_bytes(prefix, good.getvalue()[:-5000])  # cut short
    resumed = Checkpoint(
        rig.store,
        checkpoint_prefix=rig.ref("a2", "_flytecheckpoints"),
        previous_checkpoint_prefix=prefix,
    )
    with pytest.raises(PayloadError, match="damaged tar") as raised:
        resumed.restore(tmp_path / "r")
    assert raised.value.ref == prefix
    assert list((tmp_path / "r").iterdir()) == []


# -- a failing store -----------------------------------------------------------
def test_a_failing_background_save_surfaces_and_keeps_the_committed_one(
    s3_server: S3Server, tmp_path: Path
) -> None:
    with fault_proxy(s3_server.address) as proxy:
        store = DataStore(s3_config(s3_server, proxy.endpoint_url, max_attempts=2))
        prefix = f"s3://{s3_server.bucket}/faults/{os.urandom(6).hex()}/_flytecheckpoints"
        checkpoint = Checkpoint(store, checkpoint_prefix=prefix)
        state = write_tree(tmp_path / "state", FILES)
        committed = checkpoint.save(state)
        write_tree(state, {"optimizer#state.json": b'{"step": 2}'})
        proxy.fail_always(503)
        handle = checkpoint.save(state, wait=False)
        with pytest.raises(StorageError):
            handle.wait(60)
        with pytest.raises(StorageError):  # the next call raises it too: never lost
            checkpoint.save(state, wait=False)
        failing = checkpoint.save(state, wait=False)
        with pytest.raises(StorageError):
            checkpoint.flush()
        assert failing.done()
        proxy.clear()
        assert pointer(store, prefix).version == committed.version
        restored = Checkpoint(store, checkpoint_prefix=prefix).restore(tmp_path / "r")
        assert read_tree(restored) == FILES
        retried = checkpoint.save(state)  # and the next save works again
        assert retried.bytes_uploaded == len(b'{"step": 2}')


def test_async_background_saves_and_flush(tmp_path: Path) -> None:
    prefix = f"memory://checkpoints/{os.urandom(6).hex()}/_flytecheckpoints"

    async def scenario() -> tuple[SaveHandle, SaveHandle]:
        checkpoint = Checkpoint(DataStore(), checkpoint_prefix=prefix)
        state = write_tree(tmp_path / "state", {"step": b"1"})
        first = await checkpoint.save_async(state, wait=False)
        write_tree(state, {"step": b"2"})
        second = await checkpoint.save_async(state, wait=False, capture="link")
        await checkpoint.flush_async()
        return first, second

    first, second = asyncio.run(scenario())
    assert first.done()
    assert second.done()
    last = second.wait()
    assert last is not None
    assert Checkpoint(DataStore(), checkpoint_prefix=prefix).read() == b"2"


def test_a_large_file_is_restored_in_parts_each_checked_as_it_arrives(
    rig: Rig, tmp_path: Path
) -> None:
    prefix = rig.ref("a1", "_flytecheckpoints")
    large = {"weights/shard 1%.bin": os.urandom(2 * CHUNK_SIZE + 1000), **FILES}
    Checkpoint(rig.store, checkpoint_prefix=prefix).save(write_tree(tmp_path / "state", large))
    (entry,) = [e for e in pointer(rig.store, prefix).files if e.path == "weights/shard 1%.bin"]
    assert len(entry.chunks) == 3  # two whole chunks and 1000 bytes
    restored = Checkpoint(rig.store, checkpoint_prefix=prefix).restore(tmp_path / "r")
    assert read_tree(restored) == large
    stored = version_ref(prefix, entry)
    damaged = bytearray(large["weights/shard 1%.bin"])
    damaged[CHUNK_SIZE + 5] ^= 1  # one bit of the middle chunk
    rig.store.write_bytes(stored, bytes(damaged))
    with pytest.raises(PayloadError, match=r"differs from its manifest: weights/shard 1%\.bin"):
        Checkpoint(rig.store, checkpoint_prefix=prefix).restore(tmp_path / "again")
    assert not (tmp_path / "again" / "weights").exists()  # nothing half-restored


def test_a_changed_middle_of_a_large_file_sends_only_that_chunk(rig: Rig, tmp_path: Path) -> None:
    prefix = rig.ref("a1", "_flytecheckpoints")
    data = bytearray(os.urandom(4 * CHUNK_SIZE))
    state = write_tree(tmp_path / "state", {"model weights #1.bin": bytes(data), **FILES})
    checkpoint = Checkpoint(rig.store, checkpoint_prefix=prefix)
    first = checkpoint.save(state)
    assert first is not None
    assert first.bytes_uploaded == first.bytes_total
    data[2 * CHUNK_SIZE + 100 : 2 * CHUNK_SIZE + 1124] = os.urandom(1024)  # inside chunk 3 of 4
    (state / "model weights #1.bin").write_bytes(bytes(data))
    second = checkpoint.save(state)
    assert second is not None
    if rig.store.composes(prefix):
        assert (second.bytes_uploaded, second.bytes_copied) == (CHUNK_SIZE, 3 * CHUNK_SIZE)
    else:  # GCS and Azure: the whole file again
        assert (second.bytes_uploaded, second.bytes_copied) == (4 * CHUNK_SIZE, 0)
    restored = Checkpoint(rig.store, checkpoint_prefix=prefix).restore(tmp_path / "r")
    assert read_tree(restored) == {"model weights #1.bin": bytes(data), **FILES}
    grown = bytes(data) + b"tail"  # a file that grew: its last chunk is new
    (state / "model weights #1.bin").write_bytes(grown)
    third = checkpoint.save(state)
    assert third is not None
    if rig.store.composes(prefix):
        assert third.bytes_uploaded == 4
    restored = Checkpoint(rig.store, checkpoint_prefix=prefix).restore(tmp_path / "r2")
    assert read_tree(restored)["model weights #1.bin"] == grown
