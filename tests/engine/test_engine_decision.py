"""The engine's decision, one table of cases, answered by the sync and the async driver alike."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import pytest

from plugio.core import Literal, LiteralMap, Primitive, Scalar
from plugio.engine import validate_output, validate_output_async
from plugio.engine._decision import (
    AttemptState,
    Question,
    Verdict,
    decide,
    is_attempt_problem,
    problem_verdict,
    run_decision,
    run_decision_async,
)
from plugio.errors import (
    ConfigurationError,
    CorruptPayloadError,
    InvalidReferenceError,
    MissingDependencyError,
    NotFoundError,
    PayloadTooLargeError,
    PermissionDeniedError,
    TransientStorageError,
)
from plugio.execution import ErrorKind, ExecutionError
from plugio.readers import OutputReader
from plugio.writers import OutputWriter

Q = Question
FAILURE = ExecutionError("USER:Boom", "boom", ErrorKind.USER)
ONLY_MESSAGE = ExecutionError("", "a message and no code", ErrorKind.SYSTEM)
EMPTY = ExecutionError("")
OUTPUTS = LiteralMap(literals={"x": Literal(scalar=Scalar(primitive=Primitive(integer=1)))})
NO_OUTPUTS = ExecutionError("No outputs produced", "outputs not found at [x]", is_recoverable=True)
TOO_LARGE = PayloadTooLargeError("memory://b/attempt/outputs.pb", 2048, 1024)
DOWN = TransientStorageError("the store is down", "memory://b/attempt/outputs.pb")


@dataclass(frozen=True)
class Case:
    """What the attempt left (the answers), and what the decision must conclude.

    ``expected`` is ``(state, error code, outputs)``, or the exception class it raises.
    """

    name: str
    answers: dict[Question, Any]
    asked: list[Question]
    expected: tuple[AttemptState, str | None, LiteralMap | None] | type[Exception]
    reader_given: bool = True
    outputs_declared: bool = True
    read_outputs: bool = False


FAILED, SUCCEEDED = AttemptState.FAILED, AttemptState.SUCCEEDED
CASES = [
    Case("no reader, outputs declared", {}, [], (FAILED, "OutputsNotGenerated", None), False),
    Case("no reader, nothing declared", {}, [], (SUCCEEDED, None, None), False, False),
    Case(
        "an error beats outputs",
        {Q.IS_ERROR: True, Q.READ_ERROR: FAILURE, Q.OUTPUTS_EXIST: True},
        [Q.IS_ERROR, Q.READ_ERROR],
        (FAILED, "USER:Boom", None),
    ),
    Case(
        "an error is asked for even with nothing declared",
        {Q.IS_ERROR: True, Q.READ_ERROR: FAILURE},
        [Q.IS_ERROR, Q.READ_ERROR],
        (FAILED, "USER:Boom", None),
        outputs_declared=False,
    ),
    Case(
        "an error without code or message is Unknown",
        {Q.IS_ERROR: True, Q.READ_ERROR: EMPTY},
        [Q.IS_ERROR, Q.READ_ERROR],
        (FAILED, "Unknown", None),
    ),
    Case(
        "an error with a message only is kept",
        {Q.IS_ERROR: True, Q.READ_ERROR: ONLY_MESSAGE},
        [Q.IS_ERROR, Q.READ_ERROR],
        (FAILED, "", None),
    ),
    Case(
        "nothing declared and no error is success",
        {Q.IS_ERROR: False},
        [Q.IS_ERROR],
        (SUCCEEDED, None, None),
        outputs_declared=False,
    ),
    Case(
        "outputs over the limit",
        {Q.IS_ERROR: False, Q.OUTPUTS_EXIST: TOO_LARGE},
        [Q.IS_ERROR, Q.OUTPUTS_EXIST],
        (AttemptState.TOO_LARGE, "OutputSizeExceeded", None),
    ),
    Case(
        "outputs missing",
        {Q.IS_ERROR: False, Q.OUTPUTS_EXIST: False},
        [Q.IS_ERROR, Q.OUTPUTS_EXIST],
        (AttemptState.NOT_READY, "OutputsNotFound", None),
    ),
    Case(
        "outputs in place, file-backed",
        {Q.IS_ERROR: False, Q.OUTPUTS_EXIST: True, Q.IS_FILE: True},
        [Q.IS_ERROR, Q.OUTPUTS_EXIST, Q.IS_FILE],
        (SUCCEEDED, None, None),
    ),
    Case(
        "outputs in memory are committed",
        {Q.IS_ERROR: False, Q.OUTPUTS_EXIST: True, Q.IS_FILE: False, Q.COMMIT: None},
        [Q.IS_ERROR, Q.OUTPUTS_EXIST, Q.IS_FILE, Q.COMMIT],
        (SUCCEEDED, None, None),
    ),
    Case(
        "outputs read when asked",
        {
            Q.IS_ERROR: False,
            Q.OUTPUTS_EXIST: True,
            Q.IS_FILE: True,
            Q.READ_OUTPUTS: (OUTPUTS, None),
        },
        [Q.IS_ERROR, Q.OUTPUTS_EXIST, Q.IS_FILE, Q.READ_OUTPUTS],
        (SUCCEEDED, None, OUTPUTS),
        read_outputs=True,
    ),
    Case(
        "an outputs file with no entries",
        {
            Q.IS_ERROR: False,
            Q.OUTPUTS_EXIST: True,
            Q.IS_FILE: True,
            Q.READ_OUTPUTS: (None, NO_OUTPUTS),
        },
        [Q.IS_ERROR, Q.OUTPUTS_EXIST, Q.IS_FILE, Q.READ_OUTPUTS],
        (FAILED, "No outputs produced", None),
        read_outputs=True,
    ),
    Case(
        "exists failing otherwise is a system problem",
        {Q.IS_ERROR: False, Q.OUTPUTS_EXIST: DOWN},
        [Q.IS_ERROR, Q.OUTPUTS_EXIST],
        TransientStorageError,
    ),
    Case(
        "an error file over the limit is a system problem",
        {Q.IS_ERROR: TOO_LARGE},
        [Q.IS_ERROR],
        PayloadTooLargeError,
    ),
    Case(
        "an unreadable error document is a system problem",
        {Q.IS_ERROR: True, Q.READ_ERROR: CorruptPayloadError("undecodable", "e")},
        [Q.IS_ERROR, Q.READ_ERROR],
        CorruptPayloadError,
    ),
    Case(
        "a commit without a writer",
        {Q.IS_ERROR: False, Q.OUTPUTS_EXIST: True, Q.IS_FILE: False, Q.COMMIT: ValueError("w")},
        [Q.IS_ERROR, Q.OUTPUTS_EXIST, Q.IS_FILE, Q.COMMIT],
        ValueError,
    ),
]


@dataclass
class Answers:
    """Answers each question from the case, recording which were asked and on which side."""

    answers: dict[Question, Any]
    asked: list[Question] = field(default_factory=list)
    sides: set[str] = field(default_factory=set)

    def _reply(self, question: Question, side: str) -> Any:
        self.asked.append(question)
        self.sides.add(side)
        reply = self.answers[question]
        if isinstance(reply, Exception):
            raise reply
        return reply

    def answer(self, question: Question) -> Any:
        return self._reply(question, "sync")

    async def answer_async(self, question: Question) -> Any:
        await asyncio.sleep(0)
        return self._reply(question, "async")


def drive(case: Case, driver: str, answers: Answers) -> Verdict:
    decision = decide(
        reader_given=case.reader_given,
        outputs_declared=case.outputs_declared,
        read_outputs=case.read_outputs,
    )
    if driver == "sync":
        return run_decision(decision, answers.answer)
    return asyncio.run(run_decision_async(decision, answers.answer_async))


def check(case: Case, run: Any) -> None:
    if isinstance(case.expected, type):
        with pytest.raises(case.expected):
            run()
        return
    state, code, outputs = case.expected
    verdict = run()
    assert verdict.state is state
    assert (verdict.error.code if verdict.error else None) == code
    assert verdict.outputs == outputs


@pytest.mark.parametrize("driver", ["sync", "async"])
@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_the_decision_asks_in_order_and_concludes(case: Case, driver: str) -> None:
    answers = Answers(case.answers)
    check(case, lambda: drive(case, driver, answers))
    assert answers.asked == case.asked
    assert answers.sides <= {driver}


def test_the_verdicts_carry_the_engine_errors() -> None:
    too_large = drive(CASES[7], "sync", Answers(CASES[7].answers))
    assert too_large.error is not None
    assert (too_large.error.is_recoverable, too_large.error.error_uri) == (False, TOO_LARGE.ref)
    assert str(TOO_LARGE) in too_large.error.message
    missing = drive(CASES[8], "sync", Answers(CASES[8].answers))
    assert missing.error is not None
    assert missing.error.is_recoverable is True
    unknown = drive(CASES[4], "async", Answers(CASES[4].answers))
    assert unknown.error == ExecutionError("Unknown", "Unknown", ErrorKind.UNKNOWN)


class ScriptedReader(OutputReader):
    """A reader answering from a case, with both faces of its own; it records the side used."""

    def __init__(self, answers: Answers) -> None:
        self.answers = answers

    def is_file(self) -> bool:
        result: bool = self.answers._reply(Q.IS_FILE, "either")
        return result

    def is_error(self) -> bool:
        result: bool = self.answers.answer(Q.IS_ERROR)
        return result

    async def is_error_async(self) -> bool:
        result: bool = await self.answers.answer_async(Q.IS_ERROR)
        return result

    def read_error(self) -> ExecutionError:
        result: ExecutionError = self.answers.answer(Q.READ_ERROR)
        return result

    async def read_error_async(self) -> ExecutionError:
        result: ExecutionError = await self.answers.answer_async(Q.READ_ERROR)
        return result

    def exists(self) -> bool:
        result: bool = self.answers.answer(Q.OUTPUTS_EXIST)
        return result

    async def exists_async(self) -> bool:
        result: bool = await self.answers.answer_async(Q.OUTPUTS_EXIST)
        return result

    def read(self) -> tuple[LiteralMap | None, ExecutionError | None]:
        raise AssertionError("validate_output never reads the outputs")

    async def read_async(self) -> tuple[LiteralMap | None, ExecutionError | None]:
        raise AssertionError("validate_output never reads the outputs")

    def deck_exists(self) -> bool:
        raise AssertionError("validate_output never asks for the deck")

    async def deck_exists_async(self) -> bool:
        raise AssertionError("validate_output never asks for the deck")


class ScriptedWriter(OutputWriter):
    """Commits by answering the case's ``COMMIT``, on the side it is called from."""

    def __init__(self, answers: Answers) -> None:
        self.answers = answers

    def put(self, reader: OutputReader) -> None:
        self.answers.answer(Q.COMMIT)

    async def put_async(self, reader: OutputReader) -> None:
        await self.answers.answer_async(Q.COMMIT)

    def get_output_prefix_path(self) -> str:
        return "memory://scripted/attempt"

    def get_raw_output_prefix(self) -> str:
        return "memory://scripted/raw"

    def get_output_path(self) -> str:
        return "memory://scripted/attempt/outputs.pb"

    def get_deck_path(self) -> str:
        return "memory://scripted/attempt/deck.html"

    def get_error_path(self) -> str:
        return "memory://scripted/attempt/error.pb"

    def get_checkpoint_prefix(self) -> str:
        return "memory://scripted/raw/_flytecheckpoints"

    def get_previous_checkpoints_prefix(self) -> str:
        return ""


