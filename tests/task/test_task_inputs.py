"""Writing an attempt's inputs to ``inputs.pb``: values or literals, read back by the task."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from pydantic import BaseModel
from rig import Rig

from plugio.core import LiteralMap
from plugio.errors import LiteralConversionError
from plugio.literals import BlobRef, to_literal_map
from plugio.paths import InputPaths
from plugio.readers import RemoteFileInputReader
from plugio.storage import DataStore
from plugio.task import read_inputs, write_inputs, write_inputs_async


class Job(BaseModel):
    steps: int
    data: BlobRef


def nested_lists(depth: int) -> LiteralMap:
    """Inputs built by hand: ``x`` holds 1 inside ``depth`` lists."""
    literal = to_literal_map({"x": 1}).literals["x"]
    for _ in range(depth):
        outer = type(literal)()
        outer.collection.literals.add().CopyFrom(literal)
        literal = outer
    literals = LiteralMap()
    literals.literals["x"].CopyFrom(literal)
    return literals


def test_values_and_a_local_file_are_written_for_the_task_to_read(
    rig: Rig, local_dir: Path
) -> None:
    (local_dir / "data.csv").write_bytes(b"rows")
    ref = write_inputs(
        rig.store,
        rig.ref("in"),
        {"steps": 3, "data": local_dir / "data.csv"},
        raw_output_prefix=rig.ref("raw"),
    )
    paths = InputPaths(rig.store, rig.ref("in"))
    assert ref == paths.get_input_path()
    job = read_inputs(RemoteFileInputReader(rig.store, paths), Job, store=rig.store)
    assert job.steps == 3
    assert job.data.uri.startswith(rig.ref("raw") + "/")
    assert job.data.download(local_dir / "copy.csv").read_bytes() == b"rows"


def test_the_async_twin_writes_the_same(local_dir: Path) -> None:
    store = DataStore()
    (local_dir / "a.txt").write_bytes(b"a")
    values = {"n": 1, "names": ["a", "b"], "data": BlobRef("memory://inputs-async/d")}
    ref = asyncio.run(
        write_inputs_async(
            store,
            "memory://inputs-async/in",
            {**values, "file": local_dir / "a.txt"},
            raw_output_prefix="memory://inputs-async/raw",
        )
    )
    assert ref == "memory://inputs-async/in/inputs.pb"
    inputs = read_inputs(
        RemoteFileInputReader(store, InputPaths(store, "memory://inputs-async/in"))
    )
    assert {name: inputs[name] for name in values} == values
    assert inputs["file"].uri.startswith("memory://inputs-async/raw/")


def test_a_literal_map_is_written_as_it_is_once_it_reads_back() -> None:
    store = DataStore()
    write_inputs(store, "memory://inputs-lm/in", nested_lists(48))  # the deepest that reads back
    written = store.read_protobuf("memory://inputs-lm/in/inputs.pb", LiteralMap)
    assert written == nested_lists(48)

    with pytest.raises(LiteralConversionError, match="nests too deep") as raised:
        write_inputs(store, "memory://inputs-deep/in", nested_lists(49))
    assert raised.value.name == "x" + "[0]" * 49
    with pytest.raises(LiteralConversionError, match="nests too deep"):
        asyncio.run(write_inputs_async(store, "memory://inputs-deep/in", nested_lists(49)))
    assert not store.exists("memory://inputs-deep/in/inputs.pb")


def test_a_local_file_without_a_raw_output_prefix_is_refused(local_dir: Path) -> None:
    store = DataStore()
    (local_dir / "a.txt").write_bytes(b"a")
    with pytest.raises(LiteralConversionError, match="raw_output_prefix"):
        write_inputs(store, "memory://inputs-noraw/in", {"file": local_dir / "a.txt"})
    assert not store.exists("memory://inputs-noraw/in/inputs.pb")
