"""The in-memory output reader: outputs or an error held in memory, not yet stored."""

from __future__ import annotations

from plugio.core import LiteralMap, Outputs
from plugio.core._named import literal_map_of
from plugio.execution import ExecutionError
from plugio.readers._interfaces import OutputReader

__all__ = ["InMemoryOutputReader"]


class InMemoryOutputReader(OutputReader):
    """Answers from what it was given; nothing is read from storage.

    ``is_file()`` is False, so an engine stores the content with the
    remote-file writer before it reports success. Each async method answers
    at once with its sync twin's answer.

    Args:
        literals: the outputs, if any (an empty map counts as outputs): a
            ``LiteralMap``, or Flyte 2's ``Outputs``, whose order, repeated
            names and produced artifacts :meth:`read_outputs` keeps.
        error: the attempt's error, if any.
        deck_path: where the attempt's deck was written, if it wrote one.
    """

    def __init__(
        self,
        literals: LiteralMap | Outputs | None = None,
        error: ExecutionError | None = None,
        deck_path: str | None = None,
    ) -> None:
        self._outputs = literals if isinstance(literals, Outputs) else None
        self._literals = literal_map_of(literals) if isinstance(literals, Outputs) else literals
        self._error = error
        self._deck_path = deck_path

    @property
    def deck_path(self) -> str | None:
        """The deck path given, if any."""
        return self._deck_path

    def is_file(self) -> bool:
        """Always False: the content is in memory."""
        return False

    def is_error(self) -> bool:
        """Whether an error was given."""
        return self._error is not None

    async def is_error_async(self) -> bool:
        """Async twin of :meth:`is_error`."""
        return self.is_error()

    def read_error(self) -> ExecutionError:
        """The error given.

        Raises:
            ValueError: no error was given. Asking is the caller's mistake
                (check :meth:`is_error` first), not a storage problem, so it
                is not a ``PlugioError``.
        """
        if self._error is None:
            raise ValueError("no execution error was given to this in-memory output reader")
        return self._error

    async def read_error_async(self) -> ExecutionError:
        """Async twin of :meth:`read_error`."""
        return self.read_error()

    def exists(self) -> bool:
        """Whether outputs were given (an error alone is not outputs)."""
        return self._literals is not None

    async def exists_async(self) -> bool:
        """Async twin of :meth:`exists`."""
        return self.exists()

    def read(self) -> tuple[LiteralMap | None, ExecutionError | None]:
        """``(literals, error)`` as given (``Outputs`` as their map); either may be ``None``."""
        return self._literals, self._error

    async def read_async(self) -> tuple[LiteralMap | None, ExecutionError | None]:
        """Async twin of :meth:`read`."""
        return self.read()

    def read_outputs(self) -> tuple[Outputs | None, ExecutionError | None]:
        """The ``Outputs`` given as they are, else those of the map given (names sorted)."""
        if self._outputs is not None:
            return self._outputs, self._error
        return super().read_outputs()

    async def read_outputs_async(self) -> tuple[Outputs | None, ExecutionError | None]:
        """Async twin of :meth:`read_outputs`."""
        return self.read_outputs()

    def deck_exists(self) -> bool:
        """Whether a deck path was given."""
        return self._deck_path is not None

    async def deck_exists_async(self) -> bool:
        """Async twin of :meth:`deck_exists`."""
        return self.deck_exists()