VALIDATE_CASES = [case for case in CASES if not case.read_outputs]


@pytest.mark.parametrize("driver", ["sync", "async"])
@pytest.mark.parametrize("case", VALIDATE_CASES, ids=[case.name for case in VALIDATE_CASES])
def test_validate_output_follows_the_table_on_its_own_side(case: Case, driver: str) -> None:
    answers = Answers(case.answers)
    reader = ScriptedReader(answers) if case.reader_given else None
    writer = ScriptedWriter(answers)

    def run() -> Verdict:
        if driver == "sync":
            error = validate_output(reader, case.outputs_declared, writer)
        else:
            error = asyncio.run(validate_output_async(reader, case.outputs_declared, writer))
        state = AttemptState.SUCCEEDED if error is None else _state_of(error)
        return Verdict(state, error)

    check(case, run)
    assert answers.asked == case.asked
    assert answers.sides <= {driver, "either"}


def _state_of(error: ExecutionError) -> AttemptState:
    states = {
        "OutputSizeExceeded": AttemptState.TOO_LARGE,
        "OutputsNotFound": AttemptState.NOT_READY,
    }
    return states.get(error.code, AttemptState.FAILED)


@pytest.mark.parametrize(
    ("problem", "attempt_only"),
    [
        (TransientStorageError("retries exhausted", "r"), True),
        (PermissionDeniedError("denied", "r"), True),
        (NotFoundError("gone", "r"), True),
        (CorruptPayloadError("undecodable", "r"), True),
        (TOO_LARGE, True),
        (InvalidReferenceError("bad", "r"), False),
        (MissingDependencyError("s3", "s3", "s3fs"), False),
        (ConfigurationError("bad settings"), False),
        (ValueError("a bug"), False),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, Exception) else str(value),
)
def test_which_problems_concern_one_attempt(problem: Exception, attempt_only: bool) -> None:
    assert is_attempt_problem(problem) is attempt_only


def test_a_problem_is_an_error_state_unless_a_file_is_too_large() -> None:
    assert problem_verdict(DOWN) == Verdict(AttemptState.ERROR)
    too_large = problem_verdict(TOO_LARGE)
    assert too_large.state is AttemptState.TOO_LARGE
    assert too_large.error is not None
    assert too_large.error.code == "OutputSizeExceeded"
