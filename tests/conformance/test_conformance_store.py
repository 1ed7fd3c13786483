"""DataStore keeps the storage contract on every backend."""

from __future__ import annotations

from conformance_rig import OnRig

from plugio_conformance import AbstractDataStoreTests


class TestDataStore(AbstractDataStoreTests, OnRig):
    pass
