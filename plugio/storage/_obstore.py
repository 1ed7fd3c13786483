"""``s3://`` through obstore: Rust's object_store, with requests off the GIL.

The ``obstore`` extra installs it. Each request costs a few microseconds of
Python, against about two and a half milliseconds through botocore, which is
what bounds a status check of thousands of attempts on a small machine.

Hooks call obstore's coroutines directly, so they run on whichever event loop
awaits them; blocking calls drive them on fsspec's I/O loop. obstore's own
retries are off (plugio's policy decides) and its errors carry the HTTP status
and the S3 error code in their text, which ``_translate`` reads.
"""

from __future__ import annotations

import io
import os
import threading
from collections.abc import Coroutine, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, TypeVar

from fsspec.callbacks import Callback

from plugio.storage._backend import AsyncBackend, Info
from plugio.storage._direct import ObstoreIO
from plugio.storage._protocols import mark_obstore_used
from plugio.storage._streams import AbortableWriter

__all__ = ["ObstoreS3Backend"]

T = TypeVar("T")

#: Parts uploaded at once for one large file: with 8 MiB parts, 64 MiB in flight.
PART_CONCURRENCY = 8
#: Bytes of parts in flight across all large uploads of one store; each upload
#: gets its share, one part at least.
PART_BUDGET = 128 * 1024 * 1024


class ObstoreS3Backend(AsyncBackend):
    """S3 through obstore: one ``S3Store`` per bucket, built on first use.

    Args:
        clients: the stores and settings, shared with the store's blocking calls.
    """

    def __init__(self, clients: ObstoreIO) -> None:
        from obstore.fsspec import FsspecStore

        mark_obstore_used()
        # The stores and settings of the blocking path: one connection pool for both.
        self._direct = clients

        class _S3Files(FsspecStore):
            protocol = ("s3", "s3a")  # type: ignore[assignment]  # fsspec allows a tuple

        files: Any = _S3Files
        fs = files(
            "s3",
            config=self._direct.config,
            client_options=self._direct.client_options,
            retry_config=self._direct.retry_config,
        )
        super().__init__(fs, "s3")
        self._lock = threading.Lock()
        self._large_uploads = 0

    # -- running coroutines -------------------------------------------------
    async def run_async(self, coro: Coroutine[Any, Any, T]) -> T:
        return await coro  # obstore's futures complete on any event loop

    # -- storage calls ------------------------------------------------------
    async def info(self, path: str) -> Info:
        import obstore

        store, key = self._split(path)
        if not key or key.endswith("/"):
            raise FileNotFoundError(path)
        meta = await obstore.head_async(store, key)
        return _info(path, meta)

    async def cat(self, path: str, start: int | None, end: int | None) -> bytes:
        import obstore

        store, key = self._split(path)
        if start is None and end is None:
            result = await obstore.get_async(store, key)
            return bytes(await result.bytes_async())
        begin = start or 0
        if end is None:
            result = await obstore.get_async(store, key, options={"range": {"offset": begin}})
            return bytes(await result.bytes_async())
        return bytes(await obstore.get_range_async(store, key, start=begin, end=end))

    async def pipe(self, path: str, data: bytes, *, if_absent: bool) -> None:
        import obstore

        store, key = self._split(path)
        mode: Literal["create", "overwrite"] = "create" if if_absent else "overwrite"
        await obstore.put_async(store, key, data, mode=mode, use_multipart=False)

    async def rm(self, path: str, recursive: bool) -> None:
        import obstore

        store, key = self._split(path)
        keys = [key] if key else []
        if recursive:
            folder = f"{key.rstrip('/')}/" if key else ""
            keys += [meta["path"] async for meta in _listed(store, folder)]
        if keys:
            await obstore.delete_async(store, keys)

    async def copy(self, path: str, target: str) -> None:
        import obstore

        store, key = self._split(path)
        _, target_key = self._split(target)
        await obstore.copy_async(store, key, target_key)

    async def find(self, directory: str, name_prefix: str) -> list[Info]:
        store, key = self._split(directory)
        folder = f"{key.rstrip('/')}/" if key else ""
        bucket = directory.split("/", 1)[0]
        return [
            _info(f"{bucket}/{meta['path']}", meta)
            async for meta in _listed(store, folder)
            if meta["path"][len(folder) :].startswith(name_prefix)
        ]

    async def get_file(self, path: str, local_path: str, callback: Callback) -> None:
        import obstore

        store, key = self._split(path)
        result = await obstore.get_async(store, key)
        callback.set_size(result.meta["size"])
        with open(local_path, "wb") as handle:
            async for chunk in result.stream(min_chunk_size=1024 * 1024):
                handle.write(chunk)
                callback.relative_update(len(chunk))

    async def put_file(
        self, local_path: str, path: str, callback: Callback, chunk_size: int
    ) -> None:
        import obstore

        store, key = self._split(path)
        size = callback.size if callback.size is not None else os.path.getsize(local_path)
        callback.set_size(size)
        if size <= chunk_size:
            # One request; obstore reads the file on its own threads, off the
            # event loop and without the interpreter lock.
            await obstore.put_async(store, key, Path(local_path), use_multipart=False)
            callback.relative_update(size)
            return
        with self._lock:
            self._large_uploads += 1
            share = PART_BUDGET // (chunk_size * self._large_uploads)
        try:
            await obstore.put_async(
                store,
                key,
                _chunks(local_path, chunk_size, callback),
                chunk_size=chunk_size,
                max_concurrency=max(1, min(PART_CONCURRENCY, share)),
            )
        finally:
            with self._lock:
                self._large_uploads -= 1

    def open(self, path: str, mode: str, block_size: int) -> Any:
        """A streaming reader, or a writer that uploads in parts and aborts on error."""
        import obstore

        store, key = self._split(path)
        if mode == "rb":
            return _ReaderFile(obstore.open_reader(store, key, buffer_size=block_size))
        writer = obstore.open_writer(store, key, buffer_size=block_size)
        return AbortableWriter(
            _WriterFile(writer), lambda: writer.__exit__(RuntimeError, None, None)
        )

    # -- internals ----------------------------------------------------------
    def _split(self, path: str) -> tuple[Any, str]:
        return self._direct.split(path)


