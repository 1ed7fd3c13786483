"""What every command prints: stored text as text, status lines and counts, logs, metrics.

The command runs for real, piped and with stdout on a pseudo-terminal.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
from clirun import PLUGIO, plugio, plugio_tty, screen
from clirun import environment as clean_environment

from plugio.core import Literal, LiteralMap, LiteralOffloadedMetadata
from plugio.execution import ErrorKind, ExecutionError
from plugio.literals import to_literal_map
from plugio.storage import DataStore
from plugio.stream import StreamHead, StreamPolicy, StreamState, StreamWriter
from plugio.stream._layout import head_ref

#: Text that rich would take for markup: eaten, or a MarkupError.
BRACKETS = "see [/some/path] and pip install 'plugio[gcs]' [red]not red[/red] [/oops]"
FAST = StreamPolicy(first_interval=0.02, max_interval=0.1, heartbeat_interval=0.1)
NOON = datetime(2025, 3, 4, 12, 0, tzinfo=timezone.utc)


def write_error(prefix: Path, code: str, message: str, name: str = "error.pb") -> None:
    error = ExecutionError(code, message, ErrorKind.USER, False, NOON)
    DataStore().write_protobuf(str(prefix / name), error.to_error_document())


def write_head(prefix: Path, state: StreamState, age: float, exit_code: int | None = None) -> None:
    now = time.time()
    head = StreamHead(
        epoch=0, owner="o", state=state, exit_code=exit_code, started=now - 60, heartbeat=now - age
    )
    DataStore().write_bytes(head_ref(str(prefix / "stream")), head.to_bytes())


def write_stream(prefix: Path, journal: Path) -> None:
    stream = StreamWriter(DataStore(), str(prefix / "stream"), journal_dir=journal, policy=FAST)
    stream.write(f"out {BRACKETS}\n")
    stream.write(f"err {BRACKETS}\n", "stderr")
    stream.write("Traceback (most recent call last):\nValueError: negative n=-1\n", "stderr")
    for step in range(30):
        stream.log_metrics({"[red]loss": 1.0 / (step + 1), "acc": step / 30})
    stream.log_event("[bold]saved", {"where": "[/some/path]"})
    stream.update_summary({"[red]best": BRACKETS})
    assert stream.close(exit_code=1).complete


@pytest.fixture
def attempts(tmp_path: Path) -> dict[str, Path]:
    """Attempts of every kind, under a folder whose name has brackets, accents, % and #."""
    root = tmp_path / "runs [red] é %41 #1"
    found = {
        name: root / name
        for name in ("ok", "failed", "running", "stalled", "killed", "never", "offloaded")
    }
    outputs = to_literal_map({"path": BRACKETS, "n": 3, "x": 0.5})
    DataStore().write_protobuf(str(found["ok"] / "outputs.pb"), outputs)
    write_error(found["failed"], "USER:[red]Boom", f"{BRACKETS}\nsecond line")
    write_head(found["running"], StreamState.RUNNING, age=4)
    write_head(found["stalled"], StreamState.RUNNING, age=3600)
    write_head(found["killed"], StreamState.KILLED, age=30, exit_code=-15)
    offloaded = LiteralMap(
        literals={
            "big": Literal(
                offloaded_metadata=LiteralOffloadedMetadata(uri="s3://b/[x]/big", size_bytes=123)
            )
        }
    )
    DataStore().write_protobuf(str(found["offloaded"] / "outputs.pb"), offloaded)
    write_stream(found["failed"], tmp_path / "journal")
    return found


