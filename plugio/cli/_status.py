"""``plugio status``: the engine's view of one or many attempts."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from plugio.cli._output import (
    EXIT_FAILED,
    EXIT_NOT_READY,
    console,
    emit_json,
    plugio_errors,
    show_value,
)
from plugio.engine import AttemptState, AttemptStatus, check_attempts
from plugio.literals import from_literal_map
from plugio.storage import DataStore

_STYLE = {
    AttemptState.SUCCEEDED: "green",
    AttemptState.FAILED: "red",
    AttemptState.TOO_LARGE: "red",
    AttemptState.NOT_READY: "yellow",
}


def status(
    prefixes: Annotated[list[str], typer.Argument(help="Output prefixes of task attempts.")],
    outputs: Annotated[
        bool, typer.Option("--outputs/--no-outputs", help="Read and show the outputs.")
    ] = True,
    concurrency: Annotated[int, typer.Option(min=1, help="Prefixes checked at once.")] = 64,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON document per attempt.")] = False,
) -> None:
    """Where each attempt stands: succeeded, failed, not yet, or too large.

    A failure shows its code, kind, recoverability and message. Exit 0 when
    all succeeded, 1 when one failed or is too large, 3 when one has not
    finished.
    """
    with plugio_errors():
        store = DataStore.from_url(prefixes[0])
        statuses = check_attempts(store, prefixes, concurrency=concurrency, read_outputs=outputs)
    for attempt in statuses:
        if as_json:
            emit_json(_as_dict(attempt))
    if not as_json:
        console.print(_table(statuses))
    raise typer.Exit(_exit_code(statuses))


def _exit_code(statuses: list[AttemptStatus]) -> int:
    states = {attempt.state for attempt in statuses}
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
    if attempt.outputs is not None:
        document["outputs"] = from_literal_map(attempt.outputs)
    return document


def _table(statuses: list[AttemptStatus]) -> Table:
    table = Table("attempt", "state", "details")
    table.columns[0].overflow = "fold"
    for attempt in statuses:
        style = _STYLE[attempt.state]
        table.add_row(
            attempt.output_prefix, f"[{style}]{attempt.state.value}[/{style}]", _details(attempt)
        )
    return table


def _details(attempt: AttemptStatus) -> str:
    if attempt.error is not None:
        error = attempt.error
        retry = "recoverable" if error.is_recoverable else "not recoverable"
        return f"{error.code} ({error.kind.name.lower()}, {retry}): {error.message}"
    if attempt.outputs is not None:
        values = from_literal_map(attempt.outputs)
        return ", ".join(f"{name}={show_value(value)}" for name, value in values.items())
    return ""
