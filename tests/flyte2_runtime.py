"""Running Flyte 2's own task runtime, ``a0``, on ``file://`` prefixes, for the tests.

``flyte`` is installed into a throw-away environment (:mod:`sdk_envs`); its
console script ``a0`` runs one task of a module on ``PYTHONPATH`` with no
cluster: it reads ``inputs.pb`` and leaves ``outputs.pb`` or ``error.pb``,
``report.html`` and checkpoint objects where it is told. :func:`run_a0` runs
it and returns what it left; the ``flyte2_python`` fixture makes the
environment once per session.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from sdk_envs import FLYTE2, sdk_python

__all__ = ["A0Result", "flyte2_python", "run_a0"]

RESOLVER = "flyte._internal.resolvers.default.DefaultTaskResolver"


@dataclass(frozen=True)
class A0Result:
    """What one ``a0`` run did: its exit status, its output, the files it left."""

    returncode: int
    stdout: str
    stderr: str
    outputs_dir: Path

    def file(self, name: str) -> bytes:
        """The bytes of a file ``a0`` left in its output folder."""
        return (self.outputs_dir / name).read_bytes()

    def left(self) -> set[str]:
        """The names of the files in its output folder."""
        return {path.name for path in self.outputs_dir.iterdir()}


@pytest.fixture(scope="session")
def flyte2_python() -> Path:
    """The interpreter of an environment holding Flyte 2's SDK (made on first use)."""
    return sdk_python("flyte2", FLYTE2)


def _uri(path: Path) -> str:
    """``file://`` and the path as it is: a0's local store does not decode ``%20``."""
    return f"file://{path}"


def run_a0(
    python: Path,
    module_dir: Path,
    module: str,
    task: str,
    inputs: Path,
    work: Path,
    *,
    checkpoint: Path | None = None,
    previous_checkpoint: Path | None = None,
    timeout: float = 240,
) -> A0Result:
    """Run ``module.task`` under ``a0`` with inputs at ``inputs``; outputs under ``work/out``.

    ``a0``'s local writer does not create folders, so ``work/out``,
    ``work/raw`` and ``work/base`` are made first. ``checkpoint`` and
    ``previous_checkpoint`` are the checkpoint objects (``_flytecheckpoints``)
    to write and to restore, if any.
    """
    outputs = work / "out"
    for folder in (outputs, work / "raw", work / "base"):
        folder.mkdir(parents=True, exist_ok=True)
    a0 = python.parent / "a0"
    command = [
        str(a0),
        "--inputs", _uri(inputs),
        "--outputs-path", _uri(outputs),
        "--version", "v1",
        "--run-base-dir", _uri(work / "base"),
        "--raw-data-path", _uri(work / "raw"),
        "--name", "a0",
        "--run-name", "r1",
        "--project", "p",
        "--domain", "d",
        "--org", "o",
    ]  # fmt: skip
    if checkpoint is not None:
        command += ["--checkpoint-path", _uri(checkpoint)]
    if previous_checkpoint is not None:
        command += ["--prev-checkpoint", _uri(previous_checkpoint)]
    command += ["--resolver", RESOLVER, "mod", module, "instance", task]
    environ = {
        key: value for key, value in os.environ.items() if not key.startswith(("PLUGIO_", "FLYTE"))
    }
    environ["PYTHONPATH"] = str(module_dir)
    done = subprocess.run(
        command, env=environ, capture_output=True, text=True, timeout=timeout, check=False
    )
    return A0Result(done.returncode, done.stdout, done.stderr, outputs)
