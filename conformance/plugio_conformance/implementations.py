"""Fixtures for each implementation plugio ships: how plugio opts into its own suite.

Combine one of these with fixtures that say where the store is (the default
is in memory; see :class:`plugio_conformance.target.TargetFixtures`)::

    class TestRemoteFileOutputReader(
        AbstractOutputReaderTests, RemoteFileOutputReaderFixtures, MyStoreFixtures
    ):
        pass

They are also the shortest examples of overriding the factory fixtures.
"""

from __future__ import annotations

from types import EllipsisType

import pytest

from plugio.core import LiteralMap
from plugio.execution import ExecutionError
from plugio.paths import (
    DECK_FILE,
    InputPaths,
    OutputFilePaths,
    ReadOnlyOutputPaths,
    RemoteCheckpointPaths,
    RemoteFileOutputPaths,
)
from plugio.readers import (
    CachingInputReader,
    EarliestErrorStrategy,
    InMemoryOutputReader,
    InputReader,
    OutputReader,
    RemoteFileInputReader,
    RemoteFileOutputReader,
)
from plugio.references import join
from plugio.storage import DataStore
from plugio.writers import BufferedOutputWriter, OutputWriter, RemoteFileOutputWriter
from plugio_conformance.abstract import (
    ConformanceFixtures,
    MakeInputReader,
    MakeOutputPaths,
    MakeOutputReader,
    MakeOutputWriter,
    WriteAttempt,
)

__all__ = [
    "BufferedOutputWriterFixtures",
    "CachingInputReaderFixtures",
    "EarliestErrorOutputReaderFixtures",
    "InMemoryOutputReaderFixtures",
    "ReadOnlyOutputPathsFixtures",
    "RemoteCheckpointPathsFixtures",
    "RemoteFileInputReaderFixtures",
    "RemoteFileOutputPathsFixtures",
    "RemoteFileOutputReaderFixtures",
    "RemoteFileOutputWriterFixtures",
]

Limit = int | EllipsisType | None


class RemoteFileInputReaderFixtures(ConformanceFixtures):
    """``RemoteFileInputReader`` over ``InputPaths``."""

    @pytest.fixture
    def make_input_reader(self, store: DataStore) -> MakeInputReader:
        def make(input_prefix: str, *, max_payload_bytes: Limit = ...) -> InputReader:
            paths = InputPaths(store, input_prefix)
            return RemoteFileInputReader(store, paths, max_payload_bytes=max_payload_bytes)

        return make


class CachingInputReaderFixtures(ConformanceFixtures):
    """``CachingInputReader`` in front of a ``RemoteFileInputReader``."""

    caches_inputs = True

    @pytest.fixture
    def make_input_reader(self, store: DataStore) -> MakeInputReader:
        def make(input_prefix: str, *, max_payload_bytes: Limit = ...) -> InputReader:
            paths = InputPaths(store, input_prefix)
            reader = RemoteFileInputReader(store, paths, max_payload_bytes=max_payload_bytes)
            return CachingInputReader(reader)

        return make


class RemoteFileOutputReaderFixtures(ConformanceFixtures):
    """``RemoteFileOutputReader`` with the single ``error.pb`` (Flyte's default)."""

    @pytest.fixture
    def make_output_reader(self, store: DataStore) -> MakeOutputReader:
        def make(output_prefix: str, *, max_payload_bytes: Limit = ...) -> OutputReader:
            paths = ReadOnlyOutputPaths(store, output_prefix)
            return RemoteFileOutputReader(store, paths, max_payload_bytes=max_payload_bytes)

        return make


class EarliestErrorOutputReaderFixtures(ConformanceFixtures):
    """``RemoteFileOutputReader`` reporting the earliest of the workers' error files."""

    error_aggregation = "earliest"

    @pytest.fixture
    def make_output_reader(self, store: DataStore) -> MakeOutputReader:
        def make(output_prefix: str, *, max_payload_bytes: Limit = ...) -> OutputReader:
            paths = ReadOnlyOutputPaths(store, output_prefix)
            strategy = EarliestErrorStrategy(concurrency=4)
            return RemoteFileOutputReader(
                store, paths, max_payload_bytes=max_payload_bytes, error_strategy=strategy
            )

        return make


class InMemoryOutputReaderFixtures(ConformanceFixtures):
    """``InMemoryOutputReader``: an attempt's results are what the reader is given."""

    is_file_backed = False
    enforces_payload_limit = False
    holds_results_in_memory = True

    @pytest.fixture
    def attempts(self) -> dict[str, InMemoryOutputReader]:
        """The reader for each output prefix an attempt was written to."""
        return {}

    @pytest.fixture
    def write_attempt(self, attempts: dict[str, InMemoryOutputReader]) -> WriteAttempt:
        def write(
            output_prefix: str,
            *,
            outputs: LiteralMap | None = None,
            error: ExecutionError | None = None,
            deck: str | None = None,
        ) -> None:
            deck_path = None if deck is None else join(output_prefix, DECK_FILE)
            attempts[output_prefix] = InMemoryOutputReader(outputs, error, deck_path)

        return write

    @pytest.fixture
    def make_output_reader(self, attempts: dict[str, InMemoryOutputReader]) -> MakeOutputReader:
        def make(output_prefix: str, *, max_payload_bytes: Limit = ...) -> OutputReader:
            return attempts.get(output_prefix) or InMemoryOutputReader()

        return make


class RemoteFileOutputWriterFixtures(ConformanceFixtures):
    """``RemoteFileOutputWriter``: outputs or the error committed as files."""

    @pytest.fixture
    def make_output_writer(self, store: DataStore) -> MakeOutputWriter:
        def make(paths: OutputFilePaths) -> OutputWriter:
            return RemoteFileOutputWriter(store, paths)

        return make


class BufferedOutputWriterFixtures(ConformanceFixtures):
    """``BufferedOutputWriter``: keeps the reader it is given."""

    writes_files = False

    @pytest.fixture
    def make_output_writer(self) -> MakeOutputWriter:
        return BufferedOutputWriter


class RemoteFileOutputPathsFixtures(ConformanceFixtures):
    """``RemoteFileOutputPaths`` with a raw output prefix."""

    @pytest.fixture
    def make_output_paths(self, store: DataStore) -> MakeOutputPaths:
        def make(
            output_prefix: str, raw_output_prefix: str, previous_checkpoint_prefix: str = ""
        ) -> OutputFilePaths:
            return RemoteFileOutputPaths(
                store, output_prefix, raw_output_prefix, previous_checkpoint_prefix
            )

        return make


class RemoteCheckpointPathsFixtures(ConformanceFixtures):
    """``RemoteCheckpointPaths``, the paths an engine hands every attempt."""

    @pytest.fixture
    def make_output_paths(self, store: DataStore) -> MakeOutputPaths:
        def make(
            output_prefix: str, raw_output_prefix: str, previous_checkpoint_prefix: str = ""
        ) -> OutputFilePaths:
            return RemoteCheckpointPaths(
                store, output_prefix, raw_output_prefix, previous_checkpoint_prefix
            )

        return make


class ReadOnlyOutputPathsFixtures(ConformanceFixtures):
    """``ReadOnlyOutputPaths``: what an engine reads back, with no raw output area."""

    output_paths_are_read_only = True

    @pytest.fixture
    def make_output_paths(self, store: DataStore) -> MakeOutputPaths:
        def make(
            output_prefix: str, raw_output_prefix: str, previous_checkpoint_prefix: str = ""
        ) -> OutputFilePaths:
            return ReadOnlyOutputPaths(store, output_prefix)

        return make
