"""Readers accept Flyte 2's files untold: ordered inputs and outputs, context, report.html."""

from __future__ import annotations

import pytest
from reader_support import Twin, reader_for
from reader_support import twin_fixture as twin_fixture
from rig import Rig

from plugio.core import (
    ArtifactKey,
    ArtifactVersionId,
    ContainerError,
    ErrorDocument,
    Inputs,
    KeyValuePair,
    Literal,
    LiteralMap,
    NamedLiteral,
    Outputs,
    Primitive,
    ProducedArtifact,
    Scalar,
)
from plugio.core import ExecutionError as ExecutionErrorMessage
from plugio.execution import ErrorKind, ExecutionError
from plugio.paths import InputPaths, ReadOnlyOutputPaths
from plugio.readers import (
    CachingInputReader,
    InMemoryOutputReader,
    InputReader,
    RemoteFileInputReader,
)


def integer(value: int) -> Literal:
    return Literal(scalar=Scalar(primitive=Primitive(integer=value)))


NAMED = [
    NamedLiteral(name="z", value=integer(1)),
    NamedLiteral(name="a", value=integer(2)),
    NamedLiteral(name="z", value=integer(3)),
]


def test_flyte2_inputs_keep_order_repeated_names_and_context(rig: Rig, twin: Twin) -> None:
    inputs = Inputs(literals=NAMED, context=[KeyValuePair(key="trace-id", value="é 1")])
    paths = InputPaths(rig.store, rig.ref("in put %23 é"))
    rig.store.write_protobuf(paths.get_input_path(), inputs)
    reader = RemoteFileInputReader(rig.store, paths)
    assert twin(reader.get_inputs) == inputs
    assert twin(CachingInputReader(reader).get_inputs) == inputs
    # The seed's form is still a LiteralMap: of a repeated name, the last; the
    # context is kept as an unknown field.
    literal_map = twin(reader.get)
    assert dict(literal_map.literals) == {"z": integer(3), "a": integer(2)}
    assert Inputs.FromString(literal_map.SerializeToString()).context == inputs.context


class InMemoryInputs(InputReader):
    """A plugin's own reader: only ``get`` and the paths."""

    def __init__(self, literal_map: LiteralMap) -> None:
        self.literal_map = literal_map

    def get_input_prefix_path(self) -> str:
        return "memory://b/in"

    def get_input_path(self) -> str:
        return "memory://b/in/inputs.pb"

    def get(self) -> LiteralMap:
        return self.literal_map


def test_flyte1_inputs_read_as_inputs_too(rig: Rig, twin: Twin) -> None:
    paths = InputPaths(rig.store, rig.ref("in"))
    rig.store.write_protobuf(paths.get_input_path(), LiteralMap(literals={"b": integer(1)}))
    reader = RemoteFileInputReader(rig.store, paths)
    expected = Inputs(literals=[NamedLiteral(name="b", value=integer(1))])
    assert twin(reader.get_inputs) == expected
    # A reader without a file of its own builds them from its map.
    assert twin(InMemoryInputs(LiteralMap(literals={"b": integer(1)})).get_inputs) == expected


@pytest.mark.parametrize("rig", ["memory"], indirect=True)
def test_flyte2_outputs_keep_order_and_artifacts(rig: Rig, twin: Twin) -> None:
    artifact = ProducedArtifact(
        output="z",
        name="model",
        parent_artifacts=[ArtifactVersionId(key=ArtifactKey(name="data"), version="1")],
    )
    outputs = Outputs(literals=NAMED, produced_artifacts=[artifact])
    reader, paths = reader_for(rig, max_payload_bytes=None)
    rig.store.write_protobuf(paths.get_output_path(), outputs)
    assert twin(reader.read_outputs) == (outputs, None)
    literal_map, error = twin(reader.read)
    assert error is None
    assert literal_map is not None
    assert dict(literal_map.literals) == {"z": integer(3), "a": integer(2)}


@pytest.mark.parametrize("rig", ["memory"], indirect=True)
def test_empty_flyte2_outputs_are_no_outputs(rig: Rig, twin: Twin) -> None:
    reader, paths = reader_for(rig)
    rig.store.write_protobuf(paths.get_output_path(), Outputs())
    outputs, error = twin(reader.read_outputs)
    assert outputs is None
    assert error is not None
    assert error.code == "No outputs produced"


def test_deck_exists_finds_flyte2s_report(rig: Rig, twin: Twin) -> None:
    reader, _ = reader_for(rig)
    assert twin(reader.deck_exists) is False
    rig.store.write_bytes(rig.ref("out", "report.html"), b"<html>report</html>")
    assert twin(reader.deck_exists) is True


@pytest.mark.parametrize("rig", ["memory"], indirect=True)
def test_deck_exists_looks_no_further_than_a_custom_deck_name(rig: Rig, twin: Twin) -> None:
    class CustomDeck(ReadOnlyOutputPaths):
        def get_deck_path(self) -> str:
            return rig.ref("out", "my deck.html")

    from plugio.readers import RemoteFileOutputReader

    reader = RemoteFileOutputReader(rig.store, CustomDeck(rig.store, rig.ref("out")))
    rig.store.write_bytes(rig.ref("out", "report.html"), b"<html></html>")
    assert twin(reader.deck_exists) is False


@pytest.mark.parametrize("rig", ["memory"], indirect=True)
def test_a_flyte2_error_document_reads_with_its_prefix_dropped(rig: Rig, twin: Twin) -> None:
    reader, paths = reader_for(rig)
    document = ErrorDocument(
        error=ContainerError(
            code="RetriesExhausted|ValueError",
            message="bad",
            kind=ContainerError.RECOVERABLE,
            origin=ExecutionErrorMessage.USER,
        )
    )
    rig.store.write_protobuf(paths.get_error_path(), document)
    error = twin(reader.read_error)
    assert error == ExecutionError("ValueError", "bad", ErrorKind.USER, True)
    assert error.error_uri == paths.get_error_path()


def test_in_memory_reader_keeps_the_outputs_it_was_given(twin: Twin) -> None:
    outputs = Outputs(literals=NAMED)
    reader = InMemoryOutputReader(literals=outputs)
    assert twin(reader.read_outputs) == (outputs, None)
    literal_map, error = twin(reader.read)
    assert error is None
    assert literal_map is not None
    assert dict(literal_map.literals) == {"z": integer(3), "a": integer(2)}
    by_map = InMemoryOutputReader(literals=LiteralMap(literals={"b": integer(1), "a": integer(2)}))
    found, _ = twin(by_map.read_outputs)
    assert found is not None
    assert [entry.name for entry in found.literals] == ["a", "b"]
