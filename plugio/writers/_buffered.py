"""The buffered output writer: keeps the reader it is given, writes nothing."""

from __future__ import annotations

from typing import TYPE_CHECKING

from plugio.paths import OutputFilePaths
from plugio.writers._interfaces import OutputWriter
from plugio.writers._remote import DelegatedOutputPaths

if TYPE_CHECKING:
    from plugio.readers import OutputReader

__all__ = ["BufferedOutputWriter"]


class BufferedOutputWriter(OutputWriter, DelegatedOutputPaths):
    """Records the output reader a plugin hands over, for the caller to use later.

    Nothing is read or stored: ``put`` only remembers the reader (the last one
    given) and ``get_reader`` returns it.

    Args:
        paths: the output paths; every path method answers from it.
    """

    def __init__(self, paths: OutputFilePaths) -> None:
        DelegatedOutputPaths.__init__(self, paths)
        self._reader: OutputReader | None = None

    def put(self, reader: OutputReader) -> None:
        """Remember ``reader``; it is not read."""
        self._reader = reader

    async def put_async(self, reader: OutputReader) -> None:
        """Async twin of :meth:`put`: remembers ``reader`` at once."""
        self.put(reader)

    def get_reader(self) -> OutputReader | None:
        """The reader last given to :meth:`put`, or ``None`` before any."""
        return self._reader
