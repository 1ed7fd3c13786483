"""What an engine concludes from an output reader and from a store of many attempts.

The first tests hand the reader under test to plugio's ``validate_output``,
so they check that the reader answers what the engine asks in the way the
engine relies on: an error beats outputs, a too-large file is not
recoverable, a reader that is not file-backed is committed with the writer.

The batch tests run plugio's ``check_attempts`` over the store, in the
reader's error layout (``error_aggregation``): every attempt gets its state,
and one that cannot be read or checked is ERROR without hiding the others.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from plugio.engine import (
    AttemptState,
    AttemptStatus,
    check_attempts,
    check_attempts_async,
    validate_output,
)
from plugio.errors import (
    CorruptPayloadError,
    InvalidReferenceError,
    PermissionDeniedError,
    PlugioError,
    TransientStorageError,
)
from plugio.execution import ErrorKind
from plugio.paths import ERROR_FILE, OUTPUTS_FILE, ReadOnlyOutputPaths
from plugio.readers import EarliestErrorStrategy, ErrorStrategy
from plugio.references import join
from plugio.storage import DataStore
from plugio.writers import BufferedOutputWriter
from plugio_conformance.abstract._fixtures import (
    ConformanceFixtures,
    MakeOutputReader,
    WriteAttempt,
    WriteFile,
)
from plugio_conformance.abstract._values import (
    LIMIT,
    STAMP,
    container_error,
    failure,
    integers,
    run_async,
)
from plugio_conformance.abstract._writers import RecordingReader

__all__ = ["EngineBatchTests", "EngineVisibleTests", "break_prefix"]


class EngineBatchTests(ConformanceFixtures):
    """``check_attempts`` over the store, in the error layout of the reader under test."""

    def _batch(self) -> ErrorStrategy | None:
        """Skip unless the attempts are files in the store; the strategy for the layout."""
        self.require("is_file_backed", "the batch check reads the files under each prefix")
        if self.error_aggregation == "earliest":
            self.require("listing_is_consistent", "the earliest error is found by listing")
            return EarliestErrorStrategy()
        return None

    def _check(self, store: DataStore, prefixes: list[str], **options: Any) -> list[AttemptStatus]:
        """The sync and the async batch, which must agree; the statuses."""
        options.setdefault("error_strategy", self._batch())
        statuses = check_attempts(store, prefixes, max_payload_bytes=LIMIT, **options)
        again = run_async(check_attempts_async(store, prefixes, max_payload_bytes=LIMIT, **options))
        assert [(status.state, status.error, status.outputs) for status in again] == [
            (status.state, status.error, status.outputs) for status in statuses
        ]
        assert [status.output_prefix for status in statuses] == prefixes
        return statuses

    def test_engine_batch_tells_every_state_apart(
        self, store: DataStore, write_attempt: WriteAttempt, write_file: WriteFile, base_url: str
    ) -> None:
        names = ("ok", "failed", "both", "pending", "big")
        prefixes = {name: join(base_url, "batch", name) for name in names}
        write_attempt(prefixes["ok"], outputs=integers(a=1))
        write_attempt(prefixes["failed"], error=failure("USER:Boom"))
        write_attempt(prefixes["both"], outputs=integers(a=1), error=failure("USER:Late"))
        write_file(join(prefixes["big"], OUTPUTS_FILE), b"x" * (LIMIT + 1))
        statuses = self._check(store, list(prefixes.values()), read_outputs=True)
        by_name = dict(zip(names, statuses, strict=True))
        assert {name: status.state for name, status in by_name.items()} == {
            "ok": AttemptState.SUCCEEDED,
            "failed": AttemptState.FAILED,
            "both": AttemptState.FAILED,
            "pending": AttemptState.NOT_READY,
            "big": AttemptState.TOO_LARGE,
        }
        assert by_name["ok"].outputs == integers(a=1)
        assert by_name["failed"].error == failure("USER:Boom")
        assert by_name["both"].error == failure("USER:Late")
        assert by_name["big"].error is not None
        assert by_name["big"].error.code == "OutputSizeExceeded"
        assert all(status.problem is None for status in statuses)

    def test_engine_batch_finds_workers_error_files_in_the_earliest_layout(
        self, store: DataStore, write_file: WriteFile, base_url: str
    ) -> None:
        from datetime import timedelta

        strategy = self._batch()
        prefix = join(base_url, "batch", "workers")
        for worker, seconds in (("w1", 30), ("w2", 10), ("w3", 20)):
            written = container_error(code=worker, when=STAMP + timedelta(seconds=seconds))
            write_file(join(prefix, f"error-{worker}.pb"), _document(written))
        [status] = self._check(store, [prefix], error_strategy=strategy)
        if strategy is None:  # the single layout never sees the workers' files
            assert status.state is AttemptState.NOT_READY
            return
        assert status.state is AttemptState.FAILED
        assert status.error is not None
        assert (status.error.code, status.error.timestamp) == ("w2", STAMP + timedelta(seconds=10))

    def test_engine_batch_reports_an_undecodable_error_file_on_its_attempt_only(
        self, store: DataStore, write_attempt: WriteAttempt, write_file: WriteFile, base_url: str
    ) -> None:
        self._batch()
        prefixes = [join(base_url, "batch", name) for name in ("ok", "corrupt", "failed")]
        write_attempt(prefixes[0], outputs=integers(a=1))
        write_file(join(prefixes[1], ERROR_FILE), b"\xff\xff\xff")
        write_attempt(prefixes[2], error=failure("USER:Boom"))
        statuses = self._check(store, prefixes)
        assert [status.state for status in statuses] == [
            AttemptState.SUCCEEDED,
            AttemptState.ERROR,
            AttemptState.FAILED,
        ]
        assert isinstance(statuses[1].problem, CorruptPayloadError)
        assert statuses[1].error is None
        assert join(prefixes[1], ERROR_FILE) in statuses[1].message
        assert "\n" not in statuses[1].message

    @pytest.mark.parametrize(
        "problem",
        [
            TransientStorageError("read failed after 4 attempts: SlowDown", attempts=4),
            PermissionDeniedError("access denied"),
        ],
        ids=["retries-exhausted", "permission-denied"],
    )
    def test_engine_batch_reports_a_failing_prefix_as_error_for_it_only(
        self,
        store: DataStore,
        write_attempt: WriteAttempt,
        base_url: str,
        monkeypatch: pytest.MonkeyPatch,
        problem: PlugioError,
    ) -> None:
        self._batch()
        prefixes = [join(base_url, "batch", f"attempt-{index}") for index in range(6)]
        for prefix in prefixes[::2]:
            write_attempt(prefix, outputs=integers(a=1))
        break_prefix(monkeypatch, store, prefixes[3], problem)
        statuses = self._check(store, prefixes, concurrency=2)
        expected = [AttemptState.SUCCEEDED, AttemptState.NOT_READY] * 3
        expected[3] = AttemptState.ERROR
        assert [status.state for status in statuses] == expected
        assert isinstance(statuses[3].problem, type(problem))
        assert [status.problem for status in statuses if status is not statuses[3]] == [None] * 5

    def test_engine_batch_raises_for_a_prefix_that_is_not_a_reference(
        self, store: DataStore, base_url: str
    ) -> None:
        strategy = self._batch()
        prefixes = [join(base_url, "batch", "fine"), ""]
        with pytest.raises(InvalidReferenceError):
            check_attempts(store, prefixes, error_strategy=strategy)
        with pytest.raises(InvalidReferenceError):
            run_async(check_attempts_async(store, prefixes, error_strategy=strategy))


class EngineVisibleTests(EngineBatchTests):
    """``validate_output`` over the reader under test, and the batch check over its store."""

    def test_engine_reports_no_reader_as_outputs_not_generated(self) -> None:
        error = validate_output(None, outputs_declared=True)
        assert error is not None
        assert (error.code, error.is_recoverable) == ("OutputsNotGenerated", True)
        assert validate_output(None, outputs_declared=False) is None

    def test_engine_raises_other_exists_failures_as_system_errors(self) -> None:
        class Unreachable(RecordingReader):
            def exists(self) -> bool:
                raise TransientStorageError("storage is unreachable")

        with pytest.raises(TransientStorageError):
            validate_output(Unreachable(), outputs_declared=True)

    def test_engine_reports_the_error_even_without_declared_outputs(
        self, make_output_reader: MakeOutputReader, write_attempt: WriteAttempt, output_prefix: str
    ) -> None:
        write_attempt(output_prefix, error=failure("USER:Boom"))
        error = validate_output(make_output_reader(output_prefix), outputs_declared=False)
        assert error is not None
        assert error.code == "USER:Boom"

    def test_engine_lets_an_error_beat_outputs(
        self,
        make_output_reader: MakeOutputReader,
        write_attempt: WriteAttempt,
        output_prefix: str,
        store: DataStore,
    ) -> None:
        error = failure("USER:Late", recoverable=True)
        write_attempt(output_prefix, outputs=integers(a=1), error=error)
        writer = BufferedOutputWriter(ReadOnlyOutputPaths(store, output_prefix))
        assert validate_output(make_output_reader(output_prefix), True, writer) == error
        assert writer.get_reader() is None

    def test_engine_accepts_declared_outputs(
        self,
        make_output_reader: MakeOutputReader,
        write_attempt: WriteAttempt,
        output_prefix: str,
        store: DataStore,
    ) -> None:
        write_attempt(output_prefix, outputs=integers(a=1))
        reader = make_output_reader(output_prefix)
        writer = BufferedOutputWriter(ReadOnlyOutputPaths(store, output_prefix))
        assert validate_output(reader, outputs_declared=True, writer=writer) is None
        # Only a reader that is not file-backed needs the engine to commit it.
        assert (writer.get_reader() is reader) is not self.is_file_backed

    def test_engine_accepts_nothing_when_nothing_is_declared(
        self, make_output_reader: MakeOutputReader, write_attempt: WriteAttempt, output_prefix: str
    ) -> None:
        write_attempt(output_prefix)
        assert validate_output(make_output_reader(output_prefix), outputs_declared=False) is None

    def test_engine_reports_missing_outputs_as_outputs_not_found_recoverable(
        self, make_output_reader: MakeOutputReader, write_attempt: WriteAttempt, output_prefix: str
    ) -> None:
        write_attempt(output_prefix)
        error = validate_output(make_output_reader(output_prefix), outputs_declared=True)
        assert error is not None
        assert (error.code, error.is_recoverable) == ("OutputsNotFound", True)

    def test_engine_reports_oversize_outputs_as_not_recoverable(
        self, make_output_reader: MakeOutputReader, write_file: WriteFile, output_prefix: str
    ) -> None:
        self.require("is_file_backed", "the reader does not read files under the prefix")
        self.require("enforces_payload_limit", "the reader accepts files of any size")
        path = join(output_prefix, OUTPUTS_FILE)
        write_file(path, b"x" * (LIMIT + 1))
        reader = make_output_reader(output_prefix, max_payload_bytes=LIMIT)
        error = validate_output(reader, outputs_declared=True)
        assert error is not None
        assert (error.code, error.is_recoverable) == ("OutputSizeExceeded", False)
        assert path in error.message

    def test_engine_reports_an_error_without_content_as_unknown(
        self, make_output_reader: MakeOutputReader, write_file: WriteFile, output_prefix: str
    ) -> None:
        self.require("is_file_backed", "the reader does not read error documents")
        # ErrorDocument{error: ContainerError{}}: an error is there, with nothing in it.
        write_file(join(output_prefix, ERROR_FILE), b"\x0a\x00")
        error = validate_output(make_output_reader(output_prefix), outputs_declared=True)
        assert error is not None
        assert (error.code, error.message, error.kind) == ("Unknown", "Unknown", ErrorKind.UNKNOWN)


def _document(error: Any) -> bytes:
    from plugio.core import ErrorDocument

    data: bytes = ErrorDocument(error=error).SerializeToString(deterministic=True)
    return data


def break_prefix(
    monkeypatch: pytest.MonkeyPatch, store: DataStore, prefix: str, problem: Exception
) -> None:
    """Make every request of ``store`` under ``prefix`` raise ``problem``, on both faces."""

    def broken(ref: str) -> bool:
        return ref.startswith(f"{prefix}/")

    for name in ("head", "read_bytes"):
        blocking_call, async_call = getattr(store, name), getattr(store, f"{name}_async")

        def blocking(ref: str, *args: Any, _call: Any = blocking_call, **kwargs: Any) -> Any:
            if broken(ref):
                raise problem
            return _call(ref, *args, **kwargs)

        async def awaited(ref: str, *args: Any, _call: Any = async_call, **kwargs: Any) -> Any:
            if broken(ref):
                raise problem
            return await _call(ref, *args, **kwargs)

        monkeypatch.setattr(store, name, blocking)
        monkeypatch.setattr(store, f"{name}_async", awaited)
    for name in ("head_many", "read_many"):  # each item answers as the single call would
        many, many_async = getattr(store, name), getattr(store, f"{name}_async")

        def each(refs: list[str], found: list[Any]) -> list[Any]:
            return [problem if broken(ref) else item for ref, item in zip(refs, found, strict=True)]

        def blocking_many(refs: list[str], *args: Any, _call: Any = many, **kwargs: Any) -> Any:
            return each(refs, _call(refs, *args, **kwargs))

        async def awaited_many(
            refs: list[str], *args: Any, _call: Any = many_async, **kwargs: Any
        ) -> Any:
            return each(refs, await _call(refs, *args, **kwargs))

        monkeypatch.setattr(store, name, blocking_many)
        monkeypatch.setattr(store, f"{name}_async", awaited_many)
    listing, listing_async = store.list, store.list_async

    def list_blocking(ref: str, **kwargs: Any) -> Iterator[Any]:
        if broken(ref):
            raise problem
        return listing(ref, **kwargs)

    async def list_awaited(ref: str, **kwargs: Any) -> AsyncIterator[Any]:
        if broken(ref):
            raise problem
        async for page in listing_async(ref, **kwargs):
            yield page

    monkeypatch.setattr(store, "list", list_blocking)
    monkeypatch.setattr(store, "list_async", list_awaited)
