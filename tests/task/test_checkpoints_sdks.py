"""Checkpoints with Flyte's own SDKs, for real: flytekit's SyncCheckpoint and Flyte 2's ``a0``.

Each SDK runs in an environment of its own, on local prefixes: it restores
what plugio saved in its generation's form, and plugio restores what it saved.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from sdk_envs import FLYTE2, FLYTEKIT, sdk_python

from plugio.core import LiteralMap
from plugio.literals import from_literal_map
from plugio.storage import DataStore
from plugio.task import Checkpoint, write_inputs
from plugio.task._checkpoint_restore import PAYLOAD_FILE

FILES = {"model #1.bin": os.urandom(50_000), "optim/état.json": b'{"step": 3}'}

# A Flyte 2 task that reports the checkpoint it loaded, then saves one.
TASKS = """
import pathlib
import flyte

env = flyte.TaskEnvironment(name="checkpoints")


@env.task
def resume(mode: str) -> str:
    checkpoint = flyte.ctx().checkpoint
    loaded = checkpoint.load_sync()
    if loaded is None:
        seen = "none"
    elif loaded.is_file():
        seen = "bytes:" + loaded.read_bytes().decode()
    else:
        files = sorted(p for p in loaded.rglob("*") if p.is_file())
        seen = "files:" + ",".join(f"{p.relative_to(loaded)}={len(p.read_bytes())}" for p in files)
    if mode == "bytes":
        checkpoint.save_sync(b"saved by a0")
    elif mode == "folder":
        folder = pathlib.Path("a0-state")
        (folder / "sub").mkdir(parents=True, exist_ok=True)
        (folder / "sub" / "w.bin").write_bytes(b"w" * 1000)
        (folder / "step.txt").write_bytes(b"9")
        checkpoint.save_sync(folder)
    return seen
"""


def write_tree(root: Path, files: dict[str, bytes]) -> Path:
    for name, data in files.items():
        path = root.joinpath(*name.split("/"))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


def read_tree(root: Path | None) -> dict[str, bytes]:
    assert root is not None, "nothing was restored"
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.fixture(scope="session")
def flyte2_python() -> Path:
    return sdk_python("flyte2", FLYTE2)


@pytest.fixture(scope="session")
def flytekit_python() -> Path:
    return sdk_python("flytekit", FLYTEKIT)


def run_a0(python: Path, work: Path, attempt: int, mode: str, previous: Path | None) -> str:
    """Run ``resume(mode)`` with ``a0`` as attempt ``attempt``; what it loaded."""
    (work / "checkpoint_tasks.py").write_text(TASKS)
    inputs = work / f"in-{attempt}"
    write_inputs(DataStore(), str(inputs), {"mode": mode})
    out = work / f"out-{attempt}"
    out.mkdir()
    argv = [
        str(python.with_name("a0")), "--inputs", f"file://{inputs}/inputs.pb",
        "--outputs-path", f"file://{out}", "--version", "v1",
        "--run-base-dir", f"file://{work}/base", "--raw-data-path", f"file://{work}/raw",
        "--name", "a0", "--run-name", "r1", "--project", "p", "--domain", "d", "--org", "o",
        "--checkpoint-path", f"file://{checkpoint(work, attempt)}",
        *(["--prev-checkpoint", f"file://{previous}"] if previous else []),
        "--resolver", "flyte._internal.resolvers.default.DefaultTaskResolver",
        "mod", "checkpoint_tasks", "instance", "resume",
    ]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(work)}
    done = subprocess.run(argv, cwd=work, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    outputs = from_literal_map(LiteralMap.FromString((out / "outputs.pb").read_bytes()))
    seen = outputs["o0"]
    assert isinstance(seen, str)
    return seen


def checkpoint(work: Path, attempt: int) -> Path:
    return work / f"raw-{attempt}" / "_flytecheckpoints"


def test_a0_restores_plugios_flyte2_checkpoints(flyte2_python: Path, tmp_path: Path) -> None:
    store = DataStore()
    prefix = checkpoint(tmp_path, 1)
    Checkpoint(store, checkpoint_prefix=str(prefix), flyte=2).write(b"saved by plugio")
    assert run_a0(flyte2_python, tmp_path, 2, "", prefix) == "bytes:saved by plugio"
    Checkpoint(store, checkpoint_prefix=str(prefix), flyte=2).save(
        write_tree(tmp_path / "s", FILES)
    )
    loaded = run_a0(flyte2_python, tmp_path, 3, "", prefix)
    assert loaded == "files:model #1.bin=50000,optim/état.json=11"


def test_plugio_restores_what_a0_saved(flyte2_python: Path, tmp_path: Path) -> None:
    assert run_a0(flyte2_python, tmp_path, 1, "bytes", None) == "none"
    store = DataStore()
    resumed = Checkpoint(
        store,
        checkpoint_prefix=str(checkpoint(tmp_path, 2)),
        previous_checkpoint_prefix=str(checkpoint(tmp_path, 1)),
    )
    assert resumed.read() == b"saved by a0"
    assert read_tree(resumed.restore(tmp_path / "r1")) == {PAYLOAD_FILE: b"saved by a0"}
    assert (
        run_a0(flyte2_python, tmp_path, 2, "folder", checkpoint(tmp_path, 1)) == "bytes:saved by a0"
    )
    resumed = Checkpoint(
        store,
        checkpoint_prefix=str(checkpoint(tmp_path, 3)),
        previous_checkpoint_prefix=str(checkpoint(tmp_path, 2)),
    )
    assert read_tree(resumed.restore(tmp_path / "r2")) == {
        "step.txt": b"9",
        "sub/w.bin": b"w" * 1000,
    }
    # a0 restores a plugio save of Flyte 1's form as nothing: the generations differ.
    Checkpoint(store, checkpoint_prefix=str(checkpoint(tmp_path, 3))).write(b"flyte 1 form")
    assert run_a0(flyte2_python, tmp_path, 4, "", checkpoint(tmp_path, 3)) == "none"


FLYTEKIT_READS = """
import sys
from pathlib import Path
from flytekit.core.checkpointer import SyncCheckpoint
source, target, mode = sys.argv[1], sys.argv[2], sys.argv[3]
checkpoint = SyncCheckpoint(checkpoint_dest=target, checkpoint_src=source)
if mode == "read":
    print(checkpoint.read().decode())
