"""Readers: a task's inputs, and what an engine learns from a finished attempt.

A remote-file output reader finds the attempt's error through an error
strategy: the single ``error.pb`` (:class:`SingleErrorStrategy`, the default)
or the earliest of the workers' ``error*.pb`` files
(:class:`EarliestErrorStrategy`). The strategies and the helpers they share
(:func:`exists_within`, :func:`error_from_document`, :func:`payload_limit`)
are public so an engine can ask the same questions as a reader does.
"""

from plugio.readers._input import CachingInputReader, RemoteFileInputReader
from plugio.readers._interfaces import InputReader, OutputReader
from plugio.readers._memory import InMemoryOutputReader
from plugio.readers._output import RemoteFileOutputReader
from plugio.readers._reading import exists_within, payload_limit
from plugio.readers._remote import (
    NO_ERROR_FOUND,
    EarliestErrorStrategy,
    ErrorStrategy,
    SingleErrorStrategy,
    error_from_document,
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
