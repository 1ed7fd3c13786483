"""A writer killed mid-run loses nothing that reached its journal; SIGTERM finishes the stream."""

from __future__ import annotations

import os
import shutil
import signal
import struct
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from clirun import plugio
from rig import Rig

from plugio.stream import StreamReader, StreamState, sync

CHILD = textwrap.dedent(
    """
    import sys
    from plugio.storage import DataStore
    from plugio.stream import StreamPolicy, StreamWriter

    prefix, journal, count, signals = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    policy = StreamPolicy(first_interval=0.02, max_interval=0.2)
    writer = StreamWriter(
        DataStore(), prefix, journal_dir=journal, epoch=1, policy=policy,
        install_signal_handlers=signals == "signals",
    )
    for number in range(count):
        writer.write(f"line {number}\\n")
    writer.flush(timeout=30)  # part of the stream is uploaded...
    for number in range(count, 2 * count):
        writer.write(f"line {number}\\n")
    writer.update_summary({"written": 2 * count})
    writer.flush_journal()  # ...the rest has only reached the journal
    print("READY", flush=True)
    number = 2 * count
    while True:  # more lines, right up to the kill
        writer.write(f"line {number}\\n")
        number += 1
    """
)


def start_child(rig: Rig, journal: Path, tmp_path: Path, mode: str) -> subprocess.Popen[str]:
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    child = subprocess.Popen(
        [sys.executable, str(script), rig.ref("stream"), str(journal), "500", mode],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, **rig.environment()},
    )
    assert child.stdout is not None
    ready = child.stdout.readline().strip()
    if ready != "READY":
        child.kill()
        child.communicate()
        pytest.fail(f"the writer process did not start: {ready!r}")
    return child


def assert_whole_prefix(texts: list[str], at_least: int) -> None:
    """Lines 0..n-1 exactly once each and in order, with n at least ``at_least``."""
    assert len(texts) >= at_least
    assert texts == [f"line {number}" for number in range(len(texts))]


def test_sync_after_kill_9_recovers_every_journaled_line(rig: Rig, tmp_path: Path) -> None:
    if rig.name == "memory":
        pytest.skip("a memory store lives and dies with its process")
    journal = tmp_path / "journal"
    with start_child(rig, journal, tmp_path, "plain") as child:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    with open(journal / "stream.journal", "ab") as torn:  # as if killed mid-append
        torn.write(struct.pack(">II", 4096, 0) + b"S" + b"\0" * 100)

    reader = StreamReader(rig.store, rig.ref("stream"))
    head = reader.head()
    assert head is not None
    assert head.state is StreamState.RUNNING
    result = sync(journal, rig.store)
    assert result.complete
    assert result.state is StreamState.KILLED
    assert result.exit_code is None
    assert result.ignored_bytes > 0

    snapshot = reader.read()
    assert_whole_prefix([line.text for line in snapshot.lines], 1000)
    assert snapshot.head is not None
    assert snapshot.head.state is StreamState.KILLED
    assert snapshot.head.ended is not None
    assert snapshot.summary == {"written": 1000}
    assert not journal.joinpath("stream.journal").exists()


def test_sigterm_finishes_the_stream_before_the_process_ends(rig: Rig, tmp_path: Path) -> None:
    if rig.name != "local":
        pytest.skip("one backend is enough for signal handling")
    journal = tmp_path / "journal"
    with start_child(rig, journal, tmp_path, "signals") as child:
        os.kill(child.pid, signal.SIGTERM)
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGTERM  # it still ends as SIGTERM would end it

    snapshot = StreamReader(rig.store, rig.ref("stream")).read()
    assert snapshot.head is not None
    assert snapshot.head.state is StreamState.KILLED
    assert snapshot.head.exit_code == 128 + signal.SIGTERM
    assert_whole_prefix([line.text for line in snapshot.lines], 1000)
    assert [event.attributes for event in snapshot.events] == [{"signal": "SIGTERM"}]
    assert not journal.joinpath("stream.journal").exists()  # nothing left for sync


def test_plugio_stream_sync_says_what_it_could_not_store_and_keeps_the_journal(
    stores: Callable[[str], Rig], tmp_path: Path
) -> None:
    rig = stores("local")
    journal = tmp_path / "journal"
    with start_child(rig, journal, tmp_path, "plain") as child:
        os.kill(child.pid, signal.SIGKILL)
    stream = Path(rig.ref("stream"))
    shutil.rmtree(stream)
    stream.write_bytes(b"")  # a file where the stream's folder was: nothing can be stored
    failed = plugio("stream", "sync", str(journal), "--deadline", "2")
    assert failed.code == 4
    assert failed.stdout == ""
    message = failed.stderr.splitlines()[-1]  # after the warning the attempt logged
    assert message.startswith(f"error: {journal}: not synced (")
    assert message.endswith("left in the journal: 500 console")
    assert "FinishResult" not in failed.stderr
    assert "Traceback" not in failed.stderr
    assert journal.is_dir()  # kept for another try
    stream.unlink()
    synced = plugio("stream", "sync", str(journal))
    assert synced.code == 0, synced.stderr
    assert synced.stdout.startswith(f"synced {journal}: the stream ended killed, ")