def test_status_piped_is_one_line_per_attempt_then_the_counts(
    attempts: dict[str, Path],
) -> None:
    result = plugio("status", *map(str, attempts.values()))
    assert result.code == 1, result.stderr
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert len(lines) == len(attempts) + 1
    rows = [line.split("\t") for line in lines[:-1]]
    assert [row[0] for row in rows] == [str(p) for p in attempts.values()]  # as given, whole
    states = {Path(row[0]).name: row[1] for row in rows}
    assert states == {
        "ok": "succeeded",
        "failed": "failed",
        "running": "running",
        "stalled": "stalled",
        "killed": "killed",
        "never": "never started",
        "offloaded": "succeeded",
    }
    details = {Path(row[0]).name: row[2] if len(row) > 2 else "" for row in rows}
    assert details["failed"] == f"USER:[red]Boom (user, not recoverable): {BRACKETS}"
    assert f"path={BRACKETS!r}" in details["ok"]
    assert details["running"].startswith("heartbeat ")
    assert details["killed"] == "exit code -15"
    assert details["offloaded"] == "big=offloaded s3://b/[x]/big (123 bytes)"
    assert lines[-1] == (
        "7 attempts: 2 succeeded, 1 failed, 1 running, 1 stalled, 1 killed, 1 never started"
    )


def test_status_json_has_numbers_as_numbers_and_liveness(attempts: dict[str, Path]) -> None:
    result = plugio("status", "--json", *map(str, attempts.values()))
    assert result.code == 1
    *documents, counts = [json.loads(line) for line in result.stdout.splitlines()]
    by_name = {Path(d["prefix"]).name: d for d in documents}
    assert by_name["ok"]["outputs"] == {"n": 3, "path": BRACKETS, "x": 0.5}
    running = by_name["running"]["liveness"]
    assert running["state"] == "running"
    assert isinstance(running["heartbeat_age_seconds"], float)
    assert 3 <= running["heartbeat_age_seconds"] < 120
    assert by_name["killed"]["liveness"]["exit_code"] == -15
    assert by_name["never"]["liveness"]["state"] == "never started"
    assert by_name["offloaded"]["outputs"] == {
        "big": {"offloaded": "s3://b/[x]/big", "size_bytes": 123}
    }
    assert counts == {
        "attempts": 7,
        "counts": {
            "succeeded": 2,
            "failed": 1,
            "running": 1,
            "stalled": 1,
            "killed": 1,
            "never started": 1,
        },
    }


def test_status_on_a_terminal_shows_text_literally(attempts: dict[str, Path]) -> None:
    result = plugio_tty("status", *map(str, attempts.values()), columns=400)
    assert result.code == 1, result.stderr
    shown = "\n".join(screen(result.stdout))
    assert "USER:[red]Boom" in shown
    assert BRACKETS in shown
    assert "runs [red] é %41 #1" in shown
    assert "7 attempts: 2 succeeded" in shown


def test_inspect_prints_stored_text_literally(attempts: dict[str, Path]) -> None:
    for run in (plugio, plugio_tty):
        error = run("inspect", str(attempts["failed"] / "error.pb"))
        assert error.code == 0, error.stderr
        assert "USER:[red]Boom" in error.stdout
        assert BRACKETS in error.stdout
        assert str(attempts["failed"] / "error.pb") in error.stdout
        outputs = run("inspect", str(attempts["offloaded"] / "outputs.pb"))
        assert outputs.code == 0, outputs.stderr
        assert "big=offloaded s3://b/[x]/big (123 bytes)" in outputs.stdout


def test_an_error_message_with_brackets_is_printed_whole(tmp_path: Path) -> None:
    missing = tmp_path / "[/some/path]" / "error.pb"
    for run in (plugio, plugio_tty):
        result = run("inspect", str(missing))
        assert result.code == 4
        assert result.stderr.startswith(f"error: {missing}")
        assert "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1


def test_logs_write_the_console_to_stdout_stderr_lines_marked(attempts: dict[str, Path]) -> None:
    result = plugio("logs", str(attempts["failed"]))
    assert result.code == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"out {BRACKETS}",
        f"stderr| err {BRACKETS}",
        "stderr| Traceback (most recent call last):",
        "stderr| ValueError: negative n=-1",
    ]
    assert result.stderr == "-- failed (exit code 1)\n"
    split = plugio("logs", "--split", str(attempts["failed"]))
    assert split.stdout == f"out {BRACKETS}\n"
    assert split.stderr.splitlines() == [
        f"err {BRACKETS}",
        "Traceback (most recent call last):",
        "ValueError: negative n=-1",
        "-- failed (exit code 1)",
    ]
    shown = plugio_tty("logs", str(attempts["failed"]))
    assert screen(shown.stdout)[0] == f"out {BRACKETS}"


