"""``plugio run`` in real subprocesses: piped, started in the background, or on a terminal.

(The command's path, a clean environment and the terminal's screen come from ``clirun``.)
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import time
from pathlib import Path
from typing import Any

from clirun import PLUGIO, environment

from plugio.core import ErrorDocument
from plugio.execution import ExecutionError


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
