"""DataStore: the one class that talks to storage."""

from __future__ import annotations

import builtins
import os
import threading
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

from google.protobuf.message import Message

from plugio import references
from plugio._plain_settings import PlainSettings, settings_from_environment
from plugio.errors import InvalidReferenceError, NotFoundError
from plugio.storage import _operations as ops
from plugio.storage._direct import (
    DirectIO,
    LocalIO,
    ObstoreIO,
    credential_options,
    read_bounded,
    s3_store_config,
)
from plugio.storage._model import ObjectInfo, ProgressCallback
from plugio.storage._protocols import (
    canonical_protocol,
    s3_client,
    split_protocol,
    strip_local_path,
)
from plugio.storage._retry import retrying_sync
from plugio.storage._translate import translate_error

if TYPE_CHECKING:
    from plugio.config import StorageConfig
    from plugio.storage._backend import Backend
    from plugio.storage._transfer import Transfer

# The event-loop side (fsspec, asyncio, the backends, pydantic's config models)
# is imported on first use: a task container that reads its inputs from a
# local file or from S3 through obstore never loads it.

__all__ = ["DataStore"]

T = TypeVar("T")
M = TypeVar("M", bound=Message)
_CONFIG_LIMIT: Any = object()
#: Protocols whose references follow Go's net/url rules (escapes decoded into keys).
_GO_KEYED = frozenset({"s3", "gs", "abfs", "file", "memory"})
_SECRET_OPTIONS = frozenset(
    {"key", "secret", "token", "account_key", "connection_string", "sas_token", "password"}
)


