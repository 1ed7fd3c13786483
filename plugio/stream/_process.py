"""Getting console output into a writer: a child process's pipes, or this process's streams."""

from __future__ import annotations

import codecs
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from typing import IO, TYPE_CHECKING, Any, Literal, Protocol, TextIO

if TYPE_CHECKING:
    from plugio.stream._writer import StreamWriter

__all__ = ["ConsoleSink", "ConsoleTee", "pump_process", "run_process"]


StreamName = Literal["stdout", "stderr"]
_READ_SIZE = 64 * 1024
TextSink = Callable[[str, StreamName], None]
"""Called with each piece of decoded console text and the stream it came from."""


def pump_process(
    process: subprocess.Popen[bytes],
    writer: StreamWriter | None,
    *,
    tee: bool = False,
    observer: TextSink | None = None,
) -> int:
    """Copy a started process's stdout and stderr pipes into ``writer``; its exit code.

    Reads both pipes (opened with ``stdout=PIPE, stderr=PIPE``) until they
    close, decoding UTF-8 (undecodable bytes become U+FFFD), then waits for the
    process. With ``tee`` the text is also written to this process's own
    ``sys.stdout`` / ``sys.stderr``; ``observer`` sees every piece too. A
    missing pipe is skipped.
    """
    for pump in _start_pumps(process, writer, tee=tee, observer=observer):
        pump.join()
    return process.wait()


def _start_pumps(
    process: subprocess.Popen[bytes],
    writer: StreamWriter | None,
    *,
    tee: bool = False,
    observer: TextSink | None = None,
) -> list[threading.Thread]:
    """Start copying the process's pipes (as :func:`pump_process`); the threads, to join.

    A thread ends when its pipe reaches its end or is closed under it.
    """
    pumps = [
        threading.Thread(
            target=_pump,
            args=(pipe, name, writer, tee, observer),
            name=f"plugio-{name}",
            daemon=True,
        )
        for pipe, name in ((process.stdout, "stdout"), (process.stderr, "stderr"))
        if pipe is not None
    ]
    for pump in pumps:
        pump.start()
    return pumps


def run_process(
    writer: StreamWriter, args: Sequence[str], *, tee: bool = False, **popen: Any
) -> int:
    """Run ``args`` with its stdout and stderr streamed into ``writer``; its exit code.

    ``popen`` goes to ``subprocess.Popen`` (``cwd``, ``env``, ...). The
    writer is not closed: the caller closes it with the exit code.
    """
    with subprocess.Popen(
        list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, **popen
    ) as process:
        return pump_process(process, writer, tee=tee)


def _pump(
    pipe: IO[bytes],
    name: StreamName,
    writer: StreamWriter | None,
    tee: bool,
    observer: TextSink | None,
) -> None:
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    echo = (sys.stdout if name == "stdout" else sys.stderr) if tee else None
    try:
        fd = pipe.fileno()
    except ValueError:  # closed already
        return
    while True:
        try:
            data = os.read(fd, _READ_SIZE)
        except OSError:  # the pipe was closed under us: the process is being left behind
            data = b""
        text = decoder.decode(data, final=not data)
        if text:
            if writer is not None:
                writer.write(text, name)
            if observer is not None:
                observer(text, name)
            if echo is not None:
                try:
                    echo.write(text)
                    echo.flush()
                except (OSError, ValueError):  # our own console went away: keep streaming
                    echo = None
        if not data:
            return


class ConsoleSink(Protocol):
    """What takes a process's console text: a ``StreamWriter``, or a client of the service."""

    def write(self, text: str, stream: StreamName = "stdout") -> None: ...


class ConsoleTee:
    """Stands in for ``sys.stdout`` or ``sys.stderr``, copying text to a sink.

    Everything but ``write`` and ``writelines`` goes to the original stream.
    """

    def __init__(self, writer: ConsoleSink, name: StreamName, original: TextIO, tee: bool) -> None:
        self._writer = writer
        self._name = name
        self._original = original
        self._tee = tee

    @classmethod
    def install(cls, writer: ConsoleSink, *, tee: bool) -> list[ConsoleTee]:
        """Replace ``sys.stdout`` and ``sys.stderr``; the tees, to uninstall later."""
        out = cls(writer, "stdout", sys.stdout, tee)
        err = cls(writer, "stderr", sys.stderr, tee)
        sys.stdout, sys.stderr = out, err
        return [out, err]

    def uninstall(self) -> None:
        """Put the original stream back, if this tee is still installed."""
        if self._name == "stdout" and sys.stdout is self:
            sys.stdout = self._original
        if self._name == "stderr" and sys.stderr is self:
            sys.stderr = self._original

    def write(self, text: str) -> int:
        """Copy ``text`` to the writer (and to the original stream with tee)."""
        self._writer.write(text, self._name)
        if self._tee:
            self._original.write(text)
        return len(text)

    def writelines(self, lines: Sequence[str]) -> None:
        """Write each of ``lines``."""
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        """Flush the original stream."""
        self._original.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._original, name)
