"""What a task attempt is given (:class:`RunOptions`) and how it ended (:class:`RunResult`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from plugio.execution import ExecutionError
from plugio.generation import FlyteGeneration
from plugio.storage import ProgressCallback
from plugio.task._signals import DEFAULT_GRACE_PERIOD

__all__ = ["RunOptions", "RunResult"]


@dataclass(frozen=True)
class RunOptions:
    """How an attempt runs, beyond where its data lives.

    Attributes:
        declared_outputs: Output names the command must produce.
        workdir: The working folder; None for a new temporary one, which
            :meth:`TaskRun.cleanup` removes.
        stream: Stream the command's console and metrics to ``<outputs>/stream``.
        attempt: The attempt number, which fences the stream's writers.
        grace_period: Seconds the command has to stop after a forwarded
            SIGTERM or SIGINT before its process group is killed.
        handle_signals: Take over SIGTERM and SIGINT while the attempt runs
            (only possible from the main thread).
        progress: Called with (bytes done, bytes in all) during transfers.
        on_command_start: Called just before the command starts (a display
            of transfers should end there: the command owns the terminal).
        on_command_end: Called once the command ended.
        flyte: The Flyte generation whose files the attempt writes: the
            report's name, the outputs' form, how errors are classified and
            written, the checkpoint's form.
    """

    declared_outputs: Sequence[str] = ()
    workdir: str | None = None
    stream: bool = True
    attempt: int = 0
    grace_period: float = DEFAULT_GRACE_PERIOD
    handle_signals: bool = True
    progress: ProgressCallback | None = None
    on_command_start: Callable[[], None] | None = None
    on_command_end: Callable[[], None] | None = None
    flyte: FlyteGeneration = FlyteGeneration.FLYTE1


@dataclass
class RunResult:
    """How the run ended.

    Attributes:
        exit_code: The command's exit code (negative: killed by that signal);
            None when it never ran.
        error: The attempt's error document (its ``error_uri`` set), or None
            when it succeeded.
        outputs: The outputs written, printable (local files as their paths);
            empty when the command wrote ``outputs.pb`` itself.
        workdir: The working folder.
        signal: The signal that stopped the attempt (SIGTERM, SIGINT), if any.
        written_by_command: The command wrote ``outputs.pb`` or the error
            document itself, and they were kept.
        unsent_journal: The stream's journal folder, when the stream could not
            be finished in time: ``plugio stream sync`` uploads the rest.
            :meth:`TaskRun.cleanup` keeps it.
    """

    exit_code: int | None
    error: ExecutionError | None = None
    outputs: dict[str, Any] = field(default_factory=dict)
    workdir: str = ""
    signal: int | None = None
    written_by_command: bool = False
    unsent_journal: str | None = None

    @property
    def exit_status(self) -> int:
        """What ``plugio run`` exits with: 0, 1 (failed), or 128 + the signal that stopped it."""
        if self.signal is not None:
            return 128 + self.signal
        return 0 if self.error is None else 1
