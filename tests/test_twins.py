"""Sync/async twins: override one side, get the other."""

from __future__ import annotations

import asyncio

import pytest

from plugio.core import LiteralMap
from plugio.execution import ExecutionError
from plugio.readers import InputReader, OutputReader


class SyncOnlyInput(InputReader):
    def get_input_prefix_path(self) -> str:
        return "memory://in"

    def get_input_path(self) -> str:
        return "memory://in/inputs.pb"

    def get(self) -> LiteralMap:
        return LiteralMap()


class AsyncOnlyOutput(OutputReader):
    def is_file(self) -> bool:
        return False

    async def is_error_async(self) -> bool:
        return True

    async def read_error_async(self) -> ExecutionError:
        return ExecutionError("E")

    async def exists_async(self) -> bool:
        return False

    async def read_async(self) -> tuple[LiteralMap | None, ExecutionError | None]:
        return None, ExecutionError("E")

    async def deck_exists_async(self) -> bool:
        return False


def test_sync_override_gives_async() -> None:
    assert asyncio.run(SyncOnlyInput().get_async()) == LiteralMap()


def test_async_override_gives_sync() -> None:
    reader = AsyncOnlyOutput()
    assert reader.is_error()
    assert reader.read_error() == ExecutionError("E")
    assert reader.read() == (None, ExecutionError("E"))
    assert not reader.exists()
    assert not reader.deck_exists()


def test_async_override_gives_sync_inside_a_running_loop() -> None:
    async def main() -> bool:
        return AsyncOnlyOutput().is_error()

    assert asyncio.run(main())


def test_overriding_neither_side_is_refused_by_name() -> None:
    class Incomplete(AsyncOnlyOutput):
        pass

    Incomplete()  # inherits the async side: fine

    class Broken(OutputReader):
        def is_file(self) -> bool:
            return True

    with pytest.raises(TypeError, match=r"is_error\(\) or is_error_async\(\)"):
        Broken()


def test_overriding_both_sides_is_fine() -> None:
    class Both(AsyncOnlyOutput):
        def is_error(self) -> bool:
            return False

        async def is_error_async(self) -> bool:
            return False

    assert not Both().is_error()
