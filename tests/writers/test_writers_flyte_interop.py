"""What plugio's writer stores parses with flyteidl to the same values."""

from __future__ import annotations

from datetime import datetime, timezone

from flyteidl.core import errors_pb2 as flyte_errors
from flyteidl.core import execution_pb2 as flyte_execution
from flyteidl.core import literals_pb2 as flyte_literals
from rig import Rig

from plugio.core import LiteralMap
from plugio.execution import ErrorKind, ExecutionError
from plugio.paths import RemoteCheckpointPaths
from plugio.readers import InMemoryOutputReader
from plugio.writers import RemoteFileOutputWriter

STAMP = datetime(2024, 2, 21, 12, 30, 15, 123456, tzinfo=timezone.utc)


def writer_for(rig: Rig) -> tuple[RemoteFileOutputWriter, RemoteCheckpointPaths]:
    paths = RemoteCheckpointPaths(rig.store, rig.ref("out"), rig.ref("raw"))
    return RemoteFileOutputWriter(rig.store, paths), paths


def test_outputs_parse_with_flyteidl(rig: Rig) -> None:
    writer, paths = writer_for(rig)
    literals = LiteralMap()
    literals.literals["n"].scalar.primitive.integer = 7
    literals.literals["s"].collection.literals.add().scalar.primitive.string_value = "x"
    writer.put(InMemoryOutputReader(literals))
    parsed = flyte_literals.LiteralMap.FromString(rig.store.read_bytes(paths.get_output_path()))
    assert parsed.literals["n"].scalar.primitive.integer == 7
    assert parsed.literals["s"].collection.literals[0].scalar.primitive.string_value == "x"
    assert parsed.SerializeToString(deterministic=True) == literals.SerializeToString(
        deterministic=True
    )


def test_error_documents_parse_with_flyteidl(rig: Rig) -> None:
    writer, paths = writer_for(rig)
    error = ExecutionError("USER:KeyError", "missing key", ErrorKind.USER, True, STAMP, "w-7")
    writer.put(InMemoryOutputReader(error=error))
    parsed = flyte_errors.ErrorDocument.FromString(rig.store.read_bytes(paths.get_error_path()))
    container = parsed.error
    assert (container.code, container.message, container.worker) == (
        "USER:KeyError",
        "missing key",
        "w-7",
    )
    assert container.kind == flyte_errors.ContainerError.RECOVERABLE
    assert container.origin == flyte_execution.ExecutionError.USER
    assert container.timestamp.ToDatetime(tzinfo=timezone.utc) == STAMP


def test_a_non_recoverable_system_error_parses_with_flyteidl(rig: Rig) -> None:
    writer, paths = writer_for(rig)
    writer.put(InMemoryOutputReader(error=ExecutionError("Crash", "", ErrorKind.SYSTEM)))
    parsed = flyte_errors.ErrorDocument.FromString(rig.store.read_bytes(paths.get_error_path()))
    assert parsed.error.kind == flyte_errors.ContainerError.NON_RECOVERABLE
    assert parsed.error.origin == flyte_execution.ExecutionError.SYSTEM
    assert not parsed.error.HasField("timestamp")
