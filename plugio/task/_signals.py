"""Signals around a task's command: forwarded, with a grace period, and a hard stop.

``plugio run`` is what a pod runs as its entrypoint, so it is the process
Kubernetes sends SIGTERM to on preemption or eviction (and a person Ctrl-C).
:class:`SignalGuard` handles SIGTERM and SIGINT while an attempt runs:

- the first one is forwarded to the command's process group; if the command
  is still running after the grace period, the group is killed (SIGKILL).
  Before the command started, the attempt stops with :class:`Interrupted`;
  after it ended, the upload of what it left goes on;
- a second one stops plugio at once (see ``on_second``).

:func:`reap_children` collects exited children that are not the command's:
orphans a PID 1 (or a child subreaper) inherits and must wait for.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Callable, Mapping
from types import FrameType
from typing import Any

__all__ = [
    "DEFAULT_GRACE_PERIOD",
    "FORWARDED_SIGNALS",
    "GRACE_PERIOD_ENV",
    "Interrupted",
    "SignalGuard",
    "become_subreaper",
    "deliver_held",
    "grace_period_from_env",
    "hold_signals",
    "is_reaper",
    "reap_children",
]

FORWARDED_SIGNALS = (signal.SIGTERM, signal.SIGINT)
GRACE_PERIOD_ENV = "PLUGIO_RUN_GRACE_PERIOD"
_GRACE_SETTING = GRACE_PERIOD_ENV.removeprefix("PLUGIO_").lower()
DEFAULT_GRACE_PERIOD = 25.0
"""Seconds the command has to stop after a signal: Kubernetes' default
``terminationGracePeriodSeconds`` (30) less time to write the error document
and upload what is left."""

#: SIGTERM and SIGINT received before a guard took over (see :func:`hold_signals`).
_held: list[int] = []

_PR_SET_CHILD_SUBREAPER = 36
_PR_GET_CHILD_SUBREAPER = 37


class Interrupted(BaseException):
    """The attempt was stopped by a signal before its command started.

    A ``BaseException``, so that no ``except Exception`` of the code it
    interrupts swallows it.

    Attributes:
        signum: The signal received.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(f"stopped by {signal.Signals(signum).name}")
        self.signum = signum


class SignalGuard:
    """Handles SIGTERM and SIGINT for one attempt (install from the main thread only).

    Args:
        grace_period: Seconds between forwarding a signal and killing the
            command's process group.
        on_second: Called (in the signal handler) with the second signal's
            number; it should not return.
    """

    def __init__(self, grace_period: float, on_second: Callable[[int], Any]) -> None:
        self.grace_period = grace_period
        self.received: int | None = None
        self.signal_during_command: int | None = None
        self.killed_after_grace = False
        self._on_second = on_second
        self._group: int | None = None
        self._started = False
        self._previous: dict[int, Any] = {}
        self._timer: threading.Timer | None = None
        self._held: int | None = None

    def install(self) -> None:
        """Take over SIGTERM and SIGINT (no-op outside the main thread), and a signal
        held since the process started (see :meth:`stop_if_held`)."""
        if threading.current_thread() is not threading.main_thread():
            return
        for signum in FORWARDED_SIGNALS:
            self._previous[signum] = signal.signal(signum, self._handle)
        if _held:
            self._held = _held[0]
            _held.clear()

    def stop_if_held(self) -> None:
        """Raise :class:`Interrupted` for a signal that arrived before this guard took over."""
        if self._held is not None and self.received is None:
            self.received = self._held
            raise Interrupted(self._held)

    def uninstall(self) -> None:
        """Give the signals back to their previous handlers and stop the grace timer."""
        if self._timer is not None:
            self._timer.cancel()
        for signum, previous in self._previous.items():
            signal.signal(signum, previous)
        self._previous.clear()

    def command_starting(self) -> None:
        """The command is about to start: a signal now waits for it instead of raising."""
        self._started = True

    def command_started(self, process_group: int) -> None:
        """Forward from now on to ``process_group`` (a signal already received goes at once)."""
        self._group = process_group
        self._started = True
        if self.received is not None:
            self._forward(self.received)

    def command_ended(self) -> None:
        """The command is gone: later signals are only noted, until the second."""
        self.signal_during_command = self.received
        self._group = None
        if self._timer is not None:
            self._timer.cancel()

    def kill_command(self) -> None:
        """SIGKILL the command's process group, if it still runs."""
        if self._group is not None:
            _kill_group(self._group, signal.SIGKILL)

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.received is not None:
            self.kill_command()
            self._on_second(signum)
            return
        self.received = signum
        if self._group is not None:
            self._forward(signum)
        elif not self._started:
            raise Interrupted(signum)

    def _forward(self, signum: int) -> None:
        if self._group is None:
            return
        _kill_group(self._group, signum)
        self._timer = threading.Timer(self.grace_period, self._after_grace)
        self._timer.daemon = True
        self._timer.start()

    def _after_grace(self) -> None:
        if self._group is not None:
            self.killed_after_grace = True
            _kill_group(self._group, signal.SIGKILL)


