"""The one place where fsspec and SDK exceptions become plugio errors.

The SDKs are never imported here: their exceptions are recognised by the
attributes they carry (an HTTP status, an error code, response headers) and by
class name, so translating an error never loads a cloud SDK.
"""

from __future__ import annotations

import errno
import re
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime, timezone
from typing import Any, NamedTuple

from plugio.errors import (
    AlreadyExistsError,
    BadRequestError,
    NotFoundError,
    PermissionDeniedError,
    PlugioError,
    StorageError,
    TransientStorageError,
)

__all__ = ["is_invalid_range", "scrub", "translate_error"]

_NOT_FOUND_CODES = frozenset(
    {"NoSuchKey", "NoSuchBucket", "NotFound", "BlobNotFound", "ContainerNotFound", "404"}
)
_PERMISSION_CODES = frozenset(
    {
        "AccessDenied",
        "InvalidAccessKeyId",
        "SignatureDoesNotMatch",
        "ExpiredToken",
        "AuthenticationFailed",
        "AuthorizationFailure",
        "InvalidToken",
    }
)
_EXISTS_CODES = frozenset(
    {"PreconditionFailed", "ConditionNotMet", "BlobAlreadyExists", "ConditionalRequestConflict"}
)
_TRANSIENT_CODES = frozenset(
    {
        "SlowDown",
        "Throttling",
        "ThrottlingException",
        "RequestLimitExceeded",
        "TooManyRequests",
        "RequestTimeout",
        "RequestTimeTooSkewed",
        "ServiceUnavailable",
        "InternalError",
        "ServerBusy",
        "OperationTimedOut",
    }
)
_TRANSIENT_CLASS_NAMES = frozenset(
    {
        # aiohttp
        "ClientConnectionError",
        "ClientConnectorError",
        "ClientOSError",
        "ServerDisconnectedError",
        "ServerTimeoutError",
        "ClientPayloadError",
        "ConnectionTimeoutError",
        "SocketTimeoutError",
        # botocore
        "EndpointConnectionError",
        "ConnectionClosedError",
        "ReadTimeoutError",
        "ConnectTimeoutError",
        "ResponseStreamingError",
        # azure-core
        "ServiceRequestError",
        "ServiceResponseError",
        "IncompleteReadError",
    }
)
_TRANSIENT_ERRNOS = frozenset(
    {
        errno.EAGAIN,
        errno.EBUSY,
        errno.ETIMEDOUT,
        errno.ECONNRESET,
        errno.ECONNREFUSED,
        errno.ECONNABORTED,
        errno.EPIPE,
        getattr(errno, "EREMOTEIO", errno.EIO),
    }
)


class _HttpFacts(NamedTuple):
    status: int | None = None
    code: str | None = None
    retry_after: float | None = None


def scrub(text: str, secrets: Iterable[str]) -> str:
    """Replace every secret in ``text`` (and every one a store registered) by asterisks."""
    from plugio.storage._redact import known_secrets

    for secret in (*secrets, *known_secrets()):
        if secret and len(secret) >= 4:
            text = text.replace(secret, "**********")
    return text


def is_invalid_range(exc: BaseException) -> bool:
    """Whether ``exc`` is a store refusing a byte range (HTTP 416)."""
    facts = _http_facts(exc)
    return facts.status == 416 or facts.code == "InvalidRange"


def translate_error(
    exc: BaseException, ref: str, operation: str, secrets: Iterable[str] = ()
) -> PlugioError:
    """The plugio error for ``exc``, raised by ``operation`` on ``ref``.

    The caller raises the result ``from exc``, keeping the original as cause.
    """
    if isinstance(exc, PlugioError):
        return exc
    message = scrub(f"{operation} failed: {_describe(exc)}", secrets)
    if _is_unparsed_response(exc):
        # The client could not parse what came back (a garbled status line, a
        # truncated body): no server status to classify, and a new request
        # may well get a good answer. aiohttp sets a 400 on these itself.
        return TransientStorageError(message, ref)
    facts = _http_facts(exc)
    kind = _classify(exc, facts)
    if kind is TransientStorageError:
        return TransientStorageError(message, ref, retry_after=facts.retry_after)
    return kind(message, ref)


def _is_unparsed_response(exc: BaseException) -> bool:
    """Whether ``exc`` is an HTTP client's own failure to parse a response."""
    for link in _chain(exc):
        names = {klass.__name__ for klass in type(link).__mro__}
        if "HttpProcessingError" in names and type(link).__module__.startswith("aiohttp"):
            return True
    return False


def _classify(exc: BaseException, facts: _HttpFacts) -> type[StorageError]:
    by_code = _classify_code(facts.code)
    if by_code is not None:
        return by_code
    by_status = _classify_status(facts.status)
    if by_status is not None:
        return by_status
    for link in _chain(exc):
        by_type = _classify_type(link)
        if by_type is not None:
            return by_type
    return StorageError


