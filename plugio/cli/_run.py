"""``plugio run``: the data plane of any command, as a sidecar does for raw containers."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TransferSpeedColumn

from plugio.cli._output import EXIT_FAILED, console, emit_json, plugio_errors
from plugio.references import join
from plugio.storage import DataStore, ProgressCallback
from plugio.task import RunResult, TaskRun


def run(
    command: Annotated[list[str], typer.Argument(help="The command to run, after --.")],
    outputs: Annotated[str, typer.Option("--outputs", help="The attempt's output prefix.")],
    inputs: Annotated[
        str | None, typer.Option("--inputs", help="The input prefix holding inputs.pb.")
    ] = None,
    raw_output_prefix: Annotated[
        str | None,
        typer.Option(help="Where blobs and checkpoints go (default: <outputs>/raw)."),
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
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Run COMMAND as a task attempt: inputs in, outputs or an error document out.

    The command sees PLUGIO_INPUT_DIR (inputs.json, a file per value, blobs),
    PLUGIO_OUTPUT_DIR (write outputs.json and/or files; error.json to fail on
    your own terms; deck.html for a deck) and PLUGIO_CHECKPOINT_DIR (restored
    from --previous-checkpoint, saved afterwards). Exit 0 when outputs were
    written, 1 when the task failed and error.pb was written, 4 when even
    that was impossible.
    """
    with plugio_errors():
        store = DataStore.from_url(outputs)
        with _progress(as_json) as progress:
            task = TaskRun(
                store,
                command,
                inputs,
                outputs,
                raw_output_prefix or join(outputs, "raw"),
                previous_checkpoint,
                declared or [],
                workdir,
                stream,
                attempt,
                progress=_reporter(progress),
            )
            result = task.execute()
        if workdir is None:
            task.cleanup()
    _report(result, outputs, as_json)
    raise typer.Exit(EXIT_FAILED if result.error is not None else 0)


def _report(result: RunResult, outputs: str, as_json: bool) -> None:
    if as_json:
        error = result.error
        emit_json(
            {
                "outputs_prefix": outputs,
                "exit_code": result.exit_code,
                "succeeded": error is None,
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
        console.print(f"[green]succeeded[/green]: outputs written under {outputs}")
        return
    error = result.error
    retry = "recoverable" if error.is_recoverable else "not recoverable"
    console.print(f"[red]failed[/red]: {error.code} ({retry}): {error.message}")
    console.print(f"error document: {error.error_uri}")


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
