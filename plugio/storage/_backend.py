"""Backend hooks: the few filesystem calls the data store needs, as coroutines.

Every hook is a coroutine so each data-store operation is written once. On an
async filesystem (s3fs, gcsfs, adlfs) the coroutine runs on fsspec's I/O loop;
on a sync one (local disk, memory) it never suspends, so a sync call drives it
to completion in the calling thread with no event loop at all.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
import types
import uuid
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from fsspec.callbacks import Callback

from plugio.storage._direct import write_local_file

__all__ = [
    "AsyncBackend",
    "AzureBackend",
    "Backend",
    "GCSBackend",
    "LocalBackend",
    "S3Backend",
    "SyncBackend",
    "remove_quietly",
]

T = TypeVar("T")
Info = dict[str, Any]


class Backend(ABC):
    """Hooks over one fsspec filesystem; subclasses override what they can do better."""

    def __init__(self, fs: Any, protocol: str) -> None:
        self.fs = fs
        self.protocol = protocol

    # -- running coroutines -------------------------------------------------
    @abstractmethod
    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run ``coro`` to completion from synchronous code."""

    @abstractmethod
    async def run_async(self, coro: Coroutine[Any, Any, T]) -> T:
        """Await ``coro`` from any event loop."""

    @abstractmethod
    async def sleep(self, seconds: float) -> None:
        """Wait between retries in the way this backend's coroutines can."""

    @abstractmethod
    async def gather_bounded(
        self, jobs: Sequence[Callable[[], Coroutine[Any, Any, T]]], limit: int
    ) -> list[T]:
        """Run ``jobs`` with at most ``limit`` at once; results in order."""

    # -- storage calls ------------------------------------------------------
    @abstractmethod
    async def info(self, path: str) -> Info:
        """Metadata of one object; raises FileNotFoundError when missing."""

    @abstractmethod
    async def cat(self, path: str, start: int | None, end: int | None) -> bytes:
        """Bytes ``[start, end)`` of an object, in one request where possible."""

    @abstractmethod
    async def pipe(self, path: str, data: bytes, *, if_absent: bool) -> None:
        """Store ``data`` whole; with ``if_absent``, fail if the object exists."""

    @abstractmethod
    async def rm(self, path: str, recursive: bool) -> None:
        """Delete an object (or everything under a prefix)."""

    @abstractmethod
    async def find(self, directory: str, name_prefix: str) -> list[Info]:
        """Every object whose key starts with ``directory/name_prefix``."""

    @abstractmethod
    async def get_file(self, path: str, local_path: str, callback: Callback) -> None:
        """Download one object to a local file."""

    async def copy(self, path: str, target: str) -> None:
        """Copy one object inside the store."""
        self.fs.cp_file(path, target)

    @abstractmethod
    async def put_file(
        self, local_path: str, path: str, callback: Callback, chunk_size: int
    ) -> None:
        """Upload one local file."""


class SyncBackend(Backend):
    """A filesystem with blocking methods: coroutines here never suspend."""

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return drive(coro)

    async def run_async(self, coro: Coroutine[Any, Any, T]) -> T:
        return await asyncio.to_thread(drive, coro)

    async def sleep(self, seconds: float) -> None:
        time.sleep(seconds)

    async def gather_bounded(
        self, jobs: Sequence[Callable[[], Coroutine[Any, Any, T]]], limit: int
    ) -> list[T]:
        if limit <= 1 or len(jobs) <= 1:
            return [drive(job()) for job in jobs]
        with ThreadPoolExecutor(max_workers=min(limit, len(jobs))) as pool:
            return list(pool.map(lambda job: drive(job()), jobs))

    async def info(self, path: str) -> Info:
        info: Info = self.fs.info(path)
        if info.get("type") == "directory":
            raise FileNotFoundError(path)
        return info

    async def cat(self, path: str, start: int | None, end: int | None) -> bytes:
        data: bytes = self.fs.cat_file(path, start=start, end=end)
        return data

    async def pipe(self, path: str, data: bytes, *, if_absent: bool) -> None:
        self.fs.pipe_file(path, data, mode="create" if if_absent else "overwrite")

    async def rm(self, path: str, recursive: bool) -> None:
        self.fs.rm(path, recursive=recursive)

    async def find(self, directory: str, name_prefix: str) -> list[Info]:
        try:
            found: dict[str, Info] = self.fs.find(directory, detail=True)
        except FileNotFoundError:
            return []
        prefix = f"{directory.rstrip('/')}/{name_prefix}"
        return [info for name, info in sorted(found.items()) if name.startswith(prefix)]

    async def get_file(self, path: str, local_path: str, callback: Callback) -> None:
        self.fs.get_file(path, local_path, callback=callback)

    async def put_file(
        self, local_path: str, path: str, callback: Callback, chunk_size: int
    ) -> None:
        self.fs.put_file(local_path, path, callback=callback)


