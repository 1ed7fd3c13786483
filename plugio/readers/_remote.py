"""Where an attempt's error comes from: the error strategies.

The single ``error.pb`` (the default), or the earliest of many ``error*.pb``
files written by the workers of a distributed task (Flyte's "earliest" error
aggregation). The size and context helpers are re-exported from here, where
they used to live.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable

from plugio.core import ErrorDocument
from plugio.errors import NotFoundError, PayloadTooLargeError, PlugioError
from plugio.execution import ErrorKind, ExecutionError
from plugio.readers._reading import (
    context_on_error,
    exists_within,
    payload_limit,
    read_failed,
    with_context,
)
from plugio.storage import DataStore, ObjectInfo, bounded_gather, decode_message

__all__ = [
    "NO_ERROR_FOUND",
    "EarliestErrorStrategy",
    "ErrorStrategy",
    "SingleErrorStrategy",
    "context_on_error",
    "error_from_document",
    "exists_within",
    "payload_limit",
    "read_failed",
    "with_context",
]


#: What the earliest strategy reports when no error file is found; the engine
#: reports an error without code or message as ``Unknown``.
NO_ERROR_FOUND = ExecutionError(code="")


class ErrorStrategy(ABC):
    """Where a remote-file output reader looks for the attempt's error.

    Each method gets the store, the attempt's error path (``.../error.pb``) and
    the size limit (``None`` for none) from the reader; a file larger than the
    limit raises ``PayloadTooLargeError``. Every method has a sync face that
    uses the store's blocking calls and an async face that uses its async
    calls; a strategy implements both.
    """

    @abstractmethod
    def is_error(self, store: DataStore, error_path: str, limit: int | None) -> bool:
        """Whether an error file is there."""

    @abstractmethod
    async def is_error_async(self, store: DataStore, error_path: str, limit: int | None) -> bool:
        """Async twin of :meth:`is_error`."""

    @abstractmethod
    def read_error(self, store: DataStore, error_path: str, limit: int | None) -> ExecutionError:
        """The attempt's error, as the engine should report it."""

    @abstractmethod
    async def read_error_async(
        self, store: DataStore, error_path: str, limit: int | None
    ) -> ExecutionError:
        """Async twin of :meth:`read_error`."""

    def find_error(
        self, store: DataStore, error_path: str, limit: int | None
    ) -> ExecutionError | None:
        """The attempt's error, or None when there is none: ``is_error`` then ``read_error``.

        Strategies that can answer both with fewer requests override this and
        :meth:`find_error_async`.
        """
        if not self.is_error(store, error_path, limit):
            return None
        return self.read_error(store, error_path, limit)

    async def find_error_async(
        self, store: DataStore, error_path: str, limit: int | None
    ) -> ExecutionError | None:
        """Async twin of :meth:`find_error`."""
        if not await self.is_error_async(store, error_path, limit):
            return None
        return await self.read_error_async(store, error_path, limit)

    def find_errors(
        self, store: DataStore, error_paths: list[str], limit: int | None
    ) -> list[ExecutionError | PlugioError | None]:
        """:meth:`find_error` of each path, one after another with the blocking calls;
        a plugio error is returned for its attempt, not raised."""
        found: list[ExecutionError | PlugioError | None] = []
        for error_path in error_paths:
            try:
                found.append(self.find_error(store, error_path, limit))
            except PlugioError as exc:
                found.append(exc)
        return found


