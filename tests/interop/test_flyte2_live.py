"""Flyte 2's own task runtime, ``a0``, and plugio on the same ``file://`` prefixes.

plugio writes a task's inputs; ``a0`` (``flyte`` 2.12, in its own environment)
runs the task on them; plugio reads what ``a0`` left: outputs, error documents
and the report. Every value type plugio converts is sent through a task that
echoes it, and plugio's own Flyte 2 outputs for the same values are compared
with ``a0``'s, byte for byte, where they can be the same (see
:data:`NOT_BYTE_IDENTICAL` for where and why they cannot).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from flyte2_live_types import Color, Point, Settings, Shape
from flyte2_runtime import A0Result, run_a0
from flyte2_runtime import flyte2_python as flyte2_python  # the fixture

from plugio.core import Outputs
from plugio.execution import ErrorKind
from plugio.literals import from_literal
from plugio.paths import ReadOnlyOutputPaths, RemoteFileOutputPaths
from plugio.readers import RemoteFileOutputReader
from plugio.storage import DataStore
from plugio.task import write_inputs, write_outputs
from plugio.writers import RemoteFileOutputWriter

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

HERE = Path(__file__).resolve().parent
MODULE = "flyte2_live_tasks"
WHEN = dt.datetime(2024, 2, 29, 23, 59, 58, 123456, tzinfo=dt.timezone.utc)


#: task -> (its inputs by name, in declared order; the Python type of each).
ECHOES: dict[str, dict[str, tuple[Any, Any]]] = {
    "echo_primitives": {
        "i": (-(2**62), int),
        "f": (1.25e-300, float),
        "s": ("héllo % # ✓", str),
        "b": (True, bool),
        "when": (WHEN, dt.datetime),
        "span": (dt.timedelta(days=-1, microseconds=7), dt.timedelta),
    },
    "echo_containers": {
        "items": ([3, 1, 2], list[int]),
        "table": ({"b": 0.5, "a": -1.0}, dict[str, float]),
        "nested": ([{"k": ["x", "y"]}, {}], list[dict[str, list[str]]]),
    },
    "echo_classes": {
        "color": (Color.RED, Color),
        "point": (Point(1, 2.5, "é"), Point),
        "shape": (Shape("sq", [Point(0, 0.0), Point(-3, 1e10, "far")], Color.GREEN), Shape),
        "colors": ([Color.GREEN, Color.RED], list[Color]),
    },
    "echo_optional": {
        "maybe": (None, int | None),
        "present": ("here", str | None),
    },
    "echo_model": {"settings": (Settings(name="n", weights=[0.5, 2.0]), Settings)},
}

#: Where plugio's Flyte 2 outputs differ from a0's for the same values, and why.
NOT_BYTE_IDENTICAL = {
    "echo_optional": "a0 writes an Optional as a Union literal carrying the variant's type; "
    "plugio, without the declared type, writes the bare value",
    "echo_model": "a0 writes a pydantic model as a msgpack Binary; plugio as a generic Struct",
}


#: Where they are the same but for the order of a map's entries: a0 writes a
#: dict in its own order (that of the map it read, which varies), plugio sorted.
MAP_ORDER_ONLY = {"echo_containers"}


def attempt(tmp_path: Path, name: str) -> tuple[DataStore, Path, Path]:
    """A store, and the input and work folders of one attempt, with awkward names."""
    root = tmp_path / f"run {name} é"
    (root / "in").mkdir(parents=True)
    return DataStore(), root / "in", root / "work"


def run_task(
    python: Path, tmp_path: Path, task: str, values: dict[str, Any]
) -> tuple[DataStore, A0Result]:
    store, inputs, work = attempt(tmp_path, task)
    write_inputs(store, str(inputs), values, generation=2)
    return store, run_a0(python, HERE, MODULE, task, inputs / "inputs.pb", work)


def a0_outputs(store: DataStore, result: A0Result) -> Outputs:
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.left() >= {"outputs.pb"}, result.stderr[-3000:]
    reader = RemoteFileOutputReader(store, ReadOnlyOutputPaths(store, str(result.outputs_dir)))
    outputs, error = reader.read_outputs()
    assert error is None
    assert outputs is not None
    return outputs


@pytest.mark.parametrize("task", sorted(ECHOES))
def test_a0_runs_on_inputs_plugio_wrote_and_plugio_reads_its_outputs(
    flyte2_python: Path, tmp_path: Path, task: str
) -> None:
    spec = ECHOES[task]
    values = {name: value for name, (value, _) in spec.items()}
    store, result = run_task(flyte2_python, tmp_path, task, values)
    outputs = a0_outputs(store, result)
    assert [entry.name for entry in outputs.literals] == [f"o{i}" for i in range(len(spec))]
    for entry, (value, hint) in zip(outputs.literals, spec.values(), strict=True):
        assert from_literal(entry.value, hint) == value, entry.name

    # plugio's own Flyte 2 outputs of the same values.
    mine = tmp_path / "mine"
    paths = RemoteFileOutputPaths(store, str(mine / "out"), str(mine / "raw"))
    writer = RemoteFileOutputWriter(store, paths, generation=2)
    write_outputs(writer, {f"o{i}": value for i, value in enumerate(values.values())})
    theirs = result.file("outputs.pb")
    if task in MAP_ORDER_ONLY:
        theirs = Outputs.FromString(theirs).SerializeToString(deterministic=True)
    identical = store.read_bytes(paths.get_output_path()) == theirs
    assert identical is (task not in NOT_BYTE_IDENTICAL), NOT_BYTE_IDENTICAL.get(task, task)


ERRORS = {
    "fail_plain": ("ValueError", "bad value 5", ErrorKind.USER, True),
    "fail_non_recoverable": ("NonRecoverableError", "stop at 5", ErrorKind.USER, False),
    "fail_system": ("StorageUnavailable", "store gone at 5", ErrorKind.SYSTEM, True),
}


@pytest.mark.parametrize("task", sorted(ERRORS))
def test_plugio_reads_a0s_errors(flyte2_python: Path, tmp_path: Path, task: str) -> None:
    store, result = run_task(flyte2_python, tmp_path, task, {"i": 5})
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.left() == {"error.pb"}
    reader = RemoteFileOutputReader(store, ReadOnlyOutputPaths(store, str(result.outputs_dir)))
    assert reader.is_error()
    error = reader.read_error()
    assert (error.code, error.message, error.kind, error.is_recoverable) == ERRORS[task]
    assert error.timestamp is None
    assert error.worker == ""


def test_plugio_finds_and_reads_a0s_report(flyte2_python: Path, tmp_path: Path) -> None:
    store, result = run_task(flyte2_python, tmp_path, "with_report", {"i": 7})
    outputs = a0_outputs(store, result)
    assert from_literal(outputs.literals[0].value) == 7
    reader = RemoteFileOutputReader(store, ReadOnlyOutputPaths(store, str(result.outputs_dir)))
    assert reader.deck_exists()
    assert "Résumé 7" in result.file("report.html").decode("utf-8")


def test_an_untyped_dict_is_not_readable_by_a0(flyte2_python: Path, tmp_path: Path) -> None:
    # plugio writes a dict as a map, which a task's dict[str, T] reads; Flyte 2
    # reads a bare ``dict`` only from MessagePack, and says so.
    _, result = run_task(flyte2_python, tmp_path, "echo_untyped", {"data": {"a": [1]}})
    assert result.returncode == 1
    assert "Cannot convert to python dictionary" in result.stdout + result.stderr
    assert result.left() == set()


def test_a0_leaves_no_error_file_when_inputs_do_not_convert(
    flyte2_python: Path, tmp_path: Path
) -> None:
    # Flyte 2's runtime exits 1 and writes nothing: the engine sees a failed pod.
    store, result = run_task(flyte2_python, tmp_path, "fail_plain", {"i": "not an int"})
    assert result.returncode == 1
    assert result.left() == set()
    reader = RemoteFileOutputReader(store, ReadOnlyOutputPaths(store, str(result.outputs_dir)))
    assert not reader.is_error()
    assert not reader.exists()
