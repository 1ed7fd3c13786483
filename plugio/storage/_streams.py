"""Streaming writers that publish on a clean close and never on a failure."""

from __future__ import annotations

import io
import os
from types import TracebackType
from typing import IO, Any

__all__ = [
    "AbortableWriter",
    "ReaderFile",
    "WriterFile",
    "open_buffered_writer",
    "open_local_writer",
]


class AbortableWriter:
    """Wraps a writable file: ``close()`` publishes, leaving ``with`` on an error aborts.

    fsspec's remote files upload what was written when closed, even when the
    ``with`` block raised; this wrapper discards the upload instead, so a
    failed writer leaves the previous object (or none) in place.
    """

    def __init__(self, handle: Any, abort: Any = None) -> None:
        self._handle = handle
        self._abort = abort

    def write(self, data: bytes) -> int:
        written: int = self._handle.write(data)
        return written

    def writable(self) -> bool:
        return True

    def tell(self) -> int:
        position: int = self._handle.tell()
        return position

    def flush(self) -> None:
        self._handle.flush()

    @property
    def closed(self) -> bool:
        return bool(self._handle.closed)

    def close(self) -> None:
        self._handle.close()

    def abort(self) -> None:
        """Throw away everything written; the target is left as it was."""
        if self._abort is not None:
            self._abort()
            return
        discard = getattr(self._handle, "discard", None)
        if discard is not None:
            discard()
        self._handle.closed = True  # fsspec's buffered files then skip the final upload

    def __enter__(self) -> AbortableWriter:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if kind is None:
            self.close()
        else:
            self.abort()


def open_local_writer(path: str) -> AbortableWriter:
    """A local file written beside ``path`` and renamed over it on close."""
    from plugio.storage._keys import temporary_name

    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    temporary = temporary_name(path)
    handle: IO[bytes] = open(temporary, "wb")  # noqa: SIM115 - closed by the writer

    class _LocalWriter(AbortableWriter):
        def close(self) -> None:
            if handle.closed:
                return
            handle.flush()
            os.fsync(handle.fileno())
            handle.close()
            os.replace(temporary, path)

    def abort() -> None:
        handle.close()
        if os.path.exists(temporary):
            os.unlink(temporary)

    return _LocalWriter(handle, abort)


def open_buffered_writer(commit: Any) -> AbortableWriter:
    """A writer that keeps the bytes in memory and hands them to ``commit`` on close.

    For in-memory filesystems, whose own files replace the object at open.
    """
    buffer = io.BytesIO()

    class _BufferedWriter(AbortableWriter):
        def close(self) -> None:
            if buffer.closed:
                return
            data = buffer.getvalue()
            buffer.close()
            commit(data)

    return _BufferedWriter(buffer, buffer.close)


class ReaderFile(io.RawIOBase):
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


class WriterFile:
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
