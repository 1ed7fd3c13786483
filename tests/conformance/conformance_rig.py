"""Fixtures placing the conformance suite on the project's backend rig."""

from __future__ import annotations

import pytest
from rig import Rig

from plugio.storage import DataStore
from plugio_conformance import ConformanceFixtures


class OnRig(ConformanceFixtures):
    """``store`` and ``base_url`` from the ``rig`` fixture: every test on every backend.

    The rig's capability flags become the suite's, per backend.
    """

    @pytest.fixture(autouse=True)
    def _rig_capabilities(self, rig: Rig) -> None:
        self.supports_conditional_create = rig.conditional_create
        self.supports_etag = rig.has_etag

    @pytest.fixture
    def store(self, rig: Rig) -> DataStore:
        return rig.store

    @pytest.fixture
    def base_url(self, rig: Rig) -> str:
        return rig.base
