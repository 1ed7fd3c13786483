"""The abstract test classes made of several parts."""

from __future__ import annotations

from plugio_conformance.abstract._engine import EngineVisibleTests
from plugio_conformance.abstract._output_errors import OutputReaderErrorTests
from plugio_conformance.abstract._output_files import OutputReaderFileTests
from plugio_conformance.abstract._outputs import OutputReaderBasicTests
from plugio_conformance.abstract._store_keys import DataStoreKeyTests
from plugio_conformance.abstract._store_objects import DataStoreObjectTests
from plugio_conformance.abstract._store_transfers import DataStoreTransferTests

__all__ = ["AbstractDataStoreTests", "AbstractOutputReaderTests"]


class AbstractDataStoreTests(DataStoreObjectTests, DataStoreTransferTests, DataStoreKeyTests):
    """The storage contract over a ``DataStore`` at some URL (CONTRACT.md, ARCHITECTURE.md).

    Fixtures: ``store`` and ``base_url`` (a prefix of the test's own in it).
    Flags: ``supports_conditional_create``, ``supports_etag``,
    ``listing_is_consistent``.
    """


class AbstractOutputReaderTests(
    OutputReaderBasicTests, OutputReaderFileTests, OutputReaderErrorTests, EngineVisibleTests
):
    """What every ``OutputReader`` does, and what an engine concludes from it.

    Fixtures: ``make_output_reader`` (required), ``write_attempt`` (how an
    attempt's results are left for the reader), ``write_file`` and
    ``output_prefix``. Flags: ``is_file_backed``, ``enforces_payload_limit``,
    ``default_max_payload_bytes``, ``error_aggregation``.
    """
