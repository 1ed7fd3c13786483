"""The remote-file output writer: commits outputs or an error under the output prefix."""

from __future__ import annotations

from typing import TYPE_CHECKING

from plugio.core import LiteralMap, Outputs
from plugio.errors import PayloadError
from plugio.execution import ExecutionError
from plugio.generation import FlyteGeneration
from plugio.paths import OutputFilePaths
from plugio.storage import DataStore, encode_message
from plugio.writers._interfaces import OutputWriter

if TYPE_CHECKING:
    from plugio.readers import OutputReader

__all__ = ["DelegatedOutputPaths", "RemoteFileOutputWriter"]


class DelegatedOutputPaths(OutputFilePaths):
    """Output paths answered by another paths object."""

    def __init__(self, paths: OutputFilePaths) -> None:
        self._paths = paths

    @property
    def paths(self) -> OutputFilePaths:
        """The paths every path method answers from."""
        return self._paths

    def get_output_prefix_path(self) -> str:
        """The output prefix."""
        return self._paths.get_output_prefix_path()

    def get_output_path(self) -> str:
        """Where the outputs ``LiteralMap`` goes."""
        return self._paths.get_output_path()

    def get_deck_path(self) -> str:
        """Where the HTML deck goes."""
        return self._paths.get_deck_path()

    def get_error_path(self) -> str:
        """Where the ``ErrorDocument`` goes."""
        return self._paths.get_error_path()

    def get_raw_output_prefix(self) -> str:
        """The raw output prefix."""
        return self._paths.get_raw_output_prefix()

    def get_checkpoint_prefix(self) -> str:
        """This attempt's checkpoint prefix."""
        return self._paths.get_checkpoint_prefix()

    def get_previous_checkpoints_prefix(self) -> str:
        """The previous attempt's checkpoint prefix (``""`` when none)."""
        return self._paths.get_previous_checkpoints_prefix()


class RemoteFileOutputWriter(OutputWriter, DelegatedOutputPaths):
    """Stores what an output reader holds as the files an engine reads.

    An error wins over outputs: it becomes ``error.pb``, an ``ErrorDocument``
    whose ``ContainerError`` keeps code, message, recoverability (``kind``),
    origin, timestamp and worker, so reading it back gives an equal
    ``ExecutionError``. Otherwise the outputs (even an empty map) become
    ``outputs.pb``, once checked to nest shallow enough for protobuf to parse
    them back. Each file is committed atomically: a reader sees all of it or
    none of it.

    For Flyte 2 (``generation``), the outputs are Flyte 2's ``Outputs``
    (:meth:`~plugio.readers.OutputReader.read_outputs`: declared order,
    repeated names, produced artifacts kept), and the error document leaves
    out the timestamp and worker Flyte 2's ``ContainerError`` has no place
    for; both are then byte for byte what Flyte 2's runtime writes.

    Args:
        store: the data store to write to.
        paths: where the files go; every path method answers from it.
        generation: which Flyte generation's files to write; by default the
            store's (``store.flyte``, ``PLUGIO_FLYTE``; Flyte 1 unless set).
    """

    def __init__(
        self,
        store: DataStore,
        paths: OutputFilePaths,
        *,
        generation: FlyteGeneration | int | str | None = None,
    ) -> None:
        DelegatedOutputPaths.__init__(self, paths)
        self._store = store
        self._generation = store.flyte if generation is None else FlyteGeneration.parse(generation)

    @property
    def generation(self) -> FlyteGeneration:
        """The Flyte generation whose files this writer writes."""
        return self._generation

    def put(self, reader: OutputReader) -> None:
        """Store ``reader.read()``: its error if it has one, else its outputs.

        Raises:
            PayloadError: the reader holds neither outputs nor an error
                ("no data found to write"), naming the output prefix.
            LiteralConversionError: the outputs nest too deep to be read
                back; its name says which value, and where in it. Nothing
                is written.
            StorageError: the write failed; nothing was committed.
        """
        if self._generation is FlyteGeneration.FLYTE2:
            self._store.write_bytes(*self._document(*reader.read_outputs()))
        else:
            self._store.write_bytes(*self._document(*reader.read()))

    async def put_async(self, reader: OutputReader) -> None:
        """Async twin of :meth:`put`, with ``reader.read_async()`` and the store's async write."""
        if self._generation is FlyteGeneration.FLYTE2:
            found = await reader.read_outputs_async()
            await self._store.write_bytes_async(*self._document(*found))
        else:
            await self._store.write_bytes_async(*self._document(*await reader.read_async()))

    def _document(
        self, outputs: LiteralMap | Outputs | None, error: ExecutionError | None
    ) -> tuple[str, bytes]:
        """The reference and the bytes (deterministic) to store for what a reader returned.

        Raises:
            PayloadError: neither outputs nor an error.
            LiteralConversionError: the outputs nest too deep to be read back.
        """
        if error is not None:
            document = error.to_error_document(self._generation)
            return self.get_error_path(), encode_message(document)
        if outputs is not None:
            # Here: plugio.literals loads pydantic, which writing an error never needs.
            from plugio.literals import check_nesting

            data = encode_message(outputs)
            check_nesting(outputs, data)  # the bytes written are the bytes checked
            return self.get_output_path(), data
        prefix = self.get_output_prefix_path()
        raise PayloadError(f"{prefix}: no data found to write: no outputs and no error", prefix)
