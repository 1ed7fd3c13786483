"""plugio's path classes and raw output layout keep the paths contract."""

from __future__ import annotations

from conformance_rig import OnRig

from plugio_conformance import (
    AbstractPathsTests,
    AbstractRawOutputLayoutTests,
    ConformanceFixtures,
)
from plugio_conformance.implementations import (
    ReadOnlyOutputPathsFixtures,
    RemoteCheckpointPathsFixtures,
    RemoteFileOutputPathsFixtures,
)


class TestRemoteFileOutputPaths(AbstractPathsTests, RemoteFileOutputPathsFixtures, OnRig):
    pass


class TestRemoteCheckpointPaths(AbstractPathsTests, RemoteCheckpointPathsFixtures, OnRig):
    pass


class TestReadOnlyOutputPaths(AbstractPathsTests, ReadOnlyOutputPathsFixtures, OnRig):
    pass


class TestRawOutputLayout(AbstractRawOutputLayoutTests, ConformanceFixtures):
    """Pure computation: no backend involved."""
