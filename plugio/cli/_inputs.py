"""``plugio inputs``: write an inputs file from the command line, no Python needed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from plugio.cli._output import EXIT_USAGE, console, emit_json, errors, plugio_errors
from plugio.literals import LocalBlob
from plugio.references import join
from plugio.storage import DataStore
from plugio.task import write_inputs

app = typer.Typer(help="Create task inputs.", no_args_is_help=True)


@app.command("create")
def create(
    prefix: Annotated[str, typer.Argument(help="The input prefix; inputs.pb is written there.")],
    values: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            help="name=value; the value is read as JSON when it parses (3, true, [1, 2], "
            '"3" for a string), else taken as a string.',
        ),
    ] = None,
    files: Annotated[
        list[str] | None,
        typer.Option("--file", help="name=PATH: a local file or folder, uploaded as a blob."),
    ] = None,
    json_file: Annotated[
        Path | None, typer.Option("--json-file", help="A JSON object of name: value.")
    ] = None,
    raw_output_prefix: Annotated[
        str | None, typer.Option(help="Where blobs go (default: <prefix>/raw).")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print what was written as JSON.")
    ] = False,
) -> None:
    """Write PREFIX/inputs.pb from --set, --file and --json-file values."""
    collected = _collect(values or [], files or [], json_file)
    with plugio_errors():
        ref = write_inputs(
            DataStore.from_url(prefix),
            prefix,
            collected,
            raw_output_prefix=raw_output_prefix or join(prefix, "raw"),
        )
    if as_json:
        emit_json({"ref": ref, "names": sorted(collected)})
    else:
        console.print(f"wrote {ref} ({', '.join(sorted(collected)) or 'no values'})")


def _collect(values: list[str], files: list[str], json_file: Path | None) -> dict[str, Any]:
    collected: dict[str, Any] = {}
    if json_file is not None:
        document = json.loads(json_file.read_text())
        if not isinstance(document, dict):
            _usage(f"{json_file}: expected a JSON object of name: value")
        collected.update(document)
    for item in values:
        name, text = _split(item, "--set")
        collected[name] = _parse_value(text)
    for item in files:
        name, path = _split(item, "--file")
        if not Path(path).exists():
            _usage(f"--file {name}: {path} does not exist")
        collected[name] = LocalBlob(path)
    return collected


def _split(item: str, option: str) -> tuple[str, str]:
    name, separator, value = item.partition("=")
    if not separator or not name:
        _usage(f"{option} {item!r}: expected name=value")
    return name, value


def _parse_value(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def _usage(message: str) -> None:
    errors.print(f"[red]error:[/red] {message}")
    raise typer.Exit(EXIT_USAGE)
