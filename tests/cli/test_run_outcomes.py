"""What ``plugio run`` reports when its command fails, and what it sends from it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from clirun import PLUGIO, environment
from runtools import error_at, head_at, run

from plugio.core import LiteralMap
from plugio.execution import ErrorKind
from plugio.literals import from_literal_map
from plugio.storage import DataStore
from plugio.stream import StreamReader, attempt_stream_prefix
from plugio.task import resolve_offloaded


def test_a_crash_reports_the_last_lines_of_stderr(tmp_path: Path) -> None:
    out = tmp_path / "out"
    script = "import sys\nfor i in range(100): print(f'noise {i}', file=sys.stderr)\n" \
             "raise ValueError('negative n=-1 [/some/path]')"  # fmt: skip
    result = run("run", "--outputs", str(out), "--", sys.executable, "-c", script)
    assert result.returncode == 1
    error = error_at(out)
    assert error.code == "USER:ExitCode1"
    assert "ValueError: negative n=-1 [/some/path]" in error.message
    assert "noise 99" in error.message
    assert "noise 50" not in error.message  # bounded: the last lines only
    assert len(error.message) < 5000
    # Printed literally: brackets are no markup.
    assert "negative n=-1 [/some/path]" in result.stderr
    assert "MarkupError" not in result.stderr


def test_a_command_that_does_not_exist_is_a_permanent_user_error(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run("run", "--outputs", str(out), "--", "no-such-command-plugio", "--flag")
    assert result.returncode == 1
    error = error_at(out)
    assert (error.code, error.kind, error.is_recoverable) == (
        "USER:CommandNotFound",
        ErrorKind.USER,
        False,
    )
    assert "no-such-command-plugio --flag" in error.message
    assert "Traceback" not in error.message
    assert head_at(out)["state"] == "failed"


def test_a_command_that_is_not_executable_is_a_permanent_user_error(tmp_path: Path) -> None:
    script = tmp_path / "train [v2].sh"
    script.write_text("#!/bin/sh\necho hi\n")
    out = tmp_path / "out"
    result = run("run", "--outputs", str(out), "--", str(script))
    assert result.returncode == 1
    error = error_at(out)
    assert (error.code, error.is_recoverable) == ("USER:CommandNotStarted", False)
    assert "train [v2].sh" in error.message
    assert "train [v2].sh" in result.stderr


def test_storage_failures_are_one_line_without_the_services_body(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run("run", "--inputs", str(tmp_path / "nowhere"), "--outputs", str(out),
                 "--", "true")  # fmt: skip
    assert result.returncode == 1
    error = error_at(out)
    assert "\n" not in error.message
    assert "Traceback" not in error.message
    assert "nowhere" in error.message


def test_large_outputs_are_offloaded_as_flytes_engine_asks(tmp_path: Path) -> None:
    out = tmp_path / "out"
    script = (
        "import json, os\n"
        "doc = {'big': 'x' * (2 * 1024 * 1024), 'small': 7}\n"
        "open(os.path.join(os.environ['PLUGIO_OUTPUT_DIR'], 'outputs.json'), 'w')"
        ".write(json.dumps(doc))"
    )
    result = run("run", "--outputs", str(out), "--", sys.executable, "-c", script,
                 env={"_F_L_MIN_SIZE_MB": "1", "_F_L_MAX_SIZE_MB": "100"})  # fmt: skip
    assert result.returncode == 0, result.stderr
    literal_map = LiteralMap.FromString((out / "outputs.pb").read_bytes())
    assert literal_map.literals["big"].HasField("offloaded_metadata")
    assert not literal_map.literals["small"].HasField("offloaded_metadata")
    assert (out / "big_offloaded_metadata.pb").exists()
    assert (out / "outputs.pb").stat().st_size < 10_000
    resolved = resolve_offloaded(DataStore.from_url(str(out)), literal_map)
    assert from_literal_map(resolved)["big"] == "x" * (2 * 1024 * 1024)


def test_an_output_over_the_maximum_fails_the_task(tmp_path: Path) -> None:
    out = tmp_path / "out"
    script = (
        "import json, os\n"
        "open(os.path.join(os.environ['PLUGIO_OUTPUT_DIR'], 'outputs.json'), 'w')"
        ".write(json.dumps({'big': 'x' * (2 * 1024 * 1024)}))"
    )
    result = run("run", "--outputs", str(out), "--", sys.executable, "-c", script,
                 env={"_F_L_MIN_SIZE_MB": "1", "_F_L_MAX_SIZE_MB": "1"})  # fmt: skip
    assert result.returncode == 1
    error = error_at(out)
    assert "LiteralTooLargeError" in error.code
    assert not error.is_recoverable
    assert not (out / "outputs.pb").exists()


def test_without_the_variables_nothing_is_offloaded(tmp_path: Path) -> None:
    out = tmp_path / "out"
    script = (
        "import json, os\n"
        "open(os.path.join(os.environ['PLUGIO_OUTPUT_DIR'], 'outputs.json'), 'w')"
        ".write(json.dumps({'v': 'x' * (2 * 1024 * 1024)}))"
    )
    result = run("run", "--outputs", str(out), "--", sys.executable, "-c", script)
    assert result.returncode == 0, result.stderr
    literal_map = LiteralMap.FromString((out / "outputs.pb").read_bytes())
    assert not literal_map.literals["v"].HasField("offloaded_metadata")


METRICS_SCRIPT = """
i=0
while [ $i -lt 5 ]; do
  echo "{\\"step\\": $i, \\"loss\\": 0.$((9 - i)), \\"lr\\": 0.01}" >> "$PLUGIO_METRICS"
  i=$((i+1))
