"""What an engine concludes from an output reader (``validate_output``, in its order).

These tests hand the reader under test to plugio's ``validate_output``, so
they check that the reader answers what the engine asks in the way the
engine relies on: an error beats outputs, a too-large file is not
recoverable, a reader that is not file-backed is committed with the writer.
"""

from __future__ import annotations

import pytest

from plugio.engine import validate_output
from plugio.errors import TransientStorageError
from plugio.execution import ErrorKind
from plugio.paths import ERROR_FILE, OUTPUTS_FILE, ReadOnlyOutputPaths
from plugio.references import join
from plugio.storage import DataStore
from plugio.writers import BufferedOutputWriter
from plugio_conformance.abstract._fixtures import (
    ConformanceFixtures,
    MakeOutputReader,
    WriteAttempt,
    WriteFile,
)
from plugio_conformance.abstract._values import LIMIT, failure, integers
from plugio_conformance.abstract._writers import RecordingReader

__all__ = ["EngineVisibleTests"]


class EngineVisibleTests(ConformanceFixtures):
    """``validate_output`` over the reader under test."""

    def test_engine_reports_no_reader_as_outputs_not_generated(self) -> None:
        error = validate_output(None, outputs_declared=True)
        assert error is not None
        assert (error.code, error.is_recoverable) == ("OutputsNotGenerated", True)
        assert validate_output(None, outputs_declared=False) is None

    def test_engine_raises_other_exists_failures_as_system_errors(self) -> None:
        class Unreachable(RecordingReader):
            def exists(self) -> bool:
                raise TransientStorageError("storage is unreachable")

        with pytest.raises(TransientStorageError):
            validate_output(Unreachable(), outputs_declared=True)

    def test_engine_reports_the_error_even_without_declared_outputs(
        self, make_output_reader: MakeOutputReader, write_attempt: WriteAttempt, output_prefix: str
    ) -> None:
        write_attempt(output_prefix, error=failure("USER:Boom"))
        error = validate_output(make_output_reader(output_prefix), outputs_declared=False)
        assert error is not None
        assert error.code == "USER:Boom"

    def test_engine_lets_an_error_beat_outputs(
        self,
        make_output_reader: MakeOutputReader,
        write_attempt: WriteAttempt,
        output_prefix: str,
        store: DataStore,
    ) -> None:
        error = failure("USER:Late", recoverable=True)
        write_attempt(output_prefix, outputs=integers(a=1), error=error)
        writer = BufferedOutputWriter(ReadOnlyOutputPaths(store, output_prefix))
        assert validate_output(make_output_reader(output_prefix), True, writer) == error
        assert writer.get_reader() is None

    def test_engine_accepts_declared_outputs(
        self,
        make_output_reader: MakeOutputReader,
        write_attempt: WriteAttempt,
        output_prefix: str,
        store: DataStore,
    ) -> None:
        write_attempt(output_prefix, outputs=integers(a=1))
        reader = make_output_reader(output_prefix)
        writer = BufferedOutputWriter(ReadOnlyOutputPaths(store, output_prefix))
        assert validate_output(reader, outputs_declared=True, writer=writer) is None
        # Only a reader that is not file-backed needs the engine to commit it.
        assert (writer.get_reader() is reader) is not self.is_file_backed

    def test_engine_accepts_nothing_when_nothing_is_declared(
        self, make_output_reader: MakeOutputReader, write_attempt: WriteAttempt, output_prefix: str
    ) -> None:
        write_attempt(output_prefix)
        assert validate_output(make_output_reader(output_prefix), outputs_declared=False) is None

    def test_engine_reports_missing_outputs_as_outputs_not_found_recoverable(
        self, make_output_reader: MakeOutputReader, write_attempt: WriteAttempt, output_prefix: str
    ) -> None:
        write_attempt(output_prefix)
        error = validate_output(make_output_reader(output_prefix), outputs_declared=True)
        assert error is not None
        assert (error.code, error.is_recoverable) == ("OutputsNotFound", True)

    def test_engine_reports_oversize_outputs_as_not_recoverable(
        self, make_output_reader: MakeOutputReader, write_file: WriteFile, output_prefix: str
    ) -> None:
        self.require("is_file_backed", "the reader does not read files under the prefix")
        self.require("enforces_payload_limit", "the reader accepts files of any size")
        path = join(output_prefix, OUTPUTS_FILE)
        write_file(path, b"x" * (LIMIT + 1))
        reader = make_output_reader(output_prefix, max_payload_bytes=LIMIT)
        error = validate_output(reader, outputs_declared=True)
        assert error is not None
        assert (error.code, error.is_recoverable) == ("OutputSizeExceeded", False)
        assert path in error.message

    def test_engine_reports_an_error_without_content_as_unknown(
        self, make_output_reader: MakeOutputReader, write_file: WriteFile, output_prefix: str
    ) -> None:
        self.require("is_file_backed", "the reader does not read error documents")
        # ErrorDocument{error: ContainerError{}}: an error is there, with nothing in it.
        write_file(join(output_prefix, ERROR_FILE), b"\x0a\x00")
        error = validate_output(make_output_reader(output_prefix), outputs_declared=True)
        assert error is not None
        assert (error.code, error.message, error.kind) == ("Unknown", "Unknown", ErrorKind.UNKNOWN)
