"""The golden vectors: plugio decodes them, flyteidl agrees, and they cover the contract."""

from __future__ import annotations

from collections.abc import Iterator
from importlib import resources

import pytest
from flyteidl.core import errors_pb2 as flyte_errors
from flyteidl.core import execution_pb2 as flyte_execution
from flyteidl.core import literals_pb2 as flyte_literals
from flyteidl2.core import execution_pb2 as flyte2_execution
from flyteidl2.task import common_pb2 as flyte2_task
from google.protobuf.json_format import MessageToDict
from google.protobuf.message import Message

from plugio.core import ErrorDocument, Literal, LiteralMap
from plugio_conformance import AbstractGoldenVectorTests, ConformanceFixtures
from plugio_conformance.vectors import GoldenVector, golden_index, golden_vectors

VECTORS = golden_vectors()
FLYTE_CLASSES = {
    "flyteidl.core.LiteralMap": flyte_literals.LiteralMap,
    "flyteidl.core.Literal": flyte_literals.Literal,
    "flyteidl.core.ErrorDocument": flyte_errors.ErrorDocument,
    "flyteidl.core.ExecutionError": flyte_execution.ExecutionError,
    "flyteidl2.task.Inputs": flyte2_task.Inputs,
    "flyteidl2.task.Outputs": flyte2_task.Outputs,
    "flyteidl2.core.ErrorDocument": flyte2_execution.ErrorDocument,
}
FLYTE2_REPORT = "flyte2_report.html"


class TestGoldenVectors(AbstractGoldenVectorTests, ConformanceFixtures):
    pass


@pytest.mark.parametrize("vector", VECTORS, ids=lambda vector: vector.name)
def test_flyteidl_decodes_each_vector_to_the_recorded_value(vector: GoldenVector) -> None:
    message = FLYTE_CLASSES[vector.message].FromString(vector.data)
    assert MessageToDict(message, preserving_proto_field_name=True) == vector.value


def test_every_file_is_described_and_indexed() -> None:
    folder = resources.files("plugio_conformance").joinpath("golden")
    names = {entry.name for entry in folder.iterdir()}
    encoded = {name.removesuffix(".pb") for name in names if name.endswith(".pb")}
    described = {name.removesuffix(".json") for name in names if name.endswith(".json")}
    assert encoded == described - {"index"}
    assert set(golden_index()["vectors"]) == encoded == {vector.name for vector in VECTORS}
    assert names - {f"{name}.pb" for name in encoded} - {
        f"{name}.json" for name in described
    } == set(golden_index()["files"])


def test_vectors_come_from_flyteidl_and_flytekit() -> None:
    index = golden_index()
    producers = {vector.producer.split()[0] for vector in VECTORS}
    assert {"flyteidl", "hand-encoded", "flyte", "flyteidl2"} <= producers
    if index["flytekit_missing"] is None:
        assert "flytekit" in producers
        assert index["producers"]["flytekit"]
    assert {vector.producer for vector in VECTORS} <= {
        *(f"{name} {version}" for name, version in index["producers"].items() if version),
        "hand-encoded bytes",
    }


def _literals(message: Message) -> Iterator[Literal]:
    """Every Literal inside ``message``, depth first."""
    if isinstance(message, Literal):
        yield message
        kind = message.WhichOneof("value")
        if kind == "collection":
            for item in message.collection.literals:
                yield from _literals(item)
        elif kind == "map":
            for item in message.map.literals.values():
                yield from _literals(item)
        elif kind == "scalar" and message.scalar.WhichOneof("value") == "union":
            yield from _literals(message.scalar.union.value)
    elif isinstance(message, LiteralMap):
        for item in message.literals.values():
            yield from _literals(item)


def _all_literals() -> list[Literal]:
    found: list[Literal] = []
    for vector in VECTORS:
        if vector.message_name in ("LiteralMap", "Inputs", "Outputs"):
            # Flyte 2's named literals encode as map entries.
            found += _literals(LiteralMap.FromString(vector.data))
        elif vector.message_name == "Literal":
            found += _literals(Literal.FromString(vector.data))
    return found