def test_logs_of_a_missing_stream_is_one_line_and_exit_4(attempts: dict[str, Path]) -> None:
    result = plugio("logs", str(attempts["never"]))
    assert result.code == 4
    assert result.stdout == ""
    assert result.stderr == (
        f"error: no stream at {attempts['never'] / 'stream'}: nothing has been recorded there\n"
    )


def test_logs_follow_says_it_waits_then_prints_the_stream(tmp_path: Path) -> None:
    prefix = tmp_path / "later [x]"
    writing = threading.Timer(2.0, write_stream, (prefix, tmp_path / "journal"))
    writing.start()
    try:
        result = plugio("logs", "--follow", "--interval", "0.1", str(prefix), timeout=60)
    finally:
        writing.join()
    assert result.code == 0, result.stderr
    assert result.stderr.splitlines()[0] == (
        f"waiting for the stream at {prefix / 'stream'} to start..."
    )
    assert result.stdout.splitlines()[0] == f"out {BRACKETS}"
    assert result.stderr.splitlines()[-1] == "-- failed (exit code 1)"


def test_logs_follow_draws_an_unfinished_line_in_place(tmp_path: Path) -> None:
    prefix = tmp_path / "bar"
    policy = StreamPolicy(first_interval=0.02, max_interval=0.05, max_line_chars=16)
    stream = StreamWriter(
        DataStore(), str(prefix / "stream"), journal_dir=tmp_path / "j", policy=policy
    )
    stream.write("starting\n")
    stream.write("progress " + "#" * 30)  # longer than a piece: stored before it ends
    stream.flush()

    def finish() -> None:
        time.sleep(2.0)
        stream.write(" done\n")
        stream.close(exit_code=0)

    closing = threading.Thread(target=finish)
    closing.start()
    try:
        result = plugio_tty("logs", "-f", "--interval", "0.1", str(prefix), timeout=60)
    finally:
        closing.join()
    assert result.code == 0, result.stderr
    partial = "progress " + "#" * 23  # the pieces stored before the line ended
    assert f"\r\x1b[K{partial}" in result.stdout  # drawn in place while unfinished
    assert screen(result.stdout) == ["starting", "progress " + "#" * 30 + " done"]


def test_metrics_piped_are_plain_stable_rows(attempts: dict[str, Path]) -> None:
    result = plugio("metrics", "--last", "3", str(attempts["failed"]))
    assert result.code == 0, result.stderr
    assert result.stdout.splitlines() == [
        "step\t[red]loss\tacc",
        f"27\t{1 / 28:g}\t{27 / 30:g}",
        f"28\t{1 / 29:g}\t{28 / 30:g}",
        f"29\t{1 / 30:g}\t{29 / 30:g}",
        "event\tinfo\t[bold]saved\t{'where': '[/some/path]'}",
        f"summary\t[red]best\t{BRACKETS!r}",
    ]
    assert plugio("metrics", "--last", "3", str(attempts["failed"])).stdout == result.stdout


def test_metrics_on_a_terminal_draw_sparklines(attempts: dict[str, Path]) -> None:
    result = plugio_tty("metrics", "-n", "2", str(attempts["failed"]), columns=160)
    assert result.code == 0, result.stderr
    shown = screen(result.stdout)
    loss = next(line for line in shown if line.lstrip().startswith("[red]loss"))
    acc = next(line for line in shown if line.lstrip().startswith("acc"))
    assert "█" in loss
    assert "▁" in loss
    assert loss.index("█") < loss.index("▁")  # the loss falls
    assert acc.index("▁") < acc.index("█")  # the accuracy rises
    assert "last 2 of 30 rows" in shown
    assert any(BRACKETS in line for line in shown)


