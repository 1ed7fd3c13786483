"""Files Flyte writes (built with flyteidl) are read by plugio's readers unchanged."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone

from flyteidl.core import errors_pb2 as flyte_errors
from flyteidl.core import execution_pb2 as flyte_execution
from flyteidl.core import literals_pb2 as flyte_literals
from flyteidl.core import types_pb2 as flyte_types
from google.protobuf.timestamp_pb2 import Timestamp
from rig import Rig

from plugio.execution import ErrorKind, ExecutionError
from plugio.paths import InputPaths, ReadOnlyOutputPaths
from plugio.readers import EarliestErrorStrategy, RemoteFileInputReader, RemoteFileOutputReader

STAMP = datetime(2024, 2, 21, 12, 30, 15, 123456, tzinfo=timezone.utc)


def flyte_literal_map() -> flyte_literals.LiteralMap:
    """A small map with the common literal shapes, built with Flyte's own classes."""
    literals = flyte_literals.LiteralMap()
    literals.literals["n"].scalar.primitive.integer = 42
    literals.literals["s"].scalar.primitive.string_value = "héllo"
    literals.literals["f"].scalar.primitive.float_value = 0.5
    literals.literals["b"].scalar.primitive.boolean = True
    literals.literals["t"].scalar.primitive.datetime.FromDatetime(STAMP)
    literals.literals["none"].scalar.none_type.SetInParent()
    blob = literals.literals["blob"].scalar.blob
    blob.uri = "s3://bucket/raw/ab/file.csv"
    blob.metadata.type.format = "csv"
    blob.metadata.type.dimensionality = flyte_types.BlobType.SINGLE
    items = literals.literals["list"].collection.literals
    items.add().scalar.primitive.integer = 1
    items.add().scalar.primitive.integer = 2
    literals.literals["map"].map.literals["k"].scalar.primitive.string_value = "v"
    return literals


def flyte_error_document(code: str, worker: str = "w-1") -> flyte_errors.ErrorDocument:
    stamp = Timestamp()
    stamp.FromDatetime(STAMP)
    return flyte_errors.ErrorDocument(
        error=flyte_errors.ContainerError(
            code=code,
            message="from flytekit",
            kind=flyte_errors.ContainerError.RECOVERABLE,
            origin=flyte_execution.ExecutionError.SYSTEM,
            timestamp=stamp,
            worker=worker,
        )
    )


def test_flyte_inputs_are_read(rig: Rig) -> None:
    paths = InputPaths(rig.store, rig.ref("in"))
    written = flyte_literal_map()
    rig.store.write_bytes(paths.get_input_path(), written.SerializeToString())
    reader = RemoteFileInputReader(rig.store, paths)
    expected = written.SerializeToString(deterministic=True)
    assert reader.get().SerializeToString(deterministic=True) == expected
    assert asyncio.run(reader.get_async()).SerializeToString(deterministic=True) == expected


def test_flyte_outputs_are_read(rig: Rig) -> None:
    paths = ReadOnlyOutputPaths(rig.store, rig.ref("out"))
    written = flyte_literal_map()
    rig.store.write_bytes(paths.get_output_path(), written.SerializeToString())
    reader = RemoteFileOutputReader(rig.store, paths)
    assert reader.exists()
    literals, error = reader.read()
    assert error is None
    assert literals is not None
    expected = written.SerializeToString(deterministic=True)
    assert literals.SerializeToString(deterministic=True) == expected


def test_flyte_error_documents_are_read(rig: Rig) -> None:
    paths = ReadOnlyOutputPaths(rig.store, rig.ref("out"))
    rig.store.write_bytes(paths.get_error_path(), flyte_error_document("OOM").SerializeToString())
    expected = ExecutionError("OOM", "from flytekit", ErrorKind.SYSTEM, True, STAMP, "w-1")
    reader = RemoteFileOutputReader(rig.store, paths)
    assert reader.is_error()
    assert reader.read_error() == expected
    earliest = RemoteFileOutputReader(rig.store, paths, error_strategy=EarliestErrorStrategy())
    assert asyncio.run(earliest.read_error_async()) == expected


def test_flyte_worker_error_files_are_candidates(rig: Rig) -> None:
    paths = ReadOnlyOutputPaths(rig.store, rig.ref("out"))
    for worker in ("a", "b"):
        document = flyte_error_document(f"E-{worker}", worker)
        rig.store.write_bytes(rig.ref("out", f"error-{worker}.pb"), document.SerializeToString())
    reader = RemoteFileOutputReader(rig.store, paths, error_strategy=EarliestErrorStrategy())
    assert reader.is_error()
    assert reader.read_error().worker == "a"  # same timestamp: the first listed
