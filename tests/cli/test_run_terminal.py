"""The command owns the terminal while it runs; its unfinished line reaches the stream."""

from __future__ import annotations

import time
from pathlib import Path

from runtools import run_on_terminal, start

from plugio.storage import DataStore
from plugio.stream import StreamReader, attempt_stream_prefix

# A progress bar as tqdm draws one: redraws after "\r", on stderr, then a newline.
BAR = r"""
import sys, time
for i in range(0, 101, 5):
    sys.stderr.write("\rtraining: %3d%%|%s%s|" % (i, "#" * (i // 5), " " * (20 - i // 5)))
    sys.stderr.flush()
    time.sleep(0.02)
sys.stderr.write("\n")
sys.stderr.flush()
time.sleep(0.3)  # stdout and stderr are two pipes: no order between them
print("done [ok]")
"""


def test_a_progress_bar_ends_as_one_row_on_the_terminal(tmp_path: Path) -> None:
    from clirun import screen

    inputs = tmp_path / "inputs"
    code, data = run_on_terminal("inputs", "create", str(inputs), "--set", "n=1")
    assert code == 0, data
    code, data = run_on_terminal(
        "run", "--inputs", str(inputs), "--outputs", str(tmp_path / "out"),
        "--", "python", "-c", BAR,
    )  # fmt: skip
    assert code == 0, data
    rows = [row for row in screen(data) if row.strip()]
    bar_rows = [row for row in rows if row.startswith("training:")]
    assert bar_rows == ["training: 100%|####################|"], rows
    assert "done [ok]" in rows
    assert rows[-1].startswith("succeeded: outputs written under ")


SLOW_BAR = r"""
import sys, time
for i in range(0, 101, 10):
    sys.stdout.write("\rstep %d%%" % i)
    sys.stdout.flush()
    time.sleep(0.4 if i < 100 else 0)
sys.stdout.write("\n")
"""


def test_the_stream_shows_the_current_drawing_of_an_unfinished_line(tmp_path: Path) -> None:
    out = tmp_path / "out"
    process = start("run", "--outputs", str(out), "--", "python", "-c", SLOW_BAR)
    reader = StreamReader(DataStore.from_url(str(out)), attempt_stream_prefix(str(out)))
    seen: list[str] = []
    while process.poll() is None:
        reader.poll()
        drawing = reader.unfinished.get("stdout")
        if drawing and (not seen or seen[-1] != drawing):
            seen.append(drawing)
        time.sleep(0.1)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 0, stderr
    snapshot = StreamReader(DataStore.from_url(str(out)), attempt_stream_prefix(str(out))).read()
    lines = [line.text for line in snapshot.lines]
    assert seen, "the bar was never visible while it ran"
    assert all(drawing.startswith("step ") and "\r" not in drawing for drawing in seen)
    assert len(seen) >= 2  # it moved on while the line was unfinished
    assert lines[-1] == "step 100%"


COUNT_SIGINT = r"""
import signal, sys, time
got = []
signal.signal(signal.SIGINT, lambda *_: got.append(1))
print("ready", flush=True)
deadline = time.monotonic() + 20
while not got and time.monotonic() < deadline:
    time.sleep(0.05)
time.sleep(0.5)  # a second delivery would arrive meanwhile
print(f"child saw SIGINT {len(got)} time(s)", flush=True)
"""


def test_ctrl_c_on_the_terminal_reaches_the_command_once(tmp_path: Path) -> None:
    import fcntl
    import os
    import select
    import subprocess
    import termios

    from clirun import PLUGIO, environment, screen

    out = tmp_path / "out"
    main, child = os.openpty()

    def take_terminal() -> None:  # a session of its own, with the terminal as its own
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    process = subprocess.Popen(
        [PLUGIO, "run", "--outputs", str(out), "--", "python", "-c", COUNT_SIGINT],
        stdin=child, stdout=child, stderr=child, start_new_session=True,
        preexec_fn=take_terminal, env=environment({"TERM": "xterm", "COLUMNS": "100"}),
    )  # fmt: skip
    os.close(child)
    data = b""
    typed = False
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([main], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(main, 65536)
            except OSError:
                break
            if not chunk:
                break
            data += chunk
            if not typed and b"ready" in data:
                os.write(main, b"\x03")  # Ctrl-C: SIGINT to the terminal's foreground group
                typed = True
        elif process.poll() is not None:
            break
    os.close(main)
    assert process.wait(timeout=30) == 130
    rows = screen(data)
    assert [row for row in rows if row.endswith("child saw SIGINT 1 time(s)")], rows
    assert not [row for row in rows if "Traceback" in row or "Bad file descriptor" in row]
    assert any(row.startswith("failed: Interrupted (recoverable)") for row in rows), rows
