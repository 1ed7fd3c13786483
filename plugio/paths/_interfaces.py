"""The path interfaces: where an attempt's inputs, outputs, raw data and checkpoints live.

Every method returns a data reference (a ``str``) and does no I/O, so none has
an ``_async`` twin. Implementations are immutable: a method returns the same
reference every time it is called.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

__all__ = ["CheckpointPaths", "InputFilePaths", "OutputFilePaths", "RawOutputPaths"]


class InputFilePaths(ABC):
    """Where a task attempt's inputs are found."""

    @abstractmethod
    def get_input_prefix_path(self) -> str:
        """The prefix holding the inputs file, without the file name."""

    @abstractmethod
    def get_input_path(self) -> str:
        """The reference of the protobuf-encoded inputs ``LiteralMap``."""


class RawOutputPaths(ABC):
    """Where a task attempt may store the data it produces.

    The prefix is unique to one attempt (it differs across retries) and
    constant for that attempt, which gives writes under it exactly-once
    semantics. Using it is optional.
    """

    @abstractmethod
    def get_raw_output_prefix(self) -> str:
        """The prefix (object store prefix or directory) for the attempt's data."""


class CheckpointPaths(ABC):
    """Where an attempt reads the previous attempt's checkpoints and writes its own."""

    @abstractmethod
    def get_previous_checkpoints_prefix(self) -> str:
        """The checkpoints of the previous attempt; ``""`` when there are none to resume."""

    @abstractmethod
    def get_checkpoint_prefix(self) -> str:
        """The prefix for this attempt's checkpoints, in the raw output area.

        The engine need not be able to read it: it lives with the user's data.
        """


class OutputFilePaths(RawOutputPaths, CheckpointPaths):
    """Where an attempt leaves what the engine reads back: outputs, error and deck.

    Every reference is a full URL (or local path) in the configured storage.
    """

    @abstractmethod
    def get_output_prefix_path(self) -> str:
        """The prefix holding all of the attempt's metadata files."""

    @abstractmethod
    def get_output_path(self) -> str:
        """Where the engine expects the outputs ``LiteralMap``."""

    @abstractmethod
    def get_deck_path(self) -> str:
        """Where the engine expects the HTML deck."""

    @abstractmethod
    def get_error_path(self) -> str:
        """Where a failed attempt writes its ``ErrorDocument``."""
