"""How a failed attempt classifies its exception, by the rules of either Flyte generation.

Flyte 1's rules are :func:`~plugio.task.execution_error_from_exception`'s.
Flyte 2's runtime classifies differently, and :func:`flyte2_error_from_exception`
follows it:

==========================  ======  ===========  ====================================
phase / exception           kind    recoverable  code
==========================  ======  ===========  ====================================
``user``                    USER    yes, but     the exception's ``code`` attribute,
                                    not for      else its class name (``ValueError``)
                                    :class:`NonRecoverableUserError`
``convert`` (outputs), or   USER    yes          ``DataValidationError``
a conversion error
``platform``                SYSTEM  yes          the ``code`` attribute, else the
                                                 class name
==========================  ======  ===========  ====================================

The message is ``str(exc)`` (Flyte 2 keeps no traceback in it), and the
document has no timestamp or worker: Flyte 2's ``ContainerError`` has no place
for them. A Flyte 2 exception class named ``NonRecoverableError`` (the SDK's
own) counts as :class:`NonRecoverableUserError`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import replace

from plugio import errors
from plugio.execution import ErrorKind, ExecutionError
from plugio.generation import FlyteGeneration
from plugio.literals import LiteralConversionError
from plugio.paths import OutputFilePaths
from plugio.storage import DataStore
from plugio.task._error_document import (
    Phase,
    execution_error_from_exception,
    report_failure,
    write_error_document,
)

# error_for_generation and report_failure_for are plugio run's, not exported.
__all__ = ["NonRecoverableUserError", "error_from_exception", "flyte2_error_from_exception"]

_CONVERSION_CODE = "DataValidationError"
_FLYTE2_NON_RECOVERABLE = "NonRecoverableError"


class NonRecoverableUserError(Exception):
    """Raise it from task code to report a user error the engine must not retry (Flyte 2).

    Flyte 2 retries a plain user exception; this is its ``NonRecoverableError``.

    Args:
        *args: The exception's message, as for any exception.
        code: The error code to report; ``None`` reports the class name.
    """

    def __init__(self, *args: object, code: str | None = None) -> None:
        super().__init__(*args)
        self.code = code


def flyte2_error_from_exception(exc: BaseException, *, phase: Phase = "user") -> ExecutionError:
    """Classify a failure as Flyte 2's runtime does (see the module's table).

    Raises:
        ValueError: ``phase`` is not one of ``user``, ``convert``, ``platform``.
    """
    if phase not in ("user", "convert", "platform"):
        raise ValueError(f"phase must be 'user', 'convert' or 'platform', not {phase!r}")
    message = _text(exc)
    if phase == "convert" or isinstance(exc, LiteralConversionError):
        return ExecutionError(_CONVERSION_CODE, message, ErrorKind.USER, is_recoverable=True)
    own_code = getattr(exc, "code", None)
    code = own_code if isinstance(own_code, str) and own_code else type(exc).__name__
    if phase == "platform":
        return ExecutionError(code, message, ErrorKind.SYSTEM, is_recoverable=True)
    recoverable = not any(
        cls is NonRecoverableUserError or cls.__name__ == _FLYTE2_NON_RECOVERABLE
        for cls in type(exc).__mro__
    )
    return ExecutionError(code, message, ErrorKind.USER, is_recoverable=recoverable)


def error_from_exception(
    exc: BaseException,
    *,
    phase: Phase = "user",
    generation: FlyteGeneration | int | str = FlyteGeneration.FLYTE1,
    environ: Mapping[str, str] = os.environ,
) -> ExecutionError:
    """Classify a failure by the rules of ``generation``.

    Raises:
        ValueError: ``phase`` or ``generation`` is not valid.
    """
    if FlyteGeneration.parse(generation) is FlyteGeneration.FLYTE2:
        return flyte2_error_from_exception(exc, phase=phase)
    return execution_error_from_exception(exc, phase=phase, environ=environ)


def error_for_generation(
    error: ExecutionError, generation: FlyteGeneration | int | str
) -> ExecutionError:
    """``error`` as ``generation`` stores it: Flyte 2 keeps no timestamp or worker."""
    if FlyteGeneration.parse(generation) is FlyteGeneration.FLYTE2:
        return replace(error, timestamp=None, worker="")
    return error


def report_failure_for(
    store: DataStore,
    paths_or_output_prefix: OutputFilePaths | str,
    exc: BaseException,
    *,
    phase: Phase = "user",
    generation: FlyteGeneration | int | str = FlyteGeneration.FLYTE1,
    environ: Mapping[str, str] = os.environ,
) -> ExecutionError:
    """:func:`~plugio.task.report_failure`, classifying by the rules of ``generation``.

    Raises:
        PlugioError: the document could not be written (the task's exception
            is its ``__cause__``).
    """
    if FlyteGeneration.parse(generation) is FlyteGeneration.FLYTE1:
        return report_failure(store, paths_or_output_prefix, exc, phase=phase, environ=environ)
    error = flyte2_error_from_exception(exc, phase=phase)
    try:
        ref = write_error_document(store, paths_or_output_prefix, error, environ=environ)
    except errors.PlugioError as write_failure:
        raise write_failure from exc
    return replace(error, error_uri=ref)


def _text(exc: BaseException) -> str:
    try:
        return str(exc)
    except Exception:
        return "<unprintable>"
