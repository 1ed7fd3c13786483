"""Running the ``plugio`` command for real: piped, or with stdout on a pseudo-terminal."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

PLUGIO = str(Path(sys.executable).with_name("plugio"))


@dataclass
class Result:
    """What a run of the command left: its exit code and its two outputs."""

    code: int
    stdout: str
    stderr: str


def environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    """This environment without ``PLUGIO_*`` settings or Flyte's offloading, plus ``extra``."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.upper().startswith("PLUGIO_") and not k.startswith("_F_")
    }
    return {**clean, "NO_COLOR": "", **(extra or {})}


def plugio(*args: str, env: dict[str, str] | None = None, timeout: float = 120) -> Result:
    """The command with stdout and stderr piped."""
    done = subprocess.run(
        [PLUGIO, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=environment(env),
        check=False,
    )
    return Result(done.returncode, done.stdout, done.stderr)


def plugio_tty(
    *args: str, env: dict[str, str] | None = None, timeout: float = 120, columns: int = 100
) -> Result:
    """The command with stdout on a pseudo-terminal (raw bytes decoded), stderr piped."""
    main, child = os.openpty()
    os.set_blocking(main, False)
    terminal = {"TERM": "xterm-256color", "COLUMNS": str(columns), "LINES": "40"}
    process = subprocess.Popen(
        [PLUGIO, *args],
        stdin=subprocess.DEVNULL,
        stdout=child,
        stderr=subprocess.PIPE,
        env=environment({**terminal, **(env or {})}),
    )
    os.close(child)
    assert process.stderr is not None
    errors: list[bytes] = []
    reading = threading.Thread(target=lambda: errors.append(process.stderr.read()))  # type: ignore[union-attr]
    reading.start()
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    try:
        while True:
            if time.monotonic() > deadline:
                process.kill()
                raise TimeoutError(f"plugio {' '.join(args)} ran past {timeout}s")
            ready, _, _ = select.select([main], [], [], 0.1)
            if ready:
                try:
                    data = os.read(main, 65536)
                except OSError:  # EIO: every writer of the terminal is gone
                    data = b""
                if data:
                    chunks.append(data)
                    continue
                if process.poll() is not None:
                    break
                time.sleep(0.05)
            elif process.poll() is not None:
                break
    finally:
        os.close(main)
        reading.join()
        process.stderr.close()
    return Result(process.wait(), b"".join(chunks).decode(), b"".join(errors).decode())


def screen(data: str | bytes, columns: int = 100) -> list[str]:
    """The rows a terminal shows after ``data``, blank ones left out: carriage returns,
    newlines, erase-line, cursor to column 1, and lines wrapped at ``columns``."""
    text = data.decode(errors="replace") if isinstance(data, bytes) else data
    rows: list[list[str]] = [[]]
    column = 0
    index = 0
    while index < len(text):
        char = text[index]
        if char == "\x1b":  # CSI: honour "erase line" and cursor-to-column-1, skip the rest
            end = index + 2
            while end < len(text) and not ("@" <= text[end] <= "~"):
                end += 1
            command = text[index + 2 : end + 1]
            if command.endswith("K"):
                del rows[-1][column:]
            elif command.endswith("G"):
                column = 0
            index = end + 1
            continue
        if char == "\r":
            column = 0
        elif char == "\n":
            rows.append([])
            column = 0
        elif char >= " ":
            row = rows[-1]
            if column >= columns:
                rows.append([])
                row, column = rows[-1], 0
            if column < len(row):
                row[column] = char
            else:
                row.append(char)
            column += 1
        index += 1
    shown = ("".join(row).rstrip() for row in rows)
    return [row for row in shown if row]
