"""InMemoryOutputReader: answers from what it was given, sync and async alike."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from plugio.core import LiteralMap
from plugio.errors import PlugioError
from plugio.execution import ErrorKind, ExecutionError
from plugio.readers import InMemoryOutputReader

ERROR = ExecutionError("USER:Boom", "boom", ErrorKind.USER, is_recoverable=True)


def outputs() -> LiteralMap:
    literals = LiteralMap()
    literals.literals["a"].scalar.primitive.integer = 1
    return literals


def answers(reader: InMemoryOutputReader) -> tuple[Any, ...]:
    return (
        reader.is_file(),
        reader.is_error(),
        reader.exists(),
        reader.read(),
        reader.deck_exists(),
    )


async def answers_async(reader: InMemoryOutputReader) -> tuple[Any, ...]:
    return (
        reader.is_file(),
        await reader.is_error_async(),
        await reader.exists_async(),
        await reader.read_async(),
        await reader.deck_exists_async(),
    )


@pytest.mark.parametrize(
    ("reader", "expected"),
    [
        (InMemoryOutputReader(), (False, False, False, (None, None), False)),
        (InMemoryOutputReader(outputs()), (False, False, True, (outputs(), None), False)),
        (InMemoryOutputReader(LiteralMap()), (False, False, True, (LiteralMap(), None), False)),
        (InMemoryOutputReader(error=ERROR), (False, True, False, (None, ERROR), False)),
        (
            InMemoryOutputReader(outputs(), ERROR, "memory://b/deck.html"),
            (False, True, True, (outputs(), ERROR), True),
        ),
    ],
    ids=["nothing", "outputs", "empty-map", "error", "everything"],
)
def test_answers_from_what_was_given(
    reader: InMemoryOutputReader, expected: tuple[Any, ...]
) -> None:
    assert answers(reader) == expected
    assert asyncio.run(answers_async(reader)) == expected


def test_read_error_returns_the_error_given() -> None:
    reader = InMemoryOutputReader(error=ERROR)
    assert reader.read_error() is ERROR
    assert asyncio.run(reader.read_error_async()) is ERROR


def test_read_error_without_one_is_a_value_error() -> None:
    reader = InMemoryOutputReader(outputs())
    with pytest.raises(ValueError, match="no execution error") as raised:
        reader.read_error()
    assert not isinstance(raised.value, PlugioError)
    with pytest.raises(ValueError, match="no execution error"):
        asyncio.run(reader.read_error_async())


def test_deck_path_is_kept() -> None:
    assert InMemoryOutputReader(deck_path="s3://b/deck.html").deck_path == "s3://b/deck.html"
    assert InMemoryOutputReader().deck_path is None
