"""Many attempts: every output prefix's status, one decision each, none blinding the rest."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from types import EllipsisType
from typing import Any

from plugio._twins import run_in_thread
from plugio.core import LiteralMap
from plugio.engine._decision import (
    AttemptState,
    Decision,
    Question,
    Verdict,
    decide,
    is_attempt_problem,
    problem_verdict,
    run_decision,
    run_decision_async,
)
from plugio.engine._validate import ReaderAnswers
from plugio.errors import ConfigurationError, PlugioError
from plugio.execution import ExecutionError
from plugio.paths import DECK_FILE, ERROR_FILE, OUTPUTS_FILE, OutputFilePaths
from plugio.readers import (
    ErrorStrategy,
    RemoteFileOutputReader,
    SingleErrorStrategy,
    exists_within,
    payload_limit,
)
from plugio.references import join
from plugio.storage import DataStore, ObjectInfo, bounded_gather

__all__ = ["AttemptStatus", "check_attempts", "check_attempts_async"]

# The questions the facts answer, as plain names (cheaper than the enum's lookup).
_IS_ERROR, _READ_ERROR = Question.IS_ERROR, Question.READ_ERROR
_OUTPUTS_EXIST, _IS_FILE = Question.OUTPUTS_EXIST, Question.IS_FILE
_NOT_READY, _ERROR = AttemptState.NOT_READY, AttemptState.ERROR

#: The batch reads the single ``error.pb`` unless told otherwise, as the reader does.
_SINGLE_ERROR_FILE = SingleErrorStrategy()


@dataclass(frozen=True, slots=True)
class AttemptStatus:
    """One attempt's state, as the engine sees its output prefix.

    ``error`` is the task's ``ExecutionError`` for FAILED and TOO_LARGE;
    ``outputs`` is set when they were read; ``problem`` is the plugio error
    that left the state unknown, for ERROR.
    """

    output_prefix: str
    state: AttemptState
    error: ExecutionError | None = None
    outputs: LiteralMap | None = None
    problem: PlugioError | None = None

    @property
    def message(self) -> str:
        """One line on what went wrong, ``""`` when nothing did.

        For ERROR the problem's class and the first line of its text; for
        FAILED and TOO_LARGE the error's code and the first line of its message.
        """
        if self.problem is not None:
            return _first_line(f"{type(self.problem).__name__}: {self.problem}")
        if self.error is not None:
            return _first_line(f"{self.error.code}: {self.error.message}")
        return ""


def check_attempts(
    store: DataStore,
    output_prefixes: Iterable[str],
    *,
    concurrency: int = 64,
    read_outputs: bool = False,
    max_payload_bytes: int | EllipsisType | None = ...,
    error_strategy: ErrorStrategy | None = None,
) -> list[AttemptStatus]:
    """Sync twin of :func:`check_attempts_async`.

    When the store prefers blocking calls for every prefix (local disk,
    memory), the attempts are checked one by one in the calling thread, with
    no event loop and no thread; otherwise the async batch runs to completion.
    """
    batch = _Batch(
        store, output_prefixes, concurrency, read_outputs, max_payload_bytes, error_strategy
    )
    if batch.prefers_blocking():
        return batch.check_one_by_one()
    return store.run(batch.check_concurrently(), *(paths.prefix for paths in batch.paths))


async def check_attempts_async(
    store: DataStore,
    output_prefixes: Iterable[str],
    *,
    concurrency: int = 64,
    read_outputs: bool = False,
    max_payload_bytes: int | EllipsisType | None = ...,
    error_strategy: ErrorStrategy | None = None,
) -> list[AttemptStatus]:
    """Every attempt's status, in the order of ``output_prefixes``.

    Each attempt gets the engine's decision (see :mod:`plugio.engine`) with
    outputs declared: its error wins, found in one request where the strategy
    allows (one read of ``error.pb``; one listing for the earliest-error
    layout); otherwise one HEAD of ``outputs.pb``; outputs are read only with
    ``read_outputs``. At most ``concurrency`` attempts are in flight. Where
    the store prefers blocking calls for every prefix (local disk, memory),
    they are checked one by one in a single worker thread instead.

    An attempt that cannot be read or checked (a corrupt error file, retries
    exhausted, permission denied under its prefix) gets the ERROR state with
    the plugio error as its ``problem``; the others are unaffected. A file
    over the size limit, the error file included, is TOO_LARGE.

    Args:
        store: the store holding the prefixes.
        output_prefixes: the attempts' output prefixes.
        concurrency: the most attempts checked at once (at least 1).
        read_outputs: read the outputs of attempts that succeeded.
        max_payload_bytes: the largest ``outputs.pb`` or error file accepted;
            by default the store's ``limits.max_payload_bytes``; ``None`` is
            unlimited.
        error_strategy: where each attempt's error comes from; by default the
            single ``error.pb``; :class:`~plugio.readers.EarliestErrorStrategy`
            for workers' ``error-<id>.pb`` files.

    Raises:
        ValueError: ``concurrency`` below 1 or a negative ``max_payload_bytes``.
        InvalidReferenceError: a prefix is not a valid reference (before any request).
        MissingDependencyError, ConfigurationError: the store cannot serve the
            prefixes at all.
    """
    batch = _Batch(
        store, output_prefixes, concurrency, read_outputs, max_payload_bytes, error_strategy
    )
    if batch.prefers_blocking():
        return await run_in_thread(batch.check_one_by_one)
    return await batch.check_concurrently()


class _Batch:
    """The attempts of one call, their paths joined (and checked) before any request."""

    def __init__(
        self,
        store: DataStore,
        output_prefixes: Iterable[str],
        concurrency: int,
        read_outputs: bool,
        max_payload_bytes: int | EllipsisType | None,
        error_strategy: ErrorStrategy | None,
    ) -> None:
        if concurrency < 1:
            raise ValueError(f"concurrency must be at least 1, not {concurrency}")
        self.store = store
        self.limit = payload_limit(store, max_payload_bytes)
        self.concurrency = concurrency
        self.read_outputs = read_outputs
        self.strategy = error_strategy if error_strategy is not None else _SINGLE_ERROR_FILE
        self.paths = [_PrefixPaths(prefix) for prefix in output_prefixes]

    def prefers_blocking(self) -> bool:
        """Whether the store prefers blocking calls for every prefix."""
        return self.store.prefers_blocking(*(paths.prefix for paths in self.paths))

    def check_one_by_one(self) -> list[AttemptStatus]:
        """Every attempt in turn, with the blocking calls, in this thread.

        The error files are found as one batch of the strategy's, and the
        outputs of the attempts without an error are HEADed as one batch of
        the store's; each attempt's decision is then answered from those facts.
        """
        errors = self.strategy.find_errors(
            self.store, [paths.error_path for paths in self.paths], self.limit
        )
        pairs = list(zip(self.paths, errors, strict=True))
        unanswered = [paths.get_output_path() for paths, error in pairs if error is None]
        heads = iter(self.store.head_many(unanswered))
        return [
            self._check(paths, _Facts(error, next(heads) if error is None else None, self.limit))
            for paths, error in pairs
        ]

    async def check_concurrently(self) -> list[AttemptStatus]:
        """Every attempt with the async calls, at most ``concurrency`` at once."""

        def job(paths: _PrefixPaths) -> Callable[[], Awaitable[AttemptStatus]]:
            return lambda: self._check_async(paths)

        return await bounded_gather([job(paths) for paths in self.paths], self.concurrency)

    def _check(self, paths: _PrefixPaths, facts: _Facts) -> AttemptStatus:
        def answer(question: Question) -> Any:
            if question is Question.READ_OUTPUTS:  # the one answer not found beforehand
                return self._reader(paths).read()
            return facts.answer(question)

        try:
            verdict = run_decision(self._decision(), answer if self.read_outputs else facts.answer)
        except Exception as exc:
            if not is_attempt_problem(exc):
                raise
            return _status(paths.prefix, problem_verdict(exc), exc)
        return _status(paths.prefix, verdict)

    async def _check_async(self, paths: _PrefixPaths) -> AttemptStatus:
        answers = _AttemptAnswers(self._reader(paths))
        try:
            verdict = await run_decision_async(self._decision(), answers.answer_async)
        except Exception as exc:
            if not is_attempt_problem(exc):
                raise
            return _status(paths.prefix, problem_verdict(exc), exc)
        return _status(paths.prefix, verdict)

    def _decision(self) -> Decision:
        return decide(reader_given=True, outputs_declared=True, read_outputs=self.read_outputs)

    def _reader(self, paths: _PrefixPaths) -> RemoteFileOutputReader:
        return RemoteFileOutputReader(
            self.store, paths, max_payload_bytes=self.limit, error_strategy=self.strategy
        )


class _AttemptAnswers(ReaderAnswers):
    """A remote-file reader's async answers, with the error found in one go.

    ``is_error`` asks the reader's ``find_error_async``, which also reads the
    error (one request for ``error.pb``); ``read_error`` then answers from it.
    (The blocking batch answers from :class:`_Facts` instead.)
    """

    def __init__(self, reader: RemoteFileOutputReader) -> None:
        super().__init__(reader)
        self.files = reader
        self.error: ExecutionError | None = None

    async def answer_async(self, question: Question) -> Any:
        if question is Question.IS_ERROR:
            self.error = await self.files.find_error_async()
            return self.error is not None
        if question is Question.READ_ERROR:
            return self.error
        return await super().answer_async(question)


class _Facts:
    """An attempt's answers, found beforehand in batches: its error file, its outputs' HEAD.

    A failure found for either is raised when its question is asked, as the
    reader's own call would have raised it.
    """

    def __init__(
        self,
        error: ExecutionError | PlugioError | None,
        outputs: ObjectInfo | PlugioError | None,
        limit: int | None,
    ) -> None:
        self.error = error
        self.outputs = outputs
        self.limit = limit

    def answer(self, question: Question) -> Any:
        if question is _IS_ERROR or question is _READ_ERROR:
            if isinstance(self.error, PlugioError):
                raise self.error
            return self.error is not None if question is _IS_ERROR else self.error
        if question is _OUTPUTS_EXIST:
            if isinstance(self.outputs, PlugioError):
                raise self.outputs
            return self.outputs is not None and exists_within(self.outputs, self.limit)
        if question is _IS_FILE:
            return True
        raise ValueError(f"a remote-file attempt has no answer to {question.name}")


class _PrefixPaths(OutputFilePaths):
    """Read-only output paths under one prefix, joined once (as ``ReadOnlyOutputPaths``).

    The file names need no escaping, so the other files sit next to the
    joined error path; the prefix is checked by that join.

    Raises:
        InvalidReferenceError: the prefix is not a valid reference.
    """

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.error_path = join(prefix, ERROR_FILE)
        folder = self.error_path[: -len(ERROR_FILE)]
        self.folder = folder if folder.endswith("/") else None

    def get_output_prefix_path(self) -> str:
        return self.prefix

    def get_error_path(self) -> str:
        return self.error_path

    def get_output_path(self) -> str:
        return self._beside(OUTPUTS_FILE)

    def get_deck_path(self) -> str:
        return self._beside(DECK_FILE)

    def get_raw_output_prefix(self) -> str:
        raise ConfigurationError(f"the output paths under {self.prefix!r} are read-only")

    def get_checkpoint_prefix(self) -> str:
        raise ConfigurationError(f"the output paths under {self.prefix!r} are read-only")

    def get_previous_checkpoints_prefix(self) -> str:
        return ""

    def _beside(self, name: str) -> str:
        return self.folder + name if self.folder is not None else join(self.prefix, name)


def _status(prefix: str, verdict: Verdict, problem: PlugioError | None = None) -> AttemptStatus:
    """The status reporting ``verdict``; ``problem`` is kept for the ERROR state only."""
    error = None if verdict.state is _NOT_READY else verdict.error
    if verdict.state is not _ERROR:
        problem = None
    return AttemptStatus(prefix, verdict.state, error, verdict.outputs, problem)


def _first_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[0] if lines else ""
