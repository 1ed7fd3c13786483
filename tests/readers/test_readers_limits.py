"""The size limit of RemoteFileOutputReader: exactly at it, one over, none, per reader."""

from __future__ import annotations

import pytest
from reader_support import (
    LIMIT,
    Twin,
    error_document_of_size,
    literal_map_of_size,
    reader_for,
    twin_fixture,  # noqa: F401 - the ``twin`` fixture
)
from rig import Rig

from plugio.config import Limits, StorageConfig
from plugio.errors import PayloadTooLargeError
from plugio.paths import ReadOnlyOutputPaths
from plugio.readers import RemoteFileOutputReader
from plugio.storage import DataStore


def test_exists_allows_exactly_the_limit(rig: Rig, twin: Twin) -> None:
    reader, paths = reader_for(rig)
    rig.store.write_bytes(paths.get_output_path(), b"x" * LIMIT)
    assert twin(reader.exists) is True


def test_exists_refuses_one_byte_over_naming_path_size_and_limit(rig: Rig, twin: Twin) -> None:
    reader, paths = reader_for(rig)
    rig.store.write_bytes(paths.get_output_path(), b"x" * (LIMIT + 1))
    with pytest.raises(PayloadTooLargeError) as raised:
        twin(reader.exists)
    error = raised.value
    assert (error.ref, error.size, error.limit) == (paths.get_output_path(), LIMIT + 1, LIMIT)
    for part in (paths.get_output_path(), str(LIMIT + 1), str(LIMIT)):
        assert part in str(error)


def test_none_is_unlimited(rig: Rig, twin: Twin) -> None:
    reader, paths = reader_for(rig, max_payload_bytes=None)
    big = literal_map_of_size(3 * LIMIT)
    rig.store.write_protobuf(paths.get_output_path(), big)
    rig.store.write_protobuf(paths.get_error_path(), error_document_of_size(3 * LIMIT))
    assert reader.max_payload_bytes is None
    assert twin(reader.exists) is True
    assert twin(reader.is_error) is True
    assert twin(reader.read) == (big, None)
    assert twin(reader.read_error).code == "E"


def test_the_limit_belongs_to_each_reader(rig: Rig, twin: Twin) -> None:
    strict, paths = reader_for(rig, max_payload_bytes=LIMIT)
    loose, _ = reader_for(rig, max_payload_bytes=LIMIT + 1)
    rig.store.write_bytes(paths.get_output_path(), b"x" * (LIMIT + 1))
    assert twin(loose.exists) is True
    with pytest.raises(PayloadTooLargeError):
        twin(strict.exists)
    assert twin(loose.exists) is True


def test_default_limit_is_the_store_config() -> None:
    store = DataStore(StorageConfig(limits=Limits(max_payload_bytes=LIMIT)))
    paths = ReadOnlyOutputPaths(store, "memory://defaults/out")
    reader = RemoteFileOutputReader(store, paths)
    assert reader.max_payload_bytes == LIMIT
    store.write_bytes(paths.get_output_path(), b"x" * (LIMIT + 1))
    with pytest.raises(PayloadTooLargeError):
        reader.exists()
    assert RemoteFileOutputReader(DataStore(), paths).max_payload_bytes == 2 * 1024 * 1024


def test_negative_limit_is_refused() -> None:
    store = DataStore()
    with pytest.raises(ValueError, match="at least 0"):
        RemoteFileOutputReader(
            store, ReadOnlyOutputPaths(store, "memory://x"), max_payload_bytes=-1
        )


@pytest.mark.parametrize("size", [0, LIMIT])
def test_is_error_allows_up_to_the_limit(rig: Rig, twin: Twin, size: int) -> None:
    reader, paths = reader_for(rig)
    rig.store.write_bytes(paths.get_error_path(), b"x" * size)
    assert twin(reader.is_error) is True


def test_is_error_refuses_one_byte_over(rig: Rig, twin: Twin) -> None:
    reader, paths = reader_for(rig)
    rig.store.write_bytes(paths.get_error_path(), b"x" * (LIMIT + 1))
    with pytest.raises(PayloadTooLargeError) as raised:
        twin(reader.is_error)
    assert (raised.value.ref, raised.value.size) == (paths.get_error_path(), LIMIT + 1)


def test_read_error_allows_exactly_the_limit(rig: Rig, twin: Twin) -> None:
    reader, paths = reader_for(rig)
    rig.store.write_protobuf(paths.get_error_path(), error_document_of_size(LIMIT))
    assert twin(reader.read_error).code == "E"


def test_read_error_refuses_one_byte_over(rig: Rig, twin: Twin) -> None:
    reader, paths = reader_for(rig)
    rig.store.write_protobuf(paths.get_error_path(), error_document_of_size(LIMIT + 1))
    with pytest.raises(PayloadTooLargeError) as raised:
        twin(reader.read_error)
    assert raised.value.ref == paths.get_error_path()
    assert isinstance(raised.value.__cause__, PayloadTooLargeError)
    assert f"failed to read error data from task @[{paths.get_error_path()}]" in str(raised.value)


def test_read_allows_exactly_the_limit(rig: Rig, twin: Twin) -> None:
    reader, paths = reader_for(rig)
    rig.store.write_protobuf(paths.get_output_path(), literal_map_of_size(LIMIT))
    assert twin(reader.read) == (literal_map_of_size(LIMIT), None)


def test_read_refuses_one_byte_over(rig: Rig, twin: Twin) -> None:
    reader, paths = reader_for(rig)
    rig.store.write_protobuf(paths.get_output_path(), literal_map_of_size(LIMIT + 1))
    with pytest.raises(PayloadTooLargeError) as raised:
        twin(reader.read)
    assert (raised.value.ref, raised.value.limit) == (paths.get_output_path(), LIMIT)
    assert isinstance(raised.value.__cause__, PayloadTooLargeError)
