"""The error document a failed task attempt writes about itself.

A task attempt that fails writes an ``ErrorDocument`` under its output prefix
and then exits 0: the engine learns of the failure from the file, not from the
exit code. :func:`report_failure` classifies an exception and writes it, the
way Flyte's SDK does:

==========================  ======  ===========================================
phase / exception           kind    recoverable
==========================  ======  ===========================================
``user``                    USER    only for :class:`RecoverableUserError`
``convert`` (inputs,        SYSTEM  never
outputs)
``platform`` (download,     SYSTEM  yes, but not for a permanent plugio error
upload)                             (not found, permission, bad request,
                                    too large, corrupt, invalid reference,
                                    configuration, missing extra)
==========================  ======  ===========================================

The code is the exception's own ``code`` attribute when it is a non-empty
``str``, else ``USER:<ExceptionType>`` (``SYSTEM:<ExceptionType>`` for the two
system phases); Flyte's SDK writes the bare ``USER`` or ``SYSTEM``, which says
less. The message is ``<ExceptionType>: <text>`` followed by the formatted
traceback, cut to :data:`MAX_MESSAGE_BYTES`; a plugio error in a system phase
(storage, say) is that first line alone, without the service's XML body. (A
plugin that reads the exit code instead sets ``FLYTE_FAIL_ON_ERROR=true``; the
caller then exits 1.)

When the environment sets a distributed error strategy (``_F_DES``, or
``FLYTE_INTERNAL_DIST_ERROR_STRATEGY``; Flyte's engine sets ``Earliest``, and
any non-empty value counts, as in Flyte's SDK), every worker writes its own
``error-<uuid4 hex>.pb`` with its name from ``_F_WN`` (or
``FLYTE_INTERNAL_WORKER_NAME``), and the engine reports the earliest.
"""

from __future__ import annotations

import logging
import os
import traceback
import uuid
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timezone
from typing import Literal

from plugio import errors
from plugio.execution import ErrorKind, ExecutionError
from plugio.paths import ERROR_FILE, OutputFilePaths
from plugio.references import join
from plugio.storage import DataStore

__all__ = [
    "MAX_MESSAGE_BYTES",
    "Phase",
    "RecoverableUserError",
    "execution_error_from_exception",
    "report_failure",
    "report_failure_async",
    "write_error_document",
    "write_error_document_async",
]

Phase = Literal["user", "convert", "platform"]
"""Where a failure happened: user code, converting inputs/outputs, or the platform's I/O."""

MAX_MESSAGE_BYTES = 16 * 1024
"""Largest error message written, in UTF-8 bytes: the summary, then the traceback's tail."""

_SUMMARY_BYTES = 4 * 1024
_STRATEGY_ENV = ("FLYTE_INTERNAL_DIST_ERROR_STRATEGY", "_F_DES")
_WORKER_ENV = ("FLYTE_INTERNAL_WORKER_NAME", "_F_WN")
_PERMANENT = (
    errors.NotFoundError,
    errors.PermissionDeniedError,
    errors.BadRequestError,
    errors.PayloadError,
    errors.InvalidReferenceError,
    errors.ConfigurationError,
    errors.MissingDependencyError,
)
logger = logging.getLogger("plugio.task")


class RecoverableUserError(Exception):
    """Raised by user code for a failure a retry may cure (a busy service, a lost lease).

    The attempt is reported as a USER error that the engine may retry, as
    Flyte's ``FlyteRecoverableException`` is.

    Args:
        *args: The exception's message, as for any exception.
        code: The error code to report; ``None`` reports ``USER:<ExceptionType>``.
    """

    def __init__(self, *args: object, code: str | None = None) -> None:
        super().__init__(*args)
        self.code = code


