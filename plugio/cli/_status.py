"""``plugio status``: the engine's view of one or many attempts, and a count of them."""

from __future__ import annotations

import enum
import sys
from collections import Counter
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from plugio.cli._liveness import STALE_AFTER, Liveness, liveness_of
from plugio.cli._output import (
    EXIT_FAILED,
    EXIT_NOT_READY,
    EXIT_SYSTEM,
    console,
    emit_json,
    literal_values,
    plugio_errors,
    show_values,
    usage,
)
from plugio.engine import AttemptState, AttemptStatus, check_attempts
from plugio.errors import NotFoundError
from plugio.readers import EarliestErrorStrategy, ErrorStrategy, SingleErrorStrategy
from plugio.storage import DataStore

_STYLE = {
    "succeeded": "green",
    "failed": "red",
    "too large": "red",
    "error": "bold red",
    "running": "cyan",
    "stalled": "yellow",
    "killed": "yellow",
    "ended": "yellow",
    "never started": "dim",
    "unknown": "yellow",
}
#: The order of the count line.
_COUNTED = tuple(_STYLE)
#: The reader's verdict on an ``outputs.pb`` without entries (Flyte's code).
_NO_OUTPUTS = "No outputs produced"


class ErrorLayout(str, enum.Enum):
    """Where an attempt leaves its error."""

    AUTO = "auto"
    SINGLE = "single"
    EARLIEST = "earliest"

    def strategy(self) -> ErrorStrategy:
        """The readers' strategy for this layout (``auto`` starts with the single file)."""
        return EarliestErrorStrategy() if self is ErrorLayout.EARLIEST else SingleErrorStrategy()


def status(
    prefixes: Annotated[
        list[str],
        typer.Argument(help="Output prefixes of task attempts; '-' reads them from stdin."),
    ],
    outputs: Annotated[
        bool, typer.Option("--outputs/--no-outputs", help="Read and show the outputs.")
    ] = True,
    concurrency: Annotated[int, typer.Option(min=1, help="Prefixes checked at once.")] = 64,
    errors: Annotated[
        ErrorLayout,
        typer.Option(
            "--errors",
            case_sensitive=False,
            help="Where attempts leave their error: 'single' reads error.pb only; "
            "'earliest' lists each prefix for the workers' error*.pb files and takes the "
            "earliest (distributed tasks); 'auto' reads error.pb, then lists the "
            "prefixes still unfinished for error-<id>.pb files.",
        ),
    ] = ErrorLayout.AUTO,
    stale_after: Annotated[
        float,
        typer.Option(min=0, help="Seconds without a heartbeat before a running attempt stalled."),
    ] = STALE_AFTER,
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON document per attempt, then the counts.")
    ] = False,
) -> None:
    """Where each attempt stands, in the order given, then a count line.

    Each attempt is one line: its prefix, its state and the details (a
    failure's code, kind, recoverability and message; the outputs; how an
    unfinished attempt stands by its stream: running with its heartbeat's age,
    stalled, killed, ended, never started). Piped, the lines are tab-separated
    and never wrapped or cut. An attempt that could not be checked, or whose
    bucket is missing or denied, is an error; the others are still shown. An
    outputs.pb without entries is a success with no outputs.
    Exit 0 when all succeeded; else 4 when one could not be checked, 1 when
    one failed or is too large, 3 when one has not finished.
    """
    prefixes = _expanded(prefixes)
    with plugio_errors():
        store = DataStore.from_url(prefixes[0])
        statuses = _check(store, prefixes, concurrency, outputs, errors)
        unfinished = [s.output_prefix for s in statuses if s.state is AttemptState.NOT_READY]
        found = liveness_of(store, unfinished, concurrency=concurrency, stale_after=stale_after)
    lives = dict(zip(unfinished, found, strict=True))
    rows = [_Row(attempt, lives.get(attempt.output_prefix)) for attempt in statuses]
    counts = Counter(row.label for row in rows)
    if as_json:
        for row in rows:
            emit_json(row.as_dict())
        emit_json({"attempts": len(rows), "counts": {k: counts[k] for k in _COUNTED if counts[k]}})
    else:
        _show(rows)
        _say_counts(len(rows), counts)
    raise typer.Exit(_exit_code(rows))


def _expanded(prefixes: list[str]) -> list[str]:
    """The prefixes, with ``-`` replaced by stdin's non-empty lines."""
    found: list[str] = []
    for prefix in prefixes:
        if prefix == "-":
            found += [line.strip() for line in sys.stdin if line.strip()]
        else:
            found.append(prefix)
    if not found:
        usage("no prefixes given")
    return found


