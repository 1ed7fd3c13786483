"""Flyte 2's golden vectors: files Flyte 2's own task runtime (``a0``) wrote.

    python conformance/golden_producers/golden_flyte2.py OUT

Run inside an environment with ``flyte`` installed (``scripts/generate_golden.py``
makes one). Each task of ``flyte2_tasks.py`` gets inputs made by Flyte 2's type
engine and runs under ``a0`` on ``file://`` prefixes; the ``inputs.pb``,
``outputs.pb`` and ``error.pb`` it reads and writes become vectors, and the
report it writes is kept as ``flyte2_report.html``. One vector is built with
``flyteidl2`` directly: an error whose code carries the engine's
``RetriesExhausted|`` prefix, which no task writes. plugio is not imported.
"""

from __future__ import annotations

import asyncio
import datetime
import json
import os
import shutil
import subprocess
import sys
import tempfile
from importlib.metadata import version
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import flyte2_tasks as tasks  # noqa: E402
from flyte.types import TypeEngine  # noqa: E402
from flyteidl2.core import execution_pb2  # noqa: E402
from flyteidl2.task import common_pb2  # noqa: E402
from google.protobuf.json_format import MessageToDict  # noqa: E402

KINDS = {0: "UNKNOWN", 1: "USER", 2: "SYSTEM"}
WHEN = datetime.datetime(2024, 2, 29, 23, 59, 58, 123456, tzinfo=datetime.timezone.utc)

#: task name -> (its inputs, what its outputs or error mean).
CASES: dict[str, tuple[dict[str, Any], str]] = {
    "primitives": (
        {
            "i": 41,
            "f": 1.25,
            "s": "héllo",
            "b": True,
            "when": WHEN,
            "span": datetime.timedelta(hours=1, microseconds=5),
        },
        "int, float, str, bool, datetime and timedelta outputs o0..o5 in declared order",
    ),
    "collections": (
        {"items": [1, 2, 3], "table": {"b": 1.0, "a": 3.0}},
        "a list and a dict, in declared order",
    ),
    "enum_and_dataclass": (
        {"color": tasks.Color.RED, "point": tasks.Point(1, 2.5, "é")},
        "an enum by member name (GREEN, not green), a dataclass and a list of them as msgpack",
    ),
    "optional": ({"value": None}, "an Optional[int] that is None"),
    "user_error": ({"value": 1}, "a plain ValueError: code ValueError, USER, recoverable"),
    "user_error_non_recoverable": (
        {"value": 2},
        "flyte.errors.NonRecoverableError: USER, not recoverable",
    ),
    "system_error": (
        {"value": 3},
        "flyte.errors.RuntimeSystemError: its code, SYSTEM, recoverable",
    ),
    "output_conversion_error": (
        {"value": 4},
        "an output of the wrong type: DataValidationError, USER, recoverable",
    ),
    "report": ({"value": 7}, "a task with report=True: its outputs"),
}

#: The tasks whose inputs are kept as vectors too (the others' are one integer).
INPUT_VECTORS = ("primitives", "collections", "enum_and_dataclass", "optional")

Vector = tuple[str, Any, str]  # name, message, meaning


def main() -> None:
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    producer = f"flyte {version('flyte')}"
    made = {}
    with tempfile.TemporaryDirectory(prefix="flyte2-golden-") as scratch:
        for name, message, meaning in asyncio.run(_run_all(Path(scratch), out)):
            _write(out, name, message, meaning, producer)
            made[name] = producer
    name, message, meaning = _retries_exhausted()
    idl = f"flyteidl2 {version('flyteidl2')}"
    _write(out, name, message, meaning, idl)
    made[name] = idl
    summary = {
        "producers": {"flyte": version("flyte"), "flyteidl2": version("flyteidl2")},
        "vectors": made,
        "files": {"flyte2_report.html": "the report.html a0 wrote for the report task"},
    }
    (out / "flyte2.json").write_text(json.dumps(summary, indent=2) + "\n")


async def _run_all(scratch: Path, out: Path) -> list[Vector]:
    vectors: list[Vector] = []
    for task, (values, meaning) in CASES.items():
        inputs = await _inputs(getattr(tasks, task), values)
        folder = scratch / task
        found = _run_a0(folder, task, inputs)
        if task in INPUT_VECTORS:
            about = f"inputs of {task}, from Flyte 2's type engine, in declared order"
            vectors.append((f"flyte2_inputs_{task}", inputs, about))
        if "outputs.pb" in found:
            outputs = common_pb2.Outputs.FromString(found["outputs.pb"])
            vectors.append((f"flyte2_outputs_{task}", _keep(outputs, found["outputs.pb"]), meaning))
        if "error.pb" in found:
            document = execution_pb2.ErrorDocument.FromString(found["error.pb"])
            vectors.append((f"flyte2_error_{task}", _keep(document, found["error.pb"]), meaning))
        if "report.html" in found:
            (out / "flyte2_report.html").write_bytes(found["report.html"])
    return vectors


