"""fsspec's filesystems as backends: sync ones blocking, async ones on fsspec's I/O loop.

The async clients (s3fs, gcsfs, adlfs) are driven on fsspec's own loop: an
async call from that loop awaits them directly, a blocking call waits for them
there, bounded by the retry policy's time for the attempt.
"""

from __future__ import annotations

import asyncio
import threading
import time
import types
import weakref
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any, TypeVar

from fsspec.callbacks import Callback

from plugio.storage._backend import ATTEMPT_DEADLINE, Backend, BlockingBackend, Info
from plugio.storage._compose import Part, compose_s3, read_range
from plugio.storage._keys import is_temporary
from plugio.storage._model import FileProgress

__all__ = [
    "AsyncFsspecBackend",
    "AzureBackend",
    "GCSBackend",
    "MemoryBackend",
    "S3fsBackend",
    "SyncFsspecBackend",
]

T = TypeVar("T")


class _Progress(Callback):  # type: ignore[misc]
    """fsspec's callback, feeding a :class:`FileProgress`."""

    def __init__(self, progress: FileProgress) -> None:
        super().__init__()
        self._progress = progress
        self._reported = 0

    def call(self, hook_name: str | None = None, **kwargs: Any) -> None:
        if self.size is not None and self._progress.size is None:
            self._progress.set_size(int(self.size))
        delta = int(self.value) - self._reported
        if delta:
            self._reported += delta
            self._progress.relative_update(delta)


class _FsspecKeys:
    """Keys as the filesystem strips them, for protocols outside the URL key rule."""

    fs: Any

    def key_of(self, ref: str) -> str:
        return str(self.fs._strip_protocol(ref))

    def reference_of(self, prefix_ref: str, key: str) -> str:
        return str(self.fs.unstrip_protocol(key))


class SyncFsspecBackend(_FsspecKeys, BlockingBackend):
    """Any fsspec filesystem with blocking methods (memory, sftp, ...)."""

    keyed_by_url = False

    def __init__(self, fs: Any, protocol: str) -> None:
        self.fs = fs
        self.protocol = protocol

    @property
    def filesystem(self) -> Any:
        return self.fs

    def info(self, path: str) -> Info:
        info: Info = self.fs.info(path)
        if info.get("type") == "directory":
            raise FileNotFoundError(path)
        return info

    def read(self, path: str, start: int | None, end: int | None) -> bytes:
        data: bytes = self.fs.cat_file(path, start=start, end=end)
        return data

    def write(self, path: str, data: bytes, if_absent: bool) -> None:
        self.fs.pipe_file(path, data, mode="create" if if_absent else "overwrite")

    def delete(self, path: str, recursive: bool) -> None:
        try:
            self.fs.rm(path, recursive=recursive)
        except FileNotFoundError:
            return

    def find(self, prefix: str) -> list[Info]:
        directory = prefix.rpartition("/")[0]
        try:
            found: dict[str, Info] = self.fs.find(directory, detail=True)
        except FileNotFoundError:
            return []
        return [
            info
            for name, info in sorted(found.items())
            if name.startswith(prefix) and not is_temporary(name.rpartition("/")[2])
        ]

    def copy(self, path: str, target: str) -> None:
        self.fs.cp_file(path, target)

    def download(self, path: str, local_path: str, progress: FileProgress) -> None:
        self.fs.get_file(path, local_path, callback=_Progress(progress))

    def upload(self, local_path: str, path: str, progress: FileProgress, chunk_size: int) -> None:
        self.fs.put_file(local_path, path, callback=_Progress(progress))

    def open(self, path: str, mode: str, block_size: int) -> Any:
        from plugio.storage._streams import AbortableWriter

        if mode == "rb":
            return self.fs.open(path, "rb", block_size=block_size)
        return AbortableWriter(self.fs.open(path, "wb", block_size=block_size))


class MemoryBackend(SyncFsspecBackend):
    """fsspec's in-memory filesystem; its calls never block, so both faces run inline."""

    keyed_by_url = True
    composes = True

    def compose(self, path: str, parts: list[Part]) -> None:
        pieces = []
        for source, start, end, local in parts:
            read = read_range if local else self.fs.cat_file
            piece = read(source, start, end)
            if len(piece) != end - start:
                raise FileNotFoundError(f"{source}: shorter than the range {start}-{end}")
            pieces.append(piece)
        self.fs.pipe_file(path, b"".join(pieces))

    async def call_async(self, hook: str, *args: Any) -> Any:
        return self.call(hook, *args)

    def open(self, path: str, mode: str, block_size: int) -> Any:
        if mode == "rb":
            return self.fs.open(path, "rb")
        from plugio.storage._streams import open_buffered_writer

        # fsspec's memory files replace the object at open: buffer, then commit.
        return open_buffered_writer(lambda data: self.fs.pipe_file(path, data))