class DataStore:
    """Reads and writes objects on any fsspec backend, with plugio's guarantees.

    One store serves every protocol: ``s3://``, ``gs://``, ``abfs://``,
    ``file://``, ``memory://``, bare local paths and any other fsspec protocol.
    Every operation has an ``_async`` twin, native on s3fs/gcsfs/adlfs. Failures
    are plugio errors naming the reference; transient ones are retried under
    ``config.retry``. A store is safe to share between threads, to call from
    inside a running event loop, and to keep using in a child after ``fork()``.

    Args:
        config: settings; by default from ``PLUGIO_*`` environment variables.
        base_url: where relative keys of higher layers are rooted (informational
            here; ``from_url`` sets it).
        storage_options: extra fsspec options, per protocol, over ``config``.
    """

    def __init__(
        self,
        config: StorageConfig | None = None,
        *,
        base_url: str | None = None,
        storage_options: dict[str, dict[str, Any]] | None = None,
    ) -> None:
        self._config_values: dict[str, Any] = {}
        found = settings_from_environment() if config is None else None
        if found is not None:
            self._settings, self._config_values = found
        else:
            config = config if config is not None else _config_class()()
            self._settings = PlainSettings.from_config(config)
        self._config = config
        self._base_url = base_url
        self._options = {canonical_protocol(k): dict(v) for k, v in (storage_options or {}).items()}
        self._lock = (
            threading.RLock()
        )  # backends are made under it, and may need the obstore clients
        self._pid = os.getpid()
        self._backends: dict[str, Backend] = {}
        self._direct_io: dict[str, DirectIO | None] = {}
        self._obstore: ObstoreIO | None = None
        self._secrets: set[str] = set()

    @classmethod
    def from_url(
        cls, url: str, *, config: StorageConfig | None = None, **options: Any
    ) -> DataStore:
        """A store rooted at ``url``; ``options`` are fsspec options for its protocol.

        >>> store = DataStore.from_url("memory://bucket")
        >>> store.base_url
        'memory://bucket'
        """
        protocol = _protocol_of(url)
        return cls(config, base_url=url, storage_options={protocol: options} if options else None)

    @property
    def config(self) -> StorageConfig:
        """The settings this store was built with."""
        config = self._config
        if config is None:
            # Built from the values read from the environment when the store was made.
            config = _config_class().model_validate(self._config_values)
            with self._lock:
                if self._config is None:
                    self._config = config
                config = self._config
        return config

    @property
    def max_payload_bytes(self) -> int | None:
        """``config.limits.max_payload_bytes``: the default limit on control files."""
        return self._settings.max_payload_bytes

    @property
    def base_url(self) -> str | None:
        """The URL given to ``from_url``, if any."""
        return self._base_url

    def __repr__(self) -> str:
        return f"DataStore(base_url={self._base_url!r})"

    def filesystem(self, ref: str) -> Any:
        """The fsspec filesystem serving ``ref`` (for what plugio does not wrap)."""
        return self._backend(_protocol_of(ref)).fs

    # -- head / exists ------------------------------------------------------
    def head(self, ref: str) -> ObjectInfo:
        """Metadata of the object at ``ref``; ``exists`` is False when missing."""
        return self._run(ref, "head", lambda b, p: ops.head(b, p, ref))

    async def head_async(self, ref: str) -> ObjectInfo:
        """Async twin of :meth:`head`."""
        return await self._run_async(ref, "head", lambda b, p: ops.head(b, p, ref))

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
        direct = self._direct(ref)
        if direct is not None:
            io, path = direct
            return self._run_direct(ref, "read", lambda: read_bounded(io, path, ref, limit))
        return self._run(ref, "read", lambda b, p: ops.read_bounded(b, p, ref, limit))

    async def read_bytes_async(self, ref: str, *, limit: int | None = None) -> bytes:
        """Async twin of :meth:`read_bytes`."""
        return await self._run_async(ref, "read", lambda b, p: ops.read_bounded(b, p, ref, limit))

    def write_bytes(self, ref: str, data: bytes, *, if_absent: bool = False) -> None:
        """Store ``data`` at ``ref`` atomically: readers see all of it or none.

        With ``if_absent``, the write fails with ``AlreadyExistsError`` when an
        object is already there (a conditional create, where the store has one).
        """
        direct = self._direct(ref)
        if direct is not None:
            io, path = direct
            body = bytes(data)
            self._run_direct(ref, "write", lambda: io.write(path, body, if_absent=if_absent))
            return
        self._run(ref, "write", lambda b, p: b.pipe(p, bytes(data), if_absent=if_absent))

    async def write_bytes_async(self, ref: str, data: bytes, *, if_absent: bool = False) -> None:
        """Async twin of :meth:`write_bytes`."""
        await self._run_async(
            ref, "write", lambda b, p: b.pipe(p, bytes(data), if_absent=if_absent)
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
        self.write_bytes(ref, message.SerializeToString(deterministic=True), if_absent=if_absent)

    async def write_protobuf_async(
        self, ref: str, message: Message, *, if_absent: bool = False
    ) -> None:
        """Async twin of :meth:`write_protobuf`."""
        data = message.SerializeToString(deterministic=True)
        await self.write_bytes_async(ref, data, if_absent=if_absent)

    # -- delete / list ------------------------------------------------------
    def delete(self, ref: str, *, recursive: bool = False) -> None:
        """Delete the object at ``ref`` (everything under it with ``recursive``).

        Deleting what is not there is not an error.
        """
        self._run(ref, "delete", lambda b, p: _delete(b, p, recursive))

    async def delete_async(self, ref: str, *, recursive: bool = False) -> None:
        """Async twin of :meth:`delete`."""
        await self._run_async(ref, "delete", lambda b, p: _delete(b, p, recursive))

    def list(self, prefix: str, *, page_size: int = 1000) -> Iterator[builtins.list[ObjectInfo]]:
        """Pages of the objects whose key starts with ``prefix`` (a raw key prefix).

        ``s3://b/run/error`` matches ``run/error.pb`` and ``run/error-7.pb``;
        end the prefix with ``/`` for a folder. Sorted by key; nothing found is
        an empty iteration, not an error.
        """
        found = self._run(prefix, "list", lambda b, p: _list(b, p, prefix))
        yield from _pages(found, page_size)

    async def list_async(
        self, prefix: str, *, page_size: int = 1000
    ) -> AsyncIterator[builtins.list[ObjectInfo]]:
        """Async twin of :meth:`list`."""
        found = await self._run_async(prefix, "list", lambda b, p: _list(b, p, prefix))
        for page in _pages(found, page_size):
            yield page

    def copy(self, source_ref: str, target_ref: str) -> None:
        """Copy one object to ``target_ref``, inside the store where the backend can.

        Both references must use the same protocol. The target is replaced
        atomically; a missing source raises ``NotFoundError``.
        """
        target_backend, target_path = self._resolve(target_ref)
        self._run(source_ref, "copy", lambda b, p: b.copy(p, target_path))

    async def copy_async(self, source_ref: str, target_ref: str) -> None:
        """Async twin of :meth:`copy`."""
        target_backend, target_path = self._resolve(target_ref)
        await self._run_async(source_ref, "copy", lambda b, p: b.copy(p, target_path))

    def prefers_blocking(self, ref: str) -> bool:
        """Whether batches over ``ref`` are fastest one by one through the blocking calls.

        True for local disk and memory, where there is no network round trip
        to overlap: a batch runs in the calling thread with no event loop.
        """
        return _protocol_of(ref) in ("file", "memory")

    @property
    def transfer_concurrency(self) -> int:
        """``config.transfer.concurrency``: how many objects a batch moves at once."""
        return self.config.transfer.concurrency

    # -- files and directories ---------------------------------------------
    def put(
        self,
        local_path: str | os.PathLike[str],
        ref: str,
        *,
        progress: ProgressCallback | None = None,
    ) -> builtins.list[str]:
        """Upload a local file, or a directory's files, to ``ref``; the refs written."""
        from plugio.storage._transfer import upload

        transfer = self._transfer(ref, progress)
        return transfer.backend.run(upload(transfer, os.fspath(local_path), ref))

    async def put_async(
        self,
        local_path: str | os.PathLike[str],
        ref: str,
        *,
        progress: ProgressCallback | None = None,
    ) -> builtins.list[str]:
        """Async twin of :meth:`put`."""
        from plugio.storage._transfer import upload

        transfer = self._transfer(ref, progress)
        return await transfer.backend.run_async(upload(transfer, os.fspath(local_path), ref))

    def get(
        self,
        ref: str,
        local_path: str | os.PathLike[str],
        *,
        progress: ProgressCallback | None = None,
    ) -> builtins.list[str]:
        """Download an object, or every object under the prefix ``ref/``; local paths written."""
        transfer = self._transfer(ref, progress)
        return transfer.backend.run(self._download(transfer, ref, os.fspath(local_path)))

    async def get_async(
        self,
        ref: str,
        local_path: str | os.PathLike[str],
        *,
        progress: ProgressCallback | None = None,
    ) -> builtins.list[str]:
        """Async twin of :meth:`get`."""
        transfer = self._transfer(ref, progress)
        return await transfer.backend.run_async(
            self._download(transfer, ref, os.fspath(local_path))
        )

    def open(self, ref: str, mode: str = "rb", **kwargs: Any) -> Any:
        """A streaming file object, read (``rb``) or written (``wb``) in blocks.

        A writer publishes the object when closed; if the ``with`` block
        raises, nothing is published and what was stored before stays.
        """
        if mode not in ("rb", "wb"):
            raise ValueError(f"mode must be 'rb' or 'wb', not {mode!r}")
        from plugio.storage._backend import LocalBackend
        from plugio.storage._obstore import ObstoreS3Backend
        from plugio.storage._streams import AbortableWriter, open_buffered_writer, open_local_writer

        backend, path = self._resolve(ref)
        kwargs.setdefault("block_size", self.config.transfer.chunk_size)
        try:
            if isinstance(backend, ObstoreS3Backend):
                return backend.open(path, mode, kwargs["block_size"])
            if mode == "wb" and isinstance(backend, LocalBackend):
                return open_local_writer(path)
            if mode == "wb" and backend.protocol == "memory":
                return open_buffered_writer(lambda data: backend.fs.pipe_file(path, data))
            handle = backend.fs.open(path, mode, **kwargs)
        except Exception as exc:
            raise translate_error(exc, ref, "open", self._secrets) from exc
        return AbortableWriter(handle) if mode == "wb" else handle

    # -- internals ----------------------------------------------------------
    async def _download(self, transfer: Transfer, ref: str, local_path: str) -> builtins.list[str]:
        from plugio.storage._transfer import download

        backend, path = self._resolve(ref)
        info = await transfer.retry(ref, "head", lambda: ops.head(backend, path, ref))
        if info.exists:
            objects = [(ref, info.size or 0)]
        else:
            folder = ref.rstrip("/") + "/"
            found = await transfer.retry(folder, "list", lambda: _list(backend, path + "/", folder))
            objects = [(item.ref, item.size or 0) for item in found]
            if not objects:
                raise NotFoundError("nothing to download: no object and no objects under it", ref)
        return await download(transfer, ref, objects, local_path, single=info.exists)

    def _transfer(self, ref: str, progress: ProgressCallback | None) -> Transfer:
        from plugio.storage._retry import retrying
        from plugio.storage._transfer import Transfer

        backend, _ = self._resolve(ref)

        def retry(
            ref: str, operation: str, attempt: Callable[[], Coroutine[Any, Any, T]]
        ) -> Coroutine[Any, Any, T]:
            return retrying(backend, self._settings.retry, ref, operation, self._secrets, attempt)

        transfer = self.config.transfer
        return Transfer(backend, retry, transfer.concurrency, transfer.chunk_size, progress)

    def _limit(self, limit: Any) -> int | None:
        if limit is _CONFIG_LIMIT:
            return self._settings.max_payload_bytes
        return limit  # type: ignore[no-any-return]

    def _run(
        self, ref: str, operation: str, body: Callable[[Backend, str], Coroutine[Any, Any, T]]
    ) -> T:
        from plugio.storage._retry import retrying

        backend, path = self._resolve(ref)
        return backend.run(
            retrying(
                backend,
                self._settings.retry,
                ref,
                operation,
                self._secrets,
                lambda: body(backend, path),
            )
        )

    async def _run_async(
        self, ref: str, operation: str, body: Callable[[Backend, str], Coroutine[Any, Any, T]]
    ) -> T:
        from plugio.storage._retry import retrying

        backend, path = self._resolve(ref)
        return await backend.run_async(
            retrying(
                backend,
                self._settings.retry,
                ref,
                operation,
                self._secrets,
                lambda: body(backend, path),
            )
        )

    def _run_direct(self, ref: str, operation: str, body: Callable[[], T]) -> T:
        return retrying_sync(self._settings.retry, ref, operation, self._secrets, body)

    def _direct(self, ref: str) -> tuple[DirectIO, str] | None:
        """Blocking calls for ``ref`` without the event loop, where its protocol has them."""
        protocol = _protocol_of(ref)
        if protocol not in ("file", "s3"):
            return None
        if os.getpid() != self._pid:
            self._forget_parent_clients()
        io = self._direct_io.get(protocol, ...)
        if io is ...:
            io = self._new_direct_io(protocol)
        if io is None:
            return None
        return io, _go_key(protocol, ref)

    def _new_direct_io(self, protocol: str) -> DirectIO | None:
        io: DirectIO | None = None
        options = self._options.get(protocol, {})
        protocol_options = self._settings.protocol_options
        if protocol == "file":
            if not (options or protocol_options.get("file") or protocol_options.get("local")):
                io = LocalIO()
        elif s3_client(protocol, self._settings.s3, protocol_options, options) == "obstore":
            io = self._shared_obstore()
        with self._lock:
            return self._direct_io.setdefault(protocol, io)

    def _shared_obstore(self) -> ObstoreIO:
        """The obstore clients of ``s3://``, one set for the blocking path and the backend."""
        with self._lock:
            if self._obstore is None:
                config = s3_store_config(self._settings.s3)
                self._secrets.update(_secret_values(credential_options(config)))
                self._obstore = ObstoreIO(config)
            return self._obstore

    def _resolve(self, ref: str) -> tuple[Backend, str]:
        protocol = _protocol_of(ref)
        backend = self._backend(protocol)
        if protocol in _GO_KEYED:
            return backend, _go_key(protocol, ref)
        return backend, backend.fs._strip_protocol(ref)

    def _backend(self, protocol: str) -> Backend:
        if os.getpid() != self._pid:
            self._forget_parent_clients()
        backend = self._backends.get(protocol)
        if backend is not None:
            return backend
        config = self.config  # outside the lock, which building the config takes
        obstore = self._shared_obstore if protocol == "s3" else None
        with self._lock:
            if protocol not in self._backends:
                from plugio.storage._registry import create_backend

                options = self._options.get(protocol, {})
                backend, used = create_backend(protocol, config, options, obstore=obstore)
                self._secrets.update(_secret_values(used))
                self._backends[protocol] = backend
            return self._backends[protocol]

    def _forget_parent_clients(self) -> None:
        """In a forked child: the parent's clients are unusable, make new ones."""
        with self._lock:
            pid = os.getpid()
            if pid != self._pid:
                self._backends, self._direct_io, self._obstore = {}, {}, None
                self._pid = pid


def _go_key(protocol: str, ref: str) -> str:
    """The path of ``ref`` as Flyte's engine stores it: percent-escapes decoded."""
    _, path = references.split_protocol(ref)
    if "/../" in f"/{path}/":
        raise InvalidReferenceError(f"{ref}: its key has a '..' segment", ref)
    return strip_local_path(path) if protocol == "file" else path


def _config_class() -> type[StorageConfig]:
    from plugio.config import StorageConfig

    return StorageConfig


def _protocol_of(ref: str) -> str:
    if not isinstance(ref, str) or not ref.strip():
        raise InvalidReferenceError(f"not a data reference: {ref!r}", str(ref))
    protocol, _ = split_protocol(ref)
    return canonical_protocol(protocol or "file")


async def _delete(backend: Backend, path: str, recursive: bool) -> None:
    try:
        await backend.rm(path, recursive)
    except FileNotFoundError:
        return


async def _list(backend: Backend, path: str, prefix_ref: str) -> list[ObjectInfo]:
    if prefix_ref.endswith("/") and not path.endswith("/"):
        path += "/"  # a folder: list its contents, not its siblings sharing the name
    directory, _, name_prefix = path.rpartition("/")
    found = await backend.find(directory, name_prefix)
    return [
        ops.to_object_info(_ref_for(backend, prefix_ref, path, info["name"]), info)
        for info in found
    ]


def _ref_for(backend: Backend, prefix_ref: str, prefix_path: str, name: str) -> str:
    """The reference of a listed object, spelled like the prefix that found it."""
    if "://" not in prefix_ref:
        return str(name)
    if prefix_ref.endswith(prefix_path):
        return prefix_ref[: len(prefix_ref) - len(prefix_path)] + name
    return str(backend.fs.unstrip_protocol(name))


def _pages(items: list[ObjectInfo], page_size: int) -> Iterator[list[ObjectInfo]]:
    if page_size < 1:
        raise ValueError("page_size must be at least 1")
    for start in range(0, len(items), page_size):
        yield items[start : start + page_size]


def _secret_values(options: dict[str, Any]) -> Iterator[str]:
    for name, value in options.items():
        if name in _SECRET_OPTIONS and isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            yield from _secret_values(value)
