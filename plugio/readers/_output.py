"""The remote-file output reader: what a finished attempt left under its output prefix."""

from __future__ import annotations

from types import EllipsisType

from plugio.core import LiteralMap, Outputs
from plugio.execution import ExecutionError
from plugio.paths import DECK_FILES, OutputFilePaths
from plugio.readers._interfaces import OutputReader
from plugio.readers._reading import context_on_error, exists_within, payload_limit, read_failed
from plugio.readers._remote import ErrorStrategy, SingleErrorStrategy
from plugio.storage import DataStore

__all__ = ["RemoteFileOutputReader"]


class RemoteFileOutputReader(OutputReader):
    """Reads a finished attempt's files under its output prefix.

    Files larger than ``max_payload_bytes`` are refused (``size > limit``;
    equal is allowed), whether asked about with a HEAD or read. Each async
    method answers as its sync twin does, with the store's async I/O.

    Args:
        store: the data store holding the files.
        paths: where the files are.
        max_payload_bytes: the largest ``outputs.pb`` or error file accepted;
            by default the store's ``limits.max_payload_bytes``; ``None`` is
            unlimited. Each reader keeps its own.
        error_strategy: where the error comes from; by default the single
            ``error.pb`` (:class:`SingleErrorStrategy`).
    """

    def __init__(
        self,
        store: DataStore,
        paths: OutputFilePaths,
        *,
        max_payload_bytes: int | EllipsisType | None = ...,
        error_strategy: ErrorStrategy | None = None,
    ) -> None:
        self._store = store
        self._paths = paths
        self._limit = payload_limit(store, max_payload_bytes)
        self._errors = error_strategy if error_strategy is not None else SingleErrorStrategy()

    @property
    def paths(self) -> OutputFilePaths:
        """The paths this reader reads."""
        return self._paths

    @property
    def max_payload_bytes(self) -> int | None:
        """The size limit in force (``None``: unlimited)."""
        return self._limit

    def is_file(self) -> bool:
        """Always True: the outputs are the output paths' files."""
        return True

    def is_error(self) -> bool:
        """Whether the attempt left an error file (per the error strategy).

        Raises:
            PayloadTooLargeError: the error file is larger than the limit.
        """
        return self._errors.is_error(self._store, self._paths.get_error_path(), self._limit)

    async def is_error_async(self) -> bool:
        """Async twin of :meth:`is_error`."""
        return await self._errors.is_error_async(
            self._store, self._paths.get_error_path(), self._limit
        )

    def read_error(self) -> ExecutionError:
        """The attempt's error (see the strategy for missing and empty files)."""
        return self._errors.read_error(self._store, self._paths.get_error_path(), self._limit)

    async def read_error_async(self) -> ExecutionError:
        """Async twin of :meth:`read_error`."""
        return await self._errors.read_error_async(
            self._store, self._paths.get_error_path(), self._limit
        )

    def find_error(self) -> ExecutionError | None:
        """The attempt's error, or None when it left none.

        What :meth:`is_error` then :meth:`read_error` would say, in fewer
        requests where the strategy allows: one read of ``error.pb`` for the
        single-file strategy, one listing for the earliest-error one.

        Raises:
            PayloadTooLargeError: the error file is larger than the limit.
        """
        return self._errors.find_error(self._store, self._paths.get_error_path(), self._limit)

    async def find_error_async(self) -> ExecutionError | None:
        """Async twin of :meth:`find_error`."""
        return await self._errors.find_error_async(
            self._store, self._paths.get_error_path(), self._limit
        )

    def exists(self) -> bool:
        """HEAD of ``outputs.pb``: False when missing.

        Raises:
            PayloadTooLargeError: naming the path, the size and the limit.
        """
        return exists_within(self._store.head(self._paths.get_output_path()), self._limit)

    async def exists_async(self) -> bool:
        """Async twin of :meth:`exists`."""
        info = await self._store.head_async(self._paths.get_output_path())
        return exists_within(info, self._limit)

    def read(self) -> tuple[LiteralMap | None, ExecutionError | None]:
        """``(outputs, None)``, or ``(None, No outputs produced)`` for a map without entries.

        Only ``outputs.pb`` is read (the error file is not consulted, as in
        Flyte). A zero-byte file is a map without entries.

        Raises:
            NotFoundError, PayloadTooLargeError, CorruptPayloadError, StorageError:
                the store's error, its message prefixed by Flyte's
                ``failed to read data from dataDir [<path>]``, chained to it.
        """
        path = self._paths.get_output_path()
        with context_on_error(read_failed(path)):
            outputs = self._store.read_protobuf(path, LiteralMap, limit=self._limit)
        return _outputs_or_error(outputs, path)

    async def read_async(self) -> tuple[LiteralMap | None, ExecutionError | None]:
        """Async twin of :meth:`read`."""
        path = self._paths.get_output_path()
        with context_on_error(read_failed(path)):
            outputs = await self._store.read_protobuf_async(path, LiteralMap, limit=self._limit)
        return _outputs_or_error(outputs, path)

    def read_outputs(self) -> tuple[Outputs | None, ExecutionError | None]:
        """``outputs.pb`` as Flyte 2's ``Outputs``, whichever generation wrote it.

        Flyte 2's order, repeated names and produced artifacts are kept; a
        Flyte 1 map reads as its entries in the order stored. Without
        entries, as for :meth:`read`. Errors as for :meth:`read`.
        """
        path = self._paths.get_output_path()
        with context_on_error(read_failed(path)):
            outputs = self._store.read_protobuf(path, Outputs, limit=self._limit)
        return _named_outputs_or_error(outputs, path)

    async def read_outputs_async(self) -> tuple[Outputs | None, ExecutionError | None]:
        """Async twin of :meth:`read_outputs`."""
        path = self._paths.get_output_path()
        with context_on_error(read_failed(path)):
            outputs = await self._store.read_protobuf_async(path, Outputs, limit=self._limit)
        return _named_outputs_or_error(outputs, path)

    def deck_exists(self) -> bool:
        """HEAD of the deck path, then of the other generation's deck name.

        Flyte 1 writes ``deck.html``, Flyte 2 ``report.html``, both under the
        output prefix; when the paths' deck is one of those names, the other
        is looked for too, so either generation's deck is found untold.
        """
        return any(self._store.head(ref).exists for ref in _deck_candidates(self._paths))

    async def deck_exists_async(self) -> bool:
        """Async twin of :meth:`deck_exists`."""
        for ref in _deck_candidates(self._paths):
            if (await self._store.head_async(ref)).exists:
                return True
        return False


def _deck_candidates(paths: OutputFilePaths) -> list[str]:
    """The deck path, then the other generation's deck beside it when the name is a default."""
    deck = paths.get_deck_path()
    folder, slash, name = deck.rpartition("/")
    if not slash or name not in DECK_FILES.values():
        return [deck]
    return [deck, *(f"{folder}/{other}" for other in DECK_FILES.values() if other != name)]


def _outputs_or_error(
    outputs: LiteralMap, path: str
) -> tuple[LiteralMap | None, ExecutionError | None]:
    """What ``read`` returns for the map read from ``path``: empty is no outputs."""
    if not outputs.literals:
        return None, _no_outputs(path)
    return outputs, None


def _named_outputs_or_error(
    outputs: Outputs, path: str
) -> tuple[Outputs | None, ExecutionError | None]:
    """What ``read_outputs`` returns for the outputs read from ``path``."""
    if not outputs.literals:
        return None, _no_outputs(path)
    return outputs, None


def _no_outputs(path: str) -> ExecutionError:
    return ExecutionError(
        code="No outputs produced",
        message=f"outputs not found at [{path}]",
        is_recoverable=True,
    )