class _Kept:
    """A message with the exact bytes a0 wrote."""

    def __init__(self, message: Any, data: bytes) -> None:
        self.message, self.data = message, data


def _keep(message: Any, data: bytes) -> _Kept:
    return _Kept(message, data)


async def _inputs(task: Any, values: dict[str, Any]) -> common_pb2.Inputs:
    hints = task.native_interface.get_input_types()
    literals = []
    for name, value in values.items():
        literal = await TypeEngine.to_literal(
            value, hints[name], TypeEngine.to_literal_type(hints[name])
        )
        literals.append(common_pb2.NamedLiteral(name=name, value=literal))
    return common_pb2.Inputs(literals=literals)


def _run_a0(folder: Path, task: str, inputs: common_pb2.Inputs) -> dict[str, bytes]:
    """Run ``task`` under a0 on file:// prefixes; the files it left in its output folder."""
    for part in ("in", "out", "raw", "base"):
        (folder / part).mkdir(parents=True)
    (folder / "in" / "inputs.pb").write_bytes(inputs.SerializeToString())
    a0 = Path(sys.executable).parent / "a0"
    command = [
        str(a0),
        "--inputs",
        f"file://{folder}/in/inputs.pb",
        "--outputs-path",
        f"file://{folder}/out",
        "--version",
        "v1",
        "--run-base-dir",
        f"file://{folder}/base",
        "--raw-data-path",
        f"file://{folder}/raw",
        "--name",
        "a0",
        "--run-name",
        "r1",
        "--project",
        "p",
        "--domain",
        "d",
        "--org",
        "o",
        "--resolver",
        "flyte._internal.resolvers.default.DefaultTaskResolver",
        "mod",
        "flyte2_tasks",
        "instance",
        task,
    ]
    environ = {**os.environ, "PYTHONPATH": str(HERE)}
    done = subprocess.run(command, env=environ, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"a0 failed on {task}: {done.stderr[-2000:]}")
    found = {path.name: path.read_bytes() for path in (folder / "out").iterdir() if path.is_file()}
    shutil.rmtree(folder)
    return found


def _retries_exhausted() -> Vector:
    document = execution_pb2.ErrorDocument(
        error=execution_pb2.ContainerError(
            code="RetriesExhausted|ValueError",
            message="[3/3] currentAttempt done. Last Error: USER::bad value",
            kind=execution_pb2.ContainerError.NON_RECOVERABLE,
            origin=execution_pb2.ExecutionError.USER,
        )
    )
    meaning = "the engine's RetriesExhausted| prefix on a user code: the reader drops it"
    return "flyte2_error_retries_exhausted", document, meaning


def _write(out: Path, name: str, message: Any, meaning: str, producer: str) -> None:
    data = message.data if isinstance(message, _Kept) else message.SerializeToString()
    message = message.message if isinstance(message, _Kept) else message
    (out / f"{name}.pb").write_bytes(data)
    decoded = type(message).FromString(data)
    fields: dict[str, Any] = {
        "name": name,
        "message": message.DESCRIPTOR.full_name,
        "producer": producer,
        "meaning": meaning,
        "canonical": decoded.SerializeToString(deterministic=True) == data,
        "value": MessageToDict(decoded, preserving_proto_field_name=True),
    }
    if isinstance(decoded, execution_pb2.ErrorDocument):
        fields["execution_error"] = _expected_execution_error(decoded)
    text = json.dumps(fields, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    (out / f"{name}.json").write_text(text, encoding="utf-8")


def _expected_execution_error(document: Any) -> dict[str, Any]:
    """What an output reader reports: Flyte 2's SDK's reading, recoverability from ``kind``."""
    error = document.error
    code = error.code
    if code.partition("|")[0] == "RetriesExhausted":
        code = code.partition("|")[2].strip()
    return {
        "code": code,
        "message": error.message,
        "kind": KINDS.get(error.origin, "UNKNOWN"),
        "is_recoverable": error.kind == 1,
        "timestamp": None,
        "worker": "",
    }


if __name__ == "__main__":
    main()
