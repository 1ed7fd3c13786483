"""``plugio run`` as a pod's entrypoint: SIGTERM and SIGINT at random moments, for real."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import servers
from clirun import PLUGIO, environment
from runtools import error_at, head_at, run, start

from plugio.execution import ErrorKind

# Prints, then works for a while; its children are in its process group.
LONG = 'echo started; i=0; while [ $i -lt 40 ]; do echo "tick $i"; sleep 0.05; i=$((i+1)); done'


def _stop_once(folder: Path, signum: int, delay: float) -> None:
    out, tmp = folder / "out [1] #%", folder / "tmp"
    tmp.mkdir(parents=True)
    process = start("run", "--outputs", str(out), "--", "sh", "-c", LONG, env={"TMPDIR": str(tmp)})
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "started"
    time.sleep(delay)
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=60)
    name = signal.Signals(signum).name
    assert process.returncode == 128 + signum, stderr
    assert "Traceback" not in stderr, stderr
    error = error_at(out)
    assert (error.code, error.kind, error.is_recoverable) == ("Interrupted", ErrorKind.SYSTEM, True)
    assert f"received {name}" in error.message
    assert not (out / "outputs.pb").exists()
    head = head_at(out)
    assert head["state"] == "killed"
    assert list(tmp.iterdir()) == [], "the work folder was left behind"


def test_sigterm_and_sigint_at_random_moments(tmp_path: Path) -> None:
    rng = random.Random(20261207)
    trials = [
        (index, signal.SIGTERM if index % 2 else signal.SIGINT, rng.uniform(0.0, 1.2))
        for index in range(50)
    ]
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = [
            pool.submit(_stop_once, tmp_path / str(index), signum, delay)
            for index, signum, delay in trials
        ]
        for future in futures:
            future.result()


def test_a_command_that_ignores_the_signal_is_killed_after_the_grace_period(
    tmp_path: Path,
) -> None:
    out = tmp_path / "out"
    script = "trap '' TERM; echo started; sleep 30"
    process = start("run", "--grace-period", "0.5", "--outputs", str(out), "--", "sh", "-c", script)
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "started"
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=20)
    assert process.returncode == 143, stderr
    error = error_at(out)
    assert error.code == "Interrupted"
    assert "killed after the 0.5 s grace period" in error.message
    assert head_at(out)["state"] == "killed"


def test_the_grace_period_from_the_environment(tmp_path: Path) -> None:
    out = tmp_path / "out"
    script = "trap '' TERM; echo started; sleep 30"
    process = start(
        "run", "--outputs", str(out), "--", "sh", "-c", script,
        env={"PLUGIO_RUN_GRACE_PERIOD": "0.3"},
    )  # fmt: skip
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "started"
    process.send_signal(signal.SIGTERM)
    process.communicate(timeout=20)
    assert process.returncode == 143
    assert "0.3 s grace period" in error_at(out).message


def test_a_bad_grace_period_is_a_usage_error(tmp_path: Path) -> None:
    result = run(
        "run", "--outputs", str(tmp_path / "out"), "--", "true",
        env={"PLUGIO_RUN_GRACE_PERIOD": "soon"},
    )  # fmt: skip
    assert result.returncode == 2
    assert "PLUGIO_RUN_GRACE_PERIOD" in result.stderr
    assert not (tmp_path / "out").exists()


def test_a_second_signal_stops_at_once_and_keeps_the_journal(tmp_path: Path) -> None:
    out, tmp = tmp_path / "out", tmp_path / "tmp"
    tmp.mkdir()
    script = "trap '' TERM INT; echo started; sleep 30"
    process = start(
        "run", "--outputs", str(out), "--", "sh", "-c", script, env={"TMPDIR": str(tmp)}
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "started"
    process.send_signal(signal.SIGTERM)
    time.sleep(0.3)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=10)
    assert process.returncode == 130
    assert "Traceback" not in stderr
    assert "plugio stream sync" in stderr
    journal = stderr.rsplit("plugio stream sync ", 1)[1].strip()
    assert Path(journal).is_dir()
    assert head_at(out)["state"] == "running"  # only the journal knows the rest
    synced = run("stream", "sync", journal)
    assert synced.returncode == 0, synced.stderr
    assert head_at(out)["state"] != "running"


def test_reaps_orphans_when_it_is_pid_1(tmp_path: Path) -> None:
    if os.geteuid() != 0 or subprocess.run(["which", "unshare"], capture_output=True).returncode:
        pytest.skip("needs root and unshare for a PID namespace")
    out = tmp_path / "out"
    # The background sleep is orphaned at once (its shell exits), then exits itself:
    # unless PID 1 waits for it, it stays a zombie.
    script = (
        "(sleep 0.2 &); sleep 1; "
        "if grep -q ') Z ' /proc/[0-9]*/stat 2>/dev/null; then echo ZOMBIES; else echo CLEAN; fi"
    )
    done = subprocess.run(
        ["unshare", "--pid", "--fork", "--mount-proc", PLUGIO, "run", "--no-stream",
         "--outputs", str(out), "--", "sh", "-c", script],
        capture_output=True, text=True, timeout=60, env=environment(), check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "CLEAN" in done.stdout


def test_a_signal_before_the_command_started(tmp_path: Path) -> None:
    inputs, out, marker = tmp_path / "inputs", tmp_path / "out", tmp_path / "ran"
    inputs.mkdir()
    os.mkfifo(inputs / "inputs.pb")  # reading the inputs waits for a writer that never comes
    process = start("run", "--inputs", str(inputs), "--outputs", str(out),
                    "--", "sh", "-c", 'touch "$MARKER"', env={"MARKER": str(marker)})  # fmt: skip
    writer = _open_when_read(inputs / "inputs.pb", process)
    try:  # the write end stays open: the read never ends by itself
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
    finally:
        if writer is not None:
            os.close(writer)
    assert process.returncode == 143, stderr
    error = error_at(out)
    assert (error.code, error.is_recoverable) == ("Interrupted", True)
    assert "before the command started" in error.message
    assert head_at(out)["state"] == "killed"
    assert not marker.exists()


def _open_when_read(fifo: Path, process: subprocess.Popen[str]) -> int | None:
    """The FIFO's write end, opened once plugio waits to read it (nothing is written)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        try:
            return os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        except OSError:  # no reader yet
            time.sleep(0.05)
    return None