def _check(
    store: DataStore, prefixes: list[str], concurrency: int, outputs: bool, layout: ErrorLayout
) -> list[AttemptStatus]:
    statuses = check_attempts(
        store,
        prefixes,
        concurrency=concurrency,
        read_outputs=outputs,
        error_strategy=layout.strategy(),
    )
    if layout is not ErrorLayout.AUTO:
        return statuses
    waiting = [s.output_prefix for s in statuses if s.state is AttemptState.NOT_READY]
    if not waiting:
        return statuses
    again = check_attempts(
        store,
        waiting,
        concurrency=concurrency,
        read_outputs=outputs,
        error_strategy=EarliestErrorStrategy(),
    )
    # A prefix whose listing found nothing to list (a missing bucket) keeps its first
    # answer: its liveness tells the rest.
    rechecked = {
        attempt.output_prefix: attempt
        for attempt in again
        if not isinstance(attempt.problem, NotFoundError)
    }
    return [rechecked.get(s.output_prefix, s) for s in statuses]


class _Row:
    """One attempt as shown: its engine status, and its liveness when unfinished."""

    def __init__(self, attempt: AttemptStatus, liveness: Liveness | None) -> None:
        self.attempt = attempt
        self.liveness = liveness
        # The command does not know what the task declares: an outputs.pb without
        # entries is a success with no outputs, as it is with --no-outputs.
        self.empty = _is_empty_outputs(attempt)
        if self.empty:
            self.label = "succeeded"
        elif liveness is not None and liveness.bucket_problem:
            self.label = "error"
        elif liveness is not None:
            self.label = liveness.label
        else:
            self.label = attempt.state.value.replace("_", " ")

    def details(self) -> str:
        attempt, liveness = self.attempt, self.liveness
        if liveness is not None:
            return liveness.describe()
        if attempt.problem is not None:
            return f"could not be checked: {attempt.message}"
        if self.empty:
            return "no outputs"
        if attempt.error is not None:
            error = attempt.error
            retry = "recoverable" if error.is_recoverable else "not recoverable"
            return f"{error.code} ({error.kind.name.lower()}, {retry}): {_gist(error.message)}"
        if attempt.outputs is not None:
            return show_values(literal_values(attempt.outputs))
        return ""

    def as_dict(self) -> dict[str, object]:
        attempt = self.attempt
        state = "error" if self.label == "error" else attempt.state.value
        document: dict[str, object] = {"prefix": attempt.output_prefix, "state": state}
        if self.empty:
            return {**document, "state": AttemptState.SUCCEEDED.value, "outputs": {}}
        if attempt.error is not None:
            document["error"] = {
                "code": attempt.error.code,
                "message": attempt.error.message,
                "kind": attempt.error.kind.name,
                "recoverable": attempt.error.is_recoverable,
                "worker": attempt.error.worker,
                "timestamp": attempt.error.timestamp,
            }
        problem = attempt.problem or (self.liveness.problem if self.liveness else None)
        if problem is not None:
            document["problem"] = {"type": type(problem).__name__, "message": str(problem)}
        if self.liveness is not None and self.label != "error":
            document["liveness"] = {
                "state": self.liveness.label,
                "heartbeat_age_seconds": self.liveness.heartbeat_age,
                "exit_code": self.liveness.exit_code,
            }
        if attempt.outputs is not None:
            document["outputs"] = literal_values(attempt.outputs)
        return document


def _is_empty_outputs(attempt: AttemptStatus) -> bool:
    error = attempt.error
    return (
        attempt.state is AttemptState.FAILED
        and error is not None
        and error.code == _NO_OUTPUTS
        and not error.error_uri
    )


def _gist(message: str) -> str:
    """One line of a message: its first, or a traceback's last (the exception)."""
    lines = [line for line in message.strip().splitlines() if line.strip()]
    if not lines:
        return ""
    return lines[-1].strip() if lines[0].startswith("Traceback") else lines[0]


def _show(rows: list[_Row]) -> None:
    if not console.is_terminal:  # piped: one line per attempt, never wrapped or cut
        out = sys.stdout
        for row in rows:
            out.write(f"{row.attempt.output_prefix}\t{row.label}\t{row.details()}".rstrip() + "\n")
        out.flush()
        return
    table = Table("attempt", "state", "details")
    table.columns[0].overflow = "fold"
    table.columns[2].overflow = "fold"
    for row in rows:
        state = Text(row.label, style=_STYLE.get(row.label, ""))
        table.add_row(Text(row.attempt.output_prefix), state, Text(row.details()))
    console.print(table)


def _say_counts(total: int, counts: Counter[str]) -> None:
    parts = [f"{counts[label]} {label}" for label in _COUNTED if counts[label]]
    noun = "attempt" if total == 1 else "attempts"
    line = f"{total} {noun}: {', '.join(parts)}" if parts else f"{total} {noun}"
    if console.is_terminal:
        console.print(Text(line, style="bold"))
    else:
        sys.stdout.write(line + "\n")


def _exit_code(rows: list[_Row]) -> int:
    labels = {row.label for row in rows}
    if "error" in labels:
        return EXIT_SYSTEM
    if labels & {"failed", "too large"}:
        return EXIT_FAILED
    if any(row.attempt.state is AttemptState.NOT_READY for row in rows):
        return EXIT_NOT_READY
    return 0