def execution_error_from_exception(
    exc: BaseException,
    *,
    phase: Phase = "user",
    worker: str = "",
    now: datetime | None = None,
    environ: Mapping[str, str] = os.environ,
) -> ExecutionError:
    """Classify a failure as the ``ExecutionError`` a task container reports.

    Args:
        exc: The exception that ended the attempt.
        phase: Where it happened (see the module's table).
        worker: The worker's name; empty takes ``_F_WN`` from ``environ``.
        now: When it happened (timezone-aware); defaults to the current UTC time.
        environ: The environment to read ``_F_WN`` from.

    Raises:
        ValueError: ``phase`` is not one of ``user``, ``convert``, ``platform``,
            or ``now`` is naive.
    """
    if phase not in ("user", "convert", "platform"):
        raise ValueError(f"phase must be 'user', 'convert' or 'platform', not {phase!r}")
    origin = "USER" if phase == "user" else "SYSTEM"
    own_code = getattr(exc, "code", None)
    return ExecutionError(
        code=own_code
        if isinstance(own_code, str) and own_code
        else f"{origin}:{type(exc).__name__}",
        message=_message(exc, phase),
        kind=ErrorKind.USER if phase == "user" else ErrorKind.SYSTEM,
        is_recoverable=_is_recoverable(exc, phase),
        timestamp=now if now is not None else datetime.now(timezone.utc),
        worker=worker or _env_value(environ, _WORKER_ENV),
    )


def write_error_document(
    store: DataStore,
    paths_or_output_prefix: OutputFilePaths | str,
    error: ExecutionError,
    *,
    environ: Mapping[str, str] = os.environ,
) -> str:
    """Write ``error`` as the attempt's ``ErrorDocument`` and return its reference.

    Without a distributed error strategy the document is the paths' error file
    (``<output prefix>/error.pb``), replaced if present. With one, it is a new
    ``<output prefix>/error-<uuid4 hex>.pb`` carrying the worker's name, and an
    existing object is never replaced. Either write is atomic.

    Raises:
        StorageError: The store refused the write (``AlreadyExistsError`` only if
            a fresh name was somehow taken).
        InvalidReferenceError: The output prefix is not a valid reference.
    """
    ref, document_error, if_absent = _error_target(paths_or_output_prefix, error, environ)
    store.write_protobuf(ref, document_error.to_error_document(), if_absent=if_absent)
    return ref


async def write_error_document_async(
    store: DataStore,
    paths_or_output_prefix: OutputFilePaths | str,
    error: ExecutionError,
    *,
    environ: Mapping[str, str] = os.environ,
) -> str:
    """Async twin of :func:`write_error_document`."""
    ref, document_error, if_absent = _error_target(paths_or_output_prefix, error, environ)
    await store.write_protobuf_async(ref, document_error.to_error_document(), if_absent=if_absent)
    return ref


def report_failure(
    store: DataStore,
    paths_or_output_prefix: OutputFilePaths | str,
    exc: BaseException,
    *,
    phase: Phase = "user",
    environ: Mapping[str, str] = os.environ,
) -> ExecutionError:
    """Classify ``exc``, write its error document, and return what was written.

    The returned error's ``error_uri`` is the document's reference. The caller
    should then exit 0: the engine reads the failure from the document.

    Raises:
        PlugioError: The document could not be written. The task's exception
            is the raised error's ``__cause__`` (the store's own cause stays in
            ``__context__``), and it is logged first. Exit non-zero then, so
            the engine sees a failed attempt instead of looking for outputs.
    """
    error = execution_error_from_exception(exc, phase=phase, environ=environ)
    try:
        ref = write_error_document(store, paths_or_output_prefix, error, environ=environ)
    except errors.PlugioError as write_failure:
        _log_unreported(error, write_failure)
        raise write_failure from exc
    return replace(error, error_uri=ref)


