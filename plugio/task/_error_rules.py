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
``convert`` (outputs)       USER    yes          ``DataValidationError``
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

from plugio.execution import ErrorKind, ExecutionError
from plugio.generation import FlyteGeneration
from plugio.task._error_document import Phase, execution_error_from_exception

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
    if phase == "convert":
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


def _text(exc: BaseException) -> str:
    try:
        return str(exc)
    except Exception:
        return "<unprintable>"
