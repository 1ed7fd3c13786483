"""Helpers shared by the reader tests: the sync/async twin, sized payloads, readers on a rig."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

import pytest
from rig import Rig

from plugio.core import ContainerError, ErrorDocument, LiteralMap
from plugio.paths import ReadOnlyOutputPaths
from plugio.readers import RemoteFileOutputReader

T = TypeVar("T")
LIMIT = 64


class Twin:
    """Calls a reader method directly, or its ``_async`` twin in a fresh event loop."""

    def __init__(self, use_async: bool) -> None:
        self.use_async = use_async

    def __call__(self, method: Callable[[], T]) -> T:
        if not self.use_async:
            return method()
        twin = getattr(method.__self__, f"{method.__name__}_async")  # type: ignore[attr-defined]
        result: T = asyncio.run(twin())
        return result


@pytest.fixture(params=["sync", "async"], name="twin")
def twin_fixture(request: pytest.FixtureRequest) -> Twin:
    """The ``twin`` fixture: each test using it runs once sync and once async."""
    return Twin(request.param == "async")


def literal_map_of_size(size: int) -> LiteralMap:
    """A map whose encoding is exactly ``size`` bytes."""
    for pad in range(size):
        literals = LiteralMap()
        literals.literals["x"].scalar.primitive.string_value = "a" * pad
        if literals.ByteSize() == size:
            return literals
    raise AssertionError(f"no map of {size} bytes")


def error_document_of_size(size: int) -> ErrorDocument:
    """An error document whose encoding is exactly ``size`` bytes."""
    for pad in range(size):
        document = ErrorDocument(error=ContainerError(code="E", message="m" * pad))
        if document.ByteSize() == size:
            return document
    raise AssertionError(f"no document of {size} bytes")


def reader_for(rig: Rig, **options: Any) -> tuple[RemoteFileOutputReader, ReadOnlyOutputPaths]:
    """An output reader over the rig's ``out`` prefix, limited to ``LIMIT`` unless told."""
    paths = ReadOnlyOutputPaths(rig.store, rig.ref("out"))
    options.setdefault("max_payload_bytes", LIMIT)
    return RemoteFileOutputReader(rig.store, paths, **options), paths
