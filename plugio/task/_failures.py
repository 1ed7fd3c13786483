"""How the end of a command becomes the attempt's error, as Flyte's engine would see it.

==========================================  ======  ===========  ==========================
what happened                               kind    recoverable  code
==========================================  ======  ===========  ==========================
``plugio run`` got SIGTERM or SIGINT        SYSTEM  yes          ``Interrupted``
(preemption, eviction, Ctrl-C)
the command could not be started (not       USER    no           ``USER:CommandNotFound``,
found, not executable)                                           ``USER:CommandNotStarted``
killed by SIGKILL (or exit code 137) while  USER    yes          ``OOMKilled``
the cgroup's ``oom_kill`` counter rose
killed by SIGKILL (or exit code 137)        USER    yes          ``Interrupted``
killed by another signal                    SYSTEM  yes          ``SYSTEM:Signal<NAME>``
a non-zero exit code                        USER    no           ``USER:ExitCode<n>``
==========================================  ======  ===========  ==========================

(Under ``plugio run --flyte 2`` a non-zero exit is recoverable: Flyte 2 retries a
user's failure unless it says otherwise.)

``OOMKilled`` and ``Interrupted`` are the codes Flyte's engine gives a pod
whose container was OOM-killed or ended by SIGKILL (exit code 137), as a
retryable failure. A message ends with the last lines of the command's stderr.
"""

from __future__ import annotations

import shlex
import signal
from collections.abc import Sequence

from plugio.execution import ErrorKind, ExecutionError
from plugio.generation import FlyteGeneration
from plugio.task._command import CommandOutcome

__all__ = ["command_failure", "interrupted_error"]

_SIGKILL_EXIT = 128 + signal.SIGKILL


def command_failure(
    outcome: CommandOutcome,
    command: Sequence[str],
    generation: FlyteGeneration = FlyteGeneration.FLYTE1,
) -> ExecutionError | None:
    """The error of a command that ended as ``outcome``; None when it succeeded.

    A non-zero exit is recoverable for Flyte 2, which retries a user's failure
    unless it says otherwise, and not for Flyte 1.
    """
    shown = _shown(command)
    if outcome.start_error is not None:
        return _start_failure(outcome.start_error, shown)
    code = outcome.exit_code
    if code is None or code == 0:
        return None
    if code == -signal.SIGKILL or code == _SIGKILL_EXIT:
        how = "was killed by SIGKILL" if code < 0 else f"exited with code {code} (SIGKILL)"
        if outcome.oom_killed:
            message = f"the command {how}: out of memory (the kernel's OOM killer): {shown}"
            return _error("OOMKilled", message, outcome, ErrorKind.USER, recoverable=True)
        message = f"the command {how} (the node shut down, or out of memory?): {shown}"
        return _error("Interrupted", message, outcome, ErrorKind.USER, recoverable=True)
    if code < 0:
        name = _signal_name(-code)
        message = f"the command was killed by {name}: {shown}"
        return _error(f"SYSTEM:Signal{name}", message, outcome, ErrorKind.SYSTEM, recoverable=True)
    message = f"the command exited with code {code}: {shown}"
    recoverable = generation is FlyteGeneration.FLYTE2
    return _error(f"USER:ExitCode{code}", message, outcome, ErrorKind.USER, recoverable=recoverable)


def interrupted_error(
    signum: int,
    outcome: CommandOutcome | None,
    command: Sequence[str],
    *,
    grace_period: float,
    killed_after_grace: bool,
) -> ExecutionError:
    """The error of an attempt stopped because ``plugio run`` got ``signum``."""
    name = _signal_name(signum)
    if outcome is None or outcome.start_error is not None:
        ending = "before the command started"
    elif killed_after_grace:
        ending = f"the command was killed after the {grace_period:g} s grace period"
    elif outcome.exit_code is not None and outcome.exit_code < 0:
        ending = f"the command was ended by {_signal_name(-outcome.exit_code)}"
    else:
        ending = f"the command exited with code {outcome.exit_code}"
    message = (
        f"plugio run received {name} (preemption, eviction or a stop request); "
        f"{ending}: {_shown(command)}"
    )
    return _error("Interrupted", message, outcome, ErrorKind.SYSTEM, recoverable=True)


def _start_failure(exc: OSError, shown: str) -> ExecutionError:
    if isinstance(exc, FileNotFoundError):
        code, why = "USER:CommandNotFound", "not found"
    elif isinstance(exc, PermissionError):
        code, why = "USER:CommandNotStarted", "not executable (permission denied)"
    else:
        code, why = "USER:CommandNotStarted", exc.strerror or str(exc)
    message = f"the command could not be started: {why}: {shown}"
    return ExecutionError(code, message, ErrorKind.USER, is_recoverable=False)


def _error(
    code: str,
    message: str,
    outcome: CommandOutcome | None,
    kind: ErrorKind,
    *,
    recoverable: bool,
) -> ExecutionError:
    if outcome is not None and outcome.stderr_tail:
        message = f"{message}\n\nthe last lines of its stderr:\n{outcome.stderr_tail}"
    return ExecutionError(code, message, kind, is_recoverable=recoverable)


def _signal_name(signum: int) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"


def _shown(command: Sequence[str]) -> str:
    text = shlex.join(command)
    return text if len(text) <= 300 else text[:297] + "..."
