"""``plugio logs`` and ``plugio stream sync``: a task's console, live or as it ended."""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer

from plugio.cli._output import EXIT_SYSTEM, emit_json, fail, plugio_errors, say
from plugio.cli._streams import open_stream
from plugio.errors import TransientStorageError
from plugio.stream import ConsoleLine, StreamHead, StreamReader, sync

stream_app = typer.Typer(help="Live task streams.", no_args_is_help=True)

#: How a line the task wrote on stderr is marked on stdout (without ``--split``).
STDERR_MARK = "stderr| "


def logs(
    prefix: Annotated[str, typer.Argument(help="An attempt's output prefix (as given to run).")],
    follow: Annotated[
        bool, typer.Option("--follow", "-f", help="Keep printing new lines until the task ends.")
    ] = False,
    interval: Annotated[float, typer.Option(help="Seconds between looks when following.")] = 1.0,
    split: Annotated[
        bool,
        typer.Option(
            "--split",
            help="The task's stderr lines on stderr, unmarked (by default every line goes "
            f"to stdout, stderr lines marked with {STDERR_MARK.strip()!r}).",
        ),
    ] = False,
    stale_after: Annotated[
        float,
        typer.Option(min=0, help="Say so when following and the task's heartbeat is this old."),
    ] = 120.0,
    stream_prefix: Annotated[
        bool, typer.Option("--stream-prefix", help="PREFIX is the stream itself.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON document per line.")] = False,
) -> None:
    """Print a task's console: every line on stdout, the task's stderr lines marked.

    Lines that processes wrote through the plugio service carry their process,
    as in "[rank 3] loss 0.5".

    With --follow, new lines as they come until the task ends; on a terminal
    the line being written (a progress bar) is drawn in place, and a task
    whose heartbeat stopped is pointed out. How the task ended (or that it is
    still running) is the last line, on stderr. A prefix with no stream is an error
    (exit 4); --follow waits for it instead, saying so on stderr.
    """
    with plugio_errors():
        reader, _ = open_stream(prefix, stream_prefix, wait=follow, interval=interval)
        printer = _Printer(as_json, split)
        if follow:
            _follow(reader, printer, interval, stale_after)
        else:
            printer.lines(reader.poll())
        printer.clear()
    _ending(reader.last_head, as_json)


def _follow(reader: StreamReader, printer: _Printer, interval: float, stale_after: float) -> None:
    warned = False
    while True:
        try:
            printer.lines(reader.poll())
        except TransientStorageError as exc:
            say(f"warning: {exc}; trying again", err=True)
        if reader.finished:
            return
        head = reader.last_head
        if not warned and head is not None and time.time() - head.heartbeat > stale_after:
            printer.clear()
            age = time.time() - head.heartbeat
            say(f"no heartbeat from the task for {age:.0f}s; still waiting", "yellow", err=True)
            warned = True
        printer.draw(reader.unfinished)
        time.sleep(interval)


def _ending(head: StreamHead | None, as_json: bool) -> None:
    if head is None or as_json:
        return
    if not head.finished:
        age = max(0.0, time.time() - head.heartbeat)
        say(f"-- still running (heartbeat {age:.0f}s ago)", "dim", err=True)
        return
    code = "" if head.exit_code is None else f" (exit code {head.exit_code})"
    say(f"-- {head.state.value}{code}", "dim", err=True)


class _Printer:
    """Writes console lines as told; on a terminal, the unfinished line drawn in place."""

    def __init__(self, as_json: bool, split: bool) -> None:
        self.as_json = as_json
        self.split = split
        self.live = not as_json and sys.stdout.isatty()
        self.drawn = False

    def lines(self, records: Sequence[object]) -> None:
        for record in records:
            if isinstance(record, ConsoleLine):
                self.line(record)

    def line(self, line: ConsoleLine) -> None:
        self.clear()
        if self.as_json:
            emit_json(line._asdict())
            return
        # The writing process, when several write the stream: "[rank 3] text", literally.
        tag = f"[{line.proc}] " if line.proc else ""
        if line.stream == "stderr" and self.split:
            sys.stdout.flush()
            sys.stderr.write(tag + line.text + "\n")
            sys.stderr.flush()
            return
        mark = STDERR_MARK if line.stream == "stderr" else ""
        sys.stdout.write(mark + tag + line.text + "\n")
        sys.stdout.flush()

    def draw(self, unfinished: dict[str, str]) -> None:
        """Show the line still being written (stdout's first), replacing the last drawing."""
        if not self.live or not unfinished:
            self.clear()
            return
        stream, text = next(iter(sorted(unfinished.items(), key=lambda item: item[0] != "stdout")))
        mark = STDERR_MARK if stream == "stderr" and not self.split else ""
        sys.stdout.write("\r\x1b[K" + mark + _last_drawing(text))
        sys.stdout.flush()
        self.drawn = True

    def clear(self) -> None:
        if self.drawn:
            sys.stdout.write("\r\x1b[K")
            sys.stdout.flush()
            self.drawn = False


def _last_drawing(text: str) -> str:
    """What a terminal would show of ``text``: the part after its last carriage return."""
    return text.rstrip("\r").rsplit("\r", 1)[-1]


@stream_app.command("sync")
def sync_command(
    journal: Annotated[Path, typer.Argument(help="A stream writer's journal folder.")],
    deadline: Annotated[float | None, typer.Option(help="Seconds to try for.")] = None,
) -> None:
    """Upload what a stopped writer left in its journal and record how the stream ended.

    Exits 0 once everything is stored, 4 when something could not be: the
    journal then stays for another try.
    """
    with plugio_errors():
        result = sync(journal, deadline=deadline)
    if result.complete:
        ended = f"the stream ended {result.state.value}, {result.chunks} chunk(s) sent"
        say(f"synced {journal}: {ended}")
        return
    left = ", ".join(f"{n} {stream}" for stream, n in result.unsent.items() if n) or "nothing"
    reason = result.error or (str(result.fenced) if result.fenced else "not finished in time")
    fail(f"{journal}: not synced ({reason}); left in the journal: {left}")
    raise typer.Exit(EXIT_SYSTEM)
