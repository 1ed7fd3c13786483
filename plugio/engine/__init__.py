"""What an engine calls: validate one attempt's outputs, or check thousands at once.

:func:`validate_output` follows the engine's order exactly:

1. no reader while outputs are declared → ``OutputsNotGenerated`` (recoverable);
2. ``is_error()`` is asked even when no outputs are declared, and an error
   beats outputs; an error document with no content becomes ``Unknown``;
3. no outputs declared → success;
4. ``exists()`` raising too-large → ``OutputSizeExceeded`` (not recoverable);
   any other failure raises (a system problem); missing → ``OutputsNotFound``
   (recoverable);
5. a reader that is not file-backed (``is_file()`` False) is written to the
   output paths with the given writer.

The order is written once, as a decision free of I/O that asks its questions
one at a time; :func:`validate_output` answers them with the reader's
blocking calls, :func:`validate_output_async` with its async ones.

:func:`check_attempts_async` answers "where is each of these attempts?" for
many output prefixes with the same decision (outputs declared): per prefix,
one read of the error file (an attempt that failed is answered by it), then a
HEAD of the outputs file for the others; outputs are read only when asked; no
listing unless the earliest-error layout is asked for; bounded concurrency.
An attempt that cannot be checked is reported as ERROR, never hiding the
others.
"""

from plugio.engine._batch import AttemptStatus, check_attempts, check_attempts_async
from plugio.engine._decision import AttemptState
from plugio.engine._validate import validate_output, validate_output_async

__all__ = [
    "AttemptState",
    "AttemptStatus",
    "check_attempts",
    "check_attempts_async",
    "validate_output",
    "validate_output_async",
]
