"""How a file-backed output reader turns error documents into ``ExecutionError``.

The documents are written as task containers write them (``ErrorDocument``
bytes), so a reader's own mapping is what is tested: kind from ``origin``,
recoverability from the container error's ``kind``, the rest copied. The
earliest-error tests run when ``error_aggregation`` is ``"earliest"``.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from plugio.core import ContainerError, ErrorDocument
from plugio.errors import CorruptPayloadError, PayloadTooLargeError
from plugio.execution import ErrorKind, ExecutionError
from plugio.paths import ERROR_FILE
from plugio.references import join
from plugio_conformance.abstract._fixtures import ConformanceFixtures, MakeOutputReader, WriteFile
from plugio_conformance.abstract._values import LIMIT, STAMP, container_error, run_async
from plugio_conformance.vectors import golden_vectors

__all__ = ["OutputReaderErrorTests"]

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def _document(error: ContainerError) -> bytes:
    return ErrorDocument(error=error).SerializeToString(deterministic=True)


class OutputReaderErrorTests(ConformanceFixtures):
    """``read_error`` over error documents, and the single and earliest strategies."""

    def _files(self) -> None:
        self.require("is_file_backed", "the reader does not read error documents")

    def _single(self) -> None:
        self._files()
        if self.error_aggregation != "single":
            pytest.skip(f"error_aggregation is {self.error_aggregation!r}, not 'single'")

    def _earliest(self) -> None:
        self._files()
        self.require("listing_is_consistent", "the earliest error is found by listing")
        if self.error_aggregation != "earliest":
            pytest.skip(f"error_aggregation is {self.error_aggregation!r}, not 'earliest'")

    def _read(
        self, make: MakeOutputReader, write: WriteFile, prefix: str, data: bytes
    ) -> ExecutionError:
        write(join(prefix, ERROR_FILE), data)
        return make(prefix).read_error()

    # -- missing and empty documents ------------------------------------------------------
    def test_read_error_of_missing_file_is_error_file_not_found(
        self, make_output_reader: MakeOutputReader, output_prefix: str
    ) -> None:
        self._single()
        error = make_output_reader(output_prefix).read_error()
        assert (error.code, error.kind, error.is_recoverable) == (
            "ErrorFileNotFound",
            ErrorKind.SYSTEM,
            True,
        )
        assert join(output_prefix, ERROR_FILE) in error.message

    def test_read_error_of_zero_byte_file_is_bad_format(
        self, make_output_reader: MakeOutputReader, write_file: WriteFile, output_prefix: str
    ) -> None:
        self._files()
        error = self._read(make_output_reader, write_file, output_prefix, b"")
        path = join(output_prefix, ERROR_FILE)
        assert (error.code, error.kind, error.is_recoverable) == (
            "ErrorFileBadFormat",
            ErrorKind.SYSTEM,
            True,
        )
        assert error.message == f"error not formatted correctly, nil error @path [{path}]"

    def test_read_error_of_document_without_error_is_bad_format(
        self, make_output_reader: MakeOutputReader, write_file: WriteFile, output_prefix: str
    ) -> None:
        self._files()
        # Field 2, varint 1: a field this schema does not know, and no error (field 1).
        error = self._read(make_output_reader, write_file, output_prefix, b"\x10\x01")
        assert (error.code, error.kind, error.is_recoverable) == (
            "ErrorFileBadFormat",
            ErrorKind.SYSTEM,
            True,
        )

    def test_read_error_of_undecodable_document_raises_corrupt_payload(
        self, make_output_reader: MakeOutputReader, write_file: WriteFile, output_prefix: str
    ) -> None:
        self._files()
        path = join(output_prefix, ERROR_FILE)
        write_file(path, b"\xff\xff\xff")
        with pytest.raises(CorruptPayloadError) as raised:
            make_output_reader(output_prefix).read_error()
        assert path in str(raised.value)
        assert raised.value.__cause__ is not None

    # -- mapping the ContainerError ------------------------------------------------------------
    def test_read_error_copies_code_message_timestamp_and_worker(
        self, make_output_reader: MakeOutputReader, write_file: WriteFile, output_prefix: str
    ) -> None:
        self._files()
        written = container_error(code="USER:ValueError", message="bad input", worker="w-3")
        error = self._read(make_output_reader, write_file, output_prefix, _document(written))
        assert (error.code, error.message, error.timestamp, error.worker) == (
            "USER:ValueError",
            "bad input",
            STAMP,
            "w-3",
        )

    def test_read_error_kind_comes_from_origin(
        self, make_output_reader: MakeOutputReader, write_file: WriteFile, output_prefix: str
    ) -> None:
        self._files()
        # 9: a kind from a newer schema.
        expected = {
            0: ErrorKind.UNKNOWN,
            1: ErrorKind.USER,
            2: ErrorKind.SYSTEM,
            9: ErrorKind.UNKNOWN,
        }
        for origin, kind in expected.items():
            prefix = join(output_prefix, f"origin-{origin}")
            written = _document(container_error(origin=origin))
            assert self._read(make_output_reader, write_file, prefix, written).kind == kind, origin

    def test_read_error_recoverable_comes_from_container_kind_not_origin(
        self, make_output_reader: MakeOutputReader, write_file: WriteFile, output_prefix: str
    ) -> None:
        self._files()
        cases = [
            (True, ErrorKind.USER),
            (True, ErrorKind.UNKNOWN),
            (False, ErrorKind.SYSTEM),
            (False, ErrorKind.UNKNOWN),
        ]
        for recoverable, origin in cases:
            prefix = join(output_prefix, f"{recoverable}-{origin.name}")
            written = _document(container_error(recoverable=recoverable, origin=origin))
            error = self._read(make_output_reader, write_file, prefix, written)
            assert (error.is_recoverable, error.kind) == (recoverable, origin), prefix

    def test_read_error_non_recoverable_is_the_default(
        self, make_output_reader: MakeOutputReader, write_file: WriteFile, output_prefix: str
    ) -> None:
        self._files()
        written = _document(ContainerError(code="SYSTEM", message="no kind written", origin=2))  # type: ignore[arg-type]
        error = self._read(make_output_reader, write_file, output_prefix, written)
        assert error.is_recoverable is False

    def test_read_error_without_timestamp_has_none(
        self, make_output_reader: MakeOutputReader, write_file: WriteFile, output_prefix: str
    ) -> None:
        self._files()
        written = _document(container_error(when=None))
        error = self._read(make_output_reader, write_file, output_prefix, written)
        assert (error.timestamp, error.worker) == (None, "")

    def test_golden_error_documents_read_as_expected(
        self, make_output_reader: MakeOutputReader, write_file: WriteFile, output_prefix: str
    ) -> None:
        self._files()
        for vector in golden_vectors("ErrorDocument"):
            prefix = join(output_prefix, vector.name)
            read = self._read(make_output_reader, write_file, prefix, vector.data)
            expected = vector.expected_execution_error(join(prefix, ERROR_FILE))
            assert read == expected, vector.name

    def test_read_error_async_maps_as_read_error_does(
        self, make_output_reader: MakeOutputReader, write_file: WriteFile, output_prefix: str
    ) -> None:
        self._files()
        written = container_error(recoverable=True, origin=ErrorKind.SYSTEM, worker="w-9")
        write_file(join(output_prefix, ERROR_FILE), _document(written))
        reader = make_output_reader(output_prefix)
        assert run_async(reader.read_error_async()) == reader.read_error()

    # -- single and earliest error files ------------------------------------------------------
    def test_single_error_mode_ignores_worker_error_files(
        self, make_output_reader: MakeOutputReader, write_file: WriteFile, output_prefix: str
    ) -> None:
        self._single()
        write_file(join(output_prefix, "error-w1.pb"), _document(container_error()))
        reader = make_output_reader(output_prefix)
        assert reader.is_error() is False
        assert reader.read_error().code == "ErrorFileNotFound"

    def test_earliest_is_error_for_any_worker_error_file(
        self, make_output_reader: MakeOutputReader, write_file: WriteFile, output_prefix: str
    ) -> None:
        self._earliest()
        reader = make_output_reader(output_prefix)
        assert reader.is_error() is False
        write_file(join(output_prefix, "error-5f0c.pb"), _document(container_error()))
        assert reader.is_error() is True
        assert run_async(reader.is_error_async()) is True

    def test_earliest_read_error_returns_the_earliest_timestamp(
        self, make_output_reader: MakeOutputReader, write_file: WriteFile, output_prefix: str
    ) -> None:
        self._earliest()
        times = {"error-a.pb": 30, "error-b.pb": 10, "error.pb": 20}
        for name, seconds in times.items():
            when = STAMP + timedelta(seconds=seconds)
            written = container_error(code=name, when=when, worker=name)
            write_file(join(output_prefix, name), _document(written))
        reader = make_output_reader(output_prefix)
        error = reader.read_error()
        assert (error.code, error.worker) == ("error-b.pb", "error-b.pb")
        assert error.timestamp == STAMP + timedelta(seconds=10)
        assert run_async(reader.read_error_async()) == error

    def test_earliest_missing_timestamp_counts_as_the_epoch(
        self, make_output_reader: MakeOutputReader, write_file: WriteFile, output_prefix: str
    ) -> None:
        self._earliest()
        stamped = container_error(code="stamped")
        unstamped = container_error(code="unstamped", when=None)
        write_file(join(output_prefix, "error-a.pb"), _document(stamped))
        write_file(join(output_prefix, "error-b.pb"), _document(unstamped))
        error = make_output_reader(output_prefix).read_error()
        assert (error.code, error.timestamp) == ("unstamped", None)

    def test_earliest_ties_keep_the_first_listed(
        self, make_output_reader: MakeOutputReader, write_file: WriteFile, output_prefix: str
    ) -> None:
        self._earliest()
        for name in ("error-c.pb", "error-a.pb", "error-b.pb"):
            write_file(join(output_prefix, name), _document(container_error(code=name, when=EPOCH)))
        assert make_output_reader(output_prefix).read_error().code == "error-a.pb"

    def test_earliest_without_candidates_is_an_empty_error(
        self, make_output_reader: MakeOutputReader, output_prefix: str
    ) -> None:
        self._earliest()
        error = make_output_reader(output_prefix).read_error()
        assert (error.code, error.message) == ("", "")

    def test_earliest_candidates_are_error_files_ending_in_pb(
        self, make_output_reader: MakeOutputReader, write_file: WriteFile, output_prefix: str
    ) -> None:
        self._earliest()
        early = container_error(code="txt", when=STAMP)
        late = container_error(code="pb", when=STAMP + timedelta(hours=1))
        write_file(join(output_prefix, "error-w1.txt"), _document(early))
        write_file(join(output_prefix, "outputs.pb"), b"")
        write_file(join(output_prefix, "error.pb"), _document(late))
        assert make_output_reader(output_prefix).read_error().code == "pb"

    def test_earliest_candidate_over_limit_raises(
        self, make_output_reader: MakeOutputReader, write_file: WriteFile, output_prefix: str
    ) -> None:
        self._earliest()
        self.require("enforces_payload_limit", "the reader accepts files of any size")
        write_file(join(output_prefix, "error-big.pb"), b"x" * (LIMIT + 1))
        with pytest.raises(PayloadTooLargeError):
            make_output_reader(output_prefix, max_payload_bytes=LIMIT).is_error()