class LocalBackend(SyncBackend):
    """Local disk: writes go to a temporary file renamed into place (atomic)."""

    async def pipe(self, path: str, data: bytes, *, if_absent: bool) -> None:
        write_local_file(path, data, if_absent=if_absent)

    async def info(self, path: str) -> Info:
        info = await super().info(path)
        mtime = info.get("mtime")
        if mtime is not None:
            info["etag"] = f"{info.get('size', 0):x}-{int(float(mtime) * 1e9):x}"
        return info

    async def put_file(
        self, local_path: str, path: str, callback: Callback, chunk_size: int
    ) -> None:
        directory, name = os.path.split(path)
        temporary = os.path.join(directory, f".{name}.{uuid.uuid4().hex[:12]}.tmp")
        try:
            _copy(local_path, temporary, callback, chunk_size)
            os.replace(temporary, path)
        except BaseException:
            remove_quietly(temporary)
            raise

    async def get_file(self, path: str, local_path: str, callback: Callback) -> None:
        _copy(path, local_path, callback, _LOCAL_CHUNK)

    async def gather_bounded(
        self, jobs: Sequence[Callable[[], Coroutine[Any, Any, T]]], limit: int
    ) -> list[T]:
        # One after another: a local copy is a few system calls on one disk, and
        # threads only add hand-offs of the interpreter lock around them (a
        # thousand 4 KiB files copy faster in one thread than in 32).
        return [drive(job()) for job in jobs]


#: Bytes per system call of a local copy, between progress reports.
_LOCAL_CHUNK = 8 * 1024 * 1024


def _copy(source: str, destination: str, callback: Callback, chunk_size: int) -> None:
    """Copy a local file in chunks, reporting progress (fsspec's copy reports none).

    The kernel moves the bytes (``sendfile``) where it can; Python reads and
    writes them otherwise. The destination's folder is made when missing.
    """
    reader = os.open(source, os.O_RDONLY | _CLOEXEC)
    try:
        size = os.fstat(reader).st_size
        callback.set_size(size)
        writer = _create(destination)
        try:
            _move_bytes(reader, writer, callback, chunk_size)
        finally:
            os.close(writer)
    finally:
        os.close(reader)


_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | _CLOEXEC


def _create(path: str) -> int:
    """An empty file open for writing; its folder is made only when missing."""
    try:
        return os.open(path, _CREATE, 0o666)
    except FileNotFoundError:
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        return os.open(path, _CREATE, 0o666)


def _move_bytes(reader: int, writer: int, callback: Callback, chunk_size: int) -> None:
    offset = 0
    if hasattr(os, "sendfile"):
        try:
            while sent := os.sendfile(writer, reader, offset, chunk_size):
                offset += sent
                callback.relative_update(sent)
            return
        except OSError:
            if offset:  # failed midway: the caller's retry starts over
                raise
    os.lseek(reader, offset, os.SEEK_SET)
    while chunk := os.read(reader, chunk_size):
        view = memoryview(chunk)
        while view:
            view = view[os.write(writer, view) :]
        callback.relative_update(len(chunk))


def remove_quietly(path: str) -> None:
    """Delete a local file that may not be there (a partial copy, say)."""
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


