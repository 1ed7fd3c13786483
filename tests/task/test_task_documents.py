"""Error documents a task container writes, on every backend, read back with flyteidl."""

from __future__ import annotations

import asyncio
import re
import uuid
from datetime import datetime, timezone
from typing import Any

import pytest
from flyteidl.core import errors_pb2
from rig import Rig

from plugio.errors import AlreadyExistsError, PermissionDeniedError
from plugio.execution import ErrorKind, ExecutionError
from plugio.paths import RemoteCheckpointPaths
from plugio.task import (
    RecoverableUserError,
    report_failure,
    report_failure_async,
    write_error_document,
    write_error_document_async,
)

WHEN = datetime(2024, 5, 1, 12, 30, 15, 250000, tzinfo=timezone.utc)
EARLIEST = {"_F_DES": "Earliest", "_F_WN": "worker-3"}
ERROR_NAME = re.compile(r"error-[0-9a-f]{32}\.pb")


def sample_error(**changes: object) -> ExecutionError:
    values: dict[str, object] = {
        "code": "USER:ValueError",
        "message": "ValueError: bad\n\nTraceback ...",
        "kind": ErrorKind.USER,
        "is_recoverable": False,
        "timestamp": WHEN,
        "worker": "",
    }
    values.update(changes)
    return ExecutionError(**values)  # type: ignore[arg-type]


def flyte_document(rig: Rig, ref: str) -> errors_pb2.ErrorDocument:
    document = errors_pb2.ErrorDocument()
    document.ParseFromString(rig.store.read_bytes(ref))
    return document


def assert_flyte_sees(document: errors_pb2.ErrorDocument, error: ExecutionError) -> None:
    container = document.error
    assert container.code == error.code
    assert container.message == error.message
    assert container.kind == (
        errors_pb2.ContainerError.RECOVERABLE
        if error.is_recoverable
        else errors_pb2.ContainerError.NON_RECOVERABLE
    )
    assert container.origin == int(error.kind)
    assert container.timestamp.ToDatetime(tzinfo=timezone.utc) == error.timestamp
    assert container.worker == error.worker


def test_default_is_error_pb_under_the_output_prefix(rig: Rig) -> None:
    error = sample_error()
    ref = write_error_document(rig.store, rig.ref("out"), error, environ={})
    assert ref == rig.ref("out", "error.pb")
    assert_flyte_sees(flyte_document(rig, ref), error)


def test_paths_give_their_error_path(rig: Rig) -> None:
    paths = RemoteCheckpointPaths(rig.store, rig.ref("meta"), rig.ref("raw"))
    error = sample_error(is_recoverable=True, kind=ErrorKind.SYSTEM, code="SYSTEM:OSError")
    ref = write_error_document(rig.store, paths, error, environ={})
    assert ref == paths.get_error_path()
    assert_flyte_sees(flyte_document(rig, ref), error)


def test_default_mode_replaces_the_previous_document(rig: Rig) -> None:
    prefix = rig.ref("out")
    write_error_document(rig.store, prefix, sample_error(code="first"), environ={})
    ref = write_error_document(rig.store, prefix, sample_error(code="second"), environ={})
    assert flyte_document(rig, ref).error.code == "second"


def test_earliest_mode_writes_a_uuid_file_with_the_worker(rig: Rig) -> None:
    paths = RemoteCheckpointPaths(rig.store, rig.ref("meta"), rig.ref("raw"))
    ref = write_error_document(rig.store, paths, sample_error(), environ=EARLIEST)
    prefix, _, name = ref.rpartition("/")
    assert prefix == rig.ref("meta")
    assert ERROR_NAME.fullmatch(name), name
    assert_flyte_sees(flyte_document(rig, ref), sample_error(worker="worker-3"))
    assert not rig.store.exists(paths.get_error_path())


