"""``plugio run``: the data plane of any command, as a sidecar does for raw containers.

Fit to be a pod's entrypoint: prefixes are checked before the command starts,
SIGTERM and SIGINT are forwarded to the command with a grace period, and every
message is printed as plain text (a path with brackets stays as it is).
"""

from __future__ import annotations

import shlex
from typing import Annotated

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TransferSpeedColumn
from rich.text import Text

from plugio.cli._output import (
    EXIT_SYSTEM,
    EXIT_USAGE,
    console,
    emit_json,
    errors,
    plugio_errors,
)
from plugio.cli._run_summary import SERVICE_ENV, print_run_summary, service_from_env
from plugio.generation import FlyteGeneration
from plugio.storage import DataStore, ProgressCallback
from plugio.task import RunOptions, RunResult, TaskRun
from plugio.task._preflight import PreflightError
from plugio.task._signals import GRACE_PERIOD_ENV, grace_period_from_env


def run(
    command: Annotated[list[str], typer.Argument(help="The command to run, after --.")],
    outputs: Annotated[str, typer.Option("--outputs", help="The attempt's output prefix.")],
    inputs: Annotated[
        str | None, typer.Option("--inputs", help="The input prefix holding inputs.pb.")
    ] = None,
    raw_output_prefix: Annotated[
        str | None,
        typer.Option(
            help="Where blobs and checkpoints go (default: <outputs>/raw; <outputs> for --flyte 2)."
        ),
    ] = None,
    previous_checkpoint: Annotated[
        str, typer.Option(help="The previous attempt's checkpoint prefix, to restore.")
    ] = "",
    declared: Annotated[
        list[str] | None,
        typer.Option("--output", help="A declared output name; missing ones fail the task."),
    ] = None,
    workdir: Annotated[
        str | None, typer.Option(help="Working folder (default: a new temporary one).")
    ] = None,
    attempt: Annotated[int, typer.Option(min=0, help="The attempt number (fences streams).")] = 0,
    stream: Annotated[
        bool, typer.Option("--stream/--no-stream", help="Stream the console to <outputs>/stream.")
    ] = True,
    service: Annotated[
        bool | None,
        typer.Option(
            "--service/--no-service",
            help="Stream through the local plugio service, started if need be: the command's "
            "processes can write to the stream too, each line tagged with its process "
            f"[env {SERVICE_ENV}; default off].",
        ),
    ] = None,
    grace_period: Annotated[
        float | None,
        typer.Option(
            min=0,
            help=f"Seconds the command has to stop after SIGTERM/SIGINT before it is "
            f"killed (env {GRACE_PERIOD_ENV}; default 25).",
        ),
    ] = None,
    flyte: Annotated[
        str | None,
        typer.Option(
            "--flyte",
            metavar="1|2",
            help="The Flyte generation to write for: report name, outputs' form, error rules, "
            "checkpoint form [env PLUGIO_FLYTE; default 1].",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Run COMMAND as a task attempt: inputs in, outputs or an error document out.

    The command sees PLUGIO_INPUT_DIR (inputs.json, a file per value, blobs),
    PLUGIO_OUTPUT_DIR (write outputs.json and/or files; error.json to fail on
    your own terms; deck.html for a deck), PLUGIO_CHECKPOINT_DIR (restored
    from --previous-checkpoint, saved afterwards) and PLUGIO_METRICS (append
    JSON lines such as {"step": 1, "loss": 0.5}). A command that writes
    outputs.pb or error.pb under --outputs itself (an SDK's entrypoint) keeps
    them. With --service the command's processes (and their children) also
    get PLUGIO_SERVICE_TOKEN and PLUGIO_SERVICE_STREAM, through which
    plugio.service.connect() (or any program speaking the service's
    protocol) writes lines, metrics and events to the attempt's stream; the
    run ends with a summary of its metrics.

    Exit codes: 0 outputs written; 1 the task failed (its error document
    written); 2 a bad option or prefix, nothing ran; 4 storage refused before
    the command ran, or even the error document could not be written; 128+N
    stopped by signal N (143 SIGTERM, 130 SIGINT): the signal was forwarded to
    the command, and a recoverable Interrupted error document written. A
    second signal stops at once, keeping the stream's journal for plugio
    stream sync.
    """
    with plugio_errors():
        grace = grace_period if grace_period is not None else _grace_from_env()
        store = DataStore.from_url(outputs)
        generation = _generation(flyte, store)
        progress = _progress(as_json)
        task = TaskRun(
            store,
            command,
            outputs,
            inputs=inputs,
            raw_output_prefix=raw_output_prefix,
            previous_checkpoint=previous_checkpoint,
            options=RunOptions(
                declared_outputs=declared or [],
                workdir=workdir,
                stream=stream,
                attempt=attempt,
                grace_period=grace,
                progress=_reporter(progress),
                on_command_start=progress.stop,
                on_command_end=progress.start,
                flyte=generation,
            ),
            service=_service(service),
        )
        _preflight(task)
        try:
            with progress:
                result = task.execute()
        finally:
            progress.stop()
            task.cleanup()
    if task.stream_finish is not None and not as_json:
        print_run_summary(task.stream_finish)
    _report(result, outputs, as_json)
    if result.unsent_journal is not None:
        journal = shlex.quote(result.unsent_journal)
        hint = (
            f"plugio run: the stream is not finished; upload the rest: plugio stream sync {journal}"
        )
        errors.print(Text(hint), soft_wrap=True)
    raise typer.Exit(result.exit_status)


def _service(option: bool | None) -> bool:
    """``--service``, else ``PLUGIO_RUN_SERVICE`` (1/true/yes/on or 0/false/no/off)."""
    if option is not None:
        return option
    try:
        return service_from_env()
    except ValueError as exc:
        errors.print(Text(f"error: {exc}"), soft_wrap=True)
        raise typer.Exit(EXIT_USAGE) from exc


def _grace_from_env() -> float:
    try:
        return grace_period_from_env()
    except ValueError as exc:
        errors.print(Text(f"error: {exc}"), soft_wrap=True)
        raise typer.Exit(EXIT_USAGE) from exc


def _generation(flyte: str | None, store: DataStore) -> FlyteGeneration:
    """``--flyte``, else the store's (``PLUGIO_FLYTE``)."""
    if not flyte:
        return store.flyte
    try:
        return FlyteGeneration.parse(flyte)
    except ValueError as exc:
        errors.print(Text(f"error: --flyte: {exc}"), soft_wrap=True)
        raise typer.Exit(EXIT_USAGE) from exc


def _preflight(task: TaskRun) -> None:
    try:
        task.preflight()
    except PreflightError as exc:
        errors.print(Text(f"error: {exc}"), soft_wrap=True)
        task.cleanup()
        raise typer.Exit(EXIT_USAGE if exc.usage else EXIT_SYSTEM) from exc


def _report(result: RunResult, outputs: str, as_json: bool) -> None:
    if as_json:
        error = result.error
        emit_json(
            {
                "outputs_prefix": outputs,
                "exit_code": result.exit_code,
                "succeeded": error is None,
                "signal": result.signal,
                "written_by_command": result.written_by_command,
                "outputs": result.outputs,
                "error": None
                if error is None
                else {
                    "code": error.code,
                    "message": error.message,
                    "kind": error.kind.name,
                    "recoverable": error.is_recoverable,
                    "ref": error.error_uri,
                },
            }
        )
        return
    if result.error is None:
        line = Text("succeeded", style="green") + Text(f": outputs written under {outputs}")
        console.print(line, soft_wrap=True)
        return
    error = result.error
    retry = "recoverable" if error.is_recoverable else "not recoverable"
    head = f": {error.code} ({retry}): {error.message}"
    errors.print(Text("failed", style="red") + Text(head), soft_wrap=True)
    errors.print(Text(f"error document: {error.error_uri}"), soft_wrap=True)


def _progress(quiet: bool) -> Progress:
    return Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        console=console,
        transient=True,
        disable=quiet or not console.is_terminal,
    )


def _reporter(progress: Progress) -> ProgressCallback:
    task_id = progress.add_task("transfer", total=None, visible=False)

    def report(done: int, total: int) -> None:
        progress.update(task_id, completed=done, total=total, visible=True)

    return report
