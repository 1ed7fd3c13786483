"""The input reader contract: ``inputs.pb`` in, a ``LiteralMap`` out, failures kept."""

from __future__ import annotations

import pytest

from plugio.core import Inputs, LiteralMap
from plugio.errors import CorruptPayloadError, NotFoundError, PayloadTooLargeError
from plugio.literals import literal_map_of
from plugio.paths import INPUTS_FILE
from plugio.references import join
from plugio_conformance.abstract._fixtures import (
    ConformanceFixtures,
    MakeInputReader,
    WriteInputs,
)
from plugio_conformance.abstract._values import LIMIT, integers, outputs_of_size, run_async
from plugio_conformance.vectors import golden_vectors

__all__ = ["AbstractInputReaderTests"]


def _encoded(literals: LiteralMap) -> bytes:
    return literals.SerializeToString(deterministic=True)


class AbstractInputReaderTests(ConformanceFixtures):
    """What every ``InputReader`` does (CONTRACT.md, "Input reader").

    Fixtures: ``make_input_reader`` (required), ``write_inputs``, ``input_prefix``.
    Flags: ``enforces_payload_limit``, ``caches_inputs``.
    """

    # -- paths -----------------------------------------------------------------------
    def test_input_prefix_is_returned_as_given(
        self, make_input_reader: MakeInputReader, input_prefix: str
    ) -> None:
        assert make_input_reader(input_prefix).get_input_prefix_path() == input_prefix

    def test_input_path_is_inputs_pb_under_the_prefix(
        self, make_input_reader: MakeInputReader, input_prefix: str
    ) -> None:
        reader = make_input_reader(input_prefix)
        assert reader.get_input_path() == join(input_prefix, INPUTS_FILE)

    # -- reading -------------------------------------------------------------------------
    def test_get_returns_the_literal_map(
        self, make_input_reader: MakeInputReader, write_inputs: WriteInputs, input_prefix: str
    ) -> None:
        write_inputs(input_prefix, _encoded(integers(a=1, b=-2)))
        assert make_input_reader(input_prefix).get() == integers(a=1, b=-2)

    def test_zero_byte_inputs_are_an_empty_map(
        self, make_input_reader: MakeInputReader, write_inputs: WriteInputs, input_prefix: str
    ) -> None:
        write_inputs(input_prefix, b"")
        inputs = make_input_reader(input_prefix).get()
        assert inputs == LiteralMap()
        assert len(inputs.literals) == 0

    def test_golden_literal_maps_are_read_unchanged(
        self, make_input_reader: MakeInputReader, write_inputs: WriteInputs, input_prefix: str
    ) -> None:
        for vector in golden_vectors("LiteralMap"):
            prefix = join(input_prefix, vector.name)
            write_inputs(prefix, vector.data)
            expected = LiteralMap.FromString(vector.data)
            read = make_input_reader(prefix, max_payload_bytes=None).get()
            assert read == expected, vector.name

    def test_golden_flyte2_inputs_are_read_as_a_map_and_in_order(
        self, make_input_reader: MakeInputReader, write_inputs: WriteInputs, input_prefix: str
    ) -> None:
        for vector in golden_vectors("Inputs"):
            prefix = join(input_prefix, vector.name)
            write_inputs(prefix, vector.data)
            reader = make_input_reader(prefix, max_payload_bytes=None)
            expected = Inputs.FromString(vector.data)
            assert dict(reader.get().literals) == dict(literal_map_of(expected).literals)
            # In declared order; a reader that only has a map (the default
            # ``get_inputs``) gives them sorted by name.
            names = [entry.name for entry in reader.get_inputs().literals]
            declared = [entry.name for entry in expected.literals]
            assert names in (declared, sorted(set(declared))), vector.name

    # -- failures ---------------------------------------------------------------------
    def test_missing_inputs_raise_not_found_naming_the_path(
        self, make_input_reader: MakeInputReader, input_prefix: str
    ) -> None:
        reader = make_input_reader(input_prefix)
        with pytest.raises(FileNotFoundError) as raised:
            reader.get()
        assert isinstance(raised.value, NotFoundError)
        assert reader.get_input_path() in str(raised.value)

    def test_read_failure_says_failed_to_read_data_from_data_dir(
        self, make_input_reader: MakeInputReader, input_prefix: str
    ) -> None:
        reader = make_input_reader(input_prefix)
        with pytest.raises(NotFoundError) as raised:
            reader.get()
        assert f"failed to read data from dataDir [{reader.get_input_path()}]" in str(raised.value)

    def test_read_failure_keeps_the_cause(
        self, make_input_reader: MakeInputReader, input_prefix: str
    ) -> None:
        with pytest.raises(NotFoundError) as raised:
            make_input_reader(input_prefix).get()
        assert raised.value.__cause__ is not None

    def test_undecodable_inputs_raise_corrupt_payload(
        self, make_input_reader: MakeInputReader, write_inputs: WriteInputs, input_prefix: str
    ) -> None:
        write_inputs(input_prefix, b"\xff\xff\xff")
        reader = make_input_reader(input_prefix)
        with pytest.raises(CorruptPayloadError) as raised:
            reader.get()
        assert reader.get_input_path() in str(raised.value)

    # -- size limit -------------------------------------------------------------------
    def test_inputs_over_the_limit_raise_payload_too_large(
        self, make_input_reader: MakeInputReader, write_inputs: WriteInputs, input_prefix: str
    ) -> None:
        self.require("enforces_payload_limit", "the reader reads inputs of any size")
        write_inputs(input_prefix, _encoded(outputs_of_size(LIMIT + 1)))
        reader = make_input_reader(input_prefix, max_payload_bytes=LIMIT)
        with pytest.raises(PayloadTooLargeError) as raised:
            reader.get()
        assert raised.value.limit == LIMIT
        assert reader.get_input_path() in str(raised.value)

    def test_inputs_at_the_limit_are_read(
        self, make_input_reader: MakeInputReader, write_inputs: WriteInputs, input_prefix: str
    ) -> None:
        write_inputs(input_prefix, _encoded(outputs_of_size(LIMIT)))
        inputs = make_input_reader(input_prefix, max_payload_bytes=LIMIT).get()
        assert inputs == outputs_of_size(LIMIT)

    def test_unlimited_reader_reads_large_inputs(
        self, make_input_reader: MakeInputReader, write_inputs: WriteInputs, input_prefix: str
    ) -> None:
        write_inputs(input_prefix, _encoded(outputs_of_size(100_000)))
        inputs = make_input_reader(input_prefix, max_payload_bytes=None).get()
        assert inputs.ByteSize() == 100_000

    # -- async twin -------------------------------------------------------------------
    def test_get_async_returns_the_same_inputs(
        self, make_input_reader: MakeInputReader, write_inputs: WriteInputs, input_prefix: str
    ) -> None:
        write_inputs(input_prefix, _encoded(integers(n=7)))
        assert run_async(make_input_reader(input_prefix).get_async()) == integers(n=7)

    def test_get_async_raises_as_get_does(
        self, make_input_reader: MakeInputReader, input_prefix: str
    ) -> None:
        with pytest.raises(NotFoundError):
            run_async(make_input_reader(input_prefix).get_async())

    # -- caching ------------------------------------------------------------------------
    def test_cached_reader_keeps_the_first_result(
        self, make_input_reader: MakeInputReader, write_inputs: WriteInputs, input_prefix: str
    ) -> None:
        self.require("caches_inputs", "the reader reads inputs at every call")
        write_inputs(input_prefix, _encoded(integers(first=1)))
        reader = make_input_reader(input_prefix)
        first = reader.get()
        write_inputs(input_prefix, _encoded(integers(second=2)))
        assert reader.get() == integers(first=1)
        assert run_async(reader.get_async()) == first

    def test_cached_reader_never_caches_failures(
        self, make_input_reader: MakeInputReader, write_inputs: WriteInputs, input_prefix: str
    ) -> None:
        self.require("caches_inputs", "the reader reads inputs at every call")
        reader = make_input_reader(input_prefix)
        with pytest.raises(NotFoundError):
            reader.get()
        with pytest.raises(NotFoundError):
            run_async(reader.get_async())
        write_inputs(input_prefix, _encoded(integers(late=3)))
        assert reader.get() == integers(late=3)
