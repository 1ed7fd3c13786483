"""``plugio run`` in real subprocesses: piped, started in the background, or on a terminal."""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from plugio.core import ErrorDocument
from plugio.execution import ExecutionError

PLUGIO = str(Path(sys.executable).with_name("plugio"))


def environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    """This environment without ``PLUGIO_*`` settings or Flyte's offloading, plus ``extra``."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.upper().startswith("PLUGIO_") and not k.startswith("_F_")
    }
    return {**clean, **(extra or {})}


def run(
    *args: str, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """``plugio ARGS`` to its end, stdout and stderr piped."""
    return subprocess.run(
        [PLUGIO, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=environment(env),
        check=False,
    )


def start(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """``plugio ARGS`` started, stdout and stderr piped."""
    return subprocess.Popen(
        [PLUGIO, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment(env),
    )


def error_at(prefix: Path, name: str = "error.pb") -> ExecutionError:
    """The error document under a local output prefix."""
    document = ErrorDocument.FromString((prefix / name).read_bytes())
    return ExecutionError.from_container_error(document.error)


def head_at(prefix: Path) -> dict[str, Any]:
    """The stream head of the attempt at a local output prefix."""
    loaded: dict[str, Any] = json.loads((prefix / "stream" / "head.json").read_text())
    return loaded


def run_on_terminal(
    *args: str, env: dict[str, str] | None = None, timeout: float = 60
) -> tuple[int, bytes]:
    """``plugio ARGS`` with stdout and stderr on one pseudo-terminal; exit code and bytes."""
    main, child = os.openpty()
    process = subprocess.Popen(
        [PLUGIO, *args],
        stdin=subprocess.DEVNULL,
        stdout=child,
        stderr=child,
        env=environment({"TERM": "xterm", "COLUMNS": "100", "LINES": "40", **(env or {})}),
    )
    os.close(child)
    chunks: list[bytes] = []
    until = time.monotonic() + timeout
    while time.monotonic() < until:
        ready, _, _ = select.select([main], [], [], 0.1)
        if ready:
            try:
                data = os.read(main, 65536)
            except OSError:  # the terminal closed with the last process on it
                break
            if not data:
                break
            chunks.append(data)
        elif process.poll() is not None:
            break
    os.close(main)
    return process.wait(timeout=10), b"".join(chunks)


def screen(data: bytes, columns: int = 100) -> list[str]:
    """The rows a terminal shows after ``data``: carriage returns, newlines, erase-line."""
    text = data.decode(errors="replace")
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
    return ["".join(row).rstrip() for row in rows]