class SingleErrorStrategy(ErrorStrategy):
    """One ``error.pb`` at the error path (Flyte's default strategy).

    ``read_error`` turns a missing file into ``ErrorFileNotFound`` and a
    document without an error into ``ErrorFileBadFormat`` (both SYSTEM and
    recoverable); other read failures raise, keeping the cause.
    """

    def is_error(self, store: DataStore, error_path: str, limit: int | None) -> bool:
        """HEAD of the error file: False when missing."""
        return exists_within(store.head(error_path), limit)

    async def is_error_async(self, store: DataStore, error_path: str, limit: int | None) -> bool:
        """Async twin of :meth:`is_error`."""
        return exists_within(await store.head_async(error_path), limit)

    def read_error(self, store: DataStore, error_path: str, limit: int | None) -> ExecutionError:
        """The error document at the error path, as an ``ExecutionError``."""
        try:
            document = store.read_protobuf(error_path, ErrorDocument, limit=limit)
        except NotFoundError as exc:
            return _error_file_not_found(exc)
        except PlugioError as exc:
            raise with_context(exc, _read_error_data_failed(error_path)) from exc
        return error_from_document(document, error_path)

    def find_errors(
        self, store: DataStore, error_paths: list[str], limit: int | None
    ) -> list[ExecutionError | PlugioError | None]:
        """The error files read as one batch (``DataStore.read_many``): on local disk a
        missing file costs one system call."""
        return [
            _error_of(found, error_path)
            for found, error_path in zip(
                store.read_many(error_paths, limit=limit), error_paths, strict=True
            )
        ]

    async def read_error_async(
        self, store: DataStore, error_path: str, limit: int | None
    ) -> ExecutionError:
        """Async twin of :meth:`read_error`."""
        try:
            document = await store.read_protobuf_async(error_path, ErrorDocument, limit=limit)
        except NotFoundError as exc:
            return _error_file_not_found(exc)
        except PlugioError as exc:
            raise with_context(exc, _read_error_data_failed(error_path)) from exc
        return error_from_document(document, error_path)

    def find_error(
        self, store: DataStore, error_path: str, limit: int | None
    ) -> ExecutionError | None:
        """One ranged GET of the error file: None when it is missing."""
        try:
            document = store.read_protobuf(error_path, ErrorDocument, limit=limit)
        except PayloadTooLargeError:
            raise
        except NotFoundError:
            return None
        except PlugioError as exc:
            raise with_context(exc, _read_error_data_failed(error_path)) from exc
        return error_from_document(document, error_path)

    async def find_error_async(
        self, store: DataStore, error_path: str, limit: int | None
    ) -> ExecutionError | None:
        """Async twin of :meth:`find_error`."""
        try:
            document = await store.read_protobuf_async(error_path, ErrorDocument, limit=limit)
        except PayloadTooLargeError:
            raise
        except NotFoundError:
            return None
        except PlugioError as exc:
            raise with_context(exc, _read_error_data_failed(error_path)) from exc
        return error_from_document(document, error_path)


class EarliestErrorStrategy(ErrorStrategy):
    """The earliest of the error files the workers of a distributed task wrote.

    Candidates are the objects under the raw key prefix ``<dir>/error`` (for an
    error path ``<dir>/error.pb``) whose keys end in ``.pb``: ``error.pb`` and
    ``error-<id>.pb`` alike, found with one listing. ``read_error`` returns the
    one with the earliest timestamp (a missing timestamp counts as the epoch;
    ties keep the first listed), or an error with no code and no message when
    there is none, which the engine reports as ``Unknown``. Every candidate is
    held to the size limit; any read failure raises, keeping the cause.

    Args:
        concurrency: how many candidate files are read at once: by the async
            methods, and by the sync ones on a store that does not prefer
            blocking calls (on local disk and in memory they read one by one,
            in the calling thread).
    """

    def __init__(self, concurrency: int = 8) -> None:
        if concurrency < 1:
            raise ValueError(f"concurrency must be at least 1, not {concurrency}")
        self.concurrency = concurrency

    def is_error(self, store: DataStore, error_path: str, limit: int | None) -> bool:
        """Whether any candidate is listed."""
        return _any_within(_list_candidates(store, error_path), limit)

    async def is_error_async(self, store: DataStore, error_path: str, limit: int | None) -> bool:
        """Async twin of :meth:`is_error`."""
        return _any_within(await _list_candidates_async(store, error_path), limit)

    def read_error(self, store: DataStore, error_path: str, limit: int | None) -> ExecutionError:
        """The earliest candidate's error (see the class for none)."""
        return self._earliest_of(store, _list_candidates(store, error_path), limit)

    async def read_error_async(
        self, store: DataStore, error_path: str, limit: int | None
    ) -> ExecutionError:
        """Async twin of :meth:`read_error`."""
        candidates = await _list_candidates_async(store, error_path)
        return await self._earliest_of_async(store, candidates, limit)

    def find_error(
        self, store: DataStore, error_path: str, limit: int | None
    ) -> ExecutionError | None:
        """The earliest candidate's error, or None when none is listed: one listing."""
        candidates = _list_candidates(store, error_path)
        if not _any_within(candidates, limit):
            return None
        return self._earliest_of(store, candidates, limit)

    async def find_error_async(
        self, store: DataStore, error_path: str, limit: int | None
    ) -> ExecutionError | None:
        """Async twin of :meth:`find_error`."""
        candidates = await _list_candidates_async(store, error_path)
        if not _any_within(candidates, limit):
            return None
        return await self._earliest_of_async(store, candidates, limit)

    def _earliest_of(
        self, store: DataStore, candidates: list[ObjectInfo], limit: int | None
    ) -> ExecutionError:
        """Read the candidates with blocking calls: one by one where the store
        prefers that (local disk, memory), else in a bounded thread pool."""
        refs = [info.ref for info in candidates]

        def read(ref: str) -> ErrorDocument:
            with context_on_error(_read_error_file_failed(ref)):
                return store.read_protobuf(ref, ErrorDocument, limit=limit)

        if len(refs) <= 1 or self.concurrency == 1 or store.prefers_blocking(refs[0]):
            return _earliest(refs, [read(ref) for ref in refs])
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(min(self.concurrency, len(refs))) as pool:
            return _earliest(refs, list(pool.map(read, refs)))

    async def _earliest_of_async(
        self, store: DataStore, candidates: list[ObjectInfo], limit: int | None
    ) -> ExecutionError:
        """Read the candidates with async calls, at most ``concurrency`` at once."""
        refs = [info.ref for info in candidates]

        def read(ref: str) -> Callable[[], Awaitable[ErrorDocument]]:
            async def one() -> ErrorDocument:
                with context_on_error(_read_error_file_failed(ref)):
                    return await store.read_protobuf_async(ref, ErrorDocument, limit=limit)

            return one

        documents = await bounded_gather([read(ref) for ref in refs], self.concurrency)
        return _earliest(refs, documents)


