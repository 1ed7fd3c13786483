"""The remote-file output reader contract: sizes, limits and how reads fail.

These tests leave raw bytes under the output prefix with the ``write_file``
fixture, so they need a reader over files (``is_file_backed``).
"""

from __future__ import annotations

import pytest

from plugio.core import LiteralMap
from plugio.errors import CorruptPayloadError, NotFoundError, PayloadTooLargeError
from plugio.paths import DECK_FILE, ERROR_FILE, OUTPUTS_FILE
from plugio.references import join
from plugio_conformance.abstract._fixtures import ConformanceFixtures, MakeOutputReader, WriteFile
from plugio_conformance.abstract._values import (
    LIMIT,
    error_document_of_size,
    integers,
    outputs_of_size,
    run_async,
)

__all__ = ["OutputReaderFileTests"]


def _too_large(raised: pytest.ExceptionInfo[PayloadTooLargeError], path: str, size: int) -> None:
    """The error names the path, the size and the limit."""
    error = raised.value
    assert (error.ref, error.size, error.limit) == (path, size, LIMIT)
    assert path in str(error)
    assert str(size) in str(error)
    assert str(LIMIT) in str(error)


class OutputReaderFileTests(ConformanceFixtures):
    """A reader over ``outputs.pb``, ``error.pb`` and the deck under the output prefix."""

    def _files(self) -> None:
        self.require("is_file_backed", "the reader does not read files under the prefix")

    def _limited(self) -> None:
        self._files()
        self.require("enforces_payload_limit", "the reader accepts files of any size")

    # -- the size limit: size > limit is too large, equal is fine ------------------------
    def test_exists_refuses_size_over_limit(
        self, make_output_reader: MakeOutputReader, write_file: WriteFile, output_prefix: str
    ) -> None:
        self._limited()
        path = join(output_prefix, OUTPUTS_FILE)
        write_file(path, b"x" * (LIMIT + 1))
        with pytest.raises(PayloadTooLargeError) as raised:
            make_output_reader(output_prefix, max_payload_bytes=LIMIT).exists()
        _too_large(raised, path, LIMIT + 1)

    def test_exists_allows_size_equal_to_limit(
        self, make_output_reader: MakeOutputReader, write_file: WriteFile, output_prefix: str
    ) -> None:
        self._files()
        write_file(join(output_prefix, OUTPUTS_FILE), b"x" * LIMIT)
        assert make_output_reader(output_prefix, max_payload_bytes=LIMIT).exists() is True

    def test_is_error_refuses_size_over_limit(
        self, make_output_reader: MakeOutputReader, write_file: WriteFile, output_prefix: str
    ) -> None:
        self._limited()
        path = join(output_prefix, ERROR_FILE)
        write_file(path, b"x" * (LIMIT + 1))
        with pytest.raises(PayloadTooLargeError) as raised:
            make_output_reader(output_prefix, max_payload_bytes=LIMIT).is_error()
        _too_large(raised, path, LIMIT + 1)

    def test_is_error_allows_size_equal_to_limit(
        self, make_output_reader: MakeOutputReader, write_file: WriteFile, output_prefix: str
    ) -> None:
        self._files()
        write_file(join(output_prefix, ERROR_FILE), b"x" * LIMIT)
        assert make_output_reader(output_prefix, max_payload_bytes=LIMIT).is_error() is True

    def test_read_refuses_outputs_over_limit(
        self, make_output_reader: MakeOutputReader, write_file: WriteFile, output_prefix: str
    ) -> None:
        self._limited()
        path = join(output_prefix, OUTPUTS_FILE)
        write_file(path, outputs_of_size(LIMIT + 1).SerializeToString(deterministic=True))
        with pytest.raises(PayloadTooLargeError) as raised:
            make_output_reader(output_prefix, max_payload_bytes=LIMIT).read()
        assert path in str(raised.value)

    def test_read_allows_outputs_equal_to_limit(
        self, make_output_reader: MakeOutputReader, write_file: WriteFile, output_prefix: str
    ) -> None:
        self._files()
        outputs = outputs_of_size(LIMIT)
        write_file(join(output_prefix, OUTPUTS_FILE), outputs.SerializeToString(deterministic=True))
        assert make_output_reader(output_prefix, max_payload_bytes=LIMIT).read() == (outputs, None)

    def test_read_error_refuses_size_over_limit(
        self, make_output_reader: MakeOutputReader, write_file: WriteFile, output_prefix: str
    ) -> None:
        self._limited()
        document = error_document_of_size(LIMIT + 1)
        write_file(join(output_prefix, ERROR_FILE), document.SerializeToString())
        with pytest.raises(PayloadTooLargeError):
            make_output_reader(output_prefix, max_payload_bytes=LIMIT).read_error()

    def test_read_error_allows_size_equal_to_limit(
        self, make_output_reader: MakeOutputReader, write_file: WriteFile, output_prefix: str
    ) -> None:
        self._files()
        document = error_document_of_size(LIMIT)
        write_file(join(output_prefix, ERROR_FILE), document.SerializeToString())
        error = make_output_reader(output_prefix, max_payload_bytes=LIMIT).read_error()
        assert error.message == document.error.message

    def test_async_twins_refuse_size_over_limit(
        self, make_output_reader: MakeOutputReader, write_file: WriteFile, output_prefix: str
    ) -> None:
        self._limited()
        write_file(join(output_prefix, OUTPUTS_FILE), b"x" * (LIMIT + 1))
        write_file(join(output_prefix, ERROR_FILE), b"x" * (LIMIT + 1))
        reader = make_output_reader(output_prefix, max_payload_bytes=LIMIT)
        with pytest.raises(PayloadTooLargeError):
            run_async(reader.exists_async())
        with pytest.raises(PayloadTooLargeError):
            run_async(reader.is_error_async())

    def test_no_limit_means_unlimited(
        self, make_output_reader: MakeOutputReader, write_file: WriteFile, output_prefix: str
    ) -> None:
        self._files()
        outputs = outputs_of_size(100_000)
        write_file(join(output_prefix, OUTPUTS_FILE), outputs.SerializeToString(deterministic=True))
        write_file(join(output_prefix, ERROR_FILE), b"x" * 100_000)
        reader = make_output_reader(output_prefix, max_payload_bytes=None)
        assert reader.exists() is True
        assert reader.is_error() is True
        assert reader.read() == (outputs, None)

    def test_limit_is_per_reader(
        self, make_output_reader: MakeOutputReader, write_file: WriteFile, output_prefix: str
    ) -> None:
        self._limited()
        write_file(join(output_prefix, OUTPUTS_FILE), b"x" * (LIMIT + 1))
        strict = make_output_reader(output_prefix, max_payload_bytes=LIMIT)
        lenient = make_output_reader(output_prefix, max_payload_bytes=LIMIT + 1)
        assert lenient.exists() is True
        with pytest.raises(PayloadTooLargeError):
            strict.exists()
        assert lenient.exists() is True

    def test_default_limit_is_flytes_two_mebibytes(
        self, make_output_reader: MakeOutputReader, write_file: WriteFile, output_prefix: str
    ) -> None:
        self._limited()
        limit = self.default_max_payload_bytes
        if limit is None:
            pytest.skip("default_max_payload_bytes is None: the default limit is not checked")
        write_file(join(output_prefix, OUTPUTS_FILE), bytes(limit))
        write_file(join(output_prefix, ERROR_FILE), bytes(limit + 1))
        reader = make_output_reader(output_prefix)
        assert reader.exists() is True
        with pytest.raises(PayloadTooLargeError) as raised:
            reader.is_error()
        assert raised.value.limit == limit

    # -- read ---------------------------------------------------------------------------
    def test_read_of_empty_map_is_no_outputs_produced(
        self, make_output_reader: MakeOutputReader, write_file: WriteFile, output_prefix: str
    ) -> None:
        self._files()
        path = join(output_prefix, OUTPUTS_FILE)
        write_file(path, LiteralMap(literals={}).SerializeToString())
        outputs, error = make_output_reader(output_prefix).read()
        assert outputs is None
        assert error is not None
        assert (error.code, error.message, error.is_recoverable) == (
            "No outputs produced",
            f"outputs not found at [{path}]",
            True,
        )

    def test_read_of_zero_byte_outputs_is_no_outputs_produced(
        self, make_output_reader: MakeOutputReader, write_file: WriteFile, output_prefix: str
    ) -> None:
        self._files()
        write_file(join(output_prefix, OUTPUTS_FILE), b"")
        reader = make_output_reader(output_prefix)
        assert reader.exists() is True
        outputs, error = reader.read()
        assert outputs is None
        assert error is not None
        assert error.code == "No outputs produced"

    def test_read_of_missing_outputs_raises_not_found_keeping_the_cause(
        self, make_output_reader: MakeOutputReader, output_prefix: str
    ) -> None:
        self._files()
        with pytest.raises(NotFoundError) as raised:
            make_output_reader(output_prefix).read()
        assert join(output_prefix, OUTPUTS_FILE) in str(raised.value)
        assert raised.value.__cause__ is not None

    def test_read_of_undecodable_outputs_raises_corrupt_payload(
        self, make_output_reader: MakeOutputReader, write_file: WriteFile, output_prefix: str
    ) -> None:
        self._files()
        write_file(join(output_prefix, OUTPUTS_FILE), b"\xff\xff\xff")
        with pytest.raises(CorruptPayloadError) as raised:
            make_output_reader(output_prefix).read()
        assert join(output_prefix, OUTPUTS_FILE) in str(raised.value)

    def test_read_async_raises_as_read_does(
        self, make_output_reader: MakeOutputReader, output_prefix: str
    ) -> None:
        self._files()
        with pytest.raises(NotFoundError):
            run_async(make_output_reader(output_prefix).read_async())

    def test_read_reads_outputs_even_beside_an_error_file(
        self, make_output_reader: MakeOutputReader, write_file: WriteFile, output_prefix: str
    ) -> None:
        self._files()
        write_file(join(output_prefix, OUTPUTS_FILE), integers(a=1).SerializeToString())
        write_file(join(output_prefix, ERROR_FILE), b"\xff not an error document")
        assert make_output_reader(output_prefix).read() == (integers(a=1), None)

    # -- deck ---------------------------------------------------------------------------
    def test_deck_exists_is_a_head_of_the_deck_file(
        self, make_output_reader: MakeOutputReader, write_file: WriteFile, output_prefix: str
    ) -> None:
        self._files()
        reader = make_output_reader(output_prefix)
        assert reader.deck_exists() is False
        write_file(join(output_prefix, DECK_FILE), b"")
        assert reader.deck_exists() is True
        assert run_async(reader.deck_exists_async()) is True