def test_metrics_follow_prints_rows_as_they_come(tmp_path: Path) -> None:
    prefix = tmp_path / "training"
    stream = StreamWriter(
        DataStore(), str(prefix / "stream"), journal_dir=tmp_path / "j", policy=FAST
    )
    stream.log_metrics({"loss": 1.0})
    stream.flush()

    def train() -> None:
        for step in range(1, 5):
            time.sleep(0.3)
            stream.log_metrics({"loss": 1.0 / (step + 1)})
        stream.close(exit_code=0)

    training = threading.Thread(target=train)
    training.start()
    try:
        result = plugio("metrics", "--follow", "--interval", "0.1", str(prefix), timeout=60)
    finally:
        training.join()
    assert result.code == 0, result.stderr
    assert result.stdout.splitlines() == [
        "step\tloss",
        *(f"{step}\t{1 / (step + 1):g}" for step in range(5)),
    ]


def test_metrics_of_a_missing_stream_is_an_error(tmp_path: Path) -> None:
    result = plugio("metrics", str(tmp_path / "nothing"))
    assert result.code == 4
    assert result.stderr.startswith("error: no stream at ")


def test_metrics_a_shell_script_logged_under_run(tmp_path: Path) -> None:
    prefix = tmp_path / "shell [x]"
    script = (
        'for i in 1 2 3; do echo "{\\"loss\\": 0.$i, \\"[red]n\\": $i}" >> "$PLUGIO_METRICS"; done'
    )
    ran = plugio("run", "--outputs", str(prefix), "--", "sh", "-c", script)
    assert ran.code == 0, ran.stderr
    result = plugio("metrics", str(prefix))
    assert result.code == 0, result.stderr
    assert result.stdout.splitlines() == [
        "step\t[red]n\tloss",
        "0\t1\t0.1",
        "1\t2\t0.2",
        "2\t3\t0.3",
    ]


def test_metrics_follow_on_a_terminal_ends_with_the_summary(tmp_path: Path) -> None:
    prefix = tmp_path / "live"
    stream = StreamWriter(
        DataStore(), str(prefix / "stream"), journal_dir=tmp_path / "j", policy=FAST
    )
    stream.log_metrics({"loss": 1.0})
    stream.flush()

    def train() -> None:
        for step in range(1, 6):
            time.sleep(0.2)
            stream.log_metrics({"loss": 1.0 / (step + 1)})
        stream.update_summary({"[red]done": True})
        stream.close(exit_code=0)

    training = threading.Thread(target=train)
    training.start()
    try:
        result = plugio_tty("metrics", "-f", "--interval", "0.1", str(prefix), timeout=60)
    finally:
        training.join()
    assert result.code == 0, result.stderr
    shown = screen(result.stdout)
    assert shown[-1] == "summary [red]done = True"
    assert "last 6 of 6 rows" in shown


BAR = """
import sys, time
print("start", flush=True)
for percent in range(0, 101, 10):
    sys.stdout.write(f"\\rbar {percent:3d}% [" + "#" * (percent // 10) + "]")
    sys.stdout.flush()
    time.sleep(0.3)
print()
print("done")
"""


def test_logs_follow_shows_a_running_progress_bar_in_place(tmp_path: Path) -> None:
    prefix = tmp_path / "progress"
    environment = {"PLUGIO_STREAM__MAX_INTERVAL": "0.3", "PLUGIO_STREAM__FIRST_INTERVAL": "0.1"}
    with subprocess.Popen(
        [PLUGIO, "run", "--outputs", str(prefix), "--", sys.executable, "-c", BAR],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=clean_environment(environment),
    ) as running:
        result = plugio_tty("logs", "-f", "--interval", "0.1", str(prefix), timeout=120)
        assert running.wait(timeout=120) == 0
    assert result.code == 0, result.stderr
    drawn = re.findall(r"\r\x1b\[Kbar +(\d+)% ", result.stdout)
    assert drawn, result.stdout  # the bar was shown while it ran
    assert int(drawn[0]) < 100
    assert screen(result.stdout) == ["start", "bar 100% [##########]", "done"]


