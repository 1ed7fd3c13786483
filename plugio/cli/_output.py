"""How the command prints: rich tables for people, JSON lines for machines."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import typer
from rich.console import Console

from plugio.errors import ConfigurationError, InvalidReferenceError, PlugioError
from plugio.literals import BlobRef

__all__ = [
    "EXIT_FAILED",
    "EXIT_NOT_READY",
    "EXIT_SYSTEM",
    "EXIT_USAGE",
    "console",
    "emit_json",
    "show_value",
]

EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_NOT_READY = 3
EXIT_SYSTEM = 4

console = Console(highlight=False)
errors = Console(stderr=True, highlight=False, soft_wrap=True)


def show_value(value: Any) -> str:
    """A value as a person reads it: blobs by their location, the rest as Python."""
    if isinstance(value, BlobRef):
        return f"{'folder' if value.multipart else 'file'} {value.uri}"
    return repr(value)


def emit_json(value: Any) -> None:
    """One JSON document on standard output."""
    sys.stdout.write(json.dumps(value, sort_keys=True, default=_plain) + "\n")


def _plain(value: Any) -> Any:
    return value.uri if isinstance(value, BlobRef) else str(value)


@contextmanager
def plugio_errors() -> Iterator[None]:
    """Turn plugio's exceptions into a message on stderr and the documented exit code."""
    try:
        yield
    except (InvalidReferenceError, ConfigurationError) as exc:
        errors.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(EXIT_USAGE) from exc
    except PlugioError as exc:
        errors.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(EXIT_SYSTEM) from exc
