"""One attempt: the decision answered by an output reader (and a writer to commit it)."""

from __future__ import annotations

from typing import Any

from plugio.engine._decision import Question, decide, run_decision, run_decision_async
from plugio.execution import ExecutionError
from plugio.readers import OutputReader
from plugio.writers import OutputWriter

__all__ = ["ReaderAnswers", "validate_output", "validate_output_async"]


class ReaderAnswers:
    """Answers the decision's questions with a reader's and a writer's own calls.

    :meth:`answer` uses their sync faces, :meth:`answer_async` their async
    ones; neither crosses to the other side.

    Args:
        reader: the attempt's output reader.
        writer: commits a reader that is not file-backed; asking to commit
            without one raises ``ValueError``.
    """

    def __init__(self, reader: OutputReader, writer: OutputWriter | None = None) -> None:
        self.reader = reader
        self.writer = writer

    def answer(self, question: Question) -> Any:
        """The answer to ``question`` from the blocking calls."""
        reader = self.reader
        if question is Question.IS_ERROR:
            return reader.is_error()
        if question is Question.READ_ERROR:
            return reader.read_error()
        if question is Question.OUTPUTS_EXIST:
            return reader.exists()
        if question is Question.IS_FILE:
            return reader.is_file()
        if question is Question.READ_OUTPUTS:
            return reader.read()
        return self._committer().put(reader)

    async def answer_async(self, question: Question) -> Any:
        """The answer to ``question`` from the async calls."""
        reader = self.reader
        if question is Question.IS_ERROR:
            return await reader.is_error_async()
        if question is Question.READ_ERROR:
            return await reader.read_error_async()
        if question is Question.OUTPUTS_EXIST:
            return await reader.exists_async()
        if question is Question.IS_FILE:
            return reader.is_file()  # no I/O: is_file has no async twin
        if question is Question.READ_OUTPUTS:
            return await reader.read_async()
        return await self._committer().put_async(reader)

    def _committer(self) -> OutputWriter:
        if self.writer is None:
            raise ValueError("a reader that is not file-backed needs a writer to commit it")
        return self.writer


def validate_output(
    reader: OutputReader | None, outputs_declared: bool, writer: OutputWriter | None = None
) -> ExecutionError | None:
    """The attempt's failure, or ``None`` when its outputs are in place.

    Follows the engine's order (see :mod:`plugio.engine`) with the reader's
    and the writer's blocking calls only, in the calling thread: no event
    loop is started.

    Args:
        reader: the attempt's output reader; ``None`` when the plugin gave none.
        outputs_declared: whether the task declares outputs.
        writer: commits a reader that is not file-backed (``is_file()`` False).

    Raises:
        PlugioError: a system problem (storage unreachable, an undecodable
            file, an error file over the limit): the engine's system error.
        ValueError: a reader that is not file-backed, and no writer.
    """
    decision = decide(reader_given=reader is not None, outputs_declared=outputs_declared)
    if reader is None:
        return run_decision(decision, _no_reader).error
    return run_decision(decision, ReaderAnswers(reader, writer).answer).error


async def validate_output_async(
    reader: OutputReader | None, outputs_declared: bool, writer: OutputWriter | None = None
) -> ExecutionError | None:
    """Async twin of :func:`validate_output`, with the reader's and writer's async calls."""
    decision = decide(reader_given=reader is not None, outputs_declared=outputs_declared)
    if reader is None:
        return run_decision(decision, _no_reader).error
    return (await run_decision_async(decision, ReaderAnswers(reader, writer).answer_async)).error


def _no_reader(question: Question) -> Any:
    raise AssertionError(f"the decision asked {question} of an attempt without a reader")