class AsyncFsspecBackend(_FsspecKeys, Backend):
    """An fsspec async filesystem, driven on fsspec's own I/O loop."""

    keyed_by_url = False

    def __init__(self, fs: Any, protocol: str, make: Callable[..., Any] | None = None) -> None:
        from plugio.storage._fork import track

        self.fs = fs
        self.protocol = protocol
        track(fs)  # a forked child must never close it
        # Clients of the same settings bound to other event loops, made by ``make``.
        self._make = make
        self._on_loops: weakref.WeakKeyDictionary[Any, AsyncFsspecBackend] = (
            weakref.WeakKeyDictionary()
        )
        self._keepers: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    @property
    def filesystem(self) -> Any:
        return self.fs

    def call(self, hook: str, *args: Any) -> Any:
        coro = getattr(self, f"{hook}_async")(*args)
        deadline = ATTEMPT_DEADLINE.get()
        if deadline is not None:
            coro = asyncio.wait_for(coro, max(0.0, deadline - time.monotonic()))
        return self.run(coro)

    async def call_async(self, hook: str, *args: Any) -> Any:
        loop = asyncio.get_running_loop()
        backend = self if loop is self.fs.loop else self._on_loops.get(loop)
        if backend is None:
            backend = await self._bind(loop)
        return await getattr(backend, f"{hook}_async")(*args)

    async def _bind(self, loop: Any) -> AsyncFsspecBackend:
        """A client of the same settings on ``loop``, closed when the loop shuts down.

        An async call from any event loop then awaits its requests on that loop:
        no thread hop. ``asyncio.run`` (and any runner that shuts down the
        loop's async generators) closes the client before closing the loop.
        """
        if self._make is None:
            raise RuntimeError(f"no client for {self.protocol!r} can be bound to this loop")
        with self._lock:
            bound = self._on_loops.get(loop)
            if bound is None:
                bound = type(self)(self._make(asynchronous=True, loop=loop), self.protocol)
                keeper = _close_with_loop(bound)
                self._on_loops[loop] = bound
                self._keepers[loop] = keeper
            else:
                keeper = None
        if keeper is not None:
            await keeper.__anext__()  # now one of the loop's async generators
        return bound

    async def close_async(self) -> None:
        """Close this client's connections (a client bound to a loop that is ending)."""
        from plugio.storage._fork import detach_finalizers

        try:
            await self._close_session()
        finally:
            detach_finalizers(self.fs)

    async def _close_session(self) -> None:
        session = getattr(self.fs, "_session", None)
        if session is not None and hasattr(session, "close"):
            await session.close()

    def run(self, batch: Coroutine[Any, Any, T]) -> T:
        loop = self.fs.loop
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            batch.close()
            raise RuntimeError("a blocking storage call was made on fsspec's own I/O loop")
        return asyncio.run_coroutine_threadsafe(batch, loop).result()

    async def info_async(self, path: str) -> Info:
        info: Info = await self.fs._info(path)
        if info.get("type") == "directory":
            raise FileNotFoundError(path)
        return info

    async def read_async(self, path: str, start: int | None, end: int | None) -> bytes:
        data: bytes = await self.fs._cat_file(path, start=start, end=end)
        return data

    async def write_async(self, path: str, data: bytes, if_absent: bool) -> None:
        await self.fs._pipe_file(path, data, mode="create" if if_absent else "overwrite")

    async def delete_async(self, path: str, recursive: bool) -> None:
        try:
            await self.fs._rm(path, recursive=recursive)
        except FileNotFoundError:
            return

    async def find_async(self, prefix: str) -> list[Info]:
        directory, _, name_prefix = prefix.rpartition("/")
        try:
            found: dict[str, Info] = await self.fs._find(directory, prefix=name_prefix, detail=True)
        except FileNotFoundError:
            return []
        return [
            info
            for name, info in sorted(found.items())
            if info.get("type") != "directory"
            and name.startswith(prefix)
            and not is_temporary(name.rpartition("/")[2])
        ]

    async def copy_async(self, path: str, target: str) -> None:
        await self.fs._cp_file(path, target)

    async def download_async(self, path: str, local_path: str, progress: FileProgress) -> None:
        await self.fs._get_file(path, local_path, callback=_Progress(progress))

    async def upload_async(
        self, local_path: str, path: str, progress: FileProgress, chunk_size: int
    ) -> None:
        await self.fs._put_file(
            local_path, path, callback=_Progress(progress), chunksize=chunk_size
        )

    def open(self, path: str, mode: str, block_size: int) -> Any:
        from plugio.storage._streams import AbortableWriter

        if mode == "rb":
            return self.fs.open(path, "rb", block_size=block_size)
        return AbortableWriter(self.fs.open(path, "wb", block_size=block_size))