else:
    work = Path(target).parent / "work"
    work.mkdir(parents=True)
    restored = checkpoint.restore(work)
    files = (p.relative_to(restored) for p in restored.rglob("*") if p.is_file())
    print(",".join(sorted(map(str, files))))
    checkpoint.save(restored)
"""


def test_flytekit_restores_plugios_flyte1_checkpoints(
    flytekit_python: Path, tmp_path: Path
) -> None:
    store = DataStore()
    prefix = tmp_path / "raw-1" / "_flytecheckpoints"
    saver = Checkpoint(store, checkpoint_prefix=str(prefix))
    saver.save(write_tree(tmp_path / "s", FILES))
    write_tree(tmp_path / "s", {"optim/état.json": b'{"step": 4}'})
    saver.save(tmp_path / "s", wait=False)
    saver.flush()

    def flytekit(mode: str, source: Path, target: Path) -> str:
        argv = [str(flytekit_python), "-c", FLYTEKIT_READS, str(source), str(target), mode]
        done = subprocess.run(
            argv,
            capture_output=True,
            text=True,
            timeout=300,
            env={**os.environ, "FLYTE_SDK_LOGGING_LEVEL": "40"},
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    target = tmp_path / "raw-2" / "_flytecheckpoints"
    assert flytekit("restore", prefix, target) == "model #1.bin,optim/état.json"
    assert (target.parent / "work" / "optim" / "état.json").read_bytes() == b'{"step": 4}'
    # flytekit's own save, restored by plugio as it is.
    resumed = Checkpoint(
        store, checkpoint_prefix=str(tmp_path / "raw-3"), previous_checkpoint_prefix=str(target)
    )
    assert read_tree(resumed.restore(tmp_path / "r")) == {
        **FILES,
        "optim/état.json": b'{"step": 4}',
    }
    Checkpoint(store, checkpoint_prefix=str(prefix)).write(b"one value")
    assert flytekit("read", prefix, tmp_path / "raw-4") == "one value"
