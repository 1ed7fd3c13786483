"""Uploads and downloads of files and whole folders, on both faces.

Each file moves through one backend hook, retried on its own. A batch is
async-first: :func:`upload_async` / :func:`download_async` move up to
``concurrency`` files at once through :func:`bounded_gather`; the blocking
:func:`upload` / :func:`download` move them one by one where the backend
prefers that (local disk, memory), and run the async batch otherwise. A
download lands in a temporary file renamed into place, so no half-written file
is ever left under the target name, and refuses an object whose key would
land outside the target folder.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from plugio._gourl import _PATH, _bytes, _escape
from plugio.errors import InvalidReferenceError, NotFoundError
from plugio.storage._backend import Backend
from plugio.storage._concurrency import bounded_gather
from plugio.storage._keys import is_temporary, temporary_name
from plugio.storage._local import remove_quietly
from plugio.storage._model import FileProgress, ObjectInfo, ProgressCallback
from plugio.storage._retry import RetryRules, retrying, retrying_sync

__all__ = ["Download", "Transfer", "Upload", "download", "download_async", "upload", "upload_async"]


@dataclass(frozen=True)
class Transfer:
    """One bulk transfer: its backend, retry policy and limits."""

    backend: Backend
    policy: RetryRules
    secrets: Iterable[str]
    concurrency: int
    chunk_size: int
    progress: ProgressCallback | None


@dataclass(frozen=True)
class Upload:
    """One local file and where it goes."""

    local_path: str
    ref: str
    key: str
    size: int


@dataclass(frozen=True)
class Download:
    """One object and where it lands."""

    ref: str
    key: str
    size: int
    local_path: str


class _Total:
    """Adds up the bytes of every file and reports the total to the user."""

    def __init__(self, total: int, report: ProgressCallback | None) -> None:
        self.total = total
        self.done = 0
        self._report = report
        self._lock = threading.Lock()

    def add(self, delta: int) -> None:
        if self._report is None or delta == 0:
            return
        with self._lock:
            self.done += delta
            done = self.done
        self._report(done, self.total)


class _FileProgress(FileProgress):
    """One file's bytes, feeding the shared total; undone when the file is retried."""

    def __init__(self, total: _Total) -> None:
        super().__init__()
        self._total = total
        self._reported = 0
        self._started = False

    def call(self) -> None:
        delta = self.value - self._reported
        self._reported += delta
        self._total.add(delta)

    def restart(self, size: int | None) -> bool:
        """Forget what an earlier attempt reported; whether there was one."""
        retried = self._started
        self._started = True
        self._total.add(-self._reported)
        self._reported = 0
        self.value = 0
        self.size = size
        return retried


# -- plans -------------------------------------------------------------------
def plan_upload(local_path: str, ref: str, key: str, key_separator: str = "/") -> list[Upload]:
    """The files of ``local_path`` (a file, or a folder's files by name) and their targets.

    A folder's files are named under ``ref`` with their relative paths escaped
    so that each returned reference reads the object written; plugio's own
    temporaries are skipped.
    """
    if not os.path.exists(local_path):
        raise NotFoundError("local path to upload does not exist", local_path)
    if not os.path.isdir(local_path):
        return [Upload(local_path, ref, key, os.path.getsize(local_path))]
    base_ref, base_key = ref.rstrip("/"), key.rstrip("/")
    url = "://" in ref
    files = []
    for directory, folders, names in os.walk(local_path):
        folders.sort()
        relative = os.path.relpath(directory, local_path).replace(os.sep, "/")
        segments = [] if relative == "." else relative.split("/")
        for name in sorted(names):
            if is_temporary(name):
                continue
            path = os.path.join(directory, name)
            parts = [*segments, name]
            spelled = "/".join(_escape(_bytes(part), _PATH) for part in parts) if url else None
            files.append(
                Upload(
                    path,
                    f"{base_ref}/{spelled if url else '/'.join(parts)}",
                    f"{base_key}{key_separator}{'/'.join(parts)}",
                    os.path.getsize(path),
                )
            )
    return files


def plan_download(
    found: list[tuple[str, str, int]], base_key: str, local_path: str, single: bool
) -> list[Download]:
    """Where each listed ``(ref, key, size)`` lands under ``local_path``.

    Raises:
        InvalidReferenceError: A key would land outside ``local_path`` (a
            ``..`` or empty segment, or an absolute path).
    """
    if single:
        ref, key, size = found[0]
        target = local_path
        if os.path.isdir(local_path):
            target = os.path.join(local_path, key.rstrip("/").rsplit("/", 1)[-1])
        return [Download(ref, key, size, target)]
    root = os.path.abspath(local_path)
    plan = []
    for ref, key, size in found:
        segments = key[len(base_key) :].lstrip("/").split("/")
        if any(segment in ("", ".", "..") or os.sep in segment for segment in segments):
            raise InvalidReferenceError(
                f"{ref}: refusing to download an object whose key would land outside {local_path}",
                ref,
            )
        plan.append(Download(ref, key, size, os.path.join(root, *segments)))
    return plan


def plan_get(
    key_of: Callable[[str], str],
    ref: str,
    local_path: str,
    info: ObjectInfo,
    found: list[ObjectInfo],
) -> list[Download]:
    """Where a ``get`` of ``ref`` puts each object: ``info`` of ``ref`` itself, or the
    objects ``found`` under ``ref/``; ``key_of`` gives a reference's key."""
    key = key_of(ref)
    if info.exists:
        return plan_download([(ref, key, info.size or 0)], key, local_path, single=True)
    if not found:
        raise NotFoundError("nothing to download: no object and no objects under it", ref)
    listed = []
    for item in found:
        try:
            listed.append((item.ref, key_of(item.ref), item.size or 0))
        except InvalidReferenceError as exc:  # a '..' segment
            raise _outside(item.ref, local_path) from exc
    return plan_download(listed, key, local_path, single=False)


