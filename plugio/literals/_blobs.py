"""Blobs: local files and folders uploaded on write, stored ones fetched on demand.

Writing, a ``pathlib.Path`` (or a :class:`LocalBlob`, which adds a format) is
uploaded under the raw output prefix as flytekit names its uploads: a file to
``<raw prefix>/<32 hex>/<file name>`` as a single-part blob, a folder to
``<raw prefix>/<32 hex>`` as a multipart blob. A :class:`BlobRef` is written
as the reference it holds, with nothing copied.

Reading, a blob literal becomes a :class:`BlobRef`: nothing is downloaded until
its ``download()`` or ``open()`` is called.
"""

from __future__ import annotations

import os
import posixpath
import tempfile
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from pydantic import GetCoreSchemaHandler
from pydantic_core import CoreSchema, core_schema

from plugio.errors import NotFoundError
from plugio.references import join
from plugio.references import name as reference_name
from plugio.storage import DataStore, ProgressCallback, bounded_gather

__all__ = ["BlobRef", "LocalBlob", "Upload", "plan_upload", "upload_all", "upload_all_async"]

_default_store: DataStore | None = None
_default_store_lock = threading.Lock()


@dataclass(frozen=True)
class LocalBlob:
    """A local file or folder to store as a blob of a given format.

    A plain ``pathlib.Path`` is the same with an empty format (flytekit's
    ``FlyteFile`` and ``FlyteDirectory`` without a format).

    Attributes:
        path: The local file (single-part blob) or folder (multipart blob).
        format: The blob format recorded in the literal, e.g. ``"csv"``.
    """

    path: str | os.PathLike[str]
    format: str = ""


@dataclass(frozen=True)
class Upload:
    """One local file or folder to upload to ``uri`` before the literal is used."""

    local_path: str
    uri: str


def plan_upload(local_path: str, raw_output_prefix: str) -> tuple[Upload, bool]:
    """Where a local file or folder goes, and whether it is a folder (multipart).

    Raises:
        FileNotFoundError: nothing exists at ``local_path``.
    """
    if os.path.isdir(local_path):
        return Upload(local_path, _fresh_uri(raw_output_prefix, "")), True
    if not os.path.isfile(local_path):
        raise FileNotFoundError(f"no local file or folder at {local_path}")
    return Upload(local_path, _fresh_uri(raw_output_prefix, os.path.basename(local_path))), False


def _fresh_uri(raw_output_prefix: str, file_name: str) -> str:
    """``<raw prefix>/<32 hex>[/<file name>]``, the shape flytekit gives its uploads.

    The same shape as :func:`plugio.paths.random_raw_path`, which this layer
    does not import: the 32 digits are a UUID4 from the operating system's
    generator, so forked processes cannot repeat each other.
    """
    import uuid  # here: it loads platform and sockets, which reading inputs never needs

    name = posixpath.basename(file_name)
    keys = (uuid.uuid4().hex, name) if name else (uuid.uuid4().hex,)
    return join(raw_output_prefix, *keys)


def upload_all(store: DataStore, uploads: list[Upload]) -> None:
    """Upload every planned file and folder, one after the other."""
    for upload in uploads:
        store.put(upload.local_path, upload.uri)


async def upload_all_async(store: DataStore, uploads: list[Upload]) -> None:
    """Async twin of :func:`upload_all`: up to the store's transfer concurrency at once.

    The first failure stops the uploads still running and is raised.
    """
    jobs = [_upload_job(store, upload) for upload in uploads]
    await bounded_gather(jobs, store.transfer_concurrency)


def _upload_job(store: DataStore, upload: Upload) -> Callable[[], Awaitable[list[str]]]:
    return lambda: store.put_async(upload.local_path, upload.uri)


@dataclass(frozen=True)
class BlobRef:
    """A stored blob: a file (single-part) or a folder (multipart) at ``uri``.

    Reading a literal gives one of these for every blob, without any I/O.
    Writing one into a literal references ``uri`` as it is. It can be a field
    of a pydantic model (validated by type, serialized as its ``uri``).

    Attributes:
        uri: Where the blob is stored.
        multipart: True for a folder (Flyte's ``MULTIPART`` dimensionality).
        format: The blob's format, ``""`` when none was recorded.
        store: The store to download with; by default one configured from
            the ``PLUGIO_*`` environment, shared by every such reference.
    """

    uri: str
    multipart: bool = False
    format: str = ""
    store: DataStore | None = field(default=None, compare=False, repr=False)

    def download(
        self, to: str | os.PathLike[str] | None = None, *, progress: ProgressCallback | None = None
    ) -> Path:
        """Download the blob and return the local file or folder.

        A single-part blob goes to ``to`` (inside it, under its own name, when
        ``to`` is an existing folder); a multipart blob's objects go under the
        folder ``to``. Without ``to``, a new temporary folder is used (the
        caller removes it). A multipart blob with no objects gives an empty
        folder. No half-written file is left under its final name.

        Raises:
            NotFoundError: a single-part blob's object does not exist.
            StorageError: the download failed.
        """
        target = self._target(to)
        try:
            written = self._store().get(self.uri, target, progress=progress)
        except NotFoundError:
            if not self.multipart:
                raise
            return _empty_folder(target)
        return self._result(target, written)

    async def download_async(
        self, to: str | os.PathLike[str] | None = None, *, progress: ProgressCallback | None = None
    ) -> Path:
        """Async twin of :meth:`download`."""
        target = self._target(to)
        try:
            written = await self._store().get_async(self.uri, target, progress=progress)
        except NotFoundError:
            if not self.multipart:
                raise
            return _empty_folder(target)
        return self._result(target, written)

    def open(self) -> IO[bytes]:
        """A binary file object streaming a single-part blob's bytes; close it after use.

        Raises:
            IsADirectoryError: the blob is multipart (a folder): download it.
        """
        if self.multipart:
            raise IsADirectoryError(f"{self.uri}: a multipart blob is a folder: download it")
        handle: IO[bytes] = self._store().open(self.uri, "rb")
        return handle

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: type[Any], handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        """Validate by type; serialize (also to JSON) as the URI."""
        return core_schema.is_instance_schema(
            cls, serialization=core_schema.plain_serializer_function_ser_schema(_uri_of)
        )

    def _store(self) -> DataStore:
        if self.store is not None:
            return self.store
        global _default_store
        with _default_store_lock:
            if _default_store is None:
                _default_store = DataStore()
            return _default_store

    def _target(self, to: str | os.PathLike[str] | None) -> str:
        if to is not None:
            return os.fspath(to)
        folder = tempfile.mkdtemp(prefix="plugio-blob-")
        if self.multipart:
            return folder
        return os.path.join(folder, reference_name(self.uri) or "blob")

    def _result(self, target: str, written: list[str]) -> Path:
        if self.multipart:
            return Path(target)
        return Path(written[0])


def _uri_of(blob: BlobRef) -> str:
    return blob.uri


def _empty_folder(target: str) -> Path:
    os.makedirs(target, exist_ok=True)
    return Path(target)
