"""A writer told Flyte 2 writes what Flyte 2's runtime writes: ordered outputs, its error form."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from rig import Rig

from plugio.core import ErrorDocument, LiteralMap, Outputs
from plugio.execution import ErrorKind, ExecutionError
from plugio.generation import FlyteGeneration
from plugio.literals import to_literal
from plugio.paths import RemoteFileOutputPaths
from plugio.readers import InMemoryOutputReader, RemoteFileOutputReader
from plugio.task import write_outputs, write_outputs_async
from plugio.writers import RemoteFileOutputWriter
from plugio_conformance.vectors import golden_vectors

WHEN = dt.datetime(2024, 2, 29, 23, 59, 58, 123456, tzinfo=dt.timezone.utc)
PRIMITIVES = {
    "o0": 42,
    "o1": 2.5,
    "o2": "héllo!",
    "o3": False,
    "o4": WHEN,
    "o5": dt.timedelta(hours=1, microseconds=5),
}


def golden(name: str) -> bytes:
    (found,) = [vector.data for vector in golden_vectors() if vector.name == name]
    return found


def writer_for(rig: Rig, generation: int) -> RemoteFileOutputWriter:
    paths = RemoteFileOutputPaths(rig.store, rig.ref("out é"), rig.ref("raw"))
    return RemoteFileOutputWriter(rig.store, paths, generation=generation)


@pytest.mark.parametrize("use_async", [False, True], ids=["sync", "async"])
def test_flyte2_outputs_are_a0s_bytes(rig: Rig, use_async: bool) -> None:
    writer = writer_for(rig, 2)
    if use_async:
        asyncio.run(write_outputs_async(writer, PRIMITIVES))
    else:
        write_outputs(writer, PRIMITIVES)
    stored = rig.store.read_bytes(writer.get_output_path())
    assert stored == golden("flyte2_outputs_primitives")
    reader = RemoteFileOutputReader(rig.store, writer.paths)
    outputs, error = reader.read_outputs()
    assert error is None
    assert outputs is not None
    assert [entry.name for entry in outputs.literals] == list(PRIMITIVES)


def test_flyte1_outputs_stay_a_sorted_map(rig: Rig) -> None:
    writer = writer_for(rig, 1)
    write_outputs(writer, {"b": 1, "a": 2})
    stored = rig.store.read_bytes(writer.get_output_path())
    expected = LiteralMap(literals={"a": to_literal(2), "b": to_literal(1)})
    assert stored == expected.SerializeToString(deterministic=True)


@pytest.mark.parametrize(
    "name",
    [
        "flyte2_error_user_error",
        "flyte2_error_user_error_non_recoverable",
        "flyte2_error_system_error",
    ],
)
def test_flyte2_error_documents_are_a0s_bytes(rig: Rig, name: str) -> None:
    data = golden(name)
    error = ExecutionError.from_container_error(ErrorDocument.FromString(data).error)
    # Flyte 2 has no place for a timestamp or worker: a writer told Flyte 2 leaves them out.
    stamped = ExecutionError(
        error.code, error.message, error.kind, error.is_recoverable, WHEN, "worker-1"
    )
    writer = writer_for(rig, 2)
    writer.put(InMemoryOutputReader(error=stamped))
    assert rig.store.read_bytes(writer.get_error_path()) == data


def test_flyte1_error_documents_keep_timestamp_and_worker(rig: Rig) -> None:
    error = ExecutionError("USER:ValueError", "bad", ErrorKind.USER, False, WHEN, "worker-1")
    writer = writer_for(rig, 1)
    writer.put(InMemoryOutputReader(error=error))
    stored = ErrorDocument.FromString(rig.store.read_bytes(writer.get_error_path()))
    assert ExecutionError.from_container_error(stored.error) == error


def test_the_writer_says_its_generation() -> None:
    from plugio.storage import DataStore

    store = DataStore()
    paths = RemoteFileOutputPaths(store, "memory://b/out", "memory://b/raw")
    assert RemoteFileOutputWriter(store, paths).generation is FlyteGeneration.FLYTE1
    assert RemoteFileOutputWriter(store, paths, generation="2").generation is FlyteGeneration.FLYTE2
    with pytest.raises(ValueError, match="not a Flyte generation: '3'"):
        RemoteFileOutputWriter(store, paths, generation="3")


def test_outputs_given_as_flyte2_outputs_are_written_as_given(rig: Rig) -> None:
    outputs = Outputs.FromString(golden("flyte2_outputs_enum_and_dataclass"))
    writer = writer_for(rig, 2)
    writer.put(InMemoryOutputReader(literals=outputs))
    assert rig.store.read_bytes(writer.get_output_path()) == outputs.SerializeToString()
