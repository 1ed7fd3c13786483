"""Error translation, one SDK shape at a time.

The real backends' errors are exercised end to end in test_store.py; these
tests pin the classification of shapes no local server produces on demand
(botocore ClientError payloads, Azure status attributes, Retry-After dates).
The exception objects below only imitate the attributes the SDKs carry.
"""

from __future__ import annotations

import errno
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from typing import Any

import pytest

from plugio.errors import (
    AlreadyExistsError,
    BadRequestError,
    NotFoundError,
    PermissionDeniedError,
    StorageError,
    TransientStorageError,
)
from plugio.storage._translate import scrub, translate_error

REF = "s3://bucket/key"


class ClientError(Exception):
    """The shape of botocore's ClientError."""

    def __init__(self, code: str, status: int, headers: dict[str, str] | None = None) -> None:
        super().__init__(f"An error occurred ({code})")
        self.response: dict[str, Any] = {
            "Error": {"Code": code, "Message": code},
            "ResponseMetadata": {"HTTPStatusCode": status, "HTTPHeaders": headers or {}},
        }


class StatusError(Exception):
    """The shape of azure-core's HttpResponseError and gcsfs's HttpError."""

    def __init__(self, status: int, error_code: str | None = None) -> None:
        super().__init__(f"status {status}")
        self.status_code = status
        self.error_code = error_code


def wrapped(cause: BaseException, outer: BaseException | None = None) -> BaseException:
    """An s3fs-style OSError whose cause is the SDK error."""
    outer = outer or OSError(errno.EIO, "translated")
    outer.__cause__ = cause
    return outer


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (wrapped(ClientError("NoSuchKey", 404), FileNotFoundError("x")), NotFoundError),
        (wrapped(ClientError("AccessDenied", 403), PermissionError("x")), PermissionDeniedError),
        (wrapped(ClientError("SignatureDoesNotMatch", 403)), PermissionDeniedError),
        (wrapped(ClientError("SlowDown", 503)), TransientStorageError),
        (wrapped(ClientError("ServiceUnavailable", 503)), TransientStorageError),
        (wrapped(ClientError("InternalError", 500)), TransientStorageError),
        (wrapped(ClientError("Whatever", 502)), TransientStorageError),
        (wrapped(ClientError("TooManyRequests", 429)), TransientStorageError),
        (wrapped(ClientError("PreconditionFailed", 412)), AlreadyExistsError),
        (wrapped(ClientError("InvalidArgument", 400)), BadRequestError),
        (wrapped(ClientError("InvalidRange", 416)), BadRequestError),
        (StatusError(404), NotFoundError),
        (StatusError(403, "AuthenticationFailed"), PermissionDeniedError),
        (StatusError(409, "BlobAlreadyExists"), AlreadyExistsError),
        (StatusError(503, "ServerBusy"), TransientStorageError),
        (FileNotFoundError("gone"), NotFoundError),
        (PermissionError("no"), PermissionDeniedError),
        (FileExistsError("there"), AlreadyExistsError),
        (ConnectionResetError("reset"), TransientStorageError),
        (ConnectionRefusedError("refused"), TransientStorageError),
        (TimeoutError("slow"), TransientStorageError),
        (OSError(errno.ECONNRESET, "reset"), TransientStorageError),
        (type("ServerDisconnectedError", (Exception,), {})("gone"), TransientStorageError),
        (type("EndpointConnectionError", (Exception,), {})("down"), TransientStorageError),
        (ValueError("odd"), StorageError),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, BaseException) else "",
)
def test_classification(exc: BaseException, expected: type[StorageError]) -> None:
    error = translate_error(exc, REF, "read")
    assert type(error) is expected
    assert error.ref == REF if isinstance(error, StorageError) else True
    assert REF in str(error)
    assert "read failed" in str(error)


def test_not_found_is_never_transient() -> None:
    error = translate_error(FileNotFoundError("x"), REF, "read")
    assert not isinstance(error, TransientStorageError)


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"Retry-After": "3"}, 3.0),
        ({"retry-after": "0.5"}, 0.5),
        ({"x-ms-retry-after-ms": "250"}, 0.25),
        ({}, None),
        ({"Retry-After": "soon"}, None),
    ],
)
def test_retry_after_is_read(headers: dict[str, str], seconds: float | None) -> None:
    error = translate_error(wrapped(ClientError("SlowDown", 503, headers)), REF, "read")
    assert isinstance(error, TransientStorageError)
    assert error.retry_after == seconds


def test_retry_after_as_http_date() -> None:
    when = datetime.now(timezone.utc) + timedelta(seconds=30)
    headers = {"Retry-After": format_datetime(when, usegmt=True)}
    error = translate_error(wrapped(ClientError("SlowDown", 503, headers)), REF, "read")
    assert isinstance(error, TransientStorageError)
    assert error.retry_after is not None
    assert 25 <= error.retry_after <= 31


def test_secrets_are_scrubbed_from_messages() -> None:
    secret = "AKIAVERYSECRETVALUE"
    error = translate_error(PermissionError(f"bad key {secret}"), REF, "read", [secret])
    assert secret not in str(error)
    assert "**********" in str(error)
    assert scrub("short ab", ["ab"]) == "short ab"
