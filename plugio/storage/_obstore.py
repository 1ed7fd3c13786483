"""``s3://`` through obstore (the ``obstore`` extra): Rust's object_store, both faces native.

Each request costs a few microseconds of Python against about two and a half
milliseconds through botocore. Blocking hooks call obstore's blocking functions
(no event loop), async hooks its coroutines, which complete on whichever loop
awaits them (no thread hop). obstore's retries are off (plugio's policy
decides) and its timeouts come from the policy; its errors carry the HTTP
status and S3 error code in their text, which ``_translate`` reads.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Coroutine, Iterator, Mapping, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from plugio.storage._backend import Backend, Info
from plugio.storage._keys import is_temporary
from plugio.storage._model import FileProgress
from plugio.storage._protocols import installed, mark_obstore_used
from plugio.storage._streams import AbortableWriter, ReaderFile, WriterFile
from plugio.storage._sweep import sweep_blocking

if TYPE_CHECKING:
    from plugio.storage._compose import Part

__all__ = ["ObstoreBackend"]

T = TypeVar("T")

#: Parts uploaded at once for one large file: with 8 MiB parts, 64 MiB in flight.
PART_CONCURRENCY = 8
#: Bytes of parts in flight across all large uploads of one store; each upload
#: gets its share, one part at least.
PART_BUDGET = 128 * 1024 * 1024


class ObstoreBackend(Backend):
    """S3 through obstore: one ``S3Store`` per bucket, built on first use.

    Args:
        config: the ``S3Store`` settings (endpoint, region, credentials).
        connect_timeout: seconds to establish a connection.
        attempt_timeout: seconds one request may take; None for obstore's default.
        sweeper_options: s3fs's arguments for the same store (to sweep and compose).
    """

    protocol = "s3"

    def __init__(
        self,
        config: Mapping[str, Any],
        connect_timeout: float,
        attempt_timeout: float | None,
        sweeper_options: dict[str, Any] | None,
    ) -> None:
        mark_obstore_used()
        self.config: Any = dict(config)
        endpoint = str(self.config.get("endpoint") or os.environ.get("AWS_ENDPOINT_URL") or "")
        self.client_options: Any = {
            "allow_http": endpoint.startswith("http://"),
            "connect_timeout": timedelta(seconds=connect_timeout),
        }
        if attempt_timeout is not None:
            self.client_options["timeout"] = timedelta(seconds=attempt_timeout)
        # plugio's retry policy decides, not obstore's
        self.retry_config: Any = {"max_retries": 0, "retry_timeout": timedelta(seconds=0)}
        self._stores: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._large_uploads = 0
        self._filesystem: Any = None
        self.sweeper_options = sweeper_options
        self.composes = sweeper_options is not None and installed("s3fs")

    # -- the faces ------------------------------------------------------------
    def call(self, hook: str, *args: Any) -> Any:
        return getattr(self, hook)(*args)

    async def call_async(self, hook: str, *args: Any) -> Any:
        return await getattr(self, f"{hook}_async")(*args)

    def run(self, batch: Coroutine[Any, Any, T]) -> T:
        from plugio._twins import run_blocking

        return run_blocking(batch)

    @property
    def filesystem(self) -> Any:
        if self._filesystem is None:
            from obstore.fsspec import FsspecStore

            class _S3Files(FsspecStore):
                protocol = ("s3", "s3a")  # type: ignore[assignment]  # fsspec allows a tuple

            files: Any = _S3Files
            self._filesystem = files(
                "s3",
                config=self.config,
                client_options=self.client_options,
                retry_config=self.retry_config,
            )
        return self._filesystem

    # -- blocking hooks -------------------------------------------------------
    def info(self, path: str) -> Info:
        import obstore

        store, key = self._split_object(path)
        return _info(path, obstore.head(store, key))

    def read(self, path: str, start: int | None, end: int | None) -> bytes:
        import obstore

        store, key = self._split(path)
        if start is None and end is None:
            return bytes(obstore.get(store, key).bytes())
        if end is None:
            return bytes(obstore.get(store, key, options={"range": {"offset": start or 0}}).bytes())
        return bytes(obstore.get_range(store, key, start=start or 0, end=end))

    def write(self, path: str, data: bytes, if_absent: bool) -> None:
        import obstore

        store, key = self._split(path)
        obstore.put(store, key, data, mode=_mode(if_absent), use_multipart=False)

    def delete(self, path: str, recursive: bool) -> None:
        import obstore

        store, key = self._split(path)
        keys = [key] if key else []
        if recursive:
            keys += [meta["path"] for meta in _listed(store, _folder(key))]
        if keys:
            obstore.delete(store, keys)

    def find(self, prefix: str) -> list[Info]:
        store, key = self._split(prefix)
        bucket = prefix.split("/", 1)[0]
        return _found(bucket, key, _listed(store, _folder(key.rpartition("/")[0])))

    def copy(self, path: str, target: str) -> None:
        import obstore

        store, key = self._split(path)
        obstore.copy(store, key, self._split(target)[1])

    def download(self, path: str, local_path: str, progress: FileProgress) -> None:
        import obstore

        store, key = self._split(path)
        result = obstore.get(store, key)
        progress.set_size(result.meta["size"])
        with open(local_path, "wb") as handle:
            for chunk in result.stream(min_chunk_size=1024 * 1024):
                handle.write(chunk)
                progress.relative_update(len(chunk))

    def upload(self, local_path: str, path: str, progress: FileProgress, chunk_size: int) -> None:
        import obstore

        store, key = self._split(path)
        size = self._measure(local_path, progress)
        if size <= chunk_size:
            obstore.put(store, key, _path(local_path), use_multipart=False)
            progress.relative_update(size)
            return
        with self._large_upload(chunk_size) as parts:
            obstore.put(
                store,
                key,
                _chunks(local_path, chunk_size, progress),
                chunk_size=chunk_size,
                max_concurrency=parts,
            )

    # -- async hooks ----------------------------------------------------------
    async def info_async(self, path: str) -> Info:
        import obstore

        store, key = self._split_object(path)
        return _info(path, await obstore.head_async(store, key))

    async def read_async(self, path: str, start: int | None, end: int | None) -> bytes:
        import obstore

        store, key = self._split(path)
        if start is None and end is None:
            result = await obstore.get_async(store, key)
            return bytes(await result.bytes_async())
        if end is None:
            result = await obstore.get_async(store, key, options={"range": {"offset": start or 0}})
            return bytes(await result.bytes_async())
        return bytes(await obstore.get_range_async(store, key, start=start or 0, end=end))

    async def write_async(self, path: str, data: bytes, if_absent: bool) -> None:
        import obstore

        store, key = self._split(path)
        await obstore.put_async(store, key, data, mode=_mode(if_absent), use_multipart=False)

    async def delete_async(self, path: str, recursive: bool) -> None:
        import obstore

        store, key = self._split(path)
        keys = [key] if key else []
        if recursive:
            keys += [meta["path"] async for meta in _listed_async(store, _folder(key))]
        if keys:
            await obstore.delete_async(store, keys)

    async def find_async(self, prefix: str) -> list[Info]:
        store, key = self._split(prefix)
        bucket = prefix.split("/", 1)[0]
        folder = _folder(key.rpartition("/")[0])
        return _found(bucket, key, [meta async for meta in _listed_async(store, folder)])

    async def copy_async(self, path: str, target: str) -> None:
        import obstore

        store, key = self._split(path)
        await obstore.copy_async(store, key, self._split(target)[1])

    async def download_async(self, path: str, local_path: str, progress: FileProgress) -> None:
        import obstore

        store, key = self._split(path)
        result = await obstore.get_async(store, key)
        progress.set_size(result.meta["size"])
        with open(local_path, "wb") as handle:
            async for chunk in result.stream(min_chunk_size=1024 * 1024):
                handle.write(chunk)
                progress.relative_update(len(chunk))

    async def upload_async(
        self, local_path: str, path: str, progress: FileProgress, chunk_size: int
    ) -> None:
        import obstore

        store, key = self._split(path)
        size = self._measure(local_path, progress)
        if size <= chunk_size:
            # One request; obstore reads the file on its own threads, off the
            # event loop and without the interpreter lock.
            await obstore.put_async(store, key, _path(local_path), use_multipart=False)
            progress.relative_update(size)
            return
        with self._large_upload(chunk_size) as parts:
            await obstore.put_async(
                store,
                key,
                _chunks(local_path, chunk_size, progress),
                chunk_size=chunk_size,
                max_concurrency=parts,
            )

    def compose(self, path: str, parts: list[Part]) -> None:
        from plugio.storage._compose import compose_s3_blocking

        compose_s3_blocking(self.sweeper_options or {}, path, parts)  # obstore has no part copy

    async def compose_async(self, path: str, parts: list[Part]) -> None:
        await _in_thread(self.compose, path, parts)  # rare: a large file, partly changed

    def sweep(self, key_prefix: str) -> None:
        """Abort stale multipart uploads, through s3fs (obstore cannot list them)."""
        if self.sweeper_options is not None:
            sweep_blocking(self.sweeper_options, key_prefix)

    async def sweep_async(self, key_prefix: str) -> None:
        await _in_thread(self.sweep, key_prefix)  # rare: once per large upload

    def open(self, path: str, mode: str, block_size: int) -> Any:
        """A streaming reader, or a writer that uploads in parts and aborts on error."""
        import obstore

        store, key = self._split(path)
        if mode == "rb":
            return ReaderFile(obstore.open_reader(store, key, buffer_size=block_size))
        writer = obstore.open_writer(store, key, buffer_size=block_size)
        return AbortableWriter(
            WriterFile(writer), lambda: writer.__exit__(RuntimeError, None, None)
        )

    # -- internals ------------------------------------------------------------
    def _split(self, path: str) -> tuple[Any, str]:
        """The bucket's ``S3Store`` (built on first use) and the key of ``bucket/key``."""
        bucket, _, key = path.partition("/")
        store = self._stores.get(bucket)
        if store is None:
            store = self._new_store(bucket)
        return store, key

    def _split_object(self, path: str) -> tuple[Any, str]:
        store, key = self._split(path)
        if not key or key.endswith("/"):
            raise FileNotFoundError(path)
        return store, key

    def _new_store(self, bucket: str) -> Any:
        from obstore.store import S3Store

        with self._lock:
            store = self._stores.get(bucket)
            if store is None:
                options = {"client_options": self.client_options, "retry_config": self.retry_config}
                store = S3Store(bucket, config=self.config, **options)
                self._stores[bucket] = store
            return store

    @staticmethod
    def _measure(local_path: str, progress: FileProgress) -> int:
        size = progress.size if progress.size is not None else os.path.getsize(local_path)
        progress.set_size(size)
        return size

    def _large_upload(self, chunk_size: int) -> Any:
        import contextlib

        @contextlib.contextmanager
        def parts() -> Iterator[int]:
            with self._lock:
                self._large_uploads += 1
                share = PART_BUDGET // (chunk_size * self._large_uploads)
            try:
                yield max(1, min(PART_CONCURRENCY, share))
            finally:
                with self._lock:
                    self._large_uploads -= 1

        return parts()