def _oneof_names(message: type[Message], oneof: str) -> set[str]:
    return {field.name for field in message.DESCRIPTOR.oneofs_by_name[oneof].fields}


def test_vectors_cover_every_literal_scalar_and_primitive_kind() -> None:
    literals = _all_literals()
    kinds = {literal.WhichOneof("value") for literal in literals}
    scalars = [literal.scalar for literal in literals if literal.HasField("scalar")]
    scalar_kinds = {scalar.WhichOneof("value") for scalar in scalars}
    primitives = {s.primitive.WhichOneof("value") for s in scalars if s.HasField("primitive")}
    assert kinds == _oneof_names(Literal, "value")
    assert scalar_kinds == _oneof_names(type(scalars[0]), "value")
    assert primitives == _oneof_names(type(scalars[0].primitive), "value")
    assert any(literal.hash for literal in literals)
    assert any(literal.metadata for literal in literals)
    blobs = {s.blob.metadata.type.dimensionality for s in scalars if s.HasField("blob")}
    assert blobs == {0, 1}  # SINGLE and MULTIPART


def test_vectors_nest_collections_and_maps() -> None:
    literals = _all_literals()
    assert any(item.HasField("collection") for lit in literals for item in lit.collection.literals)
    assert any(item.HasField("map") for lit in literals for item in lit.map.literals.values())
    assert any(not lit.collection.literals for lit in literals if lit.HasField("collection"))
    assert any(len(vector.data) == 0 for vector in VECTORS if vector.message_name == "LiteralMap")


def test_vectors_cover_every_error_document_case() -> None:
    documents = [
        (vector, ErrorDocument.FromString(vector.data))
        for vector in VECTORS
        if vector.message_name == "ErrorDocument"
    ]
    errors = [document.error for _, document in documents if document.HasField("error")]
    assert {error.kind for error in errors} == {0, 1}
    assert {0, 1, 2} <= {error.origin for error in errors}
    assert any(error.origin > 2 for error in errors)  # from a newer schema
    for stamped in (True, False):
        for worker in (True, False):
            assert any(
                error.HasField("timestamp") is stamped and bool(error.worker) is worker
                for error in errors
            ), (stamped, worker)
    assert any(len(vector.data) == 0 for vector, _ in documents)
    assert any(vector.data and not document.HasField("error") for vector, document in documents)
    assert any(doc.HasField("error") and doc.error.ByteSize() == 0 for _, doc in documents)
    codes = {vector.expected_execution_error("memory://x/error.pb").code for vector, _ in documents}
    assert "ErrorFileBadFormat" in codes


def test_only_error_documents_carry_an_execution_error() -> None:
    for vector in VECTORS:
        has_error = vector.execution_error is not None
        assert has_error is (vector.message_name == "ErrorDocument"), vector.name
        if not has_error:
            with pytest.raises(ValueError, match="not an error document"):
                vector.expected_execution_error("memory://x/error.pb")


def test_flyte2_vectors_cover_its_outputs_errors_and_report() -> None:
    flyte2 = {vector.name: vector for vector in VECTORS if vector.message.startswith("flyteidl2.")}
    assert {vector.message for vector in flyte2.values()} == {
        "flyteidl2.task.Inputs",
        "flyteidl2.task.Outputs",
        "flyteidl2.core.ErrorDocument",
    }
    errors = {
        name: vector.expected_execution_error("memory://x/error.pb")
        for name, vector in flyte2.items()
        if vector.execution_error is not None
    }
    # A plain user exception is recoverable in Flyte 2; NonRecoverableError is not.
    assert errors["flyte2_error_user_error"].code == "ValueError"
    assert errors["flyte2_error_user_error"].is_recoverable is True
    assert errors["flyte2_error_user_error_non_recoverable"].is_recoverable is False
    assert errors["flyte2_error_system_error"].kind.name == "SYSTEM"
    assert errors["flyte2_error_retries_exhausted"].code == "ValueError"
    # No Flyte 2 document carries a timestamp or a worker.
    assert all(e.timestamp is None and not e.worker for e in errors.values())
    folder = resources.files("plugio_conformance").joinpath("golden")
    report = folder.joinpath(FLYTE2_REPORT).read_text(encoding="utf-8")
    assert "Résumé 7" in report
