"""The typer application behind the ``plugio`` command."""

from __future__ import annotations

from typing import Annotated

import typer

from plugio._version import __version__
from plugio.cli import _conformance, _inputs, _inspect, _logs, _metrics, _run, _service, _status
from plugio.cli._output import one_line_warnings

app = typer.Typer(
    name="plugio",
    help="The storage data plane for task plugins: run a command as a task, "
    "check attempts, decode their files.",
    epilog="Exit codes: 0 success, 1 task failed, 2 usage error, 3 not finished, "
    "4 storage or system problem.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"plugio {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_show_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """plugio: the storage data plane for task plugins."""
    one_line_warnings()


app.command("run")(_run.run)
app.command("status")(_status.status)
app.command("logs")(_logs.logs)
app.command("metrics")(_metrics.metrics)
app.command("conformance")(_conformance.conformance)
app.command("inspect")(_inspect.inspect)
app.add_typer(_inputs.app, name="inputs")
app.add_typer(_logs.stream_app, name="stream")
app.add_typer(_service.service_app, name="service")
