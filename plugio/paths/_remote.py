"""Input and output paths under an attempt's prefixes, as Flyte's remote-file paths.

Every reference is computed once, when the object is built, with
:func:`plugio.references.join`; a malformed prefix or file name fails there
with ``InvalidReferenceError``, and the getters only return strings::

    >>> paths = RemoteCheckpointPaths(DataStore(), "s3://b/out", "s3://b/raw")
    >>> paths.get_output_path(), paths.get_checkpoint_prefix()
    ('s3://b/out/outputs.pb', 's3://b/raw/_flytecheckpoints')
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from plugio.errors import ConfigurationError
from plugio.paths._interfaces import InputFilePaths, OutputFilePaths, RawOutputPaths
from plugio.paths._names import (
    CHECKPOINTS_FOLDER,
    DECK_FILE,
    ERROR_FILE,
    FUTURES_FILE,
    INPUTS_FILE,
    OUTPUTS_FILE,
)
from plugio.paths._raw import RawOutputPrefix
from plugio.references import join

if TYPE_CHECKING:
    from plugio.storage import DataStore

__all__ = [
    "InputPaths",
    "ReadOnlyOutputPaths",
    "RemoteCheckpointPaths",
    "RemoteFileOutputPaths",
    "checkpoint_prefix",
]


def checkpoint_prefix(raw_output_prefix: str) -> str:
    """``<raw_output_prefix>/_flytecheckpoints``, or ``""`` for an empty raw prefix.

    Flyte's ``ConstructCheckpointPath``: an attempt without a raw output area
    has no place for checkpoints.
    """
    if not raw_output_prefix:
        return ""
    return join(raw_output_prefix, CHECKPOINTS_FOLDER)


class InputPaths(InputFilePaths):
    """The inputs file under an input prefix: ``<input_prefix>/inputs.pb``.

    Args:
        store: The store the references belong to.
        input_prefix: The attempt's input prefix, returned as given.
    """

    def __init__(self, store: DataStore, input_prefix: str) -> None:
        self._store = store
        self._input_prefix = input_prefix
        self._input_path = join(input_prefix, INPUTS_FILE)

    @property
    def store(self) -> DataStore:
        """The store the references belong to."""
        return self._store

    def get_input_prefix_path(self) -> str:
        """The input prefix, as given."""
        return self._input_prefix

    def get_input_path(self) -> str:
        """``<input_prefix>/inputs.pb``."""
        return self._input_path

    def __repr__(self) -> str:
        return f"{type(self).__name__}(input_prefix={self._input_prefix!r})"


class RemoteFileOutputPaths(OutputFilePaths):
    """Output, error, deck and futures files under an output prefix, plus raw paths.

    Flyte's ``RemoteFileOutputPaths`` and ``RemoteCheckpointPaths`` in one:
    ``<output_prefix>/outputs.pb``, ``error.pb``, the deck and ``futures.pb``;
    the raw output prefix from ``raw_output_paths``; checkpoints in
    ``<raw output prefix>/_flytecheckpoints`` (``""`` when the raw prefix is
    empty).

    Args:
        store: The store the references belong to.
        output_prefix: The attempt's output (metadata) prefix, returned as given.
        raw_output_paths: The raw output area, or its prefix as a ``str``.
            ``None`` builds read-only paths (see :class:`ReadOnlyOutputPaths`).
        previous_checkpoint_prefix: The previous attempt's checkpoints,
            returned as given; ``""`` when there are none.
        deck_file_name: The deck's name under the output prefix.

    Raises:
        InvalidReferenceError: A prefix or the deck name cannot be joined.
    """

    def __init__(
        self,
        store: DataStore,
        output_prefix: str,
        raw_output_paths: RawOutputPaths | str | None,
        previous_checkpoint_prefix: str = "",
        deck_file_name: str = DECK_FILE,
    ) -> None:
        self._store = store
        self._output_prefix = output_prefix
        self._output_path = join(output_prefix, OUTPUTS_FILE)
        self._error_path = join(output_prefix, ERROR_FILE)
        self._deck_path = join(output_prefix, deck_file_name)
        self._futures_path = join(output_prefix, FUTURES_FILE)
        self._previous_checkpoint_prefix = previous_checkpoint_prefix
        self._raw_output_prefix = _raw_prefix_of(raw_output_paths)
        raw = self._raw_output_prefix
        self._checkpoint_prefix = None if raw is None else checkpoint_prefix(raw)

    @property
    def store(self) -> DataStore:
        """The store the references belong to."""
        return self._store

    def get_output_prefix_path(self) -> str:
        """The output prefix, as given."""
        return self._output_prefix

    def get_output_path(self) -> str:
        """``<output_prefix>/outputs.pb``."""
        return self._output_path

    def get_error_path(self) -> str:
        """``<output_prefix>/error.pb``."""
        return self._error_path

    def get_deck_path(self) -> str:
        """``<output_prefix>/<deck file name>`` (``deck.html`` by default)."""
        return self._deck_path

    def get_futures_path(self) -> str:
        """``<output_prefix>/futures.pb``, where a dynamic task leaves its job spec."""
        return self._futures_path

    def get_raw_output_prefix(self) -> str:
        """The raw output prefix.

        Raises:
            ConfigurationError: The paths were built without raw output paths.
        """
        if self._raw_output_prefix is None:
            raise self._no_raw_output("raw output prefix")
        return self._raw_output_prefix

    def get_checkpoint_prefix(self) -> str:
        """``<raw output prefix>/_flytecheckpoints``; ``""`` for an empty raw prefix.

        Raises:
            ConfigurationError: The paths were built without raw output paths.
        """
        if self._checkpoint_prefix is None:
            raise self._no_raw_output("checkpoint prefix")
        return self._checkpoint_prefix

    def get_previous_checkpoints_prefix(self) -> str:
        """The previous attempt's checkpoints, as given; ``""`` when there are none."""
        return self._previous_checkpoint_prefix

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(output_prefix={self._output_prefix!r}, "
            f"raw_output_prefix={self._raw_output_prefix!r})"
        )

    def _no_raw_output(self, wanted: str) -> ConfigurationError:
        return ConfigurationError(
            f"the output paths under {self._output_prefix!r} are read-only: they were built "
            f"without raw output paths, so they have no {wanted}"
        )


