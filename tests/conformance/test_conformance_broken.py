"""Deliberately broken implementations fail exactly the conformance tests that name their fault.

Each one opts into the abstract suite in a pytest run of its own (on the
in-memory store); the run must fail, and the failures must be the tests
whose names say what is wrong.
"""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

BROKEN = '''
from dataclasses import replace

import pytest
from plugio_conformance import (
    AbstractInputReaderTests,
    AbstractOutputReaderTests,
    AbstractOutputWriterTests,
    ConformanceFixtures,
)

from plugio import (
    ErrorKind,
    InputPaths,
    ReadOnlyOutputPaths,
    RemoteFileInputReader,
    RemoteFileOutputReader,
    RemoteFileOutputWriter,
)
from plugio.errors import PayloadTooLargeError
from plugio.readers import InputReader


class OriginRecoverableReader(RemoteFileOutputReader):
    """Reads is_recoverable from the origin (SYSTEM) instead of the container error's kind."""

    def read_error(self):
        error = super().read_error()
        return replace(error, is_recoverable=error.kind == ErrorKind.SYSTEM)

    async def read_error_async(self):
        return self.read_error()


class EqualIsTooLargeReader(RemoteFileOutputReader):
    """Refuses a file whose size equals the limit (size >= limit)."""

    def exists(self):
        info = self._store.head(self.paths.get_output_path())
        if info.exists and info.size >= self.max_payload_bytes:
            raise PayloadTooLargeError(info.ref, info.size, self.max_payload_bytes)
        return info.exists


class OriginRecoverableFixtures(ConformanceFixtures):
    @pytest.fixture
    def make_output_reader(self, store):
        return lambda prefix, **options: OriginRecoverableReader(
            store, ReadOnlyOutputPaths(store, prefix), **options
        )


class SizeBlindFixtures(ConformanceFixtures):
    """Ignores the size limit it is given."""

    @pytest.fixture
    def make_output_reader(self, store):
        return lambda prefix, **options: RemoteFileOutputReader(
            store, ReadOnlyOutputPaths(store, prefix), max_payload_bytes=None
        )


class EqualIsTooLargeFixtures(ConformanceFixtures):
    @pytest.fixture
    def make_output_reader(self, store):
        def make(prefix, max_payload_bytes=2 * 1024 * 1024):
            paths = ReadOnlyOutputPaths(store, prefix)
            return EqualIsTooLargeReader(store, paths, max_payload_bytes=max_payload_bytes)
        return make


class OriginDroppingWriterFixtures(ConformanceFixtures):
    """Writes code, message and kind only, as Flyte's engine does."""

    @pytest.fixture
    def make_output_writer(self, store):
        class OriginDroppingWriter(RemoteFileOutputWriter):
            def put(self, reader):
                outputs, error = reader.read()
                if error is not None:
                    error = replace(error, kind=ErrorKind.UNKNOWN, timestamp=None, worker="")
                store.write_protobuf(self.get_error_path(), error.to_error_document())

        return lambda paths: OriginDroppingWriter(store, paths)


class FailureCachingReader(InputReader):
    """Keeps the first outcome, failures included."""

    def __init__(self, reader):
        self._reader, self._outcome = reader, None

    def get_input_prefix_path(self):
        return self._reader.get_input_prefix_path()

    def get_input_path(self):
        return self._reader.get_input_path()

    def get(self):
        if self._outcome is None:
            try:
                self._outcome = self._reader.get()
            except Exception as exc:
                self._outcome = exc
        if isinstance(self._outcome, Exception):
            raise self._outcome
        return self._outcome


class FailureCachingFixtures(ConformanceFixtures):
    caches_inputs = True

    @pytest.fixture
    def make_input_reader(self, store):
        def make(prefix, **options):
            paths = InputPaths(store, prefix)
            return FailureCachingReader(RemoteFileInputReader(store, paths, **options))
        return make


class TestOriginRecoverable(AbstractOutputReaderTests, OriginRecoverableFixtures):
    pass


class TestSizeBlind(AbstractOutputReaderTests, SizeBlindFixtures):
    pass


class TestEqualIsTooLarge(AbstractOutputReaderTests, EqualIsTooLargeFixtures):
    pass


class TestOriginDropping(AbstractOutputWriterTests, OriginDroppingWriterFixtures):
    pass


class TestFailureCaching(AbstractInputReaderTests, FailureCachingFixtures):
    pass
'''


def failed_tests(pytester: pytest.Pytester, test_class: str) -> set[str]:
    """The names of the tests of ``test_class`` that fail, its suite run in-process."""
    pytester.makepyfile(test_broken=BROKEN)
    # Hypothesis's plugin would import all of hypothesis again in every inner run. No
    # "-W error": a warning left by an earlier test of this process must not count here.
    options = ["-p", "no:cacheprovider", "-p", "no:hypothesispytest"]
    recorded = pytester.inline_run(*options, "-k", test_class)
    passed, _, failed = recorded.listoutcomes()
    assert passed, "the broken implementation should still pass most of the suite"
    return {report.nodeid.split("::")[-1].partition("[")[0] for report in failed}


def test_reading_recoverable_from_origin_is_caught(pytester: pytest.Pytester) -> None:
    assert failed_tests(pytester, "TestOriginRecoverable") == {
        "test_read_error_recoverable_comes_from_container_kind_not_origin",
        "test_recoverable_and_non_recoverable_errors_keep_their_kind",
        "test_async_twins_agree_on_an_error",
        "test_engine_lets_an_error_beat_outputs",
        "test_golden_error_documents_read_as_expected",
        "test_read_error_non_recoverable_is_the_default",
    }


def test_ignoring_the_size_limit_is_caught(pytester: pytest.Pytester) -> None:
    assert failed_tests(pytester, "TestSizeBlind") == {
        "test_exists_refuses_size_over_limit",
        "test_is_error_refuses_size_over_limit",
        "test_read_refuses_outputs_over_limit",
        "test_read_error_refuses_size_over_limit",
        "test_async_twins_refuse_size_over_limit",
        "test_limit_is_per_reader",
        "test_default_limit_is_flytes_two_mebibytes",
        "test_engine_reports_oversize_outputs_as_not_recoverable",
    }


def test_refusing_a_size_equal_to_the_limit_is_caught(pytester: pytest.Pytester) -> None:
    assert "test_exists_allows_size_equal_to_limit" in failed_tests(pytester, "TestEqualIsTooLarge")


def test_dropping_origin_timestamp_and_worker_is_caught(pytester: pytest.Pytester) -> None:
    assert "test_error_round_trip_is_lossless" in failed_tests(pytester, "TestOriginDropping")


def test_caching_a_failure_is_caught(pytester: pytest.Pytester) -> None:
    assert failed_tests(pytester, "TestFailureCaching") == {
        "test_cached_reader_never_caches_failures"
    }
