"""Every golden vector decodes with plugio's messages to its recorded value."""

from __future__ import annotations

from plugio_conformance.abstract import AbstractGoldenVectorTests, ConformanceFixtures


class TestGoldenVectors(AbstractGoldenVectorTests, ConformanceFixtures):
    pass
