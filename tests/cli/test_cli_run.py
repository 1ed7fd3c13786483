"""The ``plugio`` command in a real subprocess: run, status, inspect, inputs, logs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from plugio.core import ErrorDocument, LiteralMap
from plugio.execution import ErrorKind, ExecutionError
from plugio.literals import from_literal_map

PLUGIO = [sys.executable, "-c", "from plugio.cli import main; main()"]


def plugio(
    *args: str, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*PLUGIO, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        check=False,
    )


def error_at(prefix: Path) -> ExecutionError:
    document = ErrorDocument.FromString((prefix / "error.pb").read_bytes())
    return ExecutionError.from_container_error(document.error)


@pytest.fixture
def inputs(tmp_path: Path) -> Path:
    prefix = tmp_path / "inputs"
    result = plugio("inputs", "create", str(prefix), "--set", "n=21", "--set", "who=world")
    assert result.returncode == 0, result.stderr
    return prefix


def test_version_and_help() -> None:
    assert plugio("--version").stdout.startswith("plugio ")
    help_text = plugio("--help").stdout
    for command in ("run", "status", "inspect", "inputs", "logs"):
        assert command in help_text
    assert "Exit codes" in help_text


def test_successful_task_writes_outputs(tmp_path: Path, inputs: Path) -> None:
    out = tmp_path / "out"
    script = (
        'echo "hello $(cat "$PLUGIO_INPUT_DIR/who")"; '
        'n=$(cat "$PLUGIO_INPUT_DIR/n"); '
        'echo "{\\"half\\": $((n / 2))}" > "$PLUGIO_OUTPUT_DIR/outputs.json"; '
        'echo data > "$PLUGIO_OUTPUT_DIR/report.txt"; '
        'echo "<h1>deck</h1>" > "$PLUGIO_OUTPUT_DIR/deck.html"'
    )
    result = plugio("run", "--inputs", str(inputs), "--outputs", str(out), "--output", "half",
                    "--", "sh", "-c", script)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "hello world" in result.stdout
    values = from_literal_map(LiteralMap.FromString((out / "outputs.pb").read_bytes()))
    assert values["half"] == 10
    assert Path(values["report"].download(tmp_path / "report.txt")).read_text() == "data\n"
    assert (out / "deck.html").read_text().strip() == "<h1>deck</h1>"
    assert not (out / "error.pb").exists()


def test_inputs_are_materialised_as_json_and_files(tmp_path: Path, inputs: Path) -> None:
    out = tmp_path / "out"
    script = 'cp "$PLUGIO_INPUT_DIR/inputs.json" "$PLUGIO_OUTPUT_DIR/seen.json"'
    result = plugio("run", "--inputs", str(inputs), "--outputs", str(out), "--", "sh", "-c", script)
    assert result.returncode == 0, result.stderr
    values = from_literal_map(LiteralMap.FromString((out / "outputs.pb").read_bytes()))
    seen = json.loads(Path(values["seen"].download(tmp_path / "seen.json")).read_text())
    assert seen == {"n": 21, "who": "world"}


def test_non_zero_exit_is_a_user_error(tmp_path: Path, inputs: Path) -> None:
    out = tmp_path / "out"
    result = plugio(
        "run", "--inputs", str(inputs), "--outputs", str(out), "--", "sh", "-c", "exit 3"
    )
    assert result.returncode == 1
    error = error_at(out)
    assert (error.code, error.kind, error.is_recoverable) == (
        "USER:ExitCode3",
        ErrorKind.USER,
        False,
    )
    assert not (out / "outputs.pb").exists()


def test_killed_by_sigkill_is_interrupted_as_flytes_engine_reports_it(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = plugio("run", "--outputs", str(out), "--", "sh", "-c", "kill -9 $$")
    assert result.returncode == 1
    error = error_at(out)
    # Flyte's engine: a container ended by SIGKILL (exit code 137) is "Interrupted",
    # a retryable user-kind failure ("OOMKilled" when the OOM killer did it).
    assert (error.code, error.kind, error.is_recoverable) == ("Interrupted", ErrorKind.USER, True)


def test_killed_by_another_signal_is_a_recoverable_system_error(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = plugio("run", "--outputs", str(out), "--", "sh", "-c", "kill -ABRT $$")
    assert result.returncode == 1
    error = error_at(out)
    assert (error.code, error.kind, error.is_recoverable) == (
        "SYSTEM:SignalSIGABRT",
        ErrorKind.SYSTEM,
        True,
    )


def test_the_commands_own_error_file(tmp_path: Path) -> None:
    out = tmp_path / "out"
    own = {"code": "DataMissing", "message": "no rows today", "recoverable": True}
    script = f"echo '{json.dumps(own)}' > \"$PLUGIO_OUTPUT_DIR/error.json\"; exit 1"
    result = plugio("run", "--outputs", str(out), "--", "sh", "-c", script)
    assert result.returncode == 1
    error = error_at(out)
    assert (error.code, error.message, error.is_recoverable) == (
        "DataMissing",
        "no rows today",
        True,
    )


def test_missing_declared_output(tmp_path: Path) -> None:
    out = tmp_path / "out"
    script = 'echo \'{"a": 1}\' > "$PLUGIO_OUTPUT_DIR/outputs.json"'
    result = plugio("run", "--outputs", str(out), "--output", "a", "--output", "b",
                    "--", "sh", "-c", script)  # fmt: skip
    assert result.returncode == 1
    error = error_at(out)
    assert error.code == "USER:OutputsNotFound"
    assert "b" in error.message
    assert not error.is_recoverable


def test_missing_inputs_prefix_is_a_permanent_system_error(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = plugio("run", "--inputs", str(tmp_path / "nowhere"), "--outputs", str(out),
                    "--", "sh", "-c", "echo never")  # fmt: skip
    assert result.returncode == 1
    assert "never" not in result.stdout
    error = error_at(out)
    assert error.kind is ErrorKind.SYSTEM
    assert not error.is_recoverable
    assert "nowhere" in error.message


def test_json_output_for_machines(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = plugio("run", "--json", "--outputs", str(out), "--", "sh", "-c", "exit 2")
    document: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    assert document["succeeded"] is False
    assert document["exit_code"] == 2
    assert document["error"]["code"] == "USER:ExitCode2"


def test_status_and_inspect(tmp_path: Path, inputs: Path) -> None:
    ok, failed, pending = tmp_path / "ok", tmp_path / "failed", tmp_path / "pending"
    script = 'echo \'{"x": 5}\' > "$PLUGIO_OUTPUT_DIR/outputs.json"'
    assert plugio("run", "--outputs", str(ok), "--", "sh", "-c", script).returncode == 0
    assert plugio("run", "--outputs", str(failed), "--", "sh", "-c", "exit 4").returncode == 1
    status = plugio("status", "--json", str(ok), str(failed), str(pending))
    assert status.returncode == 1
    documents = [json.loads(line) for line in status.stdout.splitlines()]
    states = [document["state"] for document in documents if "prefix" in document]
    assert states == ["succeeded", "failed", "not_ready"]
    assert plugio("status", str(ok)).returncode == 0
    assert plugio("status", str(pending)).returncode == 3
    shown = plugio("inspect", str(failed / "error.pb"))
    assert "USER:ExitCode4" in shown.stdout
    assert "not recoverable" in shown.stdout
    assert "x=5" in plugio("inspect", str(ok / "outputs.pb")).stdout.replace(" ", "")
    assert plugio("inspect", str(tmp_path / "missing.pb")).returncode == 4


def test_logs_show_the_console(tmp_path: Path) -> None:
    out = tmp_path / "out"
    plugio("run", "--outputs", str(out), "--", "sh", "-c", "echo one; echo two >&2; echo three")
    logs = plugio("logs", str(out))
    shown = logs.stdout.splitlines()
    # Two pipes: the stderr line may come before or after the stdout lines; it is marked.
    assert [line for line in shown if "two" not in line][:2] == ["one", "three"]
    assert [line for line in shown if "two" in line] == ["stderr| two"]
    assert "succeeded" in logs.stderr


def test_checkpoint_is_restored_on_the_next_attempt(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    first = tmp_path / "attempt0"
    script = 'echo step-7 > "$PLUGIO_CHECKPOINT_DIR/state"; exit 1'
    plugio("run", "--outputs", str(first), "--raw-output-prefix", str(raw / "0"),
           "--", "sh", "-c", script)  # fmt: skip
    second = tmp_path / "attempt1"
    resume = 'cp "$PLUGIO_CHECKPOINT_DIR/state" "$PLUGIO_OUTPUT_DIR/resumed.txt"'
    result = plugio("run", "--outputs", str(second), "--raw-output-prefix", str(raw / "1"),
                    "--previous-checkpoint", str(raw / "0" / "_flytecheckpoints"),
                    "--", "sh", "-c", resume)  # fmt: skip
    assert result.returncode == 0, result.stderr
    values = from_literal_map(LiteralMap.FromString((second / "outputs.pb").read_bytes()))
    assert Path(values["resumed"].download(tmp_path / "r.txt")).read_text() == "step-7\n"


def test_bad_usage_exits_2(tmp_path: Path) -> None:
    assert plugio("inputs", "create", str(tmp_path), "--set", "novalue").returncode == 2
    assert plugio("run", "--outputs", str(tmp_path)).returncode == 2


def test_conformance_against_a_folder(tmp_path: Path) -> None:
    result = plugio("conformance", str(tmp_path / "target"), "--", "-k", "DataStore and head")
    assert result.returncode == 0, result.stdout[-2000:]
    assert "passed" in result.stdout
    assert not any((tmp_path / "target").glob("plugio-conformance-*"))


def test_logs_follow_a_running_task_live(tmp_path: Path) -> None:
    import time

    out = tmp_path / "out"
    marker = tmp_path / "release"
    script = f'echo first; while [ ! -e "{marker}" ]; do sleep 0.1; done; echo last'
    runner = subprocess.Popen(
        [*PLUGIO, "run", "--outputs", str(out), "--", "sh", "-c", script],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    follower = subprocess.Popen(
        [*PLUGIO, "logs", "--follow", "--interval", "0.2", str(out)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert follower.stdout is not None
        started = time.monotonic()
        first = follower.stdout.readline()
        seen_after = time.monotonic() - started
        assert first.strip() == "first"
        assert runner.poll() is None, "the line arrived while the task was still running"
        marker.touch()
        rest = follower.stdout.read()
        assert "last" in rest
        assert runner.wait(60) == 0
        print(f"first line seen by the follower after {seen_after:.2f} s")
    finally:
        marker.touch()
        for process in (runner, follower):
            if process.poll() is None:
                process.kill()
            process.wait(30)
        if follower.stdout is not None:
            follower.stdout.close()
