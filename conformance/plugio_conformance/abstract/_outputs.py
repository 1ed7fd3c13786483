"""The output reader contract every reader keeps, file-backed or not.

The attempt is set up with the ``write_attempt`` fixture (outputs, an
``ExecutionError``, a deck), so these tests hold for a reader over files, over
memory, or over an engine's job API alike.
"""

from __future__ import annotations

import pytest

from plugio.core import LiteralMap
from plugio.execution import ErrorKind
from plugio_conformance.abstract._fixtures import (
    ConformanceFixtures,
    MakeOutputReader,
    WriteAttempt,
)
from plugio_conformance.abstract._values import failure, integers, run_async

__all__ = ["OutputReaderBasicTests"]


class OutputReaderBasicTests(ConformanceFixtures):
    """``exists``, ``is_error``, ``read``, ``read_error``, ``deck_exists``, ``is_file``, twins."""

    # -- nothing, outputs, an error ---------------------------------------------------
    def test_nothing_written_is_neither_outputs_nor_error(
        self, make_output_reader: MakeOutputReader, write_attempt: WriteAttempt, output_prefix: str
    ) -> None:
        write_attempt(output_prefix)
        reader = make_output_reader(output_prefix)
        assert reader.exists() is False
        assert reader.is_error() is False

    def test_outputs_exist_and_are_read(
        self, make_output_reader: MakeOutputReader, write_attempt: WriteAttempt, output_prefix: str
    ) -> None:
        write_attempt(output_prefix, outputs=integers(a=1, b=2))
        reader = make_output_reader(output_prefix)
        assert reader.exists() is True
        assert reader.is_error() is False
        assert reader.read() == (integers(a=1, b=2), None)

    def test_error_is_reported(
        self, make_output_reader: MakeOutputReader, write_attempt: WriteAttempt, output_prefix: str
    ) -> None:
        error = failure("USER:ValueError", worker="worker-0")
        write_attempt(output_prefix, error=error)
        reader = make_output_reader(output_prefix)
        assert reader.is_error() is True
        assert reader.read_error() == error

    def test_an_error_alone_is_not_outputs(
        self, make_output_reader: MakeOutputReader, write_attempt: WriteAttempt, output_prefix: str
    ) -> None:
        write_attempt(output_prefix, error=failure())
        assert make_output_reader(output_prefix).exists() is False

    def test_empty_outputs_still_exist(
        self, make_output_reader: MakeOutputReader, write_attempt: WriteAttempt, output_prefix: str
    ) -> None:
        write_attempt(output_prefix, outputs=LiteralMap())
        assert make_output_reader(output_prefix).exists() is True

    def test_read_error_keeps_every_field(
        self, make_output_reader: MakeOutputReader, write_attempt: WriteAttempt, output_prefix: str
    ) -> None:
        error = failure("OOMKilled", kind=ErrorKind.SYSTEM, recoverable=True, worker="w-7")
        write_attempt(output_prefix, error=error)
        read = make_output_reader(output_prefix).read_error()
        assert (read.code, read.message, read.kind) == ("OOMKilled", "OOMKilled failed", 2)
        assert (read.is_recoverable, read.timestamp, read.worker) == (
            True,
            error.timestamp,
            "w-7",
        )

    def test_recoverable_and_non_recoverable_errors_keep_their_kind(
        self, make_output_reader: MakeOutputReader, write_attempt: WriteAttempt, output_prefix: str
    ) -> None:
        for recoverable in (True, False):
            prefix = f"{output_prefix}-{recoverable}"
            write_attempt(prefix, error=failure(recoverable=recoverable))
            assert make_output_reader(prefix).read_error().is_recoverable is recoverable

    def test_error_without_timestamp_or_worker_reads_without_them(
        self, make_output_reader: MakeOutputReader, write_attempt: WriteAttempt, output_prefix: str
    ) -> None:
        write_attempt(output_prefix, error=failure(when=None))
        read = make_output_reader(output_prefix).read_error()
        assert (read.timestamp, read.worker) == (None, "")

    # -- deck and is_file --------------------------------------------------------------
    def test_deck_exists_when_a_deck_was_written(
        self, make_output_reader: MakeOutputReader, write_attempt: WriteAttempt, output_prefix: str
    ) -> None:
        write_attempt(output_prefix, outputs=integers(a=1), deck="<html>deck</html>")
        assert make_output_reader(output_prefix).deck_exists() is True

    def test_deck_is_absent_when_none_was_written(
        self, make_output_reader: MakeOutputReader, write_attempt: WriteAttempt, output_prefix: str
    ) -> None:
        write_attempt(output_prefix, outputs=integers(a=1))
        assert make_output_reader(output_prefix).deck_exists() is False

    def test_is_file_matches_is_file_backed(
        self, make_output_reader: MakeOutputReader, write_attempt: WriteAttempt, output_prefix: str
    ) -> None:
        write_attempt(output_prefix, outputs=integers(a=1))
        assert make_output_reader(output_prefix).is_file() is self.is_file_backed

    # -- async twins -------------------------------------------------------------------
    def test_async_twins_agree_on_outputs(
        self, make_output_reader: MakeOutputReader, write_attempt: WriteAttempt, output_prefix: str
    ) -> None:
        write_attempt(output_prefix, outputs=integers(n=5), deck="<html/>")
        reader = make_output_reader(output_prefix)
        assert run_async(reader.exists_async()) is True
        assert run_async(reader.is_error_async()) is False
        assert run_async(reader.read_async()) == (integers(n=5), None)
        assert run_async(reader.deck_exists_async()) is True

    def test_async_twins_agree_on_an_error(
        self, make_output_reader: MakeOutputReader, write_attempt: WriteAttempt, output_prefix: str
    ) -> None:
        error = failure("USER:KeyError", recoverable=True, worker="w-1")
        write_attempt(output_prefix, error=error)
        reader = make_output_reader(output_prefix)
        assert run_async(reader.is_error_async()) is True
        assert run_async(reader.read_error_async()) == error
        assert run_async(reader.exists_async()) is False
        assert run_async(reader.deck_exists_async()) is False

    def test_async_twins_agree_on_nothing(
        self, make_output_reader: MakeOutputReader, write_attempt: WriteAttempt, output_prefix: str
    ) -> None:
        write_attempt(output_prefix)
        reader = make_output_reader(output_prefix)
        assert run_async(reader.exists_async()) is False
        assert run_async(reader.is_error_async()) is False

    # -- a reader holding results in memory ---------------------------------------------
    def test_in_memory_read_returns_outputs_and_error_as_given(
        self, make_output_reader: MakeOutputReader, write_attempt: WriteAttempt, output_prefix: str
    ) -> None:
        self.require("holds_results_in_memory", "the reader does not answer from memory")
        error = failure("USER:Late")
        write_attempt(output_prefix, outputs=integers(a=1), error=error)
        assert make_output_reader(output_prefix).read() == (integers(a=1), error)
        write_attempt(output_prefix, outputs=LiteralMap())
        assert make_output_reader(output_prefix).read() == (LiteralMap(), None)

    def test_in_memory_read_error_without_an_error_raises(
        self, make_output_reader: MakeOutputReader, write_attempt: WriteAttempt, output_prefix: str
    ) -> None:
        self.require("holds_results_in_memory", "the reader does not answer from memory")
        write_attempt(output_prefix, outputs=integers(a=1))
        with pytest.raises(ValueError, match="no execution error"):
            make_output_reader(output_prefix).read_error()

    def test_outputs_and_error_together_report_the_error(
        self, make_output_reader: MakeOutputReader, write_attempt: WriteAttempt, output_prefix: str
    ) -> None:
        write_attempt(output_prefix, outputs=integers(a=1), error=failure("USER:Late"))
        reader = make_output_reader(output_prefix)
        assert reader.is_error() is True
        assert reader.exists() is True
        assert reader.read_error().code == "USER:Late"
        outputs, _ = reader.read()
        assert outputs == integers(a=1)
