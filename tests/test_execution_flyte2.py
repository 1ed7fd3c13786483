"""ExecutionError by Flyte 2's rules: codes with a server prefix, recoverability, GPU faults."""

from __future__ import annotations

from flyteidl2.core import execution_pb2 as flyte2

from plugio.core import ContainerError, ErrorDocument, GpuFault
from plugio.core import ExecutionError as ExecutionErrorMessage
from plugio.execution import ErrorKind, ExecutionError, strip_server_code
from plugio.generation import FlyteGeneration


def test_a_server_prefix_is_dropped_from_an_error_document() -> None:
    theirs = flyte2.ErrorDocument(
        error=flyte2.ContainerError(
            code="RetriesExhausted|ValueError",
            message="bad",
            kind=flyte2.ContainerError.NON_RECOVERABLE,
            origin=flyte2.ExecutionError.USER,
        )
    )
    document = ErrorDocument.FromString(theirs.SerializeToString())
    error = ExecutionError.from_container_error(document.error)
    assert error == ExecutionError("ValueError", "bad", ErrorKind.USER, False)


def test_strip_server_code_follows_flyte2s_sdk() -> None:
    assert strip_server_code("RetriesExhausted| ValueError ") == "ValueError"
    assert strip_server_code("RetriesExhausted|b|c") == "b|c"
    # Only the engine's prefix goes: any other code reads back as written.
    assert strip_server_code("a|b") == "a|b"
    assert strip_server_code("USER:ValueError") == "USER:ValueError"
    assert strip_server_code("") == ""


def test_flyte2_recoverability_is_honoured_when_not_given() -> None:
    theirs = flyte2.ExecutionError(
        code="RetriesExhausted|OOMKilled",
        kind=flyte2.ExecutionError.USER,
        recoverability=flyte2.ContainerError.RECOVERABLE,
        gpu_fault=flyte2.GpuFault(kind=flyte2.GpuFault.KIND_XID, code=79),
    )
    message = ExecutionErrorMessage.FromString(theirs.SerializeToString())
    error = ExecutionError.from_message(message)
    assert error.code == "OOMKilled"
    assert error.is_recoverable is True
    assert error.gpu_fault == GpuFault(kind=GpuFault.KIND_XID, code=79)
    # What the caller kept beside a Flyte 1 message still wins.
    assert ExecutionError.from_message(message, is_recoverable=False).is_recoverable is False
    assert ExecutionError.from_message(ExecutionErrorMessage(code="c")).is_recoverable is False


def test_to_message_writes_recoverability_for_flyte2_only() -> None:
    fault = GpuFault(kind=GpuFault.KIND_SXID, severity=GpuFault.SEVERITY_WARN)
    error = ExecutionError("ValueError", "bad", ErrorKind.USER, True, gpu_fault=fault)
    flyte1 = error.to_message()
    assert flyte1.recoverability == ContainerError.NON_RECOVERABLE
    assert not flyte1.HasField("gpu_fault")
    flyte2_message = error.to_message(FlyteGeneration.FLYTE2)
    theirs = flyte2.ExecutionError.FromString(flyte2_message.SerializeToString())
    assert theirs.recoverability == flyte2.ContainerError.RECOVERABLE
    assert theirs.gpu_fault.kind == flyte2.GpuFault.KIND_SXID
    assert ExecutionError.from_message(flyte2_message) == error


def test_an_error_without_timestamp_or_worker_is_flyte2s_bytes() -> None:
    error = ExecutionError("ValueError", "bad value 1", ErrorKind.USER, True)
    theirs = flyte2.ErrorDocument(
        error=flyte2.ContainerError(
            code="ValueError",
            message="bad value 1",
            kind=flyte2.ContainerError.RECOVERABLE,
            origin=flyte2.ExecutionError.USER,
        )
    )
    assert error.to_error_document().SerializeToString() == theirs.SerializeToString()
