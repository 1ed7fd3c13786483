"""Everything a task container does with storage, in one place.

A task attempt reads its inputs, does its work, and leaves either outputs or
an error document under its output prefix, with a deck beside them and a
checkpoint for the next attempt under its raw output prefix::

    >>> inputs = read_inputs(RemoteFileInputReader(store, InputPaths(store, input_prefix)))
    >>> try:
    ...     write_outputs(RemoteFileOutputWriter(store, paths), {"half": inputs["n"] // 2})
    ... except Exception as exc:
    ...     report_failure(store, paths, exc)  # error.pb; then exit 0

- inputs and outputs as values: :func:`read_inputs`, :func:`write_outputs`,
  and :func:`write_inputs` for whoever starts the attempt;
- failures: :func:`report_failure` classifies an exception and writes
  ``error.pb`` as Flyte's SDK does; :func:`write_error_document` writes a
  given :class:`~plugio.execution.ExecutionError`;
- the deck: :func:`write_deck`, best effort;
- checkpoints: :class:`Checkpoint`, atomic saves that Flyte's SDK can restore;
- large literals: :func:`offload_literals` and :func:`resolve_offloaded`;
- a whole attempt around any command: :class:`TaskRun`, what ``plugio run`` runs,
  and :func:`log_metrics` for a command it runs.

Each I/O function has an ``_async`` twin.
"""

import typing as _typing

from plugio._moved import lazy_names as _lazy_names

if _typing.TYPE_CHECKING:
    from plugio.task._checkpoints import (
        MANIFEST_SUFFIX,
        VALUE_FILE,
        Checkpoint,
        RestoreResult,
        SaveHandle,
        SaveResult,
    )
    from plugio.task._deck import DEFAULT_DECK_MAX_BYTES, write_deck, write_deck_async
    from plugio.task._error_document import (
        MAX_MESSAGE_BYTES,
        Phase,
        RecoverableUserError,
        execution_error_from_exception,
        report_failure,
        report_failure_async,
        write_error_document,
        write_error_document_async,
    )
    from plugio.task._error_rules import (
        NonRecoverableUserError,
        error_from_exception,
        flyte2_error_from_exception,
    )
    from plugio.task._metrics import log_metrics
    from plugio.task._offload import (
        MIB,
        OffloadPolicy,
        literal_hash,
        offload_literals,
        offload_literals_async,
        offloaded_literal_ref,
        resolve_offloaded,
        resolve_offloaded_async,
    )
    from plugio.task._run_types import RunOptions, RunResult
    from plugio.task._runtime import TaskRun
    from plugio.task._values import (
        read_inputs,
        read_inputs_async,
        write_inputs,
        write_inputs_async,
        write_outputs,
        write_outputs_async,
    )

#: Public name -> the module that defines it, imported on first use: a task
#: that only reports a failure does not load checkpoints, pydantic or the
#: command runtime.
_LAZY = {
    "MANIFEST_SUFFIX": "plugio.task._checkpoints",
    "VALUE_FILE": "plugio.task._checkpoints",
    "Checkpoint": "plugio.task._checkpoints",
    "RestoreResult": "plugio.task._checkpoints",
    "SaveHandle": "plugio.task._checkpoints",
    "SaveResult": "plugio.task._checkpoints",
    "DEFAULT_DECK_MAX_BYTES": "plugio.task._deck",
    "write_deck": "plugio.task._deck",
    "write_deck_async": "plugio.task._deck",
    "MAX_MESSAGE_BYTES": "plugio.task._error_document",
    "Phase": "plugio.task._error_document",
    "RecoverableUserError": "plugio.task._error_document",
    "execution_error_from_exception": "plugio.task._error_document",
    "report_failure": "plugio.task._error_document",
    "report_failure_async": "plugio.task._error_document",
    "write_error_document": "plugio.task._error_document",
    "write_error_document_async": "plugio.task._error_document",
    "NonRecoverableUserError": "plugio.task._error_rules",
    "error_from_exception": "plugio.task._error_rules",
    "flyte2_error_from_exception": "plugio.task._error_rules",
    "MIB": "plugio.task._offload",
    "OffloadPolicy": "plugio.task._offload",
    "literal_hash": "plugio.task._offload",
    "offload_literals": "plugio.task._offload",
    "offload_literals_async": "plugio.task._offload",
    "offloaded_literal_ref": "plugio.task._offload",
    "resolve_offloaded": "plugio.task._offload",
    "resolve_offloaded_async": "plugio.task._offload",
    "log_metrics": "plugio.task._metrics",
    "RunOptions": "plugio.task._run_types",
    "RunResult": "plugio.task._run_types",
    "TaskRun": "plugio.task._runtime",
    "read_inputs": "plugio.task._values",
    "read_inputs_async": "plugio.task._values",
    "write_inputs": "plugio.task._values",
    "write_inputs_async": "plugio.task._values",
    "write_outputs": "plugio.task._values",
    "write_outputs_async": "plugio.task._values",
}


__getattr__, __dir__ = _lazy_names(globals(), _LAZY)


__all__ = [  # noqa: RUF022 (plain sorted() order, as the export tests check)
    "Checkpoint",
    "DEFAULT_DECK_MAX_BYTES",
    "MANIFEST_SUFFIX",
    "MAX_MESSAGE_BYTES",
    "MIB",
    "NonRecoverableUserError",
    "OffloadPolicy",
    "Phase",
    "RecoverableUserError",
    "RestoreResult",
    "RunOptions",
    "RunResult",
    "SaveHandle",
    "SaveResult",
    "TaskRun",
    "VALUE_FILE",
    "error_from_exception",
    "execution_error_from_exception",
    "flyte2_error_from_exception",
    "literal_hash",
    "log_metrics",
    "offload_literals",
    "offload_literals_async",
    "offloaded_literal_ref",
    "read_inputs",
    "read_inputs_async",
    "report_failure",
    "report_failure_async",
    "resolve_offloaded",
    "resolve_offloaded_async",
    "write_deck",
    "write_deck_async",
    "write_error_document",
    "write_error_document_async",
    "write_inputs",
    "write_inputs_async",
    "write_outputs",
    "write_outputs_async",
]
