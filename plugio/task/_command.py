"""Running an attempt's command: its own process group, its console, its end.

The command runs in a process group of its own, so that a signal
``plugio run`` receives reaches the command once, forwarded by
:class:`~plugio.task._signals.SignalGuard` (a terminal's Ctrl-C would
otherwise reach it twice); outside the terminal's foreground it could not
read the terminal, so when standard input is one the command gets
``/dev/null`` instead. Its stdout and stderr are copied to the stream
and to this process's own, unchanged (a progress bar's redraws included),
and the tail of its stderr is kept for the error document. When the command
has ended, processes it left behind that still hold its console open get
:data:`LINGER_SECONDS`, then the group is killed, as a container's are when
its main process ends.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from plugio.stream import StreamWriter, pump_process
from plugio.task._metrics import MetricsFile
from plugio.task._signals import SignalGuard, is_reaper, reap_children

__all__ = ["LINGER_SECONDS", "CommandOutcome", "StderrTail", "oom_kill_count", "run_command"]

LINGER_SECONDS = 5.0
"""How long processes the command left behind may keep its console open."""

# A process group of its own (Python 3.10 has no ``process_group``).
_OWN_GROUP: dict[str, Any] = (
    {"process_group": 0} if sys.version_info >= (3, 11) else {"preexec_fn": os.setpgrp}
)
TAIL_LINES = 20
TAIL_CHARS = 4096


@dataclass(frozen=True)
class CommandOutcome:
    """How the command ended.

    Attributes:
        exit_code: Its exit code, negative for the signal that killed it;
            None when it could not be started.
        start_error: Why it could not be started.
        stderr_tail: The last lines of its stderr (at most :data:`TAIL_LINES`
            lines and :data:`TAIL_CHARS` characters).
        oom_killed: The out-of-memory killer killed a process of this
            container while the command ran (the cgroup's ``oom_kill`` counter rose).
    """

    exit_code: int | None
    start_error: OSError | None = None
    stderr_tail: str = ""
    oom_killed: bool = False


class StderrTail:
    """Keeps the end of the text written to stderr, as a terminal would show it."""

    def __init__(self, max_lines: int = TAIL_LINES, max_chars: int = TAIL_CHARS) -> None:
        self._max_lines = max_lines
        self._max_chars = max_chars
        self._pieces: deque[str] = deque()
        self._chars = 0
        self._lock = threading.Lock()

    def take(self, text: str, stream: str) -> None:
        """Keep ``text`` if it is stderr's."""
        if stream != "stderr":
            return
        with self._lock:
            self._pieces.append(text)
            self._chars += len(text)
            while self._pieces and self._chars - len(self._pieces[0]) >= self._max_chars * 2:
                self._chars -= len(self._pieces.popleft())

    def text(self) -> str:
        """The last lines, each in its last drawn state (``\\r`` redraws collapsed)."""
        with self._lock:
            joined = "".join(self._pieces)
        lines = [_drawn(line) for line in joined.split("\n")]
        lines = [line for line in lines if line.strip()][-self._max_lines :]
        text = "\n".join(lines)
        if len(text) > self._max_chars:
            text = "..." + text[len(text) - self._max_chars + 3 :]
        return text


def _drawn(line: str) -> str:
    drawings = [part for part in line.split("\r") if part]
    return drawings[-1] if drawings else ""


def run_command(
    command: Sequence[str],
    env: Mapping[str, str],
    *,
    writer: StreamWriter | None,
    guard: SignalGuard,
    metrics: MetricsFile | None = None,
) -> CommandOutcome:
    """Run ``command`` to its end, its console copied to ``writer`` and this process's own."""
    oom_before = oom_kill_count()
    stdin = subprocess.DEVNULL if _stdin_is_terminal() else None
    guard.command_starting()
    try:
        process = subprocess.Popen(
            list(command),
            stdin=stdin,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=dict(env),
            **_OWN_GROUP,
        )
    except OSError as exc:
        guard.command_ended()
        return CommandOutcome(None, start_error=exc)
    guard.command_started(process.pid)
    tail = StderrTail()
    if metrics is not None:
        metrics.start()
    try:
        _wait(process, writer, tail)
    finally:
        guard.command_ended()
        if metrics is not None:
            metrics.stop()
        for pipe in (process.stdout, process.stderr):
            if pipe is not None:
                pipe.close()
    exit_code = process.wait()
    if is_reaper():
        reap_children(None)  # the orphans that ended after the command
    oom_after = oom_kill_count()
    oom = oom_before is not None and oom_after is not None and oom_after > oom_before
    return CommandOutcome(exit_code, stderr_tail=tail.text(), oom_killed=oom)


def _wait(process: subprocess.Popen[bytes], writer: StreamWriter | None, tail: StderrTail) -> None:
    pumping = threading.Thread(
        target=pump_process,
        args=(process, writer),
        kwargs={"tee": True, "observer": tail.take},
        name="plugio-command",
        daemon=True,
    )
    pumping.start()
    reaper = is_reaper()
    ended_at: float | None = None
    killed = False
    while pumping.is_alive():
        pumping.join(0.1)
        if reaper:
            reap_children(process.pid)
        if ended_at is None:
            if process.returncode is not None or _exited(process):
                ended_at = time.monotonic()
            continue
        waited = time.monotonic() - ended_at
        if not killed and waited >= LINGER_SECONDS:
            _kill_group(process.pid)
            killed = True
        elif killed and waited >= LINGER_SECONDS + 2:
            return  # something outside the group holds the console: leave it


def _exited(process: subprocess.Popen[bytes]) -> bool:
    try:
        info = os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    except ChildProcessError:
        return True
    return info is not None


def _kill_group(group: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(group, signal.SIGKILL)


def _stdin_is_terminal() -> bool:
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except (ValueError, OSError):
        return False


def oom_kill_count(cgroup_root: Path = Path("/sys/fs/cgroup")) -> int | None:
    """This process's cgroup's ``oom_kill`` counter; None when unknown.

    cgroup v2 keeps it in ``memory.events``, v1 in the memory controller's
    ``memory.oom_control`` (Linux 4.13 and later).
    """
    try:
        membership = Path("/proc/self/cgroup").read_text()
    except OSError:
        return None
    for line in membership.splitlines():
        _, controllers, path = line.split(":", 2) if line.count(":") >= 2 else ("", "", "")
        relative = path.lstrip("/")
        if line.startswith("0::"):
            found = _counter(cgroup_root / relative / "memory.events", "oom_kill")
        elif "memory" in controllers.split(","):
            found = _counter(cgroup_root / "memory" / relative / "memory.oom_control", "oom_kill")
        else:
            continue
        if found is not None:
            return found
    return None


def _counter(events: Path, name: str) -> int | None:
    try:
        text = events.read_text()
    except OSError:
        return None
    for line in text.splitlines():
        key, _, value = line.partition(" ")
        if key == name and value.strip().isdigit():
            return int(value)
    return None
