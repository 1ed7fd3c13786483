"""ExecutionError: lossless to and from the error document, and Flyte's bytes."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from flyteidl.core import errors_pb2
from hypothesis import given, settings
from hypothesis import strategies as st

from plugio.core import ContainerError, ErrorDocument
from plugio.execution import ErrorKind, ExecutionError

WHEN = datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=timezone.utc)


def test_container_error_fields() -> None:
    error = ExecutionError("USER:ValueError", "bad", ErrorKind.USER, True, WHEN, "worker-3")
    container = error.to_container_error()
    assert container.code == "USER:ValueError"
    assert container.message == "bad"
    assert container.kind == ContainerError.RECOVERABLE
    assert int(container.origin) == int(ErrorKind.USER)
    assert container.timestamp.ToDatetime(tzinfo=timezone.utc) == WHEN
    assert container.worker == "worker-3"


def test_not_recoverable_is_the_default_kind() -> None:
    container = ExecutionError("X").to_container_error()
    assert container.kind == ContainerError.NON_RECOVERABLE
    assert not container.HasField("timestamp")


@pytest.mark.parametrize(
    ("origin", "kind"),
    [(0, ErrorKind.UNKNOWN), (1, ErrorKind.USER), (2, ErrorKind.SYSTEM), (7, ErrorKind.UNKNOWN)],
)
def test_kind_comes_from_origin(origin: int, kind: ErrorKind) -> None:
    container = ContainerError(code="c", kind=ContainerError.NON_RECOVERABLE)
    container.origin = origin  # type: ignore[assignment]
    assert ExecutionError.from_container_error(container).kind is kind


@pytest.mark.parametrize(
    ("container_kind", "recoverable"),
    [(ContainerError.RECOVERABLE, True), (ContainerError.NON_RECOVERABLE, False)],
)
def test_recoverable_comes_from_kind_not_origin(container_kind: int, recoverable: bool) -> None:
    container = ContainerError(code="c", origin=2)  # type: ignore[arg-type]
    container.kind = container_kind  # type: ignore[assignment]
    assert ExecutionError.from_container_error(container).is_recoverable is recoverable


def test_naive_timestamps_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        ExecutionError("c", timestamp=datetime(2024, 1, 1))


def test_bytes_parse_with_flyteidl_to_the_same_values() -> None:
    error = ExecutionError("SYSTEM:Oops", "m", ErrorKind.SYSTEM, True, WHEN, "w")
    data = error.to_error_document().SerializeToString()
    flyte = errors_pb2.ErrorDocument.FromString(data)
    assert flyte.error.code == "SYSTEM:Oops"
    assert flyte.error.kind == errors_pb2.ContainerError.RECOVERABLE
    assert flyte.error.origin == 2
    assert flyte.error.worker == "w"
    assert flyte.error.timestamp.ToDatetime(tzinfo=timezone.utc) == WHEN
    back = ErrorDocument.FromString(flyte.SerializeToString())
    assert ExecutionError.from_container_error(back.error) == error


def test_engine_message_round_trip() -> None:
    error = ExecutionError("c", "m", ErrorKind.USER, True, WHEN, "w", error_uri="s3://b/e.pb")
    message = error.to_message()
    assert message.error_uri == "s3://b/e.pb"
    assert ExecutionError.from_message(message, is_recoverable=True) == error


@settings(max_examples=200, deadline=None)
@given(
    code=st.text(max_size=30),
    message=st.text(max_size=200),
    kind=st.sampled_from(list(ErrorKind)),
    recoverable=st.booleans(),
    micros=st.none() | st.integers(min_value=0, max_value=4_000_000_000_000_000),
    worker=st.text(max_size=20),
)
def test_round_trip_is_lossless(
    code: str, message: str, kind: ErrorKind, recoverable: bool, micros: int | None, worker: str
) -> None:
    epoch = datetime(1970, 1, 1, tzinfo=timezone.utc)
    when = None if micros is None else epoch + timedelta(microseconds=micros)
    error = ExecutionError(code, message, kind, recoverable, when, worker)
    data = error.to_error_document().SerializeToString()
    assert ExecutionError.from_container_error(ErrorDocument.FromString(data).error) == error
