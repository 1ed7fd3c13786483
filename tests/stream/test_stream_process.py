"""Console output into a stream: a child process's pipes, this process's own streams."""

from __future__ import annotations

import os
import signal
import sys
import textwrap
from pathlib import Path
from types import FrameType

from plugio.storage import DataStore
from plugio.stream import StreamPolicy, StreamReader, StreamWriter, run_process

FAST = StreamPolicy(first_interval=0.02, max_interval=0.2)

PROGRAM = textwrap.dedent(
    """
    import sys
    print("starting")
    for percent in range(0, 101, 25):
        sys.stdout.write(f"\\rprogress {percent}%")
        sys.stdout.flush()
    print()
    print("warning: disk", file=sys.stderr)
    sys.stdout.buffer.write("caf\\u00e9 \\u2603\\n".encode())
    sys.stdout.buffer.write(b"bad \\xff byte\\n")
    sys.exit(3)
    """
)


def new_writer(
    tmp_path: Path, name: str, *, signals: bool = False
) -> tuple[StreamWriter, DataStore, str]:
    store = DataStore()
    prefix = f"memory://stream-process/{tmp_path.name}/{name}"
    writer = StreamWriter(
        store, prefix, journal_dir=tmp_path / name, policy=FAST, install_signal_handlers=signals
    )
    return writer, store, prefix


def test_a_child_process_output_is_streamed(tmp_path: Path) -> None:
    writer, store, prefix = new_writer(tmp_path, "child")
    exit_code = run_process(writer, [sys.executable, "-c", PROGRAM])
    assert exit_code == 3
    assert writer.close(exit_code=exit_code).complete
    snapshot = StreamReader(store, prefix).read()
    out = [line.text for line in snapshot.lines if line.stream == "stdout"]
    err = [line.text for line in snapshot.lines if line.stream == "stderr"]
    assert out == ["starting", "progress 100%", "café ☃", "bad \ufffd byte"]
    assert err == ["warning: disk"]
    assert snapshot.head is not None
    assert (snapshot.head.state, snapshot.head.exit_code) == ("failed", 3)


def test_this_process_output_is_captured_until_close(tmp_path: Path) -> None:
    writer, store, prefix = new_writer(tmp_path, "self")
    original = sys.stdout, sys.stderr
    writer.capture_output(tee=False)
    print("captured out")
    print("captured err", file=sys.stderr)
    writer.close()
    assert (sys.stdout, sys.stderr) == original
    print("not captured")
    lines = StreamReader(store, prefix).read().lines
    assert [(line.stream, line.text) for line in lines] == [
        ("stdout", "captured out"),
        ("stderr", "captured err"),
    ]


def test_sigterm_flushes_then_calls_the_previous_handler(tmp_path: Path) -> None:
    called: list[int] = []

    def previous(signum: int, frame: FrameType | None) -> None:
        called.append(signum)

    before = signal.signal(signal.SIGTERM, previous)
    try:
        writer, store, prefix = new_writer(tmp_path, "signal", signals=True)
        writer.write("before the signal\n")
        os.kill(os.getpid(), signal.SIGTERM)
        assert called == [signal.SIGTERM]
        snapshot = StreamReader(store, prefix).read()
        assert [line.text for line in snapshot.lines] == ["before the signal"]
        assert [event.attributes for event in snapshot.events] == [{"signal": "SIGTERM"}]
        assert snapshot.head is not None
        assert not snapshot.head.finished  # the program's own handler decides what follows
        writer.close()
        assert signal.getsignal(signal.SIGTERM) is previous
    finally:
        signal.signal(signal.SIGTERM, before)
