"""``plugio metrics``: a task's metrics as a picture on a terminal, as plain rows when piped."""

from __future__ import annotations

import math
import sys
import time
from typing import Annotated, Any

import typer
from rich.console import Group
from rich.live import Live
from rich.table import Column, Table
from rich.text import Text

from plugio.cli._output import console, emit_json, plugio_errors
from plugio.cli._sparkline import sparkline
from plugio.cli._streams import open_stream
from plugio.stream import MetricRow, StreamEvent, StreamReader
from plugio.stream._layout import series_name

__all__ = ["metrics"]

#: Blocks in a metric's sparkline.
WIDTH = 40


def metrics(
    prefix: Annotated[str, typer.Argument(help="An attempt's output prefix.")],
    last: Annotated[
        int | None, typer.Option("--last", "-n", min=1, help="Only the last N rows.")
    ] = None,
    follow: Annotated[
        bool, typer.Option("--follow", "-f", help="Keep showing new rows until the task ends.")
    ] = False,
    interval: Annotated[float, typer.Option(help="Seconds between looks when following.")] = 1.0,
    stream_prefix: Annotated[
        bool, typer.Option("--stream-prefix", help="PREFIX is the stream itself.")
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Rows, events and summary as JSON.")
    ] = False,
) -> None:
    """Show a task's metrics, events and summary.

    On a terminal: one line per metric (a sparkline of its values, its last,
    lowest and highest value), the last rows and the summary; with --follow
    redrawn until the task ends. Piped: plain tab-separated lines, ``step``
    then one column per metric (sorted by name), then ``event`` and
    ``summary`` lines; with --follow, new rows as they come. A prefix with no
    stream is an error (exit 4); --follow waits for it instead.
    """
    with plugio_errors():
        reader, _ = open_stream(prefix, stream_prefix, wait=follow, interval=interval)
        seen = _Seen()
        if as_json:
            _json(reader, seen, last)
        elif console.is_terminal:
            _picture(reader, seen, last, follow, interval)
        else:
            _plain(reader, seen, last, follow, interval)


class _Seen:
    """What the reader gave so far."""

    def __init__(self) -> None:
        self.rows: list[MetricRow] = []
        self.events: list[StreamEvent] = []

    def take(self, reader: StreamReader) -> tuple[list[MetricRow], list[StreamEvent]]:
        records = reader.poll()
        rows = [r for r in records if isinstance(r, MetricRow)]
        events = [r for r in records if isinstance(r, StreamEvent)]
        self.rows += rows
        self.events += events
        return rows, events

    @property
    def names(self) -> list[str]:
        return sorted({name for row in self.rows for name in row.values})

    @property
    def tagged(self) -> bool:
        """Whether rows name the process that wrote them (several, through the service)."""
        return any(row.proc for row in self.rows)

    def series(self) -> list[tuple[str, list[float]]]:
        """Each metric's values in order, one series per process when rows are tagged."""
        found: dict[str, list[float]] = {}
        for row in self.rows:
            for name, value in row.values.items():
                found.setdefault(series_name(name, row.proc), []).append(value)
        return sorted(found.items())


def _json(reader: StreamReader, seen: _Seen, last: int | None) -> None:
    seen.take(reader)
    rows = seen.rows[-last:] if last else seen.rows
    emit_json(
        {
            "metrics": [row._asdict() for row in rows],
            "events": [event._asdict() for event in seen.events],
            "summary": reader.summary(),
        }
    )


def _plain(
    reader: StreamReader, seen: _Seen, last: int | None, follow: bool, interval: float
) -> None:
    rows, events = seen.take(reader)
    names, tagged = seen.names, seen.tagged
    _write("\t".join(["step", *(["proc"] if tagged else []), *names]))
    for row in rows[-last:] if last else rows:
        _write(_row_line(row, names, tagged))
    for event in events:
        _write(_event_line(event))
    while follow and not reader.finished:
        time.sleep(interval)
        rows, events = seen.take(reader)
        for row in rows:  # the columns stay those of the header
            _write(_row_line(row, names, tagged))
        for event in events:
            _write(_event_line(event))
    for key, value in sorted(reader.summary().items()):
        _write(f"summary\t{key}\t{value!r}")


def _picture(
    reader: StreamReader, seen: _Seen, last: int | None, follow: bool, interval: float
) -> None:
    seen.take(reader)
    if not follow:
        console.print(_drawing(seen, last or 10, reader.summary()))
        return
    with Live(_drawing(seen, last or 10, {}), console=console, auto_refresh=False) as live:
        while not reader.finished:
            time.sleep(interval)
            seen.take(reader)
            live.update(_drawing(seen, last or 10, {}), refresh=True)
        live.update(_drawing(seen, last or 10, reader.summary()), refresh=True)


def _drawing(seen: _Seen, last: int, summary: dict[str, Any]) -> Group:
    names, tagged = seen.names, seen.tagged
    overview = Table("metric", "values", "last", "min", "max", box=None)
    for name, values in seen.series():
        finite = [v for v in values if math.isfinite(v)] or [math.nan]
        overview.add_row(
            Text(name),
            Text(sparkline(values, WIDTH), style="cyan"),
            _number(values[-1]),
            _number(min(finite)),
            _number(max(finite)),
        )
    headers = ["proc"] if tagged else []
    recent = Table("step", *(Column(header=Text(name)) for name in [*headers, *names]), box=None)
    for row in seen.rows[-last:]:
        cells = [_number(row.values.get(name)) for name in names]
        recent.add_row(str(row.step), *([Text(row.proc or "")] if tagged else []), *cells)
    shown = min(last, len(seen.rows))
    parts: list[Any] = [overview, Text(f"last {shown} of {len(seen.rows)} rows")]
    parts += [recent] if seen.rows else []
    parts += [Text(_event_line(event).replace("\t", " ")) for event in seen.events[-last:]]
    parts += [Text(f"summary {key} = {value!r}") for key, value in sorted(summary.items())]
    return Group(*parts)


def _row_line(row: MetricRow, names: list[str], tagged: bool) -> str:
    proc = [row.proc or ""] if tagged else []
    return "\t".join([str(row.step), *proc, *(_number(row.values.get(name)) for name in names)])


def _event_line(event: StreamEvent) -> str:
    return f"event\t{event.level}\t{event.name}\t{event.attributes or ''}".rstrip()


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def _write(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()
