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
timestamp              timestamp (``None`` when unset)
worker                 worker
=====================  ==============================================
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime, timezone

from google.protobuf.timestamp_pb2 import Timestamp

from plugio.core import ContainerError, ErrorDocument
from plugio.core import ExecutionError as ExecutionErrorMessage

__all__ = ["ErrorKind", "ExecutionError"]


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
    """

    code: str
    message: str = ""
    kind: ErrorKind = ErrorKind.UNKNOWN
    is_recoverable: bool = False
    timestamp: datetime | None = None
    worker: str = ""
    error_uri: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if self.timestamp is not None and self.timestamp.tzinfo is None:
            raise ValueError("ExecutionError.timestamp must be timezone-aware")
        object.__setattr__(self, "kind", ErrorKind(self.kind))

    # -- ContainerError / ErrorDocument (error.pb) ---------------------------
    def to_container_error(self) -> ContainerError:
        """The ``ContainerError`` a task container writes for this failure."""
        message = ContainerError(
            code=self.code,
            message=self.message,
            kind=ContainerError.RECOVERABLE
            if self.is_recoverable
            else ContainerError.NON_RECOVERABLE,
            origin=int(self.kind),  # type: ignore[arg-type]
            worker=self.worker,
        )
        if self.timestamp is not None:
            message.timestamp.CopyFrom(_timestamp(self.timestamp))
        return message

    def to_error_document(self) -> ErrorDocument:
        """The ``ErrorDocument`` stored as ``error.pb``."""
        return ErrorDocument(error=self.to_container_error())

    @classmethod
    def from_container_error(cls, error: ContainerError, error_uri: str = "") -> ExecutionError:
        """Read a ``ContainerError``: kind from ``origin``, recoverable from ``kind``."""
        return cls(
            code=error.code,
            message=error.message,
            kind=_kind(error.origin),
            is_recoverable=error.kind == ContainerError.RECOVERABLE,
            timestamp=_datetime(error.timestamp) if error.HasField("timestamp") else None,
            worker=error.worker,
            error_uri=error_uri,
        )

    # -- the engine's ExecutionError message ----------------------------------
    def to_message(self) -> ExecutionErrorMessage:
        """The ``core.ExecutionError`` message an engine reports (recoverability is not in it)."""
        message = ExecutionErrorMessage(
            code=self.code,
            message=self.message,
            error_uri=self.error_uri,
            kind=int(self.kind),  # type: ignore[arg-type]
            worker=self.worker,
        )
        if self.timestamp is not None:
            message.timestamp.CopyFrom(_timestamp(self.timestamp))
        return message

    @classmethod
    def from_message(
        cls, message: ExecutionErrorMessage, *, is_recoverable: bool = False
    ) -> ExecutionError:
        """Build from a ``core.ExecutionError`` and the recoverability kept beside it."""
        return cls(
            code=message.code,
            message=message.message,
            kind=_kind(message.kind),
            is_recoverable=is_recoverable,
            timestamp=_datetime(message.timestamp) if message.HasField("timestamp") else None,
            worker=message.worker,
            error_uri=message.error_uri,
        )


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