done
printf '{"accuracy": 0.5}\\n' >> "$PLUGIO_METRICS"
echo 'not json [at all]' >> "$PLUGIO_METRICS"
printf '{"accuracy": 0.75}' >> "$PLUGIO_METRICS"
"""


def test_metrics_from_a_shell_script(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run("run", "--outputs", str(out), "--", "sh", "-c", METRICS_SCRIPT)
    assert result.returncode == 0, result.stderr
    snapshot = StreamReader(DataStore.from_url(str(out)), attempt_stream_prefix(str(out))).read()
    rows = [(row.step, row.values) for row in snapshot.metrics]
    assert rows == [
        *[(i, {"loss": float(f"0.{9 - i}"), "lr": 0.01}) for i in range(5)],
        (5, {"accuracy": 0.5}),
        (6, {"accuracy": 0.75}),  # the last line needs no newline
    ]
    rejected = [event for event in snapshot.events if event.name == "metrics-rejected"]
    assert [event.attributes["line"] for event in rejected] == ["not json [at all]"]


PYTHON_METRICS = """
from plugio.task import log_metrics
for step in range(3):
    assert log_metrics(step=step, loss=1.0 / (step + 1))
assert log_metrics({"accuracy": 0.9})
"""


def test_metrics_from_python(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run("run", "--outputs", str(out), "--", sys.executable, "-c", PYTHON_METRICS)
    assert result.returncode == 0, result.stderr
    snapshot = StreamReader(DataStore.from_url(str(out)), attempt_stream_prefix(str(out))).read()
    assert [(row.step, row.values) for row in snapshot.metrics] == [
        (0, {"loss": 1.0}),
        (1, {"loss": 0.5}),
        (2, {"loss": 1.0 / 3}),
        (3, {"accuracy": 0.9}),
    ]


def test_log_metrics_outside_plugio_run_records_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    from plugio.task import log_metrics

    monkeypatch.delenv("PLUGIO_METRICS", raising=False)
    assert log_metrics(step=1, loss=0.5) is False
    with pytest.raises(TypeError, match="loss"):
        log_metrics(loss="low")  # type: ignore[arg-type]


def test_json_result_names_the_signal_and_who_wrote_the_files(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run("run", "--json", "--outputs", str(out), "--", "true")
    document = json.loads(result.stdout.strip().splitlines()[-1])
    assert document["signal"] is None
    assert document["written_by_command"] is False
    assert document["succeeded"] is True


def _memory_cgroup(tmp_name: str, limit: int) -> Path | None:
    """A new cgroup (v1 memory controller) limited to ``limit`` bytes, or None if impossible."""
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        if "memory" not in controllers.split(","):
            continue
        group = Path("/sys/fs/cgroup/memory") / path.lstrip("/") / tmp_name
        try:
            group.mkdir()
            (group / "memory.limit_in_bytes").write_text(str(limit))
        except OSError:
            return None
        return group
    return None


def test_an_oom_kill_is_reported_as_flytes_engine_does(tmp_path: Path) -> None:
    group = _memory_cgroup(f"plugio-test-{tmp_path.name}", 300 * 1024 * 1024)
    if group is None:
        pytest.skip("no writable memory cgroup (v1) to run out of memory in")
    out = tmp_path / "out"
    hog = "x = [bytearray(50 * 1024 * 1024) for _ in range(20)]"
    try:
        # plugio run and its command in the small cgroup: the kernel kills the command.
        done = subprocess.run(
            ["sh", "-c", 'echo $$ > "$GROUP/cgroup.procs" && exec "$@"', "sh",
             PLUGIO, "run", "--outputs", str(out), "--", sys.executable, "-c", hog],
            capture_output=True, text=True, timeout=120, check=False,
            env=environment({"GROUP": str(group)}),
        )  # fmt: skip
    finally:
        group.rmdir()
    assert done.returncode == 1, done.stderr
    error = error_at(out)
    assert (error.code, error.kind, error.is_recoverable) == ("OOMKilled", ErrorKind.USER, True)
    assert "out of memory" in error.message


def test_processes_left_behind_holding_the_console_are_ended(tmp_path: Path) -> None:
    out, pid_file = tmp_path / "out", tmp_path / "background.pid"
    script = 'sleep 120 & echo $! > "$PID_FILE"; echo done'
    result = run("run", "--outputs", str(out), "--", "sh", "-c", script,
                 env={"PID_FILE": str(pid_file)}, timeout=60)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "done" in result.stdout
    stat = Path("/proc", pid_file.read_text().strip(), "stat")
    assert not stat.exists() or stat.read_text().split(") ")[1].startswith("Z")


def test_a_reader_of_the_console_that_goes_away_does_not_stop_the_task(tmp_path: Path) -> None:
    out = tmp_path / "out"
    script = (
        'i=0; while [ $i -lt 20000 ]; do echo "line $i"; i=$((i+1)); done; '
        'echo \'{"n": 1}\' > "$PLUGIO_OUTPUT_DIR/outputs.json"'
    )
    pipeline = '"$PLUGIO" run --outputs "$OUT" -- sh -c "$SCRIPT" | head -n 1'
    done = subprocess.run(
        ["sh", "-c", pipeline], capture_output=True, text=True, timeout=120, check=False,
        env=environment({"PLUGIO": PLUGIO, "OUT": str(out), "SCRIPT": script}),
    )  # fmt: skip
    assert done.stdout == "line 0\n"
    assert "Traceback" not in done.stderr
    values = from_literal_map(LiteralMap.FromString((out / "outputs.pb").read_bytes()))
    assert values == {"n": 1}
    lines = StreamReader(DataStore.from_url(str(out)), attempt_stream_prefix(str(out))).read().lines
    assert len(lines) == 20000


WORKERS_FAIL = """
import os, sys
from datetime import datetime, timezone
from plugio import DataStore
from plugio.execution import ErrorKind, ExecutionError
from plugio.task import write_error_document

out = sys.argv[1]
store = DataStore.from_url(out)
env = {"_F_DES": "Earliest"}
for worker, second in (("worker-1", 30), ("worker-0", 10)):
    error = ExecutionError(f"USER:{worker}", f"{worker} failed", ErrorKind.USER,
                           timestamp=datetime(2026, 1, 1, 0, 0, second, tzinfo=timezone.utc))
    write_error_document(store, out, error, environ={**env, "_F_WN": worker})
"""


def test_the_earliest_of_the_workers_error_documents_is_followed(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run("run", "--json", "--outputs", str(out), "--",
                 sys.executable, "-c", WORKERS_FAIL, str(out))  # fmt: skip
    assert result.returncode == 1, result.stderr
    document = json.loads(result.stdout.strip().splitlines()[-1])
    assert document["written_by_command"] is True
    assert document["error"]["code"] == "USER:worker-0"
    assert not (out / "error.pb").exists()
    assert len(list(out.glob("error-*.pb"))) == 2
    assert head_at(out)["state"] == "failed"