def test_logs_of_a_running_task_say_so_and_a_silent_one_is_pointed_out(tmp_path: Path) -> None:
    prefix = tmp_path / "silent"
    write_head(prefix, StreamState.RUNNING, age=600)
    result = plugio("logs", str(prefix))
    assert result.code == 0, result.stderr
    assert result.stdout == ""
    assert re.fullmatch(r"-- still running \(heartbeat 6\d\ds ago\)\n", result.stderr)

    def end() -> None:
        time.sleep(2.0)
        write_head(prefix, StreamState.KILLED, age=0, exit_code=-9)

    ending = threading.Thread(target=end)
    ending.start()
    try:
        followed = plugio("logs", "-f", "--interval", "0.1", "--stale-after", "60", str(prefix))
    finally:
        ending.join()
    assert followed.code == 0, followed.stderr
    lines = followed.stderr.splitlines()
    assert re.fullmatch(r"no heartbeat from the task for 6\d\ds; still waiting", lines[0])
    assert lines[-1] == "-- killed (exit code -9)"


def test_an_empty_outputs_file_is_a_success_whether_outputs_are_read_or_not(
    tmp_path: Path,
) -> None:
    prefix = tmp_path / "no outputs"
    DataStore().write_protobuf(str(prefix / "outputs.pb"), LiteralMap())
    for flag in ("--outputs", "--no-outputs"):
        result = plugio("status", flag, str(prefix))
        assert result.code == 0, result.stdout
        assert result.stdout.splitlines()[-1] == "1 attempt: 1 succeeded"
    document = json.loads(plugio("status", "--json", str(prefix)).stdout.splitlines()[0])
    assert (document["state"], document["outputs"]) == ("succeeded", {})


BLOCKED_EXTRA = "import sys; sys.modules['gcsfs'] = None; from plugio.cli import main; main()"


@pytest.mark.parametrize("args", [["status", "gs://b/x"], ["inspect", "gs://b/x/error.pb"]])
def test_a_missing_extra_names_it_whole(args: list[str]) -> None:
    result = subprocess.run(
        [sys.executable, "-c", BLOCKED_EXTRA, *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=clean_environment(),
        check=False,
    )
    assert result.returncode == 4
    assert result.stderr == (
        "error: the 'gs' protocol needs the 'gcsfs' package: run pip install 'plugio[gcs]'\n"
    )


def test_an_attempt_whose_command_ended_without_its_files_says_so(tmp_path: Path) -> None:
    prefix = tmp_path / "ended"
    write_head(prefix, StreamState.FAILED, age=5, exit_code=2)
    result = plugio("status", str(prefix))
    assert result.code == 3
    assert result.stdout.splitlines() == [
        f"{prefix}\tended\texit code 2, no outputs and no error document",
        "1 attempt: 1 ended",
    ]


def test_status_reads_prefixes_from_stdin(attempts: dict[str, Path]) -> None:
    listed = "".join(f"{attempts[name]}\n\n" for name in ("ok", "failed"))
    done = subprocess.run(
        [PLUGIO, "status", "-", str(attempts["never"])],
        input=listed,
        capture_output=True,
        text=True,
        timeout=60,
        env=clean_environment(),
        check=False,
    )
    assert done.returncode == 1, done.stderr
    rows = [line.split("\t")[:2] for line in done.stdout.splitlines()[:-1]]
    assert rows == [
        [str(attempts["ok"]), "succeeded"],
        [str(attempts["failed"]), "failed"],
        [str(attempts["never"]), "never started"],
    ]
    empty = subprocess.run(
        [PLUGIO, "status", "-"], input="", capture_output=True, text=True, check=False
    )
    assert (empty.returncode, empty.stderr) == (2, "error: no prefixes given\n")
