"""``plugio status``: the engine's view of one or many attempts."""

from __future__ import annotations

import enum
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from plugio.cli._output import (
    EXIT_FAILED,
    EXIT_NOT_READY,
    EXIT_SYSTEM,
    console,
    emit_json,
    plugio_errors,
    show_value,
)
from plugio.engine import AttemptState, AttemptStatus, check_attempts
from plugio.literals import from_literal_map
from plugio.readers import EarliestErrorStrategy, ErrorStrategy, SingleErrorStrategy
from plugio.storage import DataStore

_STYLE = {
    AttemptState.SUCCEEDED: "green",
    AttemptState.FAILED: "red",
    AttemptState.TOO_LARGE: "red",
    AttemptState.NOT_READY: "yellow",
    AttemptState.ERROR: "bold red",
}


class ErrorLayout(str, enum.Enum):
    """Where an attempt leaves its error."""

    SINGLE = "single"
    EARLIEST = "earliest"

    def strategy(self) -> ErrorStrategy:
        """The readers' strategy for this layout."""
        return EarliestErrorStrategy() if self is ErrorLayout.EARLIEST else SingleErrorStrategy()


def status(
    prefixes: Annotated[list[str], typer.Argument(help="Output prefixes of task attempts.")],
    outputs: Annotated[
        bool, typer.Option("--outputs/--no-outputs", help="Read and show the outputs.")
    ] = True,
    concurrency: Annotated[int, typer.Option(min=1, help="Prefixes checked at once.")] = 64,
    errors: Annotated[
        ErrorLayout,
        typer.Option(
            "--errors",
            case_sensitive=False,
            help="Where attempts leave their error: the single error.pb, or the earliest "
            "of the workers' error*.pb files (distributed tasks).",
        ),
    ] = ErrorLayout.SINGLE,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON document per attempt.")] = False,
) -> None:
    """Where each attempt stands: succeeded, failed, not yet, too large, or unknown.

    A failure shows its code, kind, recoverability and message; an attempt
    that could not be checked shows the problem, the others are still shown.
    Exit 0 when all succeeded; else 4 when one could not be checked, 1 when
    one failed or is too large, 3 when one has not finished.
    """
    with plugio_errors():
        store = DataStore.from_url(prefixes[0])
        statuses = check_attempts(
            store,
            prefixes,
            concurrency=concurrency,
            read_outputs=outputs,
            error_strategy=errors.strategy(),
        )
    for attempt in statuses:
        if as_json:
            emit_json(_as_dict(attempt))
    if not as_json:
        console.print(_table(statuses))
    raise typer.Exit(_exit_code(statuses))


def _exit_code(statuses: list[AttemptStatus]) -> int:
    states = {attempt.state for attempt in statuses}
    if AttemptState.ERROR in states:
        return EXIT_SYSTEM
    if states & {AttemptState.FAILED, AttemptState.TOO_LARGE}:
        return EXIT_FAILED
    if AttemptState.NOT_READY in states:
        return EXIT_NOT_READY
    return 0


def _as_dict(attempt: AttemptStatus) -> dict[str, object]:
    document: dict[str, object] = {"prefix": attempt.output_prefix, "state": attempt.state.value}
    if attempt.error is not None:
        document["error"] = {
            "code": attempt.error.code,
            "message": attempt.error.message,
            "kind": attempt.error.kind.name,
            "recoverable": attempt.error.is_recoverable,
            "worker": attempt.error.worker,
            "timestamp": attempt.error.timestamp,
        }
    if attempt.problem is not None:
        document["problem"] = {
            "type": type(attempt.problem).__name__,
            "message": str(attempt.problem),
        }
    if attempt.outputs is not None:
        document["outputs"] = from_literal_map(attempt.outputs)
    return document


def _table(statuses: list[AttemptStatus]) -> Table:
    # Prefixes, messages and values are stored text: Text, never markup.
    table = Table("attempt", "state", "details")
    table.columns[0].overflow = "fold"
    for attempt in statuses:
        state = Text(attempt.state.value, style=_STYLE[attempt.state])
        table.add_row(Text(attempt.output_prefix), state, Text(_details(attempt)))
    return table


def _details(attempt: AttemptStatus) -> str:
    if attempt.problem is not None:
        return f"could not be checked: {attempt.message}"
    if attempt.error is not None:
        error = attempt.error
        retry = "recoverable" if error.is_recoverable else "not recoverable"
        return f"{error.code} ({error.kind.name.lower()}, {retry}): {error.message}"
    if attempt.outputs is not None:
        values = from_literal_map(attempt.outputs)
        return ", ".join(f"{name}={show_value(value)}" for name, value in values.items())
    return ""
