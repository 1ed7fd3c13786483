"""The output writer contract: what ``put(reader)`` leaves for the engine."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from plugio.core import ContainerError, ErrorDocument, LiteralMap
from plugio.errors import PayloadError
from plugio.execution import ErrorKind, ExecutionError
from plugio.paths import ERROR_FILE, OUTPUTS_FILE, OutputFilePaths
from plugio.readers import OutputReader
from plugio.references import join
from plugio.storage import DataStore
from plugio_conformance.abstract._fixtures import (
    ConformanceFixtures,
    MakeOutputPaths,
    MakeOutputWriter,
)
from plugio_conformance.abstract._values import failure, integers, outputs_of_size, run_async

__all__ = ["AbstractOutputWriterTests", "RecordingReader"]


class RecordingReader(OutputReader):
    """An in-memory reader that counts how often its content is read."""

    def __init__(self, outputs: LiteralMap | None = None, error: ExecutionError | None = None):
        self.outputs = outputs
        self.error = error
        self.reads = 0

    def is_file(self) -> bool:
        return False

    def is_error(self) -> bool:
        return self.error is not None

    def read_error(self) -> ExecutionError:
        if self.error is None:
            raise ValueError("no error")
        return self.error

    def exists(self) -> bool:
        return self.outputs is not None

    def read(self) -> tuple[LiteralMap | None, ExecutionError | None]:
        self.reads += 1
        return self.outputs, self.error

    def deck_exists(self) -> bool:
        return False


class AbstractOutputWriterTests(ConformanceFixtures):
    """What every ``OutputWriter`` does (CONTRACT.md, "Output writer").

    Fixtures: ``make_output_writer`` (required), ``make_output_paths``, ``store``.
    Flags: ``writes_files`` (False for a writer that only keeps the reader),
    ``lossless_error_documents``.
    """

    @pytest.fixture
    def paths(
        self, make_output_paths: MakeOutputPaths, output_prefix: str, raw_output_prefix: str
    ) -> OutputFilePaths:
        """The output paths the writer is built over."""
        return make_output_paths(output_prefix, raw_output_prefix, "")

    def _writes(self) -> None:
        self.require("writes_files", "the writer keeps the reader instead of writing files")

    def _written(
        self, store: DataStore, paths: OutputFilePaths
    ) -> tuple[bytes | None, bytes | None]:
        """The bytes of ``outputs.pb`` and ``error.pb`` (``None`` when missing)."""
        found = []
        for ref in (paths.get_output_path(), paths.get_error_path()):
            found.append(store.read_bytes(ref) if store.exists(ref) else None)
        return found[0], found[1]

    def _error_document(self, store: DataStore, paths: OutputFilePaths) -> ContainerError:
        document = ErrorDocument.FromString(store.read_bytes(paths.get_error_path()))
        assert document.HasField("error")
        return document.error

    # -- paths ------------------------------------------------------------------------
    def test_writer_paths_answer_from_the_given_paths(
        self, make_output_writer: MakeOutputWriter, paths: OutputFilePaths
    ) -> None:
        writer = make_output_writer(paths)
        for name in (
            "get_output_prefix_path",
            "get_output_path",
            "get_error_path",
            "get_deck_path",
            "get_raw_output_prefix",
            "get_checkpoint_prefix",
            "get_previous_checkpoints_prefix",
        ):
            assert getattr(writer, name)() == getattr(paths, name)(), name
        assert writer.get_output_path() == join(paths.get_output_prefix_path(), OUTPUTS_FILE)
        assert writer.get_error_path() == join(paths.get_output_prefix_path(), ERROR_FILE)

    # -- outputs ----------------------------------------------------------------------
    def test_put_outputs_writes_outputs_pb(
        self, make_output_writer: MakeOutputWriter, paths: OutputFilePaths, store: DataStore
    ) -> None:
        self._writes()
        make_output_writer(paths).put(RecordingReader(outputs=integers(b=2, a=1)))
        outputs, error = self._written(store, paths)
        assert outputs == integers(a=1, b=2).SerializeToString(deterministic=True)
        assert error is None

    def test_put_empty_map_writes_outputs_pb(
        self, make_output_writer: MakeOutputWriter, paths: OutputFilePaths, store: DataStore
    ) -> None:
        self._writes()
        make_output_writer(paths).put(RecordingReader(outputs=LiteralMap()))
        assert self._written(store, paths) == (b"", None)

    def test_put_reads_the_reader_once(
        self, make_output_writer: MakeOutputWriter, paths: OutputFilePaths
    ) -> None:
        self._writes()
        reader = RecordingReader(outputs=integers(a=1))
        make_output_writer(paths).put(reader)
        assert reader.reads == 1

    def test_put_with_nothing_raises_no_data_found_to_write(
        self, make_output_writer: MakeOutputWriter, paths: OutputFilePaths, store: DataStore
    ) -> None:
        self._writes()
        with pytest.raises(PayloadError, match="no data found to write"):
            make_output_writer(paths).put(RecordingReader())
        assert self._written(store, paths) == (None, None)

    def test_put_async_writes_as_put_does(
        self, make_output_writer: MakeOutputWriter, paths: OutputFilePaths, store: DataStore
    ) -> None:
        self._writes()
        run_async(make_output_writer(paths).put_async(RecordingReader(outputs=integers(n=1))))
        assert self._written(store, paths) == (integers(n=1).SerializeToString(), None)

    def test_rewritten_outputs_are_seen_whole(
        self, make_output_writer: MakeOutputWriter, paths: OutputFilePaths, store: DataStore
    ) -> None:
        self._writes()
        versions = [outputs_of_size(150_000), outputs_of_size(150_001)]
        writer = make_output_writer(paths)
        writer.put(RecordingReader(outputs=versions[0]))
        stop, torn = threading.Event(), []

        def read_until_stopped() -> None:
            while not stop.is_set():
                if LiteralMap.FromString(store.read_bytes(paths.get_output_path())) not in versions:
                    torn.append(1)

        reader = threading.Thread(target=read_until_stopped)
        reader.start()
        try:
            for round_number in range(4):
                writer.put(RecordingReader(outputs=versions[(round_number + 1) % 2]))
        finally:
            stop.set()
            reader.join()
        assert torn == []

    # -- errors -----------------------------------------------------------------------
    def test_put_error_writes_code_message_and_kind(
        self, make_output_writer: MakeOutputWriter, paths: OutputFilePaths, store: DataStore
    ) -> None:
        self._writes()
        make_output_writer(paths).put(RecordingReader(error=failure("USER:ValueError")))
        error = self._error_document(store, paths)
        assert (error.code, error.message, error.kind) == (
            "USER:ValueError",
            "USER:ValueError failed",
            ContainerError.NON_RECOVERABLE,
        )
        assert self._written(store, paths)[0] is None

    def test_recoverable_error_is_written_recoverable(
        self, make_output_writer: MakeOutputWriter, paths: OutputFilePaths, store: DataStore
    ) -> None:
        self._writes()
        make_output_writer(paths).put(RecordingReader(error=failure(recoverable=True)))
        assert self._error_document(store, paths).kind == ContainerError.RECOVERABLE

    def test_error_wins_over_outputs(
        self, make_output_writer: MakeOutputWriter, paths: OutputFilePaths, store: DataStore
    ) -> None:
        self._writes()
        reader = RecordingReader(outputs=integers(a=1), error=failure("USER:Late"))
        make_output_writer(paths).put(reader)
        outputs, error = self._written(store, paths)
        assert outputs is None
        assert error is not None
        assert self._error_document(store, paths).code == "USER:Late"

    def test_error_round_trip_is_lossless(
        self, make_output_writer: MakeOutputWriter, paths: OutputFilePaths, store: DataStore
    ) -> None:
        self._writes()
        self.require("lossless_error_documents", "origin, timestamp and worker are not written")
        error = failure("OOMKilled", kind=ErrorKind.SYSTEM, recoverable=True, worker="w-2")
        make_output_writer(paths).put(RecordingReader(error=error))
        written = self._error_document(store, paths)
        assert (int(written.origin), written.worker) == (ErrorKind.SYSTEM, "w-2")
        assert written.timestamp.ToDatetime(tzinfo=error.timestamp.tzinfo) == error.timestamp  # type: ignore[union-attr]
        assert ExecutionError.from_container_error(written) == error

    def test_error_document_is_the_deterministic_encoding(
        self, make_output_writer: MakeOutputWriter, paths: OutputFilePaths, store: DataStore
    ) -> None:
        self._writes()
        make_output_writer(paths).put(RecordingReader(error=failure(worker="w")))
        data = store.read_bytes(paths.get_error_path())
        assert ErrorDocument.FromString(data).SerializeToString(deterministic=True) == data

    # -- a writer that keeps the reader --------------------------------------------------
    def test_buffered_put_only_records_the_reader(
        self, make_output_writer: MakeOutputWriter, paths: OutputFilePaths, store: DataStore
    ) -> None:
        self.refuse("writes_files", "the writer writes files")
        reader = RecordingReader(outputs=integers(a=1))
        writer: Any = make_output_writer(paths)
        writer.put(reader)
        assert reader.reads == 0
        assert writer.get_reader() is reader
        assert self._written(store, paths) == (None, None)

    def test_buffered_get_reader_is_none_before_put(
        self, make_output_writer: MakeOutputWriter, paths: OutputFilePaths
    ) -> None:
        self.refuse("writes_files", "the writer writes files")
        writer: Any = make_output_writer(paths)
        assert writer.get_reader() is None

    def test_buffered_get_reader_returns_the_last_reader(
        self, make_output_writer: MakeOutputWriter, paths: OutputFilePaths
    ) -> None:
        self.refuse("writes_files", "the writer writes files")
        first, last = RecordingReader(outputs=integers(a=1)), RecordingReader(error=failure())
        writer: Any = make_output_writer(paths)
        writer.put(first)
        run_async(writer.put_async(last))
        assert writer.get_reader() is last
        assert (first.reads, last.reads) == (0, 0)
