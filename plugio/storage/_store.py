"""DataStore: the one class that talks to storage, a thin facade over the backends."""

from __future__ import annotations

import builtins
import os
from collections.abc import AsyncIterator, Coroutine, Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from google.protobuf.message import Message

from plugio.errors import PlugioError
from plugio.storage import _many
from plugio.storage import _operations as ops
from plugio.storage._clients import Clients
from plugio.storage._keys import protocol_of, reference_of
from plugio.storage._model import ObjectInfo, ProgressCallback, check_page_size, pages
from plugio.storage._translate import translate_error

if TYPE_CHECKING:
    from plugio.config import StorageConfig
    from plugio.generation import FlyteGeneration
    from plugio.storage._backend import Backend
    from plugio.storage._compose import Piece

__all__ = ["DataStore"]

T = TypeVar("T")
M = TypeVar("M", bound=Message)
_CONFIG_LIMIT: Any = object()
LocalPath = str | os.PathLike[str]
Progress = ProgressCallback | None
Refs = builtins.list[str]


class DataStore:
    """Reads and writes objects on any storage, with plugio's guarantees.

    One store serves ``s3://``, ``gs://``, ``abfs://``, ``file://``, ``memory://``,
    bare local paths and any other fsspec protocol. Every operation has an
    ``_async`` twin, each face native where the client allows, and resolves its
    reference by one key rule (``s3://b/a%20b`` is the object ``a b``). Failures
    are plugio errors naming the reference; transient ones are retried under
    ``config.retry``, each attempt bounded in time. A store is safe to share
    between threads, inside a running event loop, and in a child after ``fork()``.

    Args:
        config: settings; by default from ``PLUGIO_*`` environment variables.
        base_url: where higher layers root relative keys (``from_url`` sets it).
        storage_options: extra fsspec options, per protocol, over ``config``.
    """

    def __init__(
        self,
        config: StorageConfig | None = None,
        *,
        base_url: str | None = None,
        storage_options: dict[str, dict[str, Any]] | None = None,
    ) -> None:
        if config is None:
            from plugio.config import StorageConfig

            config = StorageConfig()
        self._config = config
        self._base_url = base_url
        self._clients = Clients(config, storage_options or {})

    @classmethod
    def from_url(
        cls, url: str, *, config: StorageConfig | None = None, **options: Any
    ) -> DataStore:
        """A store rooted at ``url``; ``options`` are fsspec options for its protocol.

        >>> store = DataStore.from_url("memory://bucket")
        >>> store.base_url
        'memory://bucket'
        """
        protocol = protocol_of(url)
        return cls(config, base_url=url, storage_options={protocol: options} if options else None)

    @property
    def config(self) -> StorageConfig:
        """The settings this store was built with."""
        return self._config

    @property
    def flyte(self) -> FlyteGeneration:
        """``config.flyte``: the Flyte generation this store's writers follow when not told."""
        return self._config.flyte

    @property
    def max_payload_bytes(self) -> int | None:
        """``config.limits.max_payload_bytes``: the default limit on control files."""
        return self._config.limits.max_payload_bytes

    @property
    def transfer_concurrency(self) -> int:
        """``config.transfer.concurrency``: how many objects a batch moves at once."""
        return self._config.transfer.concurrency

    @property
    def base_url(self) -> str | None:
        """The URL given to ``from_url``, if any."""
        return self._base_url

    def __repr__(self) -> str:
        return f"DataStore(base_url={self._base_url!r})"

    def filesystem(self, ref: str) -> Any:
        """The fsspec filesystem serving ``ref`` (for what plugio does not wrap)."""
        return self._clients.backend(protocol_of(ref)).filesystem

    def prefers_blocking(self, *refs: str) -> bool:
        """Whether batches over ``refs`` are fastest one by one through the blocking calls:
        true for local disk and memory, where there is no round trip to overlap."""
        return all(backend.prefers_blocking for backend in self._clients.backends_of(refs))

    def run(self, batch: Coroutine[Any, Any, T], *refs: str) -> T:
        """Run the async ``batch`` over ``refs`` to completion from blocking code: on the
        loop their client lives on where one backend serves them all (fsspec's I/O
        loop for its async clients), else on a loop of its own."""
        backends = self._clients.backends_of(refs)
        if len(backends) == 1:
            return backends[0].run(batch)
        from plugio._twins import run_blocking

        return run_blocking(batch)

    # -- head / exists ------------------------------------------------------
    def head(self, ref: str) -> ObjectInfo:
        """Metadata of the object at ``ref``; ``exists`` is False when missing."""
        backend, key = self._clients.resolve(ref)
        return self._clients.run(backend, ref, "head", lambda: ops.head(key, ref))

    async def head_async(self, ref: str) -> ObjectInfo:
        """Async twin of :meth:`head`."""
        backend, key = self._clients.resolve(ref)
        return await self._clients.run_async(backend, ref, "head", lambda: ops.head(key, ref))

    def exists(self, ref: str) -> bool:
        """Whether an object (not a mere prefix) is stored at ``ref``."""
        return self.head(ref).exists

    async def exists_async(self, ref: str) -> bool:
        """Async twin of :meth:`exists`."""
        return (await self.head_async(ref)).exists

    # -- bytes --------------------------------------------------------------
    def read_bytes(self, ref: str, *, limit: int | None = None) -> bytes:
        """The object's bytes; with ``limit``, refuse a larger object.

        At most ``limit + 1`` bytes are fetched (one ranged GET where the
        store allows); an object of more than ``limit`` bytes raises
        ``PayloadTooLargeError``, one of exactly ``limit`` bytes is returned.
        """
        backend, key = self._clients.resolve(ref)
        return self._clients.run(backend, ref, "read", lambda: ops.read_bounded(key, ref, limit))

    async def read_bytes_async(self, ref: str, *, limit: int | None = None) -> bytes:
        """Async twin of :meth:`read_bytes`."""
        backend, key = self._clients.resolve(ref)
        return await self._clients.run_async(
            backend, ref, "read", lambda: ops.read_bounded(key, ref, limit)
        )

    def read_range(self, ref: str, start: int, end: int) -> bytes:
        """Bytes ``[start, end)`` of the object at ``ref`` (fewer past its end): one ranged GET."""
        backend, key = self._clients.resolve_range(ref, start, end)
        return self._clients.run(backend, ref, "read", lambda: ops.read_range(key, start, end))

    async def read_range_async(self, ref: str, start: int, end: int) -> bytes:
        """Async twin of :meth:`read_range`."""
        backend, key = self._clients.resolve_range(ref, start, end)
        return await self._clients.run_async(
            backend, ref, "read", lambda: ops.read_range(key, start, end)
        )

    def write_bytes(self, ref: str, data: bytes, *, if_absent: bool = False) -> None:
        """Store ``data`` at ``ref`` atomically: readers see all of it or none.

        With ``if_absent``, the write fails with ``AlreadyExistsError`` when an
        object is already there (a conditional create, where the store has one).
        """
        backend, key = self._clients.resolve(ref)
        body = bytes(data)
        self._clients.run(backend, ref, "write", lambda: ops.write(key, body, if_absent))

    async def write_bytes_async(self, ref: str, data: bytes, *, if_absent: bool = False) -> None:
        """Async twin of :meth:`write_bytes`."""
        backend, key = self._clients.resolve(ref)
        body = bytes(data)
        await self._clients.run_async(
            backend, ref, "write", lambda: ops.write(key, body, if_absent)
        )

    # -- protobuf -----------------------------------------------------------
    def read_protobuf(self, ref: str, message_type: type[M], *, limit: Any = _CONFIG_LIMIT) -> M:
        """Read and decode a message; ``limit`` defaults to ``limits.max_payload_bytes``.

        A zero-byte object is the empty message. Undecodable bytes raise
        ``CorruptPayloadError``.
        """
        data = self.read_bytes(ref, limit=self._limit(limit))
        return ops.decode_message(data, message_type, ref)

    async def read_protobuf_async(
        self, ref: str, message_type: type[M], *, limit: Any = _CONFIG_LIMIT
    ) -> M:
        """Async twin of :meth:`read_protobuf`."""
        data = await self.read_bytes_async(ref, limit=self._limit(limit))
        return ops.decode_message(data, message_type, ref)

    def write_protobuf(self, ref: str, message: Message, *, if_absent: bool = False) -> None:
        """Encode (deterministically) and write a message atomically."""
        self.write_bytes(ref, ops.encode_message(message), if_absent=if_absent)

    async def write_protobuf_async(
        self, ref: str, message: Message, *, if_absent: bool = False
    ) -> None:
        """Async twin of :meth:`write_protobuf`."""
        await self.write_bytes_async(ref, ops.encode_message(message), if_absent=if_absent)

    # -- many at once -------------------------------------------------------
    def read_many(
        self, refs: Sequence[str], *, limit: Any = _CONFIG_LIMIT
    ) -> builtins.list[bytes | PlugioError | None]:
        """Each object's :meth:`read_bytes`, in order; a missing object is None and a
        failure its plugio error (not raised). One by one on local disk and in
        memory, else ``transfer.concurrency`` at once."""
        direct = type(self).read_bytes is DataStore.read_bytes  # else: its own way
        return _many.read_many(self, refs, self._limit(limit), direct=direct)

    async def read_many_async(
        self, refs: Sequence[str], *, limit: Any = _CONFIG_LIMIT
    ) -> builtins.list[bytes | PlugioError | None]:
        """Async twin of :meth:`read_many`."""
        limit = self._limit(limit)
        return await _many.read_many_async(self, refs, limit, self.transfer_concurrency)

    def head_many(self, refs: Sequence[str]) -> builtins.list[ObjectInfo | PlugioError]:
        """Each object's :meth:`head`, in order; a failure is its plugio error, not raised."""
        return _many.head_many(self, refs, direct=type(self).head is DataStore.head)

    async def head_many_async(self, refs: Sequence[str]) -> builtins.list[ObjectInfo | PlugioError]:
        """Async twin of :meth:`head_many`."""
        return await _many.head_many_async(self, refs, self.transfer_concurrency)

    # -- delete / copy / list -----------------------------------------------
    def delete(self, ref: str, *, recursive: bool = False) -> None:
        """Delete the object at ``ref`` (everything under it with ``recursive``).

        Deleting what is not there is not an error.
        """
        backend, key = self._clients.resolve(ref)
        self._clients.run(backend, ref, "delete", lambda: ops.delete(key, recursive))

    async def delete_async(self, ref: str, *, recursive: bool = False) -> None:
        """Async twin of :meth:`delete`."""
        backend, key = self._clients.resolve(ref)
        await self._clients.run_async(backend, ref, "delete", lambda: ops.delete(key, recursive))

    def copy(self, source_ref: str, target_ref: str) -> None:
        """Copy one object to ``target_ref``, inside the store where the backend can.

        Both references must use the same protocol. The target is replaced
        atomically; a missing source raises ``NotFoundError``.
        """
        backend, key, target = self._clients.resolve_pair(source_ref, target_ref)
        self._clients.run(backend, source_ref, "copy", lambda: ops.copy(key, target))

    async def copy_async(self, source_ref: str, target_ref: str) -> None:
        """Async twin of :meth:`copy`."""
        backend, key, target = self._clients.resolve_pair(source_ref, target_ref)
        await self._clients.run_async(backend, source_ref, "copy", lambda: ops.copy(key, target))

    def list(self, prefix: str, *, page_size: int = 1000) -> Iterator[builtins.list[ObjectInfo]]:
        """Pages of the objects whose key starts with ``prefix`` (a raw key prefix).

        ``s3://b/run/error`` matches ``run/error.pb`` and ``run/error-7.pb``;
        end the prefix with ``/`` for a folder. Sorted by key; nothing found is
        an empty iteration, not an error. Each listed reference reads exactly
        the object listed, whatever its key holds (``%``, ``#``, spaces ...).
        """
        check_page_size(page_size)
        backend, key = self._clients.resolve(prefix, folder=prefix.endswith("/"))
        found = self._clients.run(backend, prefix, "list", lambda: self._find(backend, key, prefix))
        yield from pages(found, page_size)

    async def list_async(
        self, prefix: str, *, page_size: int = 1000
    ) -> AsyncIterator[builtins.list[ObjectInfo]]:
        """Async twin of :meth:`list`."""
        check_page_size(page_size)
        backend, key = self._clients.resolve(prefix, folder=prefix.endswith("/"))
        found = await self._clients.run_async(
            backend, prefix, "list", lambda: self._find(backend, key, prefix)
        )
        for page in pages(found, page_size):
            yield page

    # -- compose ------------------------------------------------------------
    def composes(self, ref: str) -> bool:
        """Whether :meth:`compose` can write ``ref``; where not, store the whole file."""
        return self._clients.backend(protocol_of(ref)).composes

    def compose(self, target_ref: str, pieces: Sequence[Piece]) -> None:
        """Write ``target_ref`` atomically from ``pieces`` in order: local ones are sent,
        stored ones copied inside the store. ``NotImplementedError`` where the store cannot
        (:meth:`composes`), ``ValueError`` for pieces no store takes (see ``Piece``)."""
        backend, key, parts = self._clients.compose_plan(target_ref, pieces)
        self._clients.run(backend, target_ref, "compose", lambda: ops.compose(key, parts))

    async def compose_async(self, target_ref: str, pieces: Sequence[Piece]) -> None:
        """Async twin of :meth:`compose`."""
        backend, key, parts = self._clients.compose_plan(target_ref, pieces)
        await self._clients.run_async(
            backend, target_ref, "compose", lambda: ops.compose(key, parts)
        )

    # -- files and folders --------------------------------------------------
    def put(self, local_path: LocalPath, ref: str, *, progress: Progress = None) -> Refs:
        """Upload a local file, or a folder's files, to ``ref``; the references written.

        A folder's files are named by their relative paths under ``ref``, each
        returned reference spelled so that it reads back the object written.
        """
        from plugio.storage import _transfer

        transfer, files = self._clients.upload_plan(local_path, ref, progress)
        return _transfer.upload(transfer, files)

    async def put_async(
        self, local_path: LocalPath, ref: str, *, progress: Progress = None
    ) -> Refs:
        """Async twin of :meth:`put`."""
        from plugio.storage import _transfer

        transfer, files = self._clients.upload_plan(local_path, ref, progress)
        return await _transfer.upload_async(transfer, files)

    def get(self, ref: str, local_path: LocalPath, *, progress: Progress = None) -> Refs:
        """Download an object, or every object under the prefix ``ref/``; local paths written.

        Raises ``InvalidReferenceError`` naming any listed key that would land
        outside ``local_path``, before anything is written.
        """
        from plugio.storage import _transfer

        info = self.head(ref)
        found = [] if info.exists else [item for page in self.list(_folder(ref)) for item in page]
        plan = self._clients.download_plan(ref, os.fspath(local_path), info, found)
        return _transfer.download(self._clients.transfer(ref, progress), plan)

    async def get_async(
        self, ref: str, local_path: LocalPath, *, progress: Progress = None
    ) -> Refs:
        """Async twin of :meth:`get`."""
        from plugio.storage import _transfer

        info = await self.head_async(ref)
        found = []
        if not info.exists:
            found = [item async for page in self.list_async(_folder(ref)) for item in page]
        plan = self._clients.download_plan(ref, os.fspath(local_path), info, found)
        return await _transfer.download_async(self._clients.transfer(ref, progress), plan)

    def open(self, ref: str, mode: str = "rb", **kwargs: Any) -> Any:
        """A streaming file object, read (``rb``) or written (``wb``) in blocks.

        A writer publishes the object when closed; if the ``with`` block
        raises, nothing is published and what was stored before stays.
        """
        if mode not in ("rb", "wb"):
            raise ValueError(f"mode must be 'rb' or 'wb', not {mode!r}")
        backend, key = self._clients.resolve(ref)
        block_size = int(kwargs.pop("block_size", self._config.transfer.chunk_size))
        try:
            return backend.open(key, mode, block_size)
        except Exception as exc:
            raise translate_error(exc, ref, "open", self._clients.secrets) from exc

    # -- internals ----------------------------------------------------------
    def _find(
        self, backend: Backend, key: str, prefix: str
    ) -> ops.Steps[builtins.list[ObjectInfo]]:
        if backend.keyed_by_url:
            return ops.find(key, lambda name: reference_of(prefix, name))
        return ops.find(key, lambda name: backend.reference_of(prefix, name))

    def _limit(self, limit: Any) -> int | None:
        if limit is _CONFIG_LIMIT:
            return self._config.limits.max_payload_bytes
        return limit  # type: ignore[no-any-return]


def _folder(ref: str) -> str:
    return ref.rstrip("/") + "/"
