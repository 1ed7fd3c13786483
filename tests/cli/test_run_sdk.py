"""``plugio run`` around an SDK's own entrypoint: flytekit's ``pyflyte-execute``, for real."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from clirun import environment
from runtools import error_at, head_at, run
from sdk_envs import FLYTEKIT, sdk_python

from plugio.execution import ErrorKind

TASKS = """
from flytekit import task


@task
def half(n: int) -> int:
    if n < 0:
        raise ValueError(f"negative n={n}")
    return n // 2
"""


@pytest.fixture(scope="session")
def pyflyte_execute() -> Path:
    """flytekit's task entrypoint, from an environment of its own."""
    return sdk_python("flytekit", FLYTEKIT).with_name("pyflyte-execute")


SDK_ENV = {"FLYTE_SDK_LOGGING_LEVEL": "40"}


def _argv(pyflyte: Path, inputs: Path, out: Path, raw: Path) -> list[str]:
    return [
        str(pyflyte), "--inputs", str(inputs / "inputs.pb"),
        "--output-prefix", str(out), "--raw-output-data-prefix", str(raw),
        "--resolver", "flytekit.core.python_auto_container.default_task_resolver",
        "--", "task-module", "half_tasks", "task-name", "half",
    ]  # fmt: skip


def _inputs(tmp_path: Path, n: int) -> Path:
    (tmp_path / "half_tasks.py").write_text(TASKS)
    inputs = tmp_path / "inputs"
    made = run("inputs", "create", str(inputs), "--set", f"n={n}")
    assert made.returncode == 0, made.stderr
    return inputs


def _wrapped(tmp_path: Path, pyflyte: Path, n: int) -> tuple[Path, int, str]:
    inputs = _inputs(tmp_path, n)
    out = tmp_path / "attempt [0]"
    argv = _argv(pyflyte, inputs, out, tmp_path / "raw")
    result = run("run", "--outputs", str(out), "--", *argv,
                 env={"PYTHONPATH": str(tmp_path), **SDK_ENV})  # fmt: skip
    return out, result.returncode, result.stdout + result.stderr


def test_flytekits_outputs_are_kept_as_written(tmp_path: Path, pyflyte_execute: Path) -> None:
    out, code, console = _wrapped(tmp_path, pyflyte_execute, 21)
    assert code == 0, console
    written = (out / "outputs.pb").read_bytes()
    from plugio.core import LiteralMap
    from plugio.literals import from_literal_map

    assert from_literal_map(LiteralMap.FromString(written)) == {"o0": 10}
    alone = tmp_path / "alone"
    argv = _argv(pyflyte_execute, tmp_path / "inputs", alone, tmp_path / "raw-alone")
    done = subprocess.run(argv, capture_output=True, check=False, timeout=120,
                          env=environment({"PYTHONPATH": str(tmp_path), **SDK_ENV}))  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert written == (alone / "outputs.pb").read_bytes()  # untouched by plugio
    assert not (out / "error.pb").exists()
    assert head_at(out)["state"] == "succeeded"


def test_flytekits_error_document_is_followed(tmp_path: Path, pyflyte_execute: Path) -> None:
    out, code, console = _wrapped(tmp_path, pyflyte_execute, -1)
    # pyflyte-execute itself exits 0 after writing error.pb: plugio follows the document.
    assert code == 1, console
    assert not (out / "outputs.pb").exists()
    error = error_at(out)
    assert "ValueError" in error.message
    assert "negative n=-1" in error.message
    assert error.kind is ErrorKind.USER
    assert head_at(out)["state"] == "failed"
    assert "negative n=-1" in console
