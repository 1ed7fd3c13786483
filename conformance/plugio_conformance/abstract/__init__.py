"""The abstract test classes and the fixtures they depend on."""

from plugio_conformance.abstract._fixtures import (
    ConformanceFixtures,
    MakeInputPaths,
    MakeInputReader,
    MakeOutputPaths,
    MakeOutputReader,
    MakeOutputWriter,
    MessageClass,
    WriteAttempt,
    WriteFile,
    WriteInputs,
)
from plugio_conformance.abstract._golden import AbstractGoldenVectorTests
from plugio_conformance.abstract._inputs import AbstractInputReaderTests
from plugio_conformance.abstract._layout import PlugioRawOutputLayout, RawOutputLayout
from plugio_conformance.abstract._layout_tests import AbstractRawOutputLayoutTests
from plugio_conformance.abstract._paths import AbstractPathsTests
from plugio_conformance.abstract._suites import AbstractDataStoreTests, AbstractOutputReaderTests
from plugio_conformance.abstract._writers import AbstractOutputWriterTests, RecordingReader

__all__ = [
    "AbstractDataStoreTests",
    "AbstractGoldenVectorTests",
    "AbstractInputReaderTests",
    "AbstractOutputReaderTests",
    "AbstractOutputWriterTests",
    "AbstractPathsTests",
    "AbstractRawOutputLayoutTests",
    "ConformanceFixtures",
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
]
