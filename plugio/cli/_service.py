"""``plugio service``: run the local service, see how it stands, stop it."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from plugio.cli._output import emit_json, plugio_errors, say
from plugio.service import ServicePolicy, control, serve

service_app = typer.Typer(
    help="The local service that carries the streams of many processes.",
    invoke_without_command=True,
)


@service_app.callback()
def service(
    ctx: typer.Context,
    idle_exit: Annotated[
        float | None,
        typer.Option(min=0, help="Stop after this many seconds without streams or clients."),
    ] = None,
) -> None:
    """Run the service in the foreground (a sidecar) until SIGTERM, SIGINT or service stop.

    It listens on a Unix socket in its folder (PLUGIO_SERVICE__FOLDER), finishes
    the journals an earlier service left behind, and on SIGTERM finishes every
    stream within PLUGIO_SERVICE__STOP_DEADLINE seconds. Exit 4 when another
    service holds the folder or it cannot start.
    """
    if ctx.invoked_subcommand is not None:
        return
    with plugio_errors():
        serve(ServicePolicy(), idle_exit=idle_exit)


@service_app.command("status")
def status(
    as_json: Annotated[bool, typer.Option("--json", help="One JSON document.")] = False,
) -> None:
    """How the running service stands: its streams, clients, backlog and last error.

    Exit 4 when no service runs.
    """
    with plugio_errors():
        answer: dict[str, Any] = control("status")["status"]
    if as_json:
        emit_json(answer)
        return
    say(f"service {answer['address']} (pid {answer['pid']}): {answer['clients']} client(s)")
    for stream in answer["streams"]:
        state = stream["finished"] or "running"
        say(f"stream {stream['prefix']} (epoch {stream['epoch']}, {state})")
        clients = ", ".join(stream["clients"]) or "none"
        say(f"  clients: {clients}")
        journaled, uploaded = stream["journaled"], stream["uploaded"]
        counts = ", ".join(f"{k} {journaled[k]}/{uploaded.get(k, 0)}" for k in journaled)
        say(f"  records journaled/uploaded: {counts}; backlog {stream['backlog']}")
        say(
            f"  journal {stream['journal_bytes']} bytes, {stream['backlog_bytes']} of them "
            f"not uploaded yet; {stream['chunks']} chunk(s) uploaded"
        )
        if stream["last_error"]:
            say(f"  last error: {stream['last_error']}", "red")
    if answer["last_error"]:
        say(f"last error: {answer['last_error']}", "red")


@service_app.command("stop")
def stop() -> None:
    """Stop the running service: it finishes every stream first (as killed if unfinished)."""
    with plugio_errors():
        control("stop")
    say("the plugio service is stopping")
