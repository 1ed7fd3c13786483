"""ExecutionError: a task's own failure, as a value (never raised).

An ``ExecutionError`` is what a task attempt reports about itself: a code, a
message, who is to blame (``kind``), and whether the engine may try again
(``is_recoverable``). It is stored as ``error.pb``, an ``ErrorDocument``
holding a ``ContainerError``; the conversion is lossless both ways:

=====================  ==============================================
ExecutionError         ContainerError
=====================  ==============================================
code, message          code, message
kind                   origin (UNKNOWN / USER / SYSTEM)
is_recoverable         kind (RECOVERABLE, else NON_RECOVERABLE)
timestamp              timestamp (``None`` when unset; Flyte 1 only)
worker                 worker (Flyte 1 only)
=====================  ==============================================

Flyte 2's engine may prefix a code with its own, ``RetriesExhausted|<code>``;
reading keeps only the task's code, as Flyte 2's SDK does. Flyte 2's
``ExecutionError`` message also carries the recoverability (``recoverability``)
and a GPU fault (``gpu_fault``); :meth:`ExecutionError.from_message` honours
the first when the caller does not say, and both survive a round trip.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime, timezone

from google.protobuf.timestamp_pb2 import Timestamp

from plugio.core import ContainerError, ErrorDocument, GpuFault
from plugio.core import ExecutionError as ExecutionErrorMessage
from plugio.generation import FlyteGeneration

__all__ = ["SERVER_CODES", "ErrorKind", "ExecutionError", "strip_server_code"]

SERVER_CODES = frozenset({"RetriesExhausted"})
"""Codes Flyte's engine puts before a task's own code, as ``<server code>|<code>``."""


class ErrorKind(enum.IntEnum):
    """Who a failure is attributed to (``ExecutionError.ErrorKind`` on the wire)."""

    UNKNOWN = 0
    USER = 1
    SYSTEM = 2


@dataclass(frozen=True)
class ExecutionError:
    """A task attempt's failure.

    Attributes:
        code: a short machine-readable code (``USER:ValueError``, ``OOMKilled``).
        message: the human-readable explanation.
        kind: who is to blame; the engine reports user and system failures apart.
        is_recoverable: whether the engine may retry the attempt.
        timestamp: when the failure happened (timezone-aware), if known.
        worker: which worker wrote it (distributed tasks), or ``""``.
        error_uri: where the full error document is stored, if known.
        gpu_fault: the GPU fault Flyte 2's engine blamed the failure on, if any.
    """

    code: str
    message: str = ""
    kind: ErrorKind = ErrorKind.UNKNOWN
    is_recoverable: bool = False
    timestamp: datetime | None = None
    worker: str = ""
    error_uri: str = field(default="", compare=False)
    gpu_fault: GpuFault | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.timestamp is not None and self.timestamp.tzinfo is None:
            raise ValueError("ExecutionError.timestamp must be timezone-aware")
        object.__setattr__(self, "kind", ErrorKind(self.kind))

    # -- ContainerError / ErrorDocument (error.pb) ---------------------------
    def to_container_error(
        self, generation: FlyteGeneration | int | str = FlyteGeneration.FLYTE1
    ) -> ContainerError:
        """The ``ContainerError`` a task container writes for this failure.

        Flyte 2's ``ContainerError`` has no ``timestamp`` or ``worker``: for
        ``FLYTE2`` they are left out, as Flyte 2's runtime leaves them.
        """
        flyte2 = FlyteGeneration.parse(generation) is FlyteGeneration.FLYTE2
        message = ContainerError(
            code=self.code,
            message=self.message,
            kind=ContainerError.RECOVERABLE
            if self.is_recoverable
            else ContainerError.NON_RECOVERABLE,
            origin=int(self.kind),  # type: ignore[arg-type]
            worker="" if flyte2 else self.worker,
        )
        if self.timestamp is not None and not flyte2:
            message.timestamp.CopyFrom(_timestamp(self.timestamp))
        return message

    def to_error_document(
        self, generation: FlyteGeneration | int | str = FlyteGeneration.FLYTE1
    ) -> ErrorDocument:
        """The ``ErrorDocument`` stored as ``error.pb`` (see :meth:`to_container_error`)."""
        return ErrorDocument(error=self.to_container_error(generation))

    @classmethod
    def from_container_error(cls, error: ContainerError, error_uri: str = "") -> ExecutionError:
        """Read a ``ContainerError``: kind from ``origin``, recoverable from ``kind``.

        A server's prefix on the code (``RetriesExhausted|<code>``) is dropped.
        """
        return cls(
            code=strip_server_code(error.code),
            message=error.message,
            kind=_kind(error.origin),
            is_recoverable=error.kind == ContainerError.RECOVERABLE,
            timestamp=_datetime(error.timestamp) if error.HasField("timestamp") else None,
            worker=error.worker,
            error_uri=error_uri,
        )

    # -- the engine's ExecutionError message ----------------------------------
    def to_message(
        self, generation: FlyteGeneration | int | str = FlyteGeneration.FLYTE1
    ) -> ExecutionErrorMessage:
        """The ``core.ExecutionError`` message an engine reports.

        Flyte 1's message has no place for the recoverability; Flyte 2's has
        (``recoverability``), and its ``gpu_fault`` too: both are set for
        ``FLYTE2`` only, so Flyte 1's bytes stay as they were.
        """
        message = ExecutionErrorMessage(
            code=self.code,
            message=self.message,
            error_uri=self.error_uri,
            kind=int(self.kind),  # type: ignore[arg-type]
            worker=self.worker,
        )
        if self.timestamp is not None:
            message.timestamp.CopyFrom(_timestamp(self.timestamp))
        if FlyteGeneration.parse(generation) is FlyteGeneration.FLYTE2:
            if self.is_recoverable:
                message.recoverability = ContainerError.RECOVERABLE
            if self.gpu_fault is not None:
                message.gpu_fault.CopyFrom(self.gpu_fault)
        return message

    @classmethod
    def from_message(
        cls, message: ExecutionErrorMessage, *, is_recoverable: bool | None = None
    ) -> ExecutionError:
        """Build from a ``core.ExecutionError``.

        ``is_recoverable`` is the recoverability kept beside a Flyte 1 message;
        ``None`` takes it from the message's own ``recoverability`` (Flyte 2),
        whose default is not recoverable. A server's prefix on the code is
        dropped.
        """
        if is_recoverable is None:
            is_recoverable = message.recoverability == ContainerError.RECOVERABLE
        return cls(
            code=strip_server_code(message.code),
            message=message.message,
            kind=_kind(message.kind),
            is_recoverable=is_recoverable,
            timestamp=_datetime(message.timestamp) if message.HasField("timestamp") else None,
            worker=message.worker,
            error_uri=message.error_uri,
            gpu_fault=message.gpu_fault if message.HasField("gpu_fault") else None,
        )


def strip_server_code(code: str) -> str:
    """The task's own code: ``"RetriesExhausted|ValueError"`` gives ``"ValueError"``.

    Flyte's engine puts its own code before the task's when it gives up
    retrying, separated by ``|``; that prefix is dropped and the rest stripped
    of surrounding spaces. Flyte 2's SDK drops whatever comes before a first
    ``|``; plugio drops only the engine's prefixes (:data:`SERVER_CODES`), so
    that any other code, which may hold a ``|``, reads back as written.
    """
    server, bar, rest = code.partition("|")
    if bar and server.strip() in SERVER_CODES:
        return rest.strip()
    return code


def _kind(value: int) -> ErrorKind:
    try:
        return ErrorKind(value)
    except ValueError:  # a kind from a newer schema
        return ErrorKind.UNKNOWN


def _timestamp(value: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(value.astimezone(timezone.utc))
    return stamp


def _datetime(value: Timestamp) -> datetime:
    return value.ToDatetime(tzinfo=timezone.utc)
