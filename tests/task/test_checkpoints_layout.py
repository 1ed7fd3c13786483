"""Checkpoints beside Flyte's SDK: its layout, its file names, and damaged manifests."""

from __future__ import annotations

import io
import json
import uuid
from pathlib import Path

import pytest

from plugio.errors import ConfigurationError, NotFoundError, PayloadError
from plugio.paths import RemoteCheckpointPaths, checkpoint_prefix
from plugio.storage import DataStore
from plugio.task import MANIFEST_SUFFIX, VALUE_FILE, Checkpoint
from plugio.task._checkpoint_files import VERSIONS_SUFFIX


@pytest.fixture
def store() -> DataStore:
    return DataStore()


@pytest.fixture
def base() -> str:
    return f"memory://checkpoints/{uuid.uuid4().hex[:12]}"


def test_built_from_the_attempt_paths(store: DataStore, base: str) -> None:
    paths = RemoteCheckpointPaths(store, f"{base}/out", f"{base}/raw/1", f"{base}/raw/0/cp")
    checkpoint = Checkpoint(store, paths)
    assert checkpoint.checkpoint_prefix == checkpoint_prefix(f"{base}/raw/1")
    assert checkpoint.checkpoint_prefix.endswith("/_flytecheckpoints")
    assert checkpoint.previous_checkpoint_prefix == f"{base}/raw/0/cp"


def test_paths_or_prefixes_not_both_nor_neither(store: DataStore, base: str) -> None:
    paths = RemoteCheckpointPaths(store, f"{base}/out", f"{base}/raw")
    with pytest.raises(ConfigurationError):
        Checkpoint(store)
    with pytest.raises(ConfigurationError):
        Checkpoint(store, paths, checkpoint_prefix=f"{base}/cp")


def test_saving_needs_a_checkpoint_prefix_with_a_key(store: DataStore, tmp_path: Path) -> None:
    (tmp_path / "f").write_bytes(b"x")
    with pytest.raises(ConfigurationError, match="no checkpoint prefix"):
        Checkpoint(store, checkpoint_prefix="").save(tmp_path / "f")
    with pytest.raises(ConfigurationError, match="needs a key"):
        Checkpoint(store, checkpoint_prefix="s3://bucket").write(b"x")


def test_saving_a_missing_path_fails(store: DataStore, base: str, tmp_path: Path) -> None:
    with pytest.raises(NotFoundError):
        Checkpoint(store, checkpoint_prefix=f"{base}/cp").save(tmp_path / "missing")


def flyte_sdk_checkpoint(store: DataStore, prefix: str, files: dict[str, bytes]) -> None:
    """What flytekit's SyncCheckpoint leaves: the files, no manifest."""
    for name, data in files.items():
        store.write_bytes(f"{prefix}/{name}", data)


def test_a_checkpoint_of_flytes_sdk_is_restored_as_it_is(
    store: DataStore, base: str, tmp_path: Path
) -> None:
    flyte_sdk_checkpoint(store, f"{base}/a0", {"ckpt/epoch.txt": b"3", "weights": b"w"})
    checkpoint = Checkpoint(
        store, checkpoint_prefix=f"{base}/a1", previous_checkpoint_prefix=f"{base}/a0"
    )
    restored = checkpoint.restore(tmp_path / "r")
    assert restored is not None
    assert (restored / "ckpt" / "epoch.txt").read_bytes() == b"3"
    assert (restored / "weights").read_bytes() == b"w"
    with pytest.raises(PayloadError, match="found 2"):
        checkpoint.read()


def test_a_single_value_of_flytes_sdk_is_read(store: DataStore, base: str) -> None:
    flyte_sdk_checkpoint(store, f"{base}/a0", {VALUE_FILE: b"state"})
    checkpoint = Checkpoint(
        store, checkpoint_prefix=f"{base}/a1", previous_checkpoint_prefix=f"{base}/a0"
    )
    assert checkpoint.read() == b"state"


