"""The README's first command runs this example; it must keep working."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from plugio.core import LiteralMap

ROOT = Path(__file__).resolve().parent.parent


def test_quickstart_runs_a_task_attempt_on_local_disk(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "quickstart.py"), str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "engine: succeeded" in result.stdout
    assert "hello plugio hello plugio hello plugio" in result.stdout
    outputs = LiteralMap.FromString((tmp_path / "attempt-0" / "outputs.pb").read_bytes())
    assert outputs.literals["greeting"].scalar.primitive.string_value.count("hello") == 3
    assert (tmp_path / "inputs" / "inputs.pb").stat().st_size > 0


def test_quickstart_output_parses_with_flyteidl(tmp_path: Path) -> None:
    from flyteidl.core import literals_pb2

    subprocess.run(
        [sys.executable, str(ROOT / "examples" / "quickstart.py"), str(tmp_path)],
        capture_output=True,
        check=True,
    )
    data = (tmp_path / "attempt-0" / "outputs.pb").read_bytes()
    flyte = literals_pb2.LiteralMap.FromString(data)
    assert flyte.literals["greeting"].scalar.primitive.string_value.startswith("hello plugio")


def test_sample_task_runs_with_the_plugio_command(tmp_path: Path) -> None:
    import os
    import shutil

    assert shutil.which("plugio"), "the plugio command is installed with the package"
    result = subprocess.run(
        ["bash", str(ROOT / "examples" / "sample_task.sh"), str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert result.returncode == 0, result.stderr
    assert "succeeded" in result.stdout
    assert "total=27" in result.stdout
    assert "counting 27 words" in result.stdout
    assert (tmp_path / "attempt-0" / "outputs.pb").exists()
