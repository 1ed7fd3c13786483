"""``plugio inspect``: decode an inputs/outputs file, an error document or an offloaded literal."""

from __future__ import annotations

import enum
from typing import Annotated, Any

import typer
from google.protobuf.json_format import MessageToDict
from google.protobuf.message import Message

from plugio.cli._output import (
    emit_json,
    literal_values,
    plugio_errors,
    say,
    show_value,
    show_values,
)
from plugio.core import ErrorDocument, Literal, LiteralMap
from plugio.execution import ExecutionError
from plugio.literals import LiteralConversionError, from_literal
from plugio.references import name
from plugio.storage import DataStore


class Kind(str, enum.Enum):
    """What the file holds; ``auto`` decides from its name."""

    auto = "auto"
    literal_map = "literal-map"
    error = "error"
    literal = "literal"


def inspect(
    ref: Annotated[str, typer.Argument(help="A file: inputs.pb, outputs.pb, error.pb, ...")],
    kind: Annotated[Kind, typer.Option("--type", help="What the file holds.")] = Kind.auto,
    as_json: Annotated[bool, typer.Option("--json", help="The message as JSON.")] = False,
    limit: Annotated[
        int | None, typer.Option(help="Refuse files larger than this many bytes.")
    ] = None,
) -> None:
    """Decode a stored file into readable text (or JSON with --json)."""
    chosen = _kind_of(ref) if kind is Kind.auto else kind
    with plugio_errors():
        store = DataStore.from_url(ref)
        message = store.read_protobuf(ref, _MESSAGES[chosen], limit=limit)
    if as_json:
        emit_json({"ref": ref, "type": chosen.value, "message": _to_dict(message)})
        return
    say(f"{ref} ({chosen.value})", "bold")
    for line in _describe(message):
        say(line)


_MESSAGES: dict[Kind, type[Message]] = {
    Kind.literal_map: LiteralMap,
    Kind.error: ErrorDocument,
    Kind.literal: Literal,
}


def _kind_of(ref: str) -> Kind:
    file_name = name(ref)
    if file_name.startswith("error") and file_name.endswith(".pb"):
        return Kind.error
    if file_name.endswith("_offloaded_metadata.pb"):
        return Kind.literal
    return Kind.literal_map


def _to_dict(message: Message) -> dict[str, Any]:
    return MessageToDict(message, preserving_proto_field_name=True)


def _describe(message: Message) -> list[str]:
    if isinstance(message, ErrorDocument):
        error = ExecutionError.from_container_error(message.error)
        retry = "recoverable" if error.is_recoverable else "not recoverable"
        lines = [f"error {error.code}: {error.kind.name.lower()}, {retry}"]
        lines += [f"  worker: {error.worker}"] if error.worker else []
        lines += [f"  at: {error.timestamp.isoformat()}"] if error.timestamp else []
        return [*lines, *("  " + line for line in error.message.splitlines())]
    try:
        if isinstance(message, LiteralMap):
            values = literal_values(message)
            lines = [show_values({key: value}) for key, value in values.items()]
            return lines or ["(no values)"]
        return [show_value(from_literal(message))]  # type: ignore[arg-type]
    except LiteralConversionError:  # a literal plugio cannot turn into Python: show it raw
        return [str(_to_dict(message))]