def _kill_group(group: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):  # gone already
        os.killpg(group, signum)


def hold_signals() -> None:
    """Hold SIGTERM and SIGINT from now until a :class:`SignalGuard` takes over.

    ``plugio run`` calls this first, before its imports and checks, so that a
    signal in those first moments stops the attempt as one during its start
    does (an error document naming it), instead of ending the process with no
    trace. :func:`deliver_held` ends the process by a signal no guard took.
    """
    if threading.current_thread() is threading.main_thread():
        for signum in FORWARDED_SIGNALS:
            signal.signal(signum, _hold)


def _hold(signum: int, frame: FrameType | None) -> None:
    _held.append(signum)


def deliver_held() -> None:
    """End this process by the first signal held and not taken by a guard, as it would have."""
    if _held:
        signum = _held[0]
        _held.clear()
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)


def grace_period_from_env(environ: Mapping[str, str] | None = None) -> float:
    """``PLUGIO_RUN_GRACE_PERIOD`` in seconds, else :data:`DEFAULT_GRACE_PERIOD`.

    Read by the one reader of ``PLUGIO_*`` settings (names case-insensitive).

    Raises:
        ValueError: The variable is not a non-negative number.
    """
    from plugio._environment import gather

    found = gather({_GRACE_SETTING}, {}, environ, plain={_GRACE_SETTING})
    value = str(found.values.get(_GRACE_SETTING) or "")
    if not value.strip():
        return DEFAULT_GRACE_PERIOD
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not seconds >= 0:
        name = found.name((_GRACE_SETTING,))
        raise ValueError(f"{name} must be a number of seconds >= 0, not {value!r}")
    return seconds


def is_reaper() -> bool:
    """Whether orphaned processes are handed to this one: PID 1, or a child subreaper."""
    if os.getpid() == 1:
        return True
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        flag = ctypes.c_int(0)
        if libc.prctl(_PR_GET_CHILD_SUBREAPER, ctypes.byref(flag), 0, 0, 0) != 0:
            return False
        return flag.value != 0
    except (OSError, AttributeError):
        return False


def become_subreaper() -> bool:
    """Make this process a child subreaper (Linux); whether it worked."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False


def reap_children(keep: int | None) -> int:
    """Wait for exited children other than ``keep``; how many were collected.

    ``keep`` (the command, which ``subprocess`` waits for) is left alone: the
    exited child is looked at first without being collected.
    """
    reaped = 0
    while True:
        try:
            info = os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        except ChildProcessError:
            return reaped
        if info is None or info.si_pid == keep:
            return reaped
        with contextlib.suppress(ChildProcessError):  # collected meanwhile by its starter
            os.waitpid(info.si_pid, 0)
        reaped += 1
