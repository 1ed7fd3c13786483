"""How the command prints: tables for people, plain lines when piped, JSON for machines.

Everything plugio prints that came from elsewhere (a path, a stored message, an
exception's text) is printed literally: as rich ``Text`` or a plain write,
never as markup, so ``[gcs]`` or ``[/some/path]`` shows as written.
"""

from __future__ import annotations

import json
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NoReturn, TextIO

import typer
from google.protobuf.json_format import MessageToDict
from rich.console import Console
from rich.text import Text

from plugio.core import LiteralMap
from plugio.errors import ConfigurationError, InvalidReferenceError, PlugioError
from plugio.literals import BlobRef, LiteralConversionError, from_literal

__all__ = [
    "EXIT_FAILED",
    "EXIT_NOT_READY",
    "EXIT_SYSTEM",
    "EXIT_USAGE",
    "console",
    "emit_json",
    "fail",
    "literal_values",
    "one_line_warnings",
    "say",
    "show_value",
    "show_values",
    "usage",
]

EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_NOT_READY = 3
EXIT_SYSTEM = 4

console = Console(highlight=False)
errors = Console(stderr=True, highlight=False, soft_wrap=True)


def say(text: str, style: str = "", *, err: bool = False) -> None:
    """Print ``text`` literally on one line (stderr with ``err``), styled on a terminal.

    What is already printed on stdout goes out first, so that both, sent to one
    pipe (``2>&1``), keep their order.
    """
    if err:
        sys.stdout.flush()
    target = errors if err else console
    if target.is_terminal:
        target.print(Text(text, style=style), soft_wrap=True)
    else:
        stream: TextIO = sys.stderr if err else sys.stdout
        stream.write(text + "\n")
        stream.flush()


def fail(message: str) -> None:
    """Print ``error: <message>`` on stderr, the message literally (after stdout's text)."""
    sys.stdout.flush()
    if errors.is_terminal:
        errors.print(Text("error: ", style="red") + Text(message), soft_wrap=True)
    else:
        sys.stderr.write(f"error: {message}\n")
        sys.stderr.flush()


def usage(message: str) -> NoReturn:
    """Refuse a bad option or value: the message, then exit 2."""
    fail(message)
    raise typer.Exit(EXIT_USAGE)


def show_value(value: Any) -> str:
    """A value as a person reads it: blobs by their location, the rest as Python."""
    if isinstance(value, BlobRef):
        return f"{'folder' if value.multipart else 'file'} {value.uri}"
    return repr(value)


def literal_values(literals: LiteralMap) -> dict[str, Any]:
    """Each literal as Python, one at a time: one plugio cannot convert never hides the rest.

    An offloaded literal is ``{"offloaded": uri, "size_bytes": n}``; any other
    literal plugio cannot turn into Python is its message as a dict.
    """
    values: dict[str, Any] = {}
    for key, literal in sorted(literals.literals.items()):
        if literal.HasField("offloaded_metadata"):
            offloaded = literal.offloaded_metadata
            values[key] = {"offloaded": offloaded.uri, "size_bytes": offloaded.size_bytes}
            continue
        try:
            values[key] = from_literal(literal)
        except LiteralConversionError:
            values[key] = MessageToDict(literal, preserving_proto_field_name=True)
    return values


def show_values(values: dict[str, Any]) -> str:
    """``name=value, ...`` as a person reads them (offloaded literals by location and size)."""
    return ", ".join(f"{name}={_shown(value)}" for name, value in values.items())


def _shown(value: Any) -> str:
    if isinstance(value, dict) and set(value) == {"offloaded", "size_bytes"}:
        return f"offloaded {value['offloaded']} ({value['size_bytes']} bytes)"
    return show_value(value)


def emit_json(value: Any) -> None:
    """One JSON document on standard output."""
    sys.stdout.write(json.dumps(value, sort_keys=True, default=_plain) + "\n")
    sys.stdout.flush()


def _plain(value: Any) -> Any:
    if isinstance(value, BlobRef):
        return value.uri
    isoformat = getattr(value, "isoformat", None)
    if callable(isoformat):
        return isoformat()
    total_seconds = getattr(value, "total_seconds", None)
    if callable(total_seconds):
        return total_seconds()
    return str(value)


def one_line_warnings() -> None:
    """Show plugio's warnings as ``warning: <message>``, one line on stderr each."""
    shown = warnings.showwarning

    def show(
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: TextIO | None = None,
        line: str | None = None,
    ) -> None:
        if not category.__module__.startswith("plugio"):
            shown(message, category, filename, lineno, file, line)
            return
        sys.stderr.write(f"warning: {message}\n")
        sys.stderr.flush()

    warnings.showwarning = show


@contextmanager
def plugio_errors() -> Iterator[None]:
    """Turn plugio's exceptions into a message on stderr and the documented exit code."""
    try:
        yield
    except (InvalidReferenceError, ConfigurationError) as exc:
        fail(str(exc))
        raise typer.Exit(EXIT_USAGE) from exc
    except PlugioError as exc:
        fail(str(exc))
        raise typer.Exit(EXIT_SYSTEM) from exc
