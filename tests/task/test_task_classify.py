"""How a task container classifies its failure: code, kind, recoverability, message."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from plugio.errors import (
    BadRequestError,
    CorruptPayloadError,
    InvalidReferenceError,
    NotFoundError,
    PayloadTooLargeError,
    PermissionDeniedError,
    TransientStorageError,
)
from plugio.execution import ErrorKind
from plugio.task import (
    MAX_MESSAGE_BYTES,
    Phase,
    RecoverableUserError,
    execution_error_from_exception,
)

USER, SYSTEM = ErrorKind.USER, ErrorKind.SYSTEM


class CodedError(Exception):
    code = "E42"


class NumberCodedError(Exception):
    code = 42


def raised(exc: BaseException) -> BaseException:
    """``exc`` with a traceback, as an except block sees it."""
    try:
        raise exc
    except BaseException as caught:
        return caught


def caused(exc: BaseException, cause: BaseException) -> BaseException:
    try:
        raise exc from cause
    except BaseException as caught:
        return caught


TABLE: list[tuple[str, Phase, BaseException, str, ErrorKind, bool]] = [
    ("plain", "user", ValueError("bad"), "USER:ValueError", USER, False),
    ("recoverable", "user", RecoverableUserError("x"), "USER:RecoverableUserError", USER, True),
    ("recoverable coded", "user", RecoverableUserError("x", code="U:Busy"), "U:Busy", USER, True),
    ("own code", "user", CodedError("x"), "E42", USER, False),
    ("int code", "user", NumberCodedError("x"), "USER:NumberCodedError", USER, False),
    ("user storage", "user", TransientStorageError("t"), "USER:TransientStorageError", USER, False),
    ("convert", "convert", TypeError("no"), "SYSTEM:TypeError", SYSTEM, False),
    ("convert own code", "convert", CodedError("x"), "E42", SYSTEM, False),
    ("convert recoverable", "convert", RecoverableUserError("x"), "SYSTEM:RecoverableUserError",
     SYSTEM, False),
]  # fmt: skip

#: Platform failures: SYSTEM, ``SYSTEM:<ExceptionType>``, recoverable unless permanent.
PLATFORM: list[tuple[BaseException, bool]] = [
    (TransientStorageError("slow", "s3://b/k"), True),
    (NotFoundError("gone", "s3://b/k"), False),
    (PermissionDeniedError("no", "s3://b/k"), False),
    (BadRequestError("no", "s3://b/k"), False),
    (PayloadTooLargeError("s3://b/k", 9, 1), False),
    (CorruptPayloadError("bad", "s3://b/k"), False),
    (InvalidReferenceError("bad"), False),
    (ConnectionResetError("reset"), True),
    (RuntimeError("?"), True),
]


@pytest.mark.parametrize(
    ("phase", "exc", "code", "kind", "recoverable"),
    [row[1:] for row in TABLE],
    ids=[row[0] for row in TABLE],
)
def test_classification(
    phase: Phase, exc: BaseException, code: str, kind: ErrorKind, recoverable: bool
) -> None:
    error = execution_error_from_exception(raised(exc), phase=phase, environ={})
    assert (error.code, error.kind, error.is_recoverable) == (code, kind, recoverable)


@pytest.mark.parametrize(
    ("exc", "recoverable"), PLATFORM, ids=[type(exc).__name__ for exc, _ in PLATFORM]
)
def test_platform_classification(exc: BaseException, recoverable: bool) -> None:
    error = execution_error_from_exception(raised(exc), phase="platform", environ={})
    expected = (f"SYSTEM:{type(exc).__name__}", SYSTEM, recoverable)
    assert (error.code, error.kind, error.is_recoverable) == expected


def test_a_permanent_cause_makes_a_platform_failure_permanent() -> None:
    exc = caused(RuntimeError("download failed"), NotFoundError("gone", "s3://b/inputs.pb"))
    error = execution_error_from_exception(exc, phase="platform", environ={})
    assert (error.code, error.is_recoverable) == ("SYSTEM:RuntimeError", False)


def test_a_transient_cause_stays_recoverable() -> None:
    exc = caused(RuntimeError("upload failed"), TransientStorageError("503", "s3://b/o"))
    assert execution_error_from_exception(exc, phase="platform", environ={}).is_recoverable


def test_message_has_the_text_and_the_traceback() -> None:
    error = execution_error_from_exception(raised(ValueError("the bad value")), environ={})
    assert error.message.startswith("ValueError: the bad value\n\n")
    assert "Traceback (most recent call last):" in error.message
    assert __file__.rsplit("/", 1)[-1] in error.message


def test_message_keeps_the_chained_cause() -> None:
    exc = caused(RuntimeError("outer"), KeyError("inner"))
    message = execution_error_from_exception(exc, environ={}).message
    assert "KeyError: 'inner'" in message
    assert "direct cause" in message


def test_message_is_bounded() -> None:
    def recurse(depth: int) -> None:
        if depth == 0:
            raise ValueError("é" * 100_000)
        recurse(depth - 1)

    try:
        recurse(300)
    except ValueError as exc:
        message = execution_error_from_exception(exc, environ={}).message
    assert len(message.encode("utf-8")) <= MAX_MESSAGE_BYTES
    assert message.startswith("ValueError: éé")
    assert "bytes of traceback" in message
    assert message.rstrip().endswith("é")  # the tail (the failing frame) is kept


def test_unprintable_exception() -> None:
    class Unprintable(Exception):
        def __str__(self) -> str:
            raise RuntimeError("no")

    error = execution_error_from_exception(raised(Unprintable()), environ={})
    assert error.code == "USER:Unprintable"
    assert error.message.startswith("Unprintable: <unprintable>")


def test_timestamp_defaults_to_now_in_utc() -> None:
    before = datetime.now(timezone.utc)
    error = execution_error_from_exception(ValueError("x"), environ={})
    assert error.timestamp is not None
    assert error.timestamp.tzinfo is not None
    assert before <= error.timestamp <= datetime.now(timezone.utc) + timedelta(seconds=1)


def test_timestamp_given() -> None:
    when = datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=timezone.utc)
    assert execution_error_from_exception(ValueError(), now=when, environ={}).timestamp == when


def test_naive_timestamp_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        execution_error_from_exception(ValueError(), now=datetime(2024, 1, 1), environ={})


def test_worker_from_argument_then_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert execution_error_from_exception(ValueError(), environ={}).worker == ""
    env = {"_F_WN": "worker-2"}
    assert execution_error_from_exception(ValueError(), environ=env).worker == "worker-2"
    assert execution_error_from_exception(ValueError(), worker="w", environ=env).worker == "w"
    monkeypatch.setenv("_F_WN", "from-os")
    assert execution_error_from_exception(ValueError()).worker == "from-os"


def test_unknown_phase_is_refused() -> None:
    with pytest.raises(ValueError, match="phase"):
        execution_error_from_exception(ValueError(), phase="download", environ={})  # type: ignore[arg-type]


def test_recoverable_user_error_is_an_exception_with_a_code() -> None:
    exc = RecoverableUserError("try again", code="USER:Busy")
    assert isinstance(exc, Exception)
    assert (str(exc), exc.code) == ("try again", "USER:Busy")
    assert RecoverableUserError("x").code is None
