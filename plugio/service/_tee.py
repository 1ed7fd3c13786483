"""A process's own console into a client, and leaving the stream from a multiprocessing child."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, Literal, Protocol, TextIO

__all__ = ["ConsoleTee", "finalize_in_multiprocessing"]

StreamName = Literal["stdout", "stderr"]


class ConsoleSink(Protocol):
    """What takes console text: a client."""

    def write(self, text: str, stream: StreamName = "stdout") -> None: ...


class ConsoleTee:
    """Stands in for ``sys.stdout`` or ``sys.stderr``, copying text to a client.

    Everything but ``write`` goes to the original stream.
    """

    def __init__(self, sink: ConsoleSink, name: StreamName, original: TextIO, tee: bool) -> None:
        self._sink, self._name, self._original, self._tee = sink, name, original, tee

    @classmethod
    def install(cls, sink: ConsoleSink, *, tee: bool) -> list[ConsoleTee]:
        """Replace ``sys.stdout`` and ``sys.stderr``; the tees, to uninstall later."""
        out = cls(sink, "stdout", sys.stdout, tee)
        err = cls(sink, "stderr", sys.stderr, tee)
        sys.stdout, sys.stderr = out, err
        return [out, err]

    def uninstall(self) -> None:
        """Put the original stream back, if this tee is still installed."""
        if getattr(sys, self._name) is self:
            setattr(sys, self._name, self._original)

    def write(self, text: str) -> int:
        """Copy ``text`` to the client (and to the original stream with tee)."""
        self._sink.write(text, self._name)
        return self._original.write(text) if self._tee else len(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._original, name)


def finalize_in_multiprocessing(callback: Callable[[], None]) -> None:
    """Run ``callback`` when a multiprocessing child ends (it ends with ``os._exit``,
    skipping ``atexit``); nothing when multiprocessing is not in use."""
    module = sys.modules.get("multiprocessing.util")
    if module is not None:
        module.Finalize(None, callback, exitpriority=100)