class S3fsBackend(AsyncFsspecBackend):
    """s3fs, with a bare HEAD for metadata (s3fs's own info lists on a miss)."""

    keyed_by_url = True
    composes = True

    def __init__(self, fs: Any, protocol: str, make: Callable[..., Any] | None = None) -> None:
        super().__init__(fs, protocol, make)
        fs.retries = 1  # one attempt per call: plugio's retry policy decides the rest

    async def _close_session(self) -> None:
        client = getattr(self.fs, "_s3", None)
        if client is not None:
            await client.__aexit__(None, None, None)

    async def sweep_async(self, key_prefix: str) -> None:
        from plugio.storage._sweep import sweep_async

        await sweep_async(self.fs, key_prefix)

    async def compose_async(self, path: str, parts: list[Part]) -> None:
        await compose_s3(self.fs, path, parts)

    async def info_async(self, path: str) -> Info:
        bucket, key, version = self.fs.split_path(path)
        if not key or key.endswith("/"):
            raise FileNotFoundError(path)
        extra = {"VersionId": version} if version else {}
        head = await self.fs._call_s3("head_object", Bucket=bucket, Key=key, **extra)
        return {
            "name": path,
            "size": head.get("ContentLength"),
            "ETag": head.get("ETag"),
            "LastModified": head.get("LastModified"),
            "ChecksumCRC32": head.get("ChecksumCRC32"),
        }

    async def upload_async(
        self, local_path: str, path: str, progress: FileProgress, chunk_size: int
    ) -> None:
        await self.fs._put_file(
            local_path,
            path,
            callback=_Progress(progress),
            chunksize=chunk_size,
            max_concurrency=1,
        )

    async def download_async(self, path: str, local_path: str, progress: FileProgress) -> None:
        await self.fs._get_file(path, local_path, callback=_Progress(progress), max_concurrency=1)


class AzureBackend(AsyncFsspecBackend):
    """adlfs, whose uploads take no part size."""

    keyed_by_url = True

    def __init__(self, fs: Any, protocol: str, make: Callable[..., Any] | None = None) -> None:
        super().__init__(fs, protocol, make)
        # One attempt per call: plugio's retry policy decides the rest (the
        # SDK's own waits 15 s and more between attempts).
        policy = getattr(getattr(fs, "service_client", None), "_config", None)
        retry = getattr(policy, "retry_policy", None)
        for name in ("total_retries", "connect_retries", "read_retries", "status_retries"):
            if hasattr(retry, name):
                setattr(retry, name, 0)

    async def upload_async(
        self, local_path: str, path: str, progress: FileProgress, chunk_size: int
    ) -> None:
        await self.fs._put_file(local_path, path, callback=_Progress(progress))

    async def _close_session(self) -> None:
        from adlfs.spec import close_service_client

        await close_service_client(self.fs)


class GCSBackend(AsyncFsspecBackend):
    """gcsfs, with a bare object GET for metadata (gcsfs's info lists on a miss)."""

    keyed_by_url = True

    def __init__(self, fs: Any, protocol: str, make: Callable[..., Any] | None = None) -> None:
        super().__init__(fs, protocol, make)
        # gcsfs retries every request six times with waits of up to 32 s;
        # make one attempt and let plugio's retry policy decide the rest.
        single_attempt = getattr(type(fs)._request, "__wrapped__", None)
        if single_attempt is not None:
            fs._request = types.MethodType(single_attempt, fs)

    async def info_async(self, path: str) -> Info:
        if path.endswith("/"):
            raise FileNotFoundError(path)
        info: Info = await self.fs._get_object(path)
        return info


async def _close_with_loop(backend: AsyncFsspecBackend) -> AsyncIterator[None]:
    """Suspended for the life of its loop; closes ``backend`` when the loop shuts down."""
    try:
        yield
    finally:
        await backend.close_async()
