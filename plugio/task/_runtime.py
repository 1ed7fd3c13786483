"""The runtime of a raw container: what ``plugio run`` does around a command.

1. preflight (:meth:`TaskRun.preflight`): every prefix parses, its backend is
   installed, the store accepts a write where the outputs go;
2. read ``inputs.pb`` and materialise it in ``<workdir>/inputs``: ``inputs.json``
   with every value, one file per primitive value (its text), blobs downloaded
   to ``inputs/<name>``; restore the previous attempt's checkpoint into
   ``<workdir>/checkpoint``;
3. run the command in a process group of its own with ``PLUGIO_INPUT_DIR``,
   ``PLUGIO_OUTPUT_DIR``, ``PLUGIO_CHECKPOINT_DIR``, ``PLUGIO_METRICS`` (and
   ``PLUGIO_RAW_OUTPUT_PREFIX``) set, its console streamed live to
   ``<outputs>/stream`` (see ``plugio logs``) and its metrics file followed;
   SIGTERM and SIGINT are forwarded to it (see :mod:`plugio.task._signals`);
4. save the checkpoint folder (also when the command failed: a retry resumes);
5. when the command wrote ``outputs.pb`` or an error document under the
   output prefix itself (an SDK's entrypoint), keep them and follow them;
   otherwise turn what it left in ``<workdir>/outputs`` into ``outputs.pb``:
   ``outputs.json`` (an object of values) plus every other file or folder as a
   blob named after it (``model.bin`` → ``model``), uploaded under the raw
   output prefix; ``deck.html`` becomes the deck; large literals offloaded as
   ``_F_L_MIN_SIZE_MB`` / ``_F_L_MAX_SIZE_MB`` ask;
6. on failure write ``error.pb`` instead: the command's own ``error.json``
   (``{"code": str, "message": str, "recoverable": bool, "kind": "USER" |
   "SYSTEM"}``, all optional), else as :mod:`plugio.task._failures` tabulates
   (``Interrupted``, ``OOMKilled``, ``USER:ExitCode<n>``, ...); a declared
   output missing is ``USER:OutputsNotFound``; outputs that cannot be
   converted or stored are classified as :func:`report_failure` does.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import signal
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, cast

from plugio.execution import ExecutionError
from plugio.generation import FlyteGeneration
from plugio.literals import BlobRef, LocalBlob, from_literal_map
from plugio.paths import DECK_FILES, InputPaths, RemoteCheckpointPaths
from plugio.readers import RemoteFileInputReader
from plugio.references import join
from plugio.service import ServiceFinish
from plugio.storage import DataStore
from plugio.stream import StreamState, StreamWriter
from plugio.task import _attempt_stream as attempt_stream
from plugio.task._attempt_stream import AttemptSink
from plugio.task._checkpoints import Checkpoint
from plugio.task._command import CommandOutcome, run_command
from plugio.task._commit import (
    ERROR_JSON,
    OutputsNotFound,
    collect_outputs,
    commit_outputs,
    documents_written,
    own_error,
)
from plugio.task._error_document import Phase, write_error_document
from plugio.task._error_rules import error_for_generation, report_failure_for
from plugio.task._failures import command_failure, interrupted_error
from plugio.task._metrics import METRICS_ENV, MetricsFile
from plugio.task._preflight import preflight
from plugio.task._run_types import RunOptions, RunResult
from plugio.task._signals import Interrupted, SignalGuard

__all__ = ["TaskRun"]

_CLOSE_DEADLINE = 30.0
_CLOSE_DEADLINE_INTERRUPTED = 4.0  # the pod's grace period is running out


class _Stop(Exception):
    """A failure already classified; carries the ExecutionError to report."""

    def __init__(self, error: ExecutionError) -> None:
        super().__init__(error.message)
        self.error = error


@dataclass
class TaskRun:
    """One attempt of ``command`` between an input prefix and an output prefix.

    Attributes:
        store: The store every prefix belongs to.
        command: The command and its arguments.
        outputs: The attempt's output prefix.
        inputs: The input prefix holding ``inputs.pb``; None for no inputs.
        raw_output_prefix: Where blobs and the checkpoint go; None for
            ``<outputs>/raw`` (Flyte 1), or the output prefix itself, as
            Flyte 2's engine places them (Flyte 2).
        previous_checkpoint: The previous attempt's checkpoint prefix to
            restore; ``""`` for none.
        options: How the attempt runs.
        service: Stream through the plugio service (started if need be): the
            command's processes and their children can then write to the
            attempt's stream too (see :mod:`plugio.service`).
    """

    store: DataStore
    command: Sequence[str]
    outputs: str
    inputs: str | None = None
    raw_output_prefix: str | None = None
    previous_checkpoint: str = ""
    options: RunOptions = field(default_factory=RunOptions)
    service: bool = False

    def __post_init__(self) -> None:
        default_raw = self.outputs if self.options.flyte is FlyteGeneration.FLYTE2 else None
        self.raw_prefix = self.raw_output_prefix or default_raw or join(self.outputs, "raw")
        self.paths = RemoteCheckpointPaths(
            self.store,
            self.outputs,
            self.raw_prefix,
            self.previous_checkpoint,
            deck_file_name=DECK_FILES[self.options.flyte],
        )
        self.work = Path(self.options.workdir or tempfile.mkdtemp(prefix="plugio-run-"))
        self.checkpoint = Checkpoint(self.store, self.paths, flyte=self.options.flyte)
        self._writer: AttemptSink | None = None
        self._journal_kept = False
        self.stream_finish: ServiceFinish | None = None  # the service's answer to the finish

    @property
    def input_dir(self) -> Path:
        """Where the inputs are materialised (``PLUGIO_INPUT_DIR``)."""
        return self.work / "inputs"

    @property
    def output_dir(self) -> Path:
        """Where the command leaves its outputs (``PLUGIO_OUTPUT_DIR``)."""
        return self.work / "outputs"

    @property
    def checkpoint_dir(self) -> Path:
        """The checkpoint folder, restored before and saved after (``PLUGIO_CHECKPOINT_DIR``)."""
        return self.work / "checkpoint"

    @property
    def journal_dir(self) -> Path:
        """The stream's journal, kept when the stream could not be finished."""
        return self.work / "journal"

    def preflight(self) -> None:
        """Check every prefix before anything runs.

        Raises:
            PreflightError: A prefix cannot be used; its ``usage`` says whether
                the prefix is wrong or the store refused.
        """
        preflight(
            self.store,
            outputs=self.outputs,
            inputs=self.inputs,
            raw_output_prefix=self.raw_output_prefix,
            previous_checkpoint=self.previous_checkpoint,
        )

    def execute(self) -> RunResult:
        """Run the attempt; storage problems become the attempt's error document.

        A second SIGTERM or SIGINT ends this process at once (exit 128 + the
        signal), keeping the stream's journal and saying how to upload it.

        Raises:
            PlugioError: not even the error document could be written.
        """
        for folder in (self.input_dir, self.output_dir, self.checkpoint_dir):
            folder.mkdir(parents=True, exist_ok=True)
        guard = SignalGuard(self.options.grace_period, self._stop_at_once)
        if self.options.handle_signals:
            guard.install()
        result = RunResult(None, workdir=str(self.work))
        try:
            result = self._attempt(guard, result)
        finally:
            self._close_stream(result)
            guard.uninstall()
        return result

    def _attempt(self, guard: SignalGuard, result: RunResult) -> RunResult:
        phase: Phase = "platform"
        outcome: CommandOutcome | None = None
        try:
            self._writer = self._open_stream()  # first: an attempt stopped early shows as such
            guard.stop_if_held()
            self._prepare()
            if self.options.on_command_start is not None:
                self.options.on_command_start()
            outcome = run_command(
                self.command,
                self._environment(),
                writer=cast(StreamWriter | None, self._writer),  # a client writes as well
                guard=guard,
                metrics=self._metrics_file(),
            )
            if self.options.on_command_end is not None:
                self.options.on_command_end()
            result.exit_code = outcome.exit_code
            result.signal = guard.signal_during_command
            # Blocking: it waits for any earlier save first, so outputs follow a whole save.
            self.checkpoint.save(self.checkpoint_dir, progress=self.options.progress)
            if not self._check(outcome, guard, result):
                phase = "convert"
                values = collect_outputs(self.output_dir, self.options.declared_outputs)
                phase = "platform"
                commit_outputs(
                    self.store,
                    self.paths,
                    values,
                    self.output_dir,
                    progress=self.options.progress,
                    generation=self.options.flyte,
                )
                result.outputs = _printable(values)
        except Interrupted as stop:
            result.signal = stop.signum
            error = interrupted_error(
                stop.signum, outcome, self.command, grace_period=0, killed_after_grace=False
            )
            return self._failed(result, error)
        except _Kept as kept:
            result.error = kept.error
            return result
        except (_Stop, OutputsNotFound) as stop:
            return self._failed(result, stop.error)
        except Exception as exc:
            result.error = report_failure_for(
                self.store, self.paths, exc, phase=phase, generation=self.options.flyte
            )
        return result

    def _failed(self, result: RunResult, error: ExecutionError) -> RunResult:
        error = error_for_generation(error, self.options.flyte)
        ref = write_error_document(self.store, self.paths, error)
        result.error = replace(error, error_uri=ref)
        return result

    # -- before ---------------------------------------------------------------
    def _prepare(self) -> None:
        if self.inputs is not None:
            reader = RemoteFileInputReader(self.store, InputPaths(self.store, self.inputs))
            values = from_literal_map(reader.get(), store=self.store)
            self._materialise(values)
        self.checkpoint.restore(self.checkpoint_dir, progress=self.options.progress)

    def _materialise(self, values: dict[str, Any]) -> None:
        document: dict[str, Any] = {}
        for name, value in values.items():
            if isinstance(value, BlobRef):
                local = value.download(self.input_dir / name, progress=self.options.progress)
                document[name] = str(local)
            else:
                document[name] = value
                if isinstance(value, str | int | float | bool):
                    (self.input_dir / name).write_text(_text(value))
        payload = json.dumps(document, indent=2, sort_keys=True, default=str)
        (self.input_dir / "inputs.json").write_text(payload)

    # -- the command ----------------------------------------------------------
    def _environment(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            PLUGIO_INPUT_DIR=str(self.input_dir),
            PLUGIO_OUTPUT_DIR=str(self.output_dir),
            PLUGIO_CHECKPOINT_DIR=str(self.checkpoint_dir),
            PLUGIO_RAW_OUTPUT_PREFIX=self.raw_prefix,
        )
        if self._writer is not None:
            env[METRICS_ENV] = str(self.work / "metrics.jsonl")
        else:
            env.pop(METRICS_ENV, None)
        env.update(attempt_stream.stream_environment(self._writer))
        return env

    def _open_stream(self) -> AttemptSink | None:
        if not self.options.stream:
            return None
        attempt, work = self.options.attempt, self.journal_dir
        return attempt_stream.open_stream(
            self.store, self.outputs, work, attempt, service=self.service
        )

    def _metrics_file(self) -> MetricsFile | None:
        if self._writer is None:
            return None
        return MetricsFile(self.work / "metrics.jsonl", self._writer)

    def _close_stream(self, result: RunResult) -> None:
        writer, self._writer = self._writer, None
        if writer is None:
            return
        code = result.exit_code
        if code is not None and code < 0:
            code = 128 - code
        deadline = _CLOSE_DEADLINE if result.signal is None else _CLOSE_DEADLINE_INTERRUPTED
        end = attempt_stream.close_stream(writer, code, _stream_state(result), deadline)
        self.stream_finish = end.finish
        if end.journal_kept:
            result.unsent_journal = str(self.journal_dir)
            self._journal_kept = True

    def _stop_at_once(self, signum: int) -> None:
        """A second signal: keep the journal, say how to upload it, and exit now."""
        writer = self._writer
        name = signal.Signals(signum).name
        lines = [f"plugio run: a second {name}: stopped at once, the command killed."]
        if writer is not None:
            writer.flush_journal(timeout=0.2)
            lines.append(
                "The stream's journal is kept; upload it with: "
                f"plugio stream sync {shlex.quote(str(self.journal_dir))}"
            )
        os.write(2, ("\n".join(lines) + "\n").encode())
        os._exit(128 + signum)

    # -- after ----------------------------------------------------------------
    def _check(self, outcome: CommandOutcome, guard: SignalGuard, result: RunResult) -> bool:
        """Raise the attempt's error, if any; True when the command wrote ``outputs.pb``."""
        written = None
        if outcome.start_error is None:
            written = documents_written(self.store, self.outputs)
            if written.error is not None:
                result.written_by_command = True
                raise _Kept(written.error)
        if result.signal is not None:
            raise _Stop(
                interrupted_error(
                    result.signal,
                    outcome,
                    self.command,
                    grace_period=self.options.grace_period,
                    killed_after_grace=guard.killed_after_grace,
                )
            )
        own = self.output_dir / ERROR_JSON
        failure: ExecutionError | None
        if own.exists():
            failure = own_error(own)
        else:
            failure = command_failure(outcome, self.command, self.options.flyte)
        if failure is not None:
            raise _Stop(failure)
        result.written_by_command = written is not None and written.outputs
        return result.written_by_command

    def cleanup(self) -> None:
        """Remove the working folder (when it was not given by the caller).

        A stream's journal that still holds what could not be sent stays, alone.
        """
        if self.options.workdir is not None:
            return
        if not self._journal_kept:
            shutil.rmtree(self.work, ignore_errors=True)
            return
        for entry in self.work.iterdir():
            if entry == self.journal_dir:
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)


class _Kept(Exception):
    """The command wrote its own error document: reported as it is, nothing written."""

    def __init__(self, error: ExecutionError) -> None:
        super().__init__(error.message)
        self.error = error


def _stream_state(result: RunResult) -> StreamState:
    if result.signal is not None or (result.exit_code is not None and result.exit_code < 0):
        return StreamState.KILLED
    return StreamState.SUCCEEDED if result.error is None else StreamState.FAILED


def _text(value: str | int | float | bool) -> str:
    return json.dumps(value) if isinstance(value, bool) else str(value)


def _printable(values: dict[str, Any]) -> dict[str, Any]:
    return {
        name: str(value.path) if isinstance(value, LocalBlob) else value
        for name, value in values.items()
    }
