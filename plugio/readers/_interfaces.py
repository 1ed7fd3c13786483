"""The reader interfaces: what a plugin's input and output readers must answer."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING

from plugio._twins import Twins, run_blocking, run_in_thread
from plugio.core import Inputs, LiteralMap, Outputs
from plugio.core._named import inputs_of_map, outputs_of_map
from plugio.paths import InputFilePaths

if TYPE_CHECKING:
    from plugio.execution import ExecutionError

__all__ = ["InputReader", "OutputReader"]


class InputReader(Twins, InputFilePaths, ABC):
    """Gives a task attempt its inputs.

    Override ``get`` or ``get_async`` (the other follows), plus the paths.
    """

    _TWINS = ("get",)

    def get(self) -> LiteralMap:
        """The inputs as a ``LiteralMap`` (empty when the task takes none).

        Raises a plugio error for system problems (unreadable, too large,
        undecodable); a missing inputs file stays recognisable as not-found.
        """
        return run_blocking(self.get_async())

    async def get_async(self) -> LiteralMap:
        """Async twin of :meth:`get`."""
        return await run_in_thread(self.get)

    def get_inputs(self) -> Inputs:
        """The inputs as Flyte 2's ``Inputs``: in declared order, repeated names and context kept.

        This default builds them from :meth:`get` (names sorted, no context);
        a reader of the stored file keeps what the file holds.
        """
        return inputs_of_map(self.get())

    async def get_inputs_async(self) -> Inputs:
        """Async twin of :meth:`get_inputs`."""
        return inputs_of_map(await self.get_async())


class OutputReader(Twins, ABC):
    """What an engine asks about a finished task attempt.

    Override either side of each pair (``exists`` / ``exists_async`` ...) and
    ``is_file``. ``read`` returns ``(outputs, error)``: at most one is set, an
    ``ExecutionError`` being the task's own failure; system problems raise.
    """

    _TWINS = ("is_error", "read_error", "exists", "read", "deck_exists")

    @abstractmethod
    def is_file(self) -> bool:
        """Whether the outputs are the output paths' files.

        True lets the engine read them in place; False makes it write them there
        with the remote-file writer first.
        """

    def is_error(self) -> bool:
        """Whether the attempt reported an error."""
        return run_blocking(self.is_error_async())

    async def is_error_async(self) -> bool:
        """Async twin of :meth:`is_error`."""
        return await run_in_thread(self.is_error)

    def read_error(self) -> ExecutionError:
        """The reported error."""
        return run_blocking(self.read_error_async())

    async def read_error_async(self) -> ExecutionError:
        """Async twin of :meth:`read_error`."""
        return await run_in_thread(self.read_error)

    def exists(self) -> bool:
        """Whether outputs were produced."""
        return run_blocking(self.exists_async())

    async def exists_async(self) -> bool:
        """Async twin of :meth:`exists`."""
        return await run_in_thread(self.exists)

    def read(self) -> tuple[LiteralMap | None, ExecutionError | None]:
        """The outputs, or the task's error."""
        return run_blocking(self.read_async())

    async def read_async(self) -> tuple[LiteralMap | None, ExecutionError | None]:
        """Async twin of :meth:`read`."""
        return await run_in_thread(self.read)

    def read_outputs(self) -> tuple[Outputs | None, ExecutionError | None]:
        """The outputs as Flyte 2's ``Outputs`` (declared order, artifacts), or the task's error.

        This default builds them from :meth:`read` (names sorted); a reader
        of the stored file keeps what the file holds.
        """
        outputs, error = self.read()
        return (outputs_of_map(outputs) if outputs is not None else None), error

    async def read_outputs_async(self) -> tuple[Outputs | None, ExecutionError | None]:
        """Async twin of :meth:`read_outputs`."""
        outputs, error = await self.read_async()
        return (outputs_of_map(outputs) if outputs is not None else None), error

    def deck_exists(self) -> bool:
        """Whether the attempt wrote a deck."""
        return run_blocking(self.deck_exists_async())

    async def deck_exists_async(self) -> bool:
        """Async twin of :meth:`deck_exists`."""
        return await run_in_thread(self.deck_exists)