def error_from_document(document: ErrorDocument, path: str) -> ExecutionError:
    """The ``ExecutionError`` an error document read at ``path`` stands for.

    A document without an error inside is ``ErrorFileBadFormat`` (SYSTEM,
    recoverable); otherwise the container error is mapped as the contract
    says (kind from ``origin``, recoverable only for a RECOVERABLE kind), with
    ``path`` as its ``error_uri``.
    """
    if not document.HasField("error"):
        return ExecutionError(
            code="ErrorFileBadFormat",
            message=f"error not formatted correctly, nil error @path [{path}]",
            kind=ErrorKind.SYSTEM,
            is_recoverable=True,
            error_uri=path,
        )
    return ExecutionError.from_container_error(document.error, error_uri=path)


def _error_file_not_found(exc: NotFoundError) -> ExecutionError:
    return ExecutionError(
        code="ErrorFileNotFound", message=str(exc), kind=ErrorKind.SYSTEM, is_recoverable=True
    )


def _candidate_prefix(error_path: str) -> tuple[str, str]:
    """``(<dir>/error, .pb)`` for ``<dir>/error.pb``: the listing prefix and the key suffix."""
    directory, _, name = error_path.rpartition("/")
    if name.count(".") != 1:
        raise ValueError(f"an error file name needs exactly one dot, not {name!r}")
    stem, _, extension = name.partition(".")
    return f"{directory}/{stem}", f".{extension}"


def _list_candidates(store: DataStore, error_path: str) -> list[ObjectInfo]:
    """The candidate error files for ``error_path``, from one listing, in listing order."""
    prefix, extension = _candidate_prefix(error_path)
    found = [info for page in store.list(prefix) for info in page]
    return _candidates(found, extension)


async def _list_candidates_async(store: DataStore, error_path: str) -> list[ObjectInfo]:
    """Async twin of :func:`_list_candidates`."""
    prefix, extension = _candidate_prefix(error_path)
    found = [info async for page in store.list_async(prefix) for info in page]
    return _candidates(found, extension)


def _read_error_data_failed(error_path: str) -> str:
    """The context of a failed read of the single error file at ``error_path``."""
    return f"failed to read error data from task @[{error_path}]"


def _read_error_file_failed(ref: str) -> str:
    """The context of a failed read of the candidate error file ``ref``."""
    return f"failed to read error file @[{ref}]"


def _candidates(found: list[ObjectInfo], extension: str) -> list[ObjectInfo]:
    """The listed objects whose key ends in ``extension``, in listing order."""
    return [info for info in found if info.ref.endswith(extension)]


def _any_within(candidates: list[ObjectInfo], limit: int | None) -> bool:
    """Whether there is a candidate; the first one over ``limit`` (listed size) raises."""
    for info in candidates:
        exists_within(info, limit)
    return bool(candidates)


def _earliest(refs: list[str], documents: list[ErrorDocument]) -> ExecutionError:
    """The error of the earliest document; ``min`` keeps the first of equals."""
    if not refs:
        return NO_ERROR_FOUND
    ref, document = min(zip(refs, documents, strict=True), key=lambda pair: _timestamp(pair[1]))
    return error_from_document(document, ref)


def _timestamp(document: ErrorDocument) -> tuple[int, int]:
    stamp = document.error.timestamp  # unset: 0, 0, the epoch
    return stamp.seconds, stamp.nanos


def _error_of(
    found: bytes | PlugioError | None, error_path: str
) -> ExecutionError | PlugioError | None:
    """What one read of a single error file says, as :meth:`SingleErrorStrategy.find_error`."""
    if found is None or isinstance(found, PayloadTooLargeError):
        return found
    try:
        if isinstance(found, PlugioError):
            raise found
        document = decode_message(found, ErrorDocument, error_path)
    except PlugioError as exc:  # as find_error raises it: in context, from the cause
        error = with_context(exc, _read_error_data_failed(error_path))
        error.__cause__ = exc
        return error
    return error_from_document(document, error_path)
