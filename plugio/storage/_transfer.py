"""Uploads and downloads of files and whole directories.

Files move ``concurrency`` at a time, each retried on its own; large files
stream in ``chunk_size`` parts, so memory stays bounded by about
``concurrency * chunk_size`` whatever the sizes. A download lands in a
temporary file renamed into place, so no half-written file is ever left under
the target name.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

from fsspec.callbacks import Callback

from plugio.errors import NotFoundError
from plugio.storage._backend import Backend, remove_quietly
from plugio.storage._model import ProgressCallback

__all__ = ["Transfer", "download", "upload"]

T = TypeVar("T")
Retrier = Callable[[str, str, Callable[[], Coroutine[Any, Any, T]]], Coroutine[Any, Any, T]]


@dataclass(frozen=True)
class Transfer:
    """One bulk transfer's settings and its retry wrapper."""

    backend: Backend
    retry: Retrier[Any]
    concurrency: int
    chunk_size: int
    progress: ProgressCallback | None


class _Progress:
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


class _FileProgress(Callback):  # type: ignore[misc]
    """fsspec's per-file callback, feeding the shared total; undone on a retry."""

    def __init__(self, shared: _Progress) -> None:
        super().__init__()
        self._shared = shared
        self._reported = 0
        self._started = False

    def call(self, hook_name: str | None = None, **kwargs: Any) -> None:
        delta = int(self.value) - self._reported
        self._reported += delta
        self._shared.add(delta)

    def restart(self) -> bool:
        """Forget what an earlier attempt reported; whether there was one."""
        retried = self._started
        self._started = True
        if self._reported:
            self._shared.add(-self._reported)
            self._reported = 0
        self.value = 0
        return retried


async def upload(transfer: Transfer, local_path: str, ref: str) -> list[str]:
    """Upload a file, or every file under a directory, to ``ref``; the refs written."""
    if not os.path.exists(local_path):
        raise NotFoundError("local path to upload does not exist", local_path)
    files = _local_files(local_path, ref)
    progress = _Progress(sum(size for _, _, size in files), transfer.progress)
    fs = transfer.backend.fs

    def job(local: str, remote: str, size: int) -> Callable[[], Coroutine[Any, Any, str]]:
        path = fs._strip_protocol(remote)

        async def attempt(callback: _FileProgress) -> str:
            callback.restart()
            callback.set_size(size)  # as listed; a hook may measure the file again
            await transfer.backend.put_file(local, path, callback, transfer.chunk_size)
            return remote

        return _with_progress(transfer, remote, "upload", progress, attempt)

    return await transfer.backend.gather_bounded(
        [job(local, remote, size) for local, remote, size in files], transfer.concurrency
    )


async def download(
    transfer: Transfer, ref: str, objects: list[tuple[str, int]], local_path: str, single: bool
) -> list[str]:
    """Download ``objects`` (ref, size) found at ``ref`` under ``local_path``."""
    progress = _Progress(sum(size for _, size in objects), transfer.progress)
    fs = transfer.backend.fs
    base = fs._strip_protocol(ref).rstrip("/")

    def target(remote: str, path: str) -> str:
        if single:
            if os.path.isdir(local_path):
                return os.path.join(local_path, remote.rstrip("/").rsplit("/", 1)[-1])
            return local_path
        relative = path[len(base) :].lstrip("/")
        return os.path.join(local_path, *relative.split("/"))

    tag = uuid.uuid4().hex[:12]  # partial files of this download: <name>.<tag>.part
    folders: set[str] = set()  # made by this download already

    def job(remote: str) -> Callable[[], Coroutine[Any, Any, str]]:
        path = fs._strip_protocol(remote)
        destination = target(remote, path)
        partial = f"{destination}.{tag}.part"

        async def attempt(callback: _FileProgress) -> str:
            retried = callback.restart()
            folder = os.path.dirname(destination) or "."
            if retried or folder not in folders:  # a retry makes it again, in case it went
                os.makedirs(folder, exist_ok=True)
                folders.add(folder)
            try:
                await transfer.backend.get_file(path, partial, callback)
                os.replace(partial, destination)
            except BaseException:
                remove_quietly(partial)
                raise
            return destination

        return _with_progress(transfer, remote, "download", progress, attempt)

    return await transfer.backend.gather_bounded(
        [job(remote) for remote, _ in objects], transfer.concurrency
    )


def _with_progress(
    transfer: Transfer,
    ref: str,
    operation: str,
    progress: _Progress,
    attempt: Callable[[_FileProgress], Coroutine[Any, Any, T]],
) -> Callable[[], Coroutine[Any, Any, T]]:
    def run() -> Coroutine[Any, Any, T]:
        callback = _FileProgress(progress)
        result: Coroutine[Any, Any, T] = transfer.retry(ref, operation, lambda: attempt(callback))
        return result

    return run


def _local_files(local_path: str, ref: str) -> list[tuple[str, str, int]]:
    """``(local path, ref, size)`` of the file, or of every file under the folder, by name."""
    if not os.path.isdir(local_path):
        return [(local_path, ref, os.path.getsize(local_path))]
    base = ref.rstrip("/")
    files = []
    for directory, _, names in sorted(os.walk(local_path)):
        folder = os.path.relpath(directory, local_path).replace(os.sep, "/")
        prefix = base if folder == "." else f"{base}/{folder}"
        for name in sorted(names):
            path = os.path.join(directory, name)
            files.append((path, f"{prefix}/{name}", os.path.getsize(path)))
    return files
