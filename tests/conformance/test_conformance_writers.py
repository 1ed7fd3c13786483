"""Every writer plugio ships keeps the writer contract on every backend."""

from __future__ import annotations

from conformance_rig import OnRig

from plugio_conformance import AbstractOutputWriterTests
from plugio_conformance.implementations import (
    BufferedOutputWriterFixtures,
    RemoteFileOutputWriterFixtures,
)


class TestRemoteFileOutputWriter(AbstractOutputWriterTests, RemoteFileOutputWriterFixtures, OnRig):
    pass


class TestBufferedOutputWriter(AbstractOutputWriterTests, BufferedOutputWriterFixtures, OnRig):
    pass