def _outside(ref: str, local_path: str) -> InvalidReferenceError:
    return InvalidReferenceError(
        f"{ref}: refusing to download an object whose key would land outside {local_path}", ref
    )


# -- blocking face -----------------------------------------------------------
def upload(transfer: Transfer, files: list[Upload]) -> list[str]:
    """Upload ``files``; the references written, in order.

    Before the first file large enough for a multipart upload, the uploads a
    killed process left under the same prefix are aborted.
    """
    if not transfer.backend.prefers_blocking:
        return transfer.backend.run(upload_async(transfer, files))
    prefix = _multipart_prefix(transfer, files)
    if prefix is not None:
        try:
            transfer.backend.call("sweep", prefix)
        except Exception as exc:  # maintenance: never fail an upload for it
            _sweep_failed(prefix, exc)
    total = _Total(sum(file.size for file in files), transfer.progress)
    return [_upload_one(transfer, file, _FileProgress(total)) for file in files]


def download(transfer: Transfer, objects: list[Download]) -> list[str]:
    """Download ``objects``; the local paths written, in order."""
    if not transfer.backend.prefers_blocking:
        return transfer.backend.run(download_async(transfer, objects))
    total = _Total(sum(item.size for item in objects), transfer.progress)
    folders: set[str] = set()
    return [_download_one(transfer, item, _FileProgress(total), folders) for item in objects]


def _upload_one(transfer: Transfer, file: Upload, progress: _FileProgress) -> str:
    def attempt() -> str:
        progress.restart(file.size)
        transfer.backend.call("upload", file.local_path, file.key, progress, transfer.chunk_size)
        return file.ref

    return _retry(transfer, file.ref, "upload", attempt)


def _download_one(
    transfer: Transfer, item: Download, progress: _FileProgress, folders: set[str]
) -> str:
    partial = temporary_name(item.local_path)

    def attempt() -> str:
        _make_folder(item.local_path, folders, progress.restart(item.size))
        try:
            transfer.backend.call("download", item.key, partial, progress)
            os.replace(partial, item.local_path)
        except BaseException:
            remove_quietly(partial)
            raise
        return item.local_path

    return _retry(transfer, item.ref, "download", attempt)


def _retry(transfer: Transfer, ref: str, operation: str, attempt: Callable[[], str]) -> str:
    return retrying_sync(transfer.policy, ref, operation, transfer.secrets, attempt, bounded=False)


# -- async face --------------------------------------------------------------
async def upload_async(transfer: Transfer, files: list[Upload]) -> list[str]:
    """Async twin of :func:`upload`: up to ``concurrency`` files at once."""
    prefix = _multipart_prefix(transfer, files)
    if prefix is not None:
        await _sweep(transfer, prefix)
    total = _Total(sum(file.size for file in files), transfer.progress)

    def job(file: Upload) -> Callable[[], Any]:
        progress = _FileProgress(total)

        async def attempt() -> str:
            progress.restart(file.size)
            await transfer.backend.call_async(
                "upload", file.local_path, file.key, progress, transfer.chunk_size
            )
            return file.ref

        return lambda: _retry_async(transfer, file.ref, "upload", attempt)

    return await bounded_gather([job(file) for file in files], transfer.concurrency)


async def download_async(transfer: Transfer, objects: list[Download]) -> list[str]:
    """Async twin of :func:`download`: up to ``concurrency`` files at once."""
    total = _Total(sum(item.size for item in objects), transfer.progress)
    folders: set[str] = set()

    def job(item: Download) -> Callable[[], Any]:
        progress = _FileProgress(total)
        partial = temporary_name(item.local_path)

        async def attempt() -> str:
            _make_folder(item.local_path, folders, progress.restart(item.size))
            try:
                await transfer.backend.call_async("download", item.key, partial, progress)
                os.replace(partial, item.local_path)
            except BaseException:
                remove_quietly(partial)
                raise
            return item.local_path

        return lambda: _retry_async(transfer, item.ref, "download", attempt)

    return await bounded_gather([job(item) for item in objects], transfer.concurrency)


async def _retry_async(transfer: Transfer, ref: str, operation: str, attempt: Any) -> str:
    result: str = await retrying(
        transfer.policy, ref, operation, transfer.secrets, attempt, bounded=False
    )
    return result


def _multipart_prefix(transfer: Transfer, files: list[Upload]) -> str | None:
    """The key prefix shared by the files that go up in parts, if any does."""
    large = [file.key for file in files if file.size > transfer.chunk_size]
    # A raw key prefix, as S3 lists by: character by character, not by folder.
    return os.path.commonprefix(large) if large else None  # noqa: RUF071


async def _sweep(transfer: Transfer, prefix: str) -> None:
    """Abort stale uploads under ``prefix``; a failure only means they stay (logged)."""
    try:
        await transfer.backend.call_async("sweep", prefix)
    except Exception as exc:  # maintenance: never fail an upload for it
        _sweep_failed(prefix, exc)


def _sweep_failed(prefix: str, exc: Exception) -> None:
    import logging

    logging.getLogger("plugio.storage").warning(
        "could not sweep stale multipart uploads under %s: %s", prefix, type(exc).__name__
    )


def _make_folder(path: str, folders: set[str], retried: bool) -> None:
    """Make the folder of ``path`` once per transfer (again on a retry, in case it went)."""
    folder = os.path.dirname(path) or "."
    if retried or folder not in folders:
        os.makedirs(folder, exist_ok=True)
        folders.add(folder)
