"""``plugio run --flyte 2``: a Flyte 2 attempt's files, in a real subprocess.

The outputs are Flyte 2's ``Outputs`` in the order the command gave them, the
deck is ``report.html``, and a failure is written by Flyte 2's rules (no
timestamp or worker). ``PLUGIO_FLYTE=2`` does the same; anything but 1 or 2
is a usage error.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from plugio.core import ErrorDocument, Outputs
from plugio.literals import from_literal, literal_map_of

PLUGIO = [sys.executable, "-c", "from plugio.cli import main; main()"]
OUTPUTS = (
    'printf \'{"zeta": 1, "alpha": "é", "mid": [1.5]}\' > "$PLUGIO_OUTPUT_DIR/outputs.json"; '
    'echo "<h1>report</h1>" > "$PLUGIO_OUTPUT_DIR/deck.html"'
)


def plugio(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k != "PLUGIO_FLYTE"}
    return subprocess.run(
        [*PLUGIO, *args],
        capture_output=True,
        text=True,
        timeout=180,
        env={**environ, **(env or {})},
        check=False,
    )


@pytest.mark.parametrize("how", ["option", "environment"])
def test_a_flyte2_attempt_writes_ordered_outputs_and_a_report(tmp_path: Path, how: str) -> None:
    out = tmp_path / "out put é"
    args = ["--flyte", "2"] if how == "option" else []
    env = {"PLUGIO_FLYTE": "2"} if how == "environment" else None
    result = plugio("run", *args, "--outputs", str(out), "--no-stream", "--", "sh", "-c", OUTPUTS,
                    env=env)  # fmt: skip
    assert result.returncode == 0, result.stderr
    outputs = Outputs.FromString((out / "outputs.pb").read_bytes())
    assert [entry.name for entry in outputs.literals] == ["zeta", "alpha", "mid"]
    assert from_literal(literal_map_of(outputs).literals["alpha"]) == "é"
    assert (out / "report.html").read_text().strip() == "<h1>report</h1>"
    assert not (out / "deck.html").exists()


def test_raw_data_and_the_checkpoint_live_under_the_attempt(tmp_path: Path) -> None:
    first, second = tmp_path / "a0" / "1", tmp_path / "a0" / "2"
    save = 'echo 7 > "$PLUGIO_CHECKPOINT_DIR/step"; echo data > "$PLUGIO_OUTPUT_DIR/model.bin"'
    result = plugio("run", "--flyte", "2", "--outputs", str(first), "--no-stream", "--",
                    "sh", "-c", save)  # fmt: skip
    assert result.returncode == 0, result.stderr
    # Flyte 2's layout: one checkpoint object, and the blob, under the attempt's own prefix.
    assert (first / "_flytecheckpoints").is_file()
    assert not (first / "raw").exists()
    blob = from_literal(Outputs.FromString((first / "outputs.pb").read_bytes()).literals[0].value)
    assert blob.uri.startswith(str(first))
    resume = (
        'printf \'{"step": %s}\' "$(cat "$PLUGIO_CHECKPOINT_DIR/step")" '
        '> "$PLUGIO_OUTPUT_DIR/outputs.json"'
    )
    result = plugio("run", "--flyte", "2", "--outputs", str(second), "--no-stream",
                    "--previous-checkpoint", str(first / "_flytecheckpoints"),
                    "--", "sh", "-c", resume)  # fmt: skip
    assert result.returncode == 0, result.stderr
    outputs = Outputs.FromString((second / "outputs.pb").read_bytes())
    assert from_literal(outputs.literals[0].value) == 7


def test_flyte1_stays_the_default(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = plugio("run", "--outputs", str(out), "--no-stream", "--", "sh", "-c", OUTPUTS)
    assert result.returncode == 0, result.stderr
    # A map, serialized with sorted names; the deck under Flyte 1's name.
    outputs = Outputs.FromString((out / "outputs.pb").read_bytes())
    assert [entry.name for entry in outputs.literals] == ["alpha", "mid", "zeta"]
    assert (out / "deck.html").exists()
    assert not (out / "report.html").exists()


def test_a_failed_flyte2_attempt_has_no_timestamp_or_worker(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = plugio("run", "--flyte", "2", "--outputs", str(out), "--no-stream", "--",
                    "sh", "-c", "exit 3", env={"_F_WN": "worker-1"})  # fmt: skip
    assert result.returncode == 1
    error = ErrorDocument.FromString((out / "error.pb").read_bytes()).error
    assert error.code
    assert not error.HasField("timestamp")
    assert error.worker == ""


@pytest.mark.parametrize("flyte", ["1", "2"])
def test_a_non_zero_exit_is_recoverable_by_flyte2s_rules_only(tmp_path: Path, flyte: str) -> None:
    out = tmp_path / "out"
    result = plugio("run", "--flyte", flyte, "--outputs", str(out), "--no-stream", "--",
                    "sh", "-c", "exit 3")  # fmt: skip
    assert result.returncode == 1
    error = ErrorDocument.FromString((out / "error.pb").read_bytes()).error
    assert error.code == "USER:ExitCode3"
    assert error.kind == (error.RECOVERABLE if flyte == "2" else error.NON_RECOVERABLE)


def test_an_output_that_does_not_convert_is_flyte2s_data_validation_error(
    tmp_path: Path,
) -> None:
    out = tmp_path / "out"
    big = "[" * 60 + "]" * 60
    script = f'printf \'{{"deep": {big}}}\' > "$PLUGIO_OUTPUT_DIR/outputs.json"'
    result = plugio("run", "--flyte", "2", "--outputs", str(out), "--no-stream", "--",
                    "sh", "-c", script)  # fmt: skip
    assert result.returncode == 1, result.stdout
    error = ErrorDocument.FromString((out / "error.pb").read_bytes()).error
    assert (error.code, error.kind, error.origin) == ("DataValidationError", 1, 1)
    assert "deep" in error.message


@pytest.mark.parametrize(("args", "env", "named"), [
    (["--flyte", "3"], None, "--flyte: not a Flyte generation: '3'"),
    ([], {"PLUGIO_FLYTE": "two"}, "PLUGIO_FLYTE: must be one of 1, 2"),
])  # fmt: skip
def test_a_bad_generation_is_a_usage_error(
    tmp_path: Path, args: list[str], env: dict[str, str] | None, named: str
) -> None:
    out = tmp_path / "out"
    result = plugio("run", *args, "--outputs", str(out), "--", "true", env=env)
    assert result.returncode == 2
    assert named in result.stderr
    assert result.stdout == ""
    assert not out.exists()
