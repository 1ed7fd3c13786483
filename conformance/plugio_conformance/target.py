"""Fixtures placing the abstract tests on the ``--plugio-url`` target."""

from __future__ import annotations

import pytest

from plugio.storage import DataStore
from plugio_conformance.abstract import ConformanceFixtures
from plugio_conformance.plugin import CAPABILITIES, Target

__all__ = ["TargetFixtures"]


class TargetFixtures(ConformanceFixtures):
    """``store`` and a fresh ``base_url`` on the run's target; flags from ``--plugio-without``.

    The default limit checked is the store's configured one
    (``PLUGIO_LIMITS__MAX_PAYLOAD_BYTES``, Flyte's 2 MiB unless set).
    """

    @pytest.fixture(autouse=True)
    def _target_capabilities(self, plugio_target: Target) -> None:
        for name in plugio_target.without:
            setattr(self, CAPABILITIES[name], False)
        self.default_max_payload_bytes = plugio_target.store.config.limits.max_payload_bytes

    @pytest.fixture
    def store(self, plugio_target: Target) -> DataStore:
        return plugio_target.store

    @pytest.fixture
    def base_url(self, plugio_target: Target) -> str:
        return plugio_target.fresh_prefix()
