"""RemoteFileOutputWriter on every backend: what is written, and reading it back."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone

import pytest
from rig import Rig

from plugio.core import ErrorDocument, Literal, LiteralMap
from plugio.errors import LiteralConversionError, PayloadError, PlugioError
from plugio.execution import ErrorKind, ExecutionError
from plugio.paths import RemoteCheckpointPaths
from plugio.readers import InMemoryOutputReader, OutputReader, RemoteFileOutputReader
from plugio.writers import OutputWriter, RemoteFileOutputWriter

STAMP = datetime(2024, 2, 21, 12, 30, 15, 123456, tzinfo=timezone.utc)
ERRORS = [
    ExecutionError("USER:ValueError", "bad", ErrorKind.USER, False, STAMP, "worker-0"),
    ExecutionError("OOMKilled", "out of memory", ErrorKind.SYSTEM, True, STAMP, ""),
    ExecutionError("Odd", "", ErrorKind.UNKNOWN, True, None, "w"),
]


def outputs(**values: int) -> LiteralMap:
    literals = LiteralMap()
    for name, value in values.items():
        literals.literals[name].scalar.primitive.integer = value
    return literals


def writer_for(rig: Rig) -> tuple[RemoteFileOutputWriter, RemoteCheckpointPaths]:
    paths = RemoteCheckpointPaths(rig.store, rig.ref("out"), rig.ref("raw"))
    return RemoteFileOutputWriter(rig.store, paths), paths


@pytest.fixture(params=["sync", "async"])
def put(request: pytest.FixtureRequest) -> object:
    def sync(writer: OutputWriter, reader: OutputReader) -> None:
        writer.put(reader)

    def in_loop(writer: OutputWriter, reader: OutputReader) -> None:
        asyncio.run(writer.put_async(reader))

    return sync if request.param == "sync" else in_loop


def test_outputs_go_to_outputs_pb(rig: Rig, put: object) -> None:
    writer, paths = writer_for(rig)
    put(writer, InMemoryOutputReader(outputs(a=1, b=2)))  # type: ignore[operator]
    assert rig.store.read_protobuf(paths.get_output_path(), LiteralMap) == outputs(a=1, b=2)
    assert not rig.store.exists(paths.get_error_path())


def test_an_empty_map_is_still_written(rig: Rig, put: object) -> None:
    writer, paths = writer_for(rig)
    put(writer, InMemoryOutputReader(LiteralMap()))  # type: ignore[operator]
    assert rig.store.head(paths.get_output_path()).size == 0
    literals, error = RemoteFileOutputReader(rig.store, paths).read()
    assert literals is None
    assert error is not None
    assert error.code == "No outputs produced"


def test_an_error_beats_outputs(rig: Rig, put: object) -> None:
    writer, paths = writer_for(rig)
    put(writer, InMemoryOutputReader(outputs(a=1), ERRORS[0]))  # type: ignore[operator]
    document = rig.store.read_protobuf(paths.get_error_path(), ErrorDocument)
    assert document == ERRORS[0].to_error_document()
    assert not rig.store.exists(paths.get_output_path())


def test_nothing_to_write_raises_naming_the_prefix(rig: Rig, put: object) -> None:
    writer, paths = writer_for(rig)
    with pytest.raises(PayloadError, match="no data found to write") as raised:
        put(writer, InMemoryOutputReader(deck_path="x"))  # type: ignore[operator]
    assert raised.value.ref == paths.get_output_prefix_path()
    assert paths.get_output_prefix_path() in str(raised.value)
    assert isinstance(raised.value, PlugioError)
    assert [info for page in rig.store.list(rig.ref("out")) for info in page] == []


def nested(kind: str, depth: int) -> LiteralMap:
    """Outputs built by hand: ``x`` holds 1 inside ``depth`` lists (or one-key dicts)."""
    literal = Literal()
    literal.scalar.primitive.integer = 1
    for _ in range(depth):
        outer = Literal()
        if kind == "list":
            outer.collection.literals.add().CopyFrom(literal)
        else:
            outer.map.literals["k"].CopyFrom(literal)
        literal = outer
    literals = LiteralMap()
    literals.literals["x"].CopyFrom(literal)
    return literals


#: The deepest nesting of each kind that protobuf parses back, and the name the
#: error gives one level deeper: the innermost list item, or the innermost dict
#: (whose entry's value is out of reach).
DEEPEST = [("list", 48, "x" + "[0]" * 49), ("dict", 32, "x" + "['k']" * 32)]


@pytest.mark.parametrize(("kind", "depth", "name"), DEEPEST)
def test_outputs_too_deep_to_read_back_are_refused_with_nothing_written(
    rig: Rig, put: object, kind: str, depth: int, name: str
) -> None:
    writer, _ = writer_for(rig)
    with pytest.raises(LiteralConversionError, match="nests too deep") as raised:
        put(writer, InMemoryOutputReader(nested(kind, depth + 1)))  # type: ignore[operator]
    assert raised.value.name == name
    assert [info for page in rig.store.list(rig.ref("out")) for info in page] == []


@pytest.mark.parametrize(("kind", "depth"), [(kind, depth) for kind, depth, _ in DEEPEST])
def test_the_deepest_outputs_allowed_read_back(
    rig: Rig, put: object, kind: str, depth: int
) -> None:
    writer, paths = writer_for(rig)
    put(writer, InMemoryOutputReader(nested(kind, depth)))  # type: ignore[operator]
    literals, error = RemoteFileOutputReader(rig.store, paths).read()
    assert error is None
    assert literals == nested(kind, depth)


@pytest.mark.parametrize("error", ERRORS, ids=["user", "system-recoverable", "no-timestamp"])
def test_errors_round_trip_losslessly(rig: Rig, put: object, error: ExecutionError) -> None:
    writer, paths = writer_for(rig)
    put(writer, InMemoryOutputReader(error=error))  # type: ignore[operator]
    reader = RemoteFileOutputReader(rig.store, paths)
    assert reader.is_error()
    read = reader.read_error()
    assert read == error
    assert read.error_uri == paths.get_error_path()
    assert asyncio.run(reader.read_error_async()) == error


def test_a_second_put_replaces_the_first(rig: Rig, put: object) -> None:
    writer, paths = writer_for(rig)
    put(writer, InMemoryOutputReader(outputs(a=1, b=2, c=3)))  # type: ignore[operator]
    put(writer, InMemoryOutputReader(outputs(z=9)))  # type: ignore[operator]
    assert RemoteFileOutputReader(rig.store, paths).read() == (outputs(z=9), None)


class ReadFails(InMemoryOutputReader):
    """Its read fails; the in-memory async side answers from the sync one."""

    def read(self) -> tuple[LiteralMap | None, ExecutionError | None]:
        raise ConnectionError("the reader could not read")


def test_a_failing_reader_writes_nothing(rig: Rig, put: object) -> None:
    writer, _ = writer_for(rig)
    with pytest.raises(ConnectionError):
        put(writer, ReadFails(outputs(a=1)))  # type: ignore[operator]
    assert [info for page in rig.store.list(rig.ref("out")) for info in page] == []


class LoopRecording(OutputReader):
    """Outputs from its async side, recording the event loop it ran on."""

    def __init__(self) -> None:
        self.loops: list[asyncio.AbstractEventLoop] = []

    def is_file(self) -> bool:
        return False

    async def is_error_async(self) -> bool:
        return False

    async def read_error_async(self) -> ExecutionError:
        raise AssertionError("no error")

    async def exists_async(self) -> bool:
        return True

    async def read_async(self) -> tuple[LiteralMap | None, ExecutionError | None]:
        self.loops.append(asyncio.get_running_loop())
        return outputs(a=5), None

    async def deck_exists_async(self) -> bool:
        return False


def test_put_async_awaits_read_async_in_the_callers_loop(rig: Rig) -> None:
    writer, paths = writer_for(rig)
    reader = LoopRecording()

    async def main() -> asyncio.AbstractEventLoop:
        await writer.put_async(reader)
        return asyncio.get_running_loop()

    assert reader.loops == [asyncio.run(main())]
    assert rig.store.read_protobuf(paths.get_output_path(), LiteralMap) == outputs(a=5)


def test_path_methods_answer_from_the_paths(rig: Rig) -> None:
    writer, paths = writer_for(rig)
    for name in (
        "get_output_prefix_path",
        "get_output_path",
        "get_deck_path",
        "get_error_path",
        "get_raw_output_prefix",
        "get_checkpoint_prefix",
        "get_previous_checkpoints_prefix",
    ):
        assert getattr(writer, name)() == getattr(paths, name)(), name
    assert writer.get_error_path() == rig.ref("out", "error.pb")
