"""The runtime of a raw container: what ``plugio run`` does around a command.

1. read ``inputs.pb`` and materialise it in ``<workdir>/inputs``: ``inputs.json``
   with every value, one file per primitive value (its text), blobs downloaded
   to ``inputs/<name>``;
2. restore the previous attempt's checkpoint into ``<workdir>/checkpoint``;
3. run the command with ``PLUGIO_INPUT_DIR``, ``PLUGIO_OUTPUT_DIR``,
   ``PLUGIO_CHECKPOINT_DIR`` (and ``PLUGIO_RAW_OUTPUT_PREFIX``) set, its console
   streamed live to ``<outputs>/stream`` (see ``plugio logs``);
4. save the checkpoint folder (also when the command failed: a retry resumes);
5. turn what the command left in ``<workdir>/outputs`` into ``outputs.pb``:
   ``outputs.json`` (an object of values) plus every other file or folder as a
   blob named after it (``model.bin`` → ``model``), uploaded under the raw
   output prefix; ``deck.html`` becomes the deck;
6. on failure write ``error.pb`` instead:

   ==============================  ======  ============  =======================
   what happened                   kind    recoverable   code
   ==============================  ======  ============  =======================
   ``outputs/error.json`` written  its     its           its ``code``
   non-zero exit                   USER    no            ``USER:ExitCode<n>``
   killed by a signal              SYSTEM  yes           ``SYSTEM:Signal<NAME>``
   a declared output missing       USER    no            ``USER:OutputsNotFound``
   outputs not convertible         SYSTEM  no            ``SYSTEM:<Exception>``
   storage failure                 SYSTEM  transient     ``SYSTEM:<Exception>``
   ==============================  ======  ============  =======================

   The command's own ``error.json`` is ``{"code": str, "message": str,
   "recoverable": bool, "kind": "USER" | "SYSTEM"}`` (all optional).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from plugio.execution import ErrorKind, ExecutionError
from plugio.literals import BlobRef, LocalBlob, from_literal_map, to_literal_map
from plugio.paths import InputPaths, RemoteCheckpointPaths, random_raw_path
from plugio.readers import InMemoryOutputReader, RemoteFileInputReader
from plugio.storage import DataStore, ProgressCallback
from plugio.stream import StreamState, StreamWriter, attempt_stream_prefix, run_process
from plugio.task._checkpoints import Checkpoint
from plugio.task._deck import write_deck
from plugio.task._error_document import Phase, report_failure, write_error_document
from plugio.writers import RemoteFileOutputWriter

__all__ = ["RunResult", "TaskRun"]

OUTPUTS_JSON = "outputs.json"
ERROR_JSON = "error.json"
DECK_HTML = "deck.html"


@dataclass
class RunResult:
    """How the run ended.

    Attributes:
        exit_code: The command's exit code (negative: killed by that signal);
            None when it never ran.
        error: The error written to ``error.pb`` (its ``error_uri`` set), or
            None when outputs were written.
        outputs: The outputs written, printable (local files as their paths).
        workdir: The working folder.
    """

    exit_code: int | None
    error: ExecutionError | None = None
    outputs: dict[str, Any] = field(default_factory=dict)
    workdir: str = ""


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
        inputs: The input prefix holding ``inputs.pb``; None for no inputs.
        outputs: The attempt's output prefix.
        raw_output_prefix: Where blobs and the checkpoint go.
        previous_checkpoint: The previous attempt's checkpoint prefix to
            restore; ``""`` for none.
        declared_outputs: Output names the command must produce.
        workdir: The working folder; None for a new temporary one, which
            :meth:`cleanup` removes.
        stream: Stream the command's console to ``<outputs>/stream``.
        attempt: The attempt number, which fences the stream's writers.
        progress: Called with (bytes done, bytes in all) during transfers.
    """

    store: DataStore
    command: Sequence[str]
    inputs: str | None
    outputs: str
    raw_output_prefix: str
    previous_checkpoint: str = ""
    declared_outputs: Sequence[str] = ()
    workdir: str | None = None
    stream: bool = True
    attempt: int = 0
    progress: ProgressCallback | None = None

    def __post_init__(self) -> None:
        self.paths = RemoteCheckpointPaths(
            self.store, self.outputs, self.raw_output_prefix, self.previous_checkpoint
        )
        self.work = Path(self.workdir or tempfile.mkdtemp(prefix="plugio-run-"))
        self.checkpoint = Checkpoint(self.store, self.paths)

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

    def execute(self) -> RunResult:
        """Run the attempt; storage problems become the attempt's error document.

        Raises:
            PlugioError: not even the error document could be written.
        """
        for folder in (self.input_dir, self.output_dir, self.checkpoint_dir):
            folder.mkdir(parents=True, exist_ok=True)
        phase: Phase = "platform"
        exit_code: int | None = None
        try:
            self._prepare()
            exit_code = self._run_command()
            phase = "platform"
            self.checkpoint.save(self.checkpoint_dir)
            failure = self._failure_of(exit_code)
            if failure is not None:
                raise _Stop(failure)
            phase = "convert"
            outputs = self._collect_outputs()
            phase = "platform"
            self._commit(outputs)
        except _Stop as stop:
            error = stop.error
            ref = write_error_document(self.store, self.paths, error)
            return RunResult(exit_code, _with_uri(error, ref), workdir=str(self.work))
        except Exception as exc:
            error = report_failure(self.store, self.paths, exc, phase=phase)
            return RunResult(exit_code, error, workdir=str(self.work))
        return RunResult(exit_code, None, _printable(outputs), str(self.work))

    # -- before ---------------------------------------------------------------
    def _prepare(self) -> None:
        if self.inputs is not None:
            reader = RemoteFileInputReader(self.store, InputPaths(self.store, self.inputs))
            values = from_literal_map(reader.get(), store=self.store)
            self._materialise(values)
        self.checkpoint.restore(self.checkpoint_dir)

    def _materialise(self, values: dict[str, Any]) -> None:
        document: dict[str, Any] = {}
        for name, value in values.items():
            if isinstance(value, BlobRef):
                local = value.download(self.input_dir / name, progress=self.progress)
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
            PLUGIO_RAW_OUTPUT_PREFIX=self.raw_output_prefix,
        )
        return env

    def _run_command(self) -> int:
        if not self.stream:
            return subprocess.run(
                list(self.command), env=self._environment(), check=False
            ).returncode
        writer = StreamWriter(
            self.store,
            attempt_stream_prefix(self.outputs),
            journal_dir=self.work / "journal",
            epoch=self.attempt,
        )
        exit_code: int | None = None
        try:
            exit_code = run_process(writer, self.command, tee=True, env=self._environment())
        finally:
            writer.close(exit_code=exit_code, state=_stream_state(exit_code), deadline=30)
        return exit_code

    def _failure_of(self, exit_code: int) -> ExecutionError | None:
        own = self.output_dir / ERROR_JSON
        if own.exists():
            return _own_error(own)
        if exit_code < 0:
            name = signal.Signals(-exit_code).name
            return ExecutionError(
                f"SYSTEM:Signal{name}",
                f"the command was killed by {name} (out of memory or preempted?)",
                ErrorKind.SYSTEM,
                is_recoverable=True,
            )
        if exit_code != 0:
            return ExecutionError(
                f"USER:ExitCode{exit_code}",
                f"the command exited with code {exit_code}: {' '.join(self.command)}",
                ErrorKind.USER,
            )
        return None

    # -- after ----------------------------------------------------------------
    def _collect_outputs(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        document = self.output_dir / OUTPUTS_JSON
        if document.exists():
            loaded = json.loads(document.read_text())
            if not isinstance(loaded, dict):
                raise ValueError(
                    f"{OUTPUTS_JSON} must hold a JSON object, not {type(loaded).__name__}"
                )
            values.update(loaded)
        for entry in sorted(self.output_dir.iterdir()):
            if entry.name in (OUTPUTS_JSON, ERROR_JSON, DECK_HTML):
                continue
            name = entry.name.split(".", 1)[0]
            if name in values:
                raise ValueError(
                    f"output {name!r} is given twice (in {OUTPUTS_JSON} and as {entry.name})"
                )
            values[name] = LocalBlob(entry)
        missing = [name for name in self.declared_outputs if name not in values]
        if missing:
            raise _Stop(
                ExecutionError(
                    "USER:OutputsNotFound",
                    f"declared outputs not written: {', '.join(missing)} "
                    f"(expected in {OUTPUTS_JSON} or as files in the output folder)",
                    ErrorKind.USER,
                )
            )
        return values

    def _commit(self, values: dict[str, Any]) -> None:
        uploaded = {name: self._upload(value) for name, value in values.items()}
        literal_map = to_literal_map(
            uploaded, store=self.store, raw_output_prefix=self.raw_output_prefix
        )
        deck = self.output_dir / DECK_HTML
        if deck.exists():
            write_deck(self.store, self.paths, deck.read_text(errors="replace"))
        RemoteFileOutputWriter(self.store, self.paths).put(
            InMemoryOutputReader(literals=literal_map)
        )

    def _upload(self, value: Any) -> Any:
        """A local file or folder uploaded (with progress) and named as Flyte's SDK does."""
        if not isinstance(value, LocalBlob):
            return value
        local_path = os.fspath(value.path)
        multipart = os.path.isdir(local_path)
        file_name = None if multipart else os.path.basename(local_path)
        uri = random_raw_path(self.raw_output_prefix, file_name)
        self.store.put(local_path, uri, progress=self.progress)
        return BlobRef(uri, multipart=multipart, format=value.format, store=self.store)

    def cleanup(self) -> None:
        """Remove the working folder (when it was not given by the caller)."""
        if self.workdir is None:
            shutil.rmtree(self.work, ignore_errors=True)


def _own_error(path: Path) -> ExecutionError:
    try:
        document = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        return ExecutionError(
            "USER:BadErrorFile", f"{ERROR_JSON} is not valid JSON: {exc}", ErrorKind.USER
        )
    if not isinstance(document, dict):
        document = {"message": str(document)}
    kind = str(document.get("kind", "USER")).upper()
    return ExecutionError(
        str(document.get("code") or "USER:TaskFailed"),
        str(document.get("message", "")),
        ErrorKind[kind] if kind in ErrorKind.__members__ else ErrorKind.USER,
        is_recoverable=bool(document.get("recoverable", False)),
    )


def _with_uri(error: ExecutionError, ref: str) -> ExecutionError:
    return replace(error, error_uri=ref)


def _stream_state(exit_code: int | None) -> StreamState:
    if exit_code is None or exit_code < 0:
        return StreamState.KILLED
    return StreamState.SUCCEEDED if exit_code == 0 else StreamState.FAILED


def _text(value: str | int | float | bool) -> str:
    return json.dumps(value) if isinstance(value, bool) else str(value)


def _printable(values: dict[str, Any]) -> dict[str, Any]:
    return {
        name: str(value.path) if isinstance(value, LocalBlob) else value
        for name, value in values.items()
    }
