"""plugio's conformance suite: the I/O contract as abstract tests anyone can opt into.

Each interface has an abstract test class whose tests depend only on fixtures
an implementation overrides, plus capability flags (class attributes) that
skip, with a reason, what an implementation cannot do::

    import pytest
    from plugio_conformance import AbstractOutputReaderTests, ConformanceFixtures

    class MyReaderFixtures(ConformanceFixtures):
        @pytest.fixture
        def make_output_reader(self, store):
            return lambda output_prefix, **options: MyReader(store, output_prefix, **options)

    class TestMyReader(AbstractOutputReaderTests, MyReaderFixtures):
        pass

``pytest --pyargs plugio_conformance --plugio-url=s3://bucket/prefix`` runs
the storage contract, and plugio's readers and writers, against live storage
(see :mod:`plugio_conformance.plugin`); :func:`run` does the same from code.
Golden vectors (Flyte-produced bytes with their meaning) are in
:mod:`plugio_conformance.vectors`.

Names are loaded on first use, so ``from plugio_conformance import run``
imports no test module before pytest can rewrite its asserts.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

import pytest

# Before any abstract module is imported: their asserts then report values.
pytest.register_assert_rewrite("plugio_conformance.abstract")

if TYPE_CHECKING:
    from plugio_conformance._run import run
    from plugio_conformance.abstract import (
        AbstractDataStoreTests,
        AbstractGoldenVectorTests,
        AbstractInputReaderTests,
        AbstractOutputReaderTests,
        AbstractOutputWriterTests,
        AbstractPathsTests,
        AbstractRawOutputLayoutTests,
        ConformanceFixtures,
        MakeInputPaths,
        MakeInputReader,
        MakeOutputPaths,
        MakeOutputReader,
        MakeOutputWriter,
        MessageClass,
        PlugioRawOutputLayout,
        RawOutputLayout,
        RecordingReader,
        WriteAttempt,
        WriteFile,
        WriteInputs,
    )
    from plugio_conformance.vectors import GoldenVector, golden_vectors

__all__ = [
    "AbstractDataStoreTests",
    "AbstractGoldenVectorTests",
    "AbstractInputReaderTests",
    "AbstractOutputReaderTests",
    "AbstractOutputWriterTests",
    "AbstractPathsTests",
    "AbstractRawOutputLayoutTests",
    "ConformanceFixtures",
    "GoldenVector",
    "MakeInputPaths",
    "MakeInputReader",
    "MakeOutputPaths",
    "MakeOutputReader",
    "MakeOutputWriter",
    "MessageClass",
    "PlugioRawOutputLayout",
    "RawOutputLayout",
    "RecordingReader",
    "WriteAttempt",
    "WriteFile",
    "WriteInputs",
    "golden_vectors",
    "run",
]

_HOMES = {
    "run": "plugio_conformance._run",
    "GoldenVector": "plugio_conformance.vectors",
    "golden_vectors": "plugio_conformance.vectors",
}


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_HOMES.get(name, "plugio_conformance.abstract")), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
