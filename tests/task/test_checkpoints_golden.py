"""Flyte 2's checkpoint objects as its runtime saved them, restored by plugio, and the reverse.

The vectors, and what each holds, come from
``conformance/golden_producers/golden_flyte2_checkpoints.py`` (``a0`` of
``flyte`` 2.12). plugio's own Flyte 2 save of the same folder is a gzip tar of
the same entries; its bytes differ (the gzip header's and the entries' times).
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from pathlib import Path

import pytest
from rig import Rig

from plugio.storage import DataStore
from plugio.task import Checkpoint

GOLDEN = (
    Path(__file__).resolve().parents[2]
    / "conformance"
    / "plugio_conformance"
    / "golden_checkpoints"
)
DOCUMENT = json.loads((GOLDEN / "flyte2_checkpoints.json").read_text())
CONTENT = {"optimizer/adam.bin": bytes(range(256)) * 40, "step #7 é%.txt": b"7"}


def test_the_vectors_are_what_the_document_says() -> None:
    for name, vector in DOCUMENT["vectors"].items():
        assert hashlib.sha256((GOLDEN / name).read_bytes()).hexdigest() == vector["sha256"]


@pytest.mark.parametrize("name", sorted(DOCUMENT["vectors"]))
def test_plugio_restores_a0s_checkpoint_objects(rig: Rig, tmp_path: Path, name: str) -> None:
    prefix = rig.ref("a1", "_flytecheckpoints")
    rig.store.write_bytes(prefix, (GOLDEN / name).read_bytes())
    resumed = Checkpoint(
        rig.store,
        checkpoint_prefix=rig.ref("a2", "_flytecheckpoints"),
        previous_checkpoint_prefix=prefix,
    )
    restored = resumed.restore(tmp_path / "r")
    assert restored is not None
    files = {
        p.relative_to(restored).as_posix(): p.read_bytes()
        for p in restored.rglob("*")
        if p.is_file()
    }
    folders = {p.relative_to(restored).as_posix() + "/" for p in restored.rglob("*") if p.is_dir()}
    holds = DOCUMENT["vectors"][name]["holds"]
    if name.endswith(".bin"):
        assert files == {"payload": b"epoch=7\n\x00\xff"}
        assert resumed.read() == b"epoch=7\n\x00\xff"
    else:
        assert files == CONTENT
        assert {"empty/", "optimizer/"} <= folders
        assert set(holds) == {*files, "empty/"}


def entries(data: bytes) -> list[tuple[str, str, int]]:
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        return sorted((m.name, "dir" if m.isdir() else "file", m.size) for m in tar.getmembers())


def test_plugios_flyte2_save_has_a0s_entries(tmp_path: Path) -> None:
    state = tmp_path / "state"
    (state / "optimizer").mkdir(parents=True)
    (state / "empty").mkdir()
    for name, data in CONTENT.items():
        (state / name).write_bytes(data)

    store = DataStore()
    prefix = str(tmp_path / "raw" / "_flytecheckpoints")
    Checkpoint(store, checkpoint_prefix=prefix, flyte=2).save(state)
    ours = store.read_bytes(prefix)
    theirs = (GOLDEN / "flyte2_checkpoint_folder.tar.gz").read_bytes()
    assert entries(ours) == entries(theirs)
    Checkpoint(store, checkpoint_prefix=prefix, flyte=2).write(b"epoch=7\n\x00\xff")
    assert store.read_bytes(prefix) == (GOLDEN / "flyte2_checkpoint_bytes.bin").read_bytes()