def _classify_code(code: str | None) -> type[StorageError] | None:
    if code is None:
        return None
    if code in _NOT_FOUND_CODES:
        return NotFoundError
    if code in _PERMISSION_CODES:
        return PermissionDeniedError
    if code in _EXISTS_CODES:
        return AlreadyExistsError
    if code in _TRANSIENT_CODES:
        return TransientStorageError
    return None


def _classify_status(status: int | None) -> type[StorageError] | None:
    if status is None:
        return None
    if status == 404:
        return NotFoundError
    if status in (401, 403):
        return PermissionDeniedError
    if status in (409, 412):
        return AlreadyExistsError
    if status in (408, 429) or status >= 500:
        return TransientStorageError
    if 400 <= status < 500:
        return BadRequestError
    return None


def _classify_type(exc: BaseException) -> type[StorageError] | None:
    if _is_obstore(exc):
        name = type(exc).__name__
        if name in ("PermissionDeniedError", "UnauthenticatedError"):
            return PermissionDeniedError
        if name in ("AlreadyExistsError", "PreconditionError"):
            return AlreadyExistsError
        if name in ("InvalidPathError", "UnknownConfigurationKeyError"):
            return BadRequestError
        if _OBSTORE_UNSENT.search(str(exc)):
            return TransientStorageError
    if isinstance(exc, FileNotFoundError):
        return NotFoundError
    if isinstance(exc, FileExistsError):
        return AlreadyExistsError
    if isinstance(exc, PermissionError):
        return PermissionDeniedError
    if isinstance(exc, ConnectionError | TimeoutError):
        return TransientStorageError
    if type(exc).__name__ in _TRANSIENT_CLASS_NAMES:
        return TransientStorageError
    if type(exc).__name__ == "ClientAuthenticationError":
        return PermissionDeniedError
    if isinstance(exc, OSError) and exc.errno in _TRANSIENT_ERRNOS:
        return TransientStorageError
    return None


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    link: BaseException | None = exc
    while link is not None and id(link) not in seen and len(seen) < 8:
        seen.add(id(link))
        yield link
        link = link.__cause__ or link.__context__


def _http_facts(exc: BaseException) -> _HttpFacts:
    for link in _chain(exc):
        facts = _facts_of(link)
        if facts is not None:
            return facts
    return _HttpFacts()


_OBSTORE_STATUS = re.compile(r"non-2xx status code: (\d{3})")
_OBSTORE_CODE = re.compile(r"<Code>([^<]{1,100})</Code>")
_OBSTORE_UNSENT = re.compile(
    r"HTTP error: error (sending request|decoding response body)"
    r"|kind: (Timeout|Connect|Interrupted|Request|Body)\b"
)


def _obstore_facts(exc: BaseException) -> _HttpFacts | None:
    """What an obstore error's text says: the HTTP status and the S3 error code."""
    text = str(exc)
    status = _OBSTORE_STATUS.search(text)
    if status is None:
        return None
    code = _OBSTORE_CODE.search(text)
    return _HttpFacts(status=int(status.group(1)), code=code.group(1) if code else None)


def _is_obstore(exc: BaseException) -> bool:
    return type(exc).__module__.startswith("obstore") or "\n\nDebug source:\n" in str(exc)


def _facts_of(exc: BaseException) -> _HttpFacts | None:
    if _is_obstore(exc):
        return _obstore_facts(exc)
    response = getattr(exc, "response", None)
    if isinstance(response, Mapping) and "Error" in response:  # botocore ClientError
        meta: Mapping[str, Any] = response.get("ResponseMetadata", {})
        headers: Mapping[str, str] = meta.get("HTTPHeaders", {})
        return _HttpFacts(
            status=meta.get("HTTPStatusCode"),
            code=response["Error"].get("Code"),
            retry_after=_retry_after(headers),
        )
    status = _int_attr(exc, "status_code", "status", "code")
    if status is None:
        return None
    code = getattr(exc, "error_code", None)
    headers = getattr(response, "headers", None) or getattr(exc, "headers", None) or {}
    return _HttpFacts(
        status=status,
        code=str(code) if code is not None else None,
        retry_after=_retry_after(headers),
    )


def _int_attr(exc: BaseException, *names: str) -> int | None:
    for name in names:
        value = getattr(exc, name, None)
        if isinstance(value, int) and not isinstance(value, bool) and 100 <= value < 600:
            return value
    return None


def _retry_after(headers: Mapping[str, str]) -> float | None:
    raw = None
    for key in ("Retry-After", "retry-after", "x-ms-retry-after-ms"):
        try:
            raw = headers.get(key)
        except AttributeError:
            return None
        if raw is not None:
            if key == "x-ms-retry-after-ms":
                return _seconds(raw, scale=0.001)
            return _seconds(raw)
    return None


def _seconds(raw: str, scale: float = 1.0) -> float | None:
    text = str(raw).strip()
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return float(text) * scale
    # email.utils loads sockets and URL parsing: only a dated Retry-After needs it.
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def _describe(exc: BaseException) -> str:
    text = str(exc).split("\n\nDebug source:", 1)[0].strip() or repr(exc)
    return f"{type(exc).__name__}: {text}"