async def _in_thread(hook: Any, *args: Any) -> Any:
    import asyncio

    return await asyncio.to_thread(hook, *args)


def _mode(if_absent: bool) -> Literal["create", "overwrite"]:
    return "create" if if_absent else "overwrite"


def _folder(key: str) -> str:
    return f"{key.rstrip('/')}/" if key else ""


def _info(name: str, meta: Mapping[str, Any]) -> Info:
    size, tag, modified = meta.get("size"), meta.get("e_tag"), meta.get("last_modified")
    return {"name": name, "size": size, "ETag": tag, "LastModified": modified}


def _found(bucket: str, key_prefix: str, listed: Any) -> list[Info]:
    """The listed objects whose key starts with ``key_prefix``, temporaries left out."""
    return [
        _info(f"{bucket}/{meta['path']}", meta)
        for meta in listed
        if meta["path"].startswith(key_prefix) and not is_temporary(meta["path"].rpartition("/")[2])
    ]


def _listed(store: Any, folder: str) -> Iterator[Mapping[str, Any]]:
    """Every object under ``folder`` (a key ending in ``/``), folder markers left out."""
    import obstore

    for batch in obstore.list(store, folder.rstrip("/") or None, chunk_size=1000):
        for meta in cast("Sequence[Mapping[str, Any]]", batch):
            if meta["path"].startswith(folder) and not meta["path"].endswith("/"):
                yield meta


async def _listed_async(store: Any, folder: str) -> Any:
    """Async twin of :func:`_listed`."""
    import obstore

    stream: Any = obstore.list(store, folder.rstrip("/") or None, chunk_size=1000)
    async for batch in stream:
        for meta in cast("Sequence[Mapping[str, Any]]", batch):
            if meta["path"].startswith(folder) and not meta["path"].endswith("/"):
                yield meta


def _chunks(path: str, chunk_size: int, progress: FileProgress) -> Iterator[bytes]:
    with open(path, "rb") as handle:
        while chunk := handle.read(chunk_size):
            yield chunk
            progress.relative_update(len(chunk))


def _path(local_path: str) -> Any:
    """``local_path`` as the ``Path`` obstore uploads a file from (pathlib costs a start 3 ms)."""
    from pathlib import Path

    return Path(local_path)