class AsyncBackend(Backend):
    """An fsspec async filesystem, driven on fsspec's own I/O loop."""

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        loop = self.fs.loop
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            coro.close()
            raise RuntimeError("a blocking storage call was made on fsspec's own I/O loop")
        return asyncio.run_coroutine_threadsafe(coro, loop).result()

    async def run_async(self, coro: Coroutine[Any, Any, T]) -> T:
        loop = self.fs.loop
        if asyncio.get_running_loop() is loop:
            return await coro
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, loop))

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)

    async def gather_bounded(
        self, jobs: Sequence[Callable[[], Coroutine[Any, Any, T]]], limit: int
    ) -> list[T]:
        semaphore = asyncio.Semaphore(max(1, limit))

        async def one(job: Callable[[], Awaitable[T]]) -> T:
            async with semaphore:
                return await job()

        return list(await asyncio.gather(*(one(job) for job in jobs)))

    async def info(self, path: str) -> Info:
        info: Info = await self.fs._info(path)
        if info.get("type") == "directory":
            raise FileNotFoundError(path)
        return info

    async def cat(self, path: str, start: int | None, end: int | None) -> bytes:
        data: bytes = await self.fs._cat_file(path, start=start, end=end)
        return data

    async def pipe(self, path: str, data: bytes, *, if_absent: bool) -> None:
        await self.fs._pipe_file(path, data, mode="create" if if_absent else "overwrite")

    async def rm(self, path: str, recursive: bool) -> None:
        await self.fs._rm(path, recursive=recursive)

    async def find(self, directory: str, name_prefix: str) -> list[Info]:
        try:
            found: dict[str, Info] = await self.fs._find(directory, prefix=name_prefix, detail=True)
        except FileNotFoundError:
            return []
        return [info for _, info in sorted(found.items()) if info.get("type") != "directory"]

    async def get_file(self, path: str, local_path: str, callback: Callback) -> None:
        await self.fs._get_file(path, local_path, callback=callback)

    async def copy(self, path: str, target: str) -> None:
        await self.fs._cp_file(path, target)

    async def put_file(
        self, local_path: str, path: str, callback: Callback, chunk_size: int
    ) -> None:
        await self.fs._put_file(local_path, path, callback=callback, chunksize=chunk_size)


class S3Backend(AsyncBackend):
    """s3fs, with a bare HEAD for metadata (s3fs's own info lists on a miss)."""

    def __init__(self, fs: Any, protocol: str) -> None:
        super().__init__(fs, protocol)
        fs.retries = 1  # one attempt per call: plugio's retry policy decides the rest

    async def info(self, path: str) -> Info:
        bucket, key, version = self.fs.split_path(path)
        if not key:
            raise FileNotFoundError(path)
        extra = {"VersionId": version} if version else {}
        head = await self.fs._call_s3("head_object", Bucket=bucket, Key=key, **extra)
        return {
            "name": path,
            "size": head.get("ContentLength"),
            "ETag": head.get("ETag"),
            "LastModified": head.get("LastModified"),
            "ChecksumCRC32": head.get("ChecksumCRC32"),
            "type": "file",
        }

    async def put_file(
        self, local_path: str, path: str, callback: Callback, chunk_size: int
    ) -> None:
        await self.fs._put_file(
            local_path, path, callback=callback, chunksize=chunk_size, max_concurrency=1
        )

    async def get_file(self, path: str, local_path: str, callback: Callback) -> None:
        await self.fs._get_file(path, local_path, callback=callback, max_concurrency=1)


class AzureBackend(AsyncBackend):
    """adlfs, whose uploads take no part size."""

    def __init__(self, fs: Any, protocol: str) -> None:
        super().__init__(fs, protocol)
        # One attempt per call: plugio's retry policy decides the rest (the
        # SDK's own waits 15 s and more between attempts).
        policy = getattr(getattr(fs, "service_client", None), "_config", None)
        retry = getattr(policy, "retry_policy", None)
        for name in ("total_retries", "connect_retries", "read_retries", "status_retries"):
            if hasattr(retry, name):
                setattr(retry, name, 0)

    async def put_file(
        self, local_path: str, path: str, callback: Callback, chunk_size: int
    ) -> None:
        await self.fs._put_file(local_path, path, callback=callback)


class GCSBackend(AsyncBackend):
    """gcsfs, with a bare object GET for metadata (gcsfs's info lists on a miss)."""

    def __init__(self, fs: Any, protocol: str) -> None:
        super().__init__(fs, protocol)
        # gcsfs retries every request six times with waits of up to 32 s;
        # make one attempt and let plugio's retry policy decide the rest.
        single_attempt = getattr(type(fs)._request, "__wrapped__", None)
        if single_attempt is not None:
            fs._request = types.MethodType(single_attempt, fs)

    async def info(self, path: str) -> Info:
        info: Info = await self.fs._get_object(path)
        return info


def drive(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine that never suspends, without an event loop."""
    try:
        coro.send(None)
    except StopIteration as stop:
        result: T = stop.value
        return result
    coro.close()
    raise RuntimeError("a synchronous storage hook tried to suspend")
