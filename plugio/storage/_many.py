"""Batches of single-object reads and HEADs, each item answered on its own.

Async-first: :func:`read_many_async` and :func:`head_many_async` run the
single-object operations with bounded concurrency. The blocking twins answer
one by one in the calling thread where the store prefers blocking calls
(local disk, memory), each item's first attempt a direct call of its backend
(a missing file is an answer, not an error to translate); any other failure
takes the single-object operation's full route (retries, translation), so
every item gets the same answer it would get alone.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from typing import TYPE_CHECKING, TypeVar

from plugio.errors import (
    ConfigurationError,
    InvalidReferenceError,
    MissingDependencyError,
    NotFoundError,
    PlugioError,
)
from plugio.storage._concurrency import bounded_gather
from plugio.storage._model import ObjectInfo, to_object_info

if TYPE_CHECKING:
    from plugio.storage._store import DataStore

__all__ = ["head_many", "head_many_async", "read_many", "read_many_async"]

T = TypeVar("T")
ReadResult = bytes | None | PlugioError
#: Failures that say the store cannot serve these references at all: raised.
_WHOLE_STORE = (ConfigurationError, MissingDependencyError, InvalidReferenceError)
HeadResult = ObjectInfo | PlugioError


def read_many(
    store: DataStore, refs: Sequence[str], limit: int | None, *, direct: bool = True
) -> list[ReadResult]:
    """Each object's bytes, None where it is missing, or the plugio error reading it met.

    ``direct`` False: the store reads its own way (a subclass overriding
    ``read_bytes``), so each item goes through that method.
    """
    if not store.prefers_blocking(*refs):
        return store.run(read_many_async(store, refs, limit, store.transfer_concurrency), *refs)
    if not direct:
        return [_answer(partial(store.read_bytes, ref, limit=limit)) for ref in refs]
    return _read_directly(store, refs, limit)


def head_many(store: DataStore, refs: Sequence[str], *, direct: bool = True) -> list[HeadResult]:
    """Each object's metadata (``exists`` False when missing), or the plugio error met."""
    if not store.prefers_blocking(*refs):
        return store.run(head_many_async(store, refs, store.transfer_concurrency), *refs)
    if not direct:
        return [_head_answer(ref, _answer(partial(store.head, ref))) for ref in refs]
    return _head_directly(store, refs)


async def read_many_async(
    store: DataStore, refs: Sequence[str], limit: int | None, concurrency: int
) -> list[ReadResult]:
    """Async twin of :func:`read_many`: at most ``concurrency`` reads at once."""

    async def read(ref: str) -> ReadResult:
        return await _answer_async(lambda: store.read_bytes_async(ref, limit=limit))

    return await bounded_gather([_job(read, ref) for ref in refs], concurrency)


async def head_many_async(
    store: DataStore, refs: Sequence[str], concurrency: int
) -> list[HeadResult]:
    """Async twin of :func:`head_many`: at most ``concurrency`` HEADs at once."""

    async def head(ref: str) -> HeadResult:
        return _head_answer(ref, await _answer_async(lambda: store.head_async(ref)))

    return await bounded_gather([_job(head, ref) for ref in refs], concurrency)


def _job(one: Callable[[str], Awaitable[T]], ref: str) -> Callable[[], Awaitable[T]]:
    return lambda: one(ref)


def _read_directly(store: DataStore, refs: Sequence[str], limit: int | None) -> list[ReadResult]:
    """Each item's first attempt a direct call of its blocking backend's ``read``
    (a missing file is an answer, not an error to translate)."""
    resolve = store._clients.resolve
    end = None if limit is None else limit + 1
    found: list[ReadResult] = []
    for ref in refs:
        backend, key = resolve(ref)
        data: bytes | None
        try:
            data = backend.call("read", key, 0, end)
        except FileNotFoundError:
            found.append(None)
            continue
        except Exception:  # the full route decides: retried, translated, named
            data = None
        if data is None or (limit is not None and len(data) > limit):  # (too large: sized)
            found.append(_answer(partial(store.read_bytes, ref, limit=limit)))
        else:
            found.append(data)
    return found


def _head_directly(store: DataStore, refs: Sequence[str]) -> list[HeadResult]:
    """Each item's first attempt a direct call of its blocking backend's ``info``."""
    resolve = store._clients.resolve
    found: list[HeadResult] = []
    for ref in refs:
        backend, key = resolve(ref)
        try:
            found.append(to_object_info(ref, backend.call("info", key)))
        except FileNotFoundError:
            found.append(ObjectInfo(ref=ref, exists=False))
        except Exception:
            found.append(_head_answer(ref, _answer(partial(store.head, ref))))
    return found


def _head_answer(ref: str, found: ObjectInfo | PlugioError | None) -> HeadResult:
    return ObjectInfo(ref=ref, exists=False) if found is None else found


def _answer(read: Callable[[], T]) -> T | PlugioError | None:
    """What ``read()`` gave, None for not found, or its plugio error (one that says the
    store cannot serve at all is raised: it is no answer about one item)."""
    try:
        return read()
    except NotFoundError:
        return None
    except _WHOLE_STORE:
        raise
    except PlugioError as exc:
        return exc


async def _answer_async(read: Callable[[], Awaitable[T]]) -> T | PlugioError | None:
    """Async twin of :func:`_answer`."""
    try:
        return await read()
    except NotFoundError:
        return None
    except _WHOLE_STORE:
        raise
    except PlugioError as exc:
        return exc
