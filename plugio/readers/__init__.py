"""Readers: a task's inputs, and what an engine learns from a finished attempt."""

from plugio.readers._input import CachingInputReader, RemoteFileInputReader
from plugio.readers._interfaces import InputReader, OutputReader
from plugio.readers._memory import InMemoryOutputReader
from plugio.readers._output import RemoteFileOutputReader
from plugio.readers._remote import EarliestErrorStrategy, ErrorStrategy, SingleErrorStrategy

__all__ = [
    "CachingInputReader",
    "EarliestErrorStrategy",
    "ErrorStrategy",
    "InMemoryOutputReader",
    "InputReader",
    "OutputReader",
    "RemoteFileInputReader",
    "RemoteFileOutputReader",
    "SingleErrorStrategy",
]
