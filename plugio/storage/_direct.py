"""Blocking reads and writes of local files and of S3 through obstore, with no event loop.

A blocking ``DataStore.read_bytes`` or ``write_bytes`` of one object would
otherwise hand a coroutine to fsspec's I/O thread and wait for it: two thread
switches per call, and fsspec and asyncio imported before a task container
has read its first byte. Here the same call is a plain ``open`` of the file, or
obstore's own blocking ``get`` / ``put``, under the same limit and retry rules
and with the same errors as the async path (``_operations.read_bounded`` and
the backends' ``pipe``).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any, Literal

from plugio._plain_settings import PlainS3
from plugio.errors import PayloadTooLargeError
from plugio.storage._protocols import mark_obstore_used
from plugio.storage._translate import is_invalid_range

__all__ = [
    "DirectIO",
    "LocalIO",
    "ObstoreIO",
    "credential_options",
    "read_bounded",
    "s3_store_config",
    "write_local_file",
]


class DirectIO:
    """Blocking calls of one protocol: read the object, a range, its size; write it."""

    def read(self, path: str) -> bytes:
        raise NotImplementedError

    def read_range(self, path: str, start: int, end: int) -> bytes:
        """Bytes ``[start, end)``; fewer when the object is shorter."""
        raise NotImplementedError

    def size(self, path: str) -> int:
        raise NotImplementedError

    def write(self, path: str, data: bytes, *, if_absent: bool) -> None:
        """Store ``data`` atomically; with ``if_absent``, refuse an existing object."""
        raise NotImplementedError


class LocalIO(DirectIO):
    """Local files, at the absolute paths fsspec's local filesystem uses."""

    def read(self, path: str) -> bytes:
        with open(path, "rb") as handle:
            return handle.read()

    def read_range(self, path: str, start: int, end: int) -> bytes:
        with open(path, "rb") as handle:
            handle.seek(start)
            return handle.read(end - start)

    def size(self, path: str) -> int:
        return os.stat(path).st_size

    def write(self, path: str, data: bytes, *, if_absent: bool) -> None:
        write_local_file(path, data, if_absent=if_absent)


class ObstoreIO(DirectIO):
    """``s3://`` through obstore's blocking calls: one ``S3Store`` per bucket.

    Args:
        config: the ``S3Store`` settings (endpoint, region, credentials).
    """

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.config: Any = dict(config)
        endpoint = str(self.config.get("endpoint") or os.environ.get("AWS_ENDPOINT_URL") or "")
        self.client_options: Any = {"allow_http": endpoint.startswith("http://")}
        # plugio's retry policy decides, not obstore's
        self.retry_config: Any = {"max_retries": 0, "retry_timeout": timedelta(seconds=0)}
        self._stores: dict[str, Any] = {}
        self._lock = threading.Lock()

    def read(self, path: str) -> bytes:
        import obstore

        store, key = self.split(path)
        return bytes(obstore.get(store, key).bytes())

    def read_range(self, path: str, start: int, end: int) -> bytes:
        import obstore

        store, key = self.split(path)
        return bytes(obstore.get_range(store, key, start=start, end=end))

    def size(self, path: str) -> int:
        import obstore

        store, key = self.split(path)
        return int(obstore.head(store, key)["size"])

    def write(self, path: str, data: bytes, *, if_absent: bool) -> None:
        import obstore

        store, key = self.split(path)
        mode: Literal["create", "overwrite"] = "create" if if_absent else "overwrite"
        obstore.put(store, key, data, mode=mode, use_multipart=False)

    def split(self, path: str) -> tuple[Any, str]:
        """The bucket's ``S3Store`` (built on first use) and the key of ``bucket/key``."""
        bucket, _, key = path.partition("/")
        store = self._stores.get(bucket)
        if store is None:
            store = self._new_store(bucket)
        return store, key

    def _new_store(self, bucket: str) -> Any:
        from obstore.store import S3Store

        with self._lock:
            store = self._stores.get(bucket)
            if store is None:
                mark_obstore_used()
                store = S3Store(
                    bucket,
                    config=self.config,
                    client_options=self.client_options,
                    retry_config=self.retry_config,
                )
                self._stores[bucket] = store
            return store


def write_local_file(path: str, data: bytes, *, if_absent: bool) -> None:
    """Write a local file atomically: a temporary file, synced, then renamed into place.

    With ``if_absent`` the temporary file is hard-linked instead, which fails
    with ``FileExistsError`` when the target exists, atomically.
    """
    directory = os.path.dirname(path) or "."
    os.makedirs(directory, exist_ok=True)
    temporary = os.path.join(directory, f".{os.path.basename(path)}.{os.urandom(16).hex()}.tmp")
    try:
        with open(temporary, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if if_absent:
            os.link(temporary, path)
        else:
            os.replace(temporary, path)
    finally:
        if os.path.lexists(temporary):
            os.unlink(temporary)


def read_bounded(reads: DirectIO, path: str, ref: str, limit: int | None) -> bytes:
    """The whole object, refusing (after at most ``limit + 1`` bytes) a larger one."""
    if limit is None:
        return reads.read(path)
    try:
        data = reads.read_range(path, 0, limit + 1)
    except Exception as exc:
        # Object stores refuse any byte range of an empty object (416).
        if is_invalid_range(exc) and _quietly(lambda: reads.size(path)) == 0:
            return b""
        raise
    if len(data) > limit:
        raise PayloadTooLargeError(ref, _quietly(lambda: reads.size(path)), limit)
    return data


def _quietly(size: Callable[[], int]) -> int | None:
    try:
        return size()
    except Exception:
        return None


def s3_store_config(s3: PlainS3) -> dict[str, Any]:
    """The ``S3Store`` settings ``s3`` stands for (credentials included)."""
    config: dict[str, Any] = {}
    if s3.endpoint_url:
        config["endpoint"] = s3.endpoint_url
    if s3.region:
        config["region"] = s3.region
    for key, value in (
        ("access_key_id", s3.access_key_id),
        ("secret_access_key", s3.secret_access_key),
        ("token", s3.session_token),
    ):
        if value is not None:
            config[key] = value
    if s3.anonymous:
        config["skip_signature"] = True
    return config


def credential_options(config: Mapping[str, Any]) -> dict[str, Any]:
    """``S3Store`` settings under the option names a store scrubs from errors."""
    names = {"access_key_id": "key", "secret_access_key": "secret", "token": "token"}
    return {names.get(name, name): value for name, value in config.items()}
