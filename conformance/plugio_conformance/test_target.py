"""The storage contract, and plugio's remote-file readers and writers, on the target.

Run with ``pytest --pyargs plugio_conformance --plugio-url=URL`` (or
:func:`plugio_conformance.run`); see :mod:`plugio_conformance.plugin`.
"""

from __future__ import annotations

from plugio_conformance.abstract import (
    AbstractDataStoreTests,
    AbstractInputReaderTests,
    AbstractOutputReaderTests,
    AbstractOutputWriterTests,
)
from plugio_conformance.implementations import (
    EarliestErrorOutputReaderFixtures,
    RemoteFileInputReaderFixtures,
    RemoteFileOutputReaderFixtures,
    RemoteFileOutputWriterFixtures,
)
from plugio_conformance.target import TargetFixtures


class TestDataStore(AbstractDataStoreTests, TargetFixtures):
    pass


class TestRemoteFileInputReader(
    AbstractInputReaderTests, RemoteFileInputReaderFixtures, TargetFixtures
):
    pass


class TestRemoteFileOutputReader(
    AbstractOutputReaderTests, RemoteFileOutputReaderFixtures, TargetFixtures
):
    pass


class TestEarliestErrorOutputReader(
    AbstractOutputReaderTests, EarliestErrorOutputReaderFixtures, TargetFixtures
):
    pass


class TestRemoteFileOutputWriter(
    AbstractOutputWriterTests, RemoteFileOutputWriterFixtures, TargetFixtures
):
    pass