def test_earliest_mode_from_the_process_environment(
    rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("_F_DES", "Earliest")
    monkeypatch.setenv("_F_WN", "pod-0")
    ref = write_error_document(rig.store, rig.ref("out"), sample_error())
    assert ERROR_NAME.fullmatch(ref.rpartition("/")[2])
    assert flyte_document(rig, ref).error.worker == "pod-0"


def test_any_strategy_value_counts_and_an_empty_one_does_not(rig: Rig) -> None:
    ref = write_error_document(rig.store, rig.ref("a"), sample_error(), environ={"_F_DES": "1"})
    assert ERROR_NAME.fullmatch(ref.rpartition("/")[2])
    ref = write_error_document(rig.store, rig.ref("b"), sample_error(), environ={"_F_DES": ""})
    assert ref == rig.ref("b", "error.pb")


def test_a_second_earliest_write_never_overwrites(rig: Rig) -> None:
    prefix = rig.ref("out")
    first = write_error_document(rig.store, prefix, sample_error(code="one"), environ=EARLIEST)
    second = write_error_document(rig.store, prefix, sample_error(code="two"), environ=EARLIEST)
    assert first != second
    assert flyte_document(rig, first).error.code == "one"
    assert flyte_document(rig, second).error.code == "two"
    listed = [info.ref.rpartition("/")[2] for page in rig.store.list(prefix + "/") for info in page]
    assert sorted(listed) == sorted([first.rpartition("/")[2], second.rpartition("/")[2]])


def test_earliest_write_refuses_to_replace_a_taken_name(
    rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not rig.conditional_create:
        pytest.skip(f"{rig.name} has no conditional create")
    fixed = uuid.UUID(int=7)
    monkeypatch.setattr(uuid, "uuid4", lambda: fixed)
    prefix = rig.ref("out")
    ref = write_error_document(rig.store, prefix, sample_error(code="one"), environ=EARLIEST)
    with pytest.raises(AlreadyExistsError):
        write_error_document(rig.store, prefix, sample_error(code="two"), environ=EARLIEST)
    assert flyte_document(rig, ref).error.code == "one"


def test_async_twin(rig: Rig) -> None:
    ref = asyncio.run(
        write_error_document_async(rig.store, rig.ref("out"), sample_error(), environ=EARLIEST)
    )
    assert ERROR_NAME.fullmatch(ref.rpartition("/")[2])
    assert flyte_document(rig, ref).error.worker == "worker-3"


def test_report_failure_classifies_writes_and_returns(rig: Rig) -> None:
    try:
        raise RecoverableUserError("the database is busy")
    except RecoverableUserError as exc:
        error = report_failure(rig.store, rig.ref("out"), exc, environ={})
    assert error.error_uri == rig.ref("out", "error.pb")
    assert (error.code, error.kind, error.is_recoverable) == (
        "USER:RecoverableUserError",
        ErrorKind.USER,
        True,
    )
    assert_flyte_sees(flyte_document(rig, error.error_uri), error)


def test_report_failure_async_in_earliest_mode(rig: Rig) -> None:
    error = asyncio.run(
        report_failure_async(
            rig.store, rig.ref("out"), TypeError("bad output"), phase="convert", environ=EARLIEST
        )
    )
    assert ERROR_NAME.fullmatch(error.error_uri.rpartition("/")[2])
    assert (error.code, error.kind, error.worker) == (
        "SYSTEM:TypeError",
        ErrorKind.SYSTEM,
        "worker-3",
    )
    assert_flyte_sees(flyte_document(rig, error.error_uri), error)


class RefusingStore:
    """A store whose writes are refused, to see what a failed report raises."""

    def write_protobuf(self, ref: str, message: object, *, if_absent: bool = False) -> None:
        raise PermissionDeniedError("write refused", ref)

    async def write_protobuf_async(
        self, ref: str, message: object, *, if_absent: bool = False
    ) -> None:
        self.write_protobuf(ref, message)


@pytest.mark.parametrize("use_async", [False, True])
def test_a_failed_report_raises_the_storage_error_caused_by_the_task_failure(
    use_async: bool, caplog: pytest.LogCaptureFixture
) -> None:
    failure = ValueError("the task's own failure")
    store: Any = RefusingStore()

    def report() -> object:
        if use_async:
            return asyncio.run(report_failure_async(store, "s3://b/out", failure, environ={}))
        return report_failure(store, "s3://b/out", failure, environ={})

    with pytest.raises(PermissionDeniedError) as raised:
        report()
    assert raised.value.__cause__ is failure
    assert "USER:ValueError" in caplog.text
    assert "the task's own failure" in caplog.text
