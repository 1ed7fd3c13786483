"""Every reader plugio ships keeps the reader contract on every backend."""

from __future__ import annotations

from conformance_rig import OnRig

from plugio_conformance import AbstractInputReaderTests, AbstractOutputReaderTests
from plugio_conformance.implementations import (
    CachingInputReaderFixtures,
    EarliestErrorOutputReaderFixtures,
    InMemoryOutputReaderFixtures,
    RemoteFileInputReaderFixtures,
    RemoteFileOutputReaderFixtures,
)


class TestRemoteFileInputReader(AbstractInputReaderTests, RemoteFileInputReaderFixtures, OnRig):
    pass


class TestCachingInputReader(AbstractInputReaderTests, CachingInputReaderFixtures, OnRig):
    pass


class TestRemoteFileOutputReader(AbstractOutputReaderTests, RemoteFileOutputReaderFixtures, OnRig):
    pass


class TestEarliestErrorOutputReader(
    AbstractOutputReaderTests, EarliestErrorOutputReaderFixtures, OnRig
):
    pass


class TestInMemoryOutputReader(AbstractOutputReaderTests, InMemoryOutputReaderFixtures, OnRig):
    pass
