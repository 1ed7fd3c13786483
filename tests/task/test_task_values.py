"""A task's inputs as values or a model, its outputs from values, a model or literals."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel
from rig import Rig

from plugio.core import LiteralMap
from plugio.errors import ConfigurationError, LiteralConversionError
from plugio.literals import BlobRef, from_literal_map, to_literal, to_literal_map
from plugio.paths import InputPaths, OutputFilePaths, ReadOnlyOutputPaths, RemoteCheckpointPaths
from plugio.readers import OutputReader, RemoteFileInputReader
from plugio.storage import DataStore
from plugio.task import read_inputs, read_inputs_async, write_outputs, write_outputs_async
from plugio.writers import BufferedOutputWriter, RemoteFileOutputWriter


class Job(BaseModel):
    steps: int
    data: BlobRef
    label: str | None = None


class Result(BaseModel):
    loss: float
    weights: Path


def test_a_task_reads_a_model_and_writes_outputs(rig: Rig, local_dir: Path) -> None:
    input_paths = InputPaths(rig.store, rig.ref("in"))
    rig.store.write_bytes(rig.ref("data.txt"), b"rows")
    inputs = to_literal_map({"steps": 3, "data": BlobRef(rig.ref("data.txt"))})
    rig.store.write_protobuf(input_paths.get_input_path(), inputs)

    job = read_inputs(RemoteFileInputReader(rig.store, input_paths), Job, store=rig.store)
    assert (job.steps, job.label) == (3, None)
    with job.data.open() as handle:
        assert handle.read() == b"rows"

    weights = local_dir / "weights.bin"
    weights.write_bytes(b"w" * 10)
    paths = RemoteCheckpointPaths(rig.store, rig.ref("out"), rig.ref("raw"))
    write_outputs(RemoteFileOutputWriter(rig.store, paths), Result(loss=0.5, weights=weights))
    written = rig.store.read_protobuf(paths.get_output_path(), LiteralMap)
    read = from_literal_map(written, store=rig.store)
    assert read["loss"] == 0.5
    assert read["weights"].uri.startswith(rig.ref("raw") + "/")
    assert read["weights"].download(local_dir / "w").read_bytes() == b"w" * 10


def test_async_task_io(local_dir: Path) -> None:
    store = DataStore()
    input_paths = InputPaths(store, "memory://task-io/in")
    store.write_protobuf(input_paths.get_input_path(), to_literal_map({"steps": 4}))
    paths = RemoteCheckpointPaths(store, "memory://task-io/out", "memory://task-io/raw")
    (local_dir / "w.bin").write_bytes(b"w")

    async def scenario() -> None:
        inputs = await read_inputs_async(RemoteFileInputReader(store, input_paths))
        assert inputs == {"steps": 4}
        writer = RemoteFileOutputWriter(store, paths)
        await write_outputs_async(writer, {"n": inputs["steps"] + 1, "w": local_dir / "w.bin"})

    asyncio.run(scenario())
    written = from_literal_map(store.read_protobuf(paths.get_output_path(), LiteralMap))
    assert written["n"] == 5
    assert written["w"].uri.startswith("memory://task-io/raw/")


def test_a_literal_map_is_written_as_it_is() -> None:
    store = DataStore()
    paths = RemoteCheckpointPaths(store, "memory://task-lm/out", "memory://task-lm/raw")
    outputs = to_literal_map({"n": 1, "names": ["a"]})
    write_outputs(RemoteFileOutputWriter(store, paths), outputs)
    assert store.read_protobuf(paths.get_output_path(), LiteralMap) == outputs


def deep_map(depth: int) -> LiteralMap:
    """A map whose variable ``x`` nests ``depth`` lists, built past conversion's check."""
    literal = to_literal(1)
    for _ in range(depth):
        outer = type(literal)()
        outer.collection.literals.add().CopyFrom(literal)
        literal = outer
    literal_map = LiteralMap()
    literal_map.literals["x"].CopyFrom(literal)
    return literal_map


def test_a_literal_map_too_deep_to_read_back_is_refused_and_nothing_written() -> None:
    store = DataStore()
    paths = RemoteCheckpointPaths(store, "memory://task-deep/out", "memory://task-deep/raw")
    writer = RemoteFileOutputWriter(store, paths)
    write_outputs(writer, deep_map(48))  # the deepest that reads back
    assert store.read_protobuf(paths.get_output_path(), LiteralMap) == deep_map(48)
    store.delete(paths.get_output_path())

    with pytest.raises(LiteralConversionError) as raised:
        write_outputs(writer, deep_map(49))
    assert raised.value.name == "x" + "[0]" * 49
    with pytest.raises(LiteralConversionError):
        asyncio.run(write_outputs_async(writer, deep_map(49)))
    assert not store.exists(paths.get_output_path())


def test_a_value_too_deep_is_refused_before_anything_is_written() -> None:
    store = DataStore()
    paths = RemoteCheckpointPaths(store, "memory://task-deep-v/out", "memory://task-deep-v/raw")
    value: Any = 1
    for _ in range(49):
        value = [value]
    with pytest.raises(LiteralConversionError, match=r"cannot convert x\[0\]"):
        write_outputs(RemoteFileOutputWriter(store, paths), {"x": value})
    assert not store.exists(paths.get_output_path())


class PlainPaths(OutputFilePaths):
    """Output paths of another kind, which carry no store."""

    def get_output_prefix_path(self) -> str:
        return "memory://task-plain/out"

    def get_output_path(self) -> str:
        return "memory://task-plain/out/outputs.pb"

    def get_deck_path(self) -> str:
        return "memory://task-plain/out/deck.html"

    def get_error_path(self) -> str:
        return "memory://task-plain/out/error.pb"

    def get_raw_output_prefix(self) -> str:
        return "memory://task-plain/raw"

    def get_checkpoint_prefix(self) -> str:
        return ""

    def get_previous_checkpoints_prefix(self) -> str:
        return ""


def test_other_writers_take_the_store_explicitly(local_dir: Path) -> None:
    (local_dir / "f.txt").write_text("f")
    writer = BufferedOutputWriter(PlainPaths())
    with pytest.raises(LiteralConversionError, match="pass store and raw_output_prefix"):
        write_outputs(writer, {"f": local_dir / "f.txt"})

    store = DataStore()
    write_outputs(writer, {"f": local_dir / "f.txt"}, store=store)
    reader: OutputReader | None = writer.get_reader()
    assert reader is not None
    outputs, error = reader.read()
    assert error is None
    assert outputs is not None
    blob = from_literal_map(outputs, store=store)["f"]
    assert isinstance(blob, BlobRef)
    assert blob.uri.startswith("memory://task-plain/raw/")
    assert store.read_bytes(blob.uri) == b"f"


def test_read_only_paths_have_nowhere_for_files(local_dir: Path) -> None:
    store = DataStore()
    writer = RemoteFileOutputWriter(store, ReadOnlyOutputPaths(store, "memory://task-ro/out"))
    with pytest.raises(ConfigurationError):
        writer.get_raw_output_prefix()
    write_outputs(writer, {"n": 3})  # values without files need no raw output area
    (local_dir / "f.txt").write_text("f")
    with pytest.raises(LiteralConversionError, match="pass store and raw_output_prefix"):
        write_outputs(writer, {"f": local_dir / "f.txt"})
