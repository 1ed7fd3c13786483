"""Streaming writers that publish on a clean close and never on a failure."""

from __future__ import annotations

import io
import os
from types import TracebackType
from typing import IO, Any

__all__ = ["AbortableWriter", "open_buffered_writer", "open_local_writer"]


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
