"""Credentials never reach a log line: every record is scrubbed of the known secrets.

A store registers the credentials it was given (settings, storage options,
and the SDKs' own environment variables) with :func:`protect`. From then on a
log record factory replaces each of them by asterisks in any record's message,
whichever logger made it: plugio's own, or botocore's and the other SDKs',
whose DEBUG lines carry request headers such as ``X-Amz-Security-Token``.
"""

from __future__ import annotations

import os
import re
import sys
import threading
from collections.abc import Iterable, Iterator
from typing import Any

__all__ = [
    "config_secrets",
    "install",
    "known_secrets",
    "option_secrets",
    "protect",
]

#: Environment variables whose values the SDKs send as credentials.
_SDK_VARIABLES = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AZURE_STORAGE_KEY",
    "AZURE_STORAGE_ACCOUNT_KEY",
    "AZURE_STORAGE_CONNECTION_STRING",
    "AZURE_STORAGE_SAS_TOKEN",
    "AZURE_CLIENT_SECRET",
)
#: Parts of a connection string that are secrets on their own.
_CONNECTION_SECRETS = re.compile(r"(?:AccountKey|SharedAccessSignature)=([^;]+)")
_SECRET_OPTIONS = frozenset(
    {"key", "secret", "token", "account_key", "connection_string", "sas_token", "password"}
)
_SECRET_FIELDS = (
    ("s3", "access_key_id"),
    ("s3", "secret_access_key"),
    ("s3", "session_token"),
    ("gcs", "token"),
    ("azure", "account_key"),
    ("azure", "connection_string"),
    ("azure", "sas_token"),
)
_MASK = "**********"
_secrets: set[str] = set()
_lock = threading.Lock()
_previous_factory: Any = None


def protect(values: Iterable[str]) -> None:
    """Keep ``values`` (and the SDKs' credential variables) out of every log line."""
    found = set(_expand(values)) | set(_expand(os.environ.get(name) for name in _SDK_VARIABLES))
    new = {value for value in found if len(value) >= 4} - _secrets
    if not new:
        return
    with _lock:
        _secrets.update(new)
    if "logging" in sys.modules:  # else nothing can log yet: see install()
        install()


def known_secrets() -> frozenset[str]:
    """Every secret registered so far."""
    return frozenset(_secrets)


def _expand(values: Iterable[str | None]) -> Iterable[str]:
    for value in values:
        if not value:
            continue
        yield value
        yield from _CONNECTION_SECRETS.findall(value)


def install() -> None:
    """Scrub every log record from now on (once logging is in use: a client that logs
    calls this when it is built, so that start-up without one never imports logging)."""
    global _previous_factory
    import logging

    with _lock:
        if _previous_factory is not None:
            return
        _previous_factory = logging.getLogRecordFactory()
        logging.setLogRecordFactory(_scrubbed_record)


def _scrubbed_record(*args: Any, **kwargs: Any) -> Any:
    record = _previous_factory(*args, **kwargs)
    try:
        text = record.getMessage()
    except Exception:  # a malformed record fails later, as it would have
        return record
    scrubbed = text
    for secret in _secrets:
        if secret in scrubbed:
            scrubbed = scrubbed.replace(secret, _MASK)
    if scrubbed is not text:
        record.msg, record.args = scrubbed, None
    return record


def config_secrets(config: Any) -> Iterator[str]:
    """The credential values of a ``StorageConfig``."""
    for section, name in _SECRET_FIELDS:
        value = getattr(getattr(config, section, None), name, None)
        if value is not None:
            yield str(value.get_secret_value())


def option_secrets(options: dict[str, Any]) -> Iterator[str]:
    """The credential values among client options (nested ones included)."""
    for name, value in options.items():
        if name in _SECRET_OPTIONS | {"secret_access_key", "access_key_id"} and isinstance(
            value, str
        ):
            yield value
        elif isinstance(value, dict):
            yield from option_secrets(value)
