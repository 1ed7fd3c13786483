"""The earliest-error strategy: many workers' error files, the earliest one reported."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import pytest
from reader_support import (
    Twin,
    twin_fixture,  # noqa: F401 - the ``twin`` fixture
)
from rig import Rig

from plugio.core import ContainerError, ErrorDocument
from plugio.errors import NotFoundError, PayloadTooLargeError
from plugio.execution import ErrorKind, ExecutionError
from plugio.paths import ReadOnlyOutputPaths
from plugio.readers import EarliestErrorStrategy, RemoteFileOutputReader

LIMIT = 128
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
NOON = datetime(2024, 2, 21, 12, 0, tzinfo=timezone.utc)


def earliest_reader(rig: Rig, concurrency: int = 4) -> RemoteFileOutputReader:
    paths = ReadOnlyOutputPaths(rig.store, rig.ref("out"))
    strategy = EarliestErrorStrategy(concurrency=concurrency)
    return RemoteFileOutputReader(
        rig.store, paths, max_payload_bytes=LIMIT, error_strategy=strategy
    )


def write_error(
    rig: Rig, name: str, code: str, when: datetime | None = None, worker: str = ""
) -> str:
    error = ExecutionError(code, f"{code} failed", ErrorKind.USER, False, when, worker)
    ref = rig.ref("out", name)
    rig.store.write_protobuf(ref, error.to_error_document())
    return ref


def test_no_error_files(rig: Rig, twin: Twin) -> None:
    reader = earliest_reader(rig)
    assert twin(reader.is_error) is False
    error = twin(reader.read_error)
    assert error == ExecutionError("")  # no code, no message: the engine says Unknown
    assert (error.kind, error.is_recoverable) == (ErrorKind.UNKNOWN, False)


def test_the_single_error_file_is_a_candidate(rig: Rig, twin: Twin) -> None:
    reader = earliest_reader(rig)
    ref = write_error(rig, "error.pb", "Only", NOON)
    assert twin(reader.is_error) is True
    error = twin(reader.read_error)
    assert (error.code, error.timestamp, error.error_uri) == ("Only", NOON, ref)


def test_the_earliest_timestamp_wins(rig: Rig, twin: Twin) -> None:
    reader = earliest_reader(rig, concurrency=2)
    write_error(rig, "error.pb", "Late", NOON + timedelta(seconds=5))
    write_error(rig, "error-a.pb", "Later", NOON + timedelta(seconds=9))
    first = write_error(rig, "error-b.pb", "First", NOON + timedelta(microseconds=1), "w-b")
    write_error(rig, "error-c.pb", "Last", NOON + timedelta(minutes=1))
    assert twin(reader.is_error) is True
    error = twin(reader.read_error)
    assert error == ExecutionError(
        "First", "First failed", ErrorKind.USER, False, NOON + timedelta(microseconds=1), "w-b"
    )
    assert error.error_uri == first


def test_ties_keep_the_first_listed(rig: Rig, twin: Twin) -> None:
    reader = earliest_reader(rig)
    write_error(rig, "error-b.pb", "Second", NOON)
    write_error(rig, "error-a.pb", "First", NOON)  # listed first: keys are sorted
    assert twin(reader.read_error).code == "First"


def test_a_missing_timestamp_counts_as_the_epoch(rig: Rig, twin: Twin) -> None:
    reader = earliest_reader(rig)
    write_error(rig, "error-a.pb", "Stamped", EPOCH + timedelta(seconds=1))
    write_error(rig, "error-b.pb", "Unstamped")
    error = twin(reader.read_error)
    assert (error.code, error.timestamp) == ("Unstamped", None)


def test_a_document_without_error_is_bad_format_at_the_epoch(rig: Rig, twin: Twin) -> None:
    reader = earliest_reader(rig)
    write_error(rig, "error-a.pb", "Stamped", NOON)
    empty = rig.ref("out", "error-b.pb")
    rig.store.write_bytes(empty, b"")
    error = twin(reader.read_error)
    assert (error.code, error.kind, error.is_recoverable) == (
        "ErrorFileBadFormat",
        ErrorKind.SYSTEM,
        True,
    )
    assert empty in error.message


def test_only_pb_files_under_the_error_key_prefix_count(rig: Rig, twin: Twin) -> None:
    reader = earliest_reader(rig)
    rig.store.write_bytes(rig.ref("out", "error-x.txt"), b"not a candidate")
    rig.store.write_bytes(rig.ref("out", "outputs.pb"), b"")
    rig.store.write_bytes(rig.ref("out-other", "error.pb"), b"")
    rig.store.write_bytes(rig.ref("other", "error.pb"), b"")
    assert twin(reader.is_error) is False
    assert twin(reader.read_error) == ExecutionError("")


def test_every_candidate_is_held_to_the_limit(rig: Rig, twin: Twin) -> None:
    reader = earliest_reader(rig)
    write_error(rig, "error-a.pb", "Small", NOON)
    big = ContainerError(code="Big", message="m" * LIMIT)
    big_ref = rig.ref("out", "error-b.pb")
    rig.store.write_protobuf(big_ref, ErrorDocument(error=big))
    with pytest.raises(PayloadTooLargeError) as raised:
        twin(reader.is_error)
    assert (raised.value.ref, raised.value.limit) == (big_ref, LIMIT)
    with pytest.raises(PayloadTooLargeError) as raised:
        twin(reader.read_error)
    assert raised.value.ref == big_ref
    assert f"failed to read error file @[{big_ref}]" in str(raised.value)
    assert isinstance(raised.value.__cause__, PayloadTooLargeError)


def test_a_candidate_of_exactly_the_limit_is_read(rig: Rig, twin: Twin) -> None:
    reader = earliest_reader(rig)
    for pad in range(LIMIT):
        document = ErrorDocument(error=ContainerError(code="Edge", message="m" * pad))
        if document.ByteSize() == LIMIT:
            break
    rig.store.write_protobuf(rig.ref("out", "error-a.pb"), document)
    assert twin(reader.is_error) is True
    assert twin(reader.read_error).code == "Edge"


def test_sync_and_async_sides_agree(rig: Rig) -> None:
    reader = earliest_reader(rig)
    for index in range(5):
        write_error(rig, f"error-{index}.pb", f"E{index}", NOON - timedelta(seconds=index))

    async def both() -> tuple[bool, ExecutionError]:
        return await reader.is_error_async(), await reader.read_error_async()

    assert asyncio.run(both()) == (reader.is_error(), reader.read_error())
    assert reader.read_error().code == "E4"


def test_a_candidate_gone_before_it_is_read_raises(
    rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    reader = earliest_reader(rig)
    ref = write_error(rig, "error-a.pb", "Gone")
    listing = list(rig.store.list(rig.ref("out", "error")))
    rig.store.delete(ref)
    monkeypatch.setattr(rig.store, "list", lambda prefix, page_size=1000: iter(listing))
    with pytest.raises(NotFoundError) as raised:
        reader.read_error()
    assert raised.value.ref == ref


def test_concurrency_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        EarliestErrorStrategy(concurrency=0)


def test_an_error_name_needs_one_dot(rig: Rig) -> None:
    with pytest.raises(ValueError, match="exactly one dot"):
        EarliestErrorStrategy().is_error(rig.store, rig.ref("out", "error"), None)
