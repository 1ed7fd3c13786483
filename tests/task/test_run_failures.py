"""How a command's end is classified, the OOM counter, orphans, and unfinished lines."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from plugio.execution import ErrorKind
from plugio.stream._console import LineAssembler, last_state
from plugio.task._command import CommandOutcome, StderrTail, oom_kill_count
from plugio.task._failures import command_failure, interrupted_error

COMMAND = ["python", "train.py", "--data", "[2024] set"]


@pytest.mark.parametrize(
    ("outcome", "expected"),
    [
        (CommandOutcome(0), None),
        (CommandOutcome(3), ("USER:ExitCode3", ErrorKind.USER, False)),
        (CommandOutcome(-9), ("Interrupted", ErrorKind.USER, True)),
        (CommandOutcome(137), ("Interrupted", ErrorKind.USER, True)),
        (CommandOutcome(-9, oom_killed=True), ("OOMKilled", ErrorKind.USER, True)),
        (CommandOutcome(137, oom_killed=True), ("OOMKilled", ErrorKind.USER, True)),
        (CommandOutcome(-6), ("SYSTEM:SignalSIGABRT", ErrorKind.SYSTEM, True)),
        (CommandOutcome(None, FileNotFoundError(2, "x")),
         ("USER:CommandNotFound", ErrorKind.USER, False)),
        (CommandOutcome(None, PermissionError(13, "x")),
         ("USER:CommandNotStarted", ErrorKind.USER, False)),
    ],
)  # fmt: skip
def test_the_table(outcome: CommandOutcome, expected: tuple[str, ErrorKind, bool] | None) -> None:
    error = command_failure(outcome, COMMAND)
    if expected is None:
        assert error is None
        return
    assert error is not None
    assert (error.code, error.kind, error.is_recoverable) == expected
    assert "'[2024] set'" in error.message


def test_the_stderr_tail_ends_the_message() -> None:
    error = command_failure(CommandOutcome(1, stderr_tail="ValueError: bad"), COMMAND)
    assert error is not None
    assert error.message.endswith("the last lines of its stderr:\nValueError: bad")


def test_an_interruption_names_the_signal_and_how_the_command_ended() -> None:
    error = interrupted_error(
        signal.SIGTERM, CommandOutcome(-15), COMMAND, grace_period=25, killed_after_grace=False
    )
    assert (error.code, error.kind, error.is_recoverable) == ("Interrupted", ErrorKind.SYSTEM, True)
    assert "received SIGTERM" in error.message
    assert "ended by SIGTERM" in error.message
    killed = interrupted_error(
        signal.SIGINT, CommandOutcome(-9), COMMAND, grace_period=2.5, killed_after_grace=True
    )
    assert "killed after the 2.5 s grace period" in killed.message


def test_the_stderr_tail_is_bounded_and_shows_last_drawings() -> None:
    tail = StderrTail(max_lines=3, max_chars=100)
    for index in range(1000):
        tail.take(f"line {index}\n", "stderr")
        tail.take("ignored\n", "stdout")
    tail.take("\r10%\r50%\r100%\n", "stderr")
    assert tail.text() == "line 998\nline 999\n100%"


def test_the_oom_counter_of_this_process_cgroup(tmp_path: Path) -> None:
    membership = Path("/proc/self/cgroup").read_text().splitlines()
    v2 = next((line.partition("::")[2] for line in membership if line.startswith("0::")), None)
    v1 = next((line.split(":", 2)[2] for line in membership if ":memory:" in line), None)
    if v2 is None and v1 is None:
        pytest.skip("no memory cgroup here")
    assert oom_kill_count(tmp_path) is None
    if v1 is not None:
        control = tmp_path / "memory" / v1.lstrip("/") / "memory.oom_control"
        control.parent.mkdir(parents=True, exist_ok=True)
        control.write_text("oom_kill_disable 0\nunder_oom 0\noom_kill 5\n")
        assert oom_kill_count(tmp_path) == 5
    if v2 is not None:
        root = tmp_path / "v2"
        events = root / v2.lstrip("/") / "memory.events"
        events.parent.mkdir(parents=True, exist_ok=True)
        events.write_text("low 0\nhigh 0\nmax 4\noom 2\noom_kill 2\n")
        assert oom_kill_count(root) == 2


ORPHANS = textwrap.dedent(
    """
    import os, subprocess, time
    from plugio.task._signals import become_subreaper, is_reaper, reap_children

    def zombies():  # our own children that exited and wait to be collected
        found = []
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                fields = open(f"/proc/{pid}/stat").read().rsplit(") ", 1)[1].split()
            except OSError:
                continue
            if fields[0] == "Z" and int(fields[1]) == os.getpid():
                found.append(int(pid))
        return found

    assert become_subreaper() and is_reaper()
    keep = subprocess.Popen(["sleep", "30"])  # the command, which subprocess waits for
    # The shell exits at once; its background sleep is orphaned to us, then exits.
    subprocess.run(["sh", "-c", "sleep 0.1 &"], check=True)
    deadline = time.monotonic() + 30
    while len(zombies()) < 1 and time.monotonic() < deadline:
        time.sleep(0.02)
    before = len(zombies())
    reaped = reap_children(keep.pid)
    left, alive = zombies(), keep.poll() is None
    keep.kill()
    print(before, reaped, left == [], alive, keep.wait())
    """
)


def test_orphans_are_reaped_but_not_the_command() -> None:
    done = subprocess.run(
        [sys.executable, "-c", ORPHANS], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    # The orphan became a zombie and was reaped; the command was left to its waiter.
    assert done.stdout.split() == ["1", "1", "True", "True", "-9"]


def test_an_unfinished_line_goes_out_in_pieces_a_reader_joins() -> None:
    lines = LineAssembler(1000)
    assert lines.feed("\rstep 10%") == []
    first = lines.take_unfinished()
    assert first == [(["\rstep 10%"], True)]
    assert lines.take_unfinished() == []  # nothing new
    assert lines.feed("\rstep 50%") == []
    second = lines.take_unfinished()
    assert lines.feed("\rstep 100%\nnext\n") == [(["\rstep 100%", "next"], False)]
    joined = first[0][0][0] + second[0][0][0] + "\rstep 100%"
    assert last_state(joined) == "step 100%"


def test_a_plain_line_cut_by_a_send_is_joined_unchanged() -> None:
    lines = LineAssembler(1000)
    lines.feed("loading")
    assert lines.take_unfinished() == [(["loading"], True)]
    assert lines.feed(" done\n") == [([" done"], False)]
    lines.feed("tail")
    lines.take_unfinished()
    lines.feed("\rredrawn")
    assert lines.finish() == [(["\rredrawn"], False)]
