"""``plugio logs``, ``plugio metrics`` and ``plugio stream sync``: a task's live stream."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from plugio.cli._output import console, emit_json, plugio_errors
from plugio.storage import DataStore
from plugio.stream import (
    ConsoleLine,
    MetricRow,
    StreamEvent,
    StreamReader,
    attempt_stream_prefix,
    sync,
)

stream_app = typer.Typer(help="Live task streams.", no_args_is_help=True)


def _stream_prefix(prefix: str, raw: bool) -> str:
    """The stream: ``prefix`` itself, or the one ``plugio run`` keeps under it."""
    return prefix if raw else attempt_stream_prefix(prefix)


def logs(
    prefix: Annotated[str, typer.Argument(help="An attempt's output prefix (as given to run).")],
    follow: Annotated[
        bool, typer.Option("--follow", "-f", help="Keep printing new lines.")
    ] = False,
    interval: Annotated[float, typer.Option(help="Seconds between looks when following.")] = 1.0,
    stream_prefix: Annotated[
        bool, typer.Option("--stream-prefix", help="PREFIX is the stream itself.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON document per line.")] = False,
) -> None:
    """Print a task's console; with --follow, until the task ends."""
    with plugio_errors():
        store = DataStore.from_url(prefix)
        reader = StreamReader(store, _stream_prefix(prefix, stream_prefix))
        records = reader.follow(interval) if follow else reader.poll()
        for record in records:
            if isinstance(record, ConsoleLine):
                _print_line(record, as_json)
        head = reader.last_head
    if head is not None and not as_json and head.state.value != "running":
        code = "" if head.exit_code is None else f" (exit code {head.exit_code})"
        console.print(f"[dim]-- {head.state.value}{code}[/dim]")


def _print_line(line: ConsoleLine, as_json: bool) -> None:
    if as_json:
        emit_json(line._asdict())
        return
    target = sys.stderr if line.stream == "stderr" else sys.stdout
    target.write(line.text + "\n")
    target.flush()


def metrics(
    prefix: Annotated[str, typer.Argument(help="An attempt's output prefix.")],
    stream_prefix: Annotated[
        bool, typer.Option("--stream-prefix", help="PREFIX is the stream itself.")
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Rows, events and summary as JSON.")
    ] = False,
) -> None:
    """Print a task's metric rows, events and summary so far."""
    with plugio_errors():
        store = DataStore.from_url(prefix)
        snapshot = StreamReader(store, _stream_prefix(prefix, stream_prefix)).read()
    if as_json:
        emit_json(
            {
                "metrics": [row._asdict() for row in snapshot.metrics],
                "events": [event._asdict() for event in snapshot.events],
                "summary": snapshot.summary,
            }
        )
        return
    console.print(_metrics_table(snapshot.metrics))
    for event in snapshot.events:
        console.print(_event_text(event), markup=False)
    for key, value in sorted(snapshot.summary.items()):
        console.print(f"summary {key} = {value!r}", markup=False)


def _metrics_table(rows: list[MetricRow]) -> Table:
    names = sorted({name for row in rows for name in row.values})
    table = Table("step", *names)
    for row in rows:
        table.add_row(str(row.step), *(_number(row.values.get(name)) for name in names))
    return table


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def _event_text(event: StreamEvent) -> str:
    return f"event {event.level} {event.name} {event.attributes or ''}".rstrip()


@stream_app.command("sync")
def sync_command(
    journal: Annotated[Path, typer.Argument(help="A stream writer's journal folder.")],
    deadline: Annotated[float | None, typer.Option(help="Seconds to try for.")] = None,
) -> None:
    """Upload what a stopped writer left in its journal and record how the stream ended."""
    with plugio_errors():
        result = sync(journal, deadline=deadline)
    console.print(f"synced {journal}: {result}", markup=False)
