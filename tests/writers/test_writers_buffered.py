"""BufferedOutputWriter: records the reader, reads and writes nothing."""

from __future__ import annotations

import asyncio

from plugio.core import LiteralMap
from plugio.execution import ExecutionError
from plugio.paths import RemoteCheckpointPaths
from plugio.readers import InMemoryOutputReader, OutputReader
from plugio.storage import DataStore
from plugio.writers import BufferedOutputWriter, OutputWriter


class Untouchable(OutputReader):
    """A reader that fails the test if anything is asked of it."""

    def is_file(self) -> bool:
        raise AssertionError("the buffered writer must not use the reader")

    async def is_error_async(self) -> bool:
        raise AssertionError("read")

    async def read_error_async(self) -> ExecutionError:
        raise AssertionError("read")

    async def exists_async(self) -> bool:
        raise AssertionError("read")

    async def read_async(self) -> tuple[LiteralMap | None, ExecutionError | None]:
        raise AssertionError("read")

    async def deck_exists_async(self) -> bool:
        raise AssertionError("read")


def paths() -> RemoteCheckpointPaths:
    return RemoteCheckpointPaths(DataStore(), "memory://b/out", "memory://b/raw", "memory://b/prev")


def test_no_reader_before_put() -> None:
    writer = BufferedOutputWriter(paths())
    assert isinstance(writer, OutputWriter)
    assert writer.get_reader() is None


def test_put_records_the_reader_without_reading_it() -> None:
    writer = BufferedOutputWriter(paths())
    reader = Untouchable()
    writer.put(reader)
    assert writer.get_reader() is reader
    later = InMemoryOutputReader()
    asyncio.run(writer.put_async(later))
    assert writer.get_reader() is later


def test_path_methods_answer_from_the_paths() -> None:
    given = paths()
    writer = BufferedOutputWriter(given)
    for name in (
        "get_output_prefix_path",
        "get_output_path",
        "get_deck_path",
        "get_error_path",
        "get_raw_output_prefix",
        "get_checkpoint_prefix",
        "get_previous_checkpoints_prefix",
    ):
        assert getattr(writer, name)() == getattr(given, name)(), name
    assert writer.paths is given
