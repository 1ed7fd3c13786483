"""``plugio inputs``: write an inputs file from the command line, or show one; no Python needed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from plugio.cli._output import (
    emit_json,
    literal_values,
    plugio_errors,
    say,
    show_values,
    usage,
)
from plugio.cli._typed import TYPES, TypedValueError, parse_item
from plugio.core import LiteralMap
from plugio.literals import LocalBlob
from plugio.paths import INPUTS_FILE
from plugio.references import join
from plugio.storage import DataStore
from plugio.task import write_inputs

SET_HELP = (
    "NAME=VALUE (JSON when it parses: 3, true, [1, 2], '\"3\"' for a string; else the "
    f"text) or NAME:TYPE=VALUE with TYPE one of {', '.join(TYPES)}. E.g. "
    "when:datetime=2024-05-01T12:00:00Z, wait:duration=1h30m, cfg:struct='{\"lr\": 0.1}', "
    "rows:file:csv=rows.csv, model:folder=s3://bucket/model."
)

app = typer.Typer(help="Create or show task inputs.", no_args_is_help=True)


@app.command("create")
def create(
    prefix: Annotated[str, typer.Argument(help="The input prefix; inputs.pb is written there.")],
    values: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            help=SET_HELP,
        ),
    ] = None,
    files: Annotated[
        list[str] | None,
        typer.Option("--file", help="NAME=PATH: a local file or folder, uploaded as a blob."),
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
    """Write PREFIX/inputs.pb from --set, --file and --json-file values.

    A typed --set stores the literal a task declaring that type reads:
    datetime (ISO 8601 with a timezone), date, duration (90s, 1h30m, 1.5h,
    250ms, 2d, or seconds), struct (a JSON object: a dataclass or a pydantic
    model), file and folder (local ones are uploaded; a format after a second
    colon), str, int, float, bool and json. Later values win over earlier ones.
    """
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
        say(f"wrote {ref} ({', '.join(sorted(collected)) or 'no values'})")


@app.command("show")
def show(
    prefix: Annotated[str, typer.Argument(help="The input prefix holding inputs.pb.")],
    as_json: Annotated[bool, typer.Option("--json", help="The values as JSON.")] = False,
) -> None:
    """Print the values of PREFIX/inputs.pb, one NAME=VALUE a line."""
    with plugio_errors():
        ref = join(prefix, INPUTS_FILE)
        values = literal_values(DataStore.from_url(prefix).read_protobuf(ref, LiteralMap))
    if as_json:
        emit_json({"ref": ref, "values": values})
        return
    for name, value in values.items():
        say(show_values({name: value}))
    if not values:
        say("(no values)")


def _collect(values: list[str], files: list[str], json_file: Path | None) -> dict[str, Any]:
    collected: dict[str, Any] = {}
    if json_file is not None:
        try:
            document = json.loads(json_file.read_text())
        except (OSError, ValueError) as exc:
            usage(f"--json-file {json_file}: {exc}")
        if not isinstance(document, dict):
            usage(f"--json-file {json_file}: expected a JSON object of name: value")
        collected.update(document)
    for item in values:
        try:
            name, value = parse_item(item)
        except TypedValueError as exc:
            usage(f"--set {exc}")
        collected[name] = value
    for item in files:
        name, separator, path = item.partition("=")
        if not separator or not name:
            usage(f"--file {item!r}: expected NAME=PATH")
        if not Path(path).exists():
            usage(f"--file {name}: {path} does not exist")
        collected[name] = LocalBlob(path)
    return collected
