"""Local disk: plain system calls, every write through a temporary file renamed into place."""

from __future__ import annotations

import contextlib
import os
from typing import TYPE_CHECKING, Any

from plugio.storage._backend import BlockingBackend, Info
from plugio.storage._keys import is_temporary, remove_if_stale, temporary_name
from plugio.storage._model import FileProgress

if TYPE_CHECKING:
    from plugio.storage._compose import Part

__all__ = ["LocalBackend", "copy_local_file", "remove_quietly", "write_local_file"]

#: Bytes per system call of a local copy, between progress reports.
_LOCAL_CHUNK = 8 * 1024 * 1024
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | _CLOEXEC


class LocalBackend(BlockingBackend):
    """Files at the absolute paths the key rule gives (``file://`` and bare paths)."""

    protocol = "file"
    composes = True

    @property
    def filesystem(self) -> Any:
        from fsspec.implementations.local import LocalFileSystem

        return LocalFileSystem(auto_mkdir=True)

    def info(self, path: str) -> Info:
        status = os.stat(path)
        if not _is_file(status.st_mode):
            raise FileNotFoundError(path)
        return {
            "name": path,
            "size": status.st_size,
            "mtime": status.st_mtime,
            "etag": f"{status.st_size:x}-{status.st_mtime_ns:x}",
        }

    def read(self, path: str, start: int | None, end: int | None) -> bytes:
        descriptor = os.open(path, os.O_RDONLY | _CLOEXEC)
        try:
            size = os.fstat(descriptor).st_size
            begin = min(start or 0, size)
            stop = size if end is None else min(end, size)
            # One read of what is there, not of the bound asked for (a limit of
            # 2 MiB on a 40-byte error file would allocate 2 MiB first).
            data = os.pread(descriptor, stop - begin, begin) if stop > begin else b""
            while len(data) < stop - begin:  # a file that grew, or a short read
                more = os.pread(descriptor, stop - begin - len(data), begin + len(data))
                if not more:
                    break
                data += more
            return data
        finally:
            os.close(descriptor)

    def write(self, path: str, data: bytes, if_absent: bool) -> None:
        write_local_file(path, data, if_absent=if_absent)

    def delete(self, path: str, recursive: bool) -> None:
        if recursive and os.path.isdir(path):
            import shutil  # here: with bz2 and lzma it costs a task's start 2 ms

            shutil.rmtree(path)
            return
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)

    def find(self, prefix: str) -> list[Info]:
        directory, _, _ = prefix.rpartition("/")
        found: list[Info] = []
        for folder, folders, names in os.walk(directory or "/"):
            folders.sort()
            for name in names:
                path = os.path.join(folder, name)
                if not path.startswith(prefix):
                    continue
                if is_temporary(name):
                    remove_if_stale(path)
                    continue
                with contextlib.suppress(FileNotFoundError):
                    found.append(self.info(path))
            folders[:] = [
                name for name in folders if _may_hold(os.path.join(folder, name) + "/", prefix)
            ]
        return sorted(found, key=lambda info: str(info["name"]))

    def copy(self, path: str, target: str) -> None:
        copy_local_file(path, target, FileProgress(), _LOCAL_CHUNK)

    def download(self, path: str, local_path: str, progress: FileProgress) -> None:
        _copy(path, local_path, progress, _LOCAL_CHUNK)

    def upload(self, local_path: str, path: str, progress: FileProgress, chunk_size: int) -> None:
        copy_local_file(local_path, path, progress, chunk_size)

    def compose(self, path: str, parts: list[Part]) -> None:
        """Copy each range in the kernel into a temporary file renamed into place."""
        from plugio.storage._compose import compose_local

        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        temporary = temporary_name(path)
        try:
            compose_local(path, parts, temporary)
            os.replace(temporary, path)
        finally:
            remove_quietly(temporary)

    def open(self, path: str, mode: str, block_size: int) -> Any:
        if mode == "rb":
            return open(path, "rb")
        from plugio.storage._streams import open_local_writer

        return open_local_writer(path)


def _may_hold(folder: str, prefix: str) -> bool:
    """Whether keys under ``folder`` (ending in ``/``) can start with ``prefix``."""
    return folder.startswith(prefix) or prefix.startswith(folder)


def _is_file(mode: int) -> bool:
    import stat

    return stat.S_ISREG(mode)


def write_local_file(path: str, data: bytes, *, if_absent: bool) -> None:
    """Write a local file atomically: a temporary file, synced, then renamed into place.

    With ``if_absent`` the temporary file is hard-linked instead, which fails
    with ``FileExistsError`` when the target exists, atomically.
    """
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    temporary = temporary_name(path)
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
        remove_quietly(temporary)


def copy_local_file(source: str, target: str, progress: FileProgress, chunk_size: int) -> None:
    """Copy ``source`` to ``target`` through a temporary file renamed into place."""
    temporary = temporary_name(target)
    try:
        _copy(source, temporary, progress, chunk_size)
        os.replace(temporary, target)
    except BaseException:
        remove_quietly(temporary)
        raise


def _copy(source: str, destination: str, progress: FileProgress, chunk_size: int) -> None:
    """Copy a local file in chunks, reporting progress; the destination's folder is made.

    The kernel moves the bytes (``sendfile``) where it can; Python reads and
    writes them otherwise.
    """
    reader = os.open(source, os.O_RDONLY | _CLOEXEC)
    try:
        progress.set_size(os.fstat(reader).st_size)
        writer = _create(destination)
        try:
            _move_bytes(reader, writer, progress, chunk_size)
        finally:
            os.close(writer)
    finally:
        os.close(reader)


def _create(path: str) -> int:
    """An empty file open for writing; its folder is made only when missing."""
    try:
        return os.open(path, _CREATE, 0o666)
    except FileNotFoundError:
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        return os.open(path, _CREATE, 0o666)


def _move_bytes(reader: int, writer: int, progress: FileProgress, chunk_size: int) -> None:
    offset = 0
    if hasattr(os, "sendfile"):
        try:
            while sent := os.sendfile(writer, reader, offset, chunk_size):
                offset += sent
                progress.relative_update(sent)
            return
        except OSError:
            if offset:  # failed midway: the caller's retry starts over
                raise
    os.lseek(reader, offset, os.SEEK_SET)
    while chunk := os.read(reader, chunk_size):
        view = memoryview(chunk)
        while view:
            view = view[os.write(writer, view) :]
        progress.relative_update(len(chunk))


def remove_quietly(path: str) -> None:
    """Delete a local file that may not be there (a partial copy, say)."""
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