def test_flytes_sdk_sees_only_the_checkpoint_files(store: DataStore, base: str) -> None:
    """flytekit's read() wants exactly one file: the manifest lives beside the folder."""
    Checkpoint(store, checkpoint_prefix=f"{base}/cp").write(b"v")
    listed = [info.ref for page in store.list(f"{base}/cp/") for info in page]
    assert listed == [f"{base}/cp/{VALUE_FILE}"]
    manifest = json.loads(store.read_bytes(f"{base}/cp{MANIFEST_SUFFIX}"))
    assert manifest["state"] == "committed"
    assert [entry["path"] for entry in manifest["files"]] == [VALUE_FILE]


@pytest.mark.parametrize(
    "manifest",
    [
        b"{not json",
        json.dumps({"format": "other/9", "state": "committed", "files": []}).encode(),
        json.dumps(
            {
                "format": "plugio-checkpoint/1",
                "state": "committed",
                "files": [{"path": "../escape", "size": 1, "sha256": "0" * 64}],
            }
        ).encode(),
    ],
    ids=["unparsable", "unknown-format", "path-outside-the-folder"],
)
def test_a_damaged_manifest_is_an_error_naming_it(
    store: DataStore, base: str, tmp_path: Path, manifest: bytes
) -> None:
    store.write_bytes(f"{base}/a0/escape", b"x")
    store.write_bytes(f"{base}/a0{MANIFEST_SUFFIX}", manifest)
    checkpoint = Checkpoint(
        store, checkpoint_prefix=f"{base}/a1", previous_checkpoint_prefix=f"{base}/a0"
    )
    for call in (lambda: checkpoint.restore(tmp_path / "r"), checkpoint.read):
        with pytest.raises(PayloadError) as raised:
            call()
        assert raised.value.ref == f"{base}/a0{MANIFEST_SUFFIX}"
    assert not (tmp_path / "escape").exists()


def test_a_file_changed_after_the_commit_is_never_restored(
    store: DataStore, base: str, tmp_path: Path
) -> None:
    saved = Checkpoint(store, checkpoint_prefix=f"{base}/a0").write(b"good")
    changed = f"{base}/a0{VERSIONS_SUFFIX}/{saved.version}/{VALUE_FILE}"
    store.write_bytes(changed, b"evil")  # same size, other bytes
    checkpoint = Checkpoint(
        store, checkpoint_prefix=f"{base}/a1", previous_checkpoint_prefix=f"{base}/a0"
    )
    with pytest.raises(PayloadError, match="differs from its manifest") as raised:
        checkpoint.read()
    assert raised.value.ref == changed
    with pytest.raises(PayloadError, match="differs from its manifest"):
        checkpoint.restore(tmp_path / "r")
    assert list((tmp_path / "r").iterdir()) == []  # the staging folder is gone too


def test_restore_without_a_folder_makes_one(store: DataStore, base: str) -> None:
    Checkpoint(store, checkpoint_prefix=f"{base}/a0").save(io.BytesIO(b"s"))
    checkpoint = Checkpoint(
        store, checkpoint_prefix=f"{base}/a1", previous_checkpoint_prefix=f"{base}/a0"
    )
    restored = checkpoint.restore()
    assert restored is not None
    assert (restored / VALUE_FILE).read_bytes() == b"s"


def test_a_save_replaces_the_previous_save_of_the_attempt(
    store: DataStore, base: str, tmp_path: Path
) -> None:
    (tmp_path / "one").mkdir()
    (tmp_path / "one" / "a").write_bytes(b"a")
    (tmp_path / "two").mkdir()
    (tmp_path / "two" / "b").write_bytes(b"b")
    checkpoint = Checkpoint(store, checkpoint_prefix=f"{base}/cp")
    checkpoint.save(tmp_path / "one")
    checkpoint.save(tmp_path / "two")
    assert [info.ref for page in store.list(f"{base}/cp/") for info in page] == [f"{base}/cp/b"]


def test_relative_local_prefixes_work(
    store: DataStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Checkpoint(store, checkpoint_prefix="raw/0/_flytecheckpoints/").write(b"v")
    checkpoint = Checkpoint(
        store,
        checkpoint_prefix="raw/1/_flytecheckpoints",
        previous_checkpoint_prefix="raw/0/_flytecheckpoints",
    )
    assert checkpoint.read() == b"v"
    assert checkpoint.previous_checkpoint_prefix == str(tmp_path / "raw/0/_flytecheckpoints")
