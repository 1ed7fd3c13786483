"""Input readers: ``inputs.pb`` from storage, and a cache in front of any reader."""

from __future__ import annotations

import threading
from types import EllipsisType
from typing import TYPE_CHECKING

from plugio.core import Inputs, LiteralMap
from plugio.paths import InputFilePaths
from plugio.readers._interfaces import InputReader
from plugio.readers._reading import context_on_error, payload_limit, read_failed
from plugio.storage import DataStore

if TYPE_CHECKING:
    from concurrent.futures import Future

__all__ = ["CachingInputReader", "RemoteFileInputReader"]


class RemoteFileInputReader(InputReader):
    """Reads a task attempt's inputs from ``inputs.pb`` under the input prefix.

    Args:
        store: the data store holding the inputs.
        paths: where the inputs are.
        max_payload_bytes: the largest ``inputs.pb`` read; by default the
            store's ``limits.max_payload_bytes``; ``None`` is unlimited.
    """

    def __init__(
        self,
        store: DataStore,
        paths: InputFilePaths,
        *,
        max_payload_bytes: int | EllipsisType | None = ...,
    ) -> None:
        self._store = store
        self._paths = paths
        self._limit = payload_limit(store, max_payload_bytes)

    def get_input_prefix_path(self) -> str:
        """The input prefix, from the paths given."""
        return self._paths.get_input_prefix_path()

    def get_input_path(self) -> str:
        """The ``inputs.pb`` reference, from the paths given."""
        return self._paths.get_input_path()

    def get(self) -> LiteralMap:
        """The inputs; a zero-byte ``inputs.pb`` is the empty map.

        Raises:
            NotFoundError: no ``inputs.pb``.
            PayloadTooLargeError: ``inputs.pb`` is larger than the limit.
            CorruptPayloadError: its bytes are not a ``LiteralMap``.
            StorageError: any other storage failure.

        Each is the store's error class with the message prefixed by
        ``failed to read data from dataDir [<path>]`` (Flyte's ``READ_FAILED``
        text) and the store's error as the cause.
        """
        path = self.get_input_path()
        with context_on_error(read_failed(path)):
            return self._store.read_protobuf(path, LiteralMap, limit=self._limit)

    async def get_async(self) -> LiteralMap:
        """Async twin of :meth:`get`: the same inputs, the same errors."""
        path = self.get_input_path()
        with context_on_error(read_failed(path)):
            return await self._store.read_protobuf_async(path, LiteralMap, limit=self._limit)

    def get_inputs(self) -> Inputs:
        """``inputs.pb`` as Flyte 2's ``Inputs``, whichever generation wrote it.

        Flyte 2's order, repeated names and context are kept; a Flyte 1
        ``LiteralMap`` reads as its entries in the order stored (plugio and
        flytekit store them sorted by name). Errors as for :meth:`get`.
        """
        path = self.get_input_path()
        with context_on_error(read_failed(path)):
            return self._store.read_protobuf(path, Inputs, limit=self._limit)

    async def get_inputs_async(self) -> Inputs:
        """Async twin of :meth:`get_inputs`."""
        path = self.get_input_path()
        with context_on_error(read_failed(path)):
            return await self._store.read_protobuf_async(path, Inputs, limit=self._limit)


class CachingInputReader(InputReader):
    """Keeps the first inputs another reader returns; failures are never kept.

    Concurrent first calls, from threads or coroutines on any event loop, share
    one read: the first caller reads, the others wait for it. If that read
    fails, the callers waiting on it get its exception and the next call reads
    again. Later calls return the same ``LiteralMap`` object without I/O.

    Args:
        reader: the reader to ask once.
    """

    def __init__(self, reader: InputReader) -> None:
        self._reader = reader
        self._lock = threading.Lock()
        self._inputs: LiteralMap | None = None
        self._pending: Future[LiteralMap | None] | None = None

    def get_input_prefix_path(self) -> str:
        """The wrapped reader's input prefix."""
        return self._reader.get_input_prefix_path()

    def get_input_path(self) -> str:
        """The wrapped reader's inputs reference."""
        return self._reader.get_input_path()

    def get_inputs(self) -> Inputs:
        """The wrapped reader's ``get_inputs`` (order and context kept); not cached."""
        return self._reader.get_inputs()

    async def get_inputs_async(self) -> Inputs:
        """Async twin of :meth:`get_inputs`."""
        return await self._reader.get_inputs_async()

    def get(self) -> LiteralMap:
        """The inputs: kept, or read once by the wrapped reader's ``get``.

        A failed read raises its exception in the caller that made it and in
        every caller waiting on it; nothing is kept.
        """
        while True:
            found, leading = self._join()
            if isinstance(found, LiteralMap):
                return found
            if leading:
                return self._lead(found)
            inputs = found.result()
            if inputs is not None:
                return inputs

    async def get_async(self) -> LiteralMap:
        """Async twin of :meth:`get`; a read it makes uses the wrapped ``get_async``.

        Waiting for a read made elsewhere does not block the event loop.
        """
        while True:
            found, leading = self._join()
            if isinstance(found, LiteralMap):
                return found
            if leading:
                return await self._lead_async(found)
            import asyncio

            inputs = await asyncio.wrap_future(found)
            if inputs is not None:
                return inputs

    def _join(self) -> tuple[LiteralMap | Future[LiteralMap | None], bool]:
        """The kept inputs, or the read in flight and whether this caller makes it."""
        from concurrent.futures import Future

        with self._lock:
            if self._inputs is not None:
                return self._inputs, False
            if self._pending is not None:
                return self._pending, False
            pending: Future[LiteralMap | None] = Future()
            # A running future cannot be cancelled by a waiter that gives up.
            pending.set_running_or_notify_cancel()
            self._pending = pending
            return pending, True

    def _lead(self, pending: Future[LiteralMap | None]) -> LiteralMap:
        """Read with the wrapped reader and settle ``pending`` with the outcome."""
        try:
            inputs = self._reader.get()
        except BaseException as exc:
            self._settle(pending, exc)
            raise
        self._settle(pending, inputs)
        return inputs

    async def _lead_async(self, pending: Future[LiteralMap | None]) -> LiteralMap:
        """Async twin of :meth:`_lead`."""
        try:
            inputs = await self._reader.get_async()
        except BaseException as exc:
            self._settle(pending, exc)
            raise
        self._settle(pending, inputs)
        return inputs

    def _settle(
        self, pending: Future[LiteralMap | None], outcome: LiteralMap | BaseException
    ) -> None:
        """Keep inputs read, end the read in flight and wake its waiters."""
        with self._lock:
            self._pending = None
            if isinstance(outcome, LiteralMap):
                self._inputs = outcome
        if isinstance(outcome, LiteralMap):
            pending.set_result(outcome)
        elif isinstance(outcome, Exception):
            pending.set_exception(outcome)
        else:
            # The reading caller was cancelled or interrupted: waiters read again.
            pending.set_result(None)
