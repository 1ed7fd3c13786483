"""The writer interface: how a task attempt hands its outputs to the engine."""

from __future__ import annotations

import asyncio
from abc import ABC
from typing import TYPE_CHECKING

from plugio._twins import Twins, run_blocking
from plugio.paths import OutputFilePaths

if TYPE_CHECKING:
    # Only a type: a writer calls the reader it is handed, so writers and
    # readers stay independent siblings.
    from plugio.readers import OutputReader

__all__ = ["OutputWriter"]


class OutputWriter(Twins, OutputFilePaths, ABC):
    """Stores what an :class:`OutputReader` holds where the engine looks for it.

    Override ``put`` or ``put_async`` (the other follows), plus the paths.
    """

    _TWINS = ("put",)

    def put(self, reader: OutputReader) -> None:
        """Store the reader's outputs, or its error, under the output paths."""
        run_blocking(self.put_async(reader))

    async def put_async(self, reader: OutputReader) -> None:
        """Async twin of :meth:`put`."""
        await asyncio.to_thread(self.put, reader)