class _ReaderFile(io.RawIOBase):
    """obstore's readable file as a Python binary file (``with``, ``readinto``, lines)."""

    def __init__(self, reader: Any) -> None:
        super().__init__()
        self._reader = reader
        self.size: int = reader.size

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            return bytes(self._reader.readall())
        return bytes(self._reader.read(size))

    def readall(self) -> bytes:
        return bytes(self._reader.readall())

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        data = self._reader.read(len(view))
        view[: len(data)] = memoryview(data)
        return len(data)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        position: int = self._reader.seek(offset, whence)
        return position

    def tell(self) -> int:
        position: int = self._reader.tell()
        return position

    def close(self) -> None:
        if not self.closed:
            self._reader.close()
        super().close()


class _WriterFile:
    """obstore's writable file with the position a file object reports."""

    def __init__(self, writer: Any) -> None:
        self._writer = writer
        self._position = 0
        self.closed = False

    def write(self, data: bytes) -> int:
        written: int = self._writer.write(data)
        self._position += written
        return written

    def tell(self) -> int:
        return self._position

    def flush(self) -> None:
        self._writer.flush()

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._writer.close()


def _info(name: str, meta: Mapping[str, Any]) -> Info:
    return {
        "name": name,
        "size": meta.get("size"),
        "ETag": meta.get("e_tag"),
        "LastModified": meta.get("last_modified"),
        "type": "file",
    }


async def _listed(store: Any, folder: str) -> Any:
    """Every object under ``folder`` (a key ending in ``/``), folder markers left out."""
    import obstore

    stream: Any = obstore.list(store, folder.rstrip("/") or None, chunk_size=1000)
    async for batch in stream:
        for meta in _sequence(batch):
            name: str = meta["path"]
            if name.startswith(folder) and not name.endswith("/"):
                yield meta


def _sequence(batch: Any) -> Sequence[Mapping[str, Any]]:
    return batch  # type: ignore[no-any-return]


def _chunks(path: str, chunk_size: int, callback: Callback) -> Iterator[bytes]:
    with open(path, "rb") as handle:
        while chunk := handle.read(chunk_size):
            yield chunk
            callback.relative_update(len(chunk))
