"""Readers: a task's inputs, and what an engine learns from a finished attempt.

A remote-file output reader finds the attempt's error through an error
strategy: the single ``error.pb`` (:class:`SingleErrorStrategy`, the default)
or the earliest of the workers' ``error*.pb`` files
(:class:`EarliestErrorStrategy`). The strategies and the helpers they share
(:func:`exists_within`, :func:`error_from_document`, :func:`payload_limit`)
are public so an engine can ask the same questions as a reader does.
"""

from typing import TYPE_CHECKING

from plugio._moved import lazy_names
from plugio.readers._input import CachingInputReader, RemoteFileInputReader
from plugio.readers._interfaces import InputReader, OutputReader
from plugio.readers._reading import exists_within, payload_limit

if TYPE_CHECKING:
    from plugio.readers._memory import InMemoryOutputReader
    from plugio.readers._output import RemoteFileOutputReader
    from plugio.readers._remote import (
        NO_ERROR_FOUND,
        EarliestErrorStrategy,
        ErrorStrategy,
        SingleErrorStrategy,
        error_from_document,
    )

# The engine's side, loaded when first asked for: a task reading its inputs
# never needs it (nor ``plugio.execution`` behind it).
__getattr__, __dir__ = lazy_names(
    globals(),
    {
        "InMemoryOutputReader": "plugio.readers._memory",
        "RemoteFileOutputReader": "plugio.readers._output",
        "NO_ERROR_FOUND": "plugio.readers._remote",
        "EarliestErrorStrategy": "plugio.readers._remote",
        "ErrorStrategy": "plugio.readers._remote",
        "SingleErrorStrategy": "plugio.readers._remote",
        "error_from_document": "plugio.readers._remote",
    },
)


__all__ = [
    "NO_ERROR_FOUND",
    "CachingInputReader",
    "EarliestErrorStrategy",
    "ErrorStrategy",
    "InMemoryOutputReader",
    "InputReader",
    "OutputReader",
    "RemoteFileInputReader",
    "RemoteFileOutputReader",
    "SingleErrorStrategy",
    "error_from_document",
    "exists_within",
    "payload_limit",
]
