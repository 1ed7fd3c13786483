"""How a reader reads a stored file: the size limit, and the context of a failure."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from types import EllipsisType
from typing import TypeVar

from plugio.errors import PayloadTooLargeError, PlugioError
from plugio.storage import DataStore, ObjectInfo

__all__ = ["context_on_error", "exists_within", "payload_limit", "read_failed", "with_context"]

E = TypeVar("E", bound=PlugioError)


def payload_limit(store: DataStore, max_payload_bytes: int | EllipsisType | None) -> int | None:
    """The size limit in bytes that ``max_payload_bytes`` stands for.

    ``...`` is the store's ``limits.max_payload_bytes``; ``None`` is no limit;
    a number is itself.

    Raises:
        ValueError: a negative limit.
    """
    if max_payload_bytes is ...:
        return store.max_payload_bytes
    if max_payload_bytes is not None and max_payload_bytes < 0:
        raise ValueError(f"max_payload_bytes must be at least 0, not {max_payload_bytes}")
    return max_payload_bytes


def with_context(error: E, context: str) -> E:
    """A copy of ``error`` (same class and attributes) whose message starts with ``context``.

    Callers still catch the store's typed error (``NotFoundError``,
    ``PayloadTooLargeError`` ...) while the text says what was being read, in
    the words Flyte's engine uses. Raise it ``from error`` to keep the cause.
    """
    message = f"{context}: {error}"
    # Not the constructor: the error classes take different arguments.
    copy = type(error).__new__(type(error), message)
    copy.__dict__.update(vars(error))
    copy.args = (message,)
    return copy


@contextmanager
def context_on_error(context: str) -> Iterator[None]:
    """Re-raise a ``PlugioError`` from the block as :func:`with_context` of it.

    The copy keeps the error's class and attributes and is chained to it
    (``raise ... from``); other exceptions pass through untouched.

    Args:
        context: what was being done, put in front of the error's message.
    """
    try:
        yield
    except PlugioError as exc:
        raise with_context(exc, context) from exc


def read_failed(path: str) -> str:
    """Flyte's words for a failed read of inputs or outputs at ``path``."""
    return f"failed to read data from dataDir [{path}]"


def exists_within(info: ObjectInfo, limit: int | None) -> bool:
    """Whether the object a HEAD or a listing described exists, within ``limit``.

    ``size > limit`` is too large (equal is allowed); ``None`` is no limit.

    Raises:
        PayloadTooLargeError: the object exists and is larger than ``limit``.
    """
    if info.exists and limit is not None and info.size is not None and info.size > limit:
        raise PayloadTooLargeError(info.ref, info.size, limit)
    return info.exists
