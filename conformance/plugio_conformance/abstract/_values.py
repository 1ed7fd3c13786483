"""Values the abstract tests write and expect: literal maps, error documents, exact sizes."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from datetime import datetime, timezone
from typing import Any, Final, TypeVar

from google.protobuf.timestamp_pb2 import Timestamp

from plugio.core import ContainerError, ErrorDocument, LiteralMap
from plugio.execution import ErrorKind, ExecutionError

__all__ = [
    "FLYTE_MAX_PAYLOAD_BYTES",
    "LIMIT",
    "STAMP",
    "container_error",
    "error_document_of_size",
    "failure",
    "integers",
    "outputs_of_size",
    "run_async",
    "stamp",
]

T = TypeVar("T")

#: Flyte's default size limit for outputs and error files (``maxDownloadMBs`` 2).
FLYTE_MAX_PAYLOAD_BYTES: Final = 2 * 1024 * 1024

#: The size limit most tests give a reader: small, so files over it are cheap.
LIMIT: Final = 64

#: A timestamp with microseconds, in UTC, as task containers write them.
STAMP: Final = datetime(2024, 2, 21, 12, 30, 15, 250000, tzinfo=timezone.utc)


def run_async(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run an async twin to completion in a fresh event loop."""
    return asyncio.run(coroutine)


def integers(**values: int) -> LiteralMap:
    """A literal map of integer primitives."""
    literals = LiteralMap()
    for name, value in values.items():
        literals.literals[name].scalar.primitive.integer = value
    return literals


def outputs_of_size(size: int) -> LiteralMap:
    """A literal map whose encoding is exactly ``size`` bytes (at least 6)."""
    for pad in range(max(0, size - 32), size):  # the framing is under 32 bytes
        literals = LiteralMap()
        literals.literals["x"].scalar.primitive.string_value = "a" * pad
        if literals.ByteSize() == size:
            return literals
    raise ValueError(f"no literal map encodes to exactly {size} bytes")


def error_document_of_size(size: int) -> ErrorDocument:
    """An error document whose encoding is exactly ``size`` bytes (at least 7)."""
    for pad in range(max(0, size - 32), size):
        document = ErrorDocument(error=ContainerError(code="E", message="m" * pad))
        if document.ByteSize() == size:
            return document
    raise ValueError(f"no error document encodes to exactly {size} bytes")


def stamp(value: datetime) -> Timestamp:
    """``value`` as a protobuf ``Timestamp``."""
    message = Timestamp()
    message.FromDatetime(value)
    return message


def container_error(
    *,
    code: str = "USER:ValueError",
    message: str = "bad input",
    recoverable: bool = False,
    origin: int = ErrorKind.USER,
    when: datetime | None = STAMP,
    worker: str = "",
) -> ContainerError:
    """A ``ContainerError`` as a task container writes it in ``error.pb``."""
    error = ContainerError(
        code=code,
        message=message,
        kind=ContainerError.RECOVERABLE if recoverable else ContainerError.NON_RECOVERABLE,
        origin=origin,  # type: ignore[arg-type]
        worker=worker,
    )
    if when is not None:
        error.timestamp.CopyFrom(stamp(when))
    return error


def failure(
    code: str = "USER:ValueError",
    *,
    kind: ErrorKind = ErrorKind.USER,
    recoverable: bool = False,
    when: datetime | None = STAMP,
    worker: str = "",
) -> ExecutionError:
    """An ``ExecutionError`` as a task reports its own failure."""
    return ExecutionError(code, f"{code} failed", kind, recoverable, when, worker)
