"""Flyte 2's checkpoint objects, as its own task runtime (``a0``) saves them.

    python conformance/golden_producers/golden_flyte2_checkpoints.py OUT

Run with the python of an environment holding ``flyte``. One task saves a
value as bytes, another a folder (a gzip tar of its top-level entries); each
runs under ``a0`` on ``file://`` prefixes, and the object it leaves at
``_flytecheckpoints`` is copied to ``OUT`` beside ``flyte2_checkpoints.json``,
which says what each holds. plugio is not imported.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
from importlib.metadata import version
from pathlib import Path

TASKS = """
import pathlib
import flyte

env = flyte.TaskEnvironment(name="golden_checkpoints")


@env.task
def save_bytes() -> int:
    flyte.ctx().checkpoint.save_sync(b"epoch=7\\n\\x00\\xff")
    return 0


@env.task
def save_folder() -> int:
    folder = pathlib.Path("state")
    (folder / "optimizer").mkdir(parents=True, exist_ok=True)
    (folder / "optimizer" / "adam.bin").write_bytes(bytes(range(256)) * 40)
    (folder / "step #7 é%.txt").write_bytes(b"7")
    (folder / "empty").mkdir(exist_ok=True)
    flyte.ctx().checkpoint.save_sync(folder)
    return 0
"""

#: vector file -> (task, what it holds, its files once restored)
VECTORS = {
    "flyte2_checkpoint_bytes.bin": (
        "save_bytes",
        "bytes saved as they are: one object, no tar; restored as the file payload",
        {"payload": "epoch=7\\n\\x00\\xff"},
    ),
    "flyte2_checkpoint_folder.tar.gz": (
        "save_folder",
        "a folder saved as a gzip tar of its top-level entries, an empty folder included",
        {"optimizer/adam.bin": "bytes(range(256)) * 40", "step #7 é%.txt": "7", "empty/": ""},
    ),
}


def inputs_pb() -> bytes:
    """An empty ``flyteidl2.task.Inputs``: these tasks take no inputs."""
    return b""


def run(work: Path, task: str) -> Path:
    (work / "golden_checkpoint_tasks.py").write_text(TASKS)
    (work / "in").mkdir(parents=True, exist_ok=True)
    (work / "in" / "inputs.pb").write_bytes(inputs_pb())
    out = work / f"out-{task}"
    out.mkdir()
    checkpoint = work / f"raw-{task}" / "_flytecheckpoints"
    argv = [
        str(Path(sys.executable).with_name("a0")), "--inputs", f"file://{work}/in/inputs.pb",
        "--outputs-path", f"file://{out}", "--version", "v1",
        "--run-base-dir", f"file://{work}/base", "--raw-data-path", f"file://{work}/raw",
        "--name", "a0", "--run-name", "r1", "--project", "p", "--domain", "d", "--org", "o",
        "--checkpoint-path", f"file://{checkpoint}",
        "--resolver", "flyte._internal.resolvers.default.DefaultTaskResolver",
        "mod", "golden_checkpoint_tasks", "instance", task,
    ]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(work)}
    subprocess.run(argv, cwd=work, env=env, check=True, capture_output=True)
    return checkpoint


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    described = {}
    with tempfile.TemporaryDirectory() as scratch:
        for name, (task, meaning, holds) in VECTORS.items():
            data = run(Path(scratch), task).read_bytes()
            (out / name).write_bytes(data)
            described[name] = {
                "task": task,
                "meaning": meaning,
                "holds": holds,
                "sha256": hashlib.sha256(data).hexdigest(),
            }
    document = {"producer": f"flyte {version('flyte')} (a0)", "vectors": described}
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    (out / "flyte2_checkpoints.json").write_text(text)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