def test_the_help_names_the_grace_periods_variable_and_the_exit_codes() -> None:
    shown = run("run", "--help", env={"COLUMNS": "250"}).stdout
    assert "PLUGIO_RUN_GRACE_PERIOD" in shown
    assert "143 SIGTERM, 130 SIGINT" in shown


def test_a_stream_that_cannot_be_finished_keeps_its_journal(
    s3_server: servers.S3Server, tmp_path: Path
) -> None:
    from conftest import fault_proxy, s3_config

    from plugio.storage import DataStore

    prefix = f"s3://{s3_server.bucket}/unfinished/{tmp_path.name}"
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    with fault_proxy(s3_server.address) as proxy:
        # The stream's objects cannot be stored; the attempt's own files can.
        proxy.fail_always(503, match=lambda method, target: "/stream/" in target)
        env = {
            "TMPDIR": str(tmp),
            "PLUGIO_S3__ENDPOINT_URL": proxy.endpoint_url,
            "PLUGIO_S3__ACCESS_KEY_ID": s3_server.access_key_id,
            "PLUGIO_S3__SECRET_ACCESS_KEY": s3_server.secret_access_key,
        }
        process = start("run", "--outputs", prefix, "--", "sh", "-c", LONG, env=env)
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "started"
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=120)
    assert process.returncode == 143, stderr
    journal = stderr.rsplit("plugio stream sync ", 1)[1].strip()
    assert Path(journal).is_dir()
    assert [entry.name for entry in tmp.iterdir()] == [Path(journal).parent.name]
    assert [entry.name for entry in Path(journal).parent.iterdir()] == ["journal"]
    direct = {**env, "PLUGIO_S3__ENDPOINT_URL": s3_server.endpoint_url}
    synced = run("stream", "sync", journal, env=direct)
    assert synced.returncode == 0, synced.stderr
    store = DataStore(s3_config(s3_server))
    head = json.loads(store.read_bytes(f"{prefix}/stream/head.json"))
    assert head["state"] == "killed"


# Sends SIGTERM to its own process while plugio's command-line code is being
# imported, then runs ``plugio`` as its console script does: the signal lands
# in the first moments of ``plugio run``, before any of its own handling.
_SIGNAL_DURING_IMPORT = """
import importlib.abc, os, signal, sys

class SignalOnImport(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "plugio.cli._app":
            sys.meta_path.remove(self)
            os.kill(os.getpid(), signal.SIGTERM)
        return None

sys.meta_path.insert(0, SignalOnImport())
from plugio.cli import main
sys.argv = ["plugio", *sys.argv[1:]]
main()
"""


def test_a_signal_while_the_command_line_is_still_loading(tmp_path: Path) -> None:
    out, marker = tmp_path / "out [0]", tmp_path / "ran"
    done = subprocess.run(
        [sys.executable, "-c", _SIGNAL_DURING_IMPORT, "run", "--outputs", str(out),
         "--", "sh", "-c", 'touch "$MARKER"'],
        capture_output=True, text=True, timeout=60, env=environment({"MARKER": str(marker)}),
        check=False,
    )  # fmt: skip
    assert done.returncode == 143, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    error = error_at(out)
    assert (error.code, error.is_recoverable) == ("Interrupted", True)
    assert "SIGTERM" in error.message
    assert head_at(out)["state"] == "killed"
    assert not marker.exists()


def test_a_signal_held_for_a_run_that_never_starts_ends_the_process(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", _SIGNAL_DURING_IMPORT, "run", "--outputs", "s4://bucket/x",
         "--", "true"],
        capture_output=True, text=True, timeout=60, env=environment(), check=False,
    )  # fmt: skip
    assert done.returncode == -signal.SIGTERM, done.stderr