async def report_failure_async(
    store: DataStore,
    paths_or_output_prefix: OutputFilePaths | str,
    exc: BaseException,
    *,
    phase: Phase = "user",
    environ: Mapping[str, str] = os.environ,
) -> ExecutionError:
    """Async twin of :func:`report_failure`."""
    error = execution_error_from_exception(exc, phase=phase, environ=environ)
    try:
        ref = await write_error_document_async(
            store, paths_or_output_prefix, error, environ=environ
        )
    except errors.PlugioError as write_failure:
        _log_unreported(error, write_failure)
        raise write_failure from exc
    return replace(error, error_uri=ref)


# -- classification ----------------------------------------------------------
def _is_recoverable(exc: BaseException, phase: Phase) -> bool:
    if phase == "user":
        return isinstance(exc, RecoverableUserError)
    if phase == "convert":
        return False
    return not any(isinstance(link, _PERMANENT) for link in _causes(exc))


def _causes(exc: BaseException) -> list[BaseException]:
    """``exc`` and its explicit causes (``raise ... from``), without looping."""
    chain: list[BaseException] = []
    link: BaseException | None = exc
    while link is not None and all(link is not seen for seen in chain):
        chain.append(link)
        link = link.__cause__
    return chain


def one_line(exc: BaseException, limit: int = 500) -> str:
    """``exc``'s message on one line, without a storage service's XML or JSON body."""
    try:
        text = str(exc)
    except Exception:
        text = "<unprintable>"
    for body in ("<?xml", "<Error>", '{"error"'):
        text = text.split(body, 1)[0]
    text = " ".join(text.split()).rstrip(" :") or type(exc).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _message(exc: BaseException, phase: Phase) -> str:
    """``<Type>: <text>`` (its head), a blank line, then the traceback (its tail).

    A plugio error outside user code (a storage failure, say) is one line:
    its traceback is plugio's own, and the service's response body is noise.
    """
    if phase != "user" and isinstance(exc, errors.PlugioError):
        return f"{type(exc).__name__}: {one_line(exc, _SUMMARY_BYTES)}"
    try:
        text = str(exc)
    except Exception:
        text = "<unprintable>"
    summary = f"{type(exc).__name__}: {text}".encode()
    if len(summary) > _SUMMARY_BYTES:
        summary = summary[: _SUMMARY_BYTES - 3] + b"..."
    trace = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)).encode()
    room = MAX_MESSAGE_BYTES - len(summary) - 2
    if len(trace) > room:
        marker = f"... (the last {room - 64} of {len(trace)} bytes of traceback)\n".encode()
        trace = marker + trace[len(trace) - (room - 64) :]
    return (summary + b"\n\n" + trace).decode("utf-8", errors="ignore")


# -- error documents ---------------------------------------------------------
def _env_value(environ: Mapping[str, str], names: tuple[str, ...]) -> str:
    """The first of ``names`` that is set (even to ``""``), as Flyte's SDK reads them."""
    for name in names:
        if name in environ:
            return environ[name]
    return ""


def _error_target(
    paths_or_output_prefix: OutputFilePaths | str,
    error: ExecutionError,
    environ: Mapping[str, str],
) -> tuple[str, ExecutionError, bool]:
    """Where the document goes, the error to write there, and whether it must be new."""
    if not _env_value(environ, _STRATEGY_ENV):
        if isinstance(paths_or_output_prefix, OutputFilePaths):
            return paths_or_output_prefix.get_error_path(), error, False
        return join(paths_or_output_prefix, ERROR_FILE), error, False
    stem, dot, suffix = ERROR_FILE.rpartition(".")
    prefix = paths_or_output_prefix
    if isinstance(prefix, OutputFilePaths):
        prefix = prefix.get_output_prefix_path()
    ref = join(prefix, f"{stem}-{uuid.uuid4().hex}{dot}{suffix}")
    worker = _env_value(environ, _WORKER_ENV) or error.worker
    return ref, replace(error, worker=worker), True


def _log_unreported(error: ExecutionError, write_failure: BaseException) -> None:
    logger.error(
        "could not write the error document (%s); the attempt failed with %s: %s",
        write_failure,
        error.code,
        error.message.partition("\n")[0],
    )
