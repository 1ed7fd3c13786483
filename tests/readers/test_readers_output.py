"""RemoteFileOutputReader with the single error file, on every backend, sync and async."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from typing import Any

import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from reader_support import (
    Twin,
    error_document_of_size,
    literal_map_of_size,
    reader_for,
    twin_fixture,  # noqa: F401 - the ``twin`` fixture
)
from rig import Rig

from plugio.core import ContainerError, ErrorDocument, LiteralMap
from plugio.errors import CorruptPayloadError, NotFoundError
from plugio.execution import ErrorKind, ExecutionError
from plugio.paths import ReadOnlyOutputPaths
from plugio.readers import RemoteFileOutputReader, SingleErrorStrategy
from plugio.storage import DataStore

STAMP = datetime(2024, 2, 21, 12, 30, 15, 250000, tzinfo=timezone.utc)


def outputs(**values: int) -> LiteralMap:
    literals = LiteralMap()
    for name, value in values.items():
        literals.literals[name].scalar.primitive.integer = value
    return literals


def container_error(**fields: Any) -> ContainerError:
    error = ContainerError(**fields)
    if "code" not in fields:
        error.code = "USER:ValueError"
    return error


# -- exists ------------------------------------------------------------------
def test_exists_is_false_without_outputs(rig: Rig, twin: Twin) -> None:
    reader, _ = reader_for(rig)
    assert twin(reader.exists) is False


# -- is_error --------------------------------------------------------------------
def test_is_error_is_false_without_error_file(rig: Rig, twin: Twin) -> None:
    reader, _ = reader_for(rig)
    assert twin(reader.is_error) is False


# -- read_error ------------------------------------------------------------------
def test_read_error_of_missing_file_is_an_execution_error(rig: Rig, twin: Twin) -> None:
    reader, paths = reader_for(rig)
    error = twin(reader.read_error)
    assert (error.code, error.kind, error.is_recoverable) == (
        "ErrorFileNotFound",
        ErrorKind.SYSTEM,
        True,
    )
    assert paths.get_error_path() in error.message


@pytest.mark.parametrize("document", [b"", ErrorDocument().SerializeToString()])
def test_read_error_of_document_without_error_is_bad_format(
    rig: Rig, twin: Twin, document: bytes
) -> None:
    reader, paths = reader_for(rig)
    rig.store.write_bytes(paths.get_error_path(), document)
    error = twin(reader.read_error)
    assert (error.code, error.kind, error.is_recoverable) == (
        "ErrorFileBadFormat",
        ErrorKind.SYSTEM,
        True,
    )
    assert error.message == (
        f"error not formatted correctly, nil error @path [{paths.get_error_path()}]"
    )


def test_read_error_maps_every_field(rig: Rig, twin: Twin) -> None:
    reader, paths = reader_for(rig, max_payload_bytes=None)
    stamp = Timestamp()
    stamp.FromDatetime(STAMP)
    written = container_error(
        code="USER:ValueError",
        message="bad input",
        kind=ContainerError.RECOVERABLE,
        origin=ErrorKind.USER,
        timestamp=stamp,
        worker="worker-3",
    )
    rig.store.write_protobuf(paths.get_error_path(), ErrorDocument(error=written))
    error = twin(reader.read_error)
    assert error == ExecutionError(
        "USER:ValueError", "bad input", ErrorKind.USER, True, STAMP, "worker-3"
    )
    assert error.error_uri == paths.get_error_path()


@pytest.mark.parametrize(
    ("origin", "kind"),
    [(0, ErrorKind.UNKNOWN), (1, ErrorKind.USER), (2, ErrorKind.SYSTEM)],
)
def test_read_error_kind_comes_from_origin(
    rig: Rig, twin: Twin, origin: int, kind: ErrorKind
) -> None:
    reader, paths = reader_for(rig)
    document = ErrorDocument(error=container_error(origin=origin))
    rig.store.write_protobuf(paths.get_error_path(), document)
    error = twin(reader.read_error)
    assert error.kind is kind
    assert error.is_recoverable is False  # NON_RECOVERABLE is the default
    assert error.timestamp is None


def test_read_error_of_an_empty_container_error_is_empty(rig: Rig, twin: Twin) -> None:
    reader, paths = reader_for(rig)
    rig.store.write_protobuf(paths.get_error_path(), ErrorDocument(error=ContainerError()))
    assert twin(reader.read_error) == ExecutionError("")  # the engine reports it as Unknown


@pytest.mark.parametrize("damage", ["truncated", "garbage"])
def test_read_error_of_undecodable_file_raises(rig: Rig, twin: Twin, damage: str) -> None:
    reader, paths = reader_for(rig)
    rig.store.write_bytes(paths.get_error_path(), undecodable(damage, error_document_of_size(40)))
    with pytest.raises(CorruptPayloadError) as raised:
        twin(reader.read_error)
    assert isinstance(raised.value.__cause__, CorruptPayloadError)
    assert raised.value.ref == paths.get_error_path()


def undecodable(damage: str, message: LiteralMap | ErrorDocument) -> bytes:
    if damage == "truncated":
        return message.SerializeToString()[:-3]
    return b"not a protobuf message"


# -- read --------------------------------------------------------------------------
def test_read_returns_the_outputs(rig: Rig, twin: Twin) -> None:
    reader, paths = reader_for(rig)
    rig.store.write_protobuf(paths.get_output_path(), outputs(a=1, b=2))
    assert twin(reader.read) == (outputs(a=1, b=2), None)


@pytest.mark.parametrize("content", [b"", LiteralMap().SerializeToString()])
def test_read_of_map_without_entries_is_no_outputs(rig: Rig, twin: Twin, content: bytes) -> None:
    reader, paths = reader_for(rig)
    rig.store.write_bytes(paths.get_output_path(), content)
    literals, error = twin(reader.read)
    assert literals is None
    assert error == ExecutionError(
        code="No outputs produced",
        message=f"outputs not found at [{paths.get_output_path()}]",
        kind=ErrorKind.UNKNOWN,
        is_recoverable=True,
    )


def test_read_of_missing_outputs_raises_not_found_keeping_the_cause(rig: Rig, twin: Twin) -> None:
    reader, paths = reader_for(rig)
    with pytest.raises(NotFoundError) as raised:
        twin(reader.read)
    assert raised.value.ref == paths.get_output_path()
    assert f"failed to read data from dataDir [{paths.get_output_path()}]" in str(raised.value)
    assert isinstance(raised.value.__cause__, NotFoundError)


@pytest.mark.parametrize("damage", ["truncated", "garbage"])
def test_read_of_undecodable_outputs_raises(rig: Rig, twin: Twin, damage: str) -> None:
    reader, paths = reader_for(rig)
    rig.store.write_bytes(paths.get_output_path(), undecodable(damage, literal_map_of_size(40)))
    with pytest.raises(CorruptPayloadError) as raised:
        twin(reader.read)
    assert isinstance(raised.value.__cause__, CorruptPayloadError)


def test_read_does_not_consult_the_error_file(rig: Rig, twin: Twin) -> None:
    reader, paths = reader_for(rig)
    rig.store.write_protobuf(paths.get_output_path(), outputs(a=1))
    rig.store.write_protobuf(paths.get_error_path(), ErrorDocument(error=container_error()))
    assert twin(reader.read) == (outputs(a=1), None)


# -- deck, is_file, strategy -----------------------------------------------------
def test_deck_exists_is_a_head_of_the_deck_path(rig: Rig, twin: Twin) -> None:
    reader, paths = reader_for(rig)
    assert twin(reader.deck_exists) is False
    rig.store.write_bytes(paths.get_deck_path(), b"<html></html>" * 10)  # no size limit
    assert twin(reader.deck_exists) is True


def test_is_file_and_defaults() -> None:
    store = DataStore()
    paths = ReadOnlyOutputPaths(store, "memory://x/out")
    reader = RemoteFileOutputReader(store, paths)
    assert reader.is_file() is True
    assert reader.paths is paths
    explicit = RemoteFileOutputReader(store, paths, error_strategy=SingleErrorStrategy())
    assert explicit.read_error() == reader.read_error()


def test_missing_prefix_answers_every_question(rig: Rig, twin: Twin) -> None:
    reader, _ = reader_for(rig)
    assert (twin(reader.exists), twin(reader.is_error), twin(reader.deck_exists)) == (
        False,
        False,
        False,
    )
    assert twin(reader.read_error).code == "ErrorFileNotFound"
    with pytest.raises(NotFoundError):
        twin(reader.read)


def test_async_twins_equal_sync_results(rig: Rig) -> None:
    reader, paths = reader_for(rig)
    rig.store.write_protobuf(paths.get_output_path(), outputs(a=1))
    rig.store.write_protobuf(paths.get_error_path(), ErrorDocument(error=container_error()))

    async def everything() -> tuple[Any, ...]:
        return (
            await reader.exists_async(),
            await reader.is_error_async(),
            await reader.read_error_async(),
            await reader.read_async(),
            await reader.deck_exists_async(),
        )

    sync = (
        reader.exists(),
        reader.is_error(),
        reader.read_error(),
        reader.read(),
        reader.deck_exists(),
    )
    assert asyncio.run(everything()) == sync