class RemoteCheckpointPaths(RemoteFileOutputPaths):
    """Output paths with a raw output area and the previous attempt's checkpoints.

    Flyte's ``NewCheckpointRemoteFilePaths``, what its engine hands every
    attempt; the same behaviour as :class:`RemoteFileOutputPaths`, with the
    raw output area required.

    Args:
        store: The store the references belong to.
        output_prefix: The attempt's output (metadata) prefix.
        raw_output_prefix: The raw output area, or its prefix as a ``str``.
        previous_checkpoint_prefix: The previous attempt's checkpoints; ``""``
            when there are none.
        deck_file_name: The deck's name under the output prefix.
    """

    def __init__(
        self,
        store: DataStore,
        output_prefix: str,
        raw_output_prefix: RawOutputPaths | str,
        previous_checkpoint_prefix: str = "",
        deck_file_name: str = DECK_FILE,
    ) -> None:
        super().__init__(
            store, output_prefix, raw_output_prefix, previous_checkpoint_prefix, deck_file_name
        )


class ReadOnlyOutputPaths(RemoteFileOutputPaths):
    """Output paths for reading what an attempt left; they have no raw output area.

    Flyte's ``NewReadOnlyOutputFilePaths``. Asking for the raw output prefix
    or the checkpoint prefix raises ``ConfigurationError`` naming the output
    prefix (Flyte's engine would dereference a nil value there). There are no
    previous checkpoints: ``get_previous_checkpoints_prefix()`` is ``""``.
    """

    def __init__(
        self, store: DataStore, output_prefix: str, deck_file_name: str = DECK_FILE
    ) -> None:
        super().__init__(store, output_prefix, None, "", deck_file_name)


def _raw_prefix_of(raw_output_paths: RawOutputPaths | str | None) -> str | None:
    if raw_output_paths is None:
        return None
    if isinstance(raw_output_paths, str):
        raw_output_paths = RawOutputPrefix(raw_output_paths)
    return raw_output_paths.get_raw_output_prefix()
